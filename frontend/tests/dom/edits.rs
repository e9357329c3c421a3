//! Editing and deleting our own messages (version 6): Edit and Delete only
//! on ours, the editor's keys, Arrow up in the composer, the delete
//! confirmation, "(edited)" and the tombstone, and notes about changes that
//! failed. The page's state is built with the actions the connection would
//! dispatch; no server runs, so a saved change reaches a connection that
//! is not connected and comes back as "not connected".

use std::borrow::Cow;

use roomcast_protocol::{MessageFrame, MessageId, RoomName};
use roomcast_web::components::{Composer, MessageList};
use roomcast_web::context::{use_chat, ChatProvider};
use roomcast_web::edits::{Change, ChangeAction};
use roomcast_web::error_meaning::{ChangeFailure, ErrorMeaning};
use roomcast_web::state::{Action, Link};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlButtonElement, HtmlElement, HtmlTextAreaElement};
use yew::prelude::*;

use super::{document, find, mount, press, settle, text, type_into, until};

#[derive(Properties, PartialEq)]
struct RoomHarnessProps {
    /// What happened before the test looks: dispatched once, in order.
    actions: Vec<Action>,
}

#[function_component(RoomHarness)]
fn room_harness(props: &RoomHarnessProps) -> Html {
    html! {
        <ChatProvider>
            <General actions={props.actions.clone()} />
        </ChatProvider>
    }
}

/// #general as the room view shows it: its messages and the composer.
#[function_component(General)]
fn general(props: &RoomHarnessProps) -> Html {
    let chat = use_chat();
    {
        let (chat, actions) = (chat.clone(), props.actions.clone());
        use_effect_with((), move |()| {
            for action in actions {
                chat.state.dispatch(action);
            }
        });
    }
    let Some(room) = chat.state.rooms.first().cloned() else { return html! {} };
    html! {
        <>
            <MessageList room={room.clone()} on_load_older={Callback::noop()} />
            <Composer room={room.name.clone()} max_chars={chat.state.max_text_chars} />
        </>
    }
}

fn general_room() -> RoomName {
    RoomName::parse("general").unwrap()
}

fn id(seq: u64) -> MessageId {
    MessageId::new(1_764_480_000_000 + seq, 0)
}

/// Message `seq` of #general; with a client id it is our own copy.
fn frame(seq: u64, author: &str, text: &str, client_id: Option<&str>) -> MessageFrame<'static> {
    MessageFrame {
        id: id(seq),
        room: Cow::Borrowed("general"),
        author: Cow::Owned(author.to_owned()),
        text: Cow::Owned(text.to_owned()),
        ts: 1_764_480_000_000 + seq,
        client_id: client_id.map(|client_id| Cow::Owned(client_id.to_owned())),
        user: None,
        edited_ts: None,
        deleted: false,
    }
}

/// Ada in #general on a version 6 server, without identity.
fn ada_in_general() -> Vec<Action> {
    vec![
        Action::ChooseName("Ada".into()),
        Action::Welcome { name: "Ada".into(), max_rooms: 8, max_text_chars: 2000, protocol: 6 },
        Action::SetLink(Link::Live { node: "node-a".into() }),
        Action::Open(general_room()),
        Action::Joined { room: general_room(), history: Some(0), recovered: None },
    ]
}

/// Ada's "first", Bob's "hi", someone else called Ada, and Ada's "second".
fn a_conversation() -> Vec<Action> {
    let mut actions = ada_in_general();
    actions.extend([
        Action::Received(frame(1, "Ada", "first", Some("c1"))),
        Action::Received(frame(2, "Bob", "hi", None)),
        Action::Received(frame(3, "Ada", "another Ada", None)),
        Action::Received(frame(4, "Ada", "second", Some("c2"))),
    ]);
    actions
}

/// The line whose words are `words`.
fn line(root: &Element, words: &str) -> Element {
    let lines = root.query_selector_all("#messages li[data-author]").unwrap();
    (0..lines.length())
        .filter_map(|i| lines.item(i)?.dyn_into::<Element>().ok())
        .find(|li| {
            li.query_selector("[data-text]").ok().flatten().and_then(|p| p.text_content()).as_deref()
                == Some(words)
        })
        .unwrap_or_else(|| panic!("no line reads {words:?}"))
}

fn button(scope: &Element, label: &str) -> Option<HtmlButtonElement> {
    scope
        .query_selector(&format!("button[aria-label='{label}']"))
        .unwrap()
        .and_then(|element| element.dyn_into().ok())
}

fn focused() -> Option<Element> {
    document().active_element()
}

fn editor(root: &Element) -> Option<HtmlTextAreaElement> {
    root.query_selector("[data-editor] textarea").unwrap().and_then(|element| element.dyn_into().ok())
}

#[wasm_bindgen_test]
async fn edit_and_delete_are_offered_only_on_our_own_messages() {
    let root = mount::<RoomHarness>(RoomHarnessProps { actions: a_conversation() }).await;
    until("the messages show", || root.query_selector_all("li[data-author]").unwrap().length() == 4).await;
    for words in ["first", "second"] {
        let ours = line(&root, words);
        assert!(button(&ours, "Edit message").is_some(), "{words}: Edit");
        assert!(button(&ours, "Delete message").is_some(), "{words}: Delete");
        let more = button(&ours, "Message actions").expect("the ⋯ button for touch screens");
        assert_eq!(more.get_attribute("aria-expanded").as_deref(), Some("false"));
    }
    for words in ["hi", "another Ada"] {
        let theirs = line(&root, words);
        assert!(theirs.query_selector("button").unwrap().is_none(), "{words}: nothing to change");
    }
}

#[wasm_bindgen_test]
async fn the_editor_opens_with_the_text_escape_cancels_and_enter_saves() {
    let root = mount::<RoomHarness>(RoomHarnessProps { actions: a_conversation() }).await;
    until("the messages show", || root.query_selector_all("li[data-author]").unwrap().length() == 4).await;
    button(&line(&root, "first"), "Edit message").unwrap().click();
    until("the editor opens", || editor(&root).is_some()).await;
    let field = editor(&root).unwrap();
    assert_eq!(field.value(), "first");
    assert_eq!(focused(), Some(field.clone().into()), "the field has the focus");
    assert_eq!(line(&root, "first").get_attribute("data-mine").as_deref(), Some("true"));

    type_into(&field, "first, fixed").await;
    press(&field, "Escape", false).await;
    until("Escape closes the editor", || editor(&root).is_none()).await;
    assert_eq!(text(&line(&root, "first"), "[data-text]"), "first", "nothing was changed");
    assert_eq!(focused().map(|element| element.id()).as_deref(), Some("composer"), "back to the composer");
    assert!(root.query_selector("[data-change]").unwrap().is_none(), "nothing was sent");

    button(&line(&root, "first"), "Edit message").unwrap().click();
    until("the editor opens again", || editor(&root).is_some()).await;
    let field = editor(&root).unwrap();
    type_into(&field, "first, fixed").await;
    press(&field, "Enter", true).await;
    assert!(editor(&root).is_some(), "Shift+Enter is a new line, not a save");
    press(&field, "Enter", false).await;
    until("Enter saves and closes the editor", || editor(&root).is_none()).await;
    // No server here: the edit reached a connection that is not connected.
    until("the edit comes back unsaved", || root.query_selector("[data-change='failed']").unwrap().is_some())
        .await;
    let note = text(&line(&root, "first"), "[data-change='failed']");
    assert!(note.starts_with("Edit not saved: not connected"), "{note}");
}

#[wasm_bindgen_test]
async fn an_empty_or_too_long_edit_cannot_be_saved() {
    let mut actions = a_conversation();
    actions[1] = Action::Welcome { name: "Ada".into(), max_rooms: 8, max_text_chars: 10, protocol: 6 };
    let root = mount::<RoomHarness>(RoomHarnessProps { actions }).await;
    until("the messages show", || root.query_selector_all("li[data-author]").unwrap().length() == 4).await;
    button(&line(&root, "second"), "Edit message").unwrap().click();
    until("the editor opens", || editor(&root).is_some()).await;
    let field = editor(&root).unwrap();
    let save: HtmlButtonElement = find(&root, "[data-editor] button[type=submit]");
    type_into(&field, "   ").await;
    assert!(save.disabled(), "blank");
    type_into(&field, "far too long now").await;
    assert!(save.disabled(), "over the limit");
    assert!(text(&root, "[data-editor]").contains("6 characters over the limit of 10"));
    press(&field, "Enter", false).await;
    assert!(editor(&root).is_some(), "Enter does not save it either");
}

#[wasm_bindgen_test]
async fn arrow_up_in_an_empty_composer_edits_our_newest_message() {
    let root = mount::<RoomHarness>(RoomHarnessProps { actions: a_conversation() }).await;
    until("the messages show", || root.query_selector_all("li[data-author]").unwrap().length() == 4).await;
    let composer: HtmlTextAreaElement = find(&root, "#composer");
    type_into(&composer, "a draft").await;
    press(&composer, "ArrowUp", false).await;
    assert!(editor(&root).is_none(), "with a draft, Arrow up moves in the draft");

    type_into(&composer, "").await;
    press(&composer, "ArrowUp", false).await;
    until("the editor opens", || editor(&root).is_some()).await;
    assert_eq!(editor(&root).unwrap().value(), "second", "our newest, not the newest");
}

#[wasm_bindgen_test]
async fn delete_asks_first_in_place_and_cancel_keeps_the_message() {
    let root = mount::<RoomHarness>(RoomHarnessProps { actions: a_conversation() }).await;
    until("the messages show", || root.query_selector_all("li[data-author]").unwrap().length() == 4).await;
    let confirmation = |root: &Element| root.query_selector("[data-confirm]").unwrap();
    button(&line(&root, "first"), "Delete message").unwrap().click();
    until("the confirmation shows", || confirmation(&root).is_some()).await;
    let asking = confirmation(&root).unwrap();
    assert!(asking.text_content().unwrap().contains("Delete this message?"));
    assert_eq!(asking.get_attribute("role").as_deref(), Some("group"));
    assert_eq!(focused().and_then(|element| element.text_content()).as_deref(), Some("Delete"));

    press(&focused().unwrap(), "Escape", false).await;
    until("Escape cancels", || confirmation(&root).is_none()).await;
    assert_eq!(
        focused().and_then(|element| element.get_attribute("aria-label")).as_deref(),
        Some("Delete message"),
        "the focus goes back where it was"
    );
    assert!(root.query_selector("[data-change]").unwrap().is_none(), "nothing was sent");

    button(&line(&root, "first"), "Delete message").unwrap().click();
    until("the confirmation shows again", || confirmation(&root).is_some()).await;
    let cancel = confirmation(&root).unwrap().query_selector("button:last-child").unwrap().unwrap();
    cancel.dyn_into::<HtmlElement>().unwrap().click();
    until("Cancel cancels", || confirmation(&root).is_none()).await;

    button(&line(&root, "first"), "Delete message").unwrap().click();
    until("the confirmation shows once more", || confirmation(&root).is_some()).await;
    find::<HtmlButtonElement>(&root, "[data-confirm] button").click();
    until("the delete went out", || root.query_selector("[data-change]").unwrap().is_some()).await;
    until("and came back unsent", || root.query_selector("[data-change='failed']").unwrap().is_some()).await;
    assert!(text(&line(&root, "first"), "[data-change='failed']").starts_with("Not deleted: not connected"));
}

#[wasm_bindgen_test]
async fn an_edited_message_says_so_and_a_deleted_one_leaves_a_tombstone_without_actions() {
    let mut actions = a_conversation();
    let mut from_history = frame(5, "Bob", "edited before we came", None);
    from_history.edited_ts = Some(1_764_480_100_000);
    actions.extend([
        Action::Change(ChangeAction::Edited {
            room: general_room(),
            id: id(1),
            text: "first, fixed".into(),
            edited_ts: 1_764_480_200_000,
        }),
        Action::Change(ChangeAction::Deleted { room: general_room(), id: id(4) }),
        Action::Received(from_history),
    ]);
    let root = mount::<RoomHarness>(RoomHarnessProps { actions }).await;
    until("the messages show", || root.query_selector_all("li[data-author]").unwrap().length() == 5).await;
    settle().await;

    let fixed = line(&root, "first, fixed");
    let mark: Element = find(&fixed, "[data-edited]");
    assert_eq!(mark.tag_name(), "TIME");
    assert!(mark.text_content().unwrap().contains("(edited)"));
    assert!(mark.get_attribute("title").unwrap().starts_with("Edited "), "the edit's time on hover");
    assert!(mark.get_attribute("datetime").unwrap().starts_with("2025-11-30T"), "a machine-readable time");
    assert!(button(&fixed, "Edit message").is_some(), "still ours to edit again");
    find::<Element>(&line(&root, "edited before we came"), "[data-edited]");

    let lines = root.query_selector_all("#messages li[data-author]").unwrap();
    let gone = lines.item(3).unwrap().dyn_into::<Element>().unwrap();
    assert_eq!(text(&gone, "[data-deleted]"), "message deleted");
    assert_eq!(text(&gone, "[data-text]"), "", "the words are gone");
    let bubble = find::<Element>(&gone, "[data-text]").parent_element().unwrap();
    assert!(bubble.class_list().contains("hidden"), "the tombstone takes the bubble's place");
    assert!(gone.query_selector("button").unwrap().is_none(), "nothing left to change");
    assert!(gone.query_selector("[data-edited]").unwrap().is_none());
}

#[wasm_bindgen_test]
async fn a_refused_change_says_why_offers_a_retry_only_when_waiting_helps_and_can_be_dismissed() {
    let mut actions = a_conversation();
    let failed = |seq, failure| {
        Action::Error(ErrorMeaning::ChangeFailed { room: general_room(), id: id(seq), failure })
    };
    let submit =
        |seq, change| Action::Change(ChangeAction::Submit { room: general_room(), id: id(seq), change });
    actions.extend([
        submit(1, Change::Edit("too fast".into())),
        failed(1, ChangeFailure::TooFast),
        submit(4, Change::Delete),
        failed(4, ChangeFailure::Forbidden),
    ]);
    let root = mount::<RoomHarness>(RoomHarnessProps { actions }).await;
    until("the notes show", || root.query_selector_all("[data-change='failed']").unwrap().length() == 2)
        .await;

    let too_fast: Element = find(&line(&root, "first"), "[data-change='failed']");
    assert_eq!(too_fast.get_attribute("role").as_deref(), Some("alert"));
    assert!(too_fast.text_content().unwrap().contains("you are sending too fast"));
    let labels = |note: &Element| {
        let list = note.query_selector_all("button").unwrap();
        (0..list.length()).filter_map(|i| list.item(i)?.text_content()).collect::<Vec<_>>()
    };
    assert_eq!(labels(&too_fast), ["Try again", "Dismiss"]);
    let forbidden: Element = find(&line(&root, "second"), "[data-change='failed']");
    assert!(forbidden.text_content().unwrap().contains("Not deleted: without sign-in"));
    assert_eq!(labels(&forbidden), ["Dismiss"], "asking again cannot help");

    find::<HtmlButtonElement>(&forbidden, "button").click();
    until("Dismiss puts the note away", || {
        line(&root, "second").query_selector("[data-change]").unwrap().is_none()
    })
    .await;
}

#[wasm_bindgen_test]
async fn with_identity_our_messages_wait_disabled_while_the_connection_is_away() {
    let mut actions = ada_in_general();
    actions.insert(2, Action::Identified("u-1".into()));
    let mut mine = frame(1, "Ada", "from my phone", None);
    mine.user = Some("u-1".into());
    actions.extend([Action::Received(mine), Action::ConnectionLost]);
    let root = mount::<RoomHarness>(RoomHarnessProps { actions }).await;
    until("the message shows", || root.query_selector("li[data-author]").unwrap().is_some()).await;
    settle().await;
    let ours = line(&root, "from my phone");
    let edit = button(&ours, "Edit message").expect("ours, from another device");
    assert!(edit.disabled(), "not while the room is not joined");
    let panel: Element = find(&ours, "[data-actions]");
    assert_eq!(panel.get_attribute("title").as_deref(), Some("Edit and delete work again once connected"));
}
