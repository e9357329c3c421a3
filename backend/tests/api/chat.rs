//! Who receives what, in which order, exactly once.

use std::collections::HashMap;

use roomcast_protocol::{ClientFrame, MessageFrame, ServerFrame};

use crate::helpers::{Client, Cluster};
use crate::on_both_brokers;

on_both_brokers!(
    concurrent_senders_reach_every_member_once_in_one_order,
    members_of_other_rooms_receive_nothing,
    a_member_who_left_receives_nothing_more,
    renaming_changes_the_author_of_later_messages,
    ping_is_answered_with_the_same_nonce,
);

async fn concurrent_senders_reach_every_member_once_in_one_order(cluster: &Cluster) {
    // Arrange: four members, two per node.
    let mut members = Vec::new();
    for (i, name) in ["ada", "bob", "cy", "dee"].into_iter().enumerate() {
        let mut client = Client::named(cluster.node(i), name).await;
        client.join("general").await;
        members.push(client);
    }
    // Act: three of them send 40 messages each, concurrently.
    const PER_SENDER: usize = 40;
    let mut senders = Vec::new();
    for mut client in members.drain(..3) {
        senders.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for n in 0..PER_SENDER {
                ids.push(client.say("general", &format!("{} #{n}", client.name)).await);
            }
            (client, ids)
        }));
    }
    let mut everyone = members;
    let mut sent_ids = HashMap::new();
    for sender in senders {
        let (client, ids) = sender.await.expect("sender task");
        sent_ids.insert(client.name.clone(), ids);
        everyone.push(client);
    }
    // Assert: every member sees all 120 messages, in the same order, each once.
    let total = 3 * PER_SENDER;
    let mut orders: Vec<Vec<MessageFrame<'static>>> = Vec::new();
    for client in &mut everyone {
        let mut seen = Vec::new();
        for _ in 0..total {
            seen.push(client.next_message().await);
        }
        orders.push(seen);
    }
    let reference: Vec<_> = orders[0].iter().map(|m| m.id).collect();
    for (client, seen) in everyone.iter().zip(&orders) {
        let ids: Vec<_> = seen.iter().map(|m| m.id).collect();
        assert_eq!(ids, reference, "{} saw another order", client.name);
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids grow in delivery order");
        for author in ["ada", "bob", "cy"] {
            let texts: Vec<_> =
                seen.iter().filter(|m| m.author == author).map(|m| m.text.to_string()).collect();
            let expected: Vec<_> = (0..PER_SENDER).map(|n| format!("{author} #{n}")).collect();
            assert_eq!(texts, expected, "{} saw {author}'s messages out of order or not once", client.name);
        }
        // Only the sender's own copies carry its client ids, and all of them do.
        for message in seen {
            let own = message.author == client.name;
            assert_eq!(message.client_id.is_some(), own, "{}: {message:?}", client.name);
            assert_eq!(message.room, "general");
        }
        if let Some(ids) = sent_ids.get(&client.name) {
            let echoed: Vec<String> =
                seen.iter().filter_map(|m| m.client_id.as_ref().map(|c| c.to_string())).collect();
            assert_eq!(&echoed, ids, "{} got its client ids back in order", client.name);
        }
    }
}

async fn members_of_other_rooms_receive_nothing(cluster: &Cluster) {
    let mut ada = Client::named(cluster.node(0), "ada").await;
    let mut bob = Client::named(cluster.node(1), "bob").await;
    let mut eve = Client::named(cluster.node(1), "eve").await;
    ada.join("rust").await;
    bob.join("rust").await;
    eve.join("python").await;

    for n in 0..5 {
        ada.say("rust", &format!("secret {n}")).await;
    }
    for n in 0..5 {
        assert_eq!(bob.next_message().await.text, format!("secret {n}"));
    }
    // A later message in eve's own room must be the next thing eve receives:
    // anything leaked from "rust" would have arrived before it.
    let sentinel = eve.say("python", "sentinel").await;
    let next = eve.next_message().await;
    assert_eq!((next.room.as_ref(), next.client_id.as_deref()), ("python", Some(sentinel.as_str())));
}

async fn a_member_who_left_receives_nothing_more(cluster: &Cluster) {
    let mut ada = Client::named(cluster.node(0), "ada").await;
    let mut bob = Client::named(cluster.node(1), "bob").await;
    ada.join("general").await;
    bob.join("general").await;
    bob.join("side").await;
    ada.say("general", "before").await;
    assert_eq!(bob.next_message().await.text, "before");

    bob.send(&ClientFrame::Leave { room: "general".into() }).await;
    assert!(matches!(bob.next_frame().await, ServerFrame::Left { room } if room == "general"));
    ada.say("general", "after").await;
    assert_eq!(ada.next_message().await.text, "before");
    assert_eq!(ada.next_message().await.text, "after");

    let sentinel = bob.say("side", "still here").await;
    let next = bob.next_message().await;
    assert_eq!(next.client_id.as_deref(), Some(sentinel.as_str()), "bob got {next:?}");
}

async fn renaming_changes_the_author_of_later_messages(cluster: &Cluster) {
    let mut ada = Client::named(cluster.node(0), "ada").await;
    let mut bob = Client::named(cluster.node(1), "bob").await;
    ada.join("general").await;
    bob.join("general").await;

    ada.send(&ClientFrame::hello("  Ada Lovelace ")).await;
    match ada.next_frame().await {
        ServerFrame::Welcome { name, .. } => assert_eq!(name, "Ada Lovelace"),
        other => panic!("expected welcome, got {other:?}"),
    }
    ada.say("general", "new name").await;
    let seen = bob.next_message().await;
    assert_eq!((seen.author.as_ref(), seen.text.as_ref()), ("Ada Lovelace", "new name"));
}

async fn ping_is_answered_with_the_same_nonce(cluster: &Cluster) {
    let mut ada = Client::connect(cluster.node(0)).await;
    ada.send(&ClientFrame::Ping { nonce: 9_007_199_254_740_991 }).await;
    assert_eq!(ada.next_frame().await, ServerFrame::Pong { nonce: 9_007_199_254_740_991 });
}
