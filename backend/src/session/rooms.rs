//! A session's room requests: `join` (with the room's history or the
//! recovery of what was missed), `leave`, and `history` pages.
//!
//! Joining is where history meets the live stream. The session becomes a
//! held member of the hub first and waits for the broker to receive the room,
//! then reads the backlog, sends `joined` and the backlog (waiting for the
//! writer when the backlog is longer than the queue), and only then lets the
//! hub release the live messages that arrived meanwhile, minus those the
//! backlog already held. So a member sees every message once, in id order.
//! History shows messages in their current state: edited text, tombstones.

use std::borrow::Cow;

use axum::extract::ws::Message;
use roomcast_protocol::limits::MAX_HISTORY_PAGE;
use roomcast_protocol::{version, ErrorCode, MessageFrame, MessageId, RoomName, ServerFrame};

use super::Session;
use crate::broker::{Backlog, BacklogRequest, Offset, Position};
use crate::outbox::Push;

/// How many messages a `history` request gets when it does not say.
const DEFAULT_PAGE: usize = 50;

/// Largest `history` answer in bytes: a page of long messages is cut short
/// (with `more`) rather than becoming one huge frame.
const MAX_PAGE_BYTES: usize = 128 * 1024;

impl Session {
    pub(super) async fn join(
        &mut self,
        raw: &str,
        history: Option<u32>,
        since: Option<MessageId>,
        epoch: Option<&str>,
    ) {
        if self.name.is_none() {
            let message = "send hello with a display name before joining";
            return self.fail(ErrorCode::NameRequired, message, Some(raw), None);
        }
        let room = match RoomName::parse(raw) {
            Ok(room) => room,
            Err(err) => return self.fail(err.code(), err.to_string(), Some(raw), None),
        };
        if self.rooms.contains(&room) {
            // Already a member: its history was sent when it joined.
            return self.reply(&ServerFrame::joined(room.as_str()));
        }
        if !self.node.hub.has_room(&room)
            && self.node.hub.room_count() >= self.node.settings.max_rooms_per_node
        {
            let message = "cannot open another room on this server now; try again later";
            return self.fail(ErrorCode::Unavailable, message, Some(room.as_str()), None);
        }
        if self.identity.as_ref().is_some_and(|identity| !identity.may_join(&room)) {
            let message = "your identity token does not let you into this room";
            return self.fail(ErrorCode::Forbidden, message, Some(room.as_str()), None);
        }
        let max = self.node.settings.max_rooms;
        if self.rooms.len() >= max {
            let message = format!("a connection can be in at most {max} rooms; leave one first");
            return self.fail(ErrorCode::TooManyRooms, message, Some(room.as_str()), None);
        }
        self.node.hub.join(&room, self.id, self.outbox.clone(), self.protocol);
        self.rooms.insert(room.clone());
        if !self.node.hub.wait_active(&room, self.node.settings.join_timeout).await {
            self.forget(&room);
            let message = "cannot join now: the message bus is unreachable; try again shortly";
            return self.fail(ErrorCode::Unavailable, message, Some(room.as_str()), None);
        }
        // Clients before version 3 get no history, but the node still reads
        // where the history stands, to know its place in the room.
        let speaks_history = self.protocol >= version::HISTORY;
        let recent = match history {
            Some(n) if speaks_history => (n as usize).min(MAX_HISTORY_PAGE),
            _ => 0,
        };
        let since = match (since, epoch) {
            (Some(id), Some(epoch)) if speaks_history => Some(Offset { id, epoch }),
            _ => None,
        };
        match self.node.broker.backlog(&room, BacklogRequest { recent, since }).await {
            Ok(backlog) => self.send_backlog(&room, backlog).await,
            Err(err) => {
                self.forget(&room);
                let (code, message) = self.broker_failure(&room, &err, "cannot join now");
                self.fail(code, message, Some(room.as_str()), None);
            }
        }
    }

    /// Sends `joined` and the backlog, then lets the room's live messages through.
    async fn send_backlog(&mut self, room: &RoomName, backlog: Backlog) {
        let Backlog { epoch, recovered, entries, end } = backlog;
        self.node.metrics.joins.inc();
        if let Some(recovered) = recovered {
            self.node.metrics.recovery(recovered);
        }
        self.node.hub.note_position(room, Position { id: end, epoch: epoch.clone() });
        if self.protocol < version::HISTORY {
            self.reply(&ServerFrame::joined(room.as_str()));
            self.node.hub.go_live(room, self.id, None);
            return self.arrive(room);
        }
        // What this client's version gets of each entry: changes and
        // deleted messages are left out before version 6.
        let frames: Vec<String> = entries
            .iter()
            .filter_map(|stored| stored.frame(room, self.protocol))
            .map(|f| f.encode())
            .collect();
        let count = u32::try_from(frames.len()).unwrap_or(u32::MAX);
        self.reply(&ServerFrame::Joined {
            room: Cow::Borrowed(room.as_str()),
            epoch: Some(Cow::Owned(epoch)),
            history: Some(count),
            recovered,
        });
        let patience = self.node.settings.ping_timeout;
        for frame in frames {
            match self.outbox.push_waiting(Message::Text(frame.into()), patience).await {
                Push::Queued => {}
                // Too slow or gone: the session is closing; it recovers by
                // offset when it reconnects.
                Push::Overflowed | Push::Gone => return,
            }
        }
        // The member has the backlog up to its last entry, also when that
        // one was left out for its version.
        self.node.hub.go_live(room, self.id, entries.last().map(|stored| stored.id));
        self.arrive(room);
    }

    pub(super) fn leave(&mut self, raw: &str) {
        let room = match RoomName::parse(raw) {
            Ok(room) => room,
            Err(err) => return self.fail(err.code(), err.to_string(), Some(raw), None),
        };
        if !self.rooms.contains(&room) {
            return self.fail(ErrorCode::NotJoined, "you are not in this room", Some(room.as_str()), None);
        }
        self.forget(&room);
        self.reply(&ServerFrame::Left { room: Cow::Borrowed(room.as_str()) });
    }

    pub(super) async fn history(&mut self, raw: &str, before: MessageId, limit: Option<u32>) {
        let room = match RoomName::parse(raw) {
            Ok(room) => room,
            Err(err) => return self.fail(err.code(), err.to_string(), Some(raw), None),
        };
        if !self.rooms.contains(&room) {
            let message = "join the room before reading its history";
            return self.fail(ErrorCode::NotJoined, message, Some(room.as_str()), None);
        }
        let limit = limit.map_or(DEFAULT_PAGE, |n| (n as usize).clamp(1, MAX_HISTORY_PAGE));
        let page = match self.node.broker.page(&room, before, limit).await {
            Ok(page) => page,
            Err(err) => {
                let (code, message) = self.broker_failure(&room, &err, "cannot read history now");
                return self.fail(code, message, Some(room.as_str()), None);
            }
        };
        let mut frames: Vec<MessageFrame<'_>> =
            page.messages.iter().filter_map(|stored| stored.message_frame(&room, self.protocol)).collect();
        let mut more = page.more;
        // Keep the newest messages (those next to `before`) within the byte cap.
        let mut bytes = 0;
        let keep = frames
            .iter()
            .rev()
            .take_while(|frame| {
                bytes += frame.text.len() + frame.author.len() + 96;
                bytes <= MAX_PAGE_BYTES
            })
            .count();
        if keep < frames.len() {
            frames.drain(..frames.len() - keep);
            more = true;
        }
        self.reply(&ServerFrame::History {
            room: Cow::Borrowed(room.as_str()),
            before,
            messages: frames,
            more,
        });
    }

    /// Leaves `room` in the hub, its presence and this session's sets.
    pub(super) fn forget(&mut self, room: &RoomName) {
        let left = self.rooms.remove(room);
        self.node.hub.leave(room, self.id);
        if left.is_some_and(|membership| membership.present) {
            if let Some(name) = &self.name {
                self.node.hub.absent(room, name.as_str());
            }
        }
    }
}
