//! One room on screen: its header (name, how many people, connection,
//! Leave; on phones the count of people sits under the name, which keeps
//! the width), its messages, who is typing, the composer, and beside them who
//! is in the room (with a version 4 server; a drawer on narrow screens).

use yew::prelude::*;

use super::button::{Button, Variant};
use super::composer::Composer;
use super::member_list::{MemberList, PANEL_ID};
use super::message_list::MessageList;
use super::message_text::MentionScope;
use super::retry_all::RetryAll;
use super::status_badge::StatusBadge;
use super::top_bar::TopBar;
use super::typing_line::TypingLine;
use crate::context::use_chat;
use crate::people::people_count;
use crate::state::{Delivery, Link};

#[derive(Properties, PartialEq)]
pub struct RoomViewProps {
    pub on_menu: Callback<()>,
    /// The room list's drawer is open (for the menu button).
    #[prop_or_default]
    pub menu_open: bool,
}

#[function_component(RoomView)]
pub fn room_view(props: &RoomViewProps) -> Html {
    let chat = use_chat();
    let people_open = use_state(|| false);
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
    let failed = room.entries.iter().filter(|entry| matches!(entry.delivery, Delivery::Failed(_))).count();
    let people = chat.state.people(&room.name);
    let members = people.and_then(|people| people.members.clone());
    let typists = people.map(|people| people.typists.clone()).unwrap_or_default();
    let count = members.as_ref().map_or_else(|| "People".to_owned(), |members| people_count(members.len()));
    let toggle_people = {
        let people_open = people_open.clone();
        Callback::from(move |()| people_open.set(!*people_open))
    };
    let close_people = {
        let people_open = people_open.clone();
        Callback::from(move |()| people_open.set(false))
    };
    html! {
        <>
            <TopBar on_menu={props.on_menu.clone()} menu_open={props.menu_open}>
                <div class="min-w-0 flex-1">
                    <h1 class="truncate text-lg font-semibold" id="room-title">
                        <span class="text-ink-500" aria-hidden="true">{ "# " }</span>{ room.name.to_string() }
                    </h1>
                    // Under the title, so that the title keeps the width of
                    // a phone's header: whether the room is joined, and below
                    // `lg` the count that opens the list of people.
                    <div class="flex items-center gap-2 text-xs empty:hidden">
                        if let Some(subtitle) = subtitle {
                            <p class="text-warn-300">{ subtitle }</p>
                        }
                        if chat.state.speaks_presence() {
                            <Button variant={Variant::Quiet} on_click={toggle_people} id="people-button"
                                controls={PANEL_ID} expanded={*people_open}
                                class="-ml-1 whitespace-nowrap rounded px-1 text-xs lg:hidden">
                                { count.clone() }
                            </Button>
                        }
                    </div>
                </div>
                if chat.state.speaks_presence() {
                    // From `lg` up the list is always beside the messages
                    // and the count is text.
                    <p class="hidden whitespace-nowrap text-sm text-ink-300 lg:block" data-people-count="">{ count }</p>
                }
                <StatusBadge />
                <Button variant={Variant::Danger} on_click={leave} id="leave-room" class="rounded-lg px-3 py-1.5 text-sm">
                    { "Leave" }
                </Button>
            </TopBar>
            <div class="flex min-h-0 flex-1">
                <div class="flex min-w-0 flex-1 flex-col">
                    <MentionScope room={room.name.clone()}>
                        <MessageList room={room.clone()} on_load_older={load_older} />
                    </MentionScope>
                    <RetryAll room={room.name.clone()} {failed} />
                    <TypingLine {typists} />
                    <Composer room={room.name.clone()} max_chars={chat.state.max_text_chars} />
                </div>
                if chat.state.speaks_presence() {
                    <MemberList room={room.name.clone()} {members} me={chat.state.me.clone().map(AttrValue::from)}
                        open={*people_open} on_close={close_people} />
                }
            </div>
        </>
    }
}
