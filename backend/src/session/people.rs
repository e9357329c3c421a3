//! A session's part in presence and typing: being counted in the rooms it
//! joined, the member list on request, and typing announcements (at most one
//! per room per [`TYPING_EVERY`]; more are dropped).

use std::borrow::Cow;
use std::time::{Duration, Instant};

use roomcast_protocol::{DisplayName, ErrorCode, RoomName, ServerFrame};
use tracing::debug;

use super::Session;
use crate::broker::Typist;

/// How often one connection may say it is typing in one room.
pub(crate) const TYPING_EVERY: Duration = Duration::from_secs(1);

impl Session {
    /// The session got `joined` for `room`: it counts in the room's presence.
    pub(super) fn arrive(&mut self, room: &RoomName) {
        if let Some(name) = &self.name {
            self.node.hub.present(room, name.as_str());
            if let Some(membership) = self.rooms.get_mut(room) {
                membership.present = true;
            }
        }
    }

    /// The session changed its name from `old`: its presence follows.
    pub(super) fn renamed(&mut self, old: &DisplayName) {
        let Some(new) = &self.name else { return };
        for room in self.rooms.present() {
            self.node.hub.absent(room, old.as_str());
            self.node.hub.present(room, new.as_str());
        }
    }

    pub(super) fn members(&mut self, raw: &str) {
        let Some(room) = self.joined_room(raw, "join the room before asking who is in it") else { return };
        let members = self.node.hub.members(&room);
        self.reply(&ServerFrame::Members { room: Cow::Borrowed(room.as_str()), members });
    }

    pub(super) async fn typing(&mut self, raw: &str) {
        let Some(room) = self.joined_room(raw, "join the room before typing in it") else { return };
        let Some(name) = &self.name else { return };
        let now = Instant::now();
        let Some(membership) = self.rooms.get_mut(&room) else { return };
        if membership.typed.is_some_and(|last| now.duration_since(last) < TYPING_EVERY) {
            return;
        }
        membership.typed = Some(now);
        let typist =
            Typist { origin: self.node.origin, session: self.id, name: Cow::Borrowed(name.as_str()) };
        if let Err(err) = self.node.broker.publish_typing(&room, &typist).await {
            // Typing is a courtesy: a lost one is not worth an error frame.
            debug!(%room, cause = %err, "typing not announced");
        }
    }

    /// `raw` as a room this session is in, or `None` after answering with
    /// the error that says why not.
    fn joined_room(&self, raw: &str, not_joined: &'static str) -> Option<RoomName> {
        match RoomName::parse(raw) {
            Ok(room) if self.rooms.contains(&room) => Some(room),
            Ok(room) => {
                self.fail(ErrorCode::NotJoined, not_joined, Some(room.as_str()), None);
                None
            }
            Err(err) => {
                self.fail(err.code(), err.to_string(), Some(raw), None);
                None
            }
        }
    }
}
