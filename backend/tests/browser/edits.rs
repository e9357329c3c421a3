//! Editing and deleting in the browser (protocol version 6): Ada on node a
//! deletes one of her messages (asked in place) and edits another (Arrow up
//! in the empty composer); Bob on node b sees the new words marked
//! "(edited)" and a tombstone where the other was, and has no Edit or
//! Delete on Ada's messages; Cara, who joins later, finds the room as it is
//! now in its history. At a phone's width the actions hide behind "⋯".

use fantoccini::actions::{InputSource, MouseActions, PointerAction};
use fantoccini::Locator;
use serde_json::Value;

use crate::browser::{ada_and_bob_in, Browser, WebCluster};

/// The open room's lines as `[author, words, "(edited)" shown, tombstone
/// shown, Edit buttons]`, words from the bubble (empty for a tombstone).
const STATES: &str = "return Array.from(document.querySelectorAll('#messages li[data-author]')).map(li => [ \
     li.dataset.author, li.querySelector('[data-text]').textContent, !!li.querySelector('[data-edited]'), \
     !!li.querySelector('[data-deleted]'), \
     li.querySelectorAll(\"button[aria-label='Edit message']\").length ]);";

/// One line of [`STATES`].
#[derive(Debug, Clone, PartialEq, Eq)]
struct Shown {
    author: String,
    words: String,
    edited: bool,
    deleted: bool,
    edit_buttons: u64,
}

fn shown(value: &Value) -> Vec<Shown> {
    let lines = value.as_array().cloned().unwrap_or_default();
    lines
        .iter()
        .map(|line| Shown {
            author: line[0].as_str().unwrap_or_default().to_owned(),
            words: line[1].as_str().unwrap_or_default().to_owned(),
            edited: line[2] == true,
            deleted: line[3] == true,
            edit_buttons: line[4].as_u64().unwrap_or_default(),
        })
        .collect()
}

fn line(author: &str, words: &str, edited: bool, deleted: bool, edit_buttons: u64) -> Shown {
    Shown { author: author.into(), words: words.into(), edited, deleted, edit_buttons }
}

/// Waits until the open room shows exactly `expected`.
async fn wait_for_room(browser: &mut Browser, what: &str, expected: &[Shown]) {
    browser.wait_for(what, STATES, |value| (shown(value) == expected).then_some(())).await;
}

/// The line of Ada's whose bubble reads `words`, as an XPath.
fn ada_line(words: &str) -> String {
    format!("//li[@data-author='Ada'][.//*[@data-text][text()='{words}']]")
}

/// How opaque the Edit and Delete of the line reading `words` are.
async fn actions_opacity(browser: &mut Browser, words: &str) -> String {
    let script = format!(
        "const li = document.evaluate(\"{}\", document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null) \
         .singleNodeValue; return getComputedStyle(li.querySelector('[data-actions]')).opacity;",
        ada_line(words)
    );
    let value = browser.client.execute(&script, Vec::new()).await.expect("read the actions' opacity");
    value.as_str().unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_and_a_deletion_reach_the_other_node_and_a_late_joiner_sees_them_in_history() {
    let cluster = WebCluster::start(2).await;
    let (driver, mut ada, mut bob) = ada_and_bob_in(&cluster, "edits", "general").await;
    bob.wait_for_link("live").await;
    ada.say("helo everyone").await;
    ada.wait_for_line("helo everyone", "sent").await;
    ada.say("this one was a mistake").await;
    ada.wait_for_line("this one was a mistake", "sent").await;
    bob.say("hi Ada").await;
    // Each can change only their own: Bob his, Ada hers.
    let before = [
        line("Ada", "helo everyone", false, false, 0),
        line("Ada", "this one was a mistake", false, false, 0),
        line("Bob", "hi Ada", false, false, 1),
    ];
    wait_for_room(&mut bob, "Bob sees the conversation, with nothing of Ada's to change", &before).await;
    let hers = [
        line("Ada", "helo everyone", false, false, 1),
        line("Ada", "this one was a mistake", false, false, 1),
        line("Bob", "hi Ada", false, false, 0),
    ];
    wait_for_room(&mut ada, "Ada can change her own messages only", &hers).await;

    // Edit and Delete show while the pointer is on the message.
    let away =
        MouseActions::new("mouse".into()).then(PointerAction::MoveTo { duration: None, x: 1.0, y: 1.0 });
    ada.client.perform_actions(away).await.expect("move the pointer to a corner");
    assert_eq!(actions_opacity(&mut ada, "this one was a mistake").await, "0", "hidden until wanted");
    let mistake =
        ada.client.find(Locator::XPath(&ada_line("this one was a mistake"))).await.expect("the line");
    let hover = MouseActions::new("mouse".into()).then(PointerAction::MoveToElement {
        element: mistake,
        duration: None,
        x: 0.0,
        y: 0.0,
    });
    ada.client.perform_actions(hover).await.expect("move the pointer onto the message");
    assert_eq!(actions_opacity(&mut ada, "this one was a mistake").await, "1", "shown under the pointer");
    ada.screenshot("hover").await;

    // Ada deletes it: asked first, in place.
    let delete = format!("{}//button[@aria-label='Delete message']", ada_line("this one was a mistake"));
    ada.client
        .find(Locator::XPath(&delete))
        .await
        .expect("the Delete button")
        .click()
        .await
        .expect("click Delete");
    ada.screenshot("confirm-delete").await;
    ada.click("[data-confirm] button").await;
    let after_delete = [
        line("Ada", "helo everyone", false, false, 0),
        line("Ada", "", false, true, 0),
        line("Bob", "hi Ada", false, false, 1),
    ];
    wait_for_room(&mut bob, "Bob sees a tombstone", &after_delete).await;

    // Arrow up in her empty composer edits her newest remaining message.
    let composer = ada.client.find(Locator::Id("composer")).await.expect("the composer");
    composer.send_keys("\u{E013}").await.expect("press Arrow up");
    let field = ada.client.find(Locator::Css("[data-editor] textarea")).await.expect("the editor opens");
    assert_eq!(field.prop("value").await.expect("the editor's text").as_deref(), Some("helo everyone"));
    field.clear().await.expect("clear the editor");
    field.send_keys("hello everyone").await.expect("type the fix");
    ada.screenshot("editing").await;
    field.send_keys("\u{E007}").await.expect("press Enter");
    let after_edit = [
        line("Ada", "hello everyone", true, false, 0),
        line("Ada", "", false, true, 0),
        line("Bob", "hi Ada", false, false, 1),
    ];
    wait_for_room(&mut bob, "Bob sees the edit", &after_edit).await;
    bob.screenshot("edited-and-deleted").await;
    let hers_now = [
        line("Ada", "hello everyone", true, false, 1),
        line("Ada", "", false, true, 0),
        line("Bob", "hi Ada", false, false, 0),
    ];
    wait_for_room(&mut ada, "Ada sees her room the same way", &hers_now).await;
    let focused = ada.client.active_element().await.expect("the focused element");
    assert_eq!(focused.attr("id").await.expect("its id").as_deref(), Some("composer"), "back to writing");
    ada.screenshot("edited-and-deleted").await;

    // Cara joins later, on node b: the room's history shows it as it is now.
    let mut cara = driver.browser("edits", "cara").await;
    cara.open(&cluster.url(1, "/")).await;
    cara.enter("Cara", "general").await;
    let from_history = [
        line("Ada", "hello everyone", true, false, 0),
        line("Ada", "", false, true, 0),
        line("Bob", "hi Ada", false, false, 0),
    ];
    wait_for_room(&mut cara, "Cara sees the room as it is now", &from_history).await;
    let words = "return document.getElementById('messages').textContent;";
    let page = cara.client.execute(words, Vec::new()).await.expect("read the messages");
    assert!(!page.as_str().unwrap_or_default().contains("mistake"), "the deleted words went to no one");
    cara.screenshot("late-joiner").await;

    // At a phone's width Ada's actions wait behind "⋯".
    ada.client.set_window_size(390, 844).await.expect("resize to a phone's width");
    let more = format!("{}//button[@aria-label='Message actions']", ada_line("hello everyone"));
    let toggle = ada.client.find(Locator::XPath(&more)).await.expect("the ⋯ button");
    assert!(toggle.is_displayed().await.expect("is ⋯ shown"), "always visible on a phone");
    let edit = ada
        .client
        .find(Locator::XPath(&format!("{}//button[@aria-label='Edit message']", ada_line("hello everyone"))))
        .await
        .expect("the Edit button");
    assert!(!edit.is_displayed().await.expect("is Edit shown"), "hidden until asked for");
    toggle.click().await.expect("tap ⋯");
    assert!(edit.is_displayed().await.expect("is Edit shown"), "shown after ⋯");
    assert_eq!(toggle.attr("aria-expanded").await.expect("aria-expanded").as_deref(), Some("true"));
    ada.screenshot("phone-actions").await;

    for browser in [ada, bob, cara] {
        browser.close().await;
    }
}
