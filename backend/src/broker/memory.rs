//! The in-process broker: one node, no network. Ids are minted, messages
//! stored in the room's history and handed to the node under one lock, so
//! members see a room's messages in id order and the history holds exactly
//! what was delivered.
//!
//! Histories live as long as the process: its restart loses them, which is
//! why each room's epoch is random per process. Rooms nobody wrote to for
//! `HISTORY_TTL` are swept at most once a minute, on the next publish or join.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use roomcast_protocol::{MessageId, RoomName};

use super::{
    millis, now_ms, Backlog, BacklogRequest, BrokerHandler, Envelope, Limit, Offset, Page, Published, Stored,
    Typist,
};
use crate::config::HistorySettings;

/// How often abandoned rooms are looked for.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

#[derive(Debug)]
pub struct MemoryBroker {
    handler: Arc<dyn BrokerHandler>,
    /// Lock order: this, then the handler's own locks.
    logs: Mutex<Logs>,
    size: usize,
    ttl_ms: u64,
    dedupe_ms: u64,
    room_rate: u32,
    address_rate: u32,
}

#[derive(Debug, Default)]
struct Logs {
    rooms: HashMap<RoomName, RoomLog>,
    last_sweep_ms: u64,
}

/// One room's history.
#[derive(Debug)]
struct RoomLog {
    epoch: String,
    /// The last id minted, kept even when the history is empty.
    last: MessageId,
    /// Oldest first, at most `size` of them.
    entries: VecDeque<Stored>,
    /// The newest id that left the history (too many or too old): a client
    /// that saw less than this cannot be brought up to date.
    dropped: Option<MessageId>,
    /// Client ids sent to this room within the dedupe window, with the id
    /// each became; `sent_order` lists them by expiry for pruning.
    sent: HashMap<String, MessageId>,
    sent_order: VecDeque<(u64, String)>,
    /// This second's message counts, for the send limits.
    rate: RateWindow,
}

/// Messages to a room in the current second, in all and per address.
#[derive(Debug, Default)]
struct RateWindow {
    second: u64,
    room: u32,
    addresses: HashMap<IpAddr, u32>,
}

impl RateWindow {
    /// Counts one more message; the limit it breaks, if any (0: no limit).
    fn count(&mut self, now_ms: u64, address: IpAddr, room_limit: u32, address_limit: u32) -> Option<Limit> {
        let second = now_ms / 1000;
        if second != self.second {
            *self = RateWindow { second, ..RateWindow::default() };
        }
        self.room += 1;
        if room_limit > 0 && self.room > room_limit {
            return Some(Limit::Room);
        }
        let from_address = self.addresses.entry(address).or_default();
        *from_address += 1;
        (address_limit > 0 && *from_address > address_limit).then_some(Limit::Address)
    }
}

impl RoomLog {
    fn new() -> Self {
        RoomLog {
            epoch: format!("{:016x}", rand::random::<u64>()),
            last: MessageId::new(0, 0),
            entries: VecDeque::new(),
            dropped: None,
            sent: HashMap::new(),
            sent_order: VecDeque::new(),
            rate: RateWindow::default(),
        }
    }

    /// Forgets client ids whose dedupe window has passed.
    fn expire_sent(&mut self, now: u64) {
        while self.sent_order.front().is_some_and(|(expires, _)| *expires <= now) {
            if let Some((_, client_id)) = self.sent_order.pop_front() {
                self.sent.remove(&client_id);
            }
        }
    }

    /// The message a repeated client id became: from the history, or as
    /// sent now if it has already left the history.
    fn original(&self, id: MessageId, sent: &Envelope<'_>) -> Stored {
        match self.entries.binary_search_by_key(&id, |stored| stored.id) {
            Ok(at) => self.entries[at].clone(),
            Err(_) => Stored { id, envelope: sent.clone().into_owned() },
        }
    }

    /// Drops entries beyond `size` and older than `oldest_ms`.
    fn trim(&mut self, size: usize, oldest_ms: u64) {
        while let Some(front) = self.entries.front() {
            if self.entries.len() <= size && front.id.ms >= oldest_ms {
                break;
            }
            self.dropped = Some(front.id);
            self.entries.pop_front();
        }
    }
}

impl MemoryBroker {
    pub fn new(handler: Arc<dyn BrokerHandler>, history: &HistorySettings) -> Self {
        MemoryBroker {
            handler,
            logs: Mutex::default(),
            size: history.size.max(1),
            ttl_ms: millis(history.ttl),
            dedupe_ms: millis(history.dedupe_window),
            room_rate: history.room_send_rate,
            address_rate: history.address_send_rate,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Logs> {
        self.logs.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The room's log, made (with a new epoch) if the room has none, after
    /// trimming what is too old.
    fn log<'a>(&self, logs: &'a mut Logs, room: &RoomName, now: u64) -> &'a mut RoomLog {
        if now.saturating_sub(logs.last_sweep_ms) >= SWEEP_EVERY.as_millis() as u64 {
            logs.last_sweep_ms = now;
            let oldest = now.saturating_sub(self.ttl_ms);
            logs.rooms.retain(|_, log| log.last.ms >= oldest);
        }
        let log = logs.rooms.entry(room.clone()).or_insert_with(RoomLog::new);
        log.trim(self.size, now.saturating_sub(self.ttl_ms));
        log
    }

    pub fn publish(&self, room: &RoomName, envelope: &Envelope<'_>, address: IpAddr) -> Published {
        let now = now_ms();
        let mut logs = self.lock();
        let log = self.log(&mut logs, room, now);
        log.expire_sent(now);
        if let Some(&id) = log.sent.get(envelope.client_id.as_ref()) {
            return Published::Repeat(log.original(id, envelope));
        }
        if let Some(limit) = log.rate.count(now, address, self.room_rate, self.address_rate) {
            return Published::Limited(limit);
        }
        let id = log.last.next_after(now);
        log.last = id;
        self.handler.deliver(room, Offset { id, epoch: &log.epoch }, envelope);
        log.entries.push_back(Stored { id, envelope: envelope.clone().into_owned() });
        log.trim(self.size, now.saturating_sub(self.ttl_ms));
        log.sent.insert(envelope.client_id.to_string(), id);
        log.sent_order.push_back((now.saturating_add(self.dedupe_ms), envelope.client_id.to_string()));
        Published::New(id)
    }

    pub fn typing(&self, room: &RoomName, typist: &Typist<'_>) {
        self.handler.typing(room, typist);
    }

    pub fn backlog(&self, room: &RoomName, request: BacklogRequest<'_>) -> Backlog {
        let mut logs = self.lock();
        let log = self.log(&mut logs, room, now_ms());
        let recovered = request
            .since
            .map(|since| since.epoch == log.epoch && log.dropped.is_none_or(|dropped| since.id >= dropped));
        let messages = match (recovered, request.since) {
            (Some(true), Some(since)) => log.entries.iter().filter(|m| m.id > since.id).cloned().collect(),
            _ => {
                let skip = log.entries.len().saturating_sub(request.recent);
                log.entries.iter().skip(skip).cloned().collect()
            }
        };
        Backlog { epoch: log.epoch.clone(), recovered, messages, end: log.last }
    }

    pub fn page(&self, room: &RoomName, before: MessageId, limit: usize) -> Page {
        let mut logs = self.lock();
        let log = self.log(&mut logs, room, now_ms());
        let older = log.entries.iter().take_while(|m| m.id < before).count();
        let start = older.saturating_sub(limit);
        let messages = log.entries.range(start..older).cloned().collect();
        Page { messages, more: start > 0 }
    }
}
