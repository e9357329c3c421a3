//! The deployed topology, natively: Redis, two nodes and nginx with the web
//! image's own site config. Users reach both nodes through one address, the
//! app and its deep links come from nginx, and when a node stops its users
//! move to the other one.

use crate::browser::{dist_dir, Driver, WebCluster};
use crate::nginx::{get, Nginx};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_nginx_users_on_both_nodes_chat_and_move_when_one_stops() {
    let mut cluster = WebCluster::start(2).await;
    let dist = dist_dir();
    let nginx = Nginx::start(&[cluster.nodes[0].addr, cluster.nodes[1].addr], &dist).await;

    // The app and its deep links: index.html, revalidated on every load, with
    // the security headers (the browsers below run the app under that policy).
    for path in ["/", "/room/general", "/config.json"] {
        let page = get(nginx.addr, path, &[]).await;
        assert_eq!(page.status, 200, "{path}");
        assert_eq!(page.header("cache-control"), Some("no-cache"), "{path}");
        let csp = page.header("content-security-policy").unwrap_or_else(|| panic!("{path} has a CSP"));
        assert!(
            csp.contains("script-src 'self' 'sha256-") && csp.contains("frame-ancestors 'none'"),
            "{csp}"
        );
        assert_eq!(page.header("x-content-type-options"), Some("nosniff"), "{path}");
        assert_eq!(page.header("x-frame-options"), Some("DENY"), "{path}");
        assert_eq!(page.header("referrer-policy"), Some("no-referrer"), "{path}");
        assert_eq!(page.header("server"), Some("nginx"), "no version in the Server header");
    }
    let index = get(nginx.addr, "/", &[]).await;
    assert!(String::from_utf8_lossy(&index.body).contains("<title>Roomcast</title>"));
    // Hashed assets: the right type, compressed, cached for good.
    let wasm = std::fs::read_dir(&dist)
        .expect("read dist")
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .find(|name| name.ends_with("_bg.wasm"))
        .expect("dist holds the wasm module");
    let asset = get(nginx.addr, &format!("/{wasm}"), &[("Accept-Encoding", "gzip")]).await;
    assert_eq!(asset.status, 200);
    assert_eq!(asset.header("content-type"), Some("application/wasm"));
    assert_eq!(asset.header("content-encoding"), Some("gzip"));
    assert_eq!(asset.header("cache-control"), Some("public, max-age=31536000, immutable"));
    assert!(asset.header("content-security-policy").is_some(), "assets carry the headers too");
    assert_eq!(get(nginx.addr, "/no-such-asset-0123456789abcdef.js", &[]).await.status, 404);

    // Operators can see both nodes behind the one address.
    let mut seen = Vec::new();
    for _ in 0..2 {
        let health = get(nginx.addr, "/healthz", &[]).await;
        assert_eq!(health.status, 200);
        let body = String::from_utf8_lossy(&health.body).into_owned();
        let node =
            (0..2).map(|i| cluster.node_name(i)).find(|name| body.contains(&format!("\"node\":\"{name}\"")));
        seen.push(node.unwrap_or_else(|| panic!("healthz names a node: {body}")).to_owned());
    }
    seen.sort();
    assert_eq!(seen, [cluster.node_name(0), cluster.node_name(1)], "round robin over both nodes");

    // Two people open the same address and land on different nodes.
    let driver = Driver::start().await;
    let mut ada = driver.browser("topology", "ada").await;
    let mut bob = driver.browser("topology", "bob").await;
    ada.open(&nginx.url("/")).await;
    ada.enter("Ada", "general").await;
    ada.wait_for_link("live").await;
    let ada_node = ada.node().await;
    bob.open(&nginx.url("/room/general")).await;
    bob.enter("Bob", "general").await;
    bob.wait_for_link("live").await;
    let bob_node = bob.node().await;
    assert_ne!(ada_node, bob_node, "round robin spreads the two connections over both nodes");

    ada.say("hello through nginx").await;
    assert_eq!(bob.wait_for_line("hello through nginx", "sent").await.author, "Ada");
    bob.say("hi from the other node").await;
    assert_eq!(ada.wait_for_line("hi from the other node", "sent").await.author, "Bob");
    bob.screenshot("before-failover").await;

    // Bob's node stops: he is sent to Ada's node, rejoins, and chat goes on.
    let bob_index = (0..2).find(|&i| cluster.node_name(i) == bob_node).expect("Bob's node is in the cluster");
    cluster.stop(bob_index).await;
    bob.wait_for(
        "Bob reconnects to the other node",
        "const el = document.querySelector('[data-node]'); return el ? el.dataset.node : null;",
        |value| (value.as_str() == Some(ada_node.as_str())).then_some(()),
    )
    .await;
    bob.wait_in_room("general").await;
    ada.say("still here after the failover?").await;
    bob.wait_for_line("still here after the failover?", "sent").await;
    bob.say("yes, on your node now").await;
    ada.wait_for_line("yes, on your node now", "sent").await;
    bob.screenshot("after-failover").await;

    ada.close().await;
    bob.close().await;
}
