//! The root: the chat provider around the shell, which picks the screen,
//! keeps the address bar and the page title in step with the state, and
//! follows the browser's back and forward buttons.

use std::cell::RefCell;
use std::rc::Rc;

use roomcast_protocol::{DisplayName, RoomName};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::landing::Landing;
use super::lobby::Lobby;
use super::notices::Notices;
use super::room_view::RoomView;
use super::sidebar::Sidebar;
use crate::browser;
use crate::context::{use_chat, Chat, ChatProvider};
use crate::notify;
use crate::prefs::{self, OpenRooms};
use crate::route::Route;
use crate::wording;

#[function_component(App)]
pub fn app() -> Html {
    html! {
        <ChatProvider>
            <Shell />
        </ChatProvider>
    }
}

#[function_component(Shell)]
fn shell() -> Html {
    let chat = use_chat();
    let latest = use_mut_ref(|| chat.clone());
    *latest.borrow_mut() = chat.clone();
    use_reopen_rooms(&chat);
    use_explain_refused_link(&chat);
    use_history(latest);
    use_address_and_title(&chat);
    use_remember_open_rooms(&chat);

    let screen = if chat.state.me.is_some() {
        html! { <ChatLayout /> }
    } else {
        html! { <Landing /> }
    };
    html! {
        <div class="h-dvh bg-ink-950 text-ink-100 font-sans antialiased">
            { screen }
            <Notices />
        </div>
    }
}

/// A reload with a remembered name goes straight back in: the rooms that
/// were open come back, and the address picks the one shown (a link to
/// `/room/<name>` opens that room too). With no room to go back to, the
/// landing page asks.
#[hook]
fn use_reopen_rooms(chat: &Chat) {
    let chat = chat.clone();
    use_effect_with((), move |()| {
        let Some(name) = browser::stored_name().and_then(|name| DisplayName::parse(&name).ok()) else {
            return;
        };
        let open = prefs::restore(browser::open_rooms(), &browser::current_route());
        if !open.rooms.is_empty() {
            chat.choose_name(&name);
            chat.reopen(open);
        }
    });
}

/// A link to `/room/<name>` whose name cannot be a room opens the landing
/// page (or the lobby) with a notice that says why.
#[hook]
fn use_explain_refused_link(chat: &Chat) {
    let chat = chat.clone();
    use_effect_with((), move |()| {
        if let Some((name, error)) = browser::refused_room_link() {
            chat.notify(format!(
                "The link asks for a room called “{name}”, which cannot exist. {}",
                wording::problem(&error)
            ));
        }
    });
}

/// The open rooms and the one on screen are remembered for the next load
/// (once named: before that, the state has not been restored yet).
#[hook]
fn use_remember_open_rooms(chat: &Chat) {
    let state = &chat.state;
    let rooms: Vec<RoomName> = state.rooms.iter().map(|room| room.name.clone()).collect();
    let named = state.me.is_some();
    use_effect_with((named, rooms, state.active.clone()), |(named, rooms, active)| {
        if *named {
            browser::store_open_rooms(&OpenRooms { rooms: rooms.clone(), active: active.clone() });
        }
    });
}

/// Back and forward move between rooms (and the lobby) like links do.
#[hook]
fn use_history(latest: Rc<RefCell<Chat>>) {
    use_effect_with((), move |()| {
        let listener = Closure::<dyn Fn(web_sys::Event)>::new(move |_event: web_sys::Event| {
            let chat = latest.borrow().clone();
            if chat.state.me.is_none() {
                return;
            }
            match browser::current_route() {
                Route::Room(room) if chat.state.room(&room).is_some() => chat.show_room(&room),
                Route::Room(room) => chat.open_room(&room),
                Route::Landing => chat.show_lobby(),
            }
        });
        let window = web_sys::window();
        if let Some(window) = &window {
            let _ = window.add_event_listener_with_callback("popstate", listener.as_ref().unchecked_ref());
        }
        move || {
            if let Some(window) = window {
                let _ =
                    window.remove_event_listener_with_callback("popstate", listener.as_ref().unchecked_ref());
            }
        }
    });
}

/// The address bar shows the room on screen; the title counts unread
/// messages (a muted room only its mentions) and mentions of the user apart.
#[hook]
fn use_address_and_title(chat: &Chat) {
    let state = &chat.state;
    let named = state.me.is_some();
    use_effect_with((named, state.active.clone()), |(named, active)| {
        if *named {
            browser::navigate(&active.clone().map_or(Route::Landing, Route::Room));
        }
    });
    use_effect_with((state.active.clone(), state.title_counts()), |(active, (unread, mentions))| {
        browser::set_title(&notify::page_title(active.as_ref(), *unread, *mentions));
    });
}

/// The named user's screen: rooms on the side, the open room (or the lobby)
/// beside them. Below `md` the side list is a drawer.
#[function_component(ChatLayout)]
pub fn chat_layout() -> Html {
    let chat = use_chat();
    let drawer_open = use_state(|| false);
    let open_drawer = {
        let drawer_open = drawer_open.clone();
        Callback::from(move |_| drawer_open.set(true))
    };
    let close_drawer = {
        let drawer_open = drawer_open.clone();
        Callback::from(move |_| drawer_open.set(false))
    };
    let menu_open = *drawer_open;
    let main = match chat.state.active_room() {
        Some(room) => html! { <RoomView key={room.name.to_string()} on_menu={open_drawer} {menu_open} /> },
        None => html! { <Lobby on_menu={open_drawer} {menu_open} /> },
    };
    html! {
        <div class="flex h-full">
            <Sidebar open={*drawer_open} on_close={close_drawer} />
            <main class="flex min-w-0 flex-1 flex-col">{ main }</main>
        </div>
    }
}
