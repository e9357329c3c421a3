//! The hub: which local sessions are members of which room, and the fan-out
//! of each message the broker delivers to them.
//!
//! The hub is the node's single source of truth for "does this node need
//! room X?", and it is the node's side of the broker seam
//! ([`BrokerHandler`]): the broker asks it which rooms are wanted (rooms whose
//! membership changed sign are queued as `dirty` and the broker is woken),
//! tells it which rooms are active (subscribed; what a joining session waits
//! for), and hands it each arriving message, which the hub encodes once and
//! pushes into every member's [`Outbox`]. Edits and deletions arrive the same
//! way, each at its own place in the room's history, so the position check
//! below gives them to every member once and in order with the messages;
//! members whose protocol predates them are skipped.
//!
//! A new member is first *held*: live messages for it are kept aside while
//! its session sends the room's history, and [`Hub::go_live`] then releases
//! those newer than the history's last message. That is the seam between
//! history and live messages: nothing missing (the node subscribed before the
//! history was read) and nothing twice (duplicates are dropped by id).
//!
//! Locks: one `std` mutex over the map of rooms, held only to find, add or
//! remove a room, and one per room, held for that room's fan-out (pushes into
//! bounded outboxes, which never wait). A busy room's fan-out so holds up
//! only that room: joins, leaves and deliveries elsewhere take other locks.
//! The map lock is never waited for while a room's lock is held, and neither
//! is held across an `.await`. A room left by its last member is *closed*
//! when it leaves the map, so a session that found it just before joins the
//! room's next entry instead.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::extract::ws::{Message, Utf8Bytes};
use roomcast_protocol::close::SLOW_CONSUMER;
use roomcast_protocol::{version, MessageId, RoomName, ServerFrame};
use tokio::sync::{watch, Notify};

pub use self::people::PresenceWork;
use crate::broker::entry::{current_frame, message_frame};
pub use crate::broker::envelope::SessionId;
use crate::broker::{BrokerHandler, Delivery, Offset, Position, Typist};
use crate::metrics::Metrics;
use crate::outbox::{Outbox, Push};
use crate::presence::{Names, Presence};

mod people;

#[derive(Debug)]
struct Member {
    outbox: Outbox,
    /// While the session sends the room's history after `join`: the live
    /// messages that arrived meanwhile, to follow the history. `None` once
    /// the member is live. Bounded by the outbox's capacity.
    held: Option<Vec<(MessageId, Utf8Bytes)>>,
    /// The last message its session sent from history: later deliveries up
    /// to it are repeats for this member. A message can be in the stream
    /// (and so in the history read) before its publish reaches this node, so
    /// the seam is kept per member until a newer message passes it.
    had_through: Option<MessageId>,
    /// The protocol version its session speaks, for frames newer versions added.
    protocol: u32,
}

impl Member {
    /// Whether the member already has message `id` from its history; the
    /// first newer message ends the check.
    fn has_had(&mut self, id: MessageId) -> bool {
        match self.had_through {
            Some(through) if id <= through => true,
            Some(_) => {
                self.had_through = None;
                false
            }
            None => false,
        }
    }
}

#[derive(Debug)]
struct Room {
    members: HashMap<SessionId, Member>,
    /// Taken out of the map (its last member left): a join that found it
    /// before that looks again.
    closed: bool,
    /// The broker confirmed this node receives the room's messages.
    active: bool,
    /// Where this node's members stand in the room's history: the last
    /// message delivered here, or the history's end when a member joined.
    /// Deliveries at or before it are repeats and are dropped, which is what
    /// lets the broker fill a gap from the history without doubling anything.
    position: Option<Position>,
}

/// A room's entry, shared between the map and whoever works on the room.
type Slot = Arc<Mutex<Room>>;

#[derive(Debug, Default)]
struct Rooms {
    map: HashMap<RoomName, Slot>,
    /// Rooms that appeared or disappeared since the broker last looked.
    dirty: HashSet<RoomName>,
}

/// Running totals of the hub's fan-out, for health output and metrics.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Deliveries {
    /// Room messages queued for a member.
    pub queued: u64,
    /// Room messages that found a member's queue full (that member was closed as too slow).
    pub overflowed: u64,
}

#[derive(Debug)]
pub struct Hub {
    rooms: Mutex<Rooms>,
    /// This node's origin, to recognise messages its own sessions sent.
    origin: u64,
    /// Wakes the broker's subscription task when `dirty` gains a room.
    changed: Notify,
    /// Bumped whenever a room turns active, for sessions waiting in `join`.
    activations: watch::Sender<u64>,
    /// Rooms are active as soon as they exist (the embedded broker).
    always_active: bool,
    next_session: AtomicU64,
    metrics: Arc<Metrics>,
    /// Who is in which room, by name, on every node. Its own lock, never
    /// taken while `rooms` is held.
    presence: Mutex<Presence>,
}

impl Hub {
    pub fn new(origin: u64, always_active: bool, metrics: Arc<Metrics>) -> Self {
        Hub {
            rooms: Mutex::default(),
            origin,
            changed: Notify::new(),
            activations: watch::Sender::new(0),
            always_active,
            next_session: AtomicU64::new(1),
            metrics,
            presence: Mutex::default(),
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

    /// The entry of `room`, if it has members here; its lock is not taken.
    fn slot(&self, room: &RoomName) -> Option<Slot> {
        self.lock().map.get(room).cloned()
    }

    /// Every room's entry, taken from the map in one short hold.
    fn slots(&self) -> Vec<Slot> {
        self.lock().map.values().cloned().collect()
    }

    /// Runs `work` on `room` under its own lock; `None` when it has no members here.
    fn with_room<T>(&self, room: &RoomName, work: impl FnOnce(&mut Room) -> T) -> Option<T> {
        let slot = self.slot(room)?;
        let mut entry = lock_room(&slot);
        Some(work(&mut entry))
    }

    /// Adds a member speaking `protocol`, held until [`Hub::go_live`].
    /// Returns true when the room is new on this node.
    pub fn join(&self, room: &RoomName, session: SessionId, outbox: Outbox, protocol: u32) -> bool {
        let member = Member { outbox, held: Some(Vec::new()), had_through: None, protocol };
        loop {
            let (slot, created) = {
                let mut rooms = self.lock();
                match rooms.map.get(room) {
                    Some(slot) => (slot.clone(), false),
                    None => {
                        let entry = Room {
                            members: HashMap::new(),
                            closed: false,
                            active: self.always_active,
                            position: None,
                        };
                        let slot = Arc::new(Mutex::new(entry));
                        rooms.map.insert(room.clone(), slot.clone());
                        rooms.dirty.insert(room.clone());
                        (slot, true)
                    }
                }
            };
            if created {
                self.changed.notify_one();
            }
            let mut entry = lock_room(&slot);
            if entry.closed {
                // Its last member left between our two locks: a new entry.
                continue;
            }
            entry.members.insert(session, member);
            return created;
        }
    }

    /// Removes a member. Returns true when it was the room's last one here.
    pub fn leave(&self, room: &RoomName, session: SessionId) -> bool {
        let Some(slot) = self.slot(room) else { return false };
        {
            let mut entry = lock_room(&slot);
            if entry.members.remove(&session).is_none() || !entry.members.is_empty() {
                return false;
            }
        }
        // The room looks empty: under the map's lock (then the room's, which
        // an empty room's holders keep only briefly) make sure nobody joined
        // meanwhile before taking it out.
        let emptied = {
            let mut rooms = self.lock();
            let mut entry = lock_room(&slot);
            let current = rooms.map.get(room).is_some_and(|now| Arc::ptr_eq(now, &slot));
            let emptied = current && entry.members.is_empty() && !entry.closed;
            if emptied {
                entry.closed = true;
                drop(entry);
                rooms.map.remove(room);
                rooms.dirty.insert(room.clone());
            }
            emptied
        };
        if emptied {
            self.people().clear_remote(room);
            self.changed.notify_one();
        }
        emptied
    }

    /// Makes a held member live: the messages held for it that are newer
    /// than `after` (the last one its session already sent) are queued, in
    /// order, and later ones go straight to its outbox.
    pub fn go_live(&self, room: &RoomName, session: SessionId, after: Option<MessageId>) {
        self.with_room(room, |entry| {
            let Some(member) = entry.members.get_mut(&session) else { return };
            let Some(held) = member.held.take() else { return };
            member.had_through = after;
            for (id, bytes) in held {
                if member.has_had(id) {
                    continue;
                }
                member.outbox.push(Message::Text(bytes));
            }
        });
    }

    /// The first member of a room read its history up to `end`, after the
    /// node subscribed: the node's members stand there. Once the room has a
    /// position only deliveries move it, so a message still on its way to
    /// members who were here before is never mistaken for a repeat.
    pub fn note_position(&self, room: &RoomName, end: Position) {
        self.with_room(room, |entry| {
            entry.position.get_or_insert(end);
        });
    }

    pub fn is_active(&self, room: &RoomName) -> bool {
        self.with_room(room, |entry| entry.active).unwrap_or(false)
    }

    /// Whether `room` has members on this node.
    pub fn has_room(&self, room: &RoomName) -> bool {
        self.lock().map.contains_key(room)
    }

    /// Rooms with at least one member on this node.
    pub fn room_count(&self) -> usize {
        self.lock().map.len()
    }

    pub fn member_count(&self, room: &RoomName) -> usize {
        self.with_room(room, |entry| entry.members.len()).unwrap_or(0)
    }

    /// Totals of every fan-out so far.
    pub fn deliveries(&self) -> Deliveries {
        Deliveries {
            queued: self.metrics.deliveries.get(),
            overflowed: self.metrics.deliveries_dropped.get(),
        }
    }

    /// Waits until the node receives `room`'s messages. False on timeout,
    /// or when the room disappeared meanwhile.
    pub async fn wait_active(&self, room: &RoomName, limit: Duration) -> bool {
        let mut activations = self.activations.subscribe();
        let wait = async {
            loop {
                match self.with_room(room, |entry| entry.active) {
                    None => return false,
                    Some(true) => return true,
                    Some(false) => {}
                }
                if activations.changed().await.is_err() {
                    return false;
                }
            }
        };
        tokio::time::timeout(limit, wait).await.unwrap_or(false)
    }

    /// Sends each member of `room` its form of `fanout`. The bytes are
    /// shared, not copied, between members. Returns how many members there
    /// were.
    fn push_to_members(&self, room: &RoomName, at: Offset<'_>, fanout: &Fanout) -> usize {
        let (mut queued, mut overflowed) = (0, 0);
        let id = at.id;
        let Some(slot) = self.slot(room) else { return 0 };
        let mut guard = lock_room(&slot);
        let entry = &mut *guard;
        match &mut entry.position {
            Some(position) if position.epoch == at.epoch => {
                if at.id <= position.id {
                    return 0;
                }
                position.id = at.id;
            }
            position => *position = Some(Position { id: at.id, epoch: at.epoch.to_owned() }),
        }
        for (session, member) in &mut entry.members {
            if member.held.is_none() && member.has_had(id) {
                continue;
            }
            let Some(bytes) = fanout.bytes_for(*session, member.protocol) else { continue };
            let pushed = match &mut member.held {
                None => member.outbox.push(Message::Text(bytes)),
                Some(held) if held.len() < member.outbox.capacity() => {
                    held.push((id, bytes));
                    Push::Queued
                }
                Some(held) => {
                    held.clear();
                    member.outbox.closer().close(SLOW_CONSUMER);
                    Push::Overflowed
                }
            };
            match pushed {
                Push::Queued => queued += 1,
                Push::Overflowed => overflowed += 1,
                Push::Gone => {}
            }
        }
        let members = entry.members.len();
        drop(guard);
        self.metrics.deliveries.inc_by(queued);
        self.metrics.deliveries_dropped.inc_by(overflowed);
        members
    }
}

/// Locks one room. Its holders only move bytes between queues, so a panic
/// there leaves it as consistent as it was: keep serving.
fn lock_room(slot: &Slot) -> MutexGuard<'_, Room> {
    slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// One delivery, encoded once for each kind of member.
#[derive(Debug)]
struct Fanout {
    /// For members that speak edits (version 6 and newer).
    current: Utf8Bytes,
    /// For older members; `None` when they get nothing (a change, a deleted
    /// message).
    older: Option<Utf8Bytes>,
    /// The sender's own copy, with its `client_id`, when it is on this node.
    own: Option<(SessionId, Utf8Bytes)>,
}

impl Fanout {
    /// A message is encoded once for all members (once more when it was
    /// changed, for those older than edits), and once with `client_id` for
    /// its sender when the sender is on this node; a change once, for
    /// members that speak edits.
    fn new(origin: u64, room: &RoomName, at: MessageId, entry: Delivery<'_>) -> Fanout {
        let encode = |frame: ServerFrame<'_>| Utf8Bytes::from(frame.encode());
        match entry {
            Delivery::Message { envelope, amendment } => {
                let mut frame = current_frame(envelope, amendment, room, at);
                let current = encode(ServerFrame::Message(frame.clone()));
                let older = match amendment {
                    None => Some(current.clone()),
                    Some(_) => message_frame(envelope, amendment, room, at, version::EDITS - 1)
                        .map(|older| encode(ServerFrame::Message(older))),
                };
                // A changed message comes from history (a gap fill), where
                // nobody's copy carries a client id.
                let own = (envelope.origin == origin && amendment.is_none()).then(|| {
                    frame.client_id = Some(Cow::Borrowed(&envelope.client_id));
                    (envelope.session, encode(ServerFrame::Message(frame)))
                });
                Fanout { current, older, own }
            }
            Delivery::Change(change) => {
                Fanout { current: encode(change.to_frame(room, at)), older: None, own: None }
            }
        }
    }

    /// What `session`, speaking `protocol`, is sent.
    fn bytes_for(&self, session: SessionId, protocol: u32) -> Option<Utf8Bytes> {
        match &self.own {
            Some((sender, own)) if *sender == session => Some(own.clone()),
            _ if protocol >= version::EDITS => Some(self.current.clone()),
            _ => self.older.clone(),
        }
    }
}

impl BrokerHandler for Hub {
    /// Encodes the entry once per kind of member (see [`Fanout`]) and
    /// queues it for every local member of `room` that lacks it.
    fn deliver(&self, room: &RoomName, at: Offset<'_>, entry: Delivery<'_>) -> usize {
        let lag_ms = crate::broker::now_ms().saturating_sub(at.id.ms);
        self.metrics.delivery_lag_seconds.observe(lag_ms as f64 / 1000.0);
        self.push_to_members(room, at, &Fanout::new(self.origin, room, at.id, entry))
    }

    fn position(&self, room: &RoomName) -> Option<Position> {
        self.with_room(room, |entry| entry.position.clone()).flatten()
    }

    fn has_room(&self, room: &RoomName) -> bool {
        Hub::has_room(self, room)
    }

    fn presence(&self, room: &RoomName, origin: u64, names: Names) {
        if origin != self.origin {
            self.people().set_remote(room, origin, names);
        }
    }

    fn node_gone(&self, origin: u64) {
        self.people().drop_origin(origin);
    }

    fn remote_origins(&self) -> HashSet<u64> {
        self.people().remote_origins()
    }

    fn typing(&self, room: &RoomName, typist: &Typist<'_>) {
        self.push_typing(room, typist);
    }

    fn report_gap(&self, room: &RoomName, now: Position) {
        let frame = ServerFrame::Gap { room: Cow::Borrowed(room.as_str()), epoch: Cow::Borrowed(&now.epoch) };
        let bytes = Utf8Bytes::from(frame.encode());
        self.with_room(room, |entry| {
            for member in entry.members.values().filter(|m| m.protocol >= version::HISTORY) {
                member.outbox.push(Message::Text(bytes.clone()));
            }
            entry.position = Some(now);
        });
    }

    fn activate(&self, names: &[RoomName]) {
        let slots: Vec<Slot> = {
            let rooms = self.lock();
            names.iter().filter_map(|name| rooms.map.get(name).cloned()).collect()
        };
        for slot in slots {
            lock_room(&slot).active = true;
        }
        self.activations.send_modify(|n| *n += 1);
    }

    fn deactivate_all(&self) {
        if self.always_active {
            return;
        }
        for slot in self.slots() {
            lock_room(&slot).active = false;
        }
    }

    fn take_changes(&self) -> Vec<(RoomName, bool)> {
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

    fn wanted_rooms(&self) -> Vec<RoomName> {
        let mut rooms = self.lock();
        rooms.dirty.clear();
        rooms.map.keys().cloned().collect()
    }

    fn changes(&self) -> &Notify {
        &self.changed
    }
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::broker::{Amendment, Change, Envelope};
    use roomcast_protocol::PROTOCOL_VERSION;

    fn room(name: &str) -> RoomName {
        RoomName::parse(name).unwrap()
    }

    /// Joins and goes live at once, as a session without history does.
    fn join_live(hub: &Hub, name: &str, session: SessionId, outbox: Outbox) {
        hub.join(&room(name), session, outbox, PROTOCOL_VERSION);
        hub.go_live(&room(name), session, None);
    }

    /// A place in the history of epoch "e1".
    fn at(ms: u64, seq: u64) -> Offset<'static> {
        Offset { id: MessageId::new(ms, seq), epoch: "e1" }
    }

    fn envelope(origin: u64, session: SessionId) -> Envelope<'static> {
        Envelope {
            origin,
            session,
            client_id: "c-1".into(),
            author: "Ada".into(),
            text: "hi".into(),
            user: None,
        }
    }

    fn text_of(message: Message) -> String {
        match message {
            Message::Text(text) => text.as_str().to_owned(),
            other => panic!("expected a text frame, got {other:?}"),
        }
    }

    #[test]
    fn first_join_and_last_leave_are_reported_and_queued_for_the_broker() {
        let hub = Hub::new(1, false, Arc::default());
        let (a, _rx_a) = Outbox::new(4);
        let (b, _rx_b) = Outbox::new(4);
        assert!(hub.join(&room("x"), 1, a, PROTOCOL_VERSION));
        assert!(!hub.join(&room("x"), 2, b, PROTOCOL_VERSION));
        assert_eq!(hub.take_changes(), vec![(room("x"), true)]);
        assert!(!hub.leave(&room("x"), 1));
        assert!(hub.take_changes().is_empty());
        assert!(hub.leave(&room("x"), 2));
        assert_eq!(hub.take_changes(), vec![(room("x"), false)]);
        assert!(!hub.leave(&room("x"), 2), "leaving twice is harmless");
    }

    #[test]
    fn a_message_is_encoded_once_for_members_and_the_sender_gets_its_client_id() {
        let hub = Hub::new(7, true, Arc::default());
        let (a, mut rx_a) = Outbox::new(4);
        let (b, mut rx_b) = Outbox::new(4);
        let (c, mut rx_c) = Outbox::new(4);
        join_live(&hub, "x", 1, a);
        join_live(&hub, "x", 2, b);
        join_live(&hub, "y", 3, c);
        let reached = hub.deliver(&room("x"), at(5, 0), (&envelope(7, 1)).into());
        assert_eq!(reached, 2);
        assert!(text_of(rx_a.try_recv().unwrap()).contains("\"client_id\":\"c-1\""));
        assert!(!text_of(rx_b.try_recv().unwrap()).contains("client_id"));
        assert!(rx_c.try_recv().is_err(), "other rooms get nothing");
        assert_eq!(hub.deliveries(), Deliveries { queued: 2, overflowed: 0 });
    }

    #[test]
    fn a_session_of_another_node_with_the_same_number_gets_no_client_id() {
        let hub = Hub::new(7, true, Arc::default());
        let (a, mut rx_a) = Outbox::new(4);
        join_live(&hub, "x", 1, a);
        hub.deliver(&room("x"), at(5, 0), (&envelope(8, 1)).into());
        assert!(!text_of(rx_a.try_recv().unwrap()).contains("client_id"));
    }

    #[test]
    fn a_full_queue_closes_only_that_session_as_too_slow() {
        let hub = Hub::new(1, true, Arc::default());
        let (slow, _rx_slow) = Outbox::new(1);
        let (fast, mut rx_fast) = Outbox::new(8);
        let slow_closer = slow.closer().clone();
        join_live(&hub, "x", 1, slow);
        join_live(&hub, "x", 2, fast.clone());
        hub.deliver(&room("x"), at(1, 0), (&envelope(9, 9)).into());
        hub.deliver(&room("x"), at(2, 0), (&envelope(9, 9)).into());
        assert_eq!(hub.deliveries(), Deliveries { queued: 3, overflowed: 1 });
        assert_eq!(slow_closer.code(), Some(SLOW_CONSUMER));
        assert_eq!(fast.closer().code(), None);
        assert!(text_of(rx_fast.try_recv().unwrap()).contains("\"id\":\"1-0\""));
        assert!(text_of(rx_fast.try_recv().unwrap()).contains("\"id\":\"2-0\""));
    }

    #[test]
    fn a_held_member_gets_what_came_during_its_history_once_and_in_order() {
        let hub = Hub::new(1, true, Arc::default());
        let (a, mut rx) = Outbox::new(8);
        hub.join(&room("x"), 1, a, PROTOCOL_VERSION);
        for seq in 1..=3 {
            hub.deliver(&room("x"), at(10, seq), (&envelope(9, 9)).into());
        }
        assert!(rx.try_recv().is_err(), "nothing passes while the history is being sent");
        // The session's history ended with 10-2, so only 10-3 is new.
        hub.go_live(&room("x"), 1, Some(MessageId::new(10, 2)));
        hub.deliver(&room("x"), at(10, 4), (&envelope(9, 9)).into());
        assert!(text_of(rx.try_recv().unwrap()).contains("\"id\":\"10-3\""));
        assert!(text_of(rx.try_recv().unwrap()).contains("\"id\":\"10-4\""));
        assert!(rx.try_recv().is_err());
    }

    #[test]
    fn a_message_from_the_history_that_arrives_live_after_the_seam_is_not_given_twice() {
        let hub = Hub::new(1, true, Arc::default());
        let (old, mut rx_old) = Outbox::new(8);
        join_live(&hub, "x", 1, old);
        let (new, mut rx_new) = Outbox::new(8);
        hub.join(&room("x"), 2, new, PROTOCOL_VERSION);
        // The newcomer's history read already held 10-1, whose publish has
        // not reached this node yet.
        hub.go_live(&room("x"), 2, Some(MessageId::new(10, 1)));
        hub.deliver(&room("x"), at(10, 1), (&envelope(9, 9)).into());
        hub.deliver(&room("x"), at(10, 2), (&envelope(9, 9)).into());
        let ids = |rx: &mut crate::outbox::Queue| {
            std::iter::from_fn(|| rx.try_recv().ok()).map(text_of).collect::<Vec<_>>()
        };
        assert_eq!(ids(&mut rx_old).len(), 2, "the member who was there gets both");
        let newcomer = ids(&mut rx_new);
        assert_eq!(newcomer.len(), 1, "{newcomer:?}");
        assert!(newcomer[0].contains("\"id\":\"10-2\""));
    }

    #[test]
    fn a_member_held_for_too_long_is_closed_as_too_slow() {
        let hub = Hub::new(1, true, Arc::default());
        let (a, _rx) = Outbox::new(2);
        let closer = a.closer().clone();
        hub.join(&room("x"), 1, a, PROTOCOL_VERSION);
        for seq in 0..3 {
            hub.deliver(&room("x"), at(10, seq), (&envelope(9, 9)).into());
        }
        assert_eq!(closer.code(), Some(SLOW_CONSUMER));
    }

    #[test]
    fn a_message_delivered_twice_reaches_members_once() {
        let hub = Hub::new(1, true, Arc::default());
        let (a, mut rx) = Outbox::new(8);
        join_live(&hub, "x", 1, a);
        for (ms, seq) in [(10, 0), (10, 1), (10, 0), (9, 5), (10, 1), (11, 0)] {
            hub.deliver(&room("x"), at(ms, seq), (&envelope(9, 9)).into());
        }
        let ids: Vec<String> = std::iter::from_fn(|| rx.try_recv().ok()).map(text_of).collect();
        assert_eq!(ids.len(), 3, "{ids:?}");
        assert_eq!(
            hub.position(&room("x")),
            Some(Position { id: MessageId::new(11, 0), epoch: "e1".into() })
        );
    }

    #[test]
    fn a_new_epoch_is_taken_as_it_comes() {
        let hub = Hub::new(1, true, Arc::default());
        let (a, mut rx) = Outbox::new(8);
        join_live(&hub, "x", 1, a);
        hub.deliver(&room("x"), at(10, 0), (&envelope(9, 9)).into());
        hub.deliver(&room("x"), Offset { id: MessageId::new(5, 0), epoch: "e2" }, (&envelope(9, 9)).into());
        assert_eq!(std::iter::from_fn(|| rx.try_recv().ok()).count(), 2);
    }

    /// Two live members of room "x": session 1 speaks edits, session 2 the
    /// version before; their queues, in that order.
    fn members_with_and_without_edits(hub: &Hub) -> (crate::outbox::Queue, crate::outbox::Queue) {
        let (new, rx_new) = Outbox::new(8);
        let (old, rx_old) = Outbox::new(8);
        join_live(hub, "x", 1, new);
        hub.join(&room("x"), 2, old, version::EDITS - 1);
        hub.go_live(&room("x"), 2, None);
        (rx_new, rx_old)
    }

    fn drain(rx: &mut crate::outbox::Queue) -> Vec<String> {
        std::iter::from_fn(|| rx.try_recv().ok()).map(text_of).collect()
    }

    #[test]
    fn a_change_reaches_members_once_in_order_and_only_those_who_speak_edits() {
        let hub = Hub::new(1, true, Arc::default());
        let (mut rx_new, mut rx_old) = members_with_and_without_edits(&hub);
        let edit = Change { message: MessageId::new(10, 0), text: Some("fixed".into()) };
        hub.deliver(&room("x"), at(10, 0), (&envelope(9, 9)).into());
        hub.deliver(&room("x"), at(11, 0), Delivery::Change(&edit));
        hub.deliver(&room("x"), at(11, 0), Delivery::Change(&edit));
        hub.deliver(&room("x"), at(12, 0), (&envelope(9, 9)).into());
        let seen = drain(&mut rx_new);
        assert_eq!(seen.len(), 3, "{seen:?}");
        assert_eq!(
            seen[1],
            r#"{"type":"edited","room":"x","id":"10-0","text":"fixed","edited_ts":11,"change_id":"11-0"}"#
        );
        assert!(seen[2].contains("\"id\":\"12-0\""));
        let older = drain(&mut rx_old);
        assert_eq!(older.len(), 2, "the two messages, never the change: {older:?}");
        assert!(older.iter().all(|frame| frame.contains("\"type\":\"message\"")));
    }

    #[test]
    fn a_changed_message_filling_a_gap_comes_in_its_current_state_for_each_version() {
        let hub = Hub::new(9, true, Arc::default());
        let (mut rx_new, mut rx_old) = members_with_and_without_edits(&hub);
        let sent = envelope(9, 1);
        let edited = Amendment { at: MessageId::new(12, 0), text: Some("fixed".into()) };
        let deleted = Amendment { at: MessageId::new(13, 0), text: None };
        hub.deliver(&room("x"), at(10, 0), Delivery::Message { envelope: &sent, amendment: Some(&edited) });
        hub.deliver(&room("x"), at(11, 0), Delivery::Message { envelope: &sent, amendment: Some(&deleted) });
        let seen = drain(&mut rx_new);
        assert!(seen[0].contains(r#""text":"fixed","ts":10,"edited_ts":12"#), "{seen:?}");
        assert!(!seen[0].contains("client_id"), "from history, not the sender's live copy");
        assert!(seen[1].contains(r#""text":"","ts":11,"deleted":true"#), "{seen:?}");
        let older = drain(&mut rx_old);
        assert_eq!(older.len(), 1, "no deleted message for an older client: {older:?}");
        assert!(older[0].contains(r#""text":"fixed","ts":10}"#), "{older:?}");
    }

    #[test]
    fn a_gap_is_reported_to_members_who_speak_history_and_moves_the_position() {
        let hub = Hub::new(1, true, Arc::default());
        let (new, mut rx_new) = Outbox::new(8);
        let (old, mut rx_old) = Outbox::new(8);
        hub.join(&room("x"), 1, new, PROTOCOL_VERSION);
        hub.go_live(&room("x"), 1, None);
        hub.join(&room("x"), 2, old, 2);
        hub.go_live(&room("x"), 2, None);
        let now = Position { id: MessageId::new(20, 0), epoch: "e2".into() };
        hub.report_gap(&room("x"), now.clone());
        assert_eq!(text_of(rx_new.try_recv().unwrap()), r#"{"type":"gap","room":"x","epoch":"e2"}"#);
        assert!(rx_old.try_recv().is_err(), "a version 2 client does not know the frame");
        assert_eq!(hub.position(&room("x")), Some(now));
    }

    #[test]
    fn only_the_first_member_sets_where_the_room_stands() {
        let hub = Hub::new(1, true, Arc::default());
        let (a, _rx) = Outbox::new(8);
        join_live(&hub, "x", 1, a);
        hub.note_position(&room("x"), Position { id: MessageId::new(10, 0), epoch: "e1".into() });
        hub.note_position(&room("x"), Position { id: MessageId::new(30, 0), epoch: "e1".into() });
        assert_eq!(hub.position(&room("x")).map(|p| p.id), Some(MessageId::new(10, 0)));
    }

    #[test]
    fn a_room_busy_with_its_fan_out_holds_up_no_other_room() {
        let hub = Hub::new(1, true, Arc::default());
        let (a, _rx_a) = Outbox::new(8);
        let (b, mut rx_b) = Outbox::new(8);
        join_live(&hub, "busy", 1, a);
        join_live(&hub, "quiet", 2, b);
        // Stand in for a long fan-out: hold the busy room's lock while the
        // rest of the node goes on, on another thread.
        let busy = hub.slot(&room("busy")).unwrap();
        let held = lock_room(&busy);
        let rooms = crate::test_support::finishes_meanwhile("work on other rooms", || {
            hub.deliver(&room("quiet"), at(1, 0), (&envelope(9, 9)).into());
            let (c, _rx_c) = Outbox::new(8);
            join_live(&hub, "new", 3, c);
            hub.leave(&room("new"), 3);
            hub.activate(&[room("quiet")]);
            hub.room_count()
        });
        assert_eq!(rooms, 2);
        drop(held);
        assert!(text_of(rx_b.try_recv().unwrap()).contains("\"id\":\"1-0\""));
    }

    #[test]
    fn a_member_joining_as_the_last_one_leaves_always_lands_in_a_room_that_is_delivered_to() {
        for round in 0..500u64 {
            let hub = Hub::new(1, true, Arc::default());
            let (a, _rx_a) = Outbox::new(8);
            join_live(&hub, "x", 1, a);
            let (b, mut rx_b) = Outbox::new(8);
            std::thread::scope(|scope| {
                scope.spawn(|| hub.leave(&room("x"), 1));
                scope.spawn(|| join_live(&hub, "x", 2, b));
            });
            assert_eq!(hub.member_count(&room("x")), 1, "round {round}");
            hub.deliver(&room("x"), at(round + 1, 0), (&envelope(9, 9)).into());
            assert!(rx_b.try_recv().is_ok(), "round {round}: the joiner was left in a closed room");
            let wanted: Vec<_> = hub.take_changes().into_iter().filter(|(_, wanted)| *wanted).collect();
            assert_eq!(
                wanted,
                vec![(room("x"), true)],
                "round {round}: the broker is told the room is wanted"
            );
        }
    }

    #[tokio::test]
    async fn joiners_wait_until_the_broker_activates_the_room() {
        let hub = Arc::new(Hub::new(1, false, Arc::default()));
        let (a, _rx) = Outbox::new(4);
        hub.join(&room("x"), 1, a, PROTOCOL_VERSION);
        assert!(!hub.wait_active(&room("x"), Duration::from_millis(20)).await);
        let waiter = {
            let hub = hub.clone();
            tokio::spawn(async move { hub.wait_active(&room("x"), Duration::from_secs(5)).await })
        };
        hub.activate(&[room("x")]);
        assert!(waiter.await.unwrap());
        hub.deactivate_all();
        assert!(!hub.is_active(&room("x")));
    }
}
