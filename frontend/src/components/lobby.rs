//! What a named user sees with no room open: a place to pick one, and how
//! many rooms are open already ("You are in 1 room").

use yew::prelude::*;

use super::recent_rooms::RecentRooms;
use super::room_form::RoomForm;
use super::status_badge::StatusBadge;
use super::top_bar::TopBar;
use crate::browser;
use crate::context::use_chat;
use crate::wording;

#[derive(Properties, PartialEq)]
pub struct LobbyProps {
    pub on_menu: Callback<()>,
    /// The room list's drawer is open (for the menu button).
    #[prop_or_default]
    pub menu_open: bool,
}

#[function_component(Lobby)]
pub fn lobby(props: &LobbyProps) -> Html {
    let chat = use_chat();
    let open = chat.state.rooms.len();
    let recent = use_memo(open, |_| browser::recent_rooms());
    let on_pick = Callback::from(move |room| chat.open_room(&room));
    html! {
        <>
            <TopBar on_menu={props.on_menu.clone()} menu_open={props.menu_open}>
                <h1 class="flex-1 text-lg font-semibold">{ "Lobby" }</h1>
                <StatusBadge />
            </TopBar>
            <section class="flex flex-1 items-start justify-center overflow-y-auto px-4 py-10">
                <div class="w-full max-w-md space-y-6 rounded-2xl border border-ink-800 bg-ink-900/60 p-6 shadow-xl">
                    <div>
                        <h2 class="text-xl font-semibold">{ "Join a room" }</h2>
                        <p class="mt-1 text-sm text-ink-400">{ "Type a room's name to join it, or start a new one: anyone who joins the same name can talk with you." }</p>
                        if open > 0 {
                            <p class="mt-2 text-sm text-ink-300" data-open-rooms={open.to_string()}>
                                { format!("You are in {}.", wording::count(open, "room", "rooms")) }
                            </p>
                        }
                    </div>
                    <RoomForm id="lobby" />
                    <RecentRooms rooms={(*recent).clone()} {on_pick} />
                </div>
            </section>
        </>
    }
}
