//! The node-to-node form of a posted message. The hub turns it into the
//! client's `message` frame when it fans it out.
//!
//! Servers only: clients never see an envelope. On Redis a message travels as
//! `<id> <epoch> <envelope JSON>` on the room's channel; the id and the room's
//! epoch are put in front by the publishing script, which is the only place
//! ids are minted.

use std::borrow::Cow;

use roomcast_protocol::{MessageFrame, MessageId, RoomName};
use serde::{Deserialize, Serialize};

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
        }
    }

    pub fn to_json(&self) -> String {
        // Strings and integers only: serialization cannot fail.
        serde_json::to_string(self).expect("envelopes always serialize")
    }

    /// Splits a channel payload `<id> <epoch> <json>`.
    pub fn parse_payload(payload: &'a [u8]) -> Result<(MessageId, &'a str, Envelope<'a>), EnvelopeError> {
        let text = std::str::from_utf8(payload).map_err(|_| EnvelopeError::NotUtf8)?;
        let (id, rest) = text.split_once(' ').ok_or(EnvelopeError::NoId)?;
        let (epoch, json) = rest.split_once(' ').ok_or(EnvelopeError::NoId)?;
        Ok((id.parse()?, epoch, serde_json::from_str(json)?))
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
        assert_eq!(parsed, envelope);
        assert!(Envelope::parse_payload(b"1-0 {}").is_err(), "no epoch");
        assert!(Envelope::parse_payload(b"no-id-here").is_err());
        assert!(Envelope::parse_payload(b"1-0 {").is_err());
        assert!(Envelope::parse_payload(&[0xff, 0x20]).is_err());
    }
}
