//! One room on screen: its header (name, connection, Leave), its messages
//! and the composer.

use yew::prelude::*;

use super::button::{Button, Variant};
use super::composer::Composer;
use super::message_list::MessageList;
use super::status_badge::StatusBadge;
use super::top_bar::TopBar;
use crate::context::use_chat;
use crate::state::Link;

#[derive(Properties, PartialEq)]
pub struct RoomViewProps {
    pub on_menu: Callback<()>,
}

#[function_component(RoomView)]
pub fn room_view(props: &RoomViewProps) -> Html {
    let chat = use_chat();
    let Some(room) =
        chat.state.rooms.iter().find(|room| chat.state.active.as_ref() == Some(&room.name)).cloned()
    else {
        return html! {};
    };
    let leave = {
        let (chat, name) = (chat.clone(), room.name.clone());
        Callback::from(move |_| chat.leave(&name))
    };
    let load_older = {
        let (chat, name) = (chat.clone(), room.name.clone());
        Callback::from(move |before| chat.load_older(&name, before))
    };
    let live = matches!(chat.state.link, Link::Live { .. });
    let subtitle = match (room.joined, live) {
        (true, _) => None,
        (false, true) => Some("joining…"),
        (false, false) => Some("will rejoin when connected"),
    };
    html! {
        <>
            <TopBar on_menu={props.on_menu.clone()}>
                <div class="min-w-0 flex-1">
                    <h1 class="truncate text-lg font-semibold" id="room-title">
                        <span class="text-ink-500" aria-hidden="true">{ "# " }</span>{ room.name.to_string() }
                    </h1>
                    if let Some(subtitle) = subtitle {
                        <p class="text-xs text-warn-300">{ subtitle }</p>
                    }
                </div>
                <StatusBadge />
                <Button variant={Variant::Danger} on_click={leave} id="leave-room" class="rounded-lg px-3 py-1.5 text-sm">
                    { "Leave" }
                </Button>
            </TopBar>
            <MessageList room={room.clone()} on_load_older={load_older} />
            <Composer room={room.name.clone()} max_chars={chat.state.max_text_chars} />
        </>
    }
}
