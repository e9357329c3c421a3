//! Writing a message: Enter sends, Shift+Enter adds a line, and the count of
//! characters left is always visible. Empty and over-long drafts cannot be
//! sent. Arrow up in an empty composer edits our newest message
//! ([`super::message_editor::use_edit_last`]). Typing while offline is
//! fine: the message is queued. A draft is
//! kept per room while switching rooms. Typing tells the room that the user
//! is typing (the connection says so at most every two seconds). The field
//! grows with the text, wrapped lines included, up to eight lines, then
//! scrolls; it shrinks back when the message is sent.

use roomcast_protocol::RoomName;
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

use super::button::{Button, Variant};
use super::mention_picker::{option_id, use_mention_picker, MentionOptions, Picked, LIST_ID};
use crate::browser;
use crate::compose::{check_draft, key_action, KeyAction};
use crate::context::use_chat;
use crate::wording;

/// The field grows with the draft up to this many lines, then scrolls.
const MAX_ROWS: u32 = 8;
/// Below this many characters left, the counter turns to a warning colour.
const WARN_REMAINING: isize = 100;

#[derive(Properties, PartialEq)]
pub struct ComposerProps {
    pub room: RoomName,
    pub max_chars: usize,
}

/// The composer of `room`; typing `@` offers the room's members to mention
/// ([`MentionOptions`]).
#[function_component(Composer)]
pub fn composer(props: &ComposerProps) -> Html {
    let chat = use_chat();
    let draft = {
        let (chat, room) = (chat.clone(), props.room.clone());
        use_state(move || chat.draft(&room))
    };
    let field = use_node_ref();
    let check = check_draft(&draft, props.max_chars);
    {
        let field = field.clone();
        use_effect_with((*draft).clone(), move |_| {
            if let Some(field) = field.cast::<HtmlTextAreaElement>() {
                browser::fit_height_to_text(&field, MAX_ROWS);
            }
        });
    }

    let submit = {
        let (chat, draft, field) = (chat.clone(), draft.clone(), field.clone());
        let (max_chars, room) = (props.max_chars, props.room.clone());
        Callback::from(move |()| {
            if !check_draft(&draft, max_chars).sendable {
                return;
            }
            chat.send((*draft).clone());
            chat.keep_draft(&room, "");
            draft.set(String::new());
            if let Some(field) = field.cast::<web_sys::HtmlElement>() {
                let _ = field.focus();
            }
        })
    };
    let picker = use_mention_picker(&props.room);
    // A picked name: the new draft, with the caret after the name.
    let put_draft = {
        let (chat, draft, field, room) = (chat.clone(), draft.clone(), field.clone(), props.room.clone());
        Callback::from(move |(text, caret): (String, u32)| {
            if let Some(field) = field.cast::<HtmlTextAreaElement>() {
                field.set_value(&text);
                let _ = field.set_selection_range(caret, caret);
                let _ = field.focus();
            }
            chat.keep_draft(&room, &text);
            draft.set(text);
        })
    };
    // The caret moved without typing (arrows, a click): the list follows.
    let follow_caret = {
        let picker = picker.clone();
        Callback::from(move |event: Event| {
            let field = event.target_unchecked_into::<HtmlTextAreaElement>();
            let caret = field.selection_start().ok().flatten().unwrap_or_default();
            picker.follow(&field.value(), caret);
        })
    };
    let on_pick = {
        let (picker, draft, put_draft) = (picker.clone(), draft.clone(), put_draft.clone());
        Callback::from(move |index| {
            if let Some(Picked::Draft(text, caret)) = picker.pick(index, &draft) {
                put_draft.emit((text, caret));
            }
        })
    };
    let onkeyup = {
        let follow_caret = follow_caret.clone();
        Callback::from(move |event: KeyboardEvent| {
            if matches!(event.key().as_str(), "ArrowLeft" | "ArrowRight" | "Home" | "End") {
                follow_caret.emit(event.into());
            }
        })
    };
    let onclick = follow_caret.reform(|event: MouseEvent| event.into());
    let onblur = {
        let picker = picker.clone();
        Callback::from(move |_: FocusEvent| picker.close())
    };
    let picking = picker.is_open();
    let oninput = {
        let (chat, draft, room, picker) = (chat.clone(), draft.clone(), props.room.clone(), picker.clone());
        Callback::from(move |event: InputEvent| {
            let field = event.target_unchecked_into::<HtmlTextAreaElement>();
            let text = field.value();
            picker.follow(&text, field.selection_start().ok().flatten().unwrap_or_default());
            chat.keep_draft(&room, &text);
            if !text.trim().is_empty() {
                chat.typing(&room);
            }
            draft.set(text);
        })
    };
    let onkeydown = {
        let (submit, picker, draft, put_draft) =
            (submit.clone(), picker.clone(), draft.clone(), put_draft.clone());
        Callback::from(move |event: KeyboardEvent| {
            match picker.key(&event, &draft) {
                Some(Picked::Draft(text, caret)) => return put_draft.emit((text, caret)),
                Some(Picked::Handled) => return,
                None => {}
            }
            if key_action(&event.key(), event.shift_key(), event.is_composing()) == KeyAction::Send {
                event.prevent_default();
                submit.emit(());
            }
        })
    };
    let edit_last = super::message_editor::use_edit_last(&props.room);
    let onsubmit = Callback::from(move |event: SubmitEvent| {
        event.prevent_default();
        submit.emit(());
    });

    let counter_colour = match check.remaining {
        r if r < 0 => "text-danger-400 font-semibold",
        r if r < WARN_REMAINING => "text-warn-300",
        _ => "text-ink-500",
    };
    html! {
        <form class="border-t border-ink-800 bg-ink-950 px-4 pb-4 pt-3" {onsubmit} onkeydown={edit_last} aria-label="Write a message">
            <label for="composer" class="sr-only">{ format!("Message #{}", props.room) }</label>
            <div class="relative">
                if picking {
                    <MentionOptions options={picker.options().to_vec()} selected={picker.selected()} {on_pick} />
                }
            </div>
            <div class="flex items-end gap-2 rounded-2xl border border-ink-700 bg-ink-900 p-2 focus-within:border-accent-400 focus-within:ring-2 focus-within:ring-accent-400/30">
                <textarea id="composer" ref={field} rows="1" value={(*draft).clone()} {oninput} {onkeydown}
                    placeholder={format!("Message #{}", props.room)} aria-describedby="composer-help composer-count"
                    {onkeyup} {onclick} {onblur} aria-autocomplete="list" aria-haspopup="listbox"
                    aria-expanded={picking.to_string()} aria-controls={picking.then_some(LIST_ID)}
                    aria-activedescendant={picking.then(|| option_id(picker.selected()))}
                    aria-invalid={check.problem.is_some().to_string()}
                    class="min-h-[2.5rem] flex-1 resize-none bg-transparent px-2 py-1.5 text-ink-100 placeholder:text-ink-500 focus:outline-none" />
                <Button variant={Variant::Primary} submit=true disabled={!check.sendable} id="send"
                    class="rounded-xl px-4 py-2 text-sm font-semibold">
                    { "Send" }
                </Button>
            </div>
            <div class="mt-1 flex items-center justify-between gap-2 px-1 text-xs">
                <p id="composer-help" class="text-ink-500">
                    if let Some(problem) = check.problem.clone() {
                        <span class="text-danger-400" role="alert">{ problem }</span>
                    } else {
                        <span class="hidden sm:inline">{ "Enter to send · Shift+Enter for a new line" }</span>
                    }
                </p>
                <p id="composer-count" class={counter_colour} aria-label={wording::count(check.remaining.max(0).unsigned_abs(), "character left", "characters left")}>
                    { format!("{} / {}", draft.chars().count(), props.max_chars) }
                </p>
            </div>
        </form>
    }
}
