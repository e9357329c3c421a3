//! One message: author and time, the text, and for our own messages where
//! they are on the way (queued, sending, failed with Retry and Discard).
//! What became of it later (edited, deleted, our Edit and Delete) is
//! [`MessageChanges`], under the bubble.
//!
//! The author and the text are other people's words: Yew puts them into the
//! page as text, never as markup, and each is isolated (`<bdi>`, and
//! `dir="auto"` on the text) so that right-to-left characters in one cannot
//! reorder what stands beside it. Links and mentions in the text are
//! elements made by [`MessageText`]; a message that mentions the user is
//! marked with a bar on its left and says so to screen readers.

use std::rc::Rc;

use roomcast_protocol::RoomName;
use yew::prelude::*;

use super::button::{Button, Variant};
use super::message_changes::MessageChanges;
use super::message_text::{use_mention_names, MessageText};
use crate::author_colour::author_colour;
use crate::browser;
use crate::calendar::LocalTime;
use crate::context::use_chat;
use crate::rich_text;
use crate::state::{Delivery, Entry, Link};

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
    let time = LocalTime::at(entry.ts, browser::utc_offset_minutes(entry.ts));
    let bubble = match (&entry.delivery, mine) {
        // The editor or the tombstone takes the bubble's place.
        _ if entry.revision.editing || entry.revision.deleted => "hidden",
        (Delivery::Failed(_), _) => "border border-danger-500/60 bg-danger-950/40 text-ink-100",
        (Delivery::Queued | Delivery::Sending | Delivery::Waiting, true) => "bg-accent-700/60 text-accent-50",
        (_, true) => "bg-accent-600 text-white",
        (_, false) => "bg-ink-800 text-ink-100",
    };
    // A mention of the user: a bar on the left, beside the words "Mentions you" for screen readers.
    let names = use_mention_names();
    let to_me = !mine && rich_text::mentions_me(&entry.text, &names);
    let bubble = classes!(bubble, to_me.then_some("border-l-4"), to_me.then_some("border-warn-300"));
    let state = match &entry.delivery {
        Delivery::Queued => "queued",
        Delivery::Sending => "sending",
        Delivery::Waiting => "waiting",
        Delivery::Sent => "sent",
        Delivery::Failed(_) => "failed",
    };
    html! {
        <li class={classes!("flex", "flex-col", if mine { "items-end" } else { "items-start" }, (!props.continued).then_some("pt-2"))}
            data-mine={mine.to_string()} data-delivery={state} data-author={entry.author.clone()}
            data-mentions-me={to_me.then_some("true")}>
            <Header author={entry.author.clone()} {mine} {time} continued={props.continued} />
            <div class={classes!("max-w-[85%]", "sm:max-w-[70%]", "rounded-2xl", "px-3.5", "py-2", "shadow-sm", bubble)}
                title={time.full()}>
                if to_me {
                    <span class="sr-only" data-mention-note="">{ "Mentions you: " }</span>
                }
                <MessageText text={entry.text.clone()} />
            </div>
            <MessageChanges room={props.room.clone()} entry={entry.clone()} {mine} />
            if mine {
                <DeliveryLine room={props.room.clone()} entry={entry.clone()} />
            }
        </li>
    }
}

#[derive(Properties, PartialEq)]
struct HeaderProps {
    author: String,
    mine: bool,
    time: LocalTime,
    continued: bool,
}

/// Who wrote the message and when: the name in its colour (ours in the
/// accent colour, as "You") and the time, whose full date shows on hover
/// and, as the time can take the focus, on focus; screen readers read the
/// full date. A message that continues its author's group hides the
/// header from the eye only, so a screen reader still says whose it is.
#[function_component(Header)]
fn header(props: &HeaderProps) -> Html {
    let HeaderProps { author, mine, time, continued } = props;
    let (name, colour) =
        if *mine { ("You".to_owned(), "text-accent-200") } else { (author.clone(), author_colour(author)) };
    let full = time.full();
    if *continued {
        return html! {
            <p class="sr-only" data-header="hidden">
                <bdi>{ name }</bdi>{ ", " }<time datetime={time.iso()}>{ full }</time>
            </p>
        };
    }
    html! {
        <p class="mb-0.5 flex items-baseline gap-2 px-1 text-xs" data-header="">
            <bdi class={classes!("font-semibold", colour)}>{ name }</bdi>
            <time datetime={time.iso()} title={full.clone()} tabindex="0"
                class="group relative rounded text-ink-500 focus:outline-none focus-visible:ring-2 focus-visible:ring-accent-400">
                <span aria-hidden="true">{ time.clock() }</span>
                <span class={classes!(TOOLTIP, if *mine { "group-focus-visible:right-0" } else { "group-focus-visible:left-0" })}
                    data-full-time="">{ full }</span>
            </time>
        </p>
    }
}

/// The full date under a focused time: read by screen readers always,
/// shown on keyboard focus.
const TOOLTIP: &str = "sr-only whitespace-nowrap group-focus-visible:not-sr-only group-focus-visible:absolute group-focus-visible:top-full group-focus-visible:z-10 group-focus-visible:mt-1 group-focus-visible:rounded-md group-focus-visible:bg-ink-700 group-focus-visible:px-2 group-focus-visible:py-1 group-focus-visible:text-ink-50 group-focus-visible:shadow-lg";

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
        // Queued while connected: waiting behind messages paced after a
        // refusal for sending too fast, or for its room's join.
        Delivery::Queued if matches!(chat.state.link, Link::Live { .. }) => html! {
            <p class="px-1 text-xs text-ink-400">{ "Waiting to send…" }</p>
        },
        Delivery::Queued => html! {
            <p class="px-1 text-xs text-warn-300">{ "Queued: sends when connected" }</p>
        },
        Delivery::Sending => html! { <p class="px-1 text-xs text-ink-400">{ "Sending…" }</p> },
        Delivery::Waiting => html! {
            <p class="px-1 text-xs text-ink-400">{ "Waiting to send: sending too fast, trying again in a moment…" }</p>
        },
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
