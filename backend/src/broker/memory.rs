//! The in-process broker: one node, no network. Ids are minted and messages
//! handed to the node under one lock, so members see a room's messages in id
//! order.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use roomcast_protocol::{MessageId, RoomName};

use super::{BrokerHandler, Envelope};

#[derive(Debug)]
pub struct MemoryBroker {
    handler: Arc<dyn BrokerHandler>,
    /// Last id minted per room that has members. Lock order: this, then the
    /// handler's own locks.
    last_ids: Mutex<HashMap<RoomName, MessageId>>,
}

impl MemoryBroker {
    pub fn new(handler: Arc<dyn BrokerHandler>) -> Self {
        MemoryBroker { handler, last_ids: Mutex::default() }
    }

    pub fn publish(&self, room: &RoomName, envelope: &Envelope<'_>) -> MessageId {
        let mut last_ids = self.last_ids.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let last = last_ids.get(room).copied().unwrap_or(MessageId::new(0, 0));
        let id = last.next_after(now_ms());
        if self.handler.deliver(room, id, envelope) == 0 {
            // Forget rooms nobody is in; a room made again later starts from
            // the clock, which is past every id it had.
            last_ids.remove(room);
        } else {
            last_ids.insert(room.clone(), id);
        }
        id
    }
}

pub fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}
