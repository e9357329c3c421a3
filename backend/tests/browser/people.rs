//! Who is in a room and who is typing, in the browser: two people on two
//! nodes see each other in the member list, each sees the other typing, a
//! message ends that, one leaves and is gone from the other's list; on a
//! phone the list is a drawer that takes the focus and gives it back.

use serde_json::{json, Value};

use crate::browser::{ada_and_bob_in, Browser, WebCluster};

/// The names in the open room's member list, "(you)" after our own.
const MEMBERS: &str = "return Array.from(document.querySelectorAll('#people li[data-member]')).map(li => \
     li.dataset.member + (li.querySelector('[data-you]') ? ' (you)' : ''));";
const COUNT: &str =
    "const count = document.querySelector('[data-people-count]'); return count ? count.textContent : null;";
const TYPING: &str =
    "const line = document.getElementById('typing'); return line ? line.textContent.trim() : null;";

async fn wait_for_members(browser: &mut Browser, names: &[&str]) {
    let expected = json!(names);
    browser
        .wait_for(&format!("the member list is {names:?}"), MEMBERS, |value| {
            (value == &expected).then_some(())
        })
        .await;
}

async fn wait_for_value(browser: &mut Browser, what: &str, script: &str, expected: &str) {
    browser.wait_for(what, script, |value| (value == expected).then_some(())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_people_on_two_nodes_see_each_other_typing_and_leaving() {
    let cluster = WebCluster::start(2).await;
    let (_driver, mut ada, mut bob) = ada_and_bob_in(&cluster, "people", "lounge").await;

    // Each sees both, themselves first and marked.
    wait_for_members(&mut ada, &["Ada (you)", "Bob"]).await;
    wait_for_members(&mut bob, &["Bob (you)", "Ada"]).await;
    wait_for_value(&mut ada, "the header counts two people", COUNT, "2 people").await;
    ada.screenshot("members").await;

    // Bob types without sending: Ada sees it; a message from him ends it.
    let composer = bob.client.find(fantoccini::Locator::Id("composer")).await.expect("Bob's composer");
    composer.send_keys("almost").await.expect("type");
    wait_for_value(&mut ada, "Bob shows as typing", TYPING, "Bob is typing…").await;
    ada.screenshot("typing").await;
    composer.send_keys("\u{E007}").await.expect("press Enter");
    ada.wait_for_line("almost", "sent").await;
    wait_for_value(&mut ada, "his message ends his typing", TYPING, "").await;

    // Bob leaves the room: he is gone from Ada's list.
    bob.click("#leave-room").await;
    wait_for_members(&mut ada, &["Ada (you)"]).await;
    wait_for_value(&mut ada, "the header counts one person", COUNT, "1 person").await;
    ada.screenshot("bob-left").await;

    // On a phone the list is a drawer behind the count in the header.
    ada.client.set_window_size(390, 844).await.expect("resize to a phone's width");
    let panel = "const r = document.getElementById('people').getBoundingClientRect(); \
                 return [r.left, r.right, window.innerWidth, !!document.activeElement.closest('#people'), \
                 document.activeElement.id];";
    let shown = |value: &Value| (value[1].as_f64()? <= value[2].as_f64()?).then(|| value[3] == true);
    let hidden = |value: &Value| (value[0].as_f64()? >= value[2].as_f64()?).then(|| value[4].clone());
    ada.wait_for("the list is out of view", panel, hidden).await;
    ada.click("#people-button").await;
    let focus_inside = ada.wait_for("the drawer slides in", panel, shown).await;
    assert!(focus_inside, "opening the drawer moves the focus into it");
    ada.screenshot("phone-people").await;
    let focused = ada.client.active_element().await.expect("the focused element");
    focused.send_keys("\u{E00C}").await.expect("press Escape");
    let focus = ada.wait_for("Escape closes the drawer", panel, hidden).await;
    assert_eq!(focus, "people-button", "the focus is back on the button that opened it");

    ada.close().await;
    bob.close().await;
}
