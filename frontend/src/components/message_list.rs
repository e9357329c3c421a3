//! A room's messages. It follows new messages while the reader is at the
//! bottom and stays put (offering a jump back) when they scrolled up to read.

use std::rc::Rc;

use web_sys::{ScrollBehavior, ScrollToOptions};
use yew::prelude::*;

use super::button::{Button, Variant};
use super::message_item::MessageItem;
use crate::scroll;
use crate::state::{Entry, RoomState};

/// Consecutive messages of one author within this span share one header.
const GROUP_MS: f64 = 5.0 * 60_000.0;

#[derive(Properties)]
pub struct MessageListProps {
    pub room: Rc<RoomState>,
}

impl PartialEq for MessageListProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.room, &other.room)
    }
}

fn continues(previous: Option<&Rc<Entry>>, entry: &Entry) -> bool {
    previous.is_some_and(|previous| {
        previous.author == entry.author
            && previous.is_mine() == entry.is_mine()
            && entry.ts - previous.ts < GROUP_MS
    })
}

#[function_component(MessageList)]
pub fn message_list(props: &MessageListProps) -> Html {
    let container = use_node_ref();
    let at_bottom = use_mut_ref(|| true);
    let missed = use_state(|| false);
    let entries = &props.room.entries;
    let newest = entries.back().map(|entry| entry.key());

    // After each new message: follow it if the reader was at the bottom.
    {
        let (container, at_bottom, missed) = (container.clone(), at_bottom.clone(), missed.clone());
        use_effect_with(newest, move |_| {
            if let Some(element) = container.cast::<web_sys::Element>() {
                if *at_bottom.borrow() {
                    element.set_scroll_top(element.scroll_height());
                } else {
                    missed.set(true);
                }
            }
        });
    }
    let onscroll = {
        let (container, at_bottom, missed) = (container.clone(), at_bottom.clone(), missed.clone());
        Callback::from(move |_: Event| {
            if let Some(element) = container.cast::<web_sys::Element>() {
                let bottom = scroll::near_bottom(
                    f64::from(element.scroll_top()),
                    f64::from(element.scroll_height()),
                    f64::from(element.client_height()),
                );
                *at_bottom.borrow_mut() = bottom;
                if bottom && *missed {
                    missed.set(false);
                }
            }
        })
    };
    let jump = {
        let container = container.clone();
        Callback::from(move |_| {
            if let Some(element) = container.cast::<web_sys::Element>() {
                let options = ScrollToOptions::new();
                options.set_top(f64::from(element.scroll_height()));
                options.set_behavior(ScrollBehavior::Smooth);
                element.scroll_to_with_scroll_to_options(&options);
            }
        })
    };

    let items = entries.iter().enumerate().map(|(index, entry)| {
        let previous = index.checked_sub(1).and_then(|i| entries.get(i));
        html! {
            <MessageItem key={entry.key()} room={props.room.name.clone()} entry={entry.clone()}
                continued={continues(previous, entry)} />
        }
    });
    html! {
        <div class="relative flex min-h-0 flex-1 flex-col">
            <ol ref={container} {onscroll} id="messages" aria-label={format!("Messages in #{}", props.room.name)}
                aria-live="polite" class="flex-1 space-y-1 overflow-y-auto px-4 py-4">
                if entries.is_empty() {
                    <li class="mx-auto mt-16 max-w-sm text-center text-ink-400">
                        <svg class="mx-auto h-10 w-10 text-accent-300" viewBox="0 0 24 24" fill="none" stroke="currentColor"
                            stroke-width="1.5" aria-hidden="true">
                            <path stroke-linecap="round" stroke-linejoin="round"
                                d="M8 10h8M8 14h5M21 12a8.5 8.5 0 0 1-12.4 7.6L4 21l1.4-4.6A8.5 8.5 0 1 1 21 12z" />
                        </svg>
                        <p class="mt-2 font-medium text-ink-200">{ format!("Welcome to #{}", props.room.name) }</p>
                        <p class="mt-1 text-sm">{ "Messages from now on appear here. Say hello!" }</p>
                    </li>
                }
                { for items }
            </ol>
            if *missed {
                <Button variant={Variant::Primary} on_click={jump}
                    class="absolute bottom-3 left-1/2 -translate-x-1/2 rounded-full px-4 py-1.5 text-sm font-medium shadow-lg">
                    { "New messages ↓" }
                </Button>
            }
        </div>
    }
}
