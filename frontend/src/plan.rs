//! What the connection must (re)establish and what it still owes: the name,
//! the rooms the user is in, and messages the server has not confirmed.
//!
//! The connection task asks the plan which frames to write at each event: a
//! new connection gets `hello` and a `join` per room, each asking for the
//! room's recent history or, for a room seen before, for what was missed
//! since its last message (`since` + `epoch`); a room's waiting messages go
//! out when that room's `joined` arrives, so they never race a join. The
//! plan outlives connections, which is how the client rejoins its rooms,
//! recovers what it missed and sends what was typed or in flight meanwhile
//! ([`crate::outbox`]), and our edits and deletions (version 6,
//! [`crate::change_queue`]), whose `change_id`s are offsets for recovery
//! like message ids. It also asks for older messages, one page per room at
//! a time, and with a version 4 server for each room's members after its
//! `joined`, and says that the user is typing (at most every
//! [`crate::typing::ANNOUNCE_EVERY_MS`]). After a refusal for sending too
//! fast it paces the sends ([`Plan::paced`], at [`Plan::next_turn_ms`]). It
//! is pure and unit-tested.

use std::borrow::Cow;

use roomcast_protocol::{version, ClientFrame, MessageId, RoomName};

use crate::change_queue::{ChangeQueue, OutgoingChange};
use crate::edits::Change;
use crate::error_meaning::{Awaiting, ChangeFailure, ErrorMeaning};
use crate::outbox::Outbox;
pub use crate::outbox::{Outgoing, QueueFull, MAX_QUEUED};
use crate::typing::Throttle;

/// How many recent messages a join asks for.
pub const JOIN_HISTORY: u32 = 50;
/// How many older messages one `history` request asks for.
pub const PAGE_SIZE: u32 = 50;

/// One room the user is in, whether or not this connection has joined it.
#[derive(Debug)]
struct Membership {
    room: RoomName,
    /// Its `joined` arrived on the current connection.
    joined: bool,
    /// The room's epoch from the latest `joined` that named one: the
    /// history that `last_seen` is an offset into.
    epoch: Option<String>,
    /// The newest id seen in the room, of a message or of a change to
    /// one: where recovery starts.
    last_seen: Option<MessageId>,
    /// A `history` request is on its way.
    paging: bool,
    /// When the user's typing may be announced in the room again.
    typing: Throttle,
}

impl Membership {
    fn new(room: RoomName) -> Self {
        Membership {
            room,
            joined: false,
            epoch: None,
            last_seen: None,
            paging: false,
            typing: Throttle::default(),
        }
    }

    /// A join that asks for recent history, or for everything after the
    /// last message seen when there is one to recover from.
    fn join_frame(&self) -> ClientFrame<'static> {
        let (since, epoch) = match (&self.epoch, self.last_seen) {
            (Some(epoch), Some(last)) => (Some(last), Some(owned(epoch))),
            _ => (None, None),
        };
        ClientFrame::Join { room: owned(self.room.as_str()), history: Some(JOIN_HISTORY), since, epoch }
    }
}

#[derive(Debug, Default)]
pub struct Plan {
    name: Option<String>,
    /// The identity token for `hello`, where the server requires one.
    token: Option<String>,
    /// Rooms the user is in, in the order they were opened.
    rooms: Vec<Membership>,
    /// Joins the server answered `unavailable`: asked again on the next tick.
    retry_joins: Vec<RoomName>,
    connected: bool,
    /// The protocol version of the current connection's `welcome`.
    protocol: Option<u32>,
    outbox: Outbox,
    /// Edits and deletions the server has not confirmed.
    changes: ChangeQueue,
    /// The latest `welcome` named our user (identity tokens): a change on
    /// its way when the connection drops can be made by the next one.
    identified: bool,
}

/// Whether `room` is among `rooms` and joined on the current connection.
fn joined_in(rooms: &[Membership], room: &RoomName) -> bool {
    rooms.iter().any(|membership| &membership.room == room && membership.joined)
}

fn owned(text: &str) -> Cow<'static, str> {
    Cow::Owned(text.to_owned())
}

fn hello_frame(name: &str, token: Option<&str>) -> ClientFrame<'static> {
    let mut frame = ClientFrame::hello(owned(name));
    if let ClientFrame::Hello { token: slot, .. } = &mut frame {
        *slot = token.map(owned);
    }
    frame
}

impl Plan {
    /// The token every later `hello` carries.
    pub fn set_token(&mut self, token: Option<String>) {
        self.token = token;
    }

    pub fn has_name(&self) -> bool {
        self.name.is_some()
    }

    /// Messages the server has not confirmed yet.
    pub fn queued(&self) -> usize {
        self.outbox.len()
    }

    fn membership(&self, room: &RoomName) -> Option<&Membership> {
        self.rooms.iter().find(|membership| &membership.room == room)
    }

    fn membership_mut(&mut self, room: &RoomName) -> Option<&mut Membership> {
        self.rooms.iter_mut().find(|membership| &membership.room == room)
    }

    fn is_joined(&self, room: &RoomName) -> bool {
        self.membership(room).is_some_and(|membership| membership.joined)
    }

    /// A socket opened: greet and join everything again.
    pub fn connected(&mut self) -> Vec<ClientFrame<'static>> {
        self.connected = true;
        self.retry_joins.clear();
        let mut frames = Vec::with_capacity(self.rooms.len() + 1);
        if let Some(name) = &self.name {
            frames.push(hello_frame(name, self.token.as_deref()));
        }
        for membership in &mut self.rooms {
            membership.joined = false;
            membership.paging = false;
            frames.push(membership.join_frame());
        }
        frames
    }

    /// `welcome` arrived: the version the server speaks on this connection
    /// decides which requests it understands.
    pub fn welcomed(&mut self, protocol: u32) {
        self.protocol = Some(protocol);
    }

    fn speaks_presence(&self) -> bool {
        self.protocol.is_some_and(|agreed| agreed >= version::PRESENCE)
    }

    /// The socket closed: memberships and pages end with it, and messages
    /// in flight wait to be sent again.
    pub fn disconnected(&mut self) {
        self.connected = false;
        self.protocol = None;
        self.retry_joins.clear();
        for membership in &mut self.rooms {
            membership.joined = false;
            membership.paging = false;
        }
        self.outbox.requeue_in_flight();
        self.changes.disconnected(self.identified);
    }

    pub fn hello(&mut self, name: String) -> Vec<ClientFrame<'static>> {
        let frame = hello_frame(&name, self.token.as_deref());
        self.name = Some(name);
        self.when_connected(vec![frame])
    }

    pub fn join(&mut self, room: RoomName) -> Vec<ClientFrame<'static>> {
        if self.membership(&room).is_some() {
            return Vec::new();
        }
        let membership = Membership::new(room);
        let frame = membership.join_frame();
        self.rooms.push(membership);
        self.when_connected(vec![frame])
    }

    pub fn leave(&mut self, room: &RoomName) -> Vec<ClientFrame<'static>> {
        let was_joined = self.is_joined(room);
        self.rooms.retain(|membership| &membership.room != room);
        self.retry_joins.retain(|known| known != room);
        self.outbox.drop_room(room);
        self.changes.drop_room(room);
        if was_joined {
            vec![ClientFrame::Leave { room: owned(room.as_str()) }]
        } else {
            Vec::new()
        }
    }

    /// A message to send: at once when its room is joined, otherwise queued.
    /// It ends the user's typing for the others, so the next keystroke is
    /// announced at once.
    pub fn send(&mut self, message: Outgoing, now_ms: f64) -> Result<Vec<ClientFrame<'static>>, QueueFull> {
        if let Some(membership) = self.membership_mut(&message.room) {
            membership.typing.reset();
        }
        if self.connected && self.is_joined(&message.room) {
            return match self.outbox.send_now(message, now_ms)? {
                Some(frame) => Ok(vec![frame]),
                None => Ok(self.paced(now_ms)),
            };
        }
        self.outbox.push(message)?;
        Ok(Vec::new())
    }

    /// While sends are paced (a message was refused for sending too fast):
    /// the next message in line, when its turn has come. The connection
    /// asks after each of our messages the server confirmed or refused, and
    /// at [`Plan::next_turn_ms`].
    pub fn paced(&mut self, now_ms: f64) -> Vec<ClientFrame<'static>> {
        if !self.connected {
            return Vec::new();
        }
        let rooms = &self.rooms;
        self.outbox.paced(|room| joined_in(rooms, room), now_ms)
    }

    /// When the next paced message's wait ends, if one waits for a time.
    pub fn next_turn_ms(&self) -> Option<f64> {
        let rooms = &self.rooms;
        self.outbox.next_turn_ms(|room| joined_in(rooms, room)).filter(|_| self.connected)
    }

    /// `joined` arrived (with the room's `epoch` from version 3): a version 4
    /// server is asked who is in the room, and the room's waiting messages
    /// go out, oldest first.
    pub fn joined(&mut self, room: &RoomName, epoch: Option<&str>, now_ms: f64) -> Vec<ClientFrame<'static>> {
        let presence = self.speaks_presence();
        let Some(membership) = self.membership_mut(room) else { return Vec::new() };
        membership.joined = true;
        if let Some(epoch) = epoch {
            if membership.epoch.as_deref() != Some(epoch) {
                // Ids of another epoch are no offset into this one.
                membership.epoch = Some(epoch.to_owned());
                membership.last_seen = None;
            }
        }
        let mut frames = Vec::new();
        if presence {
            frames.push(ClientFrame::Members { room: owned(room.as_str()) });
        }
        frames.extend(self.outbox.due(|ready| ready == room, now_ms));
        frames.extend(self.changes.due(|ready| ready == room));
        frames
    }

    /// The user typed in `room`: a `typing` frame, unless the room is not
    /// joined on a version 4 connection or one went out less than
    /// [`crate::typing::ANNOUNCE_EVERY_MS`] ago.
    pub fn typing(&mut self, room: &RoomName, now_ms: f64) -> Vec<ClientFrame<'static>> {
        let live = self.connected && self.speaks_presence();
        let announce = self
            .membership_mut(room)
            .is_some_and(|membership| live && membership.joined && membership.typing.ready(now_ms));
        if announce {
            vec![ClientFrame::Typing { room: owned(room.as_str()) }]
        } else {
            Vec::new()
        }
    }

    /// A message of `room` arrived (live or from its backlog): the offset
    /// for recovery moves on, and our own copy settles the send.
    pub fn seen(&mut self, room: &RoomName, id: MessageId, client_id: Option<&str>) {
        if let Some(membership) = self.membership_mut(room) {
            membership.last_seen = membership.last_seen.max(Some(id));
        }
        if let Some(client_id) = client_id {
            self.outbox.settled(client_id);
        }
    }

    /// Messages of `room` were lost while connected (a `gap` frame): the
    /// room's history is now `epoch`, and recovery starts from the next
    /// message seen.
    pub fn gap(&mut self, room: &RoomName, epoch: &str) {
        if let Some(membership) = self.membership_mut(room) {
            membership.epoch = Some(epoch.to_owned());
            membership.last_seen = None;
        }
    }

    /// Asks for the messages of `room` before `before`, unless a page is
    /// already on its way or the room is not joined on this connection.
    pub fn older(&mut self, room: &RoomName, before: MessageId) -> Vec<ClientFrame<'static>> {
        let connected = self.connected;
        match self.membership_mut(room) {
            Some(membership) if connected && membership.joined && !membership.paging => {
                membership.paging = true;
                vec![ClientFrame::History { room: owned(room.as_str()), before, limit: Some(PAGE_SIZE) }]
            }
            _ => Vec::new(),
        }
    }

    /// The answer to a `history` request arrived.
    pub fn paged(&mut self, room: &RoomName) {
        if let Some(membership) = self.membership_mut(room) {
            membership.paging = false;
        }
    }

    /// The server says we are not in `room` any more.
    pub fn left(&mut self, room: &RoomName) {
        self.leave(room);
    }

    /// What we wait for in `room` on this connection (what
    /// [`crate::error_meaning::classify`] asks).
    pub fn awaiting(&self, room: &RoomName) -> Awaiting {
        match self.membership(room) {
            Some(membership) if !membership.joined => Awaiting::Join,
            Some(membership) if membership.paging => Awaiting::Page,
            _ => Awaiting::Nothing,
        }
    }

    /// Acts on an error: a refused room is forgotten, one to join later is
    /// asked again on the next tick, a message to try again is sent again
    /// (one refused for sending too fast after its wait, for which `now_ms`
    /// and `random` count), a refused send or page is no longer waited for.
    pub fn heed(&mut self, meaning: &ErrorMeaning, now_ms: f64, random: f64) {
        match meaning {
            ErrorMeaning::JoinRefused { room, .. } => {
                self.leave(room);
            }
            ErrorMeaning::JoinLater { room } if !self.retry_joins.contains(room) => {
                self.retry_joins.push(room.clone());
            }
            ErrorMeaning::SendAgain { client_id, maybe_delivered, .. } => {
                self.outbox.again(client_id, *maybe_delivered)
            }
            ErrorMeaning::SendLater { client_id, retry_after_ms, .. } => {
                self.outbox.later(client_id, *retry_after_ms, now_ms, random)
            }
            ErrorMeaning::SendFailed { client_id, .. } => self.outbox.settled(client_id),
            ErrorMeaning::PagingFailed { room, .. } => self.paged(room),
            ErrorMeaning::ChangeAgain { room, id, maybe_done } => self.changes.again(room, *id, *maybe_done),
            ErrorMeaning::ChangeFailed { room, id, .. } => self.changes.refused(room, *id),
            _ => {}
        }
    }

    /// Periodic work on a live connection: joins to ask again, and messages
    /// whose outcome was unknown sent again.
    pub fn tick(&mut self, now_ms: f64) -> Vec<ClientFrame<'static>> {
        if !self.connected {
            return Vec::new();
        }
        let rooms = &self.rooms;
        let mut frames = self.outbox.due(|room| joined_in(rooms, room), now_ms);
        for room in self.retry_joins.drain(..) {
            if let Some(membership) = rooms.iter().find(|membership| membership.room == room) {
                frames.push(membership.join_frame());
            }
        }
        frames.extend(self.changes.due(|room| rooms.iter().any(|known| &known.room == room && known.joined)));
        frames
    }

    /// Messages and changes given up since the last call ([`crate::outbox`],
    /// [`crate::change_queue`]), as failures for the state to show.
    pub fn take_abandoned(&mut self) -> Vec<ErrorMeaning> {
        let mut given_up = self.outbox.take_abandoned();
        given_up.extend(self.changes.take_abandoned());
        given_up
    }

    /// Whether the latest `welcome` named our user (identity tokens).
    pub fn identified(&mut self, identified: bool) {
        self.identified = identified;
    }

    /// An edit or a delete of one of our messages (version 6): written at
    /// once in a room joined on this connection. Otherwise it fails at once
    /// (the page offers it only there), as it does when too many wait.
    pub fn change(&mut self, change: OutgoingChange) -> Result<Vec<ClientFrame<'static>>, ErrorMeaning> {
        let refused = |change: OutgoingChange, failure| {
            let OutgoingChange { room, id, .. } = change;
            ErrorMeaning::ChangeFailed { room, id, failure }
        };
        if !(self.connected && self.is_joined(&change.room)) {
            return Err(refused(change, ChangeFailure::NotConnected));
        }
        match self.changes.send_now(change.clone()) {
            Ok(frame) => Ok(vec![frame]),
            Err(failure) => Err(refused(change, failure)),
        }
    }

    /// An `edited` or `deleted` frame about message `id` of `room`
    /// (`change`: the text it set, or the deletion): its `change_id` is an
    /// offset for recovery like a message id, and it confirms our change.
    pub fn changed(&mut self, room: &RoomName, id: MessageId, change_id: MessageId, change: &Change) {
        self.seen(room, change_id, None);
        self.changes.confirmed(room, id, change);
    }

    fn when_connected(&self, frames: Vec<ClientFrame<'static>>) -> Vec<ClientFrame<'static>> {
        if self.connected {
            frames
        } else {
            Vec::new()
        }
    }
}

#[cfg(test)]
mod change_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error_meaning::SendFailure;
    use crate::testing::{id, room};

    fn outgoing(room_name: &str, client_id: &str) -> Outgoing {
        Outgoing { room: room(room_name), client_id: client_id.into(), text: format!("text of {client_id}") }
    }

    /// A plan that greeted as Ada and is in `rooms`, not yet connected.
    fn ada_in(rooms: &[&str]) -> Plan {
        let mut plan = Plan::default();
        plan.hello("Ada".into());
        for name in rooms {
            plan.join(room(name));
        }
        plan
    }

    /// Ada connected and joined to `rooms` in epoch "e1".
    fn ada_joined(rooms: &[&str]) -> Plan {
        let mut plan = ada_in(rooms);
        plan.connected();
        for name in rooms {
            plan.joined(&room(name), Some("e1"), 0.0);
        }
        plan
    }

    /// Frames as compact strings: "hello Ada", "join general", "send general c1".
    fn show(frames: Vec<ClientFrame<'static>>) -> Vec<String> {
        frames
            .into_iter()
            .map(|frame| match frame {
                ClientFrame::Hello { name, .. } => format!("hello {name}"),
                ClientFrame::Join { room, history, since: None, epoch: None } => {
                    assert_eq!(history, Some(JOIN_HISTORY), "every join asks for history");
                    format!("join {room}")
                }
                ClientFrame::Join { room, since, epoch, .. } => {
                    format!("join {room} since {} in {}", since.unwrap(), epoch.unwrap())
                }
                ClientFrame::Leave { room } => format!("leave {room}"),
                ClientFrame::Send { room, client_id, .. } => format!("send {room} {client_id}"),
                ClientFrame::Ping { nonce } => format!("ping {nonce}"),
                ClientFrame::History { room, before, limit } => {
                    assert_eq!(limit, Some(PAGE_SIZE));
                    format!("history {room} before {before}")
                }
                ClientFrame::Members { room } => format!("members {room}"),
                ClientFrame::Typing { room } => format!("typing {room}"),
                ClientFrame::Edit { room, id, .. } => format!("edit {room} {id}"),
                ClientFrame::Delete { room, id } => format!("delete {room} {id}"),
            })
            .collect()
    }

    /// The connection drops and comes back: the join of the plan's first room.
    fn first_join_after_reconnect(plan: &mut Plan) -> String {
        plan.disconnected();
        show(plan.connected()).swap_remove(1)
    }

    fn send(plan: &mut Plan, room_name: &str, client_id: &str) -> Vec<String> {
        show(plan.send(outgoing(room_name, client_id), 0.0).unwrap())
    }

    #[test]
    fn every_hello_carries_the_identity_token_when_there_is_one() {
        let mut plan = Plan::default();
        plan.set_token(Some("eyJ.t.1".into()));
        plan.hello("Ada".into());
        let token_of = |frames: Vec<ClientFrame<'static>>| match frames.into_iter().next() {
            Some(ClientFrame::Hello { token, .. }) => token.map(|t| t.into_owned()),
            other => panic!("expected hello, got {other:?}"),
        };
        assert_eq!(token_of(plan.connected()), Some("eyJ.t.1".to_owned()));
        plan.set_token(Some("eyJ.t.2".into()));
        plan.disconnected();
        assert_eq!(token_of(plan.connected()), Some("eyJ.t.2".to_owned()), "a fresh token after a reconnect");
    }

    #[test]
    fn nothing_is_written_before_a_connection_and_everything_after() {
        let mut plan = Plan::default();
        assert!(plan.hello("Ada".into()).is_empty());
        assert!(plan.join(room("general")).is_empty());
        assert!(plan.join(room("rust")).is_empty());
        assert!(plan.join(room("general")).is_empty(), "joined once");
        assert_eq!(show(plan.connected()), ["hello Ada", "join general", "join rust"]);
        assert_eq!(show(plan.join(room("third"))), ["join third"], "at once when connected");
    }

    #[test]
    fn messages_typed_offline_go_out_after_their_room_is_joined_again() {
        let mut plan = ada_joined(&["general", "rust"]);
        assert_eq!(send(&mut plan, "general", "c1"), ["send general c1"]);
        plan.seen(&room("general"), id(1), Some("c1"));

        plan.disconnected();
        assert!(send(&mut plan, "general", "c2").is_empty());
        assert!(send(&mut plan, "rust", "c3").is_empty());
        assert!(send(&mut plan, "general", "c4").is_empty());
        assert_eq!(plan.queued(), 3);

        assert_eq!(show(plan.connected()), ["hello Ada", "join general since 1-0 in e1", "join rust"]);
        assert!(send(&mut plan, "general", "c5").is_empty(), "not joined on this connection yet");
        assert_eq!(
            show(plan.joined(&room("general"), Some("e1"), 0.0)),
            ["send general c2", "send general c4", "send general c5"]
        );
        assert_eq!(show(plan.joined(&room("rust"), Some("e1"), 0.0)), ["send rust c3"]);
        assert_eq!(plan.queued(), 4, "written, not yet confirmed");
    }

    #[test]
    fn messages_in_flight_when_the_connection_drops_are_sent_again_under_the_same_id() {
        let mut plan = ada_joined(&["general"]);
        send(&mut plan, "general", "c1");
        send(&mut plan, "general", "c2");
        plan.seen(&room("general"), id(5), Some("c1"));
        plan.disconnected();
        send(&mut plan, "general", "c3");

        plan.connected();
        assert_eq!(
            show(plan.joined(&room("general"), Some("e1"), 1.0)),
            ["send general c2", "send general c3"],
            "the unconfirmed one first, then what was typed offline; never the confirmed one"
        );
        plan.seen(&room("general"), id(6), Some("c2"));
        plan.seen(&room("general"), id(7), Some("c3"));
        assert_eq!(plan.queued(), 0);
    }

    #[test]
    fn an_unknown_outcome_is_sent_again_on_the_next_tick_and_given_up_after_max_sends() {
        let mut plan = ada_joined(&["general"]);
        send(&mut plan, "general", "c1");
        let unconfirmed =
            ErrorMeaning::SendAgain { room: "general".into(), client_id: "c1".into(), maybe_delivered: true };
        for _ in 1..crate::outbox::MAX_SENDS {
            plan.heed(&unconfirmed, 0.0, 0.5);
            assert_eq!(show(plan.tick(5_000.0)), ["send general c1"]);
        }
        plan.heed(&unconfirmed, 0.0, 0.5);
        assert!(plan.tick(10_000.0).is_empty());
        let given_up = plan.take_abandoned();
        assert_eq!(
            given_up,
            [ErrorMeaning::SendFailed {
                room: "general".into(),
                client_id: "c1".into(),
                failure: SendFailure::Unconfirmed
            }]
        );
    }

    /// #general refused `client_id` for sending too fast.
    fn too_fast(client_id: &str, retry_after_ms: Option<u64>) -> ErrorMeaning {
        ErrorMeaning::SendLater { room: "general".into(), client_id: client_id.into(), retry_after_ms }
    }

    #[test]
    fn a_message_refused_for_sending_too_fast_goes_again_after_the_hint_and_later_ones_wait_their_turn() {
        let mut plan = ada_joined(&["general"]);
        assert_eq!(send(&mut plan, "general", "c1"), ["send general c1"]);
        assert_eq!(send(&mut plan, "general", "c2"), ["send general c2"]);
        plan.heed(&too_fast("c2", Some(200)), 0.0, 0.5);
        assert!(send(&mut plan, "general", "c3").is_empty(), "c3 waits behind c2");
        plan.seen(&room("general"), id(1), Some("c1"));
        assert!(plan.paced(100.0).is_empty(), "c2's wait is not over");
        assert_eq!(plan.next_turn_ms(), Some(200.0));
        assert_eq!(show(plan.paced(200.0)), ["send general c2"], "the same client id");
        assert_eq!(plan.next_turn_ms(), None, "c2 is in flight");
        plan.seen(&room("general"), id(2), Some("c2"));
        assert_eq!(show(plan.paced(201.0)), ["send general c3"]);
        plan.seen(&room("general"), id(3), Some("c3"));
        assert_eq!(send(&mut plan, "general", "c4"), ["send general c4"], "no longer paced");
    }

    #[test]
    fn paced_messages_wait_for_a_connection_and_their_rooms_join() {
        let mut plan = ada_joined(&["general"]);
        send(&mut plan, "general", "c1");
        plan.heed(&too_fast("c1", None), 0.0, 0.0);
        plan.disconnected();
        assert_eq!(plan.next_turn_ms(), None);
        assert!(plan.paced(10_000.0).is_empty(), "no connection");
        plan.connected();
        assert!(plan.paced(10_000.0).is_empty(), "not joined yet");
        assert_eq!(show(plan.joined(&room("general"), Some("e1"), 10_000.0)), ["send general c1"]);
    }

    #[test]
    fn a_refused_send_is_not_sent_again() {
        let mut plan = ada_joined(&["general"]);
        send(&mut plan, "general", "c1");
        let failure = SendFailure::TooFast;
        plan.heed(
            &ErrorMeaning::SendFailed { room: "general".into(), client_id: "c1".into(), failure },
            0.0,
            0.5,
        );
        plan.disconnected();
        plan.connected();
        assert!(plan.joined(&room("general"), Some("e1"), 0.0).is_empty());
        assert_eq!(plan.queued(), 0, "the user decides, with Retry");
    }

    #[test]
    fn a_rejoin_asks_for_what_was_missed_since_the_newest_message_in_its_epoch() {
        let mut plan = ada_joined(&["general", "quiet"]);
        plan.seen(&room("general"), id(3), None);
        plan.seen(&room("general"), id(9), None);
        plan.seen(&room("general"), id(4), Some("c1"));
        plan.disconnected();
        assert_eq!(
            show(plan.connected()),
            ["hello Ada", "join general since 9-0 in e1", "join quiet"],
            "the newest id, not the last to arrive; a room with no message joins afresh"
        );

        // The room's history began again: its old ids mean nothing there.
        plan.joined(&room("general"), Some("e2"), 0.0);
        plan.disconnected();
        assert_eq!(show(plan.connected()), ["hello Ada", "join general", "join quiet"]);
        plan.joined(&room("general"), Some("e2"), 0.0);
        plan.seen(&room("general"), id(2), None);
        assert_eq!(first_join_after_reconnect(&mut plan), "join general since 2-0 in e2");
    }

    #[test]
    fn after_a_gap_recovery_starts_from_the_next_message_in_the_new_epoch() {
        let mut plan = ada_joined(&["general"]);
        plan.seen(&room("general"), id(3), None);
        plan.gap(&room("general"), "e2");
        assert_eq!(first_join_after_reconnect(&mut plan), "join general", "nothing seen in e2 yet");
        plan.joined(&room("general"), Some("e2"), 0.0);
        plan.seen(&room("general"), id(8), None);
        assert_eq!(first_join_after_reconnect(&mut plan), "join general since 8-0 in e2");
    }

    #[test]
    fn a_joined_without_an_epoch_keeps_the_one_known() {
        let mut plan = ada_joined(&["general"]);
        plan.seen(&room("general"), id(3), None);
        plan.joined(&room("general"), None, 0.0);
        assert_eq!(first_join_after_reconnect(&mut plan), "join general since 3-0 in e1");
    }

    #[test]
    fn older_messages_are_asked_for_one_page_at_a_time_per_room() {
        let mut plan = ada_joined(&["general", "rust"]);
        assert_eq!(show(plan.older(&room("general"), id(100))), ["history general before 100-0"]);
        assert!(plan.older(&room("general"), id(100)).is_empty(), "one request on its way");
        assert_eq!(plan.awaiting(&room("general")), Awaiting::Page);
        assert_eq!(show(plan.older(&room("rust"), id(7))), ["history rust before 7-0"], "per room");

        plan.paged(&room("general"));
        assert_eq!(plan.awaiting(&room("general")), Awaiting::Nothing);
        assert_eq!(show(plan.older(&room("general"), id(50))), ["history general before 50-0"]);
        plan.heed(
            &ErrorMeaning::PagingFailed { room: room("general"), reason: "unavailable".into() },
            0.0,
            0.5,
        );
        assert_eq!(show(plan.older(&room("general"), id(50))).len(), 1, "a failed page may be asked again");

        plan.disconnected();
        assert!(plan.older(&room("general"), id(50)).is_empty(), "not without a connection");
        plan.connected();
        assert!(plan.older(&room("general"), id(50)).is_empty(), "nor before the room is joined");
        plan.joined(&room("general"), Some("e1"), 0.0);
        assert_eq!(show(plan.older(&room("general"), id(50))).len(), 1, "the lost request is forgotten");
        assert!(plan.older(&room("elsewhere"), id(50)).is_empty(), "not ours at all");
    }

    #[test]
    fn the_queue_is_bounded() {
        let mut plan = Plan::default();
        plan.join(room("general"));
        for n in 0..MAX_QUEUED {
            assert!(plan.send(outgoing("general", &format!("c{n}")), 0.0).is_ok());
        }
        assert_eq!(plan.send(outgoing("general", "one-too-many"), 0.0), Err(QueueFull));
    }

    #[test]
    fn leaving_drops_the_rooms_queue_and_tells_the_server_only_if_joined() {
        let mut plan = ada_in(&["general", "rust"]);
        plan.connected();
        plan.joined(&room("general"), Some("e1"), 0.0);
        plan.disconnected();
        plan.send(outgoing("rust", "c1"), 0.0).unwrap();
        assert!(plan.leave(&room("rust")).is_empty(), "not joined on any connection");
        assert_eq!(plan.queued(), 0);

        plan.connected();
        plan.joined(&room("general"), Some("e1"), 0.0);
        assert_eq!(show(plan.leave(&room("general"))), ["leave general"]);
        assert_eq!(show(plan.connected()), ["hello Ada"], "left rooms are not rejoined");
    }

    #[test]
    fn a_refused_join_is_forgotten_and_one_to_join_later_is_asked_again() {
        let mut plan = ada_in(&["full", "busy"]);
        plan.connected();
        assert_eq!(plan.awaiting(&room("full")), Awaiting::Join);
        plan.heed(
            &ErrorMeaning::JoinRefused { room: room("full"), reason: "at most 8 rooms".into() },
            0.0,
            0.5,
        );
        plan.heed(&ErrorMeaning::JoinLater { room: room("busy") }, 0.0, 0.5);
        assert_eq!(plan.awaiting(&room("full")), Awaiting::Nothing, "forgotten");
        assert_eq!(show(plan.tick(0.0)), ["join busy"]);
        assert!(plan.tick(0.0).is_empty(), "asked once per refusal");
        assert_eq!(show(plan.connected()), ["hello Ada", "join busy"]);
    }

    #[test]
    fn a_room_is_joining_until_its_joined_arrives_on_this_connection() {
        let mut plan = ada_in(&["general"]);
        assert_eq!(plan.awaiting(&room("general")), Awaiting::Join, "not connected yet");
        plan.connected();
        plan.joined(&room("general"), Some("e1"), 0.0);
        assert_eq!(plan.awaiting(&room("general")), Awaiting::Nothing);
        assert_eq!(plan.awaiting(&room("elsewhere")), Awaiting::Nothing, "not ours at all");
        plan.disconnected();
        assert_eq!(plan.awaiting(&room("general")), Awaiting::Join, "joined again after a reconnect");
    }

    #[test]
    fn a_version_4_connection_asks_who_is_in_each_room_after_its_joined() {
        let mut plan = ada_in(&["general", "rust"]);
        plan.send(outgoing("general", "c1"), 0.0).unwrap();
        plan.connected();
        plan.welcomed(4);
        assert_eq!(
            show(plan.joined(&room("general"), Some("e1"), 0.0)),
            ["members general", "send general c1"]
        );
        plan.disconnected();
        plan.connected();
        plan.welcomed(3);
        assert!(plan.joined(&room("rust"), Some("e1"), 0.0).is_empty(), "a version 3 server has no members");
    }

    #[test]
    fn typing_is_announced_in_a_joined_room_at_most_every_two_seconds() {
        let mut plan = ada_in(&["general", "rust"]);
        plan.connected();
        plan.welcomed(4);
        assert!(plan.typing(&room("general"), 0.0).is_empty(), "not before the room is joined");
        plan.joined(&room("general"), Some("e1"), 0.0);
        assert_eq!(show(plan.typing(&room("general"), 1_000.0)), ["typing general"]);
        assert!(plan.typing(&room("general"), 2_500.0).is_empty());
        assert_eq!(show(plan.typing(&room("general"), 3_000.0)), ["typing general"]);
        assert!(plan.typing(&room("elsewhere"), 9_000.0).is_empty(), "not ours at all");

        plan.disconnected();
        assert!(plan.typing(&room("general"), 9_000.0).is_empty(), "not without a connection");
        plan.connected();
        plan.welcomed(3);
        plan.joined(&room("general"), Some("e1"), 0.0);
        assert!(plan.typing(&room("general"), 9_000.0).is_empty(), "a version 3 server has no typing");
    }

    #[test]
    fn after_sending_a_message_the_next_keystroke_is_announced_at_once() {
        let mut plan = ada_joined(&["general"]);
        plan.welcomed(4);
        assert_eq!(plan.typing(&room("general"), 0.0).len(), 1);
        send(&mut plan, "general", "c1");
        assert_eq!(show(plan.typing(&room("general"), 500.0)), ["typing general"]);
    }

    #[test]
    fn joined_for_a_room_we_left_sends_nothing() {
        let mut plan = Plan::default();
        plan.join(room("general"));
        plan.send(outgoing("general", "c1"), 0.0).unwrap();
        plan.connected();
        plan.leave(&room("general"));
        assert!(plan.joined(&room("general"), Some("e1"), 0.0).is_empty());
    }
}
