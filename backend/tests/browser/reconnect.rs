//! A node restarted under a session: the page shows it is reconnecting,
//! comes back by itself, rejoins, recovers what it missed, and sends what
//! was typed meanwhile, and what was on its way when the node went, exactly
//! once.

use crate::browser::{ada_and_bob_in, Browser, Line, WebCluster};

fn count(lines: &[Line], text: &str) -> usize {
    lines.iter().filter(|line| line.text == text).count()
}

/// Both see `text` once, as sent, and Ada sees it as hers.
async fn delivered_once(ada: &mut Browser, bob: &mut Browser, text: &str) {
    let at_bob = bob.wait_for_line(text, "sent").await;
    assert_eq!(at_bob.author, "Ada");
    assert!(ada.wait_for_line(text, "sent").await.mine);
    // Later messages from Bob prove no second copy was on its way.
    let sentinel = format!("after {text}");
    bob.say(&sentinel).await;
    ada.wait_for_line(&sentinel, "sent").await;
    let (bob_lines, ada_lines) = (bob.lines().await, ada.lines().await);
    assert_eq!(count(&bob_lines, text), 1, "delivered once: {bob_lines:?}");
    assert_eq!(count(&ada_lines, text), 1, "shown once: {ada_lines:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_node_is_rejoined_and_what_was_typed_meanwhile_is_delivered() {
    let mut cluster = WebCluster::start(2).await;
    let (_driver, mut ada, mut bob) = ada_and_bob_in(&cluster, "reconnect", "ops").await;

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
    delivered_once(&mut ada, &mut bob, "typed while the node was down").await;
    ada.screenshot("back").await;

    ada.close().await;
    bob.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_on_its_way_when_the_node_restarts_arrives_once_with_what_was_missed() {
    let mut cluster = WebCluster::start_behind_proxy(2).await;
    let (_driver, mut ada, mut bob) = ada_and_bob_in(&cluster, "in-flight", "ops").await;
    bob.say("morning").await;
    ada.wait_for_line("morning", "sent").await;

    // Ada's node loses Redis without noticing: what she sends now gets no
    // answer and stays on its way...
    cluster.proxy().freeze_existing();
    ada.say("sent as the node went down").await;
    ada.wait_for_line("sent as the node went down", "sending").await;
    ada.screenshot("sending").await;
    // ...until the node restarts. It is kept, to go again, not marked failed.
    cluster.stop(0).await;
    ada.wait_for_link("reconnecting").await;
    ada.wait_for_line("sent as the node went down", "queued").await;
    bob.say("while you were away").await;
    bob.wait_for_line("while you were away", "sent").await;

    // Back on the restarted node, Ada recovers what Bob said meanwhile (no
    // note about lost messages) and her message is sent again under the
    // same client id: it reaches the room exactly once.
    cluster.restart(0).await;
    ada.wait_for_link("live").await;
    ada.wait_in_room("ops").await;
    ada.wait_for_line("while you were away", "sent").await;
    delivered_once(&mut ada, &mut bob, "sent as the node went down").await;
    assert_eq!(ada.gap_notes().await, 0, "everything missed was recovered");
    assert_eq!(count(&ada.lines().await, "while you were away"), 1);
    ada.screenshot("recovered").await;

    ada.close().await;
    bob.close().await;
}
