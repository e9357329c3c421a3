//! Mentions, notifications and links in the browser: Bob on node b
//! mentions Ada (picked from the autocomplete) while her tab is hidden, and
//! she gets one notification and a mention badge, none for a muted room's
//! chatter, and a click on the notification opens the room; a link in a
//! message, at a phone's width, opens a new tab that cannot reach the chat,
//! and the phone's room drawer holds the mute switch and "Notify me".
//!
//! The browser is Chromium with notifications allowed in its profile. The
//! test makes the page count as hidden (`document.hidden`) and wraps
//! `window.Notification` to record what the page shows; the notifications
//! themselves are the browser's.

use std::time::Duration;

use fantoccini::wd::WindowHandle;
use fantoccini::Locator;
use serde_json::{json, Value};

use crate::browser::{ada_and_bob_in, Browser, Driver, WebCluster, BROWSER_PATIENCE};

/// Records every notification the page makes (still made by the browser)
/// and makes the page count as hidden, as behind another tab.
const RECORD_AND_HIDE: &str = "
    const Real = window.Notification;
    window.__shown = [];
    window.Notification = class extends Real {
        constructor(title, options) { super(title, options); window.__shown.push(this); }
    };
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
    return Real.permission;";

/// [title, body, tag] of each notification shown.
const SHOWN: &str = "return window.__shown.map(n => [n.title, n.body, n.tag]);";

const LOUNGE_MENTIONS: &str =
    "const badge = document.querySelector(\"[data-room='lounge'] [data-mentions]\"); return badge ? badge.textContent : null;";

async fn wait_for_notifications(ada: &mut Browser, count: usize) -> Vec<Value> {
    let what = format!("{count} notifications were shown");
    ada.wait_for(&what, SHOWN, |value| value.as_array().filter(|shown| shown.len() == count).cloned()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mention_from_another_node_notifies_once_and_shows_a_mention_badge() {
    let cluster = WebCluster::start(2).await;
    let driver = Driver::start().await;
    let mut ada = driver.browser_allowing_notifications("mentions", "ada").await;
    let mut bob = driver.browser("mentions", "bob").await;
    ada.open(&cluster.url(0, "/")).await;
    ada.enter("Ada", "lounge").await;
    bob.open(&cluster.url(1, "/")).await;
    bob.enter("Bob", "lounge").await;

    // Ada turns notifications on and opens another room; #lounge is off screen.
    let pressed = "return document.getElementById('notify-toggle').getAttribute('aria-pressed');";
    assert_eq!(
        ada.client.execute(pressed, Vec::new()).await.expect("read the switch"),
        "false",
        "off until asked"
    );
    ada.click("#notify-toggle").await;
    ada.wait_for("notifications are on", pressed, |value| (value == "true").then_some(())).await;
    ada.fill("#sidebar-room", "desk\u{E007}").await;
    ada.wait_in_room("desk").await;
    let permission = ada.client.execute(RECORD_AND_HIDE, Vec::new()).await.expect("wrap notifications");
    assert_eq!(permission, "granted", "the test browser allows notifications");

    // Bob, on node b, writes "@Ad", picks Ada from the list with Tab, and sends.
    let composer = bob.client.find(Locator::Id("composer")).await.expect("Bob's composer");
    composer.send_keys("lunch, @Ad").await.expect("type");
    let offered = "return Array.from(document.querySelectorAll('#mention-options [role=option]')).map(o => o.dataset.name);";
    bob.wait_for("Ada is offered", offered, |value| (value == &json!(["Ada"])).then_some(())).await;
    bob.screenshot("autocomplete").await;
    composer.send_keys("\u{E004}").await.expect("press Tab");
    composer.send_keys("want to come?\u{E007}").await.expect("finish and press Enter");
    bob.wait_for_line("lunch, @Ada want to come?", "sent").await;

    let shown = wait_for_notifications(&mut ada, 1).await;
    assert_eq!(
        shown[0],
        json!(["Bob mentioned you in #lounge", "lunch, @Ada want to come?", "roomcast-room-lounge"])
    );
    ada.wait_for("#lounge shows a mention", LOUNGE_MENTIONS, |value| (value == "@1").then_some(())).await;
    let title = ada.client.title().await.expect("the page title");
    assert_eq!(title, "(@1) #desk · Roomcast");
    ada.screenshot("mention-badge").await;

    // Muted, #lounge's chatter notifies no more; a mention still does.
    ada.click("[data-room='lounge'] button[aria-pressed]").await;
    bob.say("chatter nobody needs").await;
    bob.say("@Ada one more thing").await;
    let shown = wait_for_notifications(&mut ada, 2).await;
    assert_eq!(
        shown[1],
        json!(["Bob mentioned you in #lounge", "@Ada one more thing", "roomcast-room-lounge"])
    );
    ada.wait_for("#lounge shows two mentions", LOUNGE_MENTIONS, |value| (value == "@2").then_some(())).await;

    // A click on the notification opens the room, which clears the badge.
    ada.client
        .execute("window.__shown[1].dispatchEvent(new Event('click'));", Vec::new())
        .await
        .expect("click the notification");
    ada.wait_in_room("lounge").await;
    ada.wait_for_line("@Ada one more thing", "sent").await;
    ada.wait_for("the mentions are read", LOUNGE_MENTIONS, |value| value.is_null().then_some(())).await;
    let marked = "return Array.from(document.querySelectorAll('#messages li[data-mentions-me]')).map(li => li.querySelector('[data-text]').textContent);";
    let marked = ada.client.execute(marked, Vec::new()).await.expect("read the marked messages");
    assert_eq!(
        marked,
        json!(["lunch, @Ada want to come?", "@Ada one more thing"]),
        "the mentions of Ada are marked"
    );
    ada.screenshot("mentions-read").await;

    ada.close().await;
    bob.close().await;
}

/// The tab other than `chat` that the browser opens, once it has.
async fn another_tab(browser: &Browser, chat: &WindowHandle) -> WindowHandle {
    let deadline = tokio::time::Instant::now() + BROWSER_PATIENCE;
    loop {
        let tabs = browser.client.windows().await.expect("list the tabs");
        if let Some(tab) = tabs.into_iter().find(|tab| tab != chat) {
            return tab;
        }
        assert!(tokio::time::Instant::now() < deadline, "the link opened no new tab");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_opens_in_a_new_tab_that_cannot_reach_the_chat() {
    let cluster = WebCluster::start(2).await;
    let (_driver, mut ada, mut bob) = ada_and_bob_in(&cluster, "links", "lounge").await;
    ada.client.set_window_size(390, 844).await.expect("resize to a phone's width");
    let address = cluster.url(1, "/favicon.svg");
    bob.say(&format!("the icon: {address}.")).await;
    ada.wait_for_line(&format!("the icon: {address}."), "sent").await;

    let link = "const a = document.querySelector('#messages [data-text] a'); \
                return a ? [a.textContent.trim(), a.getAttribute('href'), a.target, a.rel] : null;";
    let found = ada.wait_for("the address is a link", link, |value| value.as_array().cloned()).await;
    assert_eq!(found, [json!(address), json!(address), json!("_blank"), json!("noopener noreferrer")]);
    ada.screenshot("phone-link").await;

    let chat = ada.client.window().await.expect("the chat's window");
    ada.click("#messages [data-text] a").await;
    let new_tab = another_tab(&ada, &chat).await;
    ada.client.switch_to_window(new_tab).await.expect("switch to the new tab");
    let seen = "return document.readyState === 'complete' ? [location.href, window.opener === null] : null;";
    let seen = ada.wait_for("the new tab loads", seen, |value| value.as_array().cloned()).await;
    assert_eq!(
        seen,
        [json!(address), json!(true)],
        "the new tab has the address and no way back to the chat"
    );
    ada.client.close_window().await.expect("close the new tab");
    ada.client.switch_to_window(chat).await.expect("back to the chat");
    ada.wait_in_room("lounge").await;

    // On the phone, the room list's drawer holds the mute switch and "Notify me".
    ada.click("button[aria-label='Show rooms']").await;
    let in_view = "const mute = document.querySelector(\"[data-room='lounge'] button[aria-pressed]\"); \
                   const r = mute.getBoundingClientRect(); \
                   return r.left >= 0 && r.right <= window.innerWidth && !!document.getElementById('notify-toggle');";
    ada.wait_for("the drawer shows the mute switch", in_view, |value| (value == true).then_some(())).await;
    ada.screenshot("phone-rooms").await;

    ada.close().await;
    bob.close().await;
}
