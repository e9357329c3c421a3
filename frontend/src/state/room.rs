//! One room as the screen shows it: its lines in the server's order with our
//! pending messages below them, what is known about older messages, and
//! where a reconnect may have left a hole.

use std::collections::VecDeque;
use std::rc::Rc;

use roomcast_protocol::{MessageFrame, MessageId, RoomName};

use crate::edits::Revision;

/// Lines kept per room. Live messages push out the oldest; scrolling up
/// loads older pages only while the room holds fewer.
pub const HISTORY_PER_ROOM: usize = 1000;
/// Places a room remembers where messages may be missing.
pub const MAX_GAPS: usize = 8;

/// Where one of our own messages is on its way to the room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Not written to the current connection: typed while offline, before
    /// the room was joined, or in flight when a connection dropped. Sent by
    /// itself once the room is joined again.
    Queued,
    /// Written to the socket; waiting for the server's copy.
    Sending,
    /// Refused for now because we send too fast: sent again by itself
    /// after a wait (the server's hint, or the outbox's backoff).
    Waiting,
    /// The server's copy arrived: everyone in the room has it.
    Sent,
    /// Not delivered, and not retried by itself; the reason is for the user.
    Failed(String),
}

/// One line of a room's history.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The server's message id, once the server has the message.
    pub id: Option<MessageId>,
    /// Our id for a message we sent; `None` for other people's messages.
    pub client_id: Option<String>,
    /// A message from history that this device sent (its server id is
    /// remembered, see [`crate::own_ids`]): ours, though it carries no
    /// client id.
    pub sent_here: bool,
    pub author: String,
    pub text: String,
    /// Milliseconds since the Unix epoch: the server's time once known, the
    /// local clock's before.
    pub ts: f64,
    pub delivery: Delivery,
    /// Edited or deleted since, and our changes to it (version 6).
    pub revision: Revision,
}

impl Entry {
    /// Ours when it carries our client id, or its server id is one this
    /// device remembers sending: never decided by comparing names or text.
    pub fn is_mine(&self) -> bool {
        self.client_id.is_some() || self.sent_here
    }

    /// A key that stays the same from "sending" to "sent", for the list's diffing.
    pub fn key(&self) -> String {
        match (&self.client_id, &self.id) {
            (Some(client_id), _) => format!("c:{client_id}"),
            (None, Some(id)) => id.to_string(),
            (None, None) => String::new(),
        }
    }

    fn from_frame(frame: MessageFrame<'static>, sent_here: bool) -> Self {
        Entry {
            id: Some(frame.id),
            client_id: frame.client_id.map(|id| id.into_owned()),
            sent_here,
            author: frame.author.into_owned(),
            text: frame.text.into_owned(),
            ts: frame.ts as f64,
            delivery: Delivery::Sent,
            revision: Revision::from_history(frame.edited_ts, frame.deleted),
        }
    }
}

/// What is known about the room's messages older than its oldest line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Older {
    /// Nothing yet: not joined, or the server keeps no history.
    Unknown,
    /// The server may have older messages; reaching the top asks for them.
    More,
    /// A page of older messages is on its way.
    Loading,
    /// The oldest line is the beginning of the room's history.
    Complete,
}

/// How a message reached the room, which decides whether it is news.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Arrival {
    Live,
    /// Part of the history that follows `joined`.
    Backlog,
    /// A page of older messages the reader asked for.
    Page,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RoomState {
    pub name: RoomName,
    /// Membership is confirmed on the current connection (`joined` arrived).
    pub joined: bool,
    /// Confirmed lines in id order, then our messages the server does not
    /// have yet (no id) in the order they were written.
    pub entries: VecDeque<Rc<Entry>>,
    /// Other people's messages that arrived while another room was open.
    pub unread: u32,
    /// Those of them that mention the user by name (`@Ada`).
    pub mentions: u32,
    pub older: Older,
    /// Ids after which messages may be missing: a reconnect could not
    /// recover everything published while the page was away, or the server
    /// said messages were lost (`gap`).
    pub gaps: Vec<MessageId>,
    /// Backlog messages still to come after the latest `joined`.
    backlog: u32,
    /// The newest id the room showed when `joined` arrived: backlog
    /// messages newer than it were missed while away, so they are news.
    newest_at_join: Option<MessageId>,
}

impl RoomState {
    pub fn new(name: RoomName) -> Self {
        RoomState {
            name,
            joined: false,
            entries: VecDeque::new(),
            unread: 0,
            mentions: 0,
            older: Older::Unknown,
            gaps: Vec::new(),
            backlog: 0,
            newest_at_join: None,
        }
    }

    /// The id to ask older messages before.
    pub fn oldest_id(&self) -> Option<MessageId> {
        self.entries.front().and_then(|entry| entry.id)
    }

    fn newest_id(&self) -> Option<MessageId> {
        let confirmed = self.confirmed();
        confirmed.checked_sub(1).and_then(|last| self.entries[last].id)
    }

    /// Whether reaching the top should ask the server for older messages:
    /// not while the join's history is still arriving (the list sits near
    /// its top then, before it has filled).
    pub fn may_load_older(&self) -> bool {
        self.older == Older::More
            && self.joined
            && self.backlog == 0
            && self.oldest_id().is_some()
            && self.entries.len() < HISTORY_PER_ROOM
    }

    /// How many lines have a server id (they come first).
    fn confirmed(&self) -> usize {
        self.entries.partition_point(|entry| entry.id.is_some())
    }

    /// Where `id` is among the confirmed lines, or where it would go.
    fn locate(&self, id: MessageId) -> Result<usize, usize> {
        let at = self.entries.partition_point(|entry| entry.id.is_some_and(|known| known < id));
        match self.entries.get(at).and_then(|entry| entry.id) {
            Some(found) if found == id => Ok(at),
            _ => Err(at),
        }
    }

    pub(super) fn position_of_own(&self, client_id: &str) -> Option<usize> {
        self.entries.iter().rposition(|entry| entry.client_id.as_deref() == Some(client_id))
    }

    /// `joined` arrived with `history` backlog messages to follow.
    /// `recovered` is the server's answer to a rejoin that asked for what
    /// was missed; `asked` is how many recent messages a join asks for.
    pub(super) fn join(&mut self, history: Option<u32>, recovered: Option<bool>, asked: u32) {
        let rejoin = !self.joined;
        self.joined = true;
        self.backlog = history.unwrap_or(0);
        self.newest_at_join = self.newest_id();
        match (self.newest_at_join, history) {
            // A room with nothing yet: its history starts here.
            (None, Some(count)) => self.older = if count >= asked { Older::More } else { Older::Complete },
            // Back after a connection dropped: unless the server recovered
            // everything after our newest line, something may be missing.
            (Some(newest), _) if rejoin && recovered != Some(true) => self.mark_gap(newest),
            _ => {}
        }
    }

    /// Marks that messages after the newest line may be missing; `false`
    /// when the room has no line to mark after.
    pub(super) fn mark_gap_after_newest(&mut self) -> bool {
        let newest = self.newest_id();
        if let Some(newest) = newest {
            self.mark_gap(newest);
        }
        newest.is_some()
    }

    fn mark_gap(&mut self, after: MessageId) {
        if !self.gaps.contains(&after) {
            self.gaps.push(after);
        }
        if self.gaps.len() > MAX_GAPS {
            self.gaps.remove(0);
        }
    }

    /// The connection dropped: membership and pending pages end with it.
    pub(super) fn disconnect(&mut self) {
        self.joined = false;
        self.backlog = 0;
        if self.older == Older::Loading {
            self.older = Older::More;
        }
        let on_its_way =
            |entry: &&mut Rc<Entry>| matches!(entry.delivery, Delivery::Sending | Delivery::Waiting);
        for entry in self.entries.iter_mut().filter(on_its_way) {
            Rc::make_mut(entry).delivery = Delivery::Queued;
        }
    }

    /// Whether the next message of the room belongs to the backlog of the
    /// latest `joined`.
    pub(super) fn next_arrival(&mut self) -> Arrival {
        if self.backlog > 0 {
            self.backlog -= 1;
            Arrival::Backlog
        } else {
            Arrival::Live
        }
    }

    /// Adds a message the server has ordered, at its place by id, once.
    /// Our own copy (with our client id) replaces the pending line, or makes
    /// an already shown copy ours (one recovered after a reconnect carries
    /// no client id). `sent_here`: the id is one this device remembers
    /// sending. Returns whether the message is news to the reader.
    pub(super) fn receive(
        &mut self,
        frame: MessageFrame<'static>,
        arrival: Arrival,
        sent_here: bool,
    ) -> bool {
        let entry = Entry::from_frame(frame, sent_here);
        let Some(id) = entry.id else { return false };
        if let Some(client_id) = entry.client_id.as_deref() {
            self.entries.retain(|known| known.id.is_some() || known.client_id.as_deref() != Some(client_id));
        }
        match self.locate(id) {
            Ok(known) => {
                if entry.client_id.is_some() && !self.entries[known].is_mine() {
                    self.entries[known] = Rc::new(entry);
                }
                false
            }
            Err(at) => {
                let news = !entry.is_mine()
                    && match arrival {
                        Arrival::Live => true,
                        Arrival::Backlog => self.newest_at_join.is_some_and(|newest| id > newest),
                        Arrival::Page => false,
                    };
                self.entries.insert(at, Rc::new(entry));
                self.trim();
                news
            }
        }
    }

    /// Adds one of our messages that the server does not have yet: at the
    /// bottom, below everything the server has ordered.
    pub(super) fn push_pending(&mut self, entry: Entry) {
        self.entries.push_back(Rc::new(entry));
        self.trim();
    }

    fn trim(&mut self) {
        let mut dropped = false;
        while self.entries.len() > HISTORY_PER_ROOM {
            self.entries.pop_front();
            dropped = true;
        }
        if dropped {
            if self.older == Older::Complete {
                self.older = Older::More;
            }
            if let Some(oldest) = self.oldest_id() {
                self.gaps.retain(|gap| *gap >= oldest);
            }
        }
    }
}
