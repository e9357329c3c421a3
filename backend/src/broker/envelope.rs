//! The node-to-node form of a posted message. The hub turns it into the
//! client's `message` frame when it fans it out.
//!
//! Servers only: clients never see an envelope. On Redis a message travels as
//! `<id> <epoch> <envelope JSON>` on the room's channel, and a change to a
//! message as `<id> <epoch> change <change JSON>`; the id and the room's
//! epoch are put in front by the publishing scripts, which are the only place
//! ids are minted.

use std::borrow::Cow;

use roomcast_protocol::{MessageFrame, MessageId, RoomName};
use serde::{Deserialize, Serialize};

use super::entry::{Change, Delivery};

/// Identifies a session on its node; with the node's `origin` it names the
/// sender of a message anywhere in the fleet.
pub type SessionId = u64;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope<'a> {
    /// Random per node process; with `session` it names the sender, so the
    /// sender's node can hand it the copy that carries its `client_id`.
    pub origin: u64,
    pub session: SessionId,
    #[serde(borrow)]
    pub client_id: Cow<'a, str>,
    #[serde(borrow)]
    pub author: Cow<'a, str>,
    #[serde(borrow)]
    pub text: Cow<'a, str>,
    /// The sender's user id, where identity tokens are required.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub user: Option<Cow<'a, str>>,
}

/// Someone typing in a room, as it travels between nodes. Never stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Typist<'a> {
    pub origin: u64,
    pub session: SessionId,
    #[serde(borrow)]
    pub name: Cow<'a, str>,
}

#[derive(Debug, thiserror::Error)]
pub enum EnvelopeError {
    #[error("payload is not UTF-8")]
    NotUtf8,
    #[error("payload has no id and epoch in front")]
    NoId,
    #[error("bad id: {0}")]
    BadId(#[from] roomcast_protocol::id::ParseIdError),
    #[error("bad envelope: {0}")]
    BadJson(#[from] serde_json::Error),
}

impl<'a> Envelope<'a> {
    /// The same envelope owning its strings, to be kept in a history.
    pub fn into_owned(self) -> Envelope<'static> {
        Envelope {
            origin: self.origin,
            session: self.session,
            client_id: Cow::Owned(self.client_id.into_owned()),
            author: Cow::Owned(self.author.into_owned()),
            text: Cow::Owned(self.text.into_owned()),
            user: self.user.map(|user| Cow::Owned(user.into_owned())),
        }
    }

    /// The client's form of this message, as everyone but its sender sees it.
    pub fn to_frame<'b>(&'b self, room: &'b RoomName, id: MessageId) -> MessageFrame<'b> {
        MessageFrame {
            id,
            room: Cow::Borrowed(room.as_str()),
            author: Cow::Borrowed(&self.author),
            text: Cow::Borrowed(&self.text),
            ts: id.ms,
            client_id: None,
            user: self.user.as_deref().map(Cow::Borrowed),
            edited_ts: None,
            deleted: false,
        }
    }

    /// Who may edit or delete this message (see [`author_key`]).
    pub fn author_key(&self) -> String {
        author_key(self.origin, self.session, self.user.as_deref())
    }

    pub fn to_json(&self) -> String {
        // Strings and integers only: serialization cannot fail.
        serde_json::to_string(self).expect("envelopes always serialize")
    }

    /// Splits a channel payload `<id> <epoch> <json>` or
    /// `<id> <epoch> change <json>`.
    pub fn parse_payload(payload: &'a [u8]) -> Result<(MessageId, &'a str, Posted<'a>), EnvelopeError> {
        let text = std::str::from_utf8(payload).map_err(|_| EnvelopeError::NotUtf8)?;
        let (id, rest) = text.split_once(' ').ok_or(EnvelopeError::NoId)?;
        let (epoch, json) = rest.split_once(' ').ok_or(EnvelopeError::NoId)?;
        let posted = match json.strip_prefix(CHANGE_TAG) {
            Some(change) => Posted::Change(serde_json::from_str(change)?),
            None => Posted::Message(serde_json::from_str(json)?),
        };
        Ok((id.parse()?, epoch, posted))
    }
}

/// What comes before a change's JSON on a room's channel.
pub const CHANGE_TAG: &str = "change ";

/// What a room's channel carries: a message or a change to one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Posted<'a> {
    Message(Envelope<'a>),
    Change(Change<'a>),
}

impl Posted<'_> {
    pub fn delivery(&self) -> Delivery<'_> {
        match self {
            Posted::Message(envelope) => Delivery::from(envelope),
            Posted::Change(change) => Delivery::Change(change),
        }
    }
}

/// Who may edit or delete a message: the user, where identity tokens are
/// required, so any of their connections may; otherwise only the connection
/// that sent it, named by its node's `origin` and its session number. Kept
/// with the message in the history, never sent to clients.
pub fn author_key(origin: u64, session: SessionId, user: Option<&str>) -> String {
    match user {
        Some(user) => format!("u:{user}"),
        None => format!("s:{origin:016x}:{session}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_carry_the_id_in_front_of_the_envelope() {
        let envelope = Envelope {
            origin: 9,
            session: 4,
            client_id: "c-1".into(),
            author: "Ada".into(),
            text: "hi \"there\"".into(),
            user: None,
        };
        let payload = format!("1700000000000-3 1699000000.5 {}", envelope.to_json());
        let (id, epoch, parsed) = Envelope::parse_payload(payload.as_bytes()).unwrap();
        assert_eq!((id, epoch), (MessageId::new(1_700_000_000_000, 3), "1699000000.5"));
        assert_eq!(parsed, Posted::Message(envelope));
        let change = Change { message: MessageId::new(1_700_000_000_000, 3), text: Some("hi there".into()) };
        let payload = format!("1700000000500-0 1699000000.5 {CHANGE_TAG}{}", change.to_json());
        let (id, _, parsed) = Envelope::parse_payload(payload.as_bytes()).unwrap();
        assert_eq!((id, parsed), (MessageId::new(1_700_000_000_500, 0), Posted::Change(change)));
        assert!(Envelope::parse_payload(b"1-0 {}").is_err(), "no epoch");
        assert!(Envelope::parse_payload(b"no-id-here").is_err());
        assert!(Envelope::parse_payload(b"1-0 {").is_err());
        assert!(Envelope::parse_payload(&[0xff, 0x20]).is_err());
        assert!(Envelope::parse_payload(b"1-0 e change {}").is_err(), "a change without its message");
    }

    #[test]
    fn the_author_is_the_user_where_there_is_one_and_else_the_connection() {
        assert_eq!(author_key(0xab, 7, Some("u-42")), "u:u-42");
        assert_eq!(author_key(0xab, 7, None), "s:00000000000000ab:7");
        assert_ne!(author_key(0xab, 7, None), author_key(0xac, 7, None), "same session number, other node");
    }
}
