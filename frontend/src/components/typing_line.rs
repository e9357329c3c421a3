//! The line under a room's messages that says who is typing: "Ada is
//! typing…", "Ada and Bob are typing…", or "Several people are typing…",
//! for names whose latest `typing` frame is less than four seconds old.
//!
//! It is a polite live region whose words change only when someone starts
//! or stops, so a screen reader hears each change once, not every time a
//! frame arrives. It keeps its height when empty, so the messages above
//! never move.

use gloo_timers::callback::Timeout;
use yew::prelude::*;

use crate::browser;
use crate::typing::{Typists, WhoIsTyping};

/// Drawn again this long after a name's time is up, so that it is gone.
const AFTER_EXPIRY_MS: f64 = 50.0;

#[derive(Properties, PartialEq)]
pub struct TypingLineProps {
    pub typists: Typists,
}

#[function_component(TypingLine)]
pub fn typing_line(props: &TypingLineProps) -> Html {
    let redraw = use_force_update();
    let now = browser::now_ms();
    let who = WhoIsTyping::of(&props.typists.active(now));
    // A name's time runs out without any frame saying so: draw the line
    // again then.
    use_effect_with(props.typists.next_expiry(now), move |expiry| {
        let timeout = expiry.map(|at| {
            let wait = (at - browser::now_ms() + AFTER_EXPIRY_MS).clamp(0.0, f64::from(u32::MAX));
            Timeout::new(wait as u32, move || redraw.force_update())
        });
        move || drop(timeout)
    });
    let words = match who {
        WhoIsTyping::Nobody => html! {},
        WhoIsTyping::One(name) => html! { <><bdi>{ name }</bdi>{ " is typing…" }</> },
        WhoIsTyping::Two(first, second) => html! {
            <><bdi>{ first }</bdi>{ " and " }<bdi>{ second }</bdi>{ " are typing…" }</>
        },
        WhoIsTyping::Several => html! { { "Several people are typing…" } },
    };
    html! {
        <p id="typing" class="h-5 truncate px-5 text-xs text-ink-400" aria-live="polite" aria-atomic="true">
            { words }
        </p>
    }
}
