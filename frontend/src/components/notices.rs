//! Notices that are not part of a room's history (a refused join, a closed
//! connection), stacked under the header's right end. Each can be
//! dismissed, and goes by itself after a few seconds, but not while the
//! pointer is over it or the focus in it (the timer starts again when they
//! leave). One that says why the page stopped ([`Notice::lasting`]) stays
//! until dismissed.

use gloo_timers::callback::Timeout;
use yew::prelude::*;

use super::button::{Button, Variant};
use crate::context::use_chat;
use crate::state::Notice;

/// How long a notice stays by itself.
pub const LINGER_MS: u32 = 8_000;

#[derive(Properties, PartialEq)]
pub struct NoticesProps {
    /// How long a notice stays unless it is pointed at or focused.
    #[prop_or(LINGER_MS)]
    pub linger_ms: u32,
}

#[function_component(Notices)]
pub fn notices(props: &NoticesProps) -> Html {
    let chat = use_chat();
    let items = chat.state.notices.iter().map(|notice| {
        let id = notice.id;
        let chat = chat.clone();
        let on_dismiss = Callback::from(move |()| chat.dismiss_notice(id));
        html! { <NoticeItem key={id} notice={notice.clone()} linger_ms={props.linger_ms} {on_dismiss} /> }
    });
    html! {
        <ul class="pointer-events-auto fixed right-4 top-16 z-40 w-[min(24rem,calc(100vw-2rem))] space-y-2" aria-live="polite" aria-label="Notices">
            { for items }
        </ul>
    }
}

#[derive(Properties, PartialEq)]
struct NoticeItemProps {
    notice: Notice,
    linger_ms: u32,
    on_dismiss: Callback<()>,
}

#[function_component(NoticeItem)]
fn notice_item(props: &NoticeItemProps) -> Html {
    // Pointed at, or the focus in it: either keeps it.
    let pointed = use_state(|| false);
    let focused = use_state(|| false);
    {
        let (on_dismiss, lasting, linger) = (props.on_dismiss.clone(), props.notice.lasting, props.linger_ms);
        use_effect_with(*pointed || *focused, move |kept| {
            let timeout = (!lasting && !kept).then(|| Timeout::new(linger, move || on_dismiss.emit(())));
            move || drop(timeout)
        });
    }
    html! {
        <li class="flex items-start gap-3 rounded-xl border border-danger-500/40 bg-ink-900/95 px-4 py-3 text-sm text-ink-100 shadow-2xl backdrop-blur"
            data-lasting={props.notice.lasting.to_string()}
            onmouseenter={set(&pointed, true)} onmouseleave={set(&pointed, false)}
            onfocusin={set(&focused, true)} onfocusout={set(&focused, false)}>
            <span class="mt-0.5 text-danger-400" aria-hidden="true">{ "!" }</span>
            <span class="flex-1" data-notice="">{ props.notice.text.clone() }</span>
            <Button variant={Variant::Quiet} label="Dismiss" on_click={props.on_dismiss.clone()}
                class="rounded px-1">{ "✕" }</Button>
        </li>
    }
}

/// A handler of any event that sets `flag` to `value`.
fn set<E: 'static>(flag: &UseStateHandle<bool>, value: bool) -> Callback<E> {
    let flag = flag.clone();
    Callback::from(move |_: E| flag.set(value))
}
