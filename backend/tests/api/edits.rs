//! Editing and deleting one's own messages (version 6): the change reaches
//! every member on every node once and in order with the messages, history
//! shows the current state, recovery brings what was changed meanwhile, only
//! the author may change a message, and older clients never see the new
//! frames.

use std::time::Duration;

use roomcast_protocol::{ClientFrame, ErrorCode, MessageFrame, MessageId, RoomName, ServerFrame};
use roomcast_server::Config;
use serde_json::json;

use crate::helpers::{
    http_get, identity_token, small_history, unix_now, with_identity, Client, Cluster, TestNode, TEST_SECRET,
};
use crate::on_both_brokers;

on_both_brokers!(
    an_edit_reaches_every_member_on_every_node_once_and_in_order,
    someone_elses_message_cannot_be_changed_and_nobody_hears_of_the_attempt,
    a_deletion_leaves_a_tombstone_for_everyone_and_cannot_be_repeated,
    a_late_joiner_sees_the_current_state_in_its_backlog_and_in_history_pages,
    a_member_that_reconnects_with_since_gets_the_changes_made_while_it_was_away,
    unknown_ids_bad_text_and_rooms_not_joined_are_refused_with_their_own_codes,
    repeating_an_edit_publishes_nothing_new_and_confirms_it_to_the_author,
    a_version_5_client_never_gets_the_new_frames_and_sees_history_as_the_spec_says,
);
on_both_brokers!(tweak = small_history; a_message_older_than_the_history_cannot_be_changed);
on_both_brokers!(tweak = one_send_per_200_ms; edits_share_the_senders_budget_and_say_when_to_retry);
on_both_brokers!(tweak = with_identity; with_identity_the_user_may_change_from_any_connection_and_others_not);

fn one_send_per_200_ms(config: &mut Config) {
    config.session.send_rate = 5.0;
    config.session.send_burst = 1;
}

fn edit(id: MessageId, text: &str) -> ClientFrame<'_> {
    ClientFrame::Edit { room: "general".into(), id, text: text.into() }
}

fn delete(id: MessageId) -> ClientFrame<'static> {
    ClientFrame::Delete { room: "general".into(), id }
}

fn join(history: u32) -> ClientFrame<'static> {
    ClientFrame::Join { room: "general".into(), history: Some(history), since: None, epoch: None }
}

/// `client` says `text` in #general and reads its own copy back.
async fn say(client: &mut Client, text: &str) -> MessageFrame<'static> {
    client.say("general", text).await;
    let own = client.next_message().await;
    assert_eq!(own.text, text);
    own
}

/// Clients joined to #general on alternating nodes.
async fn members(cluster: &Cluster, names: &[&str]) -> Vec<Client> {
    let mut clients = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let mut client = Client::named(cluster.node(i), name).await;
        client.join("general").await;
        clients.push(client);
    }
    clients
}

/// Checks that `client` has nothing else waiting: its next frame answers a ping.
async fn nothing_more(client: &mut Client) {
    client.send(&ClientFrame::Ping { nonce: 99 }).await;
    let next = client.next_frame().await;
    assert_eq!(next, ServerFrame::Pong { nonce: 99 }, "{} got something more", client.name);
}

/// Asks for the page of #general before `before`.
async fn page(client: &mut Client, before: MessageId) -> Vec<MessageFrame<'static>> {
    client.send(&ClientFrame::History { room: "general".into(), before, limit: None }).await;
    match client.next_frame().await {
        ServerFrame::History { messages, .. } => messages,
        other => panic!("expected history, got {other:?}"),
    }
}

fn edited(id: MessageId, text: &str, change_id: MessageId) -> ServerFrame<'static> {
    ServerFrame::Edited {
        room: "general".into(),
        id,
        text: text.to_owned().into(),
        edited_ts: change_id.ms,
        change_id,
    }
}

/// The change id of an `edited` or `deleted` frame.
fn change_id(frame: &ServerFrame<'_>) -> MessageId {
    match frame {
        ServerFrame::Edited { change_id, .. } | ServerFrame::Deleted { change_id, .. } => *change_id,
        other => panic!("expected edited or deleted, got {other:?}"),
    }
}

/// The refusal must have `code` and name the room and the message.
async fn refused(client: &mut Client, code: ErrorCode, id: MessageId) {
    match client.expect_error(code).await {
        ServerFrame::Error { room: Some(room), id: Some(refused), .. } => {
            assert_eq!((room.as_ref(), refused), ("general", id))
        }
        other => panic!("the refusal names no room or id: {other:?}"),
    }
}

async fn an_edit_reaches_every_member_on_every_node_once_and_in_order(cluster: &Cluster) {
    let mut clients = members(cluster, &["ada", "bob", "cy"]).await;
    let first = say(&mut clients[0], "helo all").await;
    let second = say(&mut clients[0], "how are you").await;
    clients[0].send(&edit(first.id, "hello all")).await;
    // The author's copy of the change is its acknowledgement.
    let change = clients[0].next_frame().await;
    let at = change_id(&change);
    assert_eq!(change, edited(first.id, "hello all", at));
    assert!(at > second.id, "a change takes its place after the messages before it");
    let third = say(&mut clients[0], "fine, thanks").await;

    for client in &mut clients[1..] {
        assert_eq!(client.next_message().await.id, first.id);
        assert_eq!(client.next_message().await.id, second.id);
        assert_eq!(client.next_frame().await, change, "{} got the edit in order", client.name);
        assert_eq!(client.next_message().await.id, third.id);
        nothing_more(client).await;
    }
    nothing_more(&mut clients[0]).await;
    let (_, metrics) = http_get(cluster.node(0).addr, "/metrics").await;
    assert!(metrics.contains("roomcast_message_changes_total{kind=\"edit\"} 1"), "{metrics}");
}

async fn someone_elses_message_cannot_be_changed_and_nobody_hears_of_the_attempt(cluster: &Cluster) {
    let mut clients = members(cluster, &["ada", "bob"]).await;
    let mine = say(&mut clients[0], "ada's words").await;
    assert_eq!(clients[1].next_message().await.id, mine.id);

    clients[1].send(&edit(mine.id, "bob's words now")).await;
    refused(&mut clients[1], ErrorCode::Forbidden, mine.id).await;
    clients[1].send(&delete(mine.id)).await;
    refused(&mut clients[1], ErrorCode::Forbidden, mine.id).await;
    // Without identity tokens the author is the connection that sent it:
    // even ada's own second connection may not change it.
    let mut again = Client::named(cluster.node(1), "ada").await;
    again.join("general").await;
    again.send(&delete(mine.id)).await;
    refused(&mut again, ErrorCode::Forbidden, mine.id).await;

    for client in clients.iter_mut().chain([&mut again]) {
        nothing_more(client).await;
    }
    let (_, backlog) = Client::named(cluster.node(0), "late").await.join_with_frames(join(5)).await;
    assert!(
        matches!(&backlog[..], [ServerFrame::Message(m)] if m.text == "ada's words" && m.edited_ts.is_none()),
        "{backlog:?}"
    );
}

async fn a_deletion_leaves_a_tombstone_for_everyone_and_cannot_be_repeated(cluster: &Cluster) {
    let mut clients = members(cluster, &["ada", "bob"]).await;
    let gone = say(&mut clients[0], "oops, wrong room").await;
    let kept = say(&mut clients[0], "this one stays").await;
    clients[0].send(&delete(gone.id)).await;
    let deletion = clients[0].next_frame().await;
    let at = change_id(&deletion);
    assert_eq!(deletion, ServerFrame::Deleted { room: "general".into(), id: gone.id, change_id: at });
    for id in [gone.id, kept.id] {
        assert_eq!(clients[1].next_message().await.id, id);
    }
    assert_eq!(clients[1].next_frame().await, deletion);

    clients[0].send(&delete(gone.id)).await;
    refused(&mut clients[0], ErrorCode::MessageDeleted, gone.id).await;
    clients[0].send(&edit(gone.id, "back again")).await;
    refused(&mut clients[0], ErrorCode::MessageDeleted, gone.id).await;
    for client in &mut clients {
        nothing_more(client).await;
    }

    let mut late = Client::named(cluster.node(1), "late").await;
    let (_, backlog) = late.join_with_frames(join(10)).await;
    let tombstone = match &backlog[..] {
        [ServerFrame::Message(tombstone), ServerFrame::Message(stays)] if stays.id == kept.id => tombstone,
        other => panic!("expected the tombstone and the kept message, got {other:?}"),
    };
    assert_eq!(
        (tombstone.id, tombstone.author.as_ref(), tombstone.text.as_ref(), tombstone.deleted),
        (gone.id, "ada", "", true),
        "a tombstone keeps its place and author, not its text"
    );
    let (_, metrics) = http_get(cluster.node(0).addr, "/metrics").await;
    assert!(metrics.contains("roomcast_message_changes_total{kind=\"delete\"} 1"), "{metrics}");
}

async fn a_late_joiner_sees_the_current_state_in_its_backlog_and_in_history_pages(cluster: &Cluster) {
    let mut ada = members(cluster, &["ada"]).await.remove(0);
    let mut sent = Vec::new();
    for text in ["one", "two", "three", "four"] {
        sent.push(say(&mut ada, text).await);
    }
    ada.send(&edit(sent[0].id, "one, edited")).await;
    let first_edit = change_id(&ada.next_frame().await);
    ada.send(&edit(sent[0].id, "one, edited twice")).await;
    let second_edit = change_id(&ada.next_frame().await);
    ada.send(&delete(sent[1].id)).await;
    ada.next_frame().await;
    ada.send(&edit(sent[3].id, "four, edited")).await;
    let last_edit = change_id(&ada.next_frame().await);
    assert!(first_edit < second_edit);

    let mut late = Client::named(cluster.node(1), "late").await;
    let (joined, backlog) = late.join_with_frames(join(2)).await;
    assert!(matches!(joined, ServerFrame::Joined { history: Some(2), .. }), "two messages, no changes");
    let [ServerFrame::Message(three), ServerFrame::Message(four)] = &backlog[..] else {
        panic!("expected the last two messages, got {backlog:?}")
    };
    assert_eq!((three.text.as_ref(), three.edited_ts), ("three", None));
    assert_eq!((four.text.as_ref(), four.edited_ts), ("four, edited", Some(last_edit.ms)));

    let older = page(&mut late, three.id).await;
    assert_eq!(older.len(), 2, "{older:?}");
    assert_eq!(
        (older[0].id, older[0].text.as_ref(), older[0].edited_ts),
        (sent[0].id, "one, edited twice", Some(second_edit.ms))
    );
    assert_eq!((older[1].id, older[1].text.as_ref(), older[1].deleted), (sent[1].id, "", true));
}

async fn a_member_that_reconnects_with_since_gets_the_changes_made_while_it_was_away(cluster: &Cluster) {
    let mut ada = members(cluster, &["ada"]).await.remove(0);
    let mut bob = Client::named(cluster.node(1), "bob").await;
    let (joined, _) = bob.join_with_frames(join(0)).await;
    let ServerFrame::Joined { epoch: Some(epoch), .. } = joined else { panic!("no epoch: {joined:?}") };
    let early = say(&mut ada, "early").await;
    let doomed = say(&mut ada, "doomed").await;
    bob.next_message().await;
    let last_seen = bob.next_message().await.id;
    drop(bob);

    ada.send(&edit(early.id, "early, edited")).await;
    let edit_frame = ada.next_frame().await;
    ada.send(&delete(doomed.id)).await;
    let delete_frame = ada.next_frame().await;
    let later = say(&mut ada, "later").await;

    let mut bob = Client::named(cluster.node(1), "bob").await;
    let rejoin = ClientFrame::Join {
        room: "general".into(),
        history: Some(10),
        since: Some(last_seen),
        epoch: Some(epoch.clone()),
    };
    let (joined, frames) = bob.join_with_frames(rejoin).await;
    assert!(
        matches!(joined, ServerFrame::Joined { recovered: Some(true), history: Some(3), .. }),
        "{joined:?}"
    );
    assert_eq!(frames[0], edit_frame);
    assert_eq!(frames[1], delete_frame);
    assert!(matches!(&frames[2], ServerFrame::Message(m) if m.id == later.id), "{frames:?}");

    // The change ids are offsets too: from the last one, nothing is missing.
    let mut carol = Client::named(cluster.node(0), "carol").await;
    let since_change = ClientFrame::Join {
        room: "general".into(),
        history: Some(10),
        since: Some(change_id(&delete_frame)),
        epoch: Some(epoch),
    };
    let (joined, frames) = carol.join_with_frames(since_change).await;
    assert!(matches!(joined, ServerFrame::Joined { recovered: Some(true), .. }), "{joined:?}");
    assert!(matches!(&frames[..], [ServerFrame::Message(m)] if m.id == later.id), "{frames:?}");
}

async fn unknown_ids_bad_text_and_rooms_not_joined_are_refused_with_their_own_codes(cluster: &Cluster) {
    let mut ada = members(cluster, &["ada"]).await.remove(0);
    let mine = say(&mut ada, "words").await;
    ada.send(&edit(mine.id, "fixed")).await;
    let change = change_id(&ada.next_frame().await);

    for unknown in [MessageId::new(1, 0), MessageId::new(mine.id.ms, mine.id.seq + 7), change] {
        ada.send(&edit(unknown, "new")).await;
        refused(&mut ada, ErrorCode::UnknownMessage, unknown).await;
        ada.send(&delete(unknown)).await;
        refused(&mut ada, ErrorCode::UnknownMessage, unknown).await;
    }
    for bad in ["", " \n ", "bell\u{7}"] {
        ada.send(&edit(mine.id, bad)).await;
        refused(&mut ada, ErrorCode::InvalidText, mine.id).await;
    }
    ada.send(&ClientFrame::Delete { room: "random".into(), id: mine.id }).await;
    assert!(matches!(
        ada.expect_error(ErrorCode::NotJoined).await,
        ServerFrame::Error { room: Some(room), id: Some(_), .. } if room == "random"
    ));
    ada.send_raw(tokio_tungstenite::tungstenite::Message::text(
        json!({"type": "edit", "room": "general", "id": "yesterday", "text": "x"}).to_string(),
    ))
    .await;
    ada.expect_error(ErrorCode::InvalidFrame).await;
    nothing_more(&mut ada).await;
}

async fn repeating_an_edit_publishes_nothing_new_and_confirms_it_to_the_author(cluster: &Cluster) {
    let mut clients = members(cluster, &["ada", "bob"]).await;
    let mine = say(&mut clients[0], "tpyo").await;
    clients[0].send(&edit(mine.id, "typo")).await;
    let first = clients[0].next_frame().await;
    // As after an outcome_unknown: the same edit again.
    clients[0].send(&edit(mine.id, "typo")).await;
    assert_eq!(clients[0].next_frame().await, first, "the original edit, again");
    nothing_more(&mut clients[0]).await;
    assert_eq!(clients[1].next_message().await.id, mine.id);
    assert_eq!(clients[1].next_frame().await, first);
    nothing_more(&mut clients[1]).await;
}

async fn a_version_5_client_never_gets_the_new_frames_and_sees_history_as_the_spec_says(cluster: &Cluster) {
    let mut ada = members(cluster, &["ada"]).await.remove(0);
    let mut old = Client::connect(cluster.node(1)).await;
    old.send(&ClientFrame::Hello { name: "old".into(), protocol: Some(5), token: None }).await;
    assert!(matches!(old.next_frame().await, ServerFrame::Welcome { protocol: 5, .. }));
    old.name = "old".into();
    old.join("general").await;

    let first = say(&mut ada, "first").await;
    let second = say(&mut ada, "second").await;
    ada.send(&edit(first.id, "first, edited")).await;
    ada.next_frame().await;
    ada.send(&delete(second.id)).await;
    ada.next_frame().await;
    let third = say(&mut ada, "third").await;
    for id in [first.id, second.id, third.id] {
        assert_eq!(old.next_message().await.id, id, "messages only, never a change");
    }
    nothing_more(&mut old).await;

    // It cannot send the new frames either.
    old.send(&delete(third.id)).await;
    let refusal = old.expect_error(ErrorCode::UnknownType).await;
    assert!(matches!(refusal, ServerFrame::Error { id: None, .. }), "no version 6 field: {refusal:?}");

    // Its history: the current text without the new fields, deleted ones left out.
    let mut late = Client::connect(cluster.node(0)).await;
    late.send(&ClientFrame::Hello { name: "late".into(), protocol: Some(5), token: None }).await;
    late.next_frame().await;
    let (joined, backlog) = late.join_with_frames(join(10)).await;
    assert!(matches!(joined, ServerFrame::Joined { history: Some(2), .. }), "{joined:?}");
    let texts: Vec<_> = backlog
        .iter()
        .map(|frame| match frame {
            ServerFrame::Message(m) => (m.text.to_string(), m.edited_ts, m.deleted),
            other => panic!("a version 5 backlog holds messages only: {other:?}"),
        })
        .collect();
    assert_eq!(texts, [("first, edited".to_owned(), None, false), ("third".to_owned(), None, false)]);
    let older = page(&mut late, third.id).await;
    assert_eq!(older.iter().map(|m| m.text.as_ref()).collect::<Vec<_>>(), ["first, edited"]);
}

async fn a_message_older_than_the_history_cannot_be_changed(cluster: &Cluster) {
    let mut ada = members(cluster, &["ada"]).await.remove(0);
    let first = say(&mut ada, "first").await;
    // Far more than the history keeps (Redis trims whole stream nodes of 100 entries).
    for n in 0..300 {
        say(&mut ada, &format!("m{n}")).await;
    }
    ada.send(&edit(first.id, "too late")).await;
    refused(&mut ada, ErrorCode::UnknownMessage, first.id).await;
    nothing_more(&mut ada).await;
}

async fn edits_share_the_senders_budget_and_say_when_to_retry(cluster: &Cluster) {
    let mut ada = members(cluster, &["ada"]).await.remove(0);
    let mine = say(&mut ada, "hello").await;
    ada.send(&edit(mine.id, "hello!")).await;
    let wait = match ada.expect_error(ErrorCode::RateLimited).await {
        ServerFrame::Error { retry_after_ms: Some(ms), id: Some(id), .. } if id == mine.id => ms,
        other => panic!("expected a refusal of this edit with retry_after_ms, got {other:?}"),
    };
    assert!(wait > 0 && wait <= 200, "{wait}");
    tokio::time::sleep(Duration::from_millis(wait)).await;
    ada.send(&edit(mine.id, "hello!")).await;
    assert!(matches!(ada.next_frame().await, ServerFrame::Edited { .. }));
}

fn token(user: &str, name: &str) -> String {
    identity_token(TEST_SECRET, user, name, &["*"], unix_now() + 3600)
}

async fn signed_in(node: &TestNode, user: &str, name: &str) -> Client {
    let mut client = Client::connect(node).await;
    let protocol = Some(roomcast_protocol::PROTOCOL_VERSION);
    client
        .send(&ClientFrame::Hello { name: name.into(), protocol, token: Some(token(user, name).into()) })
        .await;
    assert!(matches!(client.next_frame().await, ServerFrame::Welcome { .. }));
    client.name = format!("{name}@{}", node.name);
    client.join("general").await;
    client
}

async fn with_identity_the_user_may_change_from_any_connection_and_others_not(cluster: &Cluster) {
    let mut laptop = signed_in(cluster.node(0), "u-1", "Ada").await;
    let mut phone = signed_in(cluster.node(1), "u-1", "Ada").await;
    let mut bob = signed_in(cluster.node(1), "u-2", "Bob").await;
    let mine = say(&mut laptop, "from the laptop").await;
    phone.next_message().await;
    bob.next_message().await;

    bob.send(&edit(mine.id, "bob was here")).await;
    refused(&mut bob, ErrorCode::Forbidden, mine.id).await;
    phone.send(&edit(mine.id, "fixed on the phone")).await;
    let change = phone.next_frame().await;
    assert!(
        matches!(&change, ServerFrame::Edited { text, .. } if text == "fixed on the phone"),
        "{change:?}"
    );
    assert_eq!(laptop.next_frame().await, change);
    assert_eq!(bob.next_frame().await, change);
    for client in [&mut laptop, &mut phone, &mut bob] {
        nothing_more(client).await;
    }
}

/// Redis keeps each changed message's latest change in a hash; fields of
/// messages that left the history are dropped, so it stays bounded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_redis_changes_hash_forgets_messages_that_left_the_history() {
    let cluster = Cluster::redis_with(1, small_history).await;
    let mut ada = members(&cluster, &["ada"]).await.remove(0);
    for n in 0..250 {
        let sent = say(&mut ada, &format!("m{n}")).await;
        ada.send(&edit(sent.id, &format!("m{n}, edited"))).await;
        ada.next_frame().await;
    }
    let changes = cluster.names().room_changes(&RoomName::parse("general").expect("a valid room"));
    let mut conn = cluster.redis_server().connection().await;
    let kept: usize = redis::cmd("HLEN").arg(&changes).query_async(&mut conn).await.expect("HLEN");
    // At most twice the history size plus slack, then pruned down to what the stream still holds.
    assert!(kept > 0 && kept <= 2 * 5 + 100, "{kept} fields");
    let ttl: i64 = redis::cmd("PTTL").arg(&changes).query_async(&mut conn).await.expect("PTTL");
    assert!(ttl > 0, "the hash expires with the history");
}
