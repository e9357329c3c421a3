//! The bar above the lobby and each room: the menu button that opens the room
//! list on phones, then whatever the screen puts there.
//!
//! The menu button says whether the list is open (`aria-expanded`, with
//! `aria-controls` naming it) and carries a dot when a room in it has
//! unread messages (not counting muted rooms' ordinary ones), and another
//! colour when a message mentions you, both in its accessible name too,
//! since the list itself is out of view.

use yew::prelude::*;

use super::button::{Button, Variant};
use crate::context::use_chat;

/// The id of the room list's panel, for the menu button's `aria-controls`.
pub const ROOMS_PANEL_ID: &str = "rooms";

#[derive(Properties, PartialEq)]
pub struct TopBarProps {
    pub on_menu: Callback<()>,
    /// The room list's drawer is open.
    #[prop_or_default]
    pub menu_open: bool,
    #[prop_or_default]
    pub children: Html,
}

#[function_component(TopBar)]
pub fn top_bar(props: &TopBarProps) -> Html {
    let chat = use_chat();
    // A muted room's ordinary messages do not light the dot; its mentions do.
    let (unread, mentions) = chat.state.title_counts();
    let (label, dot) = match (mentions > 0, unread > 0) {
        (true, _) => ("Show rooms (you were mentioned)", Some(("mention", "bg-danger-400"))),
        (false, true) => ("Show rooms (unread messages)", Some(("unread", "bg-accent-400"))),
        (false, false) => ("Show rooms", None),
    };
    html! {
        <header class="flex items-center gap-3 border-b border-ink-800 px-4 py-3">
            <Button variant={Variant::Quiet} label={label} on_click={props.on_menu.clone()} id="menu-button"
                controls={ROOMS_PANEL_ID} expanded={props.menu_open} class="relative rounded-md p-1 md:hidden">
                { "☰" }
                if let Some((kind, colour)) = dot {
                    <span class={classes!("absolute", "-right-0.5", "-top-0.5", "h-2.5", "w-2.5", "rounded-full", "ring-2", "ring-ink-950", colour)}
                        data-menu-dot={kind} aria-hidden="true"></span>
                }
            </Button>
            { props.children.clone() }
        </header>
    }
}
