//! Redis key and channel names.

use roomcast_protocol::RoomName;

/// Redis key and channel names under the deployment's prefix: the one
/// definition of the layout, which tests use too.
#[derive(Debug, Clone)]
pub struct Names {
    prefix: String,
    room_channel_prefix: String,
    probe_channel_prefix: String,
    pub(super) probe_channel: String,
}

impl Names {
    pub fn new(prefix: &str, origin: u64) -> Self {
        let probe_channel_prefix = format!("{prefix}:node:");
        Names {
            prefix: prefix.to_owned(),
            room_channel_prefix: format!("{prefix}:room:"),
            probe_channel: format!("{probe_channel_prefix}{origin:016x}"),
            probe_channel_prefix,
        }
    }

    /// What every room's channel name starts with.
    pub fn room_channel_prefix(&self) -> &str {
        &self.room_channel_prefix
    }

    /// What every node's probe channel name starts with.
    pub fn probe_channel_prefix(&self) -> &str {
        &self.probe_channel_prefix
    }

    pub fn room_channel(&self, room: &RoomName) -> String {
        format!("{}{room}", self.room_channel_prefix)
    }

    /// The stream that holds the room's history. The `{room}` hash tag puts
    /// every key of one room in one Redis Cluster slot, so the scripts that
    /// touch them stay valid when rooms are sharded.
    pub fn room_stream(&self, room: &RoomName) -> String {
        format!("{}:{{{room}}}:log", self.prefix)
    }

    /// The key that remembers, for the dedupe window, which message a
    /// `client_id` sent to the room became.
    pub fn room_sent(&self, room: &RoomName, client_id: &str) -> String {
        format!("{}:{{{room}}}:sent:{client_id}", self.prefix)
    }

    /// The hash of who is in the room: one field per node (its origin in
    /// hex), whose value is that node's names with their counts.
    pub fn room_presence(&self, room: &RoomName) -> String {
        format!("{}:{{{room}}}:presence", self.prefix)
    }

    /// The key a live node keeps refreshing; it expires when the node dies.
    pub fn node_alive(&self, origin: u64) -> String {
        format!("{}:alive:{origin:016x}", self.prefix)
    }

    /// This second's count of messages to the room (one slot with its other keys).
    pub fn room_rate(&self, room: &RoomName) -> String {
        format!("{}:{{{room}}}:rate", self.prefix)
    }

    /// This second's count of messages from one address to the room.
    pub fn room_address_rate(&self, room: &RoomName, address: std::net::IpAddr) -> String {
        format!("{}:{{{room}}}:rate:{address}", self.prefix)
    }

    /// The hash of the room's changed messages: per message id, its latest
    /// edit or its deletion.
    pub fn room_changes(&self, room: &RoomName) -> String {
        format!("{}:{{{room}}}:changes", self.prefix)
    }

    /// The key that holds the epoch of the room's history.
    pub fn room_epoch(&self, room: &RoomName) -> String {
        format!("{}:{{{room}}}:epoch", self.prefix)
    }

    pub(super) fn room_of_channel(&self, channel: &str) -> Option<RoomName> {
        RoomName::parse(channel.strip_prefix(&self.room_channel_prefix)?).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_the_prefix_keep_a_rooms_keys_in_one_slot_and_map_back_to_rooms() {
        let names = Names::new("test-1", 0xab);
        let room = RoomName::parse("General").unwrap();
        assert_eq!(names.room_channel(&room), "test-1:room:general");
        assert_eq!(names.room_stream(&room), "test-1:{general}:log");
        assert_eq!(names.room_epoch(&room), "test-1:{general}:epoch");
        assert_eq!(names.room_changes(&room), "test-1:{general}:changes");
        assert_eq!(
            names.room_sent(&room, "c-{1}"),
            "test-1:{general}:sent:c-{1}",
            "the first tag decides the slot"
        );
        assert_eq!(names.probe_channel, "test-1:node:00000000000000ab");
        assert_eq!(names.room_of_channel("test-1:room:general"), Some(room));
        assert_eq!(names.room_of_channel("other:room:general"), None);
    }
}
