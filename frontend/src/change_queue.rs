//! Edits and deletions of our messages (version 6) until the server
//! confirms them: written, and written again when the server asks.
//!
//! A change is written at once (the page offers Edit and Delete only in a
//! room joined on a live connection). The server confirms it with the
//! `edited` or `deleted` frame every member gets. After `unavailable` (not
//! made) or `outcome_unknown` (maybe made) the same frame goes again at the
//! next check, at most [`MAX_CHANGE_SENDS`] times in all: repeating an edit
//! sets the same text, and repeating a delete is answered
//! `message_deleted`, which counts as done, so sending again cannot change
//! a message twice. When the connection drops, a change still on its way
//! is sent again after its room's rejoin only with identity tokens, where
//! the next connection may change the message too; without, it is given up
//! as [`ChangeFailure::Unconfirmed`] (a recovery brings it if it was made).
//! Pure and unit-tested; [`crate::plan`] owns one.

use std::collections::VecDeque;

use roomcast_protocol::{ClientFrame, MessageId, RoomName};

use crate::edits::Change;
use crate::error_meaning::{ChangeFailure, ErrorMeaning};

/// Changes not yet confirmed that the page keeps; more are refused at once.
pub const MAX_CHANGES: usize = 32;
/// Writes of one change, the first included, before it is given up.
pub const MAX_CHANGE_SENDS: u32 = 5;

/// A change to message `id` of `room`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingChange {
    pub room: RoomName,
    pub id: MessageId,
    pub change: Change,
}

#[derive(Debug)]
struct Pending {
    change: OutgoingChange,
    sends: u32,
    /// A write may have made it without our hearing of it.
    maybe_done: bool,
}

impl Pending {
    fn is(&self, room: &RoomName, id: MessageId) -> bool {
        &self.change.room == room && self.change.id == id
    }

    fn write(&mut self) -> ClientFrame<'static> {
        self.sends += 1;
        self.change.change.frame(&self.change.room, self.change.id)
    }
}

#[derive(Debug, Default)]
pub struct ChangeQueue {
    /// To be written again once their room is joined on a live connection.
    waiting: VecDeque<Pending>,
    /// Written to the current connection, oldest first.
    in_flight: Vec<Pending>,
    /// Given up since the caller last asked.
    abandoned: Vec<ErrorMeaning>,
}

impl ChangeQueue {
    pub fn len(&self) -> usize {
        self.waiting.len() + self.in_flight.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Writes `change` now (its room is joined), unless too many wait.
    pub fn send_now(&mut self, change: OutgoingChange) -> Result<ClientFrame<'static>, ChangeFailure> {
        if self.len() >= MAX_CHANGES {
            return Err(ChangeFailure::TooMany);
        }
        let mut pending = Pending { change, sends: 0, maybe_done: false };
        let frame = pending.write();
        self.in_flight.push(pending);
        Ok(frame)
    }

    /// The server asks for the oldest change of message `id` on its way
    /// again (`maybe_done`: it could not say whether it was made).
    pub fn again(&mut self, room: &RoomName, id: MessageId, maybe_done: bool) {
        if let Some(index) = self.in_flight.iter().position(|pending| pending.is(room, id)) {
            let mut pending = self.in_flight.remove(index);
            pending.maybe_done |= maybe_done;
            self.waiting.push_back(pending);
        }
    }

    /// Writes every waiting change whose room is `ready`, oldest first;
    /// gives up those written [`MAX_CHANGE_SENDS`] times.
    pub fn due(&mut self, ready: impl Fn(&RoomName) -> bool) -> Vec<ClientFrame<'static>> {
        let mut frames = Vec::new();
        let mut kept = VecDeque::with_capacity(self.waiting.len());
        for mut pending in std::mem::take(&mut self.waiting) {
            if !ready(&pending.change.room) {
                kept.push_back(pending);
            } else if pending.sends < MAX_CHANGE_SENDS {
                frames.push(pending.write());
                self.in_flight.push(pending);
            } else {
                let failure =
                    if pending.maybe_done { ChangeFailure::Unconfirmed } else { ChangeFailure::Unavailable };
                self.abandon(pending, failure);
            }
        }
        self.waiting = kept;
        frames
    }

    /// The server refused the oldest change of message `id` on its way:
    /// nothing more to do for it.
    pub fn refused(&mut self, room: &RoomName, id: MessageId) {
        if let Some(index) = self.in_flight.iter().position(|pending| pending.is(room, id)) {
            self.in_flight.remove(index);
        }
    }

    /// `edited` (with `change` an edit to its text) or `deleted` (a
    /// delete) arrived for message `id`: the changes of ours it settles are
    /// done. A deletion settles every change of the message.
    pub fn confirmed(&mut self, room: &RoomName, id: MessageId, change: &Change) {
        let settles = |pending: &Pending| {
            pending.is(room, id) && (change == &Change::Delete || &pending.change.change == change)
        };
        self.in_flight.retain(|pending| !settles(pending));
        self.waiting.retain(|pending| !settles(pending));
    }

    /// The connection dropped. `resumable`: the next connection may make
    /// the same changes (identity tokens), so they wait for their room's
    /// rejoin; otherwise they are given up.
    pub fn disconnected(&mut self, resumable: bool) {
        for mut pending in self.in_flight.drain(..).rev() {
            pending.maybe_done = true;
            self.waiting.push_front(pending);
        }
        if !resumable {
            for pending in std::mem::take(&mut self.waiting) {
                let failure =
                    if pending.maybe_done { ChangeFailure::Unconfirmed } else { ChangeFailure::NotConnected };
                self.abandon(pending, failure);
            }
        }
    }

    pub fn drop_room(&mut self, room: &RoomName) {
        self.in_flight.retain(|pending| &pending.change.room != room);
        self.waiting.retain(|pending| &pending.change.room != room);
    }

    /// Changes given up since the last call, as failed changes to show.
    pub fn take_abandoned(&mut self) -> Vec<ErrorMeaning> {
        std::mem::take(&mut self.abandoned)
    }

    fn abandon(&mut self, pending: Pending, failure: ChangeFailure) {
        let OutgoingChange { room, id, .. } = pending.change;
        self.abandoned.push(ErrorMeaning::ChangeFailed { room, id, failure });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{id, room};

    fn edit(seq: u64, text: &str) -> OutgoingChange {
        OutgoingChange { room: room("general"), id: id(seq), change: Change::Edit(text.into()) }
    }

    fn delete(seq: u64) -> OutgoingChange {
        OutgoingChange { room: room("general"), id: id(seq), change: Change::Delete }
    }

    /// Frames as compact strings: "edit 5-0 new", "delete 5-0".
    fn show(frames: Vec<ClientFrame<'static>>) -> Vec<String> {
        frames
            .into_iter()
            .map(|frame| match frame {
                ClientFrame::Edit { id, text, .. } => format!("edit {id} {text}"),
                ClientFrame::Delete { id, .. } => format!("delete {id}"),
                other => panic!("not a change: {other:?}"),
            })
            .collect()
    }

    fn failed(seq: u64, failure: ChangeFailure) -> ErrorMeaning {
        ErrorMeaning::ChangeFailed { room: room("general"), id: id(seq), failure }
    }

    #[test]
    fn a_change_is_done_when_its_own_edited_or_deleted_frame_arrives() {
        let mut queue = ChangeQueue::default();
        assert_eq!(show(vec![queue.send_now(edit(5, "first")).unwrap()]), ["edit 5-0 first"]);
        queue.send_now(edit(5, "second")).unwrap();
        queue.confirmed(&room("general"), id(5), &Change::Edit("someone else's tab".into()));
        assert_eq!(queue.len(), 2, "another edit settles neither");
        queue.confirmed(&room("general"), id(5), &Change::Edit("first".into()));
        assert_eq!(queue.len(), 1);
        queue.send_now(delete(6)).unwrap();
        queue.confirmed(&room("general"), id(5), &Change::Delete);
        assert_eq!(queue.len(), 1, "a deletion settles every change of its message, not others");
    }

    #[test]
    fn an_unknown_outcome_is_sent_again_the_same_and_given_up_after_max_sends() {
        let mut queue = ChangeQueue::default();
        queue.send_now(delete(5)).unwrap();
        for _ in 1..MAX_CHANGE_SENDS {
            queue.again(&room("general"), id(5), true);
            assert!(queue.due(|_| false).is_empty(), "not before the room is ready");
            assert_eq!(show(queue.due(|_| true)), ["delete 5-0"]);
        }
        queue.again(&room("general"), id(5), false);
        assert!(queue.due(|_| true).is_empty());
        assert_eq!(queue.take_abandoned(), [failed(5, ChangeFailure::Unconfirmed)], "it may have been made");
        assert!(queue.is_empty());
    }

    #[test]
    fn a_refused_change_is_not_sent_again() {
        let mut queue = ChangeQueue::default();
        queue.send_now(edit(5, "a")).unwrap();
        queue.refused(&room("general"), id(5));
        assert!(queue.due(|_| true).is_empty());
        assert!(queue.is_empty());
    }

    #[test]
    fn without_identity_a_drop_gives_up_what_was_on_its_way() {
        let mut queue = ChangeQueue::default();
        queue.send_now(edit(5, "a")).unwrap();
        queue.send_now(delete(6)).unwrap();
        queue.disconnected(false);
        assert_eq!(
            queue.take_abandoned(),
            [failed(5, ChangeFailure::Unconfirmed), failed(6, ChangeFailure::Unconfirmed)]
        );
        assert!(queue.is_empty());
    }

    #[test]
    fn with_identity_a_drop_sends_the_change_again_after_the_rejoin() {
        let mut queue = ChangeQueue::default();
        queue.send_now(edit(5, "a")).unwrap();
        queue.disconnected(true);
        assert!(queue.take_abandoned().is_empty());
        assert_eq!(show(queue.due(|_| true)), ["edit 5-0 a"]);
    }

    #[test]
    fn the_queue_is_bounded_and_forgets_a_room_left() {
        let mut queue = ChangeQueue::default();
        for seq in 0..MAX_CHANGES as u64 {
            queue.send_now(delete(seq)).unwrap();
        }
        assert_eq!(queue.send_now(delete(99)), Err(ChangeFailure::TooMany));
        queue.drop_room(&room("general"));
        assert!(queue.is_empty());
    }
}
