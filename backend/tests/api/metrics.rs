//! `/metrics`: after real traffic, the counters moved by exactly what happened.

use std::collections::HashMap;

use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{http_get, Client, Cluster, TestNode};
use crate::on_both_brokers;

on_both_brokers!(the_counters_move_by_what_the_clients_did);

/// Scrapes `node` and returns every sample as `name{labels}` → value.
async fn scrape(node: &TestNode) -> HashMap<String, f64> {
    let (status, body) = http_get(node.addr, "/metrics").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.ends_with("# EOF\n"), "an OpenMetrics exposition ends with # EOF");
    body.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.rsplit_once(' '))
        .filter_map(|(name, value)| Some((name.to_owned(), value.parse().ok()?)))
        .collect()
}

fn value(samples: &HashMap<String, f64>, name: &str) -> f64 {
    *samples.get(name).unwrap_or_else(|| panic!("no sample {name} in {samples:?}"))
}

async fn the_counters_move_by_what_the_clients_did(cluster: &Cluster) {
    let node = cluster.node(0);
    let before = scrape(node).await;
    assert_eq!(value(&before, "roomcast_messages_published_total"), 0.0);

    let mut ada = Client::named(node, "ada").await;
    let mut bob = Client::named(cluster.node(1), "bob").await;
    ada.join("general").await;
    bob.join("general").await;
    for n in 0..3 {
        ada.say("general", &format!("m{n}")).await;
    }
    for _ in 0..3 {
        ada.next_message().await;
        bob.next_message().await;
    }
    ada.send_raw(Message::text("not json")).await;
    ada.expect_error(roomcast_protocol::ErrorCode::MalformedFrame).await;

    let after = scrape(node).await;
    let alone = cluster.redis.is_none();
    // On one embedded node both clients are here; on Redis only ada is.
    let here = if alone { 2.0 } else { 1.0 };
    assert_eq!(value(&after, "roomcast_connections"), here);
    assert_eq!(value(&after, "roomcast_rooms"), 1.0);
    assert_eq!(value(&after, "roomcast_connections_opened_total"), here);
    assert_eq!(value(&after, "roomcast_joins_total"), here);
    assert_eq!(value(&after, "roomcast_messages_published_total"), 3.0);
    assert_eq!(value(&after, "roomcast_publish_seconds_count"), 3.0);
    assert_eq!(value(&after, "roomcast_deliveries_total"), 3.0 * here);
    assert_eq!(value(&after, "roomcast_deliveries_dropped_total"), 0.0);
    // ada: hello, join, three sends and the bad frame; bob (when here): hello, join.
    assert_eq!(value(&after, "roomcast_frames_in_total"), if alone { 8.0 } else { 6.0 });
    // At least welcome, joined, three messages and the error for ada (presence frames vary).
    assert!(value(&after, "roomcast_frames_out_total") >= 6.0);
    assert_eq!(value(&after, "roomcast_errors_total{code=\"malformed_frame\"}"), 1.0);
}
