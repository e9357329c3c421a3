//! Sending faster than the server allows: the messages it refuses as
//! `rate_limited` wait and go again by themselves, and every message
//! arrives exactly once, in the order typed, without a click.

use crate::browser::{ada_and_bob_in, Line, WebCluster};

/// How many of the open room's lines are waiting after a refusal.
const WAITING: &str = "return document.querySelectorAll('#messages li[data-delivery=\"waiting\"]').length;";

fn texts(lines: &[Line]) -> Vec<String> {
    lines.iter().map(|line| line.text.clone()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_refused_for_sending_too_fast_go_again_by_themselves_and_arrive_once_in_order() {
    // Two messages at once, then two a second, per connection.
    let cluster = WebCluster::start_with(2, |config| {
        config.session.send_rate = 2.0;
        config.session.send_burst = 2;
    })
    .await;
    let (_driver, mut ada, mut bob) = ada_and_bob_in(&cluster, "too-fast", "quick").await;

    let typed: Vec<String> = (1..=8).map(|n| format!("quick {n}")).collect();
    for text in &typed {
        ada.say(text).await;
    }
    ada.wait_for("a refused message waits to go again", WAITING, |count| {
        (count.as_u64().unwrap_or(0) > 0).then_some(())
    })
    .await;
    ada.screenshot("waiting").await;

    for text in &typed {
        bob.wait_for_line(text, "sent").await;
        ada.wait_for_line(text, "sent").await;
    }
    ada.screenshot("all-sent").await;
    bob.screenshot("all-received").await;
    let at_ada = ada.lines().await;
    let at_bob = bob.lines().await;
    assert_eq!(texts(&at_bob), typed, "each once, in the order typed");
    assert_eq!(texts(&at_ada), typed);
    assert!(at_ada.iter().all(|line| line.mine && line.delivery == "sent"), "{at_ada:?}");
    assert!(at_bob.iter().all(|line| line.author == "Ada" && !line.mine), "{at_bob:?}");

    ada.close().await;
    bob.close().await;
}
