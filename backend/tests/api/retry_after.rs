//! `rate_limited` says when to try again (`retry_after_ms`, version 6): for
//! the connection's own budgets and for the room and address limits shared
//! by all nodes; waiting that long is enough.

use std::time::Duration;

use roomcast_protocol::{ClientFrame, ErrorCode, ServerFrame};
use roomcast_server::Config;

use crate::helpers::{Client, Cluster};
use crate::on_both_brokers;

on_both_brokers!(tweak = five_a_second_per_connection; a_send_over_the_connections_rate_says_when_to_retry);
on_both_brokers!(tweak = two_a_second_per_room; a_send_over_the_rooms_rate_says_when_its_second_ends);
on_both_brokers!(tweak = two_a_second_per_address; a_send_over_the_addresss_rate_says_when_its_second_ends);
on_both_brokers!(tweak = five_joins_a_second; a_join_over_the_connections_budget_says_when_to_retry);

/// One message at once, then one every 200 ms.
fn five_a_second_per_connection(config: &mut Config) {
    config.session.send_rate = 5.0;
    config.session.send_burst = 1;
}

fn two_a_second_per_room(config: &mut Config) {
    config.history.room_send_rate = 2;
}

fn two_a_second_per_address(config: &mut Config) {
    config.history.address_send_rate = 2;
}

fn five_joins_a_second(config: &mut Config) {
    config.session.join_rate = 5.0;
    config.session.join_burst = 1;
}

/// `sender` sends `count` messages at once to #general; returns the texts
/// that were delivered and the refusals, in the order they came back.
async fn burst(sender: &mut Client, count: usize) -> (Vec<String>, Vec<ServerFrame<'static>>) {
    for n in 0..count {
        sender.say("general", &format!("m{n}")).await;
    }
    let (mut delivered, mut refused) = (Vec::new(), Vec::new());
    while delivered.len() + refused.len() < count {
        match sender.next_frame().await {
            ServerFrame::Message(own) => delivered.push(own.text.into_owned()),
            error @ ServerFrame::Error { code: ErrorCode::RateLimited, .. } => refused.push(error),
            other => panic!("unexpected {other:?}"),
        }
    }
    (delivered, refused)
}

/// The wait a refusal asks for, checked to be more than nothing and at most `window`.
fn retry_after(refusal: &ServerFrame<'_>, window: Duration) -> Duration {
    match refusal {
        ServerFrame::Error { retry_after_ms: Some(ms), room: Some(room), .. } => {
            assert_eq!(room, "general");
            let wait = Duration::from_millis(*ms);
            assert!(wait > Duration::ZERO && wait <= window, "retry after {wait:?}, window {window:?}");
            wait
        }
        other => panic!("expected a rate_limited error with retry_after_ms, got {other:?}"),
    }
}

/// Sends `allowed + 1` messages at once: the last is refused, with a wait of
/// at most `window`; after that wait the same client's next send goes through.
async fn refused_then_accepted_after_the_wait(cluster: &Cluster, allowed: usize, window: Duration) {
    let mut ada = Client::named(cluster.node(1), "ada").await;
    ada.join("general").await;
    let (delivered, refused) = burst(&mut ada, allowed + 1).await;
    assert_eq!(delivered.len(), allowed, "{delivered:?} {refused:?}");
    let wait = retry_after(&refused[0], window);

    tokio::time::sleep(wait).await;
    ada.say("general", "after the wait").await;
    assert_eq!(ada.next_message().await.text, "after the wait");
}

async fn a_send_over_the_connections_rate_says_when_to_retry(cluster: &Cluster) {
    refused_then_accepted_after_the_wait(cluster, 1, Duration::from_millis(200)).await;

    // A version 5 client is refused alike, without the field it does not know.
    let mut old = Client::connect(cluster.node(0)).await;
    old.send(&ClientFrame::Hello { name: "old".into(), protocol: Some(5), token: None }).await;
    assert!(matches!(old.next_frame().await, ServerFrame::Welcome { protocol: 5, .. }));
    old.name = "old".into();
    old.join("general").await;
    let (_, refused) = burst(&mut old, 2).await;
    assert!(
        matches!(&refused[..], [ServerFrame::Error { retry_after_ms: None, client_id: Some(_), .. }]),
        "{refused:?}"
    );
}

async fn a_send_over_the_rooms_rate_says_when_its_second_ends(cluster: &Cluster) {
    refused_then_accepted_after_the_wait(cluster, 2, Duration::from_secs(1)).await;
}

async fn a_send_over_the_addresss_rate_says_when_its_second_ends(cluster: &Cluster) {
    refused_then_accepted_after_the_wait(cluster, 2, Duration::from_secs(1)).await;
}

async fn a_join_over_the_connections_budget_says_when_to_retry(cluster: &Cluster) {
    let mut ada = Client::named(cluster.node(0), "ada").await;
    ada.join("general").await;
    ada.send(&ClientFrame::join("random")).await;
    let refused = ada.expect_error(ErrorCode::RateLimited).await;
    let wait = match &refused {
        ServerFrame::Error { retry_after_ms: Some(ms), room: Some(room), .. } if room == "random" => {
            Duration::from_millis(*ms)
        }
        other => panic!("expected a refused join of random with retry_after_ms, got {other:?}"),
    };
    assert!(wait > Duration::ZERO && wait <= Duration::from_millis(200), "{wait:?}");
    tokio::time::sleep(wait).await;
    ada.join("random").await;
}
