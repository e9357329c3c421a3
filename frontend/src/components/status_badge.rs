//! The connection's state, always in the header: connecting, live (with the
//! node), reconnecting in N s (with "Reconnect now"), or offline.

use yew::prelude::*;

use super::button::Button;
use crate::context::use_chat;
use crate::state::Link;

#[function_component(StatusBadge)]
pub fn status_badge() -> Html {
    let chat = use_chat();
    let (dot, label, state, node) = match &chat.state.link {
        Link::Idle => ("bg-ink-500", "Not connected".to_owned(), "idle", None),
        Link::Connecting => ("bg-warn-400 animate-pulse", "Connecting…".to_owned(), "connecting", None),
        Link::Live { node } => ("bg-ok-400", "Live".to_owned(), "live", Some(node.clone())),
        Link::Reconnecting { in_secs } => {
            ("bg-warn-400", format!("Reconnecting in {in_secs} s"), "reconnecting", None)
        }
        Link::Offline => ("bg-danger-400", "Offline".to_owned(), "offline", None),
    };
    let retry = matches!(chat.state.link, Link::Reconnecting { .. } | Link::Offline).then(|| {
        let chat = chat.clone();
        html! {
            <Button on_click={Callback::from(move |()| chat.reconnect_now())} class="rounded-md px-2 py-0.5 text-xs">
                { "Reconnect now" }
            </Button>
        }
    });
    let tooltip = match &chat.state.link {
        Link::Live { node } => format!("Connected to server node {node}"),
        _ => label.clone(),
    };
    html! {
        <div class="flex items-center gap-2 text-sm" role="status" aria-live="polite" title={tooltip}>
            <span class={classes!("h-2.5", "w-2.5", "rounded-full", dot)} aria-hidden="true"></span>
            <span class="whitespace-nowrap text-ink-200" data-link={state} id="link-state">{ label }</span>
            if let Some(node) = node {
                <span class="hidden whitespace-nowrap text-xs text-ink-500 sm:inline" data-node={node.clone()}>{ format!("via {node}") }</span>
            }
            { for retry }
        </div>
    }
}
