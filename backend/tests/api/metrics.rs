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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_metric_the_dashboard_plots_is_one_the_node_exports() {
    let cluster =
        Cluster::embedded_with(|config| config.session.hello_timeout = std::time::Duration::from_millis(100))
            .await;
    let node = cluster.node(0);
    // Traffic that makes each labelled family show up: an error frame, a
    // recovery, a server close, a refused upgrade.
    let mut ada = Client::named(node, "ada").await;
    let join = roomcast_protocol::ClientFrame::Join {
        room: "general".into(),
        history: Some(0),
        since: Some(roomcast_protocol::MessageId::new(1, 0)),
        epoch: Some("old".into()),
    };
    ada.join_with(join).await;
    ada.send_raw(Message::text("not json")).await;
    ada.expect_error(roomcast_protocol::ErrorCode::MalformedFrame).await;
    let mut silent = Client::connect(node).await;
    silent.expect_closed().await;
    assert_eq!(Client::try_connect(node, Some("https://evil.example")).await.err(), Some(403));
    let (_, exported) = http_get(node.addr, "/metrics").await;

    let dashboard = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/grafana/roomcast.json");
    let dashboard = std::fs::read_to_string(&dashboard).expect("read the dashboard");
    let json: serde_json::Value = serde_json::from_str(&dashboard).expect("the dashboard is JSON");
    let mut plotted = Vec::new();
    for panel in json["panels"].as_array().expect("panels") {
        for target in panel["targets"].as_array().expect("targets") {
            let expr = target["expr"].as_str().expect("an expression");
            let mut rest = expr;
            while let Some(at) = rest.find("roomcast_") {
                let name: String =
                    rest[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                rest = &rest[at + name.len()..];
                plotted.push(name);
            }
        }
    }
    assert!(plotted.len() >= 10, "the dashboard plots the node's metrics: {plotted:?}");
    for name in plotted {
        // Every family has a TYPE line under its base name, samples or not;
        // counters' samples end in _total, histograms' in _bucket/_sum/_count.
        let family = ["_total", "_bucket", "_sum", "_count"]
            .iter()
            .find_map(|suffix| name.strip_suffix(suffix))
            .unwrap_or(&name);
        assert!(
            exported.lines().any(|line| line.starts_with(&format!("# TYPE {family} "))),
            "the dashboard plots {name}, which /metrics does not export"
        );
    }
}
