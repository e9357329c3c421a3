//! The list of open rooms with their unread counts (mentions of you apart,
//! and a mute button for each), a field to join another, and who you are
//! (with the switch for notifications). A column from `md` up; a [`Drawer`]
//! on phones.

use roomcast_protocol::{DisplayName, RoomName};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::button::{Button, Variant};
use super::drawer::{Dock, Drawer};
use super::notify_toggle::NotifyToggle;
use super::room_alerts::{mute_button, unread_badges};
use super::room_form::RoomForm;
use super::top_bar::ROOMS_PANEL_ID;
use crate::browser;
use crate::context::use_chat;
use crate::wording;

#[derive(Properties, PartialEq)]
pub struct SidebarProps {
    /// The drawer is open (phones only; from `md` up the column always shows).
    pub open: bool,
    pub on_close: Callback<()>,
}

#[function_component(Sidebar)]
pub fn sidebar(props: &SidebarProps) -> Html {
    let chat = use_chat();
    let state = &chat.state;
    let on_close = props.on_close.clone();
    let rooms = state.rooms.iter().map(|room| {
        let active = state.active.as_ref() == Some(&room.name);
        let name: RoomName = room.name.clone();
        let onclick = {
            let (chat, on_close) = (chat.clone(), on_close.clone());
            Callback::from(move |_| {
                chat.show_room(&name);
                on_close.emit(());
            })
        };
        let muted = state.is_muted(&room.name);
        let news = room.mentions > 0 || (room.unread > 0 && !muted);
        html! {
            <li key={room.name.to_string()} data-room={room.name.to_string()} data-muted={muted.then_some("true")}
                class="flex items-center gap-0.5">
                <Button variant={Variant::Quiet} current={active} on_click={onclick}
                    class={classes!(
                        "flex", "min-w-0", "flex-1", "items-center", "gap-2", "rounded-lg", "px-3", "py-2", "text-left", "text-sm",
                        news.then_some("font-semibold"),
                    )}>
                    <span class="text-ink-500" aria-hidden="true">{ "#" }</span>
                    <span class="truncate">{ room.name.to_string() }</span>
                    if !room.joined {
                        <span class="h-2 w-2 animate-pulse rounded-full bg-warn-400" title="joining" aria-label="joining"></span>
                    }
                    { unread_badges(room.unread, room.mentions, muted) }
                </Button>
                { mute_button(&chat, &room.name, muted) }
            </li>
        }
    });

    let on_opened = {
        let on_close = props.on_close.clone();
        Callback::from(move |()| on_close.emit(()))
    };
    html! {
        <Drawer dock={Dock::Start} open={props.open} on_close={props.on_close.clone()} label="Rooms" id={ROOMS_PANEL_ID}
            class="w-72 border-r border-ink-800 bg-ink-900 md:w-64">
            <div class="flex items-center justify-between px-4 py-4">
                <span class="text-lg font-bold tracking-tight">
                    <span class="bg-gradient-to-r from-accent-300 to-teal-300 bg-clip-text text-transparent">{ "Roomcast" }</span>
                </span>
                <Button variant={Variant::Quiet} label="Close the room list" on_click={props.on_close.clone()}
                    class="rounded-md p-1 md:hidden">{ "✕" }</Button>
            </div>
            <nav class="flex-1 overflow-y-auto px-2" aria-label="Your rooms">
                <p class="px-3 pb-1 text-xs font-medium uppercase tracking-wide text-ink-500">{ "Rooms" }</p>
                if state.rooms.is_empty() {
                    <p class="px-3 py-2 text-sm text-ink-500">{ "No rooms yet." }</p>
                }
                <ul class="space-y-0.5">{ for rooms }</ul>
            </nav>
            <div class="border-t border-ink-800 px-3 pt-3">
                <RoomForm id="sidebar" {on_opened} />
            </div>
            <Identity />
            <NotifyToggle />
        </Drawer>
    }
}

/// "Signed in as Ada", with a way to change the name. "Change" moves the
/// focus into the name field; Escape (which then does not close the
/// drawer) or Cancel gives up and Save changes the name, and either gives
/// the focus back to "Change".
#[function_component(Identity)]
fn identity() -> Html {
    let chat = use_chat();
    let editing = use_state(|| false);
    let draft = use_state(String::new);
    let error = use_state(|| None::<String>);
    let me = chat.state.me.clone().unwrap_or_default();
    use_rename_focus(*editing);

    if !*editing {
        let start = {
            let (editing, draft, error, me) = (editing.clone(), draft.clone(), error.clone(), me.clone());
            Callback::from(move |_| {
                draft.set(me.clone());
                error.set(None);
                editing.set(true);
            })
        };
        return html! {
            <div class="flex items-center gap-2 border-t border-ink-800 px-4 py-3 text-sm">
                <span class="flex h-8 w-8 items-center justify-center rounded-full bg-accent-600 font-semibold text-white" aria-hidden="true">
                    { me.chars().next().map(|c| c.to_uppercase().to_string()).unwrap_or_default() }
                </span>
                <span class="min-w-0 flex-1 truncate" data-me={me.clone()}>
                    <span class="text-ink-400">{ "You are " }</span><bdi class="font-medium text-white">{ me.clone() }</bdi>
                </span>
                <Button variant={Variant::Quiet} on_click={start} id={CHANGE_ID} class="rounded-md px-2 py-1 text-xs">
                    { "Change" }
                </Button>
            </div>
        };
    }

    let oninput = {
        let draft = draft.clone();
        Callback::from(move |event: InputEvent| {
            draft.set(event.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    let onsubmit = {
        let (editing, draft, error) = (editing.clone(), draft.clone(), error.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            match DisplayName::parse(&draft) {
                Ok(name) => {
                    chat.choose_name(&name);
                    editing.set(false);
                }
                Err(err) => error.set(Some(wording::problem(&err))),
            }
        })
    };
    let cancel = {
        let editing = editing.clone();
        Callback::from(move |_| editing.set(false))
    };
    let onkeydown = Callback::from(move |event: KeyboardEvent| {
        if event.key() == "Escape" {
            // Cancels the rename only: the drawer around stays open.
            event.prevent_default();
            event.stop_propagation();
            editing.set(false);
        }
    });
    html! {
        <form class="space-y-1 border-t border-ink-800 px-3 py-3" {onsubmit} {onkeydown} novalidate=true>
            <label for="rename" class="text-xs text-ink-400">{ "Your name" }</label>
            <div class="flex gap-2">
                <input id={RENAME_ID} type="text" value={(*draft).clone()} {oninput}
                    aria-invalid={error.is_some().to_string()} aria-describedby="rename-error"
                    class="min-w-0 flex-1 rounded-lg border border-ink-700 bg-ink-950 px-2 py-1.5 text-sm focus:border-accent-400 focus:outline-none focus:ring-2 focus:ring-accent-400/40" />
                <Button variant={Variant::Primary} submit=true class="rounded-lg px-2 text-sm font-medium">{ "Save" }</Button>
                <Button variant={Variant::Quiet} on_click={cancel} class="rounded-lg px-2 text-sm">{ "Cancel" }</Button>
            </div>
            <p id="rename-error" class="min-h-8 text-xs text-danger-400" role="alert">{ (*error).clone().unwrap_or_default() }</p>
        </form>
    }
}

const CHANGE_ID: &str = "change-name";
const RENAME_ID: &str = "rename";

/// Starting to edit focuses the name field; ending it focuses "Change"
/// again (not on the first render: nothing was edited yet).
#[hook]
fn use_rename_focus(editing: bool) {
    let started = use_mut_ref(|| false);
    use_effect_with(editing, move |editing| {
        if *editing {
            *started.borrow_mut() = true;
            browser::focus_id(RENAME_ID);
        } else if std::mem::take(&mut *started.borrow_mut()) {
            browser::focus_id(CHANGE_ID);
        }
    });
}
