//! The connection's state, always in the header: connecting, live,
//! reconnecting in N s (with "Reconnect now"), or offline. The node it is
//! connected to is a detail: only in the tooltip.
//!
//! Screen readers hear the state when it changes, not every second of the
//! countdown: the polite live region holds the state's words without the
//! seconds, and the visible badge, which counts down, is not live.

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
    let tooltip = match &node {
        Some(node) => format!("Connected to server node {node}"),
        None => label.clone(),
    };
    html! {
        <div class="flex items-center gap-2 text-sm" title={tooltip} data-node={node}>
            <span class={classes!("h-2.5", "w-2.5", "rounded-full", dot)} aria-hidden="true"></span>
            <span class="whitespace-nowrap text-ink-200" data-link={state} id="link-state">{ label }</span>
            // One child whether or not it shows, so that the live region
            // after it stays the same node (Yew matches unkeyed children
            // from the end), and only its words change.
            if let Some(retry) = retry {
                { retry }
            }
            <span class="sr-only" role="status" aria-live="polite" id="link-announcement">{ announcement(&chat.state.link) }</span>
        </div>
    }
}

/// What screen readers hear: the same words for every second of a wait.
fn announcement(link: &Link) -> &'static str {
    match link {
        Link::Idle => "Not connected",
        Link::Connecting => "Connecting…",
        Link::Live { .. } => "Connected",
        Link::Reconnecting { .. } => "Connection lost; reconnecting…",
        Link::Offline => "Offline",
    }
}
