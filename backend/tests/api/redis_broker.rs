//! What only the Redis broker does: per-node subscriptions that follow room
//! membership, and riding out a Redis that crashes or answers wrongly. (A
//! subscription that goes silent, and what its members missed meanwhile, is
//! in `no_loss.rs`.)

use roomcast_protocol::{ClientFrame, ErrorCode, RoomName, ServerFrame};

use crate::helpers::{
    eventually, http_get, metric, test_config, wait_ready, Client, Cluster, ProxiedPair, RedisServer,
    TestNode,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_subscribes_on_its_first_member_and_unsubscribes_after_its_last() {
    let cluster = Cluster::redis(2).await;
    let redis = cluster.redis_server();
    let general = cluster.room_channel("general");
    assert!(redis.channels(cluster.names().room_channel_prefix()).await.is_empty());
    assert_eq!(
        redis.channels(cluster.names().probe_channel_prefix()).await.len(),
        2,
        "one probe channel per node"
    );

    // `joined` is sent only once the subscription is confirmed.
    let mut ada = Client::named(cluster.node(0), "ada").await;
    ada.join("general").await;
    assert_eq!(redis.numsub(&general).await, 1);
    let mut amy = Client::named(cluster.node(0), "amy").await;
    amy.join("general").await;
    assert_eq!(redis.numsub(&general).await, 1, "one subscription per node, not per member");
    let mut bob = Client::named(cluster.node(1), "bob").await;
    bob.join("general").await;
    assert_eq!(redis.numsub(&general).await, 2);

    // ada leaves: amy is still there, so node 0 stays subscribed.
    ada.send(&ClientFrame::Leave { room: "general".into() }).await;
    assert!(matches!(ada.next_frame().await, ServerFrame::Left { .. }));
    bob.say("general", "anyone on node 0?").await;
    assert_eq!(amy.next_message().await.text, "anyone on node 0?");
    assert_eq!(bob.next_message().await.text, "anyone on node 0?");
    assert_eq!(redis.numsub(&general).await, 2);

    // amy disconnects without leaving: node 0 unsubscribes anyway.
    drop(amy);
    eventually("node 0 unsubscribes after its last member disconnects", || async {
        redis.numsub(&general).await == 1
    })
    .await;
    // bob leaves: no node needs the room any more.
    bob.send(&ClientFrame::Leave { room: "general".into() }).await;
    assert!(matches!(bob.next_frame().await, ServerFrame::Left { .. }));
    eventually("no node subscribes to the room", || async {
        redis.channels(cluster.names().room_channel_prefix()).await.is_empty()
    })
    .await;

    // Joining again subscribes again.
    bob.join("general").await;
    assert_eq!(redis.numsub(&general).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_that_fails_for_an_unexpected_reason_is_answered_internal_and_chat_goes_on() {
    let cluster = Cluster::redis(2).await;
    let mut ada = Client::named(cluster.node(0), "ada").await;
    let mut bob = Client::named(cluster.node(1), "bob").await;
    for client in [&mut ada, &mut bob] {
        client.join("general").await;
        client.join("broken").await;
    }
    // Break one room's history key the way a stray script or an operator
    // might: it holds a string where the broker expects a stream.
    let stream = cluster.names().room_stream(&RoomName::parse("broken").expect("valid room"));
    let mut conn = cluster.redis_server().connection().await;
    redis::cmd("SET").arg(&stream).arg("not a stream").query_async::<()>(&mut conn).await.expect("SET");

    let lost = ada.say("broken", "into the void").await;
    match ada.expect_error(ErrorCode::Internal).await {
        ServerFrame::Error { client_id, room, message, .. } => {
            assert_eq!((client_id.as_deref(), room.as_deref()), (Some(lost.as_str()), Some("broken")));
            assert!(!message.contains("WRONGTYPE"), "internals stay in the logs: {message}");
        }
        other => unreachable!("{other:?}"),
    }
    // Nothing was delivered, and the other room still works for everyone.
    ada.say("general", "still here").await;
    assert_eq!(ada.next_message().await.text, "still here");
    assert_eq!(bob.next_message().await.text, "still here");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_resumes_on_the_same_connections_after_redis_restarts() {
    let mut cluster = Cluster::redis(2).await;
    let mut ada = Client::named(cluster.node(0), "ada").await;
    let mut bob = Client::named(cluster.node(1), "bob").await;
    ada.join("general").await;
    bob.join("general").await;
    ada.say("general", "before").await;
    let before = bob.next_message().await;
    ada.next_message().await;

    cluster.redis.as_mut().expect("redis").kill();

    // Sends are refused, visibly, with the client id to mark unsent.
    let lost = ada.say("general", "while down").await;
    match ada.expect_error(ErrorCode::Unavailable).await {
        ServerFrame::Error { client_id, room, .. } => {
            assert_eq!(client_id.as_deref(), Some(lost.as_str()));
            assert_eq!(room.as_deref(), Some("general"));
        }
        other => unreachable!("{other:?}"),
    }
    // Joining a room the node is not subscribed to cannot succeed either.
    let mut cy = Client::named(cluster.node(1), "cy").await;
    cy.send(&ClientFrame::join("elsewhere")).await;
    let refused = cy.expect_error(ErrorCode::Unavailable).await;
    assert!(matches!(refused, ServerFrame::Error { room: Some(room), .. } if room == "elsewhere"));
    for node in &cluster.nodes {
        eventually("the node reports not ready", || async { http_get(node.addr, "/readyz").await.0 == 503 })
            .await;
    }
    let (_, body) = http_get(cluster.node(0).addr, "/readyz").await;
    assert!(body.contains("\"ready\":false"), "{body}");

    cluster.redis.as_mut().expect("redis").restart().await;
    for node in &cluster.nodes {
        wait_ready(node).await;
    }

    // This Redis kept no data, so the room's history is gone: each member
    // is told that messages may have been lost to it.
    for client in [&mut ada, &mut bob] {
        let gap = client.next_frame().await;
        assert!(matches!(&gap, ServerFrame::Gap { room, .. } if room == "general"), "{gap:?}");
    }
    // Same WebSocket connections, no rejoin: both directions work again.
    ada.say("general", "after").await;
    let after = bob.next_message().await;
    assert_eq!(after.text, "after");
    assert!(after.id > before.id, "ids keep growing across a Redis restart");
    assert_eq!(ada.next_message().await.text, "after");
    bob.say("general", "welcome back").await;
    assert_eq!(ada.next_message().await.text, "welcome back");
    // The refused join left no trace: joining now works.
    cy.join("elsewhere").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_reach_a_redis_that_wants_a_password_over_tls() {
    let redis = RedisServer::start_secured().await;
    let secured = redis.secured().expect("secured");
    let prefix = crate::helpers::unique_prefix();
    let mut nodes = Vec::new();
    for _ in 0..2 {
        let mut config = test_config(Some(redis.tls_url()), &prefix);
        config.redis.ca_file = Some(secured.ca_file.clone());
        nodes.push(TestNode::spawn(config).await);
    }
    for node in &nodes {
        wait_ready(node).await;
    }
    let mut ada = Client::named(&nodes[0], "ada").await;
    let mut bob = Client::named(&nodes[1], "bob").await;
    ada.join("general").await;
    bob.join("general").await;
    ada.say("general", "over tls").await;
    assert_eq!(bob.next_message().await.text, "over tls");

    // Without trusting the certificate, or with a wrong password, a node never gets ready.
    let mut untrusting = test_config(Some(redis.tls_url()), &prefix);
    untrusting.redis.ca_file = None;
    let wrong_password = test_config(Some(redis.tls_url().replace(&secured.password, "guess")), &prefix);
    let mut with_ca = wrong_password;
    with_ca.redis.ca_file = Some(secured.ca_file.clone());
    for config in [untrusting, with_ca] {
        let node = TestNode::spawn(config).await;
        eventually("the node has failed to reach Redis twice", || async {
            metric(&node, "roomcast_broker_reconnects_total").await >= 2.0
        })
        .await;
        assert_eq!(http_get(node.addr, "/readyz").await.0, 503);
    }
}

/// How many times Redis has run `command` (from `INFO commandstats`).
async fn calls(redis: &RedisServer, command: &str) -> u64 {
    let mut conn = redis.connection().await;
    let info: String = redis::cmd("INFO").arg("commandstats").query_async(&mut conn).await.expect("INFO");
    let prefix = format!("cmdstat_{command}:calls=");
    info.lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .and_then(|rest| rest.split(',').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_in_steady_traffic_costs_one_round_trip_to_redis_not_a_ping_and_the_script() {
    let cluster = Cluster::redis(1).await;
    let redis = cluster.redis_server();
    let mut ada = Client::named(cluster.node(0), "ada").await;
    ada.join("general").await;
    ada.say("general", "warm-up").await;
    ada.next_message().await;

    let (pings, scripts) = (calls(redis, "ping").await, calls(redis, "evalsha").await);
    for n in 0..50 {
        ada.say("general", &format!("message {n}")).await;
        assert_eq!(ada.next_message().await.text, format!("message {n}"));
    }
    let published = calls(redis, "evalsha").await - scripts;
    let checked = calls(redis, "ping").await - pings;
    assert!(published >= 50, "each message ran the publish script: {published}");
    // The pool checks a connection that sat idle for a second or more (the
    // probes' connection may have); a connection in steady use is not checked.
    assert!(checked <= 5, "{checked} PINGs for 50 messages");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_messages_from_many_people_shares_the_nodes_redis_connections() {
    let ProxiedPair { redis: _redis, proxy, behind_proxy, direct: _direct } = ProxiedPair::start().await;
    let mut people = Vec::new();
    for n in 0..40 {
        let mut person = Client::named(&behind_proxy, &format!("p{n}")).await;
        person.join("general").await;
        people.push(person);
    }
    people[0].say("general", "warm-up").await;
    for person in &mut people {
        assert_eq!(person.next_message().await.text, "warm-up");
    }

    // Everyone sends at once: 40 publishes in flight together.
    let opened = proxy.connections_accepted();
    for (n, person) in people.iter_mut().enumerate() {
        person.say("general", &format!("all at once {n}")).await;
    }
    for person in &mut people {
        for _ in 0..40 {
            person.next_message().await;
        }
    }
    let new = proxy.connections_accepted() - opened;
    // Writes go out pipelined on a connection the pool already has, rather
    // than each taking a connection of its own (the pool holds 16, and
    // without sharing the burst opens 15; racing checkouts may open a few).
    assert!(new <= 5, "the burst opened {new} new connections to Redis");
}
