//! Protocol versions: clients of an older or newer release chat with this
//! one, as during a rolling deploy or with a web client cached in a browser.

use roomcast_protocol::version::OLDEST_SUPPORTED;
use roomcast_protocol::{ClientFrame, ErrorCode, ServerFrame, PROTOCOL_VERSION};

use crate::helpers::{Client, Cluster};
use crate::on_both_brokers;

on_both_brokers!(
    a_client_one_version_older_chats_with_a_current_one,
    a_client_newer_than_the_server_is_answered_in_the_servers_version,
    a_version_older_than_any_served_is_refused_and_the_connection_stays_usable,
);

/// Says hello as a client of `protocol` would (`None`: a version 1 client,
/// which has no such field) and returns the version the server agreed.
async fn greet(client: &mut Client, name: &str, protocol: Option<u32>) -> u32 {
    client.send(&ClientFrame::Hello { name: name.into(), protocol, token: None }).await;
    match client.next_frame().await {
        ServerFrame::Welcome { protocol, .. } => {
            client.name = name.to_owned();
            protocol
        }
        other => panic!("expected welcome, got {other:?}"),
    }
}

async fn a_client_one_version_older_chats_with_a_current_one(cluster: &Cluster) {
    let mut old = Client::connect(cluster.node(0)).await;
    assert_eq!(greet(&mut old, "old", None).await, 1, "a hello without a version is version 1");
    let mut new = Client::connect(cluster.node(1)).await;
    assert_eq!(greet(&mut new, "new", Some(PROTOCOL_VERSION)).await, PROTOCOL_VERSION);
    old.join("general").await;
    new.join("general").await;

    let from_old = old.say("general", "from the cached page").await;
    for client in [&mut old, &mut new] {
        let message = client.next_message().await;
        assert_eq!((message.author.as_ref(), message.text.as_ref()), ("old", "from the cached page"));
    }
    new.say("general", "from the new page").await;
    let seen_by_old = old.next_message().await;
    assert_eq!((seen_by_old.author.as_ref(), seen_by_old.client_id), ("new", None));
    assert_eq!(new.next_message().await.text, "from the new page");
    assert!(from_old.starts_with("old-"));
}

async fn a_client_newer_than_the_server_is_answered_in_the_servers_version(cluster: &Cluster) {
    let mut future = Client::connect(cluster.node(0)).await;
    assert_eq!(greet(&mut future, "future", Some(PROTOCOL_VERSION + 7)).await, PROTOCOL_VERSION);
    future.join("general").await;
    future.say("general", "hi").await;
    assert_eq!(future.next_message().await.text, "hi");
}

async fn a_version_older_than_any_served_is_refused_and_the_connection_stays_usable(cluster: &Cluster) {
    let mut ancient = Client::connect(cluster.node(0)).await;
    ancient
        .send(&ClientFrame::Hello {
            name: "ancient".into(),
            protocol: Some(OLDEST_SUPPORTED - 1),
            token: None,
        })
        .await;
    let refused = ancient.expect_error(ErrorCode::UnsupportedProtocol).await;
    assert!(
        matches!(&refused, ServerFrame::Error { message, .. } if message.contains("reload")),
        "{refused:?}"
    );
    ancient.send(&ClientFrame::join("general")).await;
    ancient.expect_error(ErrorCode::NameRequired).await;
    assert_eq!(greet(&mut ancient, "ancient", Some(PROTOCOL_VERSION)).await, PROTOCOL_VERSION);
    ancient.join("general").await;
}
