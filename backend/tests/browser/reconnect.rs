//! A node restarted under a session: the page shows it is reconnecting,
//! comes back by itself, rejoins, and sends what was typed meanwhile.

use crate::browser::{Driver, WebCluster};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_node_is_rejoined_and_what_was_typed_meanwhile_is_delivered() {
    let mut cluster = WebCluster::start(2).await;
    let driver = Driver::start().await;
    let test = "reconnect";
    let mut ada = driver.browser(test, "ada").await;
    let mut bob = driver.browser(test, "bob").await;
    ada.open(&cluster.url(0, "/")).await;
    ada.enter("Ada", "ops").await;
    bob.open(&cluster.url(1, "/")).await;
    bob.enter("Bob", "ops").await;
    ada.wait_for_link("live").await;

    // Ada's node goes away under her.
    cluster.stop(0).await;
    ada.wait_for_link("reconnecting").await;
    ada.screenshot("reconnecting").await;

    // What she types now is kept and marked queued, not lost.
    ada.say("typed while the node was down").await;
    ada.wait_for_line("typed while the node was down", "queued").await;
    ada.screenshot("queued").await;

    // The node comes back on the same address: Ada reconnects by herself,
    // rejoins #ops, and her queued message reaches Bob exactly once.
    cluster.restart(0).await;
    ada.wait_for_link("live").await;
    ada.wait_in_room("ops").await;
    let at_bob = bob.wait_for_line("typed while the node was down", "sent").await;
    assert_eq!(at_bob.author, "Ada");
    ada.wait_for_line("typed while the node was down", "sent").await;

    bob.say("welcome back").await;
    ada.wait_for_line("welcome back", "sent").await;
    ada.screenshot("back").await;

    let count = |lines: &[crate::browser::Line], text: &str| lines.iter().filter(|l| l.text == text).count();
    let bob_lines = bob.lines().await;
    assert_eq!(count(&bob_lines, "typed while the node was down"), 1, "delivered once: {bob_lines:?}");
    let ada_lines = ada.lines().await;
    assert_eq!(count(&ada_lines, "typed while the node was down"), 1, "shown once: {ada_lines:?}");
    assert_eq!(count(&ada_lines, "welcome back"), 1);

    ada.close().await;
    bob.close().await;
}
