//! "Join a room": one field and a button, checked with the protocol's rules
//! before anything is sent.

use roomcast_protocol::RoomName;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::button::{Button, Variant};
use crate::context::use_chat;
use crate::wording;

#[derive(Properties, PartialEq)]
pub struct RoomFormProps {
    /// Tells the parent a room was opened (the drawer closes, for one).
    #[prop_or_default]
    pub on_opened: Callback<()>,
    /// Distinguishes the form's field ids when two forms are on screen.
    pub id: AttrValue,
}

#[function_component(RoomForm)]
pub fn room_form(props: &RoomFormProps) -> Html {
    let chat = use_chat();
    let value = use_state(String::new);
    let error = use_state(|| None::<String>);
    let input_id = format!("{}-room", props.id);
    let error_id = format!("{}-room-error", props.id);

    let oninput = {
        let value = value.clone();
        let error = error.clone();
        Callback::from(move |event: InputEvent| {
            value.set(event.target_unchecked_into::<HtmlInputElement>().value());
            error.set(None);
        })
    };
    let onsubmit = {
        let value = value.clone();
        let error = error.clone();
        let on_opened = props.on_opened.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            match RoomName::parse(&value) {
                Ok(room) => {
                    chat.open_room(&room);
                    value.set(String::new());
                    on_opened.emit(());
                }
                Err(err) => error.set(Some(wording::problem(&err))),
            }
        })
    };
    html! {
        <form class="space-y-1" onsubmit={onsubmit} novalidate=true>
            <label for={input_id.clone()} class="sr-only">{ "Room to join" }</label>
            <div class="flex gap-2">
                <div class="relative flex-1">
                    <span class="pointer-events-none absolute inset-y-0 left-3 flex items-center text-ink-500" aria-hidden="true">{ "#" }</span>
                    <input id={input_id} type="text" placeholder="room-name"
                        autocomplete="off" spellcheck="false"
                        aria-invalid={error.is_some().to_string()} aria-describedby={error_id.clone()}
                        class="w-full rounded-lg border border-ink-700 bg-ink-900 py-2 pl-7 pr-3 text-sm text-ink-100 placeholder:text-ink-500 focus:border-accent-400 focus:outline-none focus:ring-2 focus:ring-accent-400/40"
                        value={(*value).clone()} {oninput} />
                </div>
                <Button variant={Variant::Primary} submit=true class="rounded-lg px-3 py-2 text-sm font-semibold">
                    { "Join" }
                </Button>
            </div>
            <p id={error_id} class="min-h-8 text-xs text-danger-400" role="alert">{ (*error).clone().unwrap_or_default() }</p>
        </form>
    }
}
