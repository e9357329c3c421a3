//! Room history: what a joining member gets before the live messages, what a
//! reconnecting member recovers, and paging further back.

use std::time::Duration;

use roomcast_protocol::{ClientFrame, ErrorCode, MessageFrame, MessageId, RoomName, ServerFrame};
use roomcast_server::Config;

use crate::helpers::{eventually, small_history, Client, Cluster};
use crate::on_both_brokers;

on_both_brokers!(
    a_join_gets_exactly_the_last_n_messages_in_order_then_live_ones,
    a_late_joiner_sees_no_gap_and_no_repeat_while_others_keep_sending,
    a_client_that_reconnects_with_its_last_id_gets_exactly_what_it_missed,
    an_offset_from_another_epoch_is_not_recovered,
    older_messages_come_back_page_by_page,
);

on_both_brokers!(tweak = small_history; an_offset_older_than_the_history_is_not_recovered);
on_both_brokers!(tweak = short_lived_history; messages_older_than_the_history_lifetime_are_not_served);

fn short_lived_history(config: &mut Config) {
    config.history.ttl = Duration::from_millis(500);
}

fn join(room: &str, history: u32) -> ClientFrame<'_> {
    ClientFrame::Join { room: room.into(), history: Some(history), since: None, epoch: None }
}

fn rejoin<'a>(room: &'a str, history: u32, since: MessageId, epoch: &'a str) -> ClientFrame<'a> {
    ClientFrame::Join {
        room: room.into(),
        history: Some(history),
        since: Some(since),
        epoch: Some(epoch.into()),
    }
}

fn epoch_of(joined: &ServerFrame<'_>) -> String {
    match joined {
        ServerFrame::Joined { epoch: Some(epoch), .. } => epoch.to_string(),
        other => panic!("expected joined with an epoch, got {other:?}"),
    }
}

fn recovered_of(joined: &ServerFrame<'_>) -> Option<bool> {
    match joined {
        ServerFrame::Joined { recovered, .. } => *recovered,
        other => panic!("expected joined, got {other:?}"),
    }
}

fn texts(messages: &[MessageFrame<'_>]) -> Vec<String> {
    messages.iter().map(|m| m.text.to_string()).collect()
}

/// `sender` says each text and reads its own copy back, so they are stored in order.
async fn say_all(sender: &mut Client, room: &str, texts: &[String]) -> Vec<MessageFrame<'static>> {
    let mut sent = Vec::new();
    for text in texts {
        sender.say(room, text).await;
        sent.push(sender.next_message().await);
    }
    sent
}

fn numbered(prefix: &str, count: usize) -> Vec<String> {
    (1..=count).map(|n| format!("{prefix}{n}")).collect()
}

async fn a_join_gets_exactly_the_last_n_messages_in_order_then_live_ones(cluster: &Cluster) {
    let mut ada = Client::named(cluster.node(0), "ada").await;
    ada.join("general").await;
    say_all(&mut ada, "general", &numbered("m", 10)).await;

    let mut bob = Client::named(cluster.node(1), "bob").await;
    let (joined, backlog) = bob.join_with(join("general", 3)).await;
    assert!(matches!(joined, ServerFrame::Joined { history: Some(3), recovered: None, .. }), "{joined:?}");
    assert_eq!(texts(&backlog), ["m8", "m9", "m10"]);
    assert!(backlog.iter().all(|m| m.client_id.is_none()), "history carries no one's client id");

    ada.say("general", "live").await;
    assert_eq!(bob.next_message().await.text, "live");
}

async fn a_late_joiner_sees_no_gap_and_no_repeat_while_others_keep_sending(cluster: &Cluster) {
    const PER_SENDER: usize = 60;
    let mut watcher = Client::named(cluster.node(0), "watcher").await;
    watcher.join("general").await;
    let mut senders = Vec::new();
    for (i, name) in ["ada", "bob", "cy"].into_iter().enumerate() {
        let mut sender = Client::named(cluster.node(i), name).await;
        sender.join("general").await;
        senders.push(tokio::spawn(async move {
            for n in 0..PER_SENDER {
                sender.say("general", &format!("{name} {n}")).await;
                // Paced, so the join below lands while messages still flow.
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            sender
        }));
    }
    // Join once a third of the messages are out, with the rest still coming.
    let mut seen = Vec::new();
    while seen.len() < PER_SENDER {
        seen.push(watcher.next_message().await.id);
    }
    let mut late = Client::named(cluster.node(1), "late").await;
    let (_, backlog) = late.join_with(join("general", 100)).await;
    for sender in senders {
        sender.await.expect("sender task");
    }
    let total = 3 * PER_SENDER;
    while seen.len() < total {
        seen.push(watcher.next_message().await.id);
    }

    let mut got: Vec<MessageId> = backlog.iter().map(|m| m.id).collect();
    while got.last() != seen.last() {
        got.push(late.next_message().await.id);
    }
    let start = seen.iter().position(|id| *id == got[0]).expect("the backlog starts at a real message");
    assert_eq!(got, seen[start..], "backlog then live: every message from the first on, once, in order");
    assert!(backlog.len() >= PER_SENDER, "the backlog held what was said before the join");
}

async fn a_client_that_reconnects_with_its_last_id_gets_exactly_what_it_missed(cluster: &Cluster) {
    let mut ada = Client::named(cluster.node(0), "ada").await;
    ada.join("general").await;
    let mut bob = Client::named(cluster.node(1), "bob").await;
    let (joined, _) = bob.join_with(join("general", 0)).await;
    let epoch = epoch_of(&joined);
    say_all(&mut ada, "general", &["before".to_owned()]).await;
    let last_seen = bob.next_message().await.id;
    drop(bob);

    let missed = say_all(&mut ada, "general", &numbered("missed ", 3)).await;

    let mut bob = Client::named(cluster.node(1), "bob").await;
    let (joined, backlog) = bob.join_with(rejoin("general", 10, last_seen, &epoch)).await;
    assert_eq!(recovered_of(&joined), Some(true));
    assert_eq!(epoch_of(&joined), epoch, "the epoch stays while the history lasts");
    assert_eq!(
        backlog.iter().map(|m| m.id).collect::<Vec<_>>(),
        missed.iter().map(|m| m.id).collect::<Vec<_>>()
    );
    ada.say("general", "live again").await;
    assert_eq!(bob.next_message().await.text, "live again");
}

async fn an_offset_from_another_epoch_is_not_recovered(cluster: &Cluster) {
    let mut ada = Client::named(cluster.node(0), "ada").await;
    ada.join("general").await;
    let sent = say_all(&mut ada, "general", &numbered("m", 4)).await;

    let mut bob = Client::named(cluster.node(1), "bob").await;
    let (joined, backlog) = bob.join_with(rejoin("general", 2, sent[1].id, "not-this-epoch")).await;
    assert_eq!(recovered_of(&joined), Some(false));
    assert_eq!(texts(&backlog), ["m3", "m4"], "instead, the most recent messages, as on a fresh join");
}

async fn an_offset_older_than_the_history_is_not_recovered(cluster: &Cluster) {
    let mut ada = Client::named(cluster.node(0), "ada").await;
    let (joined, _) = ada.join_with(join("general", 0)).await;
    let epoch = epoch_of(&joined);
    let first = say_all(&mut ada, "general", &["first".to_owned()]).await;
    // Far more than the history keeps (Redis trims whole stream nodes of
    // 100 entries, so it takes a few hundred to trim at all).
    say_all(&mut ada, "general", &numbered("m", 300)).await;

    let mut bob = Client::named(cluster.node(1), "bob").await;
    let (joined, backlog) = bob.join_with(rejoin("general", 3, first[0].id, &epoch)).await;
    assert_eq!(recovered_of(&joined), Some(false));
    assert_eq!(texts(&backlog), ["m298", "m299", "m300"]);
}

async fn older_messages_come_back_page_by_page(cluster: &Cluster) {
    let mut ada = Client::named(cluster.node(0), "ada").await;
    ada.join("general").await;
    say_all(&mut ada, "general", &numbered("m", 7)).await;

    let mut bob = Client::named(cluster.node(1), "bob").await;
    bob.send(&ClientFrame::History {
        room: "general".into(),
        before: MessageId::new(u64::MAX, 0),
        limit: None,
    })
    .await;
    bob.expect_error(ErrorCode::NotJoined).await;

    let (_, backlog) = bob.join_with(join("general", 2)).await;
    assert_eq!(texts(&backlog), ["m6", "m7"]);
    let mut before = backlog[0].id;
    let mut pages = Vec::new();
    loop {
        bob.send(&ClientFrame::History { room: "general".into(), before, limit: Some(3) }).await;
        match bob.next_frame().await {
            ServerFrame::History { room, before: echoed, messages, more } => {
                assert_eq!((room.as_ref(), echoed), ("general", before));
                pages.push(texts(&messages));
                if !more {
                    break;
                }
                before = messages[0].id;
            }
            other => panic!("expected history, got {other:?}"),
        }
    }
    assert_eq!(pages, [vec!["m3", "m4", "m5"], vec!["m1", "m2"]]);
}

async fn messages_older_than_the_history_lifetime_are_not_served(cluster: &Cluster) {
    let mut ada = Client::named(cluster.node(0), "ada").await;
    ada.join("general").await;
    say_all(&mut ada, "general", &["soon gone".to_owned()]).await;
    let node = cluster.node(1);
    eventually("the message outlives the history lifetime", || async {
        let mut bob = Client::named(node, "bob").await;
        let (_, backlog) = bob.join_with(join("general", 10)).await;
        backlog.is_empty()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_history_starts_a_new_epoch_that_old_offsets_do_not_continue() {
    let cluster = Cluster::redis(2).await;
    let mut ada = Client::named(cluster.node(0), "ada").await;
    let (joined, _) = ada.join_with(join("general", 0)).await;
    let old_epoch = epoch_of(&joined);
    let sent = say_all(&mut ada, "general", &numbered("m", 2)).await;

    // The history goes away, as when an operator deletes it or Redis loses it.
    let stream = cluster.names().room_stream(&RoomName::parse("general").expect("valid room"));
    let mut conn = cluster.redis_server().connection().await;
    redis::cmd("DEL").arg(&stream).query_async::<()>(&mut conn).await.expect("DEL");
    say_all(&mut ada, "general", &["after the loss".to_owned()]).await;

    let mut bob = Client::named(cluster.node(1), "bob").await;
    let (joined, backlog) = bob.join_with(rejoin("general", 5, sent[0].id, &old_epoch)).await;
    assert_eq!(recovered_of(&joined), Some(false));
    assert_ne!(epoch_of(&joined), old_epoch);
    assert_eq!(texts(&backlog), ["after the loss"]);
}
