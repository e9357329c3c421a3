//! Nothing lost inside a node: when a node's link to Redis fails and comes
//! back, its members get what was published meanwhile, once and in order,
//! on the same connections.

use std::time::Duration;

use roomcast_protocol::{ClientFrame, ErrorCode, MessageId, ServerFrame};

use crate::helpers::{
    eventually, http_get, metric, no_tweak, wait_ready, Client, Cluster, Event, ProxiedPair, RedisServer,
    TestNode,
};

/// Reads `client`'s next `count` messages, failing on anything else (a gap,
/// a close): what a member who never reconnects sees.
async fn texts_in_order(client: &mut Client, count: usize) -> Vec<String> {
    let mut texts = Vec::new();
    let mut last = MessageId::new(0, 0);
    while texts.len() < count {
        match client.next_event().await {
            Event::Frame(ServerFrame::Message(message)) => {
                assert!(message.id > last, "{} got {} after {last}", client.name, message.id);
                last = message.id;
                texts.push(message.text.into_owned());
            }
            other => panic!("{} expected a message, got {other:?}", client.name),
        }
    }
    texts
}

/// ada on the node behind the proxy, bob on the other, both in `general`;
/// ada has heard bob's "before".
async fn ada_behind_the_proxy_hears_bob(behind_proxy: &TestNode, direct: &TestNode) -> (Client, Client) {
    let mut ada = Client::named(behind_proxy, "ada").await;
    let mut bob = Client::named(direct, "bob").await;
    ada.join("general").await;
    bob.join("general").await;
    bob.say("general", "before").await;
    assert_eq!(texts_in_order(&mut ada, 1).await, ["before"]);
    (ada, bob)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_subscription_is_replaced_and_its_members_get_what_they_missed_once() {
    let ProxiedPair { redis: _redis, proxy, behind_proxy, direct } = ProxiedPair::start().await;
    let (mut ada, mut bob) = ada_behind_the_proxy_hears_bob(&behind_proxy, &direct).await;

    // ada's node's connections to Redis stay open but go silent; bob's node
    // keeps publishing.
    let accepted = proxy.connections_accepted();
    proxy.freeze_existing();
    let missed: Vec<String> = (1..=5).map(|n| format!("while deaf {n}")).collect();
    for text in &missed {
        bob.say("general", text).await;
    }
    eventually("ada's node notices", || async { http_get(behind_proxy.addr, "/readyz").await.0 == 503 })
        .await;
    wait_ready(&behind_proxy).await;
    assert!(proxy.connections_accepted() > accepted, "the node replaced its connections");
    bob.say("general", "after").await;

    let mut expected = missed.clone();
    expected.push("after".to_owned());
    assert_eq!(texts_in_order(&mut ada, 6).await, expected);
    assert_eq!(texts_in_order(&mut bob, 7).await[1..], expected, "bob's own view agrees");
}

/// Sends `text` with `client_id` until the room accepts it, as a client that
/// retries unconfirmed sends does; returns the id it got.
async fn send_until_accepted(client: &mut Client, client_id: &str, text: &str) -> MessageId {
    loop {
        client
            .send(&ClientFrame::Send {
                room: "general".into(),
                client_id: client_id.into(),
                text: text.into(),
            })
            .await;
        loop {
            match client.next_frame().await {
                ServerFrame::Message(own) if own.client_id.as_deref() == Some(client_id) => return own.id,
                ServerFrame::Message(_) => {}
                ServerFrame::Error { code: ErrorCode::Unavailable | ErrorCode::OutcomeUnknown, .. } => break,
                other => panic!("unexpected {other:?}"),
            }
        }
        // The bus is down: try again in a moment.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_message_reaches_every_member_once_across_a_redis_crash_with_persistence() {
    const COUNT: usize = 60;
    let mut cluster = Cluster::on(RedisServer::start_persistent().await, 2, no_tweak).await;
    let mut ada = Client::named(cluster.node(0), "ada").await;
    let mut bob = Client::named(cluster.node(1), "bob").await;
    let mut cy = Client::named(cluster.node(1), "cy").await;
    for client in [&mut ada, &mut bob, &mut cy] {
        client.join("general").await;
    }
    let sender = tokio::spawn(async move {
        for n in 0..COUNT {
            send_until_accepted(&mut cy, &format!("cy-5d41402abc4b2a76-{n}"), &format!("m{n}")).await;
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        cy
    });
    // Redis is killed a third of the way through and comes back with its
    // append-only file; the members never reconnect.
    let mut seen = texts_in_order(&mut ada, COUNT / 3).await;
    cluster.redis.as_mut().expect("redis").kill();
    tokio::time::sleep(Duration::from_millis(300)).await;
    cluster.redis.as_mut().expect("redis").restart().await;

    seen.extend(texts_in_order(&mut ada, COUNT - COUNT / 3).await);
    let expected: Vec<String> = (0..COUNT).map(|n| format!("m{n}")).collect();
    assert_eq!(seen, expected, "ada: every message once, in order");
    assert_eq!(texts_in_order(&mut bob, COUNT).await, expected, "bob: every message once, in order");
    sender.await.expect("sender task");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscription_that_falls_behind_is_replaced_and_its_members_catch_up_from_history_once() {
    // Probes every 200 ms; a probe more than 500 ms late means the node
    // cannot keep up. The silence limit is far, so only the lag can act.
    let ProxiedPair { redis: _redis, proxy, behind_proxy, direct } = ProxiedPair::start_with(|config| {
        config.redis.lag_limit = Duration::from_millis(500);
        config.redis.probe_timeout = Duration::from_secs(10);
    })
    .await;
    let (mut ada, mut bob) = ada_behind_the_proxy_hears_bob(&behind_proxy, &direct).await;

    // ada's node now reads its subscription at about 6 KB a second while
    // bob's node publishes some 14 KB a second into it for two seconds: the
    // probes come back later and later, with messages queued behind them.
    proxy.throttle_subscribers();
    let accepted = proxy.connections_accepted();
    let filler = "x".repeat(200);
    let burst: Vec<String> = (1..=80).map(|n| format!("burst {n} {filler}")).collect();
    for text in &burst {
        bob.say("general", text).await;
        tokio::time::sleep(Duration::from_millis(25)).await;
    }

    assert_eq!(texts_in_order(&mut ada, burst.len()).await, burst, "each message once, in order");
    assert!(proxy.connections_accepted() > accepted, "the node subscribed again");
    let behind = metric(&behind_proxy, "roomcast_subscriptions_behind_total").await;
    assert!(behind >= 1.0, "the node said it fell behind: {behind}");
    wait_ready(&behind_proxy).await;
    bob.say("general", "after").await;
    assert_eq!(texts_in_order(&mut ada, 1).await, ["after"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_too_busy_for_its_fan_out_worker_is_caught_up_from_history_and_other_rooms_flow_on() {
    // One fan-out worker per node with room for one message: a burst into a
    // crowded room cannot be handed out as fast as it arrives.
    let cluster = Cluster::redis_with(2, |config| {
        config.redis.fanout_workers = 1;
        config.redis.fanout_queue = 1;
    })
    .await;
    let (node, other) = (cluster.node(0), cluster.node(1));
    let mut ada = Client::named(node, "ada").await;
    ada.join("busy").await;
    let mut crowd = Vec::new();
    for n in 0..60 {
        let mut member = Client::named(node, &format!("m{n}")).await;
        member.join("busy").await;
        crowd.push(member);
    }
    let mut cara = Client::named(node, "cara").await;
    cara.join("quiet").await;
    let mut bob = Client::named(other, "bob").await;
    bob.join("busy").await;
    let mut dan = Client::named(other, "dan").await;
    dan.join("quiet").await;

    // Bursts until one overflows the worker (the first nearly always does).
    let (mut busy, mut quiet) = (Vec::new(), Vec::new());
    for round in 1..=5 {
        for n in 1..=150 {
            let text = format!("r{round} busy {n}");
            bob.say("busy", &text).await;
            busy.push(text);
            if n % 10 == 0 {
                let text = format!("r{round} quiet {n}");
                dan.say("quiet", &text).await;
                quiet.push(text);
            }
        }
        assert_eq!(texts_in_order(&mut ada, 150).await, busy[busy.len() - 150..], "round {round}");
        assert_eq!(texts_in_order(&mut bob, 150).await, busy[busy.len() - 150..], "round {round}");
        assert_eq!(texts_in_order(&mut dan, 15).await, quiet[quiet.len() - 15..], "round {round}");
        if metric(node, "roomcast_fanout_overflows_total").await >= 1.0 {
            break;
        }
    }
    assert!(metric(node, "roomcast_fanout_overflows_total").await >= 1.0, "no burst overflowed the worker");
    assert!(metric(node, "roomcast_gap_messages_total").await >= 1.0, "messages came from history");
    assert_eq!(texts_in_order(&mut cara, quiet.len()).await, quiet, "the quiet room: each once, in order");
    assert_eq!(texts_in_order(&mut crowd[59], busy.len()).await, busy, "a silent member got them all too");
    bob.say("busy", "after").await;
    assert_eq!(texts_in_order(&mut ada, 1).await, ["after"]);
}
