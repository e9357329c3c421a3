//! Words and small truths in a real browser at a phone's width (390 px),
//! with the real styles: a validation message appears without moving the
//! form, a link to a name that cannot be a room says why, and the room's
//! header keeps its title whole beside "2 people", with the node only in
//! the badge's tooltip.

use serde_json::Value;

use crate::browser::{Driver, WebCluster};

/// Where the landing form's Join button is, and what the room's error says.
const JOIN_BUTTON: &str = "const button = document.querySelector(\"form[aria-label='Enter a room'] button[type=submit]\"); \
     return { top: button.getBoundingClientRect().top, error: document.getElementById('room-error').textContent };";

/// The room header: whether the title is cut, the people button, and the
/// header's words and tooltip.
const HEADER: &str = "const title = document.getElementById('room-title'); \
     const people = document.getElementById('people-button'); const r = people.getBoundingClientRect(); \
     const badge = document.querySelector('[data-link]').parentElement; \
     return { cut: title.scrollWidth > title.clientWidth, title: title.textContent, \
     people: people.textContent, shown: r.width > 0 && r.right <= window.innerWidth, \
     header: document.querySelector('header').textContent, tooltip: badge.title };";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_phone_messages_do_not_move_the_form_links_explain_and_the_title_stays_whole() {
    let cluster = WebCluster::start(1).await;
    let driver = Driver::start().await;
    let mut ada = driver.browser("wording", "ada").await;
    let mut bob = driver.browser("wording", "bob").await;
    ada.client.set_window_size(390, 844).await.expect("resize to a phone's width");

    // A link to a name that cannot be a room: the landing page, and why.
    ada.open(&cluster.url(0, "/room/Bad%20Room!")).await;
    let notice = ada
        .wait_for(
            "a notice explains the link",
            "const n = document.querySelector('[data-notice]'); return n ? n.textContent : null;",
            |v| v.as_str().map(str::to_owned),
        )
        .await;
    assert_eq!(
        notice,
        "The link asks for a room called “Bad Room!”, which cannot exist. \
         Room names can use letters, digits, - and _ (not spaces)."
    );
    ada.screenshot("refused-link").await;

    // A refused room name: the message takes the line kept for it.
    ada.fill("#name", "Ada").await;
    ada.fill("#room", "Bad Room!").await;
    let before: Value = ada.client.execute(JOIN_BUTTON, Vec::new()).await.expect("measure the form");
    assert_eq!(before["error"], "");
    ada.click("form[aria-label='Enter a room'] button[type=submit]").await;
    let after = ada.wait_for("the error shows", JOIN_BUTTON, |v| (v["error"] != "").then(|| v.clone())).await;
    assert_eq!(after["error"], "Room names can use letters, digits, - and _ (not spaces).");
    assert_eq!(after["top"], before["top"], "the Join button did not move");
    ada.screenshot("room-error").await;

    // In a room with a longer name and two people, the title stays whole.
    ada.fill("#room", "design-review").await;
    ada.click("form[aria-label='Enter a room'] button[type=submit]").await;
    ada.wait_in_room("design-review").await;
    bob.open(&cluster.url(0, "/")).await;
    bob.enter("Bob", "design-review").await;
    ada.wait_for_link("live").await;
    let header = ada
        .wait_for("the header counts two people", HEADER, |v| (v["people"] == "2 people").then(|| v.clone()))
        .await;
    ada.screenshot("header").await;
    assert_eq!(header["cut"], false, "the title is not truncated: {header}");
    assert!(header["title"].as_str().unwrap_or_default().contains("design-review"));
    assert_eq!(header["shown"], true, "the people button is on screen");
    let node = cluster.node_name(0);
    assert!(!header["header"].as_str().unwrap_or_default().contains(node), "no node in the header: {header}");
    assert_eq!(header["tooltip"], format!("Connected to server node {node}"));

    ada.close().await;
    bob.close().await;
}
