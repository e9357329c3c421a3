//! The in-process broker: one node, no network. Ids are minted, messages
//! stored in the room's history and handed to the node under the room's
//! lock, so members see a room's messages in id order and the history holds
//! exactly what was delivered. Edits and deletions are entries too, minted,
//! stored and handed over under the same lock, which also updates the changed
//! message's entry in place: its current state, as Redis keeps it in a hash.
//! Each room has its own lock (the map of rooms one more, held only to find
//! a room), so a busy room's fan-out holds up no other room's messages.
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
    millis, now_ms, Amendment, Backlog, BacklogRequest, BrokerHandler, Change, Changed, Delivery, Entry,
    Envelope, Limit, Limited, Offset, Page, Published, Refusal, Stored, Typist, LIMIT_WINDOW,
};
use crate::config::HistorySettings;

/// How often abandoned rooms are looked for.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// How many addresses' windows a room keeps before it forgets ended ones.
const PRUNE_ADDRESSES_AT: usize = 64;

#[derive(Debug)]
pub struct MemoryBroker {
    handler: Arc<dyn BrokerHandler>,
    /// Lock order: this map, then a room's log, then the handler's own
    /// locks; the map is never waited for while a log is held.
    logs: Mutex<Logs>,
    size: usize,
    ttl_ms: u64,
    dedupe_ms: u64,
    room_rate: u32,
    address_rate: u32,
}

#[derive(Debug, Default)]
struct Logs {
    rooms: HashMap<RoomName, Arc<Mutex<RoomLog>>>,
    last_sweep_ms: u64,
}

/// One room's history.
#[derive(Debug)]
struct RoomLog {
    epoch: String,
    /// The last id minted, kept even when the history is empty.
    last: MessageId,
    /// Oldest first, at most `size` of them: messages (each in its current
    /// state) and the changes made to them.
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
    /// Swept out of the map: whoever found it just before looks again.
    closed: bool,
}

/// Messages to a room in its current windows, in all and per address. As
/// with the Redis counters, each window starts with the first message it
/// counts and lasts [`LIMIT_WINDOW`].
#[derive(Debug, Default)]
struct RateWindow {
    room: Window,
    addresses: HashMap<IpAddr, Window>,
}

/// One counter and when its window started.
#[derive(Debug, Default, Clone, Copy)]
struct Window {
    started_ms: u64,
    count: u32,
}

impl Window {
    /// Counts one more message at `now_ms`, starting a new window if the
    /// last one has ended; the time left in the window if that makes it
    /// over `limit` (0: no limit).
    fn count(&mut self, now_ms: u64, limit: u32) -> Option<Duration> {
        if limit == 0 {
            return None;
        }
        let window = millis(LIMIT_WINDOW);
        if self.count == 0 || now_ms >= self.started_ms.saturating_add(window) {
            *self = Window { started_ms: now_ms, count: 0 };
        }
        self.count += 1;
        let left = self.started_ms.saturating_add(window).saturating_sub(now_ms).max(1);
        (self.count > limit).then(|| Duration::from_millis(left))
    }
}

impl RateWindow {
    /// Counts one more message; the limit it breaks, if any (0: no limit).
    fn count(
        &mut self,
        now_ms: u64,
        address: IpAddr,
        room_limit: u32,
        address_limit: u32,
    ) -> Option<Limited> {
        if let Some(retry_after) = self.room.count(now_ms, room_limit) {
            return Some(Limited { limit: Limit::Room, retry_after });
        }
        if self.addresses.len() >= PRUNE_ADDRESSES_AT {
            let window = millis(LIMIT_WINDOW);
            self.addresses.retain(|_, w| now_ms < w.started_ms.saturating_add(window));
        }
        let retry_after = self.addresses.entry(address).or_default().count(now_ms, address_limit)?;
        Some(Limited { limit: Limit::Address, retry_after })
    }
}

/// A new room's log: empty, with a new epoch.
impl Default for RoomLog {
    fn default() -> Self {
        RoomLog {
            epoch: format!("{:016x}", rand::random::<u64>()),
            last: MessageId::new(0, 0),
            entries: VecDeque::new(),
            dropped: None,
            sent: HashMap::new(),
            sent_order: VecDeque::new(),
            rate: RateWindow::default(),
            closed: false,
        }
    }
}

impl RoomLog {
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
            Err(_) => Stored::message(id, sent.clone().into_owned()),
        }
    }

    /// Up to `count` of the newest messages before `before` (all of them
    /// with `None`), oldest first, and whether older messages remain.
    fn messages_before(&self, before: Option<MessageId>, count: usize) -> (Vec<Stored>, bool) {
        let mut older = self
            .entries
            .iter()
            .rev()
            .filter(|stored| before.is_none_or(|before| stored.id < before))
            .filter(|stored| matches!(stored.entry, Entry::Message { .. }));
        let mut messages: Vec<Stored> = older.by_ref().take(count).cloned().collect();
        messages.reverse();
        (messages, older.next().is_some())
    }

    /// Where the message `change` names is, if `author` may make the change;
    /// otherwise the answer to give without publishing anything (a refusal,
    /// or for an edit that repeats the message's latest one, that edit's id).
    fn check(&self, change: &Change<'_>, author: &str) -> Result<usize, Changed> {
        let refused = |why| Err(Changed::Refused(why));
        let Ok(at) = self.entries.binary_search_by_key(&change.message, |stored| stored.id) else {
            return refused(Refusal::Unknown);
        };
        let Entry::Message { envelope, amendment } = &self.entries[at].entry else {
            return refused(Refusal::Unknown);
        };
        if envelope.author_key() != author {
            return refused(Refusal::NotAuthor);
        }
        match amendment {
            Some(Amendment { text: None, .. }) => refused(Refusal::Deleted),
            Some(Amendment { at: edit, text: Some(text) })
                if change.text.as_deref() == Some(text.as_str()) =>
            {
                Err(Changed::Repeat(*edit))
            }
            _ => Ok(at),
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

    /// Runs `work` on the room's log under its own lock, after trimming
    /// what is too old; the log is made (with a new epoch) if the room has
    /// none. Once a minute this first sweeps rooms nobody wrote to within
    /// the history's lifetime (a room busy meanwhile is not abandoned).
    fn with_log<T>(&self, room: &RoomName, now: u64, work: impl FnOnce(&mut RoomLog) -> T) -> T {
        let oldest = now.saturating_sub(self.ttl_ms);
        loop {
            let log = {
                let mut logs = self.lock();
                if now.saturating_sub(logs.last_sweep_ms) >= SWEEP_EVERY.as_millis() as u64 {
                    logs.last_sweep_ms = now;
                    logs.rooms.retain(|_, log| match log.try_lock() {
                        Ok(mut log) if log.last.ms < oldest => {
                            log.closed = true;
                            false
                        }
                        _ => true,
                    });
                }
                logs.rooms.entry(room.clone()).or_default().clone()
            };
            let mut log = log.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            if log.closed {
                continue;
            }
            log.trim(self.size, oldest);
            return work(&mut log);
        }
    }

    pub fn publish(&self, room: &RoomName, envelope: &Envelope<'_>, address: IpAddr) -> Published {
        let now = now_ms();
        self.with_log(room, now, |log| self.append(log, room, envelope, address, now))
    }

    fn append(
        &self,
        log: &mut RoomLog,
        room: &RoomName,
        envelope: &Envelope<'_>,
        address: IpAddr,
        now: u64,
    ) -> Published {
        log.expire_sent(now);
        if let Some(&id) = log.sent.get(envelope.client_id.as_ref()) {
            return Published::Repeat(log.original(id, envelope));
        }
        if let Some(limited) = log.rate.count(now, address, self.room_rate, self.address_rate) {
            return Published::Limited(limited);
        }
        let id = log.last.next_after(now);
        log.last = id;
        self.handler.deliver(room, Offset { id, epoch: &log.epoch }, envelope.into());
        log.entries.push_back(Stored::message(id, envelope.clone().into_owned()));
        log.trim(self.size, now.saturating_sub(self.ttl_ms));
        log.sent.insert(envelope.client_id.to_string(), id);
        log.sent_order.push_back((now.saturating_add(self.dedupe_ms), envelope.client_id.to_string()));
        Published::New(id)
    }

    /// Edits or deletes a message for its author: checks, counts toward the
    /// send limits, mints the change's id, hands it to the node, stores it
    /// and updates the message's entry, all under the room's lock.
    pub fn change(&self, room: &RoomName, change: &Change<'_>, author: &str, address: IpAddr) -> Changed {
        // Trims what is past the history's size and lifetime first, so a
        // message gone from the history is unknown here as in Redis.
        let now = now_ms();
        self.with_log(room, now, |log| self.amend(log, room, change, author, address, now))
    }

    fn amend(
        &self,
        log: &mut RoomLog,
        room: &RoomName,
        change: &Change<'_>,
        author: &str,
        address: IpAddr,
        now: u64,
    ) -> Changed {
        let at = match log.check(change, author) {
            Ok(at) => at,
            Err(answer) => return answer,
        };
        if let Some(limited) = log.rate.count(now, address, self.room_rate, self.address_rate) {
            return Changed::Limited(limited);
        }
        let id = log.last.next_after(now);
        log.last = id;
        self.handler.deliver(room, Offset { id, epoch: &log.epoch }, Delivery::Change(change));
        if let Entry::Message { amendment, .. } = &mut log.entries[at].entry {
            *amendment = Some(change.amendment(id));
        }
        log.entries.push_back(Stored { id, entry: Entry::Change(change.clone().into_owned()) });
        log.trim(self.size, now.saturating_sub(self.ttl_ms));
        Changed::New(id)
    }

    pub fn typing(&self, room: &RoomName, typist: &Typist<'_>) {
        self.handler.typing(room, typist);
    }

    pub fn backlog(&self, room: &RoomName, request: BacklogRequest<'_>) -> Backlog {
        self.with_log(room, now_ms(), |log| Self::read_backlog(log, request))
    }

    fn read_backlog(log: &RoomLog, request: BacklogRequest<'_>) -> Backlog {
        let recovered = request
            .since
            .map(|since| since.epoch == log.epoch && log.dropped.is_none_or(|dropped| since.id >= dropped));
        let entries = match (recovered, request.since) {
            (Some(true), Some(since)) => log.entries.iter().filter(|m| m.id > since.id).cloned().collect(),
            _ => log.messages_before(None, request.recent).0,
        };
        Backlog { epoch: log.epoch.clone(), recovered, entries, end: log.last }
    }

    pub fn page(&self, room: &RoomName, before: MessageId, limit: usize) -> Page {
        self.with_log(room, now_ms(), |log| {
            let (messages, more) = log.messages_before(Some(before), limit);
            Page { messages, more }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOME: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

    #[test]
    fn a_room_held_up_by_its_fan_out_holds_up_no_other_rooms_messages() {
        let hub = Arc::new(crate::hub::Hub::new(1, true, Arc::default()));
        let (outbox, mut queue) = crate::outbox::Outbox::new(8);
        hub.join(&room("quiet"), 1, outbox, roomcast_protocol::PROTOCOL_VERSION);
        hub.go_live(&room("quiet"), 1, None);
        let settings = crate::config::Config::defaults().history;
        let broker = MemoryBroker::new(hub, &settings);
        let envelope = |client_id: &'static str| Envelope {
            origin: 1,
            session: 2,
            client_id: client_id.into(),
            author: "Ada".into(),
            text: "hi".into(),
            user: None,
        };
        broker.publish(&room("busy"), &envelope("c-1"), HOME);
        // Stand in for a long fan-out: hold the busy room's log.
        let busy = broker.lock().rooms.get(&room("busy")).cloned().unwrap();
        let held = busy.lock().unwrap();
        let published = crate::test_support::finishes_meanwhile("the quiet room", || {
            broker.publish(&room("quiet"), &envelope("c-2"), HOME)
        });
        assert!(matches!(published, Published::New(_)));
        drop(held);
        assert!(queue.try_recv().is_ok(), "the quiet room's member got its message");
    }

    fn room(name: &str) -> RoomName {
        RoomName::parse(name).unwrap()
    }

    #[test]
    fn a_window_starts_with_its_first_message_and_says_how_long_it_has_left() {
        let mut rate = RateWindow::default();
        assert_eq!(rate.count(10_250, HOME, 2, 0), None);
        assert_eq!(rate.count(10_400, HOME, 2, 0), None);
        let refused = rate.count(10_900, HOME, 2, 0);
        assert_eq!(refused, Some(Limited { limit: Limit::Room, retry_after: Duration::from_millis(350) }));
        assert!(rate.count(11_249, HOME, 2, 0).is_some(), "still the same window");
        assert_eq!(rate.count(11_250, HOME, 2, 0), None, "a new window once the time has passed");
    }

    #[test]
    fn each_address_has_its_own_window_beside_the_rooms() {
        let other = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1));
        let mut rate = RateWindow::default();
        assert_eq!(rate.count(1_000, HOME, 0, 1), None);
        let refused = rate.count(1_600, HOME, 0, 1);
        assert_eq!(refused, Some(Limited { limit: Limit::Address, retry_after: Duration::from_millis(400) }));
        assert_eq!(rate.count(1_600, other, 0, 1), None, "another address counts apart");
    }
}
