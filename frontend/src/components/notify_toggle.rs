//! "Notify me": the user's switch for browser notifications, under who they
//! are in the room list. The page never asks the browser on its own: the
//! first click asks (the browser's prompt), and the choice is remembered on
//! this device. Notifications come only while the page is hidden, for
//! mentions of the user and for messages in rooms that are not muted.

use yew::prelude::*;

use super::button::{Button, Variant};
use crate::browser;
use crate::context::use_chat;
use crate::notify::Permission;

#[function_component(NotifyToggle)]
pub fn notify_toggle() -> Html {
    let chat = use_chat();
    let permission = use_state(browser::notification_permission);
    let on = chat.state.notify && *permission == Permission::Granted;
    match *permission {
        Permission::Unsupported => return html! {},
        Permission::Denied => {
            return html! {
                <p class="px-4 pb-3 text-xs text-ink-400" data-notify="blocked">
                    { "Notifications are blocked for this site in the browser's settings." }
                </p>
            }
        }
        Permission::Ask | Permission::Granted => {}
    }
    let on_click = {
        let permission = permission.clone();
        Callback::from(move |()| {
            if on {
                chat.want_notifications(false);
            } else if *permission == Permission::Granted {
                chat.want_notifications(true);
            } else {
                let (chat, permission) = (chat.clone(), permission.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    let answer = browser::request_notification_permission().await;
                    permission.set(answer);
                    if answer == Permission::Granted {
                        chat.want_notifications(true);
                    }
                });
            }
        })
    };
    html! {
        <div class="px-3 pb-3">
            <Button variant={Variant::Quiet} pressed={Some(on)} {on_click} id="notify-toggle"
                class="flex w-full items-center gap-2 rounded-lg px-2 py-1.5 text-left text-sm">
                <svg class="h-4 w-4 shrink-0" viewBox="0 0 24 24" fill={if on { "currentColor" } else { "none" }}
                    stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">
                    <path d="M18 16V11a6 6 0 0 0-12 0v5l-2 2h16z" />
                    <path d="M10 20.5a2.2 2.2 0 0 0 4 0" />
                </svg>
                <span class="flex-1">{ "Notify me" }</span>
                <span aria-hidden="true" class={classes!("rounded-full", "px-2", "text-xs", if on { "bg-ok-400 text-ink-950" } else { "bg-ink-800 text-ink-400" })}>
                    { if on { "On" } else { "Off" } }
                </span>
            </Button>
            <p id="notify-help" class="px-2 text-xs text-ink-500">
                { "While this tab is hidden: mentions of you, and rooms you have not muted." }
            </p>
        </div>
    }
}
