//! Reading a room: a separator heads each day in the reader's time zone,
//! each time is a `<time>` with its full date on hover and focus, each
//! author has a colour of their own (the same in the member list), text
//! written right to left lays out right to left, and the composer grows
//! with what is typed.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use roomcast_protocol::{MemberCount, MessageId, RoomName};
use roomcast_web::author_colour::author_colour;
use roomcast_web::components::MemberList;
use roomcast_web::people::Members;
use roomcast_web::state::{Delivery, Entry, Older, RoomState};
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, HtmlTextAreaElement};
use yew::prelude::*;

use super::{
    all, document, find, mount, press, text, type_into, until, ComposerHarness, ComposerHarnessProps,
    ListHarness, ListHarnessProps,
};

/// Milliseconds since the epoch of a moment in the browser's time zone
/// (`month` from 1).
fn local(year: u32, month: i32, day: i32, hour: i32, minute: i32, second: i32) -> f64 {
    js_sys::Date::new_with_year_month_day_hr_min_sec(year, month - 1, day, hour, minute, second).get_time()
}

fn said(seq: u64, author: &str, text: &str, ts: f64) -> Rc<Entry> {
    Rc::new(Entry {
        id: Some(MessageId::new(seq, 0)),
        client_id: None,
        sent_here: false,
        author: author.into(),
        text: text.into(),
        ts,
        delivery: Delivery::Sent,
        revision: Default::default(),
    })
}

fn room_of(entries: Vec<Rc<Entry>>) -> Rc<RoomState> {
    let mut room = RoomState::new(RoomName::parse("general").unwrap());
    room.joined = true;
    room.older = Older::Complete;
    room.entries = entries.into_iter().collect::<VecDeque<_>>();
    Rc::new(room)
}

async fn mount_list(entries: Vec<Rc<Entry>>) -> Element {
    let asked = Rc::new(RefCell::new(Vec::new()));
    mount::<ListHarness>(ListHarnessProps { room: room_of(entries), asked }).await
}

/// The list's lines in order: a day separator as "day: <words>", a message
/// as "<text>" or, when it shows its header, "<author>: <text>".
fn lines(root: &Element) -> Vec<String> {
    all(root, "#messages > li")
        .into_iter()
        .filter_map(|li| {
            if li.has_attribute("data-day") {
                return Some(format!("day: {}", li.text_content().unwrap_or_default()));
            }
            li.get_attribute("data-author")?;
            let body = text(&li, "[data-text]");
            match li.query_selector("[data-header='']").unwrap() {
                Some(header) => Some(format!("{}: {body}", text(&header, "bdi"))),
                None => Some(body),
            }
        })
        .collect()
}

#[wasm_bindgen_test]
async fn a_separator_heads_each_local_day_and_a_new_day_starts_a_new_group() {
    let now = js_sys::Date::now();
    let root = mount_list(vec![
        said(1, "Bob", "late", local(2024, 3, 15, 23, 58, 0)),
        said(2, "Bob", "later", local(2024, 3, 15, 23, 59, 0)),
        // Two minutes after the one above, but on the next day.
        said(3, "Bob", "after midnight", local(2024, 3, 16, 0, 1, 0)),
        said(4, "Bob", "yesterday", now - 86_400_000.0),
        said(5, "Ada", "today", now),
    ])
    .await;
    assert_eq!(
        lines(&root),
        [
            "day: Friday 15 March 2024",
            "Bob: late",
            "later",
            "day: Saturday 16 March 2024",
            "Bob: after midnight",
            "day: Yesterday",
            "Bob: yesterday",
            "day: Today",
            "Ada: today",
        ]
    );
    let separator: Element = find(&root, "[data-day]");
    assert_eq!(separator.get_attribute("data-day").as_deref(), Some("2024-03-15"));
    assert!(separator.query_selector("h2").unwrap().is_some(), "a heading, for screen reader navigation");
}

#[wasm_bindgen_test]
async fn a_time_carries_its_iso_date_and_shows_the_full_date_on_hover_and_on_focus() {
    let ts = local(2025, 11, 30, 6, 20, 5);
    let root = mount_list(vec![said(1, "Bob", "hello", ts)]).await;
    let time: HtmlElement = find(&root, "[data-header=''] time");
    let datetime = time.get_attribute("datetime").unwrap();
    assert!(datetime.starts_with("2025-11-30T06:20:05"), "{datetime}");
    assert_eq!(js_sys::Date::parse(&datetime), ts, "{datetime} names the very moment, with its offset");
    assert_eq!(time.get_attribute("title").as_deref(), Some("Sunday 30 November 2025 at 06:20"), "on hover");
    assert_eq!(text(&time, "[aria-hidden='true']"), "06:20", "the clock is what shows");
    assert_eq!(
        text(&time, "[data-full-time]"),
        "Sunday 30 November 2025 at 06:20",
        "what screen readers read"
    );

    time.focus().unwrap();
    let focused = document().active_element().unwrap();
    assert_eq!(focused.tag_name(), "TIME", "the time takes the keyboard focus");
    let bubble: Element = find(&root, "[data-text]");
    let bubble = bubble.parent_element().unwrap();
    assert_eq!(bubble.get_attribute("title").as_deref(), Some("Sunday 30 November 2025 at 06:20"));
}

#[derive(Properties, PartialEq)]
struct ColoursHarnessProps {
    room: Rc<RoomState>,
    members: Rc<Members>,
}

#[function_component(ColoursHarness)]
fn colours_harness(props: &ColoursHarnessProps) -> Html {
    html! {
        <>
            <ListHarness room={props.room.clone()} asked={Rc::new(RefCell::new(Vec::new()))} />
            <MemberList room={RoomName::parse("general").unwrap()} members={Some(props.members.clone())}
                me={Some(AttrValue::from("Ada"))} open=false on_close={Callback::noop()} />
        </>
    }
}

/// The colour classes of an element (those `author_colour` hands out, or the accent).
fn colour_of(element: &Element) -> String {
    let classes = element.class_name();
    classes.split_whitespace().find(|class| class.starts_with("text-")).unwrap_or_default().to_owned()
}

#[wasm_bindgen_test]
async fn each_author_keeps_one_colour_in_the_messages_and_in_the_member_list() {
    let hour = 3_600_000.0;
    let now = js_sys::Date::now();
    let mut mine = (*said(4, "Ada", "mine", now)).clone();
    mine.client_id = Some("c1-1".into());
    let room = room_of(vec![
        said(1, "Bob", "one", now - 3.0 * hour),
        said(2, "Cy", "two", now - 2.0 * hour),
        said(3, "Bob", "three", now - hour),
        Rc::new(mine),
    ]);
    let answer = ["Ada", "Bob", "Cy"].map(|name| MemberCount { name: name.into(), count: 1 });
    let members = Rc::new(Members::from_answer(&answer));
    let root = mount::<ColoursHarness>(ColoursHarnessProps { room, members }).await;

    let names = all(&root, "#messages [data-header=''] bdi");
    let colours: Vec<(String, String)> =
        names.iter().map(|bdi| (bdi.text_content().unwrap_or_default(), colour_of(bdi))).collect();
    let expected = |name: &str| (name.to_owned(), author_colour(name).to_owned());
    assert_eq!(
        colours,
        [expected("Bob"), expected("Cy"), expected("Bob"), ("You".into(), "text-accent-200".into())]
    );
    assert_ne!(author_colour("Bob"), author_colour("Cy"), "these two differ");

    let listed: Vec<(String, String)> = all(&root, "#people li[data-member] bdi")
        .iter()
        .map(|bdi| (bdi.text_content().unwrap_or_default().trim().to_owned(), colour_of(bdi)))
        .collect();
    assert_eq!(listed, [("Ada".into(), "text-accent-200".into()), expected("Bob"), expected("Cy")]);
}

#[wasm_bindgen_test]
async fn right_to_left_text_lays_out_right_to_left_and_other_text_left_to_right() {
    let now = js_sys::Date::now();
    let root = mount_list(vec![said(1, "Bob", "مرحبا بالجميع", now), said(2, "Bob", "hello all", now)]).await;
    let texts = all(&root, "[data-text]");
    let direction = |element: &Element| {
        let style = web_sys::window().unwrap().get_computed_style(element).unwrap().unwrap();
        style.get_property_value("direction").unwrap()
    };
    assert!(texts.iter().all(|text| text.get_attribute("dir").as_deref() == Some("auto")));
    assert_eq!(direction(&texts[0]), "rtl");
    assert_eq!(direction(&texts[1]), "ltr");
}

/// The test page has no Tailwind: give the composer a known font, width
/// and padding (border-box, as Tailwind's base styles make it).
fn style_the_composer() {
    let style = document().create_element("style").unwrap();
    style.set_text_content(Some(
        "#composer { box-sizing: border-box; width: 240px; font: 16px/20px monospace; padding: 6px 8px; border: 0; }",
    ));
    document().head().unwrap().append_child(&style).unwrap();
}

#[wasm_bindgen_test]
async fn the_composer_grows_with_wrapped_lines_up_to_eight_then_scrolls_and_shrinks_after_sending() {
    style_the_composer();
    let root = mount::<ComposerHarness>(ComposerHarnessProps { max_chars: 2000 }).await;
    let field: HtmlTextAreaElement = find(&root, "#composer");
    let height = || field.offset_height();
    let overflow = || {
        let style = web_sys::window().unwrap().get_computed_style(&field).unwrap().unwrap();
        style.get_property_value("overflow-y").unwrap()
    };
    // One line: 20 px of text and 12 of padding.
    type_into(&field, "hi").await;
    assert_eq!(height(), 32);
    assert_eq!(overflow(), "hidden");

    // No line break typed, but too long for one line: it wraps, and grows.
    type_into(&field, &"word ".repeat(12)).await;
    let wrapped = height();
    assert!(wrapped >= 52 && (wrapped - 12) % 20 == 0, "two or more whole lines: {wrapped}");

    // Thirty lines: eight show, the rest scroll.
    type_into(&field, &["line"; 30].join("\n")).await;
    assert_eq!(height(), 8 * 20 + 12);
    assert_eq!(overflow(), "auto");

    // Deleting shrinks it again, and so does sending.
    type_into(&field, "short").await;
    assert_eq!(height(), 32);
    type_into(&field, &["line"; 4].join("\n")).await;
    assert_eq!(height(), 4 * 20 + 12);
    press(&field, "Enter", false).await;
    until("the sent draft is gone", || field.value().is_empty()).await;
    until("the field is one line high again", || height() == 32).await;
}
