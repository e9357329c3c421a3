//! The frames themselves. Every frame is one JSON object in one WebSocket text
//! frame, with a `type` field naming the variant in snake_case.
//!
//! String fields are `Cow<str>` so a server can encode a frame from borrowed
//! data and decode a client frame without copying; clients mostly see owned
//! values. Fields travel as plain strings and are parsed into the types of
//! [`crate::names`] by whoever acts on them, so a bad value can be answered with
//! the precise error code.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::error::{DecodeError, ErrorCode};
use crate::id::MessageId;
use crate::limits::MAX_FRAME_BYTES;

/// What a client sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame<'a> {
    /// Choose (or change) the display name. Required before `join` and `send`.
    Hello {
        #[serde(borrow)]
        name: Cow<'a, str>,
        /// The newest protocol version the client speaks (see [`crate::version`]);
        /// absent from version 1 clients.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        protocol: Option<u32>,
        /// A signed identity token, where the server requires one (version 5).
        #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
        token: Option<Cow<'a, str>>,
    },
    /// Become a member of a room; answered by `joined` once messages flow.
    /// From version 3 a join may ask for the room's recent messages
    /// (`history`) or, after a reconnect, for everything after the last
    /// message seen (`since` in `epoch`).
    Join {
        #[serde(borrow)]
        room: Cow<'a, str>,
        /// How many of the room's most recent messages to deliver after `joined`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        history: Option<u32>,
        /// The id of the last message this client saw in the room.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        since: Option<MessageId>,
        /// The room's epoch (from an earlier `joined`) that `since` belongs to.
        #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
        epoch: Option<Cow<'a, str>>,
    },
    /// Stop being a member; answered by `left`.
    Leave {
        #[serde(borrow)]
        room: Cow<'a, str>,
    },
    /// Post a message to a joined room.
    Send {
        #[serde(borrow)]
        room: Cow<'a, str>,
        /// Chosen by the client; comes back on its own copy of the message.
        #[serde(borrow)]
        client_id: Cow<'a, str>,
        #[serde(borrow)]
        text: Cow<'a, str>,
    },
    /// Application-level liveness check (browsers cannot send WebSocket pings).
    Ping { nonce: u64 },
    /// Ask for a joined room's messages older than `before` (version 3).
    History {
        #[serde(borrow)]
        room: Cow<'a, str>,
        before: MessageId,
        /// At most this many (the server caps it at `limits::MAX_HISTORY_PAGE`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        limit: Option<u32>,
    },
    /// Ask who is in a joined room (version 4); answered by `members`.
    Members {
        #[serde(borrow)]
        room: Cow<'a, str>,
    },
    /// The user is typing in a joined room (version 4). Send it at most every
    /// few seconds while typing; the server drops extra ones.
    Typing {
        #[serde(borrow)]
        room: Cow<'a, str>,
    },
    /// Replace the text of a message this user sent to a joined room
    /// (version 6); answered by `edited` to every member.
    Edit {
        #[serde(borrow)]
        room: Cow<'a, str>,
        /// The message's id.
        id: MessageId,
        #[serde(borrow)]
        text: Cow<'a, str>,
    },
    /// Delete a message this user sent to a joined room (version 6);
    /// answered by `deleted` to every member.
    Delete {
        #[serde(borrow)]
        room: Cow<'a, str>,
        /// The message's id.
        id: MessageId,
    },
}

/// Every value of `type` a client may send, for telling "unknown type" from
/// "known type with bad fields".
const CLIENT_TYPES: [&str; 10] =
    ["hello", "join", "leave", "send", "ping", "history", "members", "typing", "edit", "delete"];

impl<'a> ClientFrame<'a> {
    /// A `hello` offering this build's protocol version, without a token.
    pub fn hello(name: impl Into<Cow<'a, str>>) -> Self {
        ClientFrame::Hello { name: name.into(), protocol: Some(crate::PROTOCOL_VERSION), token: None }
    }

    /// A plain `join`: no history, no recovery.
    pub fn join(room: impl Into<Cow<'a, str>>) -> Self {
        ClientFrame::Join { room: room.into(), history: None, since: None, epoch: None }
    }

    /// Decodes one text frame, checking its size before parsing anything.
    pub fn decode(text: &'a str) -> Result<Self, DecodeError> {
        if text.len() > MAX_FRAME_BYTES {
            return Err(DecodeError::TooLarge(text.len()));
        }
        // serde would also read a tagged enum from a JSON array; the protocol
        // only has objects.
        if !text.trim_start().starts_with('{') {
            return Err(DecodeError::Malformed("expected a JSON object".into()));
        }
        serde_json::from_str(text).map_err(|err| classify(text, err))
    }

    pub fn encode(&self) -> String {
        encode(self)
    }
}

/// Only the tag, to explain a frame that failed to decode.
#[derive(Deserialize)]
struct TagOnly<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<Cow<'a, str>>,
}

fn classify(text: &str, err: serde_json::Error) -> DecodeError {
    match serde_json::from_str::<TagOnly<'_>>(text) {
        Err(_) => DecodeError::Malformed(err.to_string()),
        Ok(TagOnly { kind: None }) => DecodeError::Invalid("missing field `type`".into()),
        Ok(TagOnly { kind: Some(kind) }) if !CLIENT_TYPES.contains(&kind.as_ref()) => {
            DecodeError::UnknownType(kind.chars().take(64).collect())
        }
        Ok(_) => DecodeError::Invalid(err.to_string()),
    }
}

/// What a server sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame<'a> {
    /// Answer to `hello`: the name as the server will show it (trimmed), the
    /// node serving this connection, this server's limits, and the protocol
    /// version spoken on this connection.
    Welcome {
        name: Cow<'a, str>,
        node: Cow<'a, str>,
        max_rooms: usize,
        max_text_chars: usize,
        /// Absent from servers that predate versions, which speak version 1.
        #[serde(default = "crate::version::unversioned")]
        protocol: u32,
        /// The user id from the identity token, where the server requires one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        user: Option<Cow<'a, str>>,
    },
    /// The connection is a member of `room` and receives its messages from now
    /// on. From version 3 it names the room's epoch and how many earlier
    /// messages follow it.
    Joined {
        room: Cow<'a, str>,
        /// The room's history incarnation; changes whenever its history is lost.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        epoch: Option<Cow<'a, str>>,
        /// How many `message` frames of the room's history follow, oldest first,
        /// before its live messages.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        history: Option<u32>,
        /// Only when the join gave `since`: whether the messages that follow are
        /// exactly the ones missed since then.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        recovered: Option<bool>,
    },
    /// The connection is no longer a member of `room`.
    Left { room: Cow<'a, str> },
    /// A message posted to a room the connection has joined.
    Message(MessageFrame<'a>),
    /// A request was refused, or a frame could not be understood.
    Error {
        code: ErrorCode,
        message: Cow<'a, str>,
        /// The room the failed request named, when it named one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        room: Option<Cow<'a, str>>,
        /// The `client_id` of the `send` that failed, so the client can mark it unsent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_id: Option<Cow<'a, str>>,
        /// The message id of the `edit` or `delete` that failed (version 6).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<MessageId>,
        /// With `rate_limited`: how many milliseconds to wait before the same
        /// request can succeed (version 6).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after_ms: Option<u64>,
    },
    /// Answer to `ping`, echoing its nonce.
    Pong { nonce: u64 },
    /// Messages of `room` were lost to this connection while it stayed
    /// connected (its node lost the bus for longer than the history covers,
    /// or the history itself was lost). `epoch` is the room's history now.
    /// Version 3.
    Gap { room: Cow<'a, str>, epoch: Cow<'a, str> },
    /// Answer to `members`: everyone in the room, by name (version 4).
    Members { room: Cow<'a, str>, members: Vec<MemberCount<'a>> },
    /// Who came and went in a joined room since the last `presence` or
    /// `members` (version 4): each changed name with its new count.
    Presence { room: Cow<'a, str>, changes: Vec<MemberCount<'a>> },
    /// Someone else in the room is typing (version 4).
    Typing { room: Cow<'a, str>, name: Cow<'a, str> },
    /// Answer to `history`: messages older than `before`, oldest first.
    History {
        room: Cow<'a, str>,
        before: MessageId,
        messages: Vec<MessageFrame<'a>>,
        /// Older messages remain: ask again with the first id as `before`.
        more: bool,
    },
    /// Message `id` of a joined room was edited by its author (version 6).
    Edited {
        room: Cow<'a, str>,
        /// The message that changed.
        id: MessageId,
        /// Its text now.
        text: Cow<'a, str>,
        /// When the broker accepted the edit, in milliseconds since the Unix epoch.
        edited_ts: u64,
        /// The edit's own place in the room's history, ordered with message
        /// ids: an offset for `since` like a message id.
        change_id: MessageId,
    },
    /// Message `id` of a joined room was deleted by its author (version 6):
    /// show a tombstone in its place.
    Deleted {
        room: Cow<'a, str>,
        /// The message that was deleted.
        id: MessageId,
        /// The deletion's own place in the room's history, as in `edited`.
        change_id: MessageId,
    },
}

/// One name in a room's member list: how many connections use it there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberCount<'a> {
    pub name: Cow<'a, str>,
    /// Connections (tabs, devices) in the room under this name; 0 in a
    /// `presence` change means the name left.
    pub count: u32,
}

/// One chat message as members receive it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageFrame<'a> {
    pub id: MessageId,
    pub room: Cow<'a, str>,
    pub author: Cow<'a, str>,
    pub text: Cow<'a, str>,
    /// When the server accepted the message, in milliseconds since the Unix epoch.
    pub ts: u64,
    /// Present only on the sender's own copy: the id it chose in `send`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<Cow<'a, str>>,
    /// The sender's user id, where the server requires identity tokens: the
    /// same for every connection (tab, device) of one person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<Cow<'a, str>>,
    /// From history, version 6: when the message was last edited (`text` is
    /// the edited text), in milliseconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_ts: Option<u64>,
    /// From history, version 6: the message was deleted; `text` is empty.
    #[serde(default, skip_serializing_if = "is_false")]
    pub deleted: bool,
}

fn is_false(flag: &bool) -> bool {
    !flag
}

impl<'a> ServerFrame<'a> {
    /// A `joined` without the fields of version 3.
    pub fn joined(room: impl Into<Cow<'a, str>>) -> Self {
        ServerFrame::Joined { room: room.into(), epoch: None, history: None, recovered: None }
    }

    pub fn error(code: ErrorCode, message: impl Into<Cow<'a, str>>) -> Self {
        ServerFrame::Error {
            code,
            message: message.into(),
            room: None,
            client_id: None,
            id: None,
            retry_after_ms: None,
        }
    }

    pub fn encode(&self) -> String {
        encode(self)
    }

    pub fn decode(text: &'a str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }
}

fn encode<T: Serialize>(frame: &T) -> String {
    // Frames hold only strings, integers and string-keyed structs, which
    // serde_json always serializes; an error here is a bug in this crate.
    serde_json::to_string(frame).expect("protocol frames always serialize")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn round_trip_client(frame: ClientFrame<'_>, expected: Value) {
        let text = frame.encode();
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), expected);
        assert_eq!(ClientFrame::decode(&text).unwrap(), frame);
    }

    fn round_trip_server(frame: ServerFrame<'_>, expected: Value) {
        let text = frame.encode();
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), expected);
        assert_eq!(ServerFrame::decode(&text).unwrap(), frame);
    }

    #[test]
    fn every_client_frame_round_trips_with_its_documented_shape() {
        round_trip_client(
            ClientFrame::Hello { name: "Ada".into(), protocol: Some(2), token: None },
            json!({"type": "hello", "name": "Ada", "protocol": 2}),
        );
        round_trip_client(
            ClientFrame::Hello { name: "Ada".into(), protocol: None, token: None },
            json!({"type": "hello", "name": "Ada"}),
        );
        round_trip_client(
            ClientFrame::Hello { name: "Ada".into(), protocol: Some(5), token: Some("eyJ.x.y".into()) },
            json!({"type": "hello", "name": "Ada", "protocol": 5, "token": "eyJ.x.y"}),
        );
        round_trip_client(ClientFrame::join("general"), json!({"type": "join", "room": "general"}));
        round_trip_client(
            ClientFrame::Join {
                room: "general".into(),
                history: Some(50),
                since: Some(MessageId::new(1_764_480_000_123, 0)),
                epoch: Some("1764400000.123456".into()),
            },
            json!({"type": "join", "room": "general", "history": 50, "since": "1764480000123-0", "epoch": "1764400000.123456"}),
        );
        round_trip_client(
            ClientFrame::History { room: "general".into(), before: MessageId::new(5, 1), limit: Some(20) },
            json!({"type": "history", "room": "general", "before": "5-1", "limit": 20}),
        );
        round_trip_client(
            ClientFrame::Leave { room: "general".into() },
            json!({"type": "leave", "room": "general"}),
        );
        round_trip_client(
            ClientFrame::Send {
                room: "general".into(),
                client_id: "c-1".into(),
                text: "hi \"you\"\n".into(),
            },
            json!({"type": "send", "room": "general", "client_id": "c-1", "text": "hi \"you\"\n"}),
        );
        round_trip_client(ClientFrame::Ping { nonce: 7 }, json!({"type": "ping", "nonce": 7}));
        round_trip_client(
            ClientFrame::Members { room: "general".into() },
            json!({"type": "members", "room": "general"}),
        );
        round_trip_client(
            ClientFrame::Typing { room: "general".into() },
            json!({"type": "typing", "room": "general"}),
        );
        round_trip_client(
            ClientFrame::Edit {
                room: "general".into(),
                id: MessageId::new(1_764_480_000_123, 0),
                text: "hello, world".into(),
            },
            json!({"type": "edit", "room": "general", "id": "1764480000123-0", "text": "hello, world"}),
        );
        round_trip_client(
            ClientFrame::Delete { room: "general".into(), id: MessageId::new(1_764_480_000_123, 0) },
            json!({"type": "delete", "room": "general", "id": "1764480000123-0"}),
        );
    }

    #[test]
    fn every_server_frame_round_trips_with_its_documented_shape() {
        round_trip_server(
            ServerFrame::Welcome {
                name: "Ada".into(),
                node: "node-a".into(),
                max_rooms: 32,
                max_text_chars: 2000,
                protocol: 2,
                user: None,
            },
            json!({"type": "welcome", "name": "Ada", "node": "node-a", "max_rooms": 32, "max_text_chars": 2000, "protocol": 2}),
        );
        round_trip_server(
            ServerFrame::Welcome {
                name: "Ada".into(),
                node: "node-a".into(),
                max_rooms: 32,
                max_text_chars: 2000,
                protocol: 5,
                user: Some("u-42".into()),
            },
            json!({"type": "welcome", "name": "Ada", "node": "node-a", "max_rooms": 32, "max_text_chars": 2000, "protocol": 5, "user": "u-42"}),
        );
        round_trip_server(ServerFrame::joined("general"), json!({"type": "joined", "room": "general"}));
        round_trip_server(
            ServerFrame::Joined {
                room: "general".into(),
                epoch: Some("1764400000.123456".into()),
                history: Some(2),
                recovered: Some(true),
            },
            json!({"type": "joined", "room": "general", "epoch": "1764400000.123456", "history": 2, "recovered": true}),
        );
        round_trip_server(
            ServerFrame::Left { room: "general".into() },
            json!({"type": "left", "room": "general"}),
        );
        let message = MessageFrame {
            id: MessageId::new(1_764_480_000_123, 0),
            room: "general".into(),
            author: "Ada".into(),
            text: "hello".into(),
            ts: 1_764_480_000_123,
            client_id: None,
            user: None,
            edited_ts: None,
            deleted: false,
        };
        round_trip_server(
            ServerFrame::Message(message.clone()),
            json!({"type": "message", "id": "1764480000123-0", "room": "general", "author": "Ada", "text": "hello", "ts": 1_764_480_000_123u64}),
        );
        round_trip_server(
            ServerFrame::Message(MessageFrame { client_id: Some("c-1".into()), ..message.clone() }),
            json!({"type": "message", "id": "1764480000123-0", "room": "general", "author": "Ada", "text": "hello", "ts": 1_764_480_000_123u64, "client_id": "c-1"}),
        );
        round_trip_server(
            ServerFrame::Message(MessageFrame { user: Some("u-42".into()), ..message.clone() }),
            json!({"type": "message", "id": "1764480000123-0", "room": "general", "author": "Ada", "text": "hello", "ts": 1_764_480_000_123u64, "user": "u-42"}),
        );
        round_trip_server(
            ServerFrame::Message(MessageFrame {
                text: "hello, world".into(),
                edited_ts: Some(1_764_480_005_000),
                ..message.clone()
            }),
            json!({"type": "message", "id": "1764480000123-0", "room": "general", "author": "Ada", "text": "hello, world", "ts": 1_764_480_000_123u64, "edited_ts": 1_764_480_005_000u64}),
        );
        round_trip_server(
            ServerFrame::Message(MessageFrame { text: "".into(), deleted: true, ..message }),
            json!({"type": "message", "id": "1764480000123-0", "room": "general", "author": "Ada", "text": "", "ts": 1_764_480_000_123u64, "deleted": true}),
        );
        round_trip_server(
            ServerFrame::Edited {
                room: "general".into(),
                id: MessageId::new(1_764_480_000_123, 0),
                text: "hello, world".into(),
                edited_ts: 1_764_480_005_000,
                change_id: MessageId::new(1_764_480_005_000, 0),
            },
            json!({"type": "edited", "room": "general", "id": "1764480000123-0", "text": "hello, world", "edited_ts": 1_764_480_005_000u64, "change_id": "1764480005000-0"}),
        );
        round_trip_server(
            ServerFrame::Deleted {
                room: "general".into(),
                id: MessageId::new(1_764_480_000_123, 0),
                change_id: MessageId::new(1_764_480_007_000, 0),
            },
            json!({"type": "deleted", "room": "general", "id": "1764480000123-0", "change_id": "1764480007000-0"}),
        );
        round_trip_server(
            ServerFrame::error(ErrorCode::MalformedFrame, "bad"),
            json!({"type": "error", "code": "malformed_frame", "message": "bad"}),
        );
        round_trip_server(
            ServerFrame::Error {
                code: ErrorCode::Unavailable,
                message: "try again".into(),
                room: Some("general".into()),
                client_id: Some("c-2".into()),
                id: None,
                retry_after_ms: None,
            },
            json!({"type": "error", "code": "unavailable", "message": "try again", "room": "general", "client_id": "c-2"}),
        );
        round_trip_server(
            ServerFrame::Error {
                code: ErrorCode::RateLimited,
                message: "slow down".into(),
                room: Some("general".into()),
                client_id: Some("c-3".into()),
                id: None,
                retry_after_ms: Some(250),
            },
            json!({"type": "error", "code": "rate_limited", "message": "slow down", "room": "general", "client_id": "c-3", "retry_after_ms": 250}),
        );
        round_trip_server(
            ServerFrame::Error {
                code: ErrorCode::Forbidden,
                message: "you can only change your own messages".into(),
                room: Some("general".into()),
                client_id: None,
                id: Some(MessageId::new(1_764_480_000_123, 0)),
                retry_after_ms: None,
            },
            json!({"type": "error", "code": "forbidden", "message": "you can only change your own messages", "room": "general", "id": "1764480000123-0"}),
        );
        for (code, wire) in
            [(ErrorCode::UnknownMessage, "unknown_message"), (ErrorCode::MessageDeleted, "message_deleted")]
        {
            let frame = ServerFrame::error(code, "m");
            round_trip_server(frame, json!({"type": "error", "code": wire, "message": "m"}));
        }
        round_trip_server(ServerFrame::Pong { nonce: 7 }, json!({"type": "pong", "nonce": 7}));
        let ada = MemberCount { name: "Ada".into(), count: 2 };
        round_trip_server(
            ServerFrame::Members { room: "general".into(), members: vec![ada.clone()] },
            json!({"type": "members", "room": "general", "members": [{"name": "Ada", "count": 2}]}),
        );
        round_trip_server(
            ServerFrame::Presence {
                room: "general".into(),
                changes: vec![ada, MemberCount { name: "Bob".into(), count: 0 }],
            },
            json!({"type": "presence", "room": "general", "changes": [{"name": "Ada", "count": 2}, {"name": "Bob", "count": 0}]}),
        );
        round_trip_server(
            ServerFrame::Typing { room: "general".into(), name: "Ada".into() },
            json!({"type": "typing", "room": "general", "name": "Ada"}),
        );
        round_trip_server(
            ServerFrame::Gap { room: "general".into(), epoch: "1764400000.123456".into() },
            json!({"type": "gap", "room": "general", "epoch": "1764400000.123456"}),
        );
        let old = MessageFrame {
            id: MessageId::new(1_764_470_000_000, 0),
            room: "general".into(),
            author: "Bob".into(),
            text: "earlier".into(),
            ts: 1_764_470_000_000,
            client_id: None,
            user: None,
            edited_ts: None,
            deleted: false,
        };
        round_trip_server(
            ServerFrame::History {
                room: "general".into(),
                before: MessageId::new(1_764_480_000_123, 0),
                messages: vec![old],
                more: false,
            },
            json!({"type": "history", "room": "general", "before": "1764480000123-0", "messages": [
                {"id": "1764470000000-0", "room": "general", "author": "Bob", "text": "earlier", "ts": 1_764_470_000_000u64}
            ], "more": false}),
        );
    }

    #[test]
    fn a_welcome_from_a_server_without_versions_means_version_1() {
        let old =
            "{\"type\":\"welcome\",\"name\":\"Ada\",\"node\":\"n\",\"max_rooms\":32,\"max_text_chars\":2000}";
        assert!(matches!(ServerFrame::decode(old), Ok(ServerFrame::Welcome { protocol: 1, .. })));
    }

    #[test]
    fn decode_errors_say_what_is_wrong() {
        let check = |input: &str, code: ErrorCode| {
            let err = ClientFrame::decode(input).expect_err(input);
            assert_eq!(err.code(), code, "{input}: {err}");
        };
        check("not json", ErrorCode::MalformedFrame);
        check("[1,2]", ErrorCode::MalformedFrame);
        check("[\"join\",\"general\"]", ErrorCode::MalformedFrame);
        check("{\"type\":", ErrorCode::MalformedFrame);
        check("{\"room\":\"x\"}", ErrorCode::InvalidFrame);
        check("{\"type\":\"dance\"}", ErrorCode::UnknownType);
        check("{\"type\":7}", ErrorCode::MalformedFrame);
        check("{\"type\":\"join\"}", ErrorCode::InvalidFrame);
        check("{\"type\":\"join\",\"room\":5}", ErrorCode::InvalidFrame);
        check("{\"type\":\"ping\",\"nonce\":-1}", ErrorCode::InvalidFrame);
        check("{\"type\":\"edit\",\"room\":\"a\",\"id\":\"x\",\"text\":\"t\"}", ErrorCode::InvalidFrame);
        check("{\"type\":\"delete\",\"room\":\"a\"}", ErrorCode::InvalidFrame);
        check(
            &format!("{{\"type\":\"hello\",\"name\":\"{}\"}}", "a".repeat(MAX_FRAME_BYTES)),
            ErrorCode::FrameTooLarge,
        );
    }

    #[test]
    fn unknown_fields_are_ignored_for_forward_compatibility() {
        let frame = ClientFrame::decode("{\"type\":\"join\",\"room\":\"a\",\"extra\":1}").unwrap();
        assert_eq!(frame, ClientFrame::join("a"));
        let frame =
            ServerFrame::decode("{\"type\":\"error\",\"code\":\"from_the_future\",\"message\":\"m\"}")
                .unwrap();
        assert!(matches!(frame, ServerFrame::Error { code: ErrorCode::Unknown, .. }));
    }

    #[test]
    fn decoding_borrows_plain_strings_and_owns_escaped_ones() {
        let text = "{\"type\":\"send\",\"room\":\"a\",\"client_id\":\"c\",\"text\":\"line\\nbreak\"}";
        match ClientFrame::decode(text).unwrap() {
            ClientFrame::Send { room, text, .. } => {
                assert_eq!(text, "line\nbreak");
                assert_eq!(room, "a");
            }
            other => panic!("decoded {other:?}"),
        }
    }
}
