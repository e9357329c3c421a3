//! Our messages until the server confirms them: waiting for their room to
//! be joined, or written and waiting for the server's copy.
//!
//! A message whose fate is unknown (in flight when the connection dropped,
//! or answered `outcome_unknown`), or that the server could not take just
//! then (`unavailable`), is sent again under the same client id: the server
//! delivers a client id at most once per room and answers a repeat with the
//! original message, so sending again cannot make a second copy. That holds
//! only within the server's de-duplication window, so a message is sent
//! again only within [`RESEND_WINDOW_MS`] of its first write, and at most
//! [`MAX_SENDS`] times in all, so a broken server cannot keep a message
//! looping. Past either bound it is given up: as
//! [`SendFailure::Unconfirmed`] if it may have been delivered, otherwise as
//! [`SendFailure::Unavailable`]. Pure and unit-tested; [`crate::plan`] owns
//! one and decides when rooms are ready.

use std::borrow::Cow;
use std::collections::VecDeque;

use roomcast_protocol::{ClientFrame, RoomName};

use crate::error_meaning::{ErrorMeaning, SendFailure};

/// Messages not yet confirmed that the page keeps; more are refused at once,
/// so a long outage or a silent server cannot grow memory without bound.
pub const MAX_QUEUED: usize = 100;
/// Writes of one message, the first included, before it is given up.
pub const MAX_SENDS: u32 = 5;
/// How long after its first write a message may be sent again: below the
/// server's de-duplication window (`DEDUPE_WINDOW`, 5 minutes by default),
/// which `welcome` does not announce.
pub const RESEND_WINDOW_MS: f64 = 4.0 * 60_000.0;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub room: RoomName,
    pub client_id: String,
    pub text: String,
}

/// The queue is full: the message was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueFull;

#[derive(Debug)]
struct Pending {
    message: Outgoing,
    sends: u32,
    /// When it was first written, by the page's clock.
    first_sent_ms: Option<f64>,
    /// A write may have reached the room without our hearing of it.
    maybe_delivered: bool,
}

impl Pending {
    fn may_send(&self, now_ms: f64) -> bool {
        self.sends < MAX_SENDS && self.first_sent_ms.is_none_or(|first| now_ms - first <= RESEND_WINDOW_MS)
    }
}

#[derive(Debug, Default)]
pub struct Outbox {
    /// Not on the current connection, oldest first: waiting for their room's
    /// `joined`, or for the next check after an unknown outcome.
    waiting: VecDeque<Pending>,
    /// Written to the current connection; waiting for the server's copy.
    in_flight: Vec<Pending>,
    /// Given up since the caller last asked.
    abandoned: Vec<ErrorMeaning>,
}

impl Outbox {
    /// Messages not confirmed yet.
    pub fn len(&self) -> usize {
        self.waiting.len() + self.in_flight.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Keeps `message` until its room is ready.
    pub fn push(&mut self, message: Outgoing) -> Result<(), QueueFull> {
        let pending = self.accept(message)?;
        self.waiting.push_back(pending);
        Ok(())
    }

    /// Writes `message` at once (its room is joined).
    pub fn send_now(&mut self, message: Outgoing, now_ms: f64) -> Result<ClientFrame<'static>, QueueFull> {
        let pending = self.accept(message)?;
        Ok(self.write(pending, now_ms))
    }

    fn accept(&self, message: Outgoing) -> Result<Pending, QueueFull> {
        if self.len() >= MAX_QUEUED {
            return Err(QueueFull);
        }
        Ok(Pending { message, sends: 0, first_sent_ms: None, maybe_delivered: false })
    }

    /// Writes every waiting message whose room is `ready`, oldest first;
    /// gives up those past their bounds.
    pub fn due(&mut self, ready: impl Fn(&RoomName) -> bool, now_ms: f64) -> Vec<ClientFrame<'static>> {
        let mut frames = Vec::new();
        let mut kept = VecDeque::with_capacity(self.waiting.len());
        for pending in std::mem::take(&mut self.waiting) {
            if !ready(&pending.message.room) {
                kept.push_back(pending);
            } else if pending.may_send(now_ms) {
                frames.push(self.write(pending, now_ms));
            } else {
                self.abandon(pending);
            }
        }
        self.waiting = kept;
        frames
    }

    fn write(&mut self, mut pending: Pending, now_ms: f64) -> ClientFrame<'static> {
        pending.sends += 1;
        pending.first_sent_ms.get_or_insert(now_ms);
        let frame = send_frame(&pending.message);
        self.in_flight.push(pending);
        frame
    }

    fn abandon(&mut self, pending: Pending) {
        let failure =
            if pending.maybe_delivered { SendFailure::Unconfirmed } else { SendFailure::Unavailable };
        self.abandoned.push(ErrorMeaning::SendFailed {
            room: pending.message.room.to_string(),
            client_id: pending.message.client_id,
            failure,
        });
    }

    /// The connection dropped: what was in flight may or may not have
    /// arrived, so it waits to be sent again, ahead of later messages.
    pub fn requeue_in_flight(&mut self) {
        for mut pending in self.in_flight.drain(..).rev() {
            pending.maybe_delivered = true;
            self.waiting.push_front(pending);
        }
    }

    /// The server did not take `client_id` this time (`maybe_delivered`:
    /// or could not say whether it did): it is sent again at the next
    /// [`Outbox::due`] that finds its room ready.
    pub fn again(&mut self, client_id: &str, maybe_delivered: bool) {
        if let Some(index) = self.in_flight.iter().position(|pending| pending.message.client_id == client_id)
        {
            let mut pending = self.in_flight.remove(index);
            pending.maybe_delivered |= maybe_delivered;
            self.waiting.push_back(pending);
        }
    }

    /// The server's copy of `client_id` arrived, or the server refused it:
    /// nothing more to do for it.
    pub fn settled(&mut self, client_id: &str) {
        self.in_flight.retain(|pending| pending.message.client_id != client_id);
        self.waiting.retain(|pending| pending.message.client_id != client_id);
    }

    pub fn drop_room(&mut self, room: &RoomName) {
        self.in_flight.retain(|pending| &pending.message.room != room);
        self.waiting.retain(|pending| &pending.message.room != room);
    }

    /// Messages given up since the last call, as failed sends to show.
    pub fn take_abandoned(&mut self) -> Vec<ErrorMeaning> {
        std::mem::take(&mut self.abandoned)
    }
}

fn send_frame(message: &Outgoing) -> ClientFrame<'static> {
    ClientFrame::Send {
        room: Cow::Owned(message.room.to_string()),
        client_id: Cow::Owned(message.client_id.clone()),
        text: Cow::Owned(message.text.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::room;

    fn outgoing(client_id: &str) -> Outgoing {
        Outgoing { room: room("general"), client_id: client_id.into(), text: format!("text of {client_id}") }
    }

    /// The client ids of send frames.
    fn ids(frames: Vec<ClientFrame<'static>>) -> Vec<String> {
        frames
            .into_iter()
            .filter_map(|frame| match frame {
                ClientFrame::Send { client_id, .. } => Some(client_id.into_owned()),
                _ => None,
            })
            .collect()
    }

    fn all_ready(_: &RoomName) -> bool {
        true
    }

    /// The messages given up, with the reason shown for each.
    fn given_up(outbox: &mut Outbox) -> Vec<(String, SendFailure)> {
        outbox
            .take_abandoned()
            .into_iter()
            .map(|meaning| match meaning {
                ErrorMeaning::SendFailed { client_id, failure, .. } => (client_id, failure),
                other => panic!("not a given-up send: {other:?}"),
            })
            .collect()
    }

    #[test]
    fn messages_in_flight_when_the_connection_drops_go_again_first_under_the_same_id() {
        let mut outbox = Outbox::default();
        outbox.send_now(outgoing("c1"), 0.0).unwrap();
        outbox.send_now(outgoing("c2"), 0.0).unwrap();
        outbox.settled("c1");
        outbox.push(outgoing("c3")).unwrap();
        outbox.requeue_in_flight();
        assert_eq!(ids(outbox.due(|room| room.as_str() == "elsewhere", 1.0)), Vec::<String>::new());
        assert_eq!(ids(outbox.due(all_ready, 1.0)), ["c2", "c3"]);
        assert_eq!(outbox.len(), 2, "still kept until the server's copies arrive");
    }

    #[test]
    fn an_unconfirmed_message_goes_again_at_the_next_check_unless_it_was_confirmed_meanwhile() {
        let mut outbox = Outbox::default();
        outbox.send_now(outgoing("c1"), 0.0).unwrap();
        outbox.send_now(outgoing("c2"), 0.0).unwrap();
        outbox.again("c1", true);
        // c2's copy came first and settled it; its unknown outcome is old news.
        outbox.settled("c2");
        outbox.again("c2", true);
        assert_eq!(ids(outbox.due(all_ready, 5_000.0)), ["c1"]);
    }

    #[test]
    fn a_message_is_written_at_most_max_sends_times_then_given_up() {
        let mut outbox = Outbox::default();
        outbox.send_now(outgoing("c1"), 0.0).unwrap();
        outbox.send_now(outgoing("c2"), 0.0).unwrap();
        for attempt in 2..=MAX_SENDS {
            outbox.again("c1", attempt == 3);
            outbox.again("c2", false);
            assert_eq!(ids(outbox.due(all_ready, f64::from(attempt))), ["c1", "c2"], "write {attempt}");
        }
        outbox.again("c1", false);
        outbox.again("c2", false);
        assert!(outbox.due(all_ready, 10.0).is_empty());
        assert_eq!(
            given_up(&mut outbox),
            [("c1".into(), SendFailure::Unconfirmed), ("c2".into(), SendFailure::Unavailable)],
            "c1 may have arrived once; c2 was refused every time"
        );
        assert!(outbox.is_empty());
        assert!(outbox.take_abandoned().is_empty(), "reported once");
    }

    #[test]
    fn a_message_is_not_sent_again_once_the_servers_dedupe_window_may_have_passed() {
        let mut outbox = Outbox::default();
        let start = 1_000.0;
        outbox.send_now(outgoing("early"), start).unwrap();
        outbox.send_now(outgoing("later"), start + RESEND_WINDOW_MS / 2.0).unwrap();
        outbox.requeue_in_flight();
        assert_eq!(ids(outbox.due(all_ready, start + RESEND_WINDOW_MS + 1.0)), ["later"]);
        assert_eq!(given_up(&mut outbox), [("early".into(), SendFailure::Unconfirmed)]);
    }

    #[test]
    fn waiting_long_for_a_first_write_does_not_count() {
        let mut outbox = Outbox::default();
        outbox.push(outgoing("typed offline")).unwrap();
        assert_eq!(ids(outbox.due(all_ready, 10.0 * RESEND_WINDOW_MS)), ["typed offline"]);
    }

    #[test]
    fn the_queue_counts_messages_in_flight_and_is_bounded() {
        let mut outbox = Outbox::default();
        for n in 0..MAX_QUEUED / 2 {
            outbox.send_now(outgoing(&format!("f{n}")), 0.0).unwrap();
        }
        for n in MAX_QUEUED / 2..MAX_QUEUED {
            outbox.push(outgoing(&format!("q{n}"))).unwrap();
        }
        assert_eq!(outbox.push(outgoing("one-too-many")), Err(QueueFull));
        assert_eq!(outbox.send_now(outgoing("one-too-many"), 0.0), Err(QueueFull));
        outbox.drop_room(&room("general"));
        assert!(outbox.is_empty(), "leaving a room drops its messages");
    }
}
