//! One message: author and time, the text, and for our own messages where
//! they are on the way (queued, sending, failed with Retry and Discard).
//! What became of it later (edited, deleted, our Edit and Delete) is
//! [`MessageChanges`], under the bubble.
//!
//! The author and the text are other people's words: Yew puts them into the
//! page as text, never as markup, and each is isolated (`<bdi>`, and
//! `dir="auto"` on the text) so that right-to-left characters in one cannot
//! reorder what stands beside it.

use std::rc::Rc;

use roomcast_protocol::RoomName;
use yew::prelude::*;

use super::button::{Button, Variant};
use super::message_changes::MessageChanges;
use crate::browser;
use crate::compose::clock;
use crate::context::use_chat;
use crate::state::{Delivery, Entry};

#[derive(Properties)]
pub struct MessageItemProps {
    pub room: RoomName,
    pub entry: Rc<Entry>,
    /// Same author as the message above, moments later: no header.
    #[prop_or_default]
    pub continued: bool,
}

impl PartialEq for MessageItemProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.entry, &other.entry) && self.continued == other.continued && self.room == other.room
    }
}

#[function_component(MessageItem)]
pub fn message_item(props: &MessageItemProps) -> Html {
    let entry = &props.entry;
    let mine = entry.is_mine();
    let time = clock(entry.ts, browser::utc_offset_minutes(entry.ts));
    let bubble = match (&entry.delivery, mine) {
        // The editor or the tombstone takes the bubble's place.
        _ if entry.revision.editing || entry.revision.deleted => "hidden",
        (Delivery::Failed(_), _) => "border border-danger-500/60 bg-danger-950/40 text-ink-100",
        (Delivery::Queued | Delivery::Sending, true) => "bg-accent-700/60 text-accent-50",
        (_, true) => "bg-accent-600 text-white",
        (_, false) => "bg-ink-800 text-ink-100",
    };
    let state = match &entry.delivery {
        Delivery::Queued => "queued",
        Delivery::Sending => "sending",
        Delivery::Sent => "sent",
        Delivery::Failed(_) => "failed",
    };
    html! {
        <li class={classes!("flex", "flex-col", if mine { "items-end" } else { "items-start" }, (!props.continued).then_some("pt-2"))}
            data-mine={mine.to_string()} data-delivery={state} data-author={entry.author.clone()}>
            if !props.continued {
                <p class="mb-0.5 flex items-baseline gap-2 px-1 text-xs">
                    <bdi class={classes!("font-semibold", if mine { "text-accent-200" } else { "text-teal-300" })}>
                        { if mine { "You".to_owned() } else { entry.author.clone() } }
                    </bdi>
                    <time class="text-ink-500">{ time.clone() }</time>
                </p>
            }
            <div class={classes!("max-w-[85%]", "sm:max-w-[70%]", "rounded-2xl", "px-3.5", "py-2", "shadow-sm", bubble)}
                title={time}>
                <p class="whitespace-pre-wrap break-words [unicode-bidi:isolate]" dir="auto" data-text="">{ entry.text.clone() }</p>
            </div>
            <MessageChanges room={props.room.clone()} entry={entry.clone()} {mine} />
            if mine {
                <DeliveryLine room={props.room.clone()} entry={entry.clone()} />
            }
        </li>
    }
}

#[derive(Properties)]
struct DeliveryLineProps {
    room: RoomName,
    entry: Rc<Entry>,
}

impl PartialEq for DeliveryLineProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.entry, &other.entry) && self.room == other.room
    }
}

#[function_component(DeliveryLine)]
fn delivery_line(props: &DeliveryLineProps) -> Html {
    let chat = use_chat();
    let client_id = props.entry.client_id.clone().unwrap_or_default();
    match &props.entry.delivery {
        Delivery::Sent => html! {},
        Delivery::Queued => html! {
            <p class="px-1 text-xs text-warn-300">{ "Queued: sends when connected" }</p>
        },
        Delivery::Sending => html! { <p class="px-1 text-xs text-ink-400">{ "Sending…" }</p> },
        Delivery::Failed(reason) => {
            let retry = {
                let (chat, room, client_id) = (chat.clone(), props.room.clone(), client_id.clone());
                Callback::from(move |_| chat.retry(&room, &client_id))
            };
            let discard = {
                let (room, client_id) = (props.room.clone(), client_id);
                Callback::from(move |_| chat.discard(&room, &client_id))
            };
            html! {
                <div class="flex max-w-[85%] flex-wrap items-center justify-end gap-2 px-1 pt-0.5 text-xs sm:max-w-[70%]">
                    <span class="text-danger-300">{ reason.clone() }</span>
                    <Button on_click={retry} class="rounded px-2 py-0.5">{ "Retry" }</Button>
                    <Button variant={Variant::Danger} on_click={discard} class="rounded px-2 py-0.5">{ "Discard" }</Button>
                </div>
            }
        }
    }
}
