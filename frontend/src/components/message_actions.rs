//! Edit and Delete on one of our messages (version 6), where the server
//! will accept them ([`crate::edits::availability`]).
//!
//! Where the pointer can hover on a wide screen (the `desk` variant of
//! `styles.css`) they float over the lower corner of the bubble while the
//! pointer is on the message or the keyboard focus is on one of them;
//! everywhere else (phones, touch screens) a "⋯" button, always visible,
//! shows and hides them. Every control is a button in the Tab order with a
//! name that says what it does ("Edit message", "Delete message").
//!
//! Delete asks first, in place of the actions: "Delete this message?" with
//! *Delete* (which takes the focus) and *Cancel*; Escape cancels too, and
//! the focus goes back to Delete. While the room is not joined on a live
//! connection the actions wait, disabled, saying why.

use std::rc::Rc;

use roomcast_protocol::RoomName;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;
use yew::prelude::*;

use super::button::{Button, Variant};
use super::message_changes::focus_composer;
use crate::context::use_chat;
use crate::edits::{Availability, Change};
use crate::state::Entry;

/// Why the actions wait, while they do.
const OFFLINE_REASON: &str = "Edit and delete work again once connected";

#[derive(Properties)]
pub struct MessageActionsProps {
    pub room: RoomName,
    pub entry: Rc<Entry>,
}

impl PartialEq for MessageActionsProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.entry, &other.entry) && self.room == other.room
    }
}

#[function_component(MessageActions)]
pub fn message_actions(props: &MessageActionsProps) -> Html {
    let chat = use_chat();
    let open = use_state(|| false);
    let confirming = use_state(|| false);
    let panel = use_node_ref();
    let confirm = use_node_ref();
    // Cancelling gives the focus back to Delete once it shows again.
    let refocus = use_mut_ref(|| false);
    // The confirmation takes the focus when it appears.
    {
        let (panel, confirm, refocus) = (panel.clone(), confirm.clone(), refocus.clone());
        use_effect_with(*confirming, move |confirming| {
            if *confirming {
                focus_button(&confirm, "button");
            } else if refocus.replace(false) {
                focus_button(&panel, "button[aria-label='Delete message']");
            }
        });
    }
    let availability = chat
        .state
        .room(&props.room)
        .map_or(Availability::Never, |room| chat.state.availability(room, &props.entry));
    let Some(id) = props.entry.id.filter(|_| availability != Availability::Never) else {
        return html! {};
    };
    let busy = availability != Availability::Ready || props.entry.revision.pending.is_some();
    let panel_id = format!("actions-{id}");

    let toggle = {
        let open = open.clone();
        Callback::from(move |()| open.set(!*open))
    };
    let edit = {
        let (chat, room) = (chat.clone(), props.room.clone());
        Callback::from(move |()| chat.open_editor(&room, id))
    };
    let ask = {
        let confirming = confirming.clone();
        Callback::from(move |()| confirming.set(true))
    };
    let cancel = {
        let confirming = confirming.clone();
        Callback::from(move |()| {
            *refocus.borrow_mut() = true;
            confirming.set(false);
        })
    };
    let delete = {
        let (chat, room, confirming) = (chat.clone(), props.room.clone(), confirming.clone());
        Callback::from(move |()| {
            confirming.set(false);
            chat.change_message(&room, id, Change::Delete);
            focus_composer();
        })
    };
    let onkeydown = {
        let cancel = cancel.clone();
        Callback::from(move |event: KeyboardEvent| {
            if event.key() == "Escape" {
                event.prevent_default();
                cancel.emit(());
            }
        })
    };

    let panel_class = classes!(
        if *open { "flex" } else { "hidden" },
        "items-center",
        "gap-1",
        "desk:flex",
        "desk:absolute",
        "desk:-top-2",
        "desk:right-1",
        "desk:z-10",
        "desk:rounded-lg",
        "desk:border",
        "desk:border-ink-700",
        "desk:bg-ink-900",
        "desk:p-0.5",
        "desk:shadow-lg",
        "desk:opacity-0",
        "desk:focus-within:opacity-100",
        "desk:[li:hover_&]:opacity-100",
    );
    html! {
        <>
            <Button variant={Variant::Quiet} on_click={toggle} label="Message actions" controls={panel_id.clone()}
                expanded={*open} class="desk:hidden h-6 min-w-6 rounded px-1.5 text-base leading-none">
                { "⋯" }
            </Button>
            // While Delete asks, the actions make way for the question.
            if *confirming {
                <div ref={confirm} role="group" aria-label="Confirm deletion" {onkeydown} data-confirm=""
                    class="flex flex-wrap items-center gap-2 rounded-lg border border-danger-500/60 bg-danger-950/40 px-2 py-1">
                    <span class="text-ink-100">{ "Delete this message?" }</span>
                    <Button variant={Variant::Danger} on_click={delete} class="rounded px-2 py-0.5">{ "Delete" }</Button>
                    <Button on_click={cancel} class="rounded px-2 py-0.5">{ "Cancel" }</Button>
                </div>
            } else {
                <div ref={panel} id={panel_id} class={panel_class} title={busy.then_some(OFFLINE_REASON)}
                    data-actions="">
                    <Button variant={Variant::Quiet} on_click={edit} label="Edit message" disabled={busy}
                        class="flex items-center gap-1 rounded px-2 py-1 disabled:opacity-50">
                        <Icon path={PENCIL} />{ "Edit" }
                    </Button>
                    <Button variant={Variant::Quiet} on_click={ask} label="Delete message" disabled={busy}
                        class="flex items-center gap-1 rounded px-2 py-1 disabled:opacity-50">
                        <Icon path={TRASH} />{ "Delete" }
                    </Button>
                    if availability == Availability::Offline {
                        <span class="sr-only">{ OFFLINE_REASON }</span>
                    }
                </div>
            }
        </>
    }
}

/// Moves the keyboard focus to the first element inside `node` that
/// matches `css`.
fn focus_button(node: &NodeRef, css: &str) {
    let button = node
        .cast::<web_sys::Element>()
        .and_then(|element| element.query_selector(css).ok().flatten())
        .and_then(|button| button.dyn_into::<HtmlElement>().ok());
    if let Some(button) = button {
        let _ = button.focus();
    }
}

const PENCIL: &str = "M16.9 3.6a2 2 0 0 1 2.8 2.8L8 18l-4 1 1-4L16.9 3.6z";
const TRASH: &str = "M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13M10 11v6M14 11v6";

#[derive(Properties, PartialEq)]
struct IconProps {
    path: &'static str,
}

/// A small line icon beside a word, hidden from screen readers.
#[function_component(Icon)]
fn icon(props: &IconProps) -> Html {
    html! {
        <svg class="h-3.5 w-3.5" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2"
            stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">
            <path d={props.path} />
        </svg>
    }
}
