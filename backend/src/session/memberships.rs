//! The rooms one session is in, and its state in each: whether presence
//! counts it there (from its `joined` on) and when it last said it was
//! typing there.
//!
//! A session is in at most `MAX_ROOMS_PER_CONNECTION` rooms (32), usually
//! one or two, so a short vector searched in order serves better than three
//! hash tables, each of which costs an idle connection a table of its own.

use std::time::Instant;

use roomcast_protocol::RoomName;

#[derive(Debug, Default)]
pub(super) struct Memberships {
    rooms: Vec<Membership>,
}

#[derive(Debug)]
pub(super) struct Membership {
    pub(super) room: RoomName,
    /// Presence counts the session in this room under its name.
    pub(super) present: bool,
    /// When it last announced typing here.
    pub(super) typed: Option<Instant>,
}

impl Memberships {
    pub(super) fn contains(&self, room: &RoomName) -> bool {
        self.get(room).is_some()
    }

    pub(super) fn len(&self) -> usize {
        self.rooms.len()
    }

    /// Adds `room`, unless the session is in it already.
    pub(super) fn insert(&mut self, room: RoomName) {
        if !self.contains(&room) {
            // Grown one at a time: most sessions stay in one room or two,
            // and a vector's usual first step would hold four.
            self.rooms.reserve_exact(1);
            self.rooms.push(Membership { room, present: false, typed: None });
        }
    }

    /// Takes `room` out; what the session's state there was.
    pub(super) fn remove(&mut self, room: &RoomName) -> Option<Membership> {
        let at = self.rooms.iter().position(|m| &m.room == room)?;
        Some(self.rooms.swap_remove(at))
    }

    pub(super) fn get(&self, room: &RoomName) -> Option<&Membership> {
        self.rooms.iter().find(|m| &m.room == room)
    }

    pub(super) fn get_mut(&mut self, room: &RoomName) -> Option<&mut Membership> {
        self.rooms.iter_mut().find(|m| &m.room == room)
    }

    /// The rooms where presence counts the session.
    pub(super) fn present(&self) -> impl Iterator<Item = &RoomName> {
        self.rooms.iter().filter(|m| m.present).map(|m| &m.room)
    }

    pub(super) fn rooms(&self) -> impl Iterator<Item = &RoomName> {
        self.rooms.iter().map(|m| &m.room)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn room(name: &str) -> RoomName {
        RoomName::parse(name).unwrap()
    }

    #[test]
    fn a_room_is_held_once_with_its_own_state_and_leaves_with_it() {
        let mut rooms = Memberships::default();
        rooms.insert(room("a"));
        rooms.insert(room("b"));
        rooms.insert(room("a"));
        assert_eq!(rooms.len(), 2);
        rooms.get_mut(&room("b")).unwrap().present = true;
        assert_eq!(rooms.present().collect::<Vec<_>>(), [&room("b")]);
        let left = rooms.remove(&room("b")).unwrap();
        assert!(left.present);
        assert!(!rooms.contains(&room("b")) && rooms.contains(&room("a")));
        assert!(rooms.remove(&room("b")).is_none());
    }
}
