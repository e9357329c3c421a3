//! Editing one of our messages in place (version 6): a field with its text
//! under the composer's rules (the server's length limit, not blank), Enter
//! saves, Shift+Enter adds a line, Escape cancels, and *Save* and *Cancel*
//! do the same by pointer. The field takes the focus when it opens, and the
//! focus goes back to the composer when it closes. Unchanged text closes
//! it without asking the server.
//!
//! [`use_edit_last`] gives the composer its Arrow up: in an empty composer
//! it opens this editor on our newest message, as in Slack or Discord.

use std::rc::Rc;

use roomcast_protocol::RoomName;
use wasm_bindgen::JsCast;
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

use super::button::{Button, Variant};
use super::message_changes::focus_composer;
use crate::compose::{check_draft, key_action, KeyAction};
use crate::context::use_chat;
use crate::edits::{Availability, Change};
use crate::state::Entry;

/// The field grows with the text up to this many lines, then scrolls.
const MAX_ROWS: usize = 8;

#[derive(Properties)]
pub struct MessageEditorProps {
    pub room: RoomName,
    pub entry: Rc<Entry>,
}

impl PartialEq for MessageEditorProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.entry, &other.entry) && self.room == other.room
    }
}

#[function_component(MessageEditor)]
pub fn message_editor(props: &MessageEditorProps) -> Html {
    let chat = use_chat();
    let draft = {
        let text = props.entry.text.clone();
        use_state(move || text)
    };
    let field = use_node_ref();
    {
        let field = field.clone();
        use_effect_with((), move |()| {
            if let Some(field) = field.cast::<HtmlTextAreaElement>() {
                let end = field.value().encode_utf16().count() as u32;
                let _ = field.set_selection_range(end, end);
                let _ = field.focus();
            }
        });
    }
    let Some(id) = props.entry.id else { return html! {} };
    let max_chars = chat.state.max_text_chars;
    let check = check_draft(&draft, max_chars);
    let online = chat
        .state
        .room(&props.room)
        .is_some_and(|room| chat.state.availability(room, &props.entry) == Availability::Ready);
    let savable = check.sendable && online;

    let cancel = {
        let (chat, room) = (chat.clone(), props.room.clone());
        Callback::from(move |()| {
            chat.close_editor(&room, id);
            focus_composer();
        })
    };
    let save = {
        let (chat, room, draft, cancel) = (chat.clone(), props.room.clone(), draft.clone(), cancel.clone());
        let unchanged = props.entry.text.clone();
        Callback::from(move |()| {
            if *draft == unchanged {
                return cancel.emit(());
            }
            if savable {
                chat.change_message(&room, id, Change::Edit((*draft).clone()));
                focus_composer();
            }
        })
    };
    let oninput = {
        let draft = draft.clone();
        Callback::from(move |event: InputEvent| {
            draft.set(event.target_unchecked_into::<HtmlTextAreaElement>().value());
        })
    };
    let onkeydown = {
        let (save, cancel) = (save.clone(), cancel.clone());
        Callback::from(move |event: KeyboardEvent| {
            if event.key() == "Escape" {
                event.prevent_default();
                event.stop_propagation();
                cancel.emit(());
            } else if key_action(&event.key(), event.shift_key(), event.is_composing()) == KeyAction::Send {
                event.prevent_default();
                save.emit(());
            }
        })
    };
    let onsubmit = Callback::from(move |event: SubmitEvent| {
        event.prevent_default();
        save.emit(());
    });

    let field_id = format!("edit-{id}");
    let help_id = format!("edit-help-{id}");
    let rows = draft.lines().count().clamp(1, MAX_ROWS);
    html! {
        <form {onsubmit} aria-label="Edit message" data-editor=""
            class="w-full max-w-[85%] rounded-2xl border border-accent-400 bg-ink-900 p-2 ring-2 ring-accent-400/30 sm:max-w-[70%]">
            <label for={field_id.clone()} class="sr-only">{ "Edit message" }</label>
            <textarea id={field_id} ref={field} rows={rows.to_string()} value={(*draft).clone()} {oninput} {onkeydown}
                aria-describedby={help_id.clone()} aria-invalid={check.problem.is_some().to_string()}
                class="max-h-48 w-full resize-none bg-transparent px-2 py-1.5 text-ink-100 focus:outline-none"
                dir="auto" />
            <div class="mt-1 flex flex-wrap items-center justify-between gap-2 px-1 text-xs">
                <p id={help_id} class="text-ink-500">
                    if let Some(problem) = check.problem.clone() {
                        <span class="text-danger-400" role="alert">{ problem }</span>
                    } else if !online {
                        <span class="text-warn-300">{ "Not connected: save once the connection is back" }</span>
                    } else {
                        <span class="hidden sm:inline">{ "Enter to save · Shift+Enter for a new line · Escape to cancel" }</span>
                    }
                </p>
                <div class="ml-auto flex items-center gap-2">
                    <span class={if check.remaining < 0 { "font-semibold text-danger-400" } else { "text-ink-500" }}
                        aria-label={format!("{} characters left", check.remaining)}>
                        { format!("{} / {}", draft.chars().count(), max_chars) }
                    </span>
                    <Button on_click={cancel} class="rounded-lg px-3 py-1">{ "Cancel" }</Button>
                    <Button variant={Variant::Primary} submit=true disabled={!savable}
                        class="rounded-lg px-3 py-1 font-semibold">
                        { "Save" }
                    </Button>
                </div>
            </div>
        </form>
    }
}

/// The composer's Arrow up: in an empty field, with no key held and no
/// other use for it (a list of names open above it takes it first), it
/// opens the editor on our newest message in `room` that can be changed.
#[hook]
pub fn use_edit_last(room: &RoomName) -> Callback<KeyboardEvent> {
    let chat = use_chat();
    let room = room.clone();
    Callback::from(move |event: KeyboardEvent| {
        let held = event.shift_key() || event.alt_key() || event.ctrl_key() || event.meta_key();
        let taken = event.is_composing() || event.default_prevented();
        let plain = event.key() == "ArrowUp" && !held && !taken;
        let empty_field = event
            .target()
            .and_then(|target| target.dyn_into::<HtmlTextAreaElement>().ok())
            .is_some_and(|field| field.value().is_empty());
        if plain && empty_field {
            event.prevent_default();
            chat.edit_last(&room);
        }
    })
}
