//! The plain HTTP side: health checks and the web client's files.

use std::path::PathBuf;

use crate::helpers::{eventually, http_get, test_config, unique_prefix, Client, Cluster, TestNode};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_endpoints_name_the_node_and_its_broker() {
    let cluster = Cluster::embedded().await;
    let node = cluster.node(0);
    let (status, body) = http_get(node.addr, "/healthz").await;
    assert_eq!(status, 200);
    let health: serde_json::Value = serde_json::from_str(&body).expect("healthz is JSON");
    assert_eq!(health["node"], node.name.as_str());
    assert_eq!(health["connections"], 0);
    let (status, body) = http_get(node.addr, "/readyz").await;
    assert_eq!(status, 200);
    let ready: serde_json::Value = serde_json::from_str(&body).expect("readyz is JSON");
    assert_eq!((ready["ready"].as_bool(), ready["broker"].as_str()), (Some(true), Some("embedded")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_counts_the_room_messages_the_node_has_queued_for_its_members() {
    let cluster = Cluster::embedded().await;
    let node = cluster.node(0);
    let mut ada = Client::named(node, "ada").await;
    let mut bob = Client::named(node, "bob").await;
    ada.join("general").await;
    bob.join("general").await;
    ada.say("general", "one").await;
    ada.next_message().await;
    bob.next_message().await;

    let (_, body) = http_get(node.addr, "/healthz").await;
    let health: serde_json::Value = serde_json::from_str(&body).expect("healthz is JSON");
    assert_eq!(health["deliveries"], serde_json::json!({"queued": 2, "overflowed": 0}), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_web_client_is_served_with_a_single_page_fallback() {
    let dir = std::env::temp_dir().join(format!("roomcast-static-{}", unique_prefix()));
    std::fs::create_dir_all(dir.join("assets")).expect("create static dir");
    std::fs::write(dir.join("index.html"), "<!doctype html><title>Roomcast</title>").expect("write index");
    std::fs::write(dir.join("assets/app.js"), "console.log('hi')").expect("write asset");
    let mut config = test_config(None, &unique_prefix());
    config.http.static_dir = PathBuf::from(&dir);
    let node = TestNode::spawn(config).await;

    for path in ["/", "/room/general", "/some/deep/link"] {
        let (status, body) = http_get(node.addr, path).await;
        assert_eq!(status, 200, "{path}");
        assert!(body.contains("<title>Roomcast</title>"), "{path}: {body}");
    }
    let (status, body) = http_get(node.addr, "/assets/app.js").await;
    assert_eq!((status, body.as_str()), (200, "console.log('hi')"));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_web_client_the_root_says_where_the_api_is() {
    let cluster = Cluster::embedded().await;
    let (status, body) = http_get(cluster.node(0).addr, "/").await;
    assert_eq!(status, 404);
    assert!(body.contains("/ws"), "{body}");
}

/// What `roomcast-server --healthcheck` (the container health check) sees.
async fn probe(node: &TestNode) -> std::io::Result<bool> {
    let addr = node.addr;
    tokio::task::spawn_blocking(move || {
        roomcast_server::healthcheck::is_alive(addr, std::time::Duration::from_secs(2))
    })
    .await
    .expect("probe task")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_healthcheck_passes_while_the_node_serves_even_without_redis() {
    let mut cluster = Cluster::redis(1).await;
    assert!(probe(cluster.node(0)).await.expect("the node answers"), "alive with Redis up");

    cluster.redis.as_mut().expect("redis").kill();
    eventually("the node reports not ready without Redis", || async {
        http_get(cluster.node(0).addr, "/readyz").await.0 == 503
    })
    .await;
    assert!(
        probe(cluster.node(0)).await.expect("the node answers"),
        "still alive: not restarted over a Redis blip"
    );

    cluster.nodes[0].shut_down().await;
    assert!(probe(&cluster.nodes[0]).await.is_err(), "nothing answers once the node is gone");
}
