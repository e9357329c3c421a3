//! What a room's history holds: its messages, and the edits and deletions
//! their authors made later.
//!
//! A change is an entry of its own, with an id from the same sequence as the
//! room's messages, so it travels their path: published and stored in one
//! step, delivered once and in order by the hub, replayed by recovery and by
//! gap fills. Beside the entries, the room keeps each changed message's
//! latest change (its [`Amendment`]), so a message read from history comes
//! in its current state: edited text, or a tombstone without text.
//!
//! Servers only. [`Stored::frame`] and [`message_frame`] make the client's
//! frames, for the protocol version each client speaks: a client older than
//! [`version::EDITS`] gets no change frames, sees edited messages with their
//! new text and does not get deleted ones at all.

use std::borrow::Cow;

use roomcast_protocol::{version, MessageFrame, MessageId, RoomName, ServerFrame};
use serde::{Deserialize, Serialize};

use super::envelope::Envelope;

/// An edit or a deletion of an earlier message, as it travels between nodes
/// and sits in the room's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change<'a> {
    /// The message changed.
    pub message: MessageId,
    /// Its new text; `None`: the message was deleted.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub text: Option<Cow<'a, str>>,
}

impl Change<'_> {
    pub fn into_owned(self) -> Change<'static> {
        Change { message: self.message, text: self.text.map(|text| Cow::Owned(text.into_owned())) }
    }

    pub fn to_json(&self) -> String {
        // A string id and a string: serialization cannot fail.
        serde_json::to_string(self).expect("changes always serialize")
    }

    /// The client's frame of this change, made at `at` in the room's history.
    pub fn to_frame<'b>(&'b self, room: &'b RoomName, at: MessageId) -> ServerFrame<'b> {
        let room = Cow::Borrowed(room.as_str());
        match &self.text {
            Some(text) => ServerFrame::Edited {
                room,
                id: self.message,
                text: Cow::Borrowed(text),
                edited_ts: at.ms,
                change_id: at,
            },
            None => ServerFrame::Deleted { room, id: self.message, change_id: at },
        }
    }

    /// The message's state after this change, made at `at`.
    pub fn amendment(&self, at: MessageId) -> Amendment {
        Amendment { at, text: self.text.as_deref().map(str::to_owned) }
    }
}

/// The latest change made to a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amendment {
    /// The change's id in the room's history; its time is when it was made.
    pub at: MessageId,
    /// The message's text now; `None`: deleted.
    pub text: Option<String>,
}

impl Amendment {
    /// Reads the form the Redis scripts keep in a room's changes hash:
    /// `e <change id> <text>` for an edit, `d <change id>` for a deletion.
    pub fn parse(raw: &[u8]) -> Option<Amendment> {
        let raw = std::str::from_utf8(raw).ok()?;
        if let Some(at) = raw.strip_prefix("d ") {
            return Some(Amendment { at: at.parse().ok()?, text: None });
        }
        let (at, text) = raw.strip_prefix("e ")?.split_once(' ')?;
        Some(Amendment { at: at.parse().ok()?, text: Some(text.to_owned()) })
    }
}

/// One entry of a room's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A message, in its current state: with its latest change, if any.
    Message { envelope: Envelope<'static>, amendment: Option<Amendment> },
    /// A change to an earlier message.
    Change(Change<'static>),
}

/// One entry as a room's history keeps it, at its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub id: MessageId,
    pub entry: Entry,
}

impl Stored {
    /// A message nobody has changed.
    pub fn message(id: MessageId, envelope: Envelope<'static>) -> Stored {
        Stored { id, entry: Entry::Message { envelope, amendment: None } }
    }

    pub fn delivery(&self) -> Delivery<'_> {
        match &self.entry {
            Entry::Message { envelope, amendment } => {
                Delivery::Message { envelope, amendment: amendment.as_ref() }
            }
            Entry::Change(change) => Delivery::Change(change),
        }
    }

    /// The entry as a client of `protocol` gets it from history (at a join,
    /// in a recovery); `None` when that version gets nothing of it.
    pub fn frame<'b>(&'b self, room: &'b RoomName, protocol: u32) -> Option<ServerFrame<'b>> {
        match &self.entry {
            Entry::Message { envelope, amendment } => {
                message_frame(envelope, amendment.as_ref(), room, self.id, protocol).map(ServerFrame::Message)
            }
            Entry::Change(change) => (protocol >= version::EDITS).then(|| change.to_frame(room, self.id)),
        }
    }

    /// A message entry as a client of `protocol` gets it in a `history`
    /// page; `None` for a change, and for what [`message_frame`] leaves out.
    pub fn message_frame<'b>(&'b self, room: &'b RoomName, protocol: u32) -> Option<MessageFrame<'b>> {
        match &self.entry {
            Entry::Message { envelope, amendment } => {
                message_frame(envelope, amendment.as_ref(), room, self.id, protocol)
            }
            Entry::Change(_) => None,
        }
    }
}

/// A history entry as a broker hands it to the hub.
#[derive(Debug, Clone, Copy)]
pub enum Delivery<'a> {
    /// A message: live (never changed yet), or read from history to fill a
    /// gap, with its latest change.
    Message { envelope: &'a Envelope<'a>, amendment: Option<&'a Amendment> },
    /// A change to an earlier message.
    Change(&'a Change<'a>),
}

impl<'a> From<&'a Envelope<'a>> for Delivery<'a> {
    /// A message as it is published: nobody has changed it yet.
    fn from(envelope: &'a Envelope<'a>) -> Self {
        Delivery::Message { envelope, amendment: None }
    }
}

/// The `message` frame of message `id` in its current state, as a client of
/// `protocol` sees it: with its edited text, from version 6 also with
/// `edited_ts`, and a deleted one as a tombstone. `None` for a deleted
/// message to a client before version 6, which could only show its text.
pub fn message_frame<'b>(
    envelope: &'b Envelope<'_>,
    amendment: Option<&'b Amendment>,
    room: &'b RoomName,
    id: MessageId,
    protocol: u32,
) -> Option<MessageFrame<'b>> {
    let mut frame = current_frame(envelope, amendment, room, id);
    if protocol < version::EDITS {
        if frame.deleted {
            return None;
        }
        frame.edited_ts = None;
    }
    Some(frame)
}

/// The `message` frame of message `id` in its current state for a client
/// that speaks edits: its edited text with `edited_ts`, or for a deleted
/// message a tombstone (empty `text`, `deleted`).
pub fn current_frame<'b>(
    envelope: &'b Envelope<'_>,
    amendment: Option<&'b Amendment>,
    room: &'b RoomName,
    id: MessageId,
) -> MessageFrame<'b> {
    let mut frame = envelope.to_frame(room, id);
    match amendment {
        None => {}
        Some(Amendment { at, text: Some(text) }) => {
            frame.text = Cow::Borrowed(text);
            frame.edited_ts = Some(at.ms);
        }
        Some(Amendment { text: None, .. }) => {
            frame.text = Cow::Borrowed("");
            frame.deleted = true;
        }
    }
    frame
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ada() -> Envelope<'static> {
        Envelope {
            origin: 1,
            session: 2,
            client_id: "c-1".into(),
            author: "Ada".into(),
            text: "helo".into(),
            user: None,
        }
    }

    #[test]
    fn amendments_read_the_form_the_changes_hash_keeps() {
        let edited = Amendment::parse(b"e 7-1 two words\nand a line").unwrap();
        assert_eq!(
            edited,
            Amendment { at: MessageId::new(7, 1), text: Some("two words\nand a line".into()) }
        );
        assert_eq!(Amendment::parse(b"d 8-0"), Some(Amendment { at: MessageId::new(8, 0), text: None }));
        for bad in [&b"x 8-0"[..], b"e 8-0", b"d nope", b"", &[0xff, 0x20]] {
            assert_eq!(Amendment::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_message_from_history_shows_its_latest_change_as_each_version_can() {
        let room = RoomName::parse("general").unwrap();
        let envelope = ada();
        let id = MessageId::new(5, 0);
        let edited = Amendment { at: MessageId::new(9, 0), text: Some("hello".into()) };
        let now = message_frame(&envelope, Some(&edited), &room, id, version::EDITS).unwrap();
        assert_eq!((now.text.as_ref(), now.edited_ts, now.deleted), ("hello", Some(9), false));
        let older = message_frame(&envelope, Some(&edited), &room, id, version::EDITS - 1).unwrap();
        assert_eq!((older.text.as_ref(), older.edited_ts), ("hello", None), "the new text, no new field");

        let deleted = Amendment { at: MessageId::new(9, 0), text: None };
        let tombstone = message_frame(&envelope, Some(&deleted), &room, id, version::EDITS).unwrap();
        assert_eq!(
            (tombstone.text.as_ref(), tombstone.deleted, tombstone.author.as_ref()),
            ("", true, "Ada")
        );
        assert_eq!(message_frame(&envelope, Some(&deleted), &room, id, version::EDITS - 1), None);
    }

    #[test]
    fn changes_reach_only_clients_that_speak_edits() {
        let room = RoomName::parse("general").unwrap();
        let change = Stored {
            id: MessageId::new(9, 0),
            entry: Entry::Change(Change { message: MessageId::new(5, 0), text: None }),
        };
        assert_eq!(
            change.frame(&room, version::EDITS),
            Some(ServerFrame::Deleted {
                room: "general".into(),
                id: MessageId::new(5, 0),
                change_id: change.id
            })
        );
        assert_eq!(change.frame(&room, version::EDITS - 1), None);
        assert_eq!(change.message_frame(&room, version::EDITS), None, "a change is not a message");
    }
}
