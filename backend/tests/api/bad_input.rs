//! Bad input gets a typed error (or a close where the connection cannot go
//! on), and nobody else notices.

use roomcast_protocol::close::MESSAGE_TOO_BIG;
use roomcast_protocol::{ClientFrame, ErrorCode, ServerFrame};
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{Client, Cluster};
use crate::on_both_brokers;

on_both_brokers!(
    each_bad_frame_gets_its_error_while_the_room_keeps_chatting,
    requests_before_hello_are_refused,
    joining_past_the_room_limit_is_refused,
    a_frame_over_the_hard_limit_closes_only_that_connection,
    names_that_would_deceive_are_refused_and_others_see_the_normal_form,
);

fn send(room: &str, client_id: &str, text: &str) -> Message {
    Message::text(
        ClientFrame::Send { room: room.into(), client_id: client_id.into(), text: text.into() }.encode(),
    )
}

async fn each_bad_frame_gets_its_error_while_the_room_keeps_chatting(cluster: &Cluster) {
    let mut ada = Client::named(cluster.node(0), "ada").await;
    let mut bob = Client::named(cluster.node(1), "bob").await;
    ada.join("general").await;
    bob.join("general").await;

    // (what ada sends, the error code, the room and client id echoed back)
    let cases: Vec<(Message, ErrorCode, Option<&str>, Option<&str>)> = vec![
        (Message::text("not json"), ErrorCode::MalformedFrame, None, None),
        (Message::text("[\"join\",\"general\"]"), ErrorCode::MalformedFrame, None, None),
        (Message::text("{\"type\":\"dance\"}"), ErrorCode::UnknownType, None, None),
        (Message::text("{\"type\":\"join\"}"), ErrorCode::InvalidFrame, None, None),
        (
            Message::text("{\"type\":\"send\",\"room\":\"general\",\"text\":7}"),
            ErrorCode::InvalidFrame,
            None,
            None,
        ),
        (Message::text("{\"type\":\"hello\",\"name\":\"\"}"), ErrorCode::InvalidName, None, None),
        (
            Message::text("{\"type\":\"join\",\"room\":\"two words\"}"),
            ErrorCode::InvalidRoom,
            Some("two words"),
            None,
        ),
        (Message::text("{\"type\":\"leave\",\"room\":\"lobby\"}"), ErrorCode::NotJoined, Some("lobby"), None),
        (send("lobby", "c-1", "hi"), ErrorCode::NotJoined, Some("lobby"), Some("c-1")),
        (send("general", "c-2", "   "), ErrorCode::InvalidText, Some("general"), Some("c-2")),
        (send("general", "c-3", &"x".repeat(2001)), ErrorCode::InvalidText, Some("general"), Some("c-3")),
        (send("general", "has space", "hi"), ErrorCode::InvalidClientId, Some("general"), Some("has space")),
        (Message::binary(vec![1u8, 2, 3]), ErrorCode::BinaryNotSupported, None, None),
        (
            Message::text(format!("{{\"type\":\"hello\",\"name\":\"{}\"}}", "n".repeat(20_000))),
            ErrorCode::FrameTooLarge,
            None,
            None,
        ),
    ];

    for (n, (input, code, room, client_id)) in cases.into_iter().enumerate() {
        let shown = format!("{input:?}").chars().take(80).collect::<String>();
        ada.send_raw(input).await;
        match ada.expect_error(code).await {
            ServerFrame::Error { room: got_room, client_id: got_id, message, .. } => {
                assert_eq!(got_room.as_deref(), room, "room echoed for {shown}");
                assert_eq!(got_id.as_deref(), client_id, "client id echoed for {shown}");
                assert!(!message.is_empty(), "a human-readable message for {shown}");
            }
            other => unreachable!("expect_error returned {other:?}"),
        }
        // The same connection still works, and bob sees only the good message.
        let text = format!("still fine {n}");
        ada.say("general", &text).await;
        assert_eq!(ada.next_message().await.text, text, "after {shown}");
        assert_eq!(bob.next_message().await.text, text, "after {shown}");
    }
}

on_both_brokers!(tweak = slow_refill; a_sender_over_the_rate_limit_is_refused);

/// A burst of 5, then one message per 100 s: nothing refills during a test.
fn slow_refill(config: &mut roomcast_server::Config) {
    config.session.send_rate = 0.01;
    config.session.send_burst = 5;
}

async fn a_sender_over_the_rate_limit_is_refused(cluster: &Cluster) {
    let mut ada = Client::named(cluster.node(0), "ada").await;
    let mut bob = Client::named(cluster.node(1), "bob").await;
    ada.join("general").await;
    bob.join("general").await;

    let mut sent = Vec::new();
    for n in 0..7 {
        sent.push(ada.say("general", &format!("burst {n}")).await);
    }
    // Her own copies and the refusals may interleave (the refusals do not wait
    // for the broker), so collect all seven answers.
    let mut delivered = Vec::new();
    let mut refused = Vec::new();
    for _ in 0..7 {
        match ada.next_frame().await {
            ServerFrame::Message(message) => delivered.push(message.text.into_owned()),
            ServerFrame::Error { code: ErrorCode::RateLimited, client_id, .. } => refused.push(client_id),
            other => panic!("unexpected {other:?}"),
        }
    }
    let expected: Vec<String> = (0..5).map(|n| format!("burst {n}")).collect();
    assert_eq!(delivered, expected);
    let over: Vec<_> = sent[5..].iter().map(|id| Some(id.as_str().into())).collect();
    assert_eq!(refused, over);
    // bob got the five, and has a budget of his own.
    for n in 0..5 {
        assert_eq!(bob.next_message().await.text, format!("burst {n}"));
    }
    bob.say("general", "my turn").await;
    assert_eq!(ada.next_message().await.text, "my turn");
}

async fn requests_before_hello_are_refused(cluster: &Cluster) {
    let mut anon = Client::connect(cluster.node(0)).await;
    anon.send(&ClientFrame::join("general")).await;
    anon.expect_error(ErrorCode::NameRequired).await;
    anon.send(&ClientFrame::Send { room: "general".into(), client_id: "c".into(), text: "hi".into() }).await;
    let error = anon.expect_error(ErrorCode::NameRequired).await;
    assert!(matches!(error, ServerFrame::Error { client_id: Some(id), .. } if id == "c"));
}

async fn joining_past_the_room_limit_is_refused(cluster: &Cluster) {
    let mut ada = Client::named(cluster.node(0), "ada").await;
    for n in 0..32 {
        ada.join(&format!("room-{n}")).await;
    }
    ada.send(&ClientFrame::join("room-32")).await;
    let error = ada.expect_error(ErrorCode::TooManyRooms).await;
    assert!(matches!(error, ServerFrame::Error { room: Some(room), .. } if room == "room-32"));
    // Joining a room again is not a new room, and leaving makes space.
    ada.join("room-5").await;
    ada.send(&ClientFrame::Leave { room: "room-0".into() }).await;
    assert!(matches!(ada.next_frame().await, ServerFrame::Left { .. }));
    ada.join("room-32").await;
}

async fn a_frame_over_the_hard_limit_closes_only_that_connection(cluster: &Cluster) {
    let mut ada = Client::named(cluster.node(0), "ada").await;
    let mut bob = Client::named(cluster.node(0), "bob").await;
    let mut cy = Client::named(cluster.node(1), "cy").await;
    for client in [&mut ada, &mut bob, &mut cy] {
        client.join("general").await;
    }
    ada.send_raw(Message::text("x".repeat(100_000))).await;
    assert_eq!(ada.expect_closed().await, Some(MESSAGE_TOO_BIG));

    bob.say("general", "unaffected").await;
    assert_eq!(cy.next_message().await.text, "unaffected");
    assert_eq!(bob.next_message().await.text, "unaffected");
}

async fn names_that_would_deceive_are_refused_and_others_see_the_normal_form(cluster: &Cluster) {
    let mut mallory = Client::connect(cluster.node(0)).await;
    let combining_flood = format!("Ada{}", "\u{301}".repeat(12));
    for name in ["Ada\u{202E}nimda", "Ad\u{200B}min", "\u{3164}", combining_flood.as_str()] {
        mallory.send(&ClientFrame::hello(name)).await;
        mallory.expect_error(ErrorCode::InvalidName).await;
    }
    // A decomposed "é" is accepted in its composed form, which is what others see.
    let mut zoe = Client::connect(cluster.node(0)).await;
    zoe.send(&ClientFrame::hello("Zoe\u{301}")).await;
    match zoe.next_frame().await {
        ServerFrame::Welcome { name, .. } => assert_eq!(name, "Zo\u{e9}"),
        other => panic!("expected welcome, got {other:?}"),
    }
    zoe.name = "zoe".into();
    let mut bob = Client::named(cluster.node(1), "bob").await;
    zoe.join("general").await;
    bob.join("general").await;
    zoe.say("general", "hi").await;
    assert_eq!(bob.next_message().await.author, "Zo\u{e9}");
}
