//! Shorthands for the unit tests: names and ids that are valid by
//! construction.

use roomcast_protocol::{MessageId, RoomName};

/// The room `name`; the tests pass only valid names.
pub fn room(name: &str) -> RoomName {
    RoomName::parse(name).expect("a valid room name in a test")
}

/// The message id `<ms>-0`.
pub fn id(ms: u64) -> MessageId {
    MessageId::new(ms, 0)
}
