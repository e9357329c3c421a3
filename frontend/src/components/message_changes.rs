//! What became of a message after it was sent (version 6), shown under its
//! bubble: "(edited)" with the time of the edit, the tombstone of a deleted
//! message, the editor while one of ours is edited, Edit and Delete on ours
//! ([`MessageActions`]), and how far our change got: saving, deleting, or
//! why it failed (with *Try again* where waiting can help, and *Dismiss*).
//!
//! [`super::message_item::MessageItem`] hides the bubble while the editor
//! or the tombstone takes its place.

use std::rc::Rc;

use roomcast_protocol::{MessageId, RoomName};
use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::button::{Button, Variant};
use super::message_actions::MessageActions;
use super::message_editor::MessageEditor;
use crate::browser;
use crate::calendar::LocalTime;
use crate::context::use_chat;
use crate::edits::{Availability, Change, FailedChange, Right};
use crate::state::Entry;

#[derive(Properties)]
pub struct MessageChangesProps {
    pub room: RoomName,
    pub entry: Rc<Entry>,
    /// Ours: the line sits on the right.
    pub mine: bool,
}

impl PartialEq for MessageChangesProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.entry, &other.entry) && self.mine == other.mine && self.room == other.room
    }
}

#[function_component(MessageChanges)]
pub fn message_changes(props: &MessageChangesProps) -> Html {
    let entry = &props.entry;
    let revision = &entry.revision;
    let Some(id) = entry.id else { return html! {} };
    if revision.deleted {
        return html! {
            <div class="max-w-[85%] rounded-2xl border border-dashed border-ink-700 px-3.5 py-2 sm:max-w-[70%]"
                data-deleted="">
                <p class="text-sm italic text-ink-400">{ "message deleted" }</p>
            </div>
        };
    }
    if revision.editing {
        return html! { <MessageEditor room={props.room.clone()} entry={entry.clone()} /> };
    }
    let changeable = revision.right != Right::None;
    let edited = revision.edited_ts.map(edited_mark);
    html! {
        <>
            if changeable || edited.is_some() {
                <div class={classes!("relative", "flex", "items-center", "gap-2", "px-1", "text-xs",
                    props.mine.then_some("flex-row-reverse"))}>
                    if changeable {
                        <MessageActions room={props.room.clone()} entry={entry.clone()} />
                    }
                    { edited.unwrap_or_default() }
                </div>
            }
            if let Some(pending) = &revision.pending {
                <p class="px-1 text-xs text-ink-400" data-change="pending">
                    { if *pending == Change::Delete { "Deleting…" } else { "Saving edit…" } }
                </p>
            }
            if let Some(failed) = &revision.failed {
                <ChangeNote room={props.room.clone()} {id} failed={failed.clone()} />
            }
        </>
    }
}

/// "(edited)", with the edit's time for the pointer (`title`) and for
/// screen readers.
fn edited_mark(edited_ts: f64) -> Html {
    let at = LocalTime::at(edited_ts, browser::utc_offset_minutes(edited_ts));
    let words = format!("Edited {}", at.full());
    html! {
        <time class="text-ink-500" datetime={at.iso()} title={words.clone()} data-edited={at.clock()}>
            <span aria-hidden="true">{ "(edited)" }</span>
            <span class="sr-only">{ words }</span>
        </time>
    }
}

#[derive(Properties, PartialEq)]
struct ChangeNoteProps {
    room: RoomName,
    id: MessageId,
    failed: FailedChange,
}

/// Why our change was not made; *Try again* where that can help now.
#[function_component(ChangeNote)]
fn change_note(props: &ChangeNoteProps) -> Html {
    let chat = use_chat();
    let ready = chat.state.room(&props.room).is_some_and(|room| {
        let entry = room.entries.iter().find(|entry| entry.id == Some(props.id));
        entry.is_some_and(|entry| chat.state.availability(room, entry) == Availability::Ready)
    });
    let retry = {
        let (chat, room, id) = (chat.clone(), props.room.clone(), props.id);
        Callback::from(move |()| chat.retry_change(&room, id))
    };
    let dismiss = {
        let (room, id) = (props.room.clone(), props.id);
        Callback::from(move |()| {
            chat.dismiss_change(&room, id);
            focus_composer();
        })
    };
    html! {
        <div role="alert" data-change="failed"
            class="flex max-w-[85%] flex-wrap items-center justify-end gap-2 px-1 pt-0.5 text-xs sm:max-w-[70%]">
            <span class="text-danger-300">{ props.failed.reason.clone() }</span>
            if props.failed.retry && ready {
                <Button on_click={retry} class="rounded px-2 py-0.5">{ "Try again" }</Button>
            }
            <Button variant={Variant::Quiet} on_click={dismiss} class="rounded px-2 py-0.5">{ "Dismiss" }</Button>
        </div>
    }
}

/// Gives the keyboard focus back to the composer, where it was before an
/// edit or a deletion began (its place on screen is gone).
pub fn focus_composer() {
    let composer = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.get_element_by_id("composer"))
        .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(composer) = composer {
        let _ = composer.focus();
    }
}
