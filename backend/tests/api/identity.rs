//! Signed identity: with `AUTH_SECRET` set, only a valid token gets in; the
//! token decides the name, the rooms and how long the connection lasts, and
//! every message says which user sent it.

use crate::helpers::{
    identity_token as token, unix_now as now, with_identity, Client, Cluster, TestNode, TEST_SECRET as SECRET,
};
use crate::on_both_brokers;
use roomcast_protocol::close::TOKEN_EXPIRED;
use roomcast_protocol::{ClientFrame, ErrorCode, ServerFrame, PROTOCOL_VERSION};

on_both_brokers!(
    tweak = with_identity;
    only_a_valid_token_gets_in_and_it_decides_name_rooms_and_user,
    a_connection_ends_when_its_token_expires,
);

/// Says hello with `token`; returns the welcome or the refusal.
async fn greet(node: &TestNode, token: Option<String>) -> (Client, ServerFrame<'static>) {
    let mut client = Client::connect(node).await;
    let hello = ClientFrame::Hello {
        name: "whoever".into(),
        protocol: Some(PROTOCOL_VERSION),
        token: token.map(Into::into),
    };
    client.send(&hello).await;
    let answer = client.next_frame().await;
    (client, answer)
}

async fn only_a_valid_token_gets_in_and_it_decides_name_rooms_and_user(cluster: &Cluster) {
    let later = now() + 3600;
    for bad in [
        None,
        Some(token("not-the-secret-at-all", "u-1", "Ada", &["*"], later)),
        Some(token(SECRET, "u-1", "Ada", &["*"], now() - 10)),
    ] {
        let (_, answer) = greet(cluster.node(0), bad).await;
        assert!(matches!(answer, ServerFrame::Error { code: ErrorCode::Unauthorized, .. }), "{answer:?}");
    }

    let (mut ada, welcome) =
        greet(cluster.node(0), Some(token(SECRET, "u-1", "Ada", &["general", "team-*"], later))).await;
    match welcome {
        ServerFrame::Welcome { name, user, .. } => {
            assert_eq!((name.as_ref(), user.as_deref()), ("Ada", Some("u-1")))
        }
        other => panic!("expected welcome, got {other:?}"),
    }
    ada.name = "ada".into();
    ada.join("general").await;
    ada.join("team-rust").await;
    ada.send(&ClientFrame::join("random")).await;
    let refused = ada.expect_error(ErrorCode::Forbidden).await;
    assert!(
        matches!(&refused, ServerFrame::Error { room: Some(room), .. } if room == "random"),
        "{refused:?}"
    );

    // Ada's second tab, on the other node: the same user.
    let (mut tab, _) = greet(cluster.node(1), Some(token(SECRET, "u-1", "Ada", &["general"], later))).await;
    tab.name = "tab".into();
    tab.join("general").await;
    ada.say("general", "from the first tab").await;
    let seen = tab.next_message().await;
    assert_eq!((seen.author.as_ref(), seen.user.as_deref()), ("Ada", Some("u-1")));
}

async fn a_connection_ends_when_its_token_expires(cluster: &Cluster) {
    let (mut ada, welcome) =
        greet(cluster.node(0), Some(token(SECRET, "u-1", "Ada", &["*"], now() + 2))).await;
    assert!(matches!(welcome, ServerFrame::Welcome { .. }), "{welcome:?}");
    assert_eq!(ada.expect_closed().await, Some(TOKEN_EXPIRED));
}
