//! The server ids of messages this device sent, per room, so that they show
//! as ours after a reload too. History never carries a `client_id`, not
//! even on our own messages; but our live copy does, and its server id is
//! what the history repeats. The state remembers each such id; the provider
//! stores the memory in localStorage (`browser::store_own_ids`, which
//! merges with what other tabs stored meanwhile).
//!
//! Bounded: the newest [`PER_ROOM`] ids of at most [`ROOMS`] rooms (those
//! written to most recently), a few hundred kilobytes at worst. Pure and
//! unit-tested; stored values are the user's to edit, so reading drops
//! anything that is not a room name or a message id.

use std::collections::{BTreeSet, HashMap};

use roomcast_protocol::{MessageId, RoomName};

/// Ids remembered per room: the newest ones, since ids only grow in a room.
pub const PER_ROOM: usize = 500;
/// Rooms remembered; the one whose newest id is oldest goes first.
pub const ROOMS: usize = 32;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OwnIds {
    rooms: HashMap<RoomName, BTreeSet<MessageId>>,
    /// Counts changes, so that the provider stores the memory only when it
    /// changed (comparing thousands of ids on every render would not do).
    revision: u64,
}

impl OwnIds {
    /// Our own copy of a message (it carried our client id) arrived.
    pub fn remember(&mut self, room: &RoomName, id: MessageId) {
        let ids = self.rooms.entry(room.clone()).or_default();
        if ids.insert(id) {
            trim_room(ids);
            self.trim_rooms();
            self.revision += 1;
        }
    }

    /// Whether this device sent the message `id` of `room`.
    pub fn contains(&self, room: &RoomName, id: MessageId) -> bool {
        self.rooms.get(room).is_some_and(|ids| ids.contains(&id))
    }

    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Adds what `other` remembers (another tab's memory, read back from
    /// storage), within the same bounds.
    pub fn merge(&mut self, other: &OwnIds) {
        for (room, ids) in &other.rooms {
            let known = self.rooms.entry(room.clone()).or_default();
            known.extend(ids.iter().copied());
            trim_room(known);
        }
        self.trim_rooms();
    }

    fn trim_rooms(&mut self) {
        while self.rooms.len() > ROOMS {
            let stalest =
                self.rooms.iter().min_by_key(|(_, ids)| ids.last().copied()).map(|(room, _)| room.clone());
            match stalest {
                Some(room) => self.rooms.remove(&room),
                None => break,
            };
        }
    }

    /// Reads a stored memory: `{"room": ["<ms>-<seq>", ...], ...}`.
    pub fn parse(stored: &str) -> Self {
        let stored: HashMap<String, Vec<String>> = serde_json::from_str(stored).unwrap_or_default();
        let mut memory = OwnIds::default();
        for (room, ids) in stored {
            let Ok(room) = RoomName::parse(&room) else { continue };
            let mut ids: BTreeSet<MessageId> = ids.iter().filter_map(|id| id.parse().ok()).collect();
            trim_room(&mut ids);
            if !ids.is_empty() {
                memory.rooms.entry(room).or_default().extend(ids);
            }
        }
        memory.trim_rooms();
        memory
    }

    pub fn format(&self) -> String {
        let stored: HashMap<&str, Vec<String>> = self
            .rooms
            .iter()
            .map(|(room, ids)| (room.as_str(), ids.iter().map(ToString::to_string).collect()))
            .collect();
        serde_json::to_string(&stored).unwrap_or_default()
    }
}

fn trim_room(ids: &mut BTreeSet<MessageId>) {
    while ids.len() > PER_ROOM {
        ids.pop_first();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{id, room};

    #[test]
    fn a_remembered_id_counts_as_ours_in_its_room_only() {
        let mut own = OwnIds::default();
        own.remember(&room("general"), id(5));
        assert!(own.contains(&room("general"), id(5)));
        assert!(!own.contains(&room("general"), id(6)));
        assert!(!own.contains(&room("random"), id(5)), "ids are unique only within a room");
    }

    #[test]
    fn only_a_new_id_counts_as_a_change() {
        let mut own = OwnIds::default();
        own.remember(&room("general"), id(5));
        own.remember(&room("general"), id(5));
        assert_eq!(own.revision(), 1);
    }

    #[test]
    fn each_room_keeps_its_newest_ids() {
        let mut own = OwnIds::default();
        for ms in (1..=PER_ROOM as u64 + 10).rev() {
            own.remember(&room("general"), id(ms));
        }
        assert!(!own.contains(&room("general"), id(10)), "the oldest go, whatever order they came in");
        assert!(own.contains(&room("general"), id(11)));
        assert!(own.contains(&room("general"), id(PER_ROOM as u64 + 10)));
    }

    #[test]
    fn the_room_written_to_longest_ago_is_forgotten_first() {
        let mut own = OwnIds::default();
        for n in 0..ROOMS as u64 {
            own.remember(&room(&format!("room{n}")), id(1_000 + n));
        }
        own.remember(&room("room0"), id(5_000));
        own.remember(&room("latest"), id(6_000));
        assert!(!own.contains(&room("room1"), id(1_001)), "room1's newest id is the oldest now");
        assert!(own.contains(&room("room0"), id(1_000)), "room0 was written to again");
        assert!(own.contains(&room("latest"), id(6_000)));
    }

    #[test]
    fn the_memory_survives_a_round_trip_through_storage() {
        let mut own = OwnIds::default();
        own.remember(&room("general"), id(5));
        own.remember(&room("general"), MessageId::new(5, 1));
        own.remember(&room("rust"), id(7));
        let back = OwnIds::parse(&own.format());
        assert!(back.contains(&room("general"), id(5)));
        assert!(back.contains(&room("general"), MessageId::new(5, 1)));
        assert!(back.contains(&room("rust"), id(7)));
        assert_eq!(back.revision(), 0, "reading is no change");
    }

    #[test]
    fn reading_drops_what_is_not_a_room_or_an_id() {
        let stored = r#"{"General": ["5-0", "nonsense", "6-x"], "bad name": ["7-0"], "empty": []}"#;
        let own = OwnIds::parse(stored);
        assert!(own.contains(&room("general"), id(5)));
        assert_eq!(own.format(), r#"{"general":["5-0"]}"#);
        assert_eq!(OwnIds::parse("not json"), OwnIds::default());
        assert_eq!(OwnIds::parse(r#"{"general": "5-0"}"#), OwnIds::default());
    }

    #[test]
    fn reading_keeps_the_bounds() {
        let ids: Vec<String> = (0..PER_ROOM + 50).map(|ms| format!("{ms}-0")).collect();
        let rooms: HashMap<String, Vec<String>> =
            (0..ROOMS + 3).map(|n| (format!("room{n}"), ids.clone())).collect();
        let own = OwnIds::parse(&serde_json::to_string(&rooms).unwrap());
        assert_eq!(own.rooms.len(), ROOMS);
        assert!(own.rooms.values().all(|ids| ids.len() == PER_ROOM));
    }

    #[test]
    fn merging_adds_another_tabs_ids_within_the_bounds() {
        let mut mine = OwnIds::default();
        mine.remember(&room("general"), id(5));
        let mut theirs = OwnIds::default();
        theirs.remember(&room("general"), id(6));
        theirs.remember(&room("rust"), id(1));
        mine.merge(&theirs);
        assert!(mine.contains(&room("general"), id(5)));
        assert!(mine.contains(&room("general"), id(6)));
        assert!(mine.contains(&room("rust"), id(1)));
    }
}
