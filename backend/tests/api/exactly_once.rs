//! Exactly-once sends: a `send` repeated with the same `client_id` (a retry
//! after a lost connection or an unconfirmed publish) reaches the room once,
//! and the sender is answered with the original message every time.

use roomcast_protocol::{ClientFrame, ErrorCode, MessageFrame, ServerFrame};

use crate::helpers::{wait_ready, Client, Cluster, ProxiedPair};
use crate::on_both_brokers;

on_both_brokers!(a_repeated_client_id_is_published_once_and_acknowledged_every_time);
on_both_brokers!(tweak = short_dedupe_window; a_client_id_is_forgotten_after_the_dedupe_window);

fn short_dedupe_window(config: &mut roomcast_server::Config) {
    config.history.dedupe_window = std::time::Duration::from_millis(300);
}

async fn a_client_id_is_forgotten_after_the_dedupe_window(cluster: &Cluster) {
    let mut ada = Client::named(cluster.node(0), "ada").await;
    ada.join("general").await;
    ada.send(&send("ada-11aa22bb33cc44dd-1", "first")).await;
    let first = own_copy(&mut ada, "ada-11aa22bb33cc44dd-1").await;
    // Within the window a repeat is the original; once it has passed, the
    // same id is a new message (the window is what the guarantee covers).
    let deadline = tokio::time::Instant::now() + crate::helpers::PATIENCE;
    loop {
        ada.send(&send("ada-11aa22bb33cc44dd-1", "again")).await;
        let answer = own_copy(&mut ada, "ada-11aa22bb33cc44dd-1").await;
        if answer.id != first.id {
            assert_eq!(answer.text, "again", "a new message, not the original");
            break;
        }
        assert_eq!(answer, first, "within the window, the original");
        assert!(tokio::time::Instant::now() < deadline, "the client id was never forgotten");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

fn send<'a>(client_id: &'a str, text: &'a str) -> ClientFrame<'a> {
    ClientFrame::Send { room: "general".into(), client_id: client_id.into(), text: text.into() }
}

/// The next frame must be the sender's own copy of `client_id`.
async fn own_copy(client: &mut Client, client_id: &str) -> MessageFrame<'static> {
    let message = client.next_message().await;
    assert_eq!(message.client_id.as_deref(), Some(client_id), "{message:?}");
    message
}

async fn a_repeated_client_id_is_published_once_and_acknowledged_every_time(cluster: &Cluster) {
    let mut ada = Client::named(cluster.node(0), "ada").await;
    let mut bob = Client::named(cluster.node(1), "bob").await;
    ada.join("general").await;
    bob.join("general").await;

    ada.send(&send("ada-7f3a9c21e4b8d605-1", "only once")).await;
    let original = own_copy(&mut ada, "ada-7f3a9c21e4b8d605-1").await;
    assert_eq!(bob.next_message().await.id, original.id);

    // The same send again on the same connection...
    ada.send(&send("ada-7f3a9c21e4b8d605-1", "only once")).await;
    assert_eq!(own_copy(&mut ada, "ada-7f3a9c21e4b8d605-1").await, original);
    // ...and after a reconnect, as the web client retries what was in flight.
    drop(ada);
    let mut ada = Client::named(cluster.node(0), "ada").await;
    ada.join("general").await;
    ada.send(&send("ada-7f3a9c21e4b8d605-1", "only once")).await;
    assert_eq!(own_copy(&mut ada, "ada-7f3a9c21e4b8d605-1").await, original);

    // Bob got it once: the next thing he sees is the next message.
    ada.send(&send("ada-7f3a9c21e4b8d605-2", "next")).await;
    assert_eq!(bob.next_message().await.text, "next");
    // The history holds it once too.
    let mut cy = Client::named(cluster.node(1), "cy").await;
    let join = ClientFrame::Join { room: "general".into(), history: Some(10), since: None, epoch: None };
    let (_, backlog) = cy.join_with(join).await;
    let texts: Vec<_> = backlog.iter().map(|m| m.text.as_ref()).collect();
    assert_eq!(texts, ["only once", "next"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_publish_whose_answer_is_lost_is_reported_unknown_and_its_retry_is_not_delivered_twice() {
    let ProxiedPair { redis: _redis, proxy, behind_proxy, direct } = ProxiedPair::start().await;
    let mut ada = Client::named(&behind_proxy, "ada").await;
    let mut bob = Client::named(&direct, "bob").await;
    ada.join("general").await;
    bob.join("general").await;

    // One message first, so Redis has the publish script cached and runs the
    // next call at once (a cache miss would be answered NOSCRIPT instead).
    bob.say("general", "warm-up").await;
    assert_eq!(ada.next_message().await.text, "warm-up");
    assert_eq!(bob.next_message().await.text, "warm-up");

    // Redis runs ada's publish script, but its answer never reaches her node.
    proxy.lose_reply_to(b"did it go?");
    ada.send(&send("ada-0d1e2f3a4b5c6d7e-1", "did it go?")).await;
    // Her node's subscription still works, so her own copy may come first;
    // the publish call itself ends without an answer.
    loop {
        match ada.next_frame().await {
            ServerFrame::Message(own) => assert_eq!(own.client_id.as_deref(), Some("ada-0d1e2f3a4b5c6d7e-1")),
            ServerFrame::Error { code, client_id, room, .. } => {
                assert_eq!(code, ErrorCode::OutcomeUnknown);
                assert_eq!(
                    (client_id.as_deref(), room.as_deref()),
                    (Some("ada-0d1e2f3a4b5c6d7e-1"), Some("general"))
                );
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    let delivered = bob.next_message().await;
    assert_eq!(delivered.text, "did it go?", "it did reach the room");

    // The node replaces its dead connections; the retry is answered with the
    // original, and nobody gets a second copy.
    wait_ready(&behind_proxy).await;
    ada.send(&send("ada-0d1e2f3a4b5c6d7e-1", "did it go?")).await;
    let answer = loop {
        let message = ada.next_message().await;
        if message.client_id.is_some() {
            break message;
        }
    };
    assert_eq!(answer.id, delivered.id);
    bob.say("general", "sentinel").await;
    assert_eq!(bob.next_message().await.text, "sentinel", "no second copy before the sentinel");
}
