//! "2 messages were not sent · Retry all": a line under a room's messages
//! when several of ours failed, so that they need not be retried one by
//! one. It says nothing while at most one failed (that one has its own
//! Retry) and is a polite live region, so the count is announced.

use roomcast_protocol::RoomName;
use yew::prelude::*;

use super::button::Button;
use crate::context::use_chat;
use crate::wording;

#[derive(Properties, PartialEq)]
pub struct RetryAllProps {
    pub room: RoomName,
    /// How many of our messages in the room failed.
    pub failed: usize,
}

#[function_component(RetryAll)]
pub fn retry_all(props: &RetryAllProps) -> Html {
    let chat = use_chat();
    let several = props.failed > 1;
    let retry = {
        let room = props.room.clone();
        Callback::from(move |()| chat.retry_all(&room))
    };
    html! {
        <div aria-live="polite" data-failed={props.failed.to_string()}>
            if several {
                <p class="flex items-center justify-end gap-3 px-4 pb-1 text-xs text-danger-300">
                    { format!("{} were not sent", wording::count(props.failed, "message", "messages")) }
                    <Button on_click={retry} id="retry-all" class="rounded px-2 py-0.5 text-ink-100">{ "Retry all" }</Button>
                </p>
            }
        </div>
    }
}
