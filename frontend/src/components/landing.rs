//! The first screen: what Roomcast is, and a form for a name and a room. A
//! remembered name and a room from the address (`/room/<name>`) fill it in.

use roomcast_protocol::{DisplayName, RoomName};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::button::{Button, Variant};
use super::recent_rooms::RecentRooms;
use crate::browser;
use crate::context::use_chat;
use crate::route::Route;
use crate::wording;

const INPUT: &str = "mt-1 w-full rounded-lg border border-ink-700 bg-ink-900 px-3 py-2.5 text-ink-100 placeholder:text-ink-500 focus:border-accent-400 focus:outline-none focus:ring-2 focus:ring-accent-400/40";

#[function_component(Landing)]
pub fn landing() -> Html {
    let chat = use_chat();
    let name = use_state(|| browser::stored_name().unwrap_or_default());
    let room = use_state(|| match browser::current_route() {
        Route::Room(room) => room.to_string(),
        Route::Landing => "general".to_owned(),
    });
    let name_error = use_state(|| None::<String>);
    let room_error = use_state(|| None::<String>);
    let recent = use_memo((), |()| browser::recent_rooms());

    let on_name = {
        let (name, name_error) = (name.clone(), name_error.clone());
        Callback::from(move |event: InputEvent| {
            name.set(event.target_unchecked_into::<HtmlInputElement>().value());
            name_error.set(None);
        })
    };
    let on_room = {
        let (room, room_error) = (room.clone(), room_error.clone());
        Callback::from(move |event: InputEvent| {
            room.set(event.target_unchecked_into::<HtmlInputElement>().value());
            room_error.set(None);
        })
    };
    let on_pick = {
        let room = room.clone();
        Callback::from(move |picked: RoomName| room.set(picked.to_string()))
    };
    let onsubmit = {
        let (name, room) = (name.clone(), room.clone());
        let (name_error, room_error) = (name_error.clone(), room_error.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let parsed_name = DisplayName::parse(&name);
            let parsed_room = RoomName::parse(&room);
            name_error.set(parsed_name.as_ref().err().map(wording::problem));
            room_error.set(parsed_room.as_ref().err().map(wording::problem));
            if let (Ok(name), Ok(room)) = (parsed_name, parsed_room) {
                chat.choose_name(&name);
                chat.open_room(&room);
            }
        })
    };

    html! {
        <div class="flex min-h-full items-center justify-center px-4 py-12">
            <div class="w-full max-w-md">
                <div class="mb-8 text-center">
                    <p class="text-4xl font-bold tracking-tight">
                        <span class="bg-gradient-to-r from-accent-300 to-teal-300 bg-clip-text text-transparent">{ "Roomcast" }</span>
                    </p>
                    <p class="mt-3 text-ink-300">{ "Pick a name, pick a room, and talk in real time with everyone in it." }</p>
                </div>
                <form class="space-y-5 rounded-2xl border border-ink-800 bg-ink-900/70 p-6 shadow-2xl" {onsubmit} novalidate=true aria-label="Enter a room">
                    <div>
                        <label for="name" class="text-sm font-medium text-ink-200">{ "Your name" }</label>
                        <input id="name" type="text" class={INPUT} placeholder="Ada Lovelace"
                            autocomplete="nickname" autofocus=true
                            aria-invalid={name_error.is_some().to_string()} aria-describedby="name-error"
                            value={(*name).clone()} oninput={on_name} />
                        <p id="name-error" class="mt-1 min-h-8 text-xs text-danger-400" role="alert">{ (*name_error).clone().unwrap_or_default() }</p>
                    </div>
                    <div>
                        <label for="room" class="text-sm font-medium text-ink-200">{ "Room" }</label>
                        <input id="room" type="text" class={INPUT} placeholder="general"
                            autocomplete="off" spellcheck="false"
                            aria-invalid={room_error.is_some().to_string()} aria-describedby="room-hint room-error"
                            value={(*room).clone()} oninput={on_room} />
                        <p id="room-hint" class="mt-1 text-xs text-ink-400">{ "Letters, digits, - and _. A new name starts a new room." }</p>
                        <p id="room-error" class="min-h-8 text-xs text-danger-400" role="alert">{ (*room_error).clone().unwrap_or_default() }</p>
                    </div>
                    <RecentRooms rooms={(*recent).clone()} {on_pick} />
                    <Button variant={Variant::Primary} submit=true
                        class="w-full rounded-lg py-2.5 font-semibold shadow-lg shadow-accent-900/40">
                        { "Join room" }
                    </Button>
                    <p class="text-center text-xs text-ink-500">{ "Your name is remembered on this device only." }</p>
                </form>
            </div>
        </div>
    }
}
