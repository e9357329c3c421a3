//! The hub's side of presence and typing: the node's [`Presence`] book, the
//! `presence` frames its ticker sends members, and typing fan-out.

use std::borrow::Cow;
use std::sync::MutexGuard;

use axum::extract::ws::{Message, Utf8Bytes};
use roomcast_protocol::{version, MemberCount, RoomName, ServerFrame};

use super::Hub;
use crate::broker::Typist;
use crate::presence::{Names, Presence};

/// The most names one `presence` frame lists.
pub const NAMES_PER_FRAME: usize = 16;

/// What the presence ticker has to do: rooms whose local part to publish to
/// the other nodes, and rooms whose members to tell of changes.
pub type PresenceWork = (Vec<(RoomName, Names)>, Vec<(RoomName, Vec<(String, u32)>)>);

impl Hub {
    pub(super) fn people(&self) -> MutexGuard<'_, Presence> {
        // Bookkeeping only; a panic inside cannot leave it half-changed in a
        // way that matters more than stopping presence would.
        self.presence.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A session counted as `name` in `room` (after its `joined`).
    pub fn present(&self, room: &RoomName, name: &str) {
        self.people().add(room, name);
    }

    /// A session counted as `name` in `room` left it.
    pub fn absent(&self, room: &RoomName, name: &str) {
        self.people().remove(room, name);
    }

    /// Everyone in `room`, by name.
    pub fn members(&self, room: &RoomName) -> Vec<MemberCount<'static>> {
        let names = self.people().members(room);
        names.into_iter().map(|(name, count)| MemberCount { name: Cow::Owned(name), count }).collect()
    }

    /// Publishing `room`'s part failed: try again next round.
    pub fn republish_presence(&self, room: &RoomName) {
        self.people().mark_to_publish(room);
    }

    pub fn take_presence_work(&self) -> PresenceWork {
        let mut people = self.people();
        (people.take_to_publish(), people.take_changes())
    }

    /// Tells the members of `room` who speak presence what changed, at
    /// most [`NAMES_PER_FRAME`] names a frame: in a join storm one frame of
    /// every newcomer would make each member's socket keep a write buffer of
    /// that size for good, where a few small frames go out in the same write.
    pub fn announce(&self, room: &RoomName, changes: Vec<(String, u32)>) {
        let frames: Vec<Utf8Bytes> = changes
            .chunks(NAMES_PER_FRAME)
            .map(|part| {
                let changes = part
                    .iter()
                    .map(|(name, count)| MemberCount { name: Cow::Borrowed(name.as_str()), count: *count })
                    .collect();
                Utf8Bytes::from(
                    ServerFrame::Presence { room: Cow::Borrowed(room.as_str()), changes }.encode(),
                )
            })
            .collect();
        self.push_to_speakers(room, &frames, None);
    }

    pub(super) fn push_typing(&self, room: &RoomName, typist: &Typist<'_>) {
        let frame =
            ServerFrame::Typing { room: Cow::Borrowed(room.as_str()), name: Cow::Borrowed(&typist.name) };
        let sender = (typist.origin == self.origin).then_some(typist.session);
        self.push_to_speakers(room, &[Utf8Bytes::from(frame.encode())], sender);
    }

    /// Pushes presence-era frames, in order, to the live members of `room`
    /// that speak version 4, except `skip`; one pass under the room's lock.
    fn push_to_speakers(&self, room: &RoomName, frames: &[Utf8Bytes], skip: Option<u64>) {
        self.with_room(room, |entry| {
            for (session, member) in &entry.members {
                if member.protocol >= version::PRESENCE && member.held.is_none() && Some(*session) != skip {
                    for bytes in frames {
                        member.outbox.push(Message::Text(bytes.clone()));
                    }
                }
            }
        });
    }
}
