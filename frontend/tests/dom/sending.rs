//! Our messages on their way: one refused for sending too fast says it is
//! waiting (it goes again by itself) rather than failed, one waiting
//! behind others while connected says so, and several failed ones can be
//! retried at once.

use roomcast_protocol::RoomName;
use roomcast_web::components::room_view::RoomView;
use roomcast_web::error_meaning::{ErrorMeaning, SendFailure};
use roomcast_web::state::{Action, Link};
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlButtonElement};
use yew::prelude::*;

use super::{all, find, mount, text, until, Scripted, ScriptedProps};

fn general() -> RoomName {
    RoomName::parse("general").unwrap()
}

fn compose(client_id: &str, text: &str) -> Action {
    Action::Compose {
        room: general(),
        client_id: client_id.into(),
        text: text.into(),
        now: js_sys::Date::now(),
    }
}

fn written(client_id: &str) -> Action {
    Action::Sending { room: general(), client_id: client_id.into() }
}

fn error(meaning: ErrorMeaning) -> Action {
    Action::Error(meaning)
}

fn failed(client_id: &str) -> Action {
    error(ErrorMeaning::SendFailed {
        room: "general".into(),
        client_id: client_id.into(),
        failure: SendFailure::Unavailable,
    })
}

/// Ada in #general (the room shown), after `then`.
async fn room_after(then: Vec<Action>) -> Element {
    let mut actions = vec![Action::ChooseName("Ada".into()), Action::Open(general())];
    actions.extend(then);
    let children = html! { <RoomView on_menu={Callback::noop()} /> };
    let root = mount::<Scripted>(ScriptedProps { actions, later: Vec::new(), children }).await;
    until("the room shows", || root.query_selector("#messages").unwrap().is_some()).await;
    root
}

/// (text, data-delivery, what the line under it says) of each message.
fn deliveries(root: &Element) -> Vec<(String, String, String)> {
    all(root, "#messages li[data-author]")
        .into_iter()
        .map(|li| {
            let status = li.last_element_child().filter(|last| !last.has_attribute("title"));
            (
                text(&li, "[data-text]"),
                li.get_attribute("data-delivery").unwrap_or_default(),
                status.and_then(|line| line.text_content()).unwrap_or_default(),
            )
        })
        .collect()
}

#[wasm_bindgen_test]
async fn a_message_refused_for_sending_too_fast_says_it_waits_and_offers_no_retry() {
    let later =
        ErrorMeaning::SendLater { room: "general".into(), client_id: "c1".into(), retry_after_ms: Some(800) };
    let root = room_after(vec![compose("c1", "slow down?"), written("c1"), error(later)]).await;
    let lines = deliveries(&root);
    assert_eq!(lines.len(), 1);
    let (body, state, status) = &lines[0];
    assert_eq!((body.as_str(), state.as_str()), ("slow down?", "waiting"));
    assert!(status.starts_with("Waiting to send"), "{status}");
    assert!(!status.contains("failed") && !status.contains("Not sent"), "{status}");
    assert!(
        root.query_selector("#messages button").unwrap().is_none(),
        "nothing to click: it goes by itself"
    );
}

#[wasm_bindgen_test]
async fn a_message_queued_while_connected_waits_to_send_and_one_queued_offline_waits_for_the_connection() {
    let offline = room_after(vec![compose("c1", "typed offline")]).await;
    assert_eq!(deliveries(&offline)[0].2, "Queued: sends when connected");

    let live = Action::SetLink(Link::Live { node: "node-a".into() });
    let online = room_after(vec![live, compose("c1", "behind others")]).await;
    let (_, state, status) = deliveries(&online).remove(0);
    assert_eq!((state.as_str(), status.as_str()), ("queued", "Waiting to send…"));
}

#[wasm_bindgen_test]
async fn several_failed_messages_can_be_retried_at_once_and_one_alone_has_its_own_retry() {
    let three_one_failed = || {
        vec![
            compose("c1", "first"),
            compose("c2", "second"),
            compose("c3", "third"),
            written("c3"),
            failed("c1"),
        ]
    };
    let root = room_after(three_one_failed()).await;
    assert!(
        root.query_selector("#retry-all").unwrap().is_none(),
        "one failed message: its own Retry is enough"
    );
    root.remove();

    let root = room_after([three_one_failed(), vec![failed("c2")]].concat()).await;
    let line: Element = find(&root, "[data-failed='2']");
    assert!(line.text_content().unwrap().contains("2 messages were not sent"), "{:?}", line.text_content());
    assert_eq!(line.get_attribute("aria-live").as_deref(), Some("polite"));
    let states = || {
        deliveries(&root).into_iter().map(|(body, state, _)| format!("{body}: {state}")).collect::<Vec<_>>()
    };
    assert_eq!(states(), ["first: failed", "second: failed", "third: sending"]);

    find::<HtmlButtonElement>(&root, "#retry-all").click();
    until("both are on their way again", || {
        states() == ["first: queued", "second: queued", "third: sending"]
    })
    .await;
    assert!(root.query_selector("#retry-all").unwrap().is_none(), "nothing failed any more");
}
