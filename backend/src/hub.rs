//! The node's room registry: which local sessions are members of which room,
//! and the fan-out of a delivered message to them.
//!
//! The registry is the node's single source of truth for "does this node need
//! room X?". Brokers read it: the Redis broker subscribes to a room's channel
//! when the room appears here and unsubscribes when it disappears. Rooms whose
//! membership changed sign are queued as `dirty` and the broker is woken; the
//! broker marks a room `active` once its subscription is confirmed, which is
//! what a joining session waits for.
//!
//! The lock is a `std` mutex held only for map operations and `try_send`s,
//! never across an `.await`.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::extract::ws::{Message, Utf8Bytes};
use roomcast_protocol::RoomName;
use tokio::sync::{mpsc, watch, Notify};
use tokio_util::sync::CancellationToken;

/// Identifies a session on this node.
pub type SessionId = u64;

/// How the rest of the node reaches one session: its bounded outbound queue,
/// and the switch that ends it.
#[derive(Debug, Clone)]
pub struct Outbox {
    queue: mpsc::Sender<Message>,
    closer: Arc<Closer>,
}

/// Ends a session once, remembering the first close code given.
#[derive(Debug, Default)]
pub struct Closer {
    code: AtomicU16,
    token: CancellationToken,
}

impl Closer {
    /// Asks the session to close with `code`; later calls keep the first code.
    pub fn close(&self, code: u16) {
        let _ = self.code.compare_exchange(0, code, Ordering::AcqRel, Ordering::Acquire);
        self.token.cancel();
    }

    pub fn code(&self) -> Option<u16> {
        match self.code.load(Ordering::Acquire) {
            0 => None,
            code => Some(code),
        }
    }

    pub async fn closed(&self) {
        self.token.cancelled().await;
    }
}

/// What a push into an outbox did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Push {
    Queued,
    /// The queue was full: the session has been told to close as too slow.
    Overflowed,
    /// The session is already gone.
    Gone,
}

impl Outbox {
    pub fn new(capacity: usize) -> (Self, mpsc::Receiver<Message>) {
        let (queue, rx) = mpsc::channel(capacity);
        (Outbox { queue, closer: Arc::default() }, rx)
    }

    pub fn closer(&self) -> &Arc<Closer> {
        &self.closer
    }

    /// Queues a frame without waiting. A full queue means the client cannot
    /// keep up; it is closed rather than allowed to hold memory or slow others.
    pub fn push(&self, message: Message) -> Push {
        match self.queue.try_send(message) {
            Ok(()) => Push::Queued,
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.closer.close(roomcast_protocol::close::SLOW_CONSUMER);
                Push::Overflowed
            }
            Err(mpsc::error::TrySendError::Closed(_)) => Push::Gone,
        }
    }
}

#[derive(Debug)]
struct Room {
    members: HashMap<SessionId, Outbox>,
    /// The broker confirmed this node receives the room's messages.
    active: bool,
}

#[derive(Debug, Default)]
struct Rooms {
    map: HashMap<RoomName, Room>,
    /// Rooms that appeared or disappeared since the broker last looked.
    dirty: HashSet<RoomName>,
}

/// Counts of one fan-out, for logs and tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Fanout {
    pub queued: usize,
    pub overflowed: usize,
}

#[derive(Debug)]
pub struct Registry {
    rooms: Mutex<Rooms>,
    /// Wakes the broker's subscription task when `dirty` gains a room.
    changed: Notify,
    /// Bumped whenever a room turns active, for sessions waiting in `join`.
    activations: watch::Sender<u64>,
    /// Rooms are active as soon as they exist (the in-process broker).
    always_active: bool,
    next_session: AtomicU64,
}

impl Registry {
    pub fn new(always_active: bool) -> Self {
        Registry {
            rooms: Mutex::default(),
            changed: Notify::new(),
            activations: watch::Sender::new(0),
            always_active,
            next_session: AtomicU64::new(1),
        }
    }

    pub fn next_session_id(&self) -> SessionId {
        self.next_session.fetch_add(1, Ordering::Relaxed)
    }

    fn lock(&self) -> MutexGuard<'_, Rooms> {
        // A panic while holding this lock would be a bug in the few lines
        // below; the map is still consistent, so keep serving.
        self.rooms.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Adds a member. Returns true when the room is new on this node.
    pub fn join(&self, room: &RoomName, session: SessionId, outbox: Outbox) -> bool {
        let mut rooms = self.lock();
        let created = !rooms.map.contains_key(room);
        if created {
            let active = self.always_active;
            rooms.map.insert(room.clone(), Room { members: HashMap::new(), active });
            rooms.dirty.insert(room.clone());
        }
        if let Some(entry) = rooms.map.get_mut(room) {
            entry.members.insert(session, outbox);
        }
        drop(rooms);
        if created {
            self.changed.notify_one();
        }
        created
    }

    /// Removes a member. Returns true when it was the room's last one here.
    pub fn leave(&self, room: &RoomName, session: SessionId) -> bool {
        let mut rooms = self.lock();
        let Some(entry) = rooms.map.get_mut(room) else { return false };
        entry.members.remove(&session);
        let emptied = entry.members.is_empty();
        if emptied {
            rooms.map.remove(room);
            rooms.dirty.insert(room.clone());
        }
        drop(rooms);
        if emptied {
            self.changed.notify_one();
        }
        emptied
    }

    pub fn is_active(&self, room: &RoomName) -> bool {
        self.lock().map.get(room).is_some_and(|r| r.active)
    }

    /// Rooms with at least one member on this node.
    pub fn room_count(&self) -> usize {
        self.lock().map.len()
    }

    pub fn member_count(&self, room: &RoomName) -> usize {
        self.lock().map.get(room).map_or(0, |r| r.members.len())
    }

    /// Waits until the node receives `room`'s messages. False on timeout,
    /// or when the room disappeared meanwhile.
    pub async fn wait_active(&self, room: &RoomName, limit: Duration) -> bool {
        let mut activations = self.activations.subscribe();
        let wait = async {
            loop {
                match self.lock().map.get(room) {
                    None => return false,
                    Some(r) if r.active => return true,
                    Some(_) => {}
                }
                if activations.changed().await.is_err() {
                    return false;
                }
            }
        };
        tokio::time::timeout(limit, wait).await.unwrap_or(false)
    }

    /// Sends `shared` to every member of `room`, except `own.0`, who gets `own.1`.
    /// The bytes are shared, not copied, between members.
    pub fn deliver(
        &self,
        room: &RoomName,
        shared: &Utf8Bytes,
        own: Option<(SessionId, Utf8Bytes)>,
    ) -> Fanout {
        let mut fanout = Fanout::default();
        let rooms = self.lock();
        let Some(entry) = rooms.map.get(room) else { return fanout };
        for (session, outbox) in &entry.members {
            let bytes = match &own {
                Some((sender, own_bytes)) if sender == session => own_bytes.clone(),
                _ => shared.clone(),
            };
            match outbox.push(Message::Text(bytes)) {
                Push::Queued => fanout.queued += 1,
                Push::Overflowed => fanout.overflowed += 1,
                Push::Gone => {}
            }
        }
        fanout
    }

    // ----- for the broker's subscription task -----

    /// Waits until some room appeared or disappeared.
    pub async fn changed(&self) {
        self.changed.notified().await;
    }

    /// Rooms whose presence changed since the last call, with whether the node
    /// needs them now.
    pub fn take_changes(&self) -> Vec<(RoomName, bool)> {
        let mut rooms = self.lock();
        let dirty = std::mem::take(&mut rooms.dirty);
        dirty
            .into_iter()
            .map(|room| {
                let wanted = rooms.map.contains_key(&room);
                (room, wanted)
            })
            .collect()
    }

    /// Every room with members on this node; clears the change queue, since
    /// the caller is about to synchronise from scratch.
    pub fn snapshot(&self) -> Vec<RoomName> {
        let mut rooms = self.lock();
        rooms.dirty.clear();
        rooms.map.keys().cloned().collect()
    }

    /// Marks rooms as receiving messages and wakes sessions waiting to join.
    pub fn activate<'a>(&self, names: impl IntoIterator<Item = &'a RoomName>) {
        let mut rooms = self.lock();
        for name in names {
            if let Some(room) = rooms.map.get_mut(name) {
                room.active = true;
            }
        }
        drop(rooms);
        self.activations.send_modify(|n| *n += 1);
    }

    /// The subscription connection is gone: no room receives messages until
    /// it is back.
    pub fn deactivate_all(&self) {
        if self.always_active {
            return;
        }
        for room in self.lock().map.values_mut() {
            room.active = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use roomcast_protocol::close::SLOW_CONSUMER;

    fn room(name: &str) -> RoomName {
        RoomName::parse(name).unwrap()
    }

    #[test]
    fn first_join_and_last_leave_are_reported_and_queued_for_the_broker() {
        let registry = Registry::new(false);
        let (a, _rx_a) = Outbox::new(4);
        let (b, _rx_b) = Outbox::new(4);
        assert!(registry.join(&room("x"), 1, a));
        assert!(!registry.join(&room("x"), 2, b));
        assert_eq!(registry.take_changes(), vec![(room("x"), true)]);
        assert!(!registry.leave(&room("x"), 1));
        assert!(registry.take_changes().is_empty());
        assert!(registry.leave(&room("x"), 2));
        assert_eq!(registry.take_changes(), vec![(room("x"), false)]);
        assert!(!registry.leave(&room("x"), 2), "leaving twice is harmless");
    }

    #[test]
    fn deliver_shares_bytes_and_gives_the_sender_its_own_copy() {
        let registry = Registry::new(true);
        let (a, mut rx_a) = Outbox::new(4);
        let (b, mut rx_b) = Outbox::new(4);
        let (c, mut rx_c) = Outbox::new(4);
        registry.join(&room("x"), 1, a);
        registry.join(&room("x"), 2, b);
        registry.join(&room("y"), 3, c);
        let fanout =
            registry.deliver(&room("x"), &Utf8Bytes::from("all"), Some((1, Utf8Bytes::from("mine"))));
        assert_eq!(fanout, Fanout { queued: 2, overflowed: 0 });
        assert_eq!(rx_a.try_recv().unwrap(), Message::Text("mine".into()));
        assert_eq!(rx_b.try_recv().unwrap(), Message::Text("all".into()));
        assert!(rx_c.try_recv().is_err(), "other rooms get nothing");
    }

    #[test]
    fn a_full_queue_closes_only_that_session_as_too_slow() {
        let registry = Registry::new(true);
        let (slow, _rx_slow) = Outbox::new(1);
        let (fast, mut rx_fast) = Outbox::new(8);
        let slow_closer = slow.closer().clone();
        registry.join(&room("x"), 1, slow);
        registry.join(&room("x"), 2, fast.clone());
        registry.deliver(&room("x"), &Utf8Bytes::from("1"), None);
        let fanout = registry.deliver(&room("x"), &Utf8Bytes::from("2"), None);
        assert_eq!(fanout, Fanout { queued: 1, overflowed: 1 });
        assert_eq!(slow_closer.code(), Some(SLOW_CONSUMER));
        assert_eq!(fast.closer().code(), None);
        assert_eq!(rx_fast.try_recv().unwrap(), Message::Text("1".into()));
        assert_eq!(rx_fast.try_recv().unwrap(), Message::Text("2".into()));
    }

    #[tokio::test]
    async fn joiners_wait_until_the_broker_activates_the_room() {
        let registry = Arc::new(Registry::new(false));
        let (a, _rx) = Outbox::new(4);
        registry.join(&room("x"), 1, a);
        assert!(!registry.wait_active(&room("x"), Duration::from_millis(20)).await);
        let waiter = {
            let registry = registry.clone();
            tokio::spawn(async move { registry.wait_active(&room("x"), Duration::from_secs(5)).await })
        };
        registry.activate([&room("x")]);
        assert!(waiter.await.unwrap());
        registry.deactivate_all();
        assert!(!registry.is_active(&room("x")));
    }

    #[test]
    fn the_first_close_code_wins() {
        let closer = Closer::default();
        closer.close(4000);
        closer.close(1012);
        assert_eq!(closer.code(), Some(4000));
    }
}
