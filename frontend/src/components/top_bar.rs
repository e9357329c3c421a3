//! The bar above the lobby and each room: the menu button that opens the room
//! list on phones, then whatever the screen puts there.

use yew::prelude::*;

use super::button::{Button, Variant};

#[derive(Properties, PartialEq)]
pub struct TopBarProps {
    pub on_menu: Callback<()>,
    #[prop_or_default]
    pub children: Html,
}

#[function_component(TopBar)]
pub fn top_bar(props: &TopBarProps) -> Html {
    html! {
        <header class="flex items-center gap-3 border-b border-ink-800 px-4 py-3">
            <Button variant={Variant::Quiet} label="Show rooms" on_click={props.on_menu.clone()} class="rounded-md p-1 md:hidden">
                { "☰" }
            </Button>
            { props.children.clone() }
        </header>
    }
}
