//! Keyboard and screen readers: the menu button says whether the room list
//! is open and marks unread rooms, choosing or joining a room puts the
//! focus in its composer, renaming takes and gives back the focus (Escape
//! cancels it without closing the drawer around it), the connection's
//! state is announced when it changes and not every second, and a grouped
//! message still names its author to screen readers. (The drawers
//! themselves are in `drawer.rs`; the room list's drawer at phone width is
//! tested end to end in `backend/tests/browser/keyboard.rs`.)

use std::borrow::Cow;
use std::cell::Cell;
use std::rc::Rc;

use roomcast_protocol::{MessageFrame, MessageId, RoomName};
use roomcast_web::components::app::ChatLayout;
use roomcast_web::components::top_bar::TopBar;
use roomcast_web::components::StatusBadge;
use roomcast_web::state::{Action, Link};
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlButtonElement, HtmlElement, HtmlInputElement};
use yew::prelude::*;

use super::{
    document, find, mount, next_action, press, text, type_into_field, until, Scripted, ScriptedProps,
};

fn room(name: &str) -> RoomName {
    RoomName::parse(name).unwrap()
}

/// The id of the focused element, which must be on this test's page.
fn focused_id() -> String {
    let focused = document().active_element();
    focused
        .filter(|element| element.closest("[data-test-root]").ok().flatten().is_some())
        .map(|element| element.id())
        .unwrap_or_default()
}

/// Ada with #general and #random open, #random shown.
fn ada_in_two_rooms() -> Vec<Action> {
    vec![Action::ChooseName("Ada".into()), Action::Open(room("general")), Action::Open(room("random"))]
}

/// The chat layout after `actions`. Each room opened swaps the view (and its
/// top bar) for a new one, so it returns once the last room opened is shown:
/// an element found earlier could be one the next render throws away.
async fn layout(actions: Vec<Action>, later: Vec<Action>) -> Element {
    let shown_last = actions.iter().rev().find_map(|action| match action {
        Action::Open(room) => Some(room.to_string()),
        _ => None,
    });
    let children = html! { <ChatLayout /> };
    let root = mount::<Scripted>(ScriptedProps { actions, later, children }).await;
    if let Some(name) = shown_last {
        until(&format!("#{name} is shown"), || {
            root.query_selector("#room-title")
                .unwrap()
                .is_some_and(|title| title.text_content().unwrap_or_default().ends_with(&name))
        })
        .await;
    }
    root
}

fn bob_says_in(room_name: &str) -> Action {
    bob_writes_in(room_name, "psst")
}

fn bob_writes_in(room_name: &str, text: &'static str) -> Action {
    Action::Received(MessageFrame {
        id: MessageId::new(1, 0),
        room: Cow::Owned(room_name.to_owned()),
        author: Cow::Borrowed("Bob"),
        text: Cow::Borrowed(text),
        ts: 1_764_480_000_000,
        client_id: None,
        user: None,
        edited_ts: None,
        deleted: false,
    })
}

#[wasm_bindgen_test]
async fn the_menu_button_says_whether_the_room_list_is_open_and_marks_unread_rooms() {
    let root = layout(ada_in_two_rooms(), vec![bob_says_in("general")]).await;
    let menu: HtmlButtonElement = find(&root, "#menu-button");
    assert_eq!(menu.get_attribute("aria-controls").as_deref(), Some("rooms"));
    assert!(root.query_selector("aside#rooms").unwrap().is_some(), "it names the room list");
    assert_eq!(menu.get_attribute("aria-expanded").as_deref(), Some("false"));
    assert_eq!(menu.get_attribute("aria-label").as_deref(), Some("Show rooms"));
    assert!(menu.query_selector("[data-menu-dot]").unwrap().is_none(), "nothing unread");

    menu.click();
    until("the button says the list is open", || {
        menu.get_attribute("aria-expanded").as_deref() == Some("true")
    })
    .await;
    find::<HtmlButtonElement>(&root, "button[aria-label='Close the room list']").click();
    until("and closed again", || menu.get_attribute("aria-expanded").as_deref() == Some("false")).await;

    // Bob writes in #general while #random is shown: the list has news.
    next_action(&root).await;
    until("the dot shows", || menu.query_selector("[data-menu-dot='unread']").unwrap().is_some()).await;
    assert_eq!(menu.get_attribute("aria-label").as_deref(), Some("Show rooms (unread messages)"));
}

#[wasm_bindgen_test]
async fn the_menu_button_has_a_dot_of_its_own_for_mentions() {
    // Bob mentions Ada in #general while #random is shown.
    let children = html! { <TopBar on_menu={Callback::noop()} /> };
    let actions = ada_in_two_rooms();
    let later = vec![bob_writes_in("general", "@Ada look")];
    let root = mount::<Scripted>(ScriptedProps { actions, later, children }).await;
    let menu: HtmlButtonElement = find(&root, "#menu-button");
    assert!(menu.query_selector("[data-menu-dot]").unwrap().is_none(), "nothing unread yet");
    next_action(&root).await;
    until("the mention dot shows", || menu.query_selector("[data-menu-dot='mention']").unwrap().is_some())
        .await;
    assert_eq!(menu.get_attribute("aria-label").as_deref(), Some("Show rooms (you were mentioned)"));
}

#[wasm_bindgen_test]
async fn choosing_a_room_in_the_list_puts_the_focus_in_its_composer() {
    let root = layout(ada_in_two_rooms(), Vec::new()).await;
    let title = || text(&root, "#room-title");
    find::<HtmlElement>(&root, "#menu-button").focus().unwrap();

    find::<HtmlButtonElement>(&root, "[data-room='general'] button").click();
    until("#general shows", || title().contains("general")).await;
    until("the composer has the focus", || focused_id() == "composer").await;

    // The room already shown, chosen again: the focus goes there too.
    find::<HtmlElement>(&root, "#menu-button").focus().unwrap();
    find::<HtmlButtonElement>(&root, "[data-room='general'] button").click();
    until("the composer has the focus again", || focused_id() == "composer").await;
}

#[wasm_bindgen_test]
async fn after_joining_a_room_its_composer_has_the_focus() {
    let root = layout(vec![Action::ChooseName("Ada".into())], Vec::new()).await;
    let field: HtmlInputElement = find(&root, "#lobby-room");
    field.focus().unwrap();
    type_into_field(&field, "random").await;
    find::<HtmlButtonElement>(&root, "form:has(#lobby-room) button[type=submit]").click();
    until("#random shows", || root.query_selector("#room-title").unwrap().is_some()).await;
    assert!(text(&root, "#room-title").contains("random"));
    until("the composer has the focus", || focused_id() == "composer").await;
}

#[wasm_bindgen_test]
async fn change_focuses_the_name_field_and_escape_cancels_it_without_closing_the_drawer() {
    #[derive(Properties, PartialEq)]
    struct CountingProps {
        escapes: Rc<Cell<u32>>,
    }
    /// The layout inside an element that counts the Escape presses that
    /// reach it, as the drawer around the room list would.
    #[function_component(Counting)]
    fn counting(props: &CountingProps) -> Html {
        let escapes = props.escapes.clone();
        let onkeydown = Callback::from(move |event: KeyboardEvent| {
            if event.key() == "Escape" {
                escapes.set(escapes.get() + 1);
            }
        });
        html! { <div {onkeydown}><ChatLayout /></div> }
    }
    let escapes = Rc::new(Cell::new(0));
    let children = html! { <Counting escapes={escapes.clone()} /> };
    let root =
        mount::<Scripted>(ScriptedProps { actions: ada_in_two_rooms(), later: Vec::new(), children }).await;

    find::<HtmlButtonElement>(&root, "#change-name").click();
    until("the name field has the focus", || focused_id() == "rename").await;
    assert_eq!(find::<HtmlInputElement>(&root, "#rename").value(), "Ada");

    press(&find::<HtmlElement>(&root, "#rename"), "Escape", false).await;
    until("the rename is cancelled", || root.query_selector("#rename").unwrap().is_none()).await;
    until("the focus is back on Change", || focused_id() == "change-name").await;
    assert_eq!(escapes.get(), 0, "Escape went no further: a drawer around stays open");
    assert_eq!(find::<Element>(&root, "[data-me]").get_attribute("data-me").as_deref(), Some("Ada"));

    find::<HtmlButtonElement>(&root, "#change-name").click();
    until("the name field has the focus again", || focused_id() == "rename").await;
    let cancel = root.query_selector_all("button").unwrap();
    let cancel = (0..cancel.length())
        .filter_map(|i| cancel.item(i))
        .filter_map(|node| wasm_bindgen::JsCast::dyn_into::<HtmlButtonElement>(node).ok())
        .find(|button| button.text_content().as_deref() == Some("Cancel"))
        .expect("a Cancel button");
    cancel.click();
    until("Cancel gives the focus back to Change", || focused_id() == "change-name").await;
}

#[wasm_bindgen_test]
async fn the_connection_state_is_announced_when_it_changes_not_every_second() {
    let later = vec![
        Action::SetLink(Link::Reconnecting { in_secs: 4 }),
        Action::SetLink(Link::Reconnecting { in_secs: 3 }),
        Action::SetLink(Link::Live { node: "node-a".into() }),
    ];
    let actions = vec![Action::SetLink(Link::Reconnecting { in_secs: 5 })];
    let children = html! { <StatusBadge /> };
    let root = mount::<Scripted>(ScriptedProps { actions, later, children }).await;
    let region: Element = find(&root, "#link-announcement");
    assert_eq!(region.get_attribute("role").as_deref(), Some("status"));
    assert_eq!(region.get_attribute("aria-live").as_deref(), Some("polite"));
    until("the wait is announced", || {
        region.text_content().as_deref() == Some("Connection lost; reconnecting…")
    })
    .await;
    let visible: Element = find(&root, "[data-link]");
    assert_eq!(visible.text_content().as_deref(), Some("Reconnecting in 5 s"));
    assert!(visible.closest("[aria-live]").unwrap().is_none(), "the countdown is not a live region");
    let words = region.first_child().unwrap();

    for second in [4, 3] {
        next_action(&root).await;
        until("the countdown moves", || {
            visible.text_content() == Some(format!("Reconnecting in {second} s"))
        })
        .await;
        assert!(
            region.first_child().is_some_and(|now| now.is_same_node(Some(&words))),
            "the announcement was not touched, so nothing is read again"
        );
    }

    next_action(&root).await;
    until("being live is announced", || region.text_content().as_deref() == Some("Connected")).await;
    assert!(region.is_connected(), "by the same live region, which a screen reader is listening to");
    let badge = visible.parent_element().unwrap();
    assert!(!badge.text_content().unwrap().contains("node-a"), "the node is not in the header");
    assert_eq!(badge.get_attribute("title").as_deref(), Some("Connected to server node node-a"));
    assert_eq!(badge.get_attribute("data-node").as_deref(), Some("node-a"));
}

#[wasm_bindgen_test]
async fn a_grouped_message_still_names_its_author_to_screen_readers() {
    use std::cell::RefCell;
    use std::collections::VecDeque;

    use roomcast_web::state::{Delivery, Entry, Older, RoomState};

    use super::{ListHarness, ListHarnessProps};

    let now = js_sys::Date::now();
    let line = |seq: u64, ts: f64| {
        Rc::new(Entry {
            id: Some(MessageId::new(seq, 0)),
            client_id: None,
            sent_here: false,
            author: "Bob".into(),
            text: format!("part {seq}"),
            ts,
            delivery: Delivery::Sent,
            revision: Default::default(),
        })
    };
    let mut state = RoomState::new(room("general"));
    state.older = Older::Complete;
    state.entries = VecDeque::from([line(1, now - 60_000.0), line(2, now)]);
    let asked = Rc::new(RefCell::new(Vec::new()));
    let root = mount::<ListHarness>(ListHarnessProps { room: Rc::new(state), asked }).await;
    let items = super::all(&root, "li[data-author]");
    assert!(items[0].query_selector("[data-header='']").unwrap().is_some(), "the first shows its header");
    assert!(items[1].query_selector("[data-header='']").unwrap().is_none(), "the second does not repeat it");
    let hidden: Element = find(&items[1], "[data-header='hidden']");
    assert!(hidden.class_list().contains("sr-only"), "visually hidden, not hidden from screen readers");
    assert!(hidden.get_attribute("aria-hidden").is_none());
    assert!(text(&hidden, "bdi") == "Bob", "{:?}", hidden.text_content());
    assert!(hidden.query_selector("time[datetime]").unwrap().is_some(), "and when");
}
