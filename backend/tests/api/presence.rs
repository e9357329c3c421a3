//! Presence and typing: who is in a room, the same on every node, kept up to
//! date as people come and go (and as nodes die), and who is typing.

use std::collections::BTreeMap;

use roomcast_protocol::{ClientFrame, ServerFrame};
use tokio::process::Command;

use crate::helpers::{
    eventually, free_port, test_config, unique_prefix, Client, Cluster, RedisServer, TestNode, PATIENCE,
};
use crate::on_both_brokers;
use crate::process::{healthcheck, server};

on_both_brokers!(
    everyone_sees_the_same_members_as_people_join_leave_and_disconnect,
    typing_reaches_the_others_and_a_flood_of_it_is_cut_down,
    a_crowd_arriving_at_once_is_announced_in_frames_of_at_most_16_names_and_misses_nobody,
);

type Members = BTreeMap<String, u32>;

fn members(entries: &[(&str, u32)]) -> Members {
    entries.iter().map(|(name, count)| (name.to_string(), *count)).collect()
}

/// A client named `name` on `node` that sees `presence` frames.
async fn watcher(node: &TestNode, name: &str) -> Client {
    let mut client = Client::named(node, name).await;
    client.sees_presence = true;
    client
}

/// Asks for the member list; `presence` frames that arrive first are skipped.
async fn member_list(client: &mut Client, room: &str) -> Members {
    client.send(&ClientFrame::Members { room: room.into() }).await;
    loop {
        match client.next_frame().await {
            ServerFrame::Members { members, .. } => {
                return members.into_iter().map(|m| (m.name.into_owned(), m.count)).collect()
            }
            ServerFrame::Presence { .. } => {}
            other => panic!("{} expected members, got {other:?}", client.name),
        }
    }
}

/// Applies the `presence` frames `client` receives to `view` until it equals `expected`.
async fn follow_presence(client: &mut Client, view: &mut Members, expected: &Members) {
    while view != expected {
        match client.next_frame().await {
            ServerFrame::Presence { changes, .. } => {
                for change in changes {
                    match change.count {
                        0 => view.remove(change.name.as_ref()),
                        count => view.insert(change.name.into_owned(), count),
                    };
                }
            }
            other => panic!("{} expected presence, got {other:?}", client.name),
        }
    }
}

async fn everyone_sees_the_same_members_as_people_join_leave_and_disconnect(cluster: &Cluster) {
    let mut ada = watcher(cluster.node(0), "Ada").await;
    ada.join("general").await;
    let mut view = member_list(&mut ada, "general").await;
    assert_eq!(view, members(&[("Ada", 1)]));

    let mut bob = Client::named(cluster.node(1), "Bob").await;
    bob.join("general").await;
    // A second tab of Ada's, on the other node: one name, counted twice.
    let mut ada_tab = Client::named(cluster.node(1), "Ada").await;
    ada_tab.join("general").await;
    let everyone = members(&[("Ada", 2), ("Bob", 1)]);
    follow_presence(&mut ada, &mut view, &everyone).await;
    let node1 = cluster.node(1);
    eventually("node 1 lists the same members", || async {
        let mut probe = Client::named(node1, "probe").await;
        probe.join("general").await;
        let seen = member_list(&mut probe, "general").await;
        seen == members(&[("Ada", 2), ("Bob", 1), ("probe", 1)])
    })
    .await;

    bob.send(&ClientFrame::Leave { room: "general".into() }).await;
    drop(ada_tab);
    follow_presence(&mut ada, &mut view, &members(&[("Ada", 1)])).await;
    assert_eq!(member_list(&mut ada, "general").await, members(&[("Ada", 1)]));
}

async fn typing_reaches_the_others_and_a_flood_of_it_is_cut_down(cluster: &Cluster) {
    let mut ada = watcher(cluster.node(0), "Ada").await;
    let mut bob = watcher(cluster.node(1), "Bob").await;
    ada.join("general").await;
    bob.join("general").await;
    // Both are listed before typing starts, so no presence frame interleaves.
    follow_presence(&mut ada, &mut BTreeMap::new(), &members(&[("Ada", 1), ("Bob", 1)])).await;
    follow_presence(&mut bob, &mut BTreeMap::new(), &members(&[("Ada", 1), ("Bob", 1)])).await;

    for _ in 0..50 {
        ada.send(&ClientFrame::Typing { room: "general".into() }).await;
    }
    ada.say("general", "done typing").await;
    let mut typing = 0;
    loop {
        match bob.next_frame().await {
            ServerFrame::Typing { room, name } => {
                assert_eq!((room.as_ref(), name.as_ref()), ("general", "Ada"));
                typing += 1;
            }
            ServerFrame::Message(message) => {
                assert_eq!(message.text, "done typing");
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(typing, 1, "fifty typing frames in well under a second reach Bob once");
    let own = ada.next_frame().await;
    assert!(matches!(own, ServerFrame::Message(_)), "Ada hears nothing of her own typing: {own:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_members_of_a_killed_node_leave_the_others_lists_within_the_bound() {
    let redis = RedisServer::start().await;
    let prefix = unique_prefix();
    let config = test_config(Some(redis.url()), &prefix);
    let bound = config.redis.probe_timeout + config.redis.probe_interval;
    let survivor = TestNode::spawn(config).await;
    let env = [
        ("BIND", format!("127.0.0.1:{}", free_port())),
        ("REDIS_URL", redis.url()),
        ("CHANNEL_PREFIX", prefix.clone()),
        ("PROBE_INTERVAL", "200ms".to_owned()),
        ("PROBE_TIMEOUT", "1500ms".to_owned()),
        ("STATIC_DIR", "/nonexistent".to_owned()),
    ];
    let mut doomed = server(&env).kill_on_drop(true).spawn().expect("start roomcast-server");
    eventually("the doomed node is ready", || healthcheck(&env)).await;

    let mut ada = watcher(&survivor, "Ada").await;
    ada.join("general").await;
    let mut bob = Client::connect_to(&format!("ws://{}/ws", env[0].1)).await;
    bob.send(&ClientFrame::Hello {
        name: "Bob".into(),
        protocol: Some(roomcast_protocol::PROTOCOL_VERSION),
        token: None,
    })
    .await;
    assert!(matches!(bob.next_frame().await, ServerFrame::Welcome { .. }));
    bob.join("general").await;
    let mut view = Members::new();
    follow_presence(&mut ada, &mut view, &members(&[("Ada", 1), ("Bob", 1)])).await;

    // SIGKILL: no goodbye from Bob's node.
    let pid = doomed.id().expect("the node is running").to_string();
    assert!(Command::new("kill").args(["-KILL", &pid]).status().await.expect("run kill").success());
    let _ = doomed.wait().await;
    let killed = tokio::time::Instant::now();
    follow_presence(&mut ada, &mut view, &members(&[("Ada", 1)])).await;
    let took = killed.elapsed();
    assert!(
        took < bound + PATIENCE / 10,
        "Bob left Ada's list {took:?} after the kill; the bound is {bound:?}"
    );
}

async fn a_crowd_arriving_at_once_is_announced_in_frames_of_at_most_16_names_and_misses_nobody(
    cluster: &Cluster,
) {
    let mut ada = watcher(cluster.node(0), "ada").await;
    ada.join("general").await;
    let mut view = member_list(&mut ada, "general").await;

    // Seventy people join the room on both nodes, faster than one round of presence.
    let mut crowd = Vec::new();
    for n in 0..70 {
        let mut person = Client::named(cluster.node(n % cluster.nodes.len()), &format!("guest-{n:02}")).await;
        person.join("general").await;
        crowd.push(person);
    }
    let mut expected = members(&[("ada", 1)]);
    expected.extend((0..70).map(|n| (format!("guest-{n:02}"), 1)));

    let mut largest = 0;
    while view != expected {
        match ada.next_frame().await {
            ServerFrame::Presence { changes, .. } => {
                largest = largest.max(changes.len());
                for change in changes {
                    view.insert(change.name.into_owned(), change.count);
                }
            }
            other => panic!("ada expected presence, got {other:?}"),
        }
    }
    assert!(largest <= 16, "a presence frame listed {largest} names");
    assert!(largest > 1, "the arrivals were announced together, not one by one");
}
