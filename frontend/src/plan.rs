//! What the connection must (re)establish and what it still owes: the name,
//! the rooms the user is in, and messages not yet written to a socket.
//!
//! The connection task asks the plan which frames to write at each event: a
//! new connection gets `hello` and a `join` per room; a room's queued
//! messages go out when that room's `joined` arrives, so they never race a
//! join. The plan outlives connections, which is how the client rejoins its
//! rooms and sends what was typed while offline. It is pure and unit-tested.

use std::borrow::Cow;
use std::collections::VecDeque;

use roomcast_protocol::{ClientFrame, RoomName, PROTOCOL_VERSION};

use crate::error_meaning::ErrorMeaning;

/// Messages that may wait for a connection; more are refused at once so a
/// long outage cannot grow memory without bound.
pub const MAX_QUEUED: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub room: RoomName,
    pub client_id: String,
    pub text: String,
}

#[derive(Debug, Default)]
pub struct Plan {
    name: Option<String>,
    /// Rooms the user is in, whether or not this connection has joined them yet.
    rooms: Vec<RoomName>,
    /// Rooms whose `joined` arrived on the current connection.
    joined: Vec<RoomName>,
    /// Joins the server answered `unavailable`: asked again on the next tick.
    retry_joins: Vec<RoomName>,
    connected: bool,
    queue: VecDeque<Outgoing>,
}

/// The queue is full: the message was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueFull;

fn owned(text: &str) -> Cow<'static, str> {
    Cow::Owned(text.to_owned())
}

fn hello_frame(name: &str) -> ClientFrame<'static> {
    ClientFrame::Hello { name: owned(name), protocol: Some(PROTOCOL_VERSION) }
}

fn join_frame(room: &RoomName) -> ClientFrame<'static> {
    ClientFrame::join(owned(room.as_str()))
}

impl Plan {
    pub fn has_name(&self) -> bool {
        self.name.is_some()
    }

    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    /// A socket opened: greet and join everything again.
    pub fn connected(&mut self) -> Vec<ClientFrame<'static>> {
        self.connected = true;
        self.joined.clear();
        self.retry_joins.clear();
        let mut frames = Vec::with_capacity(self.rooms.len() + 1);
        if let Some(name) = &self.name {
            frames.push(hello_frame(name));
        }
        frames.extend(self.rooms.iter().map(join_frame));
        frames
    }

    pub fn disconnected(&mut self) {
        self.connected = false;
        self.joined.clear();
        self.retry_joins.clear();
    }

    pub fn hello(&mut self, name: String) -> Vec<ClientFrame<'static>> {
        let frame = hello_frame(&name);
        self.name = Some(name);
        self.when_connected(vec![frame])
    }

    pub fn join(&mut self, room: RoomName) -> Vec<ClientFrame<'static>> {
        if self.rooms.contains(&room) {
            return Vec::new();
        }
        let frame = join_frame(&room);
        self.rooms.push(room);
        self.when_connected(vec![frame])
    }

    pub fn leave(&mut self, room: &RoomName) -> Vec<ClientFrame<'static>> {
        self.rooms.retain(|known| known != room);
        self.retry_joins.retain(|known| known != room);
        self.queue.retain(|message| &message.room != room);
        let was_joined = self.joined.contains(room);
        self.joined.retain(|known| known != room);
        if was_joined {
            vec![ClientFrame::Leave { room: owned(room.as_str()) }]
        } else {
            Vec::new()
        }
    }

    /// A message to send: at once when its room is joined, otherwise queued.
    pub fn send(&mut self, message: Outgoing) -> Result<Vec<ClientFrame<'static>>, QueueFull> {
        if self.connected && self.joined.contains(&message.room) {
            return Ok(vec![send_frame(&message)]);
        }
        if self.queue.len() >= MAX_QUEUED {
            return Err(QueueFull);
        }
        self.queue.push_back(message);
        Ok(Vec::new())
    }

    /// `joined` arrived: the room's queued messages go out, oldest first.
    pub fn joined(&mut self, room: &RoomName) -> Vec<ClientFrame<'static>> {
        if !self.rooms.contains(room) {
            return Vec::new();
        }
        if !self.joined.contains(room) {
            self.joined.push(room.clone());
        }
        let mut frames = Vec::new();
        self.queue.retain(|message| {
            let due = &message.room == room;
            if due {
                frames.push(send_frame(message));
            }
            !due
        });
        frames
    }

    /// The server says we are not in `room` any more.
    pub fn left(&mut self, room: &RoomName) {
        self.leave(room);
    }

    /// Whether `room` is one we are in whose `joined` has not arrived on
    /// this connection (what [`crate::error_meaning::classify`] asks).
    pub fn is_joining(&self, room: &RoomName) -> bool {
        self.rooms.contains(room) && !self.joined.contains(room)
    }

    /// Acts on an error: a refused room is forgotten, one to join later is
    /// asked again on the next tick. Other errors leave the plan as it is.
    pub fn heed(&mut self, meaning: &ErrorMeaning) {
        match meaning {
            ErrorMeaning::JoinRefused { room, .. } => {
                self.leave(room);
            }
            ErrorMeaning::JoinLater { room } if !self.retry_joins.contains(room) => {
                self.retry_joins.push(room.clone());
            }
            _ => {}
        }
    }

    /// Periodic work on a live connection: joins to ask again.
    pub fn tick(&mut self) -> Vec<ClientFrame<'static>> {
        if !self.connected {
            return Vec::new();
        }
        self.retry_joins.drain(..).map(|room| join_frame(&room)).collect()
    }

    fn when_connected(&self, frames: Vec<ClientFrame<'static>>) -> Vec<ClientFrame<'static>> {
        if self.connected {
            frames
        } else {
            Vec::new()
        }
    }
}

fn send_frame(message: &Outgoing) -> ClientFrame<'static> {
    ClientFrame::Send {
        room: owned(message.room.as_str()),
        client_id: owned(&message.client_id),
        text: owned(&message.text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn room(name: &str) -> RoomName {
        RoomName::parse(name).unwrap()
    }

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

    /// Frames as compact strings: "hello Ada", "join general", "send general c1".
    fn show(frames: Vec<ClientFrame<'static>>) -> Vec<String> {
        frames
            .into_iter()
            .map(|frame| match frame {
                ClientFrame::Hello { name, .. } => format!("hello {name}"),
                ClientFrame::Join { room, .. } => format!("join {room}"),
                ClientFrame::Leave { room } => format!("leave {room}"),
                ClientFrame::Send { room, client_id, .. } => format!("send {room} {client_id}"),
                ClientFrame::Ping { nonce } => format!("ping {nonce}"),
                ClientFrame::History { room, .. } => format!("history {room}"),
                ClientFrame::Members { room } => format!("members {room}"),
                ClientFrame::Typing { room } => format!("typing {room}"),
            })
            .collect()
    }

    #[test]
    fn nothing_is_written_before_a_connection_and_everything_after() {
        let mut plan = Plan::default();
        assert!(plan.hello("Ada".into()).is_empty());
        assert!(plan.join(room("general")).is_empty());
        assert!(plan.join(room("rust")).is_empty());
        assert!(plan.join(room("general")).is_empty(), "joined once");
        assert_eq!(show(plan.connected()), ["hello Ada", "join general", "join rust"]);
    }

    #[test]
    fn messages_typed_offline_go_out_after_their_room_is_joined_again() {
        let mut plan = ada_in(&["general", "rust"]);
        plan.connected();
        plan.joined(&room("general"));
        plan.joined(&room("rust"));
        assert_eq!(show(plan.send(outgoing("general", "c1")).unwrap()), ["send general c1"]);

        plan.disconnected();
        assert!(plan.send(outgoing("general", "c2")).unwrap().is_empty());
        assert!(plan.send(outgoing("rust", "c3")).unwrap().is_empty());
        assert!(plan.send(outgoing("general", "c4")).unwrap().is_empty());
        assert_eq!(plan.queued(), 3);

        assert_eq!(show(plan.connected()), ["hello Ada", "join general", "join rust"]);
        assert!(
            plan.send(outgoing("general", "c5")).unwrap().is_empty(),
            "not joined on this connection yet"
        );
        assert_eq!(
            show(plan.joined(&room("general"))),
            ["send general c2", "send general c4", "send general c5"]
        );
        assert_eq!(show(plan.joined(&room("rust"))), ["send rust c3"]);
        assert_eq!(plan.queued(), 0);
    }

    #[test]
    fn the_queue_is_bounded() {
        let mut plan = Plan::default();
        plan.join(room("general"));
        for n in 0..MAX_QUEUED {
            assert!(plan.send(outgoing("general", &format!("c{n}"))).is_ok());
        }
        assert_eq!(plan.send(outgoing("general", "one-too-many")), Err(QueueFull));
    }

    #[test]
    fn leaving_drops_the_rooms_queue_and_tells_the_server_only_if_joined() {
        let mut plan = ada_in(&["general", "rust"]);
        plan.connected();
        plan.joined(&room("general"));
        plan.disconnected();
        plan.send(outgoing("rust", "c1")).unwrap();
        assert!(plan.leave(&room("rust")).is_empty(), "not joined on any connection");
        assert_eq!(plan.queued(), 0);

        plan.connected();
        plan.joined(&room("general"));
        assert_eq!(show(plan.leave(&room("general"))), ["leave general"]);
        assert_eq!(show(plan.connected()), ["hello Ada"], "left rooms are not rejoined");
    }

    #[test]
    fn a_refused_join_is_forgotten_and_one_to_join_later_is_asked_again() {
        let mut plan = ada_in(&["full", "busy"]);
        plan.connected();
        assert!(plan.is_joining(&room("full")) && plan.is_joining(&room("busy")));
        plan.heed(&ErrorMeaning::JoinRefused { room: room("full"), reason: "at most 8 rooms".into() });
        plan.heed(&ErrorMeaning::JoinLater { room: room("busy") });
        assert!(!plan.is_joining(&room("full")), "forgotten");
        assert_eq!(show(plan.tick()), ["join busy"]);
        assert!(plan.tick().is_empty(), "asked once per refusal");
        assert_eq!(show(plan.connected()), ["hello Ada", "join busy"]);
    }

    #[test]
    fn a_room_is_joining_until_its_joined_arrives_on_this_connection() {
        let mut plan = ada_in(&["general"]);
        assert!(plan.is_joining(&room("general")), "not connected yet");
        plan.connected();
        plan.joined(&room("general"));
        assert!(!plan.is_joining(&room("general")));
        assert!(!plan.is_joining(&room("elsewhere")), "not ours at all");
        plan.disconnected();
        assert!(plan.is_joining(&room("general")), "joined again after a reconnect");
    }

    #[test]
    fn joined_for_a_room_we_left_sends_nothing() {
        let mut plan = Plan::default();
        plan.join(room("general"));
        plan.send(outgoing("general", "c1")).unwrap();
        plan.connected();
        plan.leave(&room("general"));
        assert!(plan.joined(&room("general")).is_empty());
    }
}
