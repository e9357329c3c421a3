//! What a room's line in the room list says about news: the unread count
//! (subdued when the room is muted), the mentions of the user apart in a
//! stronger colour ("@2"), and the button that mutes the room. Plain
//! functions for the room list, which draws them with each of its rows.

use roomcast_protocol::RoomName;
use yew::prelude::*;

use super::button::{Button, Variant};
use crate::context::Chat;
use crate::notify::badge_count;

/// "@1" for mentions of the user, then the count of unread messages (subdued
/// when the room is muted).
pub fn unread_badges(unread: u32, mentions: u32, muted: bool) -> Html {
    let mention_badge = (mentions > 0).then(|| {
        let label = match mentions {
            1 => "1 mention of you".to_owned(),
            n => format!("{n} mentions of you"),
        };
        html! {
            <span class="rounded-full bg-warn-300 px-2 py-0.5 text-xs font-bold text-ink-950"
                aria-label={label} data-mentions={mentions.to_string()}>
                { format!("@{}", badge_count(mentions)) }
            </span>
        }
    });
    let unread_badge = (unread > 0).then(|| {
        let colours = if muted { "bg-ink-700 text-ink-300" } else { "bg-accent-600 text-white" };
        html! {
            <span class={classes!("rounded-full", "px-2", "py-0.5", "text-xs", "font-semibold", colours)}
                aria-label={format!("{} unread", unread)} data-unread={unread.to_string()}>
                { badge_count(unread) }
            </span>
        }
    });
    html! {
        <span class="ml-auto flex shrink-0 items-center gap-1">{ for mention_badge }{ for unread_badge }</span>
    }
}

/// The switch that mutes `room` on this device: its messages stop notifying
/// (mentions of the user still do) and its unread count is subdued.
pub fn mute_button(chat: &Chat, room: &RoomName, muted: bool) -> Html {
    let on_click = {
        let (chat, room) = (chat.clone(), room.clone());
        Callback::from(move |()| chat.mute(&room, !muted))
    };
    let colour = if muted { "text-warn-300" } else { "text-ink-500" };
    html! {
        <Button variant={Variant::Quiet} label={format!("Mute #{room}")} pressed={Some(muted)}
            {on_click} class={classes!("shrink-0", "rounded-md", "p-2", colour)}>
            <svg class="h-4 w-4" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8"
                stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">
                <path d="M18 16V11a6 6 0 0 0-12 0v5l-2 2h16z" />
                <path d="M10 20.5a2.2 2.2 0 0 0 4 0" />
                if muted {
                    <path d="M4 3l17 17" />
                }
            </svg>
        </Button>
    }
}
