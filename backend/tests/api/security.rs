//! Holding against hostile clients and pages: origin checks, connection caps,
//! deadlines, and limits on what one connection may ask, with honest users
//! in the same rooms unaffected.

use std::time::Duration;

use roomcast_protocol::close::{HELLO_TIMEOUT, POLICY_VIOLATION};
use roomcast_protocol::{ClientFrame, ErrorCode, ServerFrame};
use roomcast_server::Config;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{metric, Client, Cluster, Event, PATIENCE};
use crate::on_both_brokers;

on_both_brokers!(a_flood_of_joins_and_leaves_is_cut_down_while_others_chat_on);
on_both_brokers!(tweak = two_per_address; a_busy_address_is_refused_while_its_open_connections_chat_on);
on_both_brokers!(tweak = one_room_per_node; a_node_at_its_room_limit_refuses_a_new_room_but_not_an_open_one);
on_both_brokers!(tweak = five_a_second_per_room; a_room_takes_only_so_many_messages_a_second_from_everyone);
on_both_brokers!(tweak = three_a_second_per_address; one_address_may_send_only_so_many_to_a_room_over_all_nodes);

fn five_a_second_per_room(config: &mut Config) {
    config.history.room_send_rate = 5;
}

fn three_a_second_per_address(config: &mut Config) {
    config.history.address_send_rate = 3;
}

/// `senders` (on alternating nodes) post `each` messages to #general as fast
/// as they can; returns how many were refused as `rate_limited` and how many
/// accepted, after checking that a reader got exactly the accepted ones.
async fn flood(cluster: &Cluster, senders: usize, each: usize) -> (usize, usize) {
    let mut reader = Client::named(cluster.node(0), "reader").await;
    reader.join("general").await;
    let mut clients = Vec::new();
    for i in 0..senders {
        let mut client = Client::named(cluster.node(i + 1), &format!("sender{i}")).await;
        client.join("general").await;
        clients.push(client);
    }
    for n in 0..each {
        for (i, client) in clients.iter_mut().enumerate() {
            client.say("general", &format!("s{i}-{n}")).await;
        }
    }
    // Each sender hears about each of its own sends once: its copy or a refusal.
    let mut refused = 0;
    let mut accepted = std::collections::BTreeSet::new();
    for client in &mut clients {
        let mut answered = 0;
        while answered < each {
            match client.next_frame().await {
                ServerFrame::Error {
                    code: ErrorCode::RateLimited,
                    room: Some(room),
                    client_id: Some(_),
                    ..
                } => {
                    assert_eq!(room, "general");
                    refused += 1;
                    answered += 1;
                }
                ServerFrame::Message(own) if own.client_id.is_some() => {
                    accepted.insert(own.text.into_owned());
                    answered += 1;
                }
                ServerFrame::Message(_) => {}
                other => panic!("unexpected {other:?}"),
            }
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    while seen.len() < accepted.len() {
        seen.insert(reader.next_message().await.text.into_owned());
    }
    assert_eq!(seen, accepted, "the reader got exactly the accepted messages");
    (refused, accepted.len())
}

async fn a_room_takes_only_so_many_messages_a_second_from_everyone(cluster: &Cluster) {
    // Twenty messages from two connections in well under two seconds: at most
    // two windows of five get through, on whichever nodes they were sent.
    let (refused, accepted) = flood(cluster, 2, 10).await;
    assert!(accepted <= 10 && refused >= 10, "{accepted} accepted, {refused} refused");
}

async fn one_address_may_send_only_so_many_to_a_room_over_all_nodes(cluster: &Cluster) {
    // Both senders connect from 127.0.0.1, on different nodes: together they
    // may send three a second.
    let (refused, accepted) = flood(cluster, 2, 6).await;
    assert!(accepted <= 6 && refused >= 6, "{accepted} accepted, {refused} refused");
}

fn two_per_address(config: &mut Config) {
    config.http.admission.max_connections_per_address = 2;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_nodes_own_pages_and_listed_ones_may_open_a_websocket() {
    let open = Cluster::embedded_with(|config| {
        config.http.admission.allowed_origins = vec!["https://app.example.com".to_owned()];
    })
    .await;
    let node = open.node(0);
    let own = format!("http://{}", node.addr);
    assert!(Client::try_connect(node, Some(&own)).await.is_ok(), "same origin");
    assert!(Client::try_connect(node, Some("https://app.example.com")).await.is_ok(), "listed");
    assert!(Client::try_connect(node, None).await.is_ok(), "not a browser");
    assert_eq!(Client::try_connect(node, Some("https://evil.example")).await.err(), Some(403));

    // Without a list, pages on this machine may talk to a node on this
    // machine (the quick start's `trunk serve`), and nothing else may.
    let local = Cluster::embedded().await;
    assert!(Client::try_connect(local.node(0), Some("http://localhost:8081")).await.is_ok());
    assert_eq!(Client::try_connect(local.node(0), Some("https://evil.example")).await.err(), Some(403));
}

async fn a_busy_address_is_refused_while_its_open_connections_chat_on(cluster: &Cluster) {
    let node = cluster.node(0);
    let mut ada = Client::named(node, "ada").await;
    let mut bob = Client::named(node, "bob").await;
    assert_eq!(Client::try_connect(node, None).await.err(), Some(429), "a third from 127.0.0.1");
    ada.join("general").await;
    bob.join("general").await;
    ada.say("general", "still here").await;
    assert_eq!(bob.next_message().await.text, "still here");
    drop(ada);
    crate::helpers::eventually("the place is given back", || async {
        Client::try_connect(node, None).await.is_ok()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_node_refuses_the_next_connection_with_503() {
    let cluster = Cluster::embedded_with(|config| config.http.admission.max_connections = 2).await;
    let node = cluster.node(0);
    let _first = Client::named(node, "ada").await;
    let _second = Client::named(node, "bob").await;
    assert_eq!(Client::try_connect(node, None).await.err(), Some(503));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_whose_headers_never_end_is_cut_off() {
    let cluster =
        Cluster::embedded_with(|config| config.http.header_timeout = Duration::from_millis(300)).await;
    let mut slow = TcpStream::connect(cluster.node(0).addr).await.expect("connect");
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.expect("write");
    // ...and never the blank line. The server hangs up (perhaps after a 408).
    let mut rest = Vec::new();
    let read = tokio::time::timeout(PATIENCE, slow.read_to_end(&mut rest)).await;
    assert!(read.is_ok(), "the server kept the half-sent request open");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_that_never_says_hello_is_closed() {
    let cluster =
        Cluster::embedded_with(|config| config.session.hello_timeout = Duration::from_millis(300)).await;
    let mut silent = Client::connect(cluster.node(0)).await;
    assert_eq!(silent.expect_closed().await, Some(HELLO_TIMEOUT));
    // A client that greets in time stays.
    let mut ada = Client::named(cluster.node(0), "ada").await;
    ada.send(&ClientFrame::Ping { nonce: 1 }).await;
    assert_eq!(ada.next_frame().await, ServerFrame::Pong { nonce: 1 });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_keeps_sending_garbage_is_closed_with_1008() {
    let cluster = Cluster::embedded().await;
    let mut noisy = Client::named(cluster.node(0), "noisy").await;
    for _ in 0..100 {
        if !noisy.send_until_closed(Message::text("garbage")).await {
            break;
        }
    }
    let mut malformed = 0;
    let code = loop {
        match noisy.next_event().await {
            Event::Frame(ServerFrame::Error { code: ErrorCode::MalformedFrame, .. }) => malformed += 1,
            Event::Frame(other) => panic!("unexpected {other:?}"),
            Event::Closed(frame) => break frame.map(|f| u16::from(f.code)),
        }
    };
    assert_eq!(code, Some(POLICY_VIOLATION));
    assert!(malformed < 100, "closed before answering all of it ({malformed} answers)");
}

async fn a_flood_of_joins_and_leaves_is_cut_down_while_others_chat_on(cluster: &Cluster) {
    let mut ada = Client::named(cluster.node(0), "ada").await;
    let mut bob = Client::named(cluster.node(1), "bob").await;
    ada.join("general").await;
    bob.join("general").await;
    let mut mallory = Client::named(cluster.node(0), "mallory").await;
    // Sixty joins and leaves at once (fewer than mallory's queue holds
    // answers for, so what ends her connection is the limit, not her reading).
    for n in 0..60 {
        let room = format!("room-{}", n % 5);
        let join = Message::text(ClientFrame::join(room.as_str()).encode());
        let leave = Message::text(ClientFrame::Leave { room: room.as_str().into() }.encode());
        if !mallory.send_until_closed(join).await || !mallory.send_until_closed(leave).await {
            break;
        }
    }
    // Meanwhile the room chats as usual.
    for n in 0..5 {
        ada.say("general", &format!("m{n}")).await;
        assert_eq!(bob.next_message().await.text, format!("m{n}"));
    }
    // Her queue holds the refusals when the limit ends her connection; they
    // are dropped with it, so count them where the node does.
    assert_eq!(mallory.expect_closed().await, Some(POLICY_VIOLATION), "the flood ended the connection");
    let refused = metric(cluster.node(0), "roomcast_errors_total{code=\"rate_limited\"}").await;
    assert!(refused >= 20.0, "joins and leaves past the burst were refused: {refused}");
}

fn one_room_per_node(config: &mut Config) {
    config.session.max_rooms_per_node = 1;
}

async fn a_node_at_its_room_limit_refuses_a_new_room_but_not_an_open_one(cluster: &Cluster) {
    let node = cluster.node(0);
    let mut ada = Client::named(node, "ada").await;
    let mut bob = Client::named(node, "bob").await;
    ada.join("general").await;
    bob.send(&ClientFrame::join("random")).await;
    let refused = bob.expect_error(ErrorCode::Unavailable).await;
    assert!(
        matches!(&refused, ServerFrame::Error { room: Some(room), .. } if room == "random"),
        "{refused:?}"
    );
    bob.join("general").await;
}
