//! Mentions on screen: `@Name` highlighted (the user's own name more
//! strongly, and the message marked), offered while typing `@`, and counted
//! apart in the room list, where each room can be muted.

use std::borrow::Cow;
use std::rc::Rc;

use roomcast_protocol::{MemberCount, MessageFrame, MessageId, RoomName};
use roomcast_web::components::sidebar::Sidebar;
use roomcast_web::components::{Composer, MentionContext, MessageItem};
use roomcast_web::context::ChatProvider;
use roomcast_web::rich_text::MentionNames;
use roomcast_web::state::{Action, Delivery, Entry};
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlButtonElement, HtmlTextAreaElement};
use yew::prelude::*;

use super::{all, entry, find, general, mount, press, settle, text, type_into, until, Setup};

#[derive(Properties, PartialEq)]
struct MentionHarnessProps {
    entry: Rc<Entry>,
}

/// A message in a room where Ada (the user) and Bob are known.
#[function_component(MentionHarness)]
fn mention_harness(props: &MentionHarnessProps) -> Html {
    let names = MentionContext(Rc::new(MentionNames::new(Some("Ada"), ["Bob", "Ada"])));
    html! {
        <ChatProvider>
            <ContextProvider<MentionContext> context={names}>
                <ol><MessageItem room={general()} entry={props.entry.clone()} /></ol>
            </ContextProvider<MentionContext>>
        </ChatProvider>
    }
}

fn says(author: &str, client_id: Option<&str>, words: &str) -> Rc<Entry> {
    Rc::new(Entry { text: words.into(), ..(*entry(author, client_id, Delivery::Sent)).clone() })
}

#[wasm_bindgen_test]
async fn a_mention_of_me_stands_out_from_mentions_of_others_and_marks_the_message() {
    let root =
        mount::<MentionHarness>(MentionHarnessProps { entry: says("Bob", None, "@bob ask @ada, not @Cy") })
            .await;
    let mentions: Vec<(String, String)> = all(&root, "[data-text] [data-mention]")
        .iter()
        .map(|span| {
            (span.get_attribute("data-mention").unwrap_or_default(), span.text_content().unwrap_or_default())
        })
        .collect();
    assert_eq!(
        mentions,
        [("other".into(), "@bob".into()), ("me".into(), "@ada".into())],
        "@Cy is nobody here"
    );
    let me: Element = find(&root, "[data-mention='me']");
    let other: Element = find(&root, "[data-mention='other']");
    assert!(me.class_list().contains("bg-warn-300") && me.class_list().contains("font-semibold"));
    assert!(!other.class_list().contains("bg-warn-300"));
    let item: Element = find(&root, "li");
    assert_eq!(item.get_attribute("data-mentions-me").as_deref(), Some("true"));
    assert!(root.query_selector(".border-l-4").unwrap().is_some(), "a bar beside the message");
    assert_eq!(text(&root, "[data-mention-note]"), "Mentions you: ", "said to screen readers");
    assert_eq!(text(&root, "[data-text]"), "@bob ask @ada, not @Cy", "the words are unchanged");

    let root = mount::<MentionHarness>(MentionHarnessProps { entry: says("Bob", None, "@Bob only") }).await;
    assert!(find::<Element>(&root, "li").get_attribute("data-mentions-me").is_none());
    let root = mount::<MentionHarness>(MentionHarnessProps {
        entry: says("Ada", Some("c1-1"), "note to self @Ada"),
    })
    .await;
    assert!(find::<Element>(&root, "li").get_attribute("data-mentions-me").is_none(), "not my own message");
}

fn counts(names: &[&str]) -> Vec<MemberCount<'static>> {
    names.iter().map(|name| MemberCount { name: Cow::Owned((*name).to_owned()), count: 1 }).collect()
}

/// Ada's composer in #general, where Bea, Bob and Cy are too.
#[function_component(PickerHarness)]
fn picker_harness() -> Html {
    let actions = vec![
        Action::ChooseName("Ada".into()),
        Action::Open(general()),
        Action::Members { room: general(), members: counts(&["Ada", "Bob", "Bea", "Cy"]) },
    ];
    html! {
        <ChatProvider>
            <Setup {actions} />
            <Composer room={general()} max_chars={2000} />
        </ChatProvider>
    }
}

/// The names offered, and the one highlighted.
fn offered(root: &Element) -> (Vec<String>, Option<String>) {
    let options = all(root, "#mention-options [role='option']");
    let names = options.iter().filter_map(|option| option.get_attribute("data-name")).collect();
    let selected = options
        .iter()
        .find(|option| option.get_attribute("aria-selected").as_deref() == Some("true"))
        .and_then(|option| option.get_attribute("data-name"));
    (names, selected)
}

fn attribute(element: &Element, name: &str) -> Option<String> {
    element.get_attribute(name)
}

#[wasm_bindgen_test]
async fn typing_an_at_sign_offers_the_rooms_members_to_pick_by_keyboard() {
    let root = mount::<PickerHarness>(()).await;
    let field: HtmlTextAreaElement = find(&root, "#composer");
    assert_eq!(attribute(&field, "aria-expanded").as_deref(), Some("false"));

    type_into(&field, "hi @b").await;
    until("the list opens", || !offered(&root).0.is_empty()).await;
    assert_eq!(offered(&root), (vec!["Bea".into(), "Bob".into()], Some("Bea".into())));
    assert_eq!(attribute(&field, "aria-expanded").as_deref(), Some("true"));
    assert_eq!(attribute(&field, "aria-controls").as_deref(), Some("mention-options"));
    assert_eq!(attribute(&field, "aria-activedescendant").as_deref(), Some("mention-option-0"));

    press(&field, "ArrowDown", false).await;
    assert_eq!(offered(&root).1.as_deref(), Some("Bob"));
    assert_eq!(attribute(&field, "aria-activedescendant").as_deref(), Some("mention-option-1"));
    press(&field, "ArrowDown", false).await;
    assert_eq!(offered(&root).1.as_deref(), Some("Bea"), "the list wraps around");
    press(&field, "ArrowUp", false).await;
    assert_eq!(offered(&root).1.as_deref(), Some("Bob"));

    press(&field, "Enter", false).await;
    assert_eq!(field.value(), "hi @Bob ", "Enter picks the name instead of sending");
    assert_eq!(attribute(&field, "aria-expanded").as_deref(), Some("false"));
    assert!(root.query_selector("#mention-options").unwrap().is_none());

    type_into(&field, "hi @Bob and @c").await;
    assert_eq!(offered(&root).0, ["Cy"]);
    press(&field, "Tab", false).await;
    assert_eq!(field.value(), "hi @Bob and @Cy ", "Tab picks too");

    type_into(&field, "@").await;
    assert_eq!(offered(&root).0, ["Bea", "Bob", "Cy"], "everyone but me");
    press(&field, "Escape", false).await;
    assert!(offered(&root).0.is_empty(), "Escape closes the list");
    type_into(&field, "@b").await;
    assert!(offered(&root).0.is_empty(), "and it stays closed for that @");
    press(&field, "Enter", false).await;
    assert_eq!(field.value(), "", "with the list closed, Enter sends");
}

#[wasm_bindgen_test]
async fn a_click_on_a_name_picks_it() {
    let root = mount::<PickerHarness>(()).await;
    let field: HtmlTextAreaElement = find(&root, "#composer");
    type_into(&field, "thanks @C").await;
    until("the list opens", || !offered(&root).0.is_empty()).await;
    find::<web_sys::HtmlElement>(&root, "[role='option'][data-name='Cy']").click();
    settle().await;
    assert_eq!(field.value(), "thanks @Cy ");
    assert!(offered(&root).0.is_empty());
}

pub(super) fn bob_in(room: &str, seq: u64, words: &str) -> Action {
    Action::Received(MessageFrame {
        id: MessageId::new(1_000 + seq, 0),
        room: Cow::Owned(room.to_owned()),
        author: Cow::Borrowed("Bob"),
        text: Cow::Owned(words.to_owned()),
        ts: 1_000 + seq,
        client_id: None,
        user: None,
        edited_ts: None,
        deleted: false,
    })
}

/// Ada's room list: #random and #general (shown), with Bob's messages in
/// #random, one of them mentioning her.
#[function_component(SidebarHarness)]
fn sidebar_harness() -> Html {
    let actions = vec![
        Action::ChooseName("Ada".into()),
        Action::Open(RoomName::parse("random").unwrap()),
        Action::Open(general()),
        bob_in("random", 1, "@Ada have a look"),
        bob_in("random", 2, "anyone?"),
    ];
    html! {
        <ChatProvider>
            <Setup {actions} />
            <Sidebar open=false on_close={Callback::noop()} />
        </ChatProvider>
    }
}

fn stored_muted() -> Option<String> {
    web_sys::window().unwrap().local_storage().unwrap().unwrap().get_item("roomcast.muted").unwrap()
}

#[wasm_bindgen_test]
async fn the_room_list_counts_mentions_apart_and_mutes_a_room_at_a_click() {
    let root = mount::<SidebarHarness>(()).await;
    let row = || find::<Element>(&root, "[data-room='random']");
    let counted = || root.query_selector("[data-room='random'] [data-unread]").ok().flatten().is_some();
    until("the messages are counted", counted).await;
    let mentions: Element = find(&row(), "[data-mentions]");
    assert_eq!(mentions.text_content().as_deref(), Some("@1"));
    assert_eq!(attribute(&mentions, "aria-label").as_deref(), Some("1 mention of you"));
    let unread = || find::<Element>(&row(), "[data-unread]");
    assert_eq!(unread().text_content().as_deref(), Some("2"));
    assert!(unread().class_list().contains("bg-accent-600"));
    assert!(find::<Element>(&root, "[data-room='general']")
        .query_selector("[data-mentions]")
        .unwrap()
        .is_none());

    let mute = || find::<HtmlButtonElement>(&row(), "button[aria-pressed]");
    assert_eq!(attribute(&mute(), "aria-label").as_deref(), Some("Mute #random"));
    assert_eq!(attribute(&mute(), "aria-pressed").as_deref(), Some("false"));
    mute().click();
    settle().await;
    assert_eq!(attribute(&mute(), "aria-pressed").as_deref(), Some("true"));
    assert_eq!(attribute(&row(), "data-muted").as_deref(), Some("true"));
    assert!(unread().class_list().contains("bg-ink-700"), "a muted room's count is subdued");
    assert!(row().query_selector("[data-mentions]").unwrap().is_some(), "its mentions still show");
    assert_eq!(stored_muted().as_deref(), Some(r#"["random"]"#), "remembered on this device");

    mute().click();
    settle().await;
    assert_eq!(attribute(&mute(), "aria-pressed").as_deref(), Some("false"));
    assert!(unread().class_list().contains("bg-accent-600"));
    assert_eq!(stored_muted().as_deref(), Some("[]"));
}
