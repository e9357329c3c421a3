//! A room's history in the browser: a busy room opens on its latest
//! messages, and scrolling to the top brings older ones in, page by page,
//! above the reader without moving what they were reading.

use serde_json::Value;

use crate::browser::{Browser, Driver, Line, WebCluster, LINES_SCRIPT, TOP_SCRIPT};
use crate::helpers::Client;

fn texts(lines: Vec<Line>) -> Vec<String> {
    lines.into_iter().map(|line| line.text).collect()
}

/// Where the words `text` are on screen (their top, in CSS pixels). The
/// words, not their line: a line loses its author header when older
/// messages of the same author arrive above it.
fn position_of(text: &str) -> String {
    format!(
        "const words = Array.from(document.querySelectorAll('#messages li[data-author] [data-text]')) \
         .find(p => p.textContent === '{text}'); \
         return words ? Math.round(words.getBoundingClientRect().top) : null;"
    )
}

/// Scrolls the list to the top and says where the line reading `text` is
/// then: one script, so no page can arrive in between.
async fn scroll_to_top_reading(ada: &mut Browser, text: &str) -> i64 {
    let script = format!("document.getElementById('messages').scrollTop = 0; {}", position_of(text));
    let value = ada.client.execute(&script, Vec::new()).await.expect("scroll to the top");
    value.as_i64().unwrap_or_else(|| panic!("{text:?} is not shown: {value}"))
}

/// Waits until the room shows `count` lines.
async fn wait_for_lines(ada: &mut Browser, count: usize) {
    ada.wait_for(&format!("{count} lines show"), LINES_SCRIPT, |value: &Value| {
        (value.as_array()?.len() == count).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scrolling_to_the_top_of_a_busy_room_loads_its_older_messages_in_place() {
    let cluster = WebCluster::start(1).await;
    let mut bot = Client::named(&cluster.nodes[0], "Bot").await;
    bot.join("archive").await;
    for n in 0..120 {
        bot.say("archive", &format!("archived {n:03}")).await;
        bot.next_message().await;
    }
    let all: Vec<String> = (0..120).map(|n| format!("archived {n:03}")).collect();

    let driver = Driver::start().await;
    let mut ada = driver.browser("history", "ada").await;
    ada.open(&cluster.url(0, "/")).await;
    ada.enter("Ada", "archive").await;
    // The join brings the latest 50, and the list follows the newest.
    ada.wait_for_line("archived 119", "sent").await;
    assert_eq!(texts(ada.lines().await), all[70..]);
    assert_eq!(ada.top_marker().await.as_deref(), Some("more"));
    ada.screenshot("latest").await;

    // At the top, the 50 before arrive above "archived 070", which stays
    // where the reader saw it.
    let seen_at = scroll_to_top_reading(&mut ada, "archived 070").await;
    wait_for_lines(&mut ada, 100).await;
    assert_eq!(texts(ada.lines().await), all[20..]);
    let now_at = ada.wait_for("the line read shows", &position_of("archived 070"), Value::as_i64).await;
    assert!((now_at - seen_at).abs() <= 2, "the line read stayed in place: {seen_at} → {now_at}");
    ada.screenshot("older").await;

    // Once more, and the room's beginning is reached.
    scroll_to_top_reading(&mut ada, "archived 020").await;
    wait_for_lines(&mut ada, 120).await;
    assert_eq!(texts(ada.lines().await), all, "every message once, in order");
    ada.wait_for("the beginning shows", TOP_SCRIPT, |value| (value == "beginning").then_some(())).await;
    ada.screenshot("beginning").await;
    ada.close().await;
}
