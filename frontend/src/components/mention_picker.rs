//! The names offered while typing `@` in the composer: a listbox above the
//! field (the ARIA combobox pattern: the field says whether the list is
//! open, which list, and which option is highlighted), driven from the
//! keyboard (arrows move, Enter or Tab picks, Escape closes) or by a click.
//! The rules are in [`crate::complete`]; [`use_mention_picker`] keeps the
//! list in step with the draft and the caret, and [`MentionOptions`] draws it.

use std::rc::Rc;

use roomcast_protocol::RoomName;
use yew::prelude::*;

use crate::complete::{self, PickerKey, Query};
use crate::context::use_chat;
use crate::people::Members;

/// The listbox's id, for the field's `aria-controls`.
pub const LIST_ID: &str = "mention-options";

/// The id of option `index`, for the field's `aria-activedescendant`.
pub fn option_id(index: usize) -> String {
    format!("mention-option-{index}")
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Picking {
    /// The byte range of the `@…` being typed, from the `@` to the caret.
    at: usize,
    end: usize,
    /// Empty: the list is closed.
    options: Vec<String>,
    selected: usize,
    /// The `@` whose list Escape closed: it stays closed for that `@`.
    dismissed: Option<usize>,
}

/// What the composer does after a key the picker looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Picked {
    /// The picker used the key (moved, closed): nothing more to do.
    Handled,
    /// A name was picked: the new draft and the caret (UTF-16 units).
    Draft(String, u32),
}

#[derive(Clone)]
pub struct MentionPicker {
    picking: UseStateHandle<Picking>,
    members: Option<Rc<Members>>,
    me: Option<String>,
}

impl MentionPicker {
    pub fn is_open(&self) -> bool {
        !self.picking.options.is_empty()
    }

    pub fn options(&self) -> &[String] {
        &self.picking.options
    }

    pub fn selected(&self) -> usize {
        self.picking.selected
    }

    /// Opens, changes or closes the list after the draft or the caret
    /// (`caret`, in UTF-16 units, as the field counts) moved.
    pub fn follow(&self, draft: &str, caret: u32) {
        let query = complete::byte_index(draft, caret).and_then(|caret| complete::query_at(draft, caret));
        let Some(Query { at, end, typed }) = query else {
            if *self.picking != Picking::default() {
                self.picking.set(Picking::default());
            }
            return;
        };
        let dismissed = self.picking.dismissed.filter(|dismissed| *dismissed == at);
        let names = self.members.iter().flat_map(|members| members.names());
        let options: Vec<String> = if dismissed.is_some() {
            Vec::new()
        } else {
            complete::options(typed, names, self.me.as_deref()).into_iter().map(str::to_owned).collect()
        };
        let selected = if options == self.picking.options { self.picking.selected } else { 0 };
        let next = Picking { at, end, options, selected, dismissed };
        if next != *self.picking {
            self.picking.set(next);
        }
    }

    /// A key pressed in the field while the list may be open; `None`
    /// leaves it to the composer. Keys the picker uses do nothing else.
    pub fn key(&self, event: &KeyboardEvent, draft: &str) -> Option<Picked> {
        if !self.is_open() {
            return None;
        }
        let key = complete::picker_key(&event.key(), event.shift_key(), event.is_composing())?;
        event.prevent_default();
        let count = self.picking.options.len();
        let moved = |selected| Picking { selected, ..(*self.picking).clone() };
        match key {
            PickerKey::Next => self.picking.set(moved((self.picking.selected + 1) % count)),
            PickerKey::Previous => self.picking.set(moved((self.picking.selected + count - 1) % count)),
            PickerKey::Close => {
                event.stop_propagation();
                self.picking.set(Picking {
                    options: Vec::new(),
                    dismissed: Some(self.picking.at),
                    ..Picking::default()
                });
            }
            PickerKey::Accept => return self.pick(self.picking.selected, draft),
        }
        Some(Picked::Handled)
    }

    /// Puts option `index` into `draft` in place of the `@…` typed.
    pub fn pick(&self, index: usize, draft: &str) -> Option<Picked> {
        let name = self.picking.options.get(index)?;
        let query =
            complete::query_at(draft, self.picking.end).filter(|query| query.at == self.picking.at)?;
        let (text, caret) = complete::accept(draft, query, name);
        let caret = complete::utf16_index(&text, caret);
        self.picking.set(Picking::default());
        Some(Picked::Draft(text, caret))
    }

    /// Closes the list (the field lost the focus); typing opens it again.
    pub fn close(&self) {
        if self.is_open() {
            self.picking.set(Picking { options: Vec::new(), ..(*self.picking).clone() });
        }
    }
}

/// The picker of the composer of `room`, offering the room's members.
#[hook]
pub fn use_mention_picker(room: &RoomName) -> MentionPicker {
    let chat = use_chat();
    let picking = use_state(Picking::default);
    let members = chat.state.people(room).and_then(|people| people.members.clone());
    MentionPicker { picking, members, me: chat.state.me.clone() }
}

#[derive(Properties, PartialEq)]
pub struct MentionOptionsProps {
    pub options: Vec<String>,
    pub selected: usize,
    /// Option `index` was clicked.
    pub on_pick: Callback<usize>,
}

/// The open list of names, above the field.
#[function_component(MentionOptions)]
pub fn mention_options(props: &MentionOptionsProps) -> Html {
    let options = props.options.iter().enumerate().map(|(index, name)| {
        let selected = index == props.selected;
        let on_pick = props.on_pick.clone();
        // Keep the focus in the field: the click picks, the field keeps typing.
        let onmousedown = Callback::from(|event: MouseEvent| event.prevent_default());
        html! {
            <li id={option_id(index)} role="option" aria-selected={selected.to_string()} data-name={name.clone()}
                {onmousedown} onclick={Callback::from(move |_: MouseEvent| on_pick.emit(index))}
                class={classes!(
                    "cursor-pointer", "truncate", "rounded-lg", "px-3", "py-2", "text-sm",
                    if selected { "bg-accent-600 text-white" } else { "text-ink-100 hover:bg-ink-800" },
                )}>
                <span aria-hidden="true" class={if selected { "text-accent-100" } else { "text-ink-500" }}>{ "@" }</span>
                <bdi>{ name.clone() }</bdi>
            </li>
        }
    });
    html! {
        <ul id={LIST_ID} role="listbox" aria-label="People to mention"
            class="absolute bottom-1 left-0 z-10 max-h-64 w-full max-w-xs overflow-y-auto rounded-xl border border-ink-700 bg-ink-900 p-1 shadow-lg">
            { for options }
        </ul>
    }
}
