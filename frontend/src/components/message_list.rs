//! A room's messages. It follows new messages while the reader is at the
//! bottom and stays put (offering a jump back) when they scrolled up to read;
//! reaching the top asks for older messages, which appear above the view
//! without moving it. A line marks where a reconnect may have lost messages,
//! and a separator heads each day ("Today", "Yesterday", "Monday 23
//! November"), in the reader's time zone; the list draws itself again at
//! midnight, when today becomes yesterday.

use std::rc::Rc;

use gloo_timers::callback::Timeout;
use roomcast_protocol::MessageId;
use web_sys::{Element, ScrollBehavior, ScrollToOptions};
use yew::prelude::*;

use super::button::{Button, Variant};
use super::message_item::MessageItem;
use crate::browser;
use crate::calendar::{self, LocalDay, LocalTime};
use crate::scroll;
use crate::state::{Entry, Older, RoomState, HISTORY_PER_ROOM};

/// Consecutive messages of one author within this span share one header.
const GROUP_MS: f64 = 5.0 * 60_000.0;

#[derive(Properties)]
pub struct MessageListProps {
    pub room: Rc<RoomState>,
    /// Asks for the room's messages older than the given id.
    pub on_load_older: Callback<MessageId>,
}

impl PartialEq for MessageListProps {
    /// Only the room: the callback is made anew on every render of the
    /// parent, and the list passes it everything it needs (the id), so an
    /// older copy does the same.
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

/// The local day of a message.
fn day_of(entry: &Entry) -> LocalDay {
    LocalTime::at(entry.ts, browser::utc_offset_minutes(entry.ts)).day
}

/// Today, in the reader's time zone.
fn today() -> LocalDay {
    let now = browser::now_ms();
    LocalTime::at(now, browser::utc_offset_minutes(now)).day
}

/// Draws the list again at the next local midnight, so that "Today" turns
/// into "Yesterday" while the page stays open.
#[hook]
fn use_redraw_at_midnight(today: LocalDay) {
    let redraw = use_force_update();
    use_effect_with(today, move |_| {
        let now = browser::now_ms();
        let wait = calendar::ms_until_midnight(now, browser::utc_offset_minutes(now));
        // A second late, so that the clock has surely passed midnight.
        let timeout =
            Timeout::new((wait + 1_000.0).min(f64::from(u32::MAX)) as u32, move || redraw.force_update());
        move || drop(timeout)
    });
}

/// The scroll offset and height of the list (the page's current render).
fn geometry(element: &Element) -> (f64, f64) {
    (f64::from(element.scroll_top()), f64::from(element.scroll_height()))
}

#[function_component(MessageList)]
pub fn message_list(props: &MessageListProps) -> Html {
    let container = use_node_ref();
    let at_bottom = use_mut_ref(|| true);
    let missed = use_state(|| false);
    let room = &props.room;
    let entries = &room.entries;
    let newest = entries.back().map(|entry| entry.key());
    let oldest = entries.front().map(|entry| entry.key());

    // Lines above the view are about to change (a page of older messages,
    // or the oldest pushed out): note where the reader is while the page
    // still shows the previous render, and put them back there after it.
    let rendered_oldest = use_mut_ref(|| oldest.clone());
    let before_change = use_mut_ref(|| None);
    if *rendered_oldest.borrow() != oldest {
        *before_change.borrow_mut() = container.cast::<Element>().map(|element| geometry(&element));
        *rendered_oldest.borrow_mut() = oldest.clone();
    }
    {
        let (container, at_bottom) = (container.clone(), at_bottom.clone());
        use_effect_with(oldest, move |_| {
            let before = before_change.borrow_mut().take();
            if let (Some(element), Some((top, height))) = (container.cast::<Element>(), before) {
                if !*at_bottom.borrow() {
                    let (_, new_height) = geometry(&element);
                    element.set_scroll_top(scroll::keep_in_place(top, height, new_height) as i32);
                }
            }
        });
    }
    // After each new message: follow it if the reader was at the bottom.
    {
        let (container, at_bottom, missed) = (container.clone(), at_bottom.clone(), missed.clone());
        use_effect_with(newest, move |_| {
            if let Some(element) = container.cast::<Element>() {
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
        let (room, on_load_older) = (room.clone(), props.on_load_older.clone());
        Callback::from(move |_: Event| {
            let Some(element) = container.cast::<Element>() else { return };
            let (top, height) = geometry(&element);
            let bottom = scroll::near_bottom(top, height, f64::from(element.client_height()));
            *at_bottom.borrow_mut() = bottom;
            if bottom && *missed {
                missed.set(false);
            }
            if scroll::near_top(top) && room.may_load_older() {
                if let Some(before) = room.oldest_id() {
                    on_load_older.emit(before);
                }
            }
        })
    };
    let jump = {
        let container = container.clone();
        Callback::from(move |_| {
            if let Some(element) = container.cast::<Element>() {
                let options = ScrollToOptions::new();
                options.set_top(f64::from(element.scroll_height()));
                options.set_behavior(ScrollBehavior::Smooth);
                element.scroll_to_with_scroll_to_options(&options);
            }
        })
    };

    let today = today();
    use_redraw_at_midnight(today);
    let mut lines = Vec::with_capacity(entries.len() + room.gaps.len());
    let mut previous_day = None;
    for (index, entry) in entries.iter().enumerate() {
        let previous = index.checked_sub(1).and_then(|i| entries.get(i));
        let after_gap = previous.and_then(|previous| previous.id).is_some_and(|id| room.gaps.contains(&id));
        let day = day_of(entry);
        let new_day = previous_day != Some(day);
        if new_day {
            lines.push(day_line(entry, day, today));
            previous_day = Some(day);
        }
        lines.push(html! {
            <MessageItem key={entry.key()} room={room.name.clone()} entry={entry.clone()}
                continued={continues(previous, entry) && !after_gap && !new_day} />
        });
        if let Some(id) = entry.id.filter(|id| room.gaps.contains(id)) {
            lines.push(gap_line(id));
        }
    }
    html! {
        <div class="relative flex min-h-0 flex-1 flex-col">
            <ol ref={container} {onscroll} id="messages" aria-label={format!("Messages in #{}", room.name)}
                aria-live="polite" class="flex-1 space-y-1 overflow-y-auto px-4 py-4 [overflow-anchor:none]">
                if entries.is_empty() {
                    <li class="mx-auto mt-16 max-w-sm text-center text-ink-400">
                        <svg class="mx-auto h-10 w-10 text-accent-300" viewBox="0 0 24 24" fill="none" stroke="currentColor"
                            stroke-width="1.5" aria-hidden="true">
                            <path stroke-linecap="round" stroke-linejoin="round"
                                d="M8 10h8M8 14h5M21 12a8.5 8.5 0 0 1-12.4 7.6L4 21l1.4-4.6A8.5 8.5 0 1 1 21 12z" />
                        </svg>
                        <p class="mt-2 font-medium text-ink-200">{ format!("Welcome to #{}", room.name) }</p>
                        <p class="mt-1 text-sm">{ "No messages here yet. Say hello!" }</p>
                    </li>
                } else {
                    { top_line(room) }
                }
                { for lines }
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

/// The separator above the first message of `day`, keyed by that message
/// (a day's first message stays its first, and keys stay unique even if a
/// clock put a pending message on an earlier day).
fn day_line(first: &Entry, day: LocalDay, today: LocalDay) -> Html {
    html! {
        <li key={format!("day:{}", first.key())} data-day={day.iso()}
            class="flex items-center gap-3 px-2 pb-1 pt-4 text-xs font-medium text-ink-400">
            <span class="h-px flex-1 bg-ink-800" aria-hidden="true"></span>
            <h2>{ day.label(today) }</h2>
            <span class="h-px flex-1 bg-ink-800" aria-hidden="true"></span>
        </li>
    }
}

/// Where messages after `id` may be missing.
fn gap_line(id: MessageId) -> Html {
    html! {
        <li key={format!("gap:{id}")} role="note" data-gap=""
            class="flex items-center gap-3 px-2 py-2 text-xs text-warn-300">
            <span class="h-px flex-1 bg-warn-400/30" aria-hidden="true"></span>
            { "Some messages could not be recovered and may be missing here" }
            <span class="h-px flex-1 bg-warn-400/30" aria-hidden="true"></span>
        </li>
    }
}

/// The line above the oldest message: whether older ones are on their way,
/// this is where the room began, or older ones are not kept. Always one
/// line high, so its words changing never moves the messages below.
fn top_line(room: &RoomState) -> Html {
    let full = room.joined && room.entries.len() >= HISTORY_PER_ROOM;
    let (state, text) = match room.older {
        Older::Loading => ("loading", "Loading earlier messages…"),
        Older::Complete => ("beginning", "Beginning of the room's history"),
        Older::More if full => ("full", "Older messages are not kept here"),
        Older::More | Older::Unknown => ("more", ""),
    };
    html! {
        <li data-top={state} class="flex h-6 items-center justify-center text-xs text-ink-500">{ text }</li>
    }
}
