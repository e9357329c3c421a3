//! Who is in each room, by display name, across nodes.
//!
//! Each node knows its own members of a room (`local`) and, from the broker,
//! every other node's (`remote`, by node origin). Members see the merge: one
//! entry per name with the number of connections using it, so two tabs of
//! one person show once. Changes are not sent one by one: the node's ticker
//! takes, a few times a second, the rooms whose own part changed (to publish
//! to the other nodes) and the rooms whose merged list changed (to tell the
//! members, as the changed names with their new counts). However many people
//! come and go, each member gets at most one `presence` frame per room per
//! tick, and a late joiner asks for the whole list once.
//!
//! Pure bookkeeping, no I/O; the hub holds it behind its own lock.

use std::collections::{BTreeMap, HashMap, HashSet};

use roomcast_protocol::RoomName;

/// A room's names on one node (or merged), each with its connection count.
pub type Names = BTreeMap<String, u32>;

#[derive(Debug, Default)]
struct RoomPresence {
    local: Names,
    remote: HashMap<u64, Names>,
    /// The merged list as the members were last told it.
    shown: Names,
}

impl RoomPresence {
    fn merged(&self) -> Names {
        let mut merged = self.local.clone();
        for names in self.remote.values() {
            for (name, count) in names {
                *merged.entry(name.clone()).or_default() += count;
            }
        }
        merged
    }

    fn is_empty(&self) -> bool {
        self.local.is_empty() && self.remote.is_empty() && self.shown.is_empty()
    }
}

#[derive(Debug, Default)]
pub struct Presence {
    rooms: HashMap<RoomName, RoomPresence>,
    /// Rooms whose local part changed: to be published to the other nodes.
    to_publish: HashSet<RoomName>,
    /// Rooms whose merged list may have changed: members to be told.
    to_announce: HashSet<RoomName>,
}

impl Presence {
    /// One more local connection uses `name` in `room`.
    pub fn add(&mut self, room: &RoomName, name: &str) {
        let presence = self.rooms.entry(room.clone()).or_default();
        *presence.local.entry(name.to_owned()).or_default() += 1;
        self.changed_locally(room);
    }

    /// One local connection using `name` left `room`.
    pub fn remove(&mut self, room: &RoomName, name: &str) {
        let Some(presence) = self.rooms.get_mut(room) else { return };
        if let Some(count) = presence.local.get_mut(name) {
            *count -= 1;
            if *count == 0 {
                presence.local.remove(name);
            }
        }
        self.changed_locally(room);
    }

    /// Publish `room`'s local part again on the next round.
    pub fn mark_to_publish(&mut self, room: &RoomName) {
        self.to_publish.insert(room.clone());
    }

    fn changed_locally(&mut self, room: &RoomName) {
        self.to_publish.insert(room.clone());
        self.to_announce.insert(room.clone());
    }

    /// What node `origin` says its members of `room` are now.
    pub fn set_remote(&mut self, room: &RoomName, origin: u64, names: Names) {
        let presence = self.rooms.entry(room.clone()).or_default();
        if names.is_empty() {
            presence.remote.remove(&origin);
        } else {
            presence.remote.insert(origin, names);
        }
        self.to_announce.insert(room.clone());
    }

    /// This node no longer follows `room` (its last local member left): what
    /// it knew of other nodes there goes stale, and is read afresh if the
    /// room comes back.
    pub fn clear_remote(&mut self, room: &RoomName) {
        if let Some(presence) = self.rooms.get_mut(room) {
            presence.remote.clear();
            self.to_announce.insert(room.clone());
        }
    }

    /// Node `origin` is gone: its members leave every room.
    pub fn drop_origin(&mut self, origin: u64) {
        for (room, presence) in &mut self.rooms {
            if presence.remote.remove(&origin).is_some() {
                self.to_announce.insert(room.clone());
            }
        }
    }

    /// The nodes other than this one that have members somewhere.
    pub fn remote_origins(&self) -> HashSet<u64> {
        self.rooms.values().flat_map(|p| p.remote.keys().copied()).collect()
    }

    /// Everyone in `room`, by name.
    pub fn members(&self, room: &RoomName) -> Names {
        self.rooms.get(room).map(RoomPresence::merged).unwrap_or_default()
    }

    /// This node's part of every room whose part changed since the last call.
    pub fn take_to_publish(&mut self) -> Vec<(RoomName, Names)> {
        let rooms = std::mem::take(&mut self.to_publish);
        rooms
            .into_iter()
            .map(|room| {
                let local = self.rooms.get(&room).map(|p| p.local.clone()).unwrap_or_default();
                (room, local)
            })
            .collect()
    }

    /// Every room whose merged list changed since the members were last told,
    /// with the changed names and their new counts (0: gone).
    pub fn take_changes(&mut self) -> Vec<(RoomName, Vec<(String, u32)>)> {
        let rooms = std::mem::take(&mut self.to_announce);
        let mut announcements = Vec::new();
        for room in rooms {
            let Some(presence) = self.rooms.get_mut(&room) else { continue };
            let merged = presence.merged();
            let mut changes: Vec<(String, u32)> = merged
                .iter()
                .filter(|(name, count)| presence.shown.get(*name) != Some(count))
                .map(|(name, count)| (name.clone(), *count))
                .collect();
            changes.extend(
                presence
                    .shown
                    .keys()
                    .filter(|name| !merged.contains_key(*name))
                    .map(|name| (name.clone(), 0)),
            );
            presence.shown = merged;
            if presence.is_empty() {
                self.rooms.remove(&room);
            }
            if !changes.is_empty() {
                changes.sort();
                announcements.push((room, changes));
            }
        }
        announcements
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn room(name: &str) -> RoomName {
        RoomName::parse(name).unwrap()
    }

    fn names(entries: &[(&str, u32)]) -> Names {
        entries.iter().map(|(name, count)| (name.to_string(), *count)).collect()
    }

    fn changes(entries: &[(&str, u32)]) -> Vec<(String, u32)> {
        entries.iter().map(|(name, count)| (name.to_string(), *count)).collect()
    }

    #[test]
    fn two_tabs_of_one_name_show_once_with_a_count_across_nodes() {
        let mut presence = Presence::default();
        presence.add(&room("x"), "Ada");
        presence.set_remote(&room("x"), 7, names(&[("Ada", 1), ("Bob", 1)]));
        assert_eq!(presence.members(&room("x")), names(&[("Ada", 2), ("Bob", 1)]));
    }

    #[test]
    fn a_burst_of_comings_and_goings_is_told_once_as_the_net_change() {
        let mut presence = Presence::default();
        presence.add(&room("x"), "Ada");
        assert_eq!(presence.take_changes(), vec![(room("x"), changes(&[("Ada", 1)]))]);
        presence.add(&room("x"), "Bob");
        presence.add(&room("x"), "Cy");
        presence.remove(&room("x"), "Cy");
        presence.add(&room("x"), "Ada");
        assert_eq!(presence.take_changes(), vec![(room("x"), changes(&[("Ada", 2), ("Bob", 1)]))]);
        assert!(presence.take_changes().is_empty(), "nothing new, nothing told");
        presence.remove(&room("x"), "Bob");
        assert_eq!(presence.take_changes(), vec![(room("x"), changes(&[("Bob", 0)]))]);
    }

    #[test]
    fn only_local_changes_are_published_and_a_gone_node_takes_its_members_along() {
        let mut presence = Presence::default();
        presence.add(&room("x"), "Ada");
        presence.set_remote(&room("x"), 7, names(&[("Bob", 1)]));
        presence.set_remote(&room("y"), 7, names(&[("Bob", 1)]));
        assert_eq!(presence.take_to_publish(), vec![(room("x"), names(&[("Ada", 1)]))]);
        presence.take_changes();
        assert_eq!(presence.remote_origins(), HashSet::from([7]));
        presence.drop_origin(7);
        let mut told = presence.take_changes();
        told.sort();
        assert_eq!(told, vec![(room("x"), changes(&[("Bob", 0)])), (room("y"), changes(&[("Bob", 0)]))]);
        assert!(presence.remote_origins().is_empty());
    }

    #[test]
    fn an_empty_room_is_forgotten_once_its_members_were_told() {
        let mut presence = Presence::default();
        presence.add(&room("x"), "Ada");
        presence.take_changes();
        presence.remove(&room("x"), "Ada");
        assert_eq!(presence.take_to_publish(), vec![(room("x"), Names::new())]);
        assert_eq!(presence.take_changes(), vec![(room("x"), changes(&[("Ada", 0)]))]);
        assert!(presence.rooms.is_empty());
    }
}
