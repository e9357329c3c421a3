//! Notices that are not part of a room's history (a refused join, a closed
//! connection), stacked under the header's right end until dismissed.

use yew::prelude::*;

use super::button::{Button, Variant};
use crate::context::use_chat;

#[function_component(Notices)]
pub fn notices() -> Html {
    let chat = use_chat();
    let items = chat.state.notices.iter().map(|notice| {
        let id = notice.id;
        let chat = chat.clone();
        html! {
            <li key={id} class="flex items-start gap-3 rounded-xl border border-danger-500/40 bg-ink-900/95 px-4 py-3 text-sm text-ink-100 shadow-2xl backdrop-blur">
                <span class="mt-0.5 text-danger-400" aria-hidden="true">{ "!" }</span>
                <span class="flex-1" data-notice="">{ notice.text.clone() }</span>
                <Button variant={Variant::Quiet} label="Dismiss" on_click={Callback::from(move |()| chat.dismiss_notice(id))}
                    class="rounded px-1">{ "✕" }</Button>
            </li>
        }
    });
    html! {
        <ul class="pointer-events-auto fixed right-4 top-16 z-40 w-[min(24rem,calc(100vw-2rem))] space-y-2" aria-live="polite" aria-label="Notices">
            { for items }
        </ul>
    }
}
