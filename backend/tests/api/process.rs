//! The server binary as the container image runs it: configured by
//! environment variables only, probed by `--healthcheck` (the image's
//! HEALTHCHECK), and drained by SIGTERM (what `docker stop` sends).

use std::process::Stdio;

use roomcast_protocol::{close, ClientFrame, ServerFrame};
use tokio::process::Command;

use crate::helpers::{eventually, free_port, unique_prefix, Client, RedisServer, PATIENCE};

pub const BINARY: &str = env!("CARGO_BIN_EXE_roomcast-server");

pub fn server(env: &[(&str, String)]) -> Command {
    let mut command = Command::new(BINARY);
    command
        .env_clear()
        .envs(env.iter().map(|(key, value)| (*key, value)))
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

pub async fn healthcheck(env: &[(&str, String)]) -> bool {
    server(env).arg("--healthcheck").status().await.expect("run --healthcheck").success()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_takes_env_settings_passes_its_healthcheck_and_drains_on_sigterm() {
    let redis = RedisServer::start().await;
    let env = [
        ("BIND", format!("127.0.0.1:{}", free_port())),
        ("REDIS_URL", redis.url()),
        ("NODE_NAME", "node-from-env".to_owned()),
        ("CHANNEL_PREFIX", unique_prefix()),
        ("LOG_FORMAT", "json".to_owned()),
        ("STATIC_DIR", "/nonexistent".to_owned()),
    ];
    assert!(!healthcheck(&env).await, "nothing is listening yet");
    let mut node = server(&env).kill_on_drop(true).spawn().expect("start roomcast-server");
    eventually("--healthcheck passes", || healthcheck(&env)).await;

    // The settings came from the environment: the node greets under its name.
    let mut client = Client::connect_to(&format!("ws://{}/ws", env[0].1)).await;
    client.send(&ClientFrame::hello("Ada")).await;
    match client.next_frame().await {
        ServerFrame::Welcome { node, .. } => assert_eq!(node, "node-from-env"),
        other => panic!("expected welcome, got {other:?}"),
    }
    client.join("general").await;

    // SIGTERM: the client is told to reconnect elsewhere, the process exits cleanly.
    let pid = node.id().expect("the node is running").to_string();
    let signalled = Command::new("kill").args(["-TERM", &pid]).status().await.expect("run kill");
    assert!(signalled.success());
    assert_eq!(client.expect_closed().await, Some(close::SERVICE_RESTART));
    let exit =
        tokio::time::timeout(PATIENCE, node.wait()).await.expect("the node exits in time").expect("wait");
    assert!(exit.success(), "a drained node exits with 0, not {exit}");
    assert!(!healthcheck(&env).await, "the healthcheck fails once the node is gone");
}
