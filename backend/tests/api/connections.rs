//! Connections that go quiet, fall behind, or outlive their node.

use std::time::Duration;

use roomcast_protocol::close::{HEARTBEAT_TIMEOUT, SERVICE_RESTART, SLOW_CONSUMER};
use roomcast_protocol::{ClientFrame, ServerFrame};

use crate::helpers::{eventually, http_get, metric, Client, Cluster, Event, TestNode, PATIENCE};
use crate::on_both_brokers;

/// The node's live connection count, from `/healthz`.
async fn connections(node: &TestNode) -> u64 {
    let (_, body) = http_get(node.addr, "/healthz").await;
    let health: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    health["connections"].as_u64().unwrap_or(u64::MAX)
}

fn fast_heartbeat(config: &mut roomcast_server::Config) {
    config.session.ping_interval = Duration::from_millis(150);
    config.session.ping_timeout = Duration::from_millis(300);
}

on_both_brokers!(tweak = fast_heartbeat; unresponsive_client_is_dropped_and_its_rooms_left);
on_both_brokers!(tweak = small_queue; slow_consumer_is_disconnected_without_holding_back_others);
on_both_brokers!(tweak = deep_queue; frames_queued_at_shutdown_arrive_before_the_restart_close);
on_both_brokers!(tweak = small_queue_long_history; a_member_closed_as_too_slow_recovers_what_it_missed);
on_both_brokers!(tweak = small_send_buffer; a_reader_that_stops_is_closed_before_the_node_holds_much_for_it);

fn small_queue_long_history(config: &mut roomcast_server::Config) {
    config.session.outbound_queue = 16;
    config.history.size = 10_000;
}

async fn a_member_closed_as_too_slow_recovers_what_it_missed(cluster: &Cluster) {
    let mut ada = Client::named(cluster.node(0), "ada").await;
    let mut slow = Client::named(cluster.node(1), "slow").await;
    ada.join("general").await;
    let join = ClientFrame::Join { room: "general".into(), history: Some(0), since: None, epoch: None };
    let epoch = match slow.join_with(join).await {
        (ServerFrame::Joined { epoch: Some(epoch), .. }, _) => epoch.into_owned(),
        (other, _) => panic!("expected joined with an epoch, got {other:?}"),
    };
    // ada sends until the node gives up on `slow`, who reads nothing.
    let text = "€".repeat(2000);
    let mut sent = Vec::new();
    let before = connections(cluster.node(1)).await;
    while connections(cluster.node(1)).await == before {
        assert!(sent.len() < 5_000, "the slow consumer was never disconnected");
        for _ in 0..20 {
            ada.say("general", &text).await;
            sent.push(ada.next_message().await.id);
        }
    }
    // What reached `slow` before the close, then the close itself.
    let mut seen = Vec::new();
    let code = loop {
        match slow.next_event().await {
            Event::Frame(ServerFrame::Message(message)) => seen.push(message.id),
            Event::Frame(other) => panic!("unexpected {other:?}"),
            Event::Closed(frame) => break frame.map(|f| u16::from(f.code)),
        }
    };
    // The close frame itself may not fit into the full socket any more.
    assert!(matches!(code, None | Some(SLOW_CONSUMER)), "closed with {code:?}");
    assert!(!seen.is_empty() && seen.len() < sent.len(), "some, not all, got through: {}", seen.len());

    let mut slow = Client::named(cluster.node(1), "slow").await;
    let since = seen[seen.len() - 1];
    let rejoin = ClientFrame::Join {
        room: "general".into(),
        history: Some(0),
        since: Some(since),
        epoch: Some(epoch.into()),
    };
    let (joined, recovered) = slow.join_with(rejoin).await;
    assert!(matches!(joined, ServerFrame::Joined { recovered: Some(true), .. }), "{joined:?}");
    seen.extend(recovered.iter().map(|m| m.id));
    assert_eq!(seen, sent, "before the close and after the reconnect: every message once, in order");
}

fn small_send_buffer(config: &mut roomcast_server::Config) {
    config.session.outbound_queue = 16;
    config.http.socket_send_buffer = 16 * 1024;
}

async fn a_reader_that_stops_is_closed_before_the_node_holds_much_for_it(cluster: &Cluster) {
    let node = cluster.node(0);
    let mut ada = Client::named(node, "ada").await;
    ada.join("general").await;
    // A client on a slow link that stops reading: a 4 KiB receive window.
    let mut stalled = Client::named_with_receive_buffer(node, "stalled", 4096).await;
    stalled.join("general").await;
    // About 1 KB a message. The kernel would let the node's side of the
    // socket grow to megabytes for it; bounded (32 KiB with the kernel's
    // doubling), the window, the send buffer and a queue of 16 are full
    // after some 60 messages, and the node closes it as too slow.
    let text = "x".repeat(1000);
    let slow = "roomcast_server_closes_total{reason=\"slow_consumer\"}";
    let mut sent = 0;
    while metric(node, slow).await < 1.0 {
        assert!(sent < 150, "the stalled reader was still open after {sent} KB sent to it");
        for _ in 0..10 {
            ada.say("general", &text).await;
            ada.next_message().await;
            sent += 1;
        }
    }
    let code = loop {
        match stalled.next_event().await {
            Event::Frame(_) => {}
            Event::Closed(frame) => break frame.map(|f| u16::from(f.code)),
        }
    };
    // The close frame itself may not fit into the full socket any more.
    assert!(matches!(code, None | Some(SLOW_CONSUMER)), "closed with {code:?}");
    // ada, in the same room, goes on as before.
    ada.say("general", "still here").await;
    assert_eq!(ada.next_message().await.text, "still here");
}

fn deep_queue(config: &mut roomcast_server::Config) {
    config.session.outbound_queue = 4096;
}

/// Room messages the node has queued for its members, from `/healthz`.
async fn queued_deliveries(node: &TestNode) -> u64 {
    let (_, body) = http_get(node.addr, "/healthz").await;
    let health: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    health["deliveries"]["queued"].as_u64().unwrap_or(0)
}

async fn frames_queued_at_shutdown_arrive_before_the_restart_close(cluster: &Cluster) {
    const COUNT: usize = 1500;
    let node = cluster.node(0);
    let mut ada = Client::named(node, "ada").await;
    let mut bob = Client::named(cluster.node(1), "bob").await;
    ada.join("general").await;
    bob.join("general").await;
    // ada reads nothing while bob sends far more than her socket buffers
    // hold (about 9 MB), so most of it waits in her queue on the node.
    let text = "€".repeat(2000);
    for _ in 0..COUNT {
        bob.say("general", &text).await;
    }
    for _ in 0..COUNT {
        bob.next_message().await;
    }
    let owed = if cluster.redis.is_some() { COUNT } else { 2 * COUNT } as u64;
    eventually("the node has queued every message", || async { queued_deliveries(node).await >= owed }).await;

    node.begin_shutdown();
    let mut received = 0;
    let code = loop {
        match ada.next_event().await {
            Event::Frame(ServerFrame::Message(message)) => {
                assert_eq!(message.text.len(), text.len());
                received += 1;
            }
            Event::Frame(other) => panic!("unexpected {other:?}"),
            Event::Closed(frame) => break frame.map(|f| u16::from(f.code)),
        }
    };
    assert_eq!(received, COUNT, "everything queued for ada reached her");
    assert_eq!(code, Some(SERVICE_RESTART), "and then the restart close");
}

async fn unresponsive_client_is_dropped_and_its_rooms_left(cluster: &Cluster) {
    let node = cluster.node(0);
    let mut mute = Client::named(node, "mute").await;
    mute.join("general").await;
    // A client that stops reading also stops answering pings (tungstenite
    // answers them only while it is read); an active one keeps answering.
    let mut lively = Client::named(node, "lively").await;
    lively.join("general").await;
    assert_eq!(connections(node).await, 2);

    let watch_lively = async {
        loop {
            // Reading lets `lively` answer pings; it receives nothing else.
            let _ = tokio::time::timeout(Duration::from_millis(50), lively.next_event()).await;
        }
    };
    tokio::select! {
        () = watch_lively => unreachable!(),
        () = eventually("the mute client is dropped", || async { connections(node).await == 1 }) => {}
    }
    // The close frame may be lost: the node drops the socket after sending
    // it, and the mute client's late pongs then meet a reset.
    let code = mute.expect_closed().await;
    assert!(code.is_none() || code == Some(HEARTBEAT_TIMEOUT), "closed with {code:?}");
    lively.say("general", "still here").await;
    assert_eq!(lively.next_message().await.text, "still here");
    if let Some(redis) = &cluster.redis {
        lively.send(&ClientFrame::Leave { room: "general".into() }).await;
        eventually("the node unsubscribes once the live member leaves too", || async {
            redis.numsub(&cluster.room_channel("general")).await == 0
        })
        .await;
    }
}

fn small_queue(config: &mut roomcast_server::Config) {
    config.session.outbound_queue = 16;
}

async fn slow_consumer_is_disconnected_without_holding_back_others(cluster: &Cluster) {
    let mut ada = Client::named(cluster.node(0), "ada").await;
    let mut bob = Client::named(cluster.node(1), "bob").await;
    let mut slow = Client::named(cluster.node(1), "slow").await;
    for client in [&mut ada, &mut bob, &mut slow] {
        client.join("general").await;
    }
    let before = connections(cluster.node(1)).await;
    // bob reads everything as it comes and reports how far he got; `slow`
    // reads nothing.
    let (progress, mut bob_got) = tokio::sync::watch::channel(0u64);
    let reader = tokio::spawn(async move {
        let mut count = 0u64;
        loop {
            let message = bob.next_message().await;
            if message.text.starts_with("done") {
                return (count, message.text.into_owned());
            }
            assert_eq!(
                message.text.split(' ').next(),
                Some(count.to_string().as_str()),
                "bob's messages in order"
            );
            count += 1;
            progress.send_replace(count);
        }
    });
    // ada sends until the node gives up on `slow` (its socket buffers fill
    // first, then its 16-frame queue). Every ten messages she waits for bob to
    // catch up: the test process runs the nodes and all clients on two cores,
    // and bob must stay a reader that keeps up.
    let filler = "x".repeat(1900);
    let mut sent = 0u64;
    while connections(cluster.node(1)).await == before {
        assert!(sent < 40_000, "the slow consumer was never disconnected");
        for _ in 0..10 {
            for _ in 0..10 {
                ada.say("general", &format!("{sent} {filler}")).await;
                ada.next_message().await;
                sent += 1;
            }
            tokio::time::timeout(PATIENCE, bob_got.wait_for(|&got| got == sent))
                .await
                .expect("bob keeps up")
                .expect("bob's reader is running");
        }
    }
    ada.say("general", "done").await;
    let (received, last) = reader.await.expect("bob's reader");
    assert_eq!((received, last.as_str()), (sent, "done"), "bob got every message");
    // `slow` finds the close code after its backlog, unless the close frame
    // could not be written into its full socket in time.
    let code = slow.expect_closed().await;
    assert!(code.is_none() || code == Some(SLOW_CONSUMER), "closed with {code:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_tells_clients_to_reconnect_and_others_chat_on() {
    let mut cluster = Cluster::redis(2).await;
    let mut ada = Client::named(cluster.node(0), "ada").await;
    let mut bob = Client::named(cluster.node(1), "bob").await;
    ada.join("general").await;
    bob.join("general").await;

    cluster.nodes[0].shut_down().await;
    assert_eq!(ada.expect_closed().await, Some(SERVICE_RESTART));

    // ada reconnects to the surviving node and the room goes on.
    let mut ada = Client::named(cluster.node(1), "ada").await;
    ada.join("general").await;
    ada.say("general", "back").await;
    assert_eq!(bob.next_message().await.text, "back");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_of_an_embedded_node_closes_with_service_restart() {
    let mut cluster = Cluster::embedded().await;
    let mut ada = Client::named(cluster.node(0), "ada").await;
    ada.join("general").await;
    cluster.nodes[0].shut_down().await;
    assert_eq!(ada.expect_closed().await, Some(SERVICE_RESTART));
}
