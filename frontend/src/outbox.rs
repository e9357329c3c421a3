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
//! [`SendFailure::Unavailable`].
//!
//! A message refused because the page sends too fast (`rate_limited`, so
//! not delivered) waits for the server's hint (`retry_after_ms`), or
//! without one for the protocol's backoff from [`TOO_FAST_BACKOFF`], and
//! goes again under the same client id. From that refusal on the outbox
//! *paces* its sends: messages leave in the order they were typed, one at a
//! time (the next once the server confirmed or refused the one before),
//! until nothing is left to send; a refused message takes its place in the
//! line again. After [`MAX_TOO_FAST`] refusals a message is given up as
//! [`SendFailure::TooFast`]. Pure and unit-tested; [`crate::plan`] owns one
//! and decides when rooms are ready.

use std::borrow::Cow;
use std::collections::VecDeque;

use roomcast_protocol::backoff::Backoff;
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
/// Refusals for sending too fast that one message may collect; the last
/// one gives it up. With the backoff below, that is about half a minute of
/// trying when the server gives no hint.
pub const MAX_TOO_FAST: u32 = 6;
/// The wait after a refusal for sending too fast when the server did not
/// say how long (a server older than version 6): the protocol's one
/// backoff rule, 0.5–1 s after the first refusal of a message, doubling.
pub const TOO_FAST_BACKOFF: Backoff = Backoff { base_ms: 1_000, cap_ms: 30_000 };
/// The server's hint is taken within these bounds, so a nonsensical one
/// can neither make the page hammer it nor keep a message for hours.
const HINT_BOUNDS_MS: (f64, f64) = (10.0, 60_000.0);

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
    /// Its place in the order messages were typed.
    seq: u64,
    /// Writes that may have reached the server's de-duplication (not
    /// those refused for sending too fast).
    sends: u32,
    /// When it was first written, by the page's clock.
    first_sent_ms: Option<f64>,
    /// A write may have reached the room without our hearing of it.
    maybe_delivered: bool,
    /// Refusals for sending too fast.
    too_fast: u32,
    /// Refused for sending too fast: not written again before this time.
    not_before_ms: Option<f64>,
}

impl Pending {
    fn may_send(&self, now_ms: f64) -> bool {
        self.sends < MAX_SENDS && self.first_sent_ms.is_none_or(|first| now_ms - first <= RESEND_WINDOW_MS)
    }
}

#[derive(Debug, Default)]
pub struct Outbox {
    /// Not on the current connection, oldest first: waiting for their room's
    /// `joined`, for the next check after an unknown outcome, or (pacing)
    /// for their turn.
    waiting: VecDeque<Pending>,
    /// Written to the current connection; waiting for the server's copy.
    in_flight: Vec<Pending>,
    /// Given up since the caller last asked.
    abandoned: Vec<ErrorMeaning>,
    /// A message was refused for sending too fast and messages remain:
    /// one at a time, in order ([`Outbox::paced`]).
    pacing: bool,
    next_seq: u64,
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

    /// Writes `message` at once (its room is joined), unless the outbox is
    /// pacing its sends: then it waits for its turn (`None`), which
    /// [`Outbox::paced`] gives it.
    pub fn send_now(
        &mut self,
        message: Outgoing,
        now_ms: f64,
    ) -> Result<Option<ClientFrame<'static>>, QueueFull> {
        let pending = self.accept(message)?;
        if self.pacing {
            self.waiting.push_back(pending);
            return Ok(None);
        }
        Ok(Some(self.write(pending, now_ms)))
    }

    fn accept(&mut self, message: Outgoing) -> Result<Pending, QueueFull> {
        if self.len() >= MAX_QUEUED {
            return Err(QueueFull);
        }
        self.next_seq += 1;
        Ok(Pending {
            message,
            seq: self.next_seq,
            sends: 0,
            first_sent_ms: None,
            maybe_delivered: false,
            too_fast: 0,
            not_before_ms: None,
        })
    }

    /// Writes every waiting message whose room is `ready`, oldest first;
    /// gives up those past their bounds. While pacing, writes only the
    /// next one in line ([`Outbox::paced`]).
    pub fn due(&mut self, ready: impl Fn(&RoomName) -> bool, now_ms: f64) -> Vec<ClientFrame<'static>> {
        if self.pacing {
            return self.paced(ready, now_ms);
        }
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

    /// Gives up a message past its bounds: the reason is what stopped its
    /// writes from succeeding.
    fn abandon(&mut self, pending: Pending) {
        let failure = if pending.too_fast > 0 { SendFailure::TooFast } else { SendFailure::Unavailable };
        self.give_up(pending, failure);
    }

    fn give_up(&mut self, pending: Pending, failure: SendFailure) {
        // It may have arrived once: saying it was refused would be untrue.
        let failure = if pending.maybe_delivered { SendFailure::Unconfirmed } else { failure };
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
            pending.not_before_ms = None;
            self.waiting.push_back(pending);
        }
    }

    /// The server refused `client_id` for now because we send too fast
    /// (it was not delivered): it goes back into the line in its place, to
    /// be written again after `retry_after_ms` (the server's hint), or
    /// without a hint after [`TOO_FAST_BACKOFF`] (`random` in `[0, 1)`
    /// spreads it); from now on the outbox paces its sends. The
    /// [`MAX_TOO_FAST`]th refusal gives it up.
    pub fn later(&mut self, client_id: &str, retry_after_ms: Option<u64>, now_ms: f64, random: f64) {
        let Some(index) = self.in_flight.iter().position(|pending| pending.message.client_id == client_id)
        else {
            return;
        };
        let mut pending = self.in_flight.remove(index);
        // Refused outright: this write never reached the de-duplication.
        pending.sends = pending.sends.saturating_sub(1);
        if pending.sends == 0 {
            pending.first_sent_ms = None;
        }
        pending.too_fast += 1;
        if pending.too_fast >= MAX_TOO_FAST {
            self.give_up(pending, SendFailure::TooFast);
            self.end_pacing_when_done();
            return;
        }
        let wait = match retry_after_ms {
            Some(hint) => (hint as f64).clamp(HINT_BOUNDS_MS.0, HINT_BOUNDS_MS.1),
            None => f64::from(TOO_FAST_BACKOFF.delay_ms(pending.too_fast - 1, random)),
        };
        pending.not_before_ms = Some(now_ms + wait);
        let place =
            self.waiting.iter().position(|other| other.seq > pending.seq).unwrap_or(self.waiting.len());
        self.waiting.insert(place, pending);
        self.pacing = true;
    }

    /// While pacing: writes the first waiting message whose room is
    /// `ready` once nothing is in flight and its wait (if it was refused)
    /// is over. Ends the pacing when nothing is left to send.
    pub fn paced(&mut self, ready: impl Fn(&RoomName) -> bool, now_ms: f64) -> Vec<ClientFrame<'static>> {
        if !self.pacing || !self.in_flight.is_empty() {
            return Vec::new();
        }
        while let Some(index) = self.waiting.iter().position(|pending| ready(&pending.message.room)) {
            if self.waiting[index].not_before_ms.is_some_and(|at| at > now_ms) {
                return Vec::new();
            }
            let Some(pending) = self.waiting.remove(index) else { break };
            if pending.may_send(now_ms) {
                return vec![self.write(pending, now_ms)];
            }
            self.abandon(pending);
        }
        self.end_pacing_when_done();
        Vec::new()
    }

    /// When [`Outbox::paced`] should be asked again: the end of the wait
    /// of the next message in line, while pacing with nothing in flight.
    pub fn next_turn_ms(&self, ready: impl Fn(&RoomName) -> bool) -> Option<f64> {
        if !self.pacing || !self.in_flight.is_empty() {
            return None;
        }
        self.waiting.iter().find(|pending| ready(&pending.message.room))?.not_before_ms
    }

    /// Whether sends are paced since a refusal for sending too fast.
    pub fn is_pacing(&self) -> bool {
        self.pacing
    }

    fn end_pacing_when_done(&mut self) {
        if self.is_empty() {
            self.pacing = false;
        }
    }

    /// The server's copy of `client_id` arrived, or the server refused it:
    /// nothing more to do for it.
    pub fn settled(&mut self, client_id: &str) {
        self.in_flight.retain(|pending| pending.message.client_id != client_id);
        self.waiting.retain(|pending| pending.message.client_id != client_id);
        self.end_pacing_when_done();
    }

    pub fn drop_room(&mut self, room: &RoomName) {
        self.in_flight.retain(|pending| &pending.message.room != room);
        self.waiting.retain(|pending| &pending.message.room != room);
        self.end_pacing_when_done();
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

    /// Writes `ids` now (nothing is pacing yet) and returns the outbox.
    fn in_flight(ids: &[&str]) -> Outbox {
        let mut outbox = Outbox::default();
        for id in ids {
            assert!(outbox.send_now(outgoing(id), 0.0).unwrap().is_some(), "{id} is written at once");
        }
        outbox
    }

    #[test]
    fn a_message_refused_for_sending_too_fast_goes_again_under_the_same_id_after_the_servers_hint() {
        let mut outbox = in_flight(&["c1", "c2"]);
        outbox.later("c1", Some(300), 0.0, 0.5);
        outbox.later("c2", Some(300), 0.0, 0.5);
        assert!(outbox.is_pacing());
        assert_eq!(outbox.next_turn_ms(all_ready), Some(300.0));
        assert!(outbox.paced(all_ready, 299.0).is_empty(), "not before the hint");
        assert_eq!(ids(outbox.paced(all_ready, 300.0)), ["c1"]);
        assert!(outbox.paced(all_ready, 400.0).is_empty(), "one at a time");
        assert_eq!(outbox.next_turn_ms(all_ready), None, "the next turn comes with c1's answer");
        outbox.settled("c1");
        assert_eq!(ids(outbox.paced(all_ready, 400.0)), ["c2"]);
        outbox.settled("c2");
        assert!(!outbox.is_pacing(), "nothing left: sends are no longer paced");
        assert!(outbox.send_now(outgoing("c3"), 500.0).unwrap().is_some(), "written at once again");
        assert!(outbox.take_abandoned().is_empty());
    }

    #[test]
    fn without_a_hint_a_refused_message_waits_as_the_protocols_backoff_says() {
        let mut outbox = in_flight(&["c1"]);
        outbox.later("c1", None, 1_000.0, 0.0);
        assert_eq!(outbox.next_turn_ms(all_ready), Some(1_500.0), "0.5–1 s after the first refusal");
        assert_eq!(ids(outbox.paced(all_ready, 1_500.0)), ["c1"]);
        outbox.later("c1", None, 1_500.0, 0.999);
        let turn = outbox.next_turn_ms(all_ready).unwrap();
        assert!((3_400.0..3_500.0).contains(&turn), "1–2 s after the second: {turn}");
    }

    #[test]
    fn the_servers_hint_is_kept_within_bounds() {
        let mut outbox = in_flight(&["c1"]);
        outbox.later("c1", Some(0), 0.0, 0.5);
        assert_eq!(outbox.next_turn_ms(all_ready), Some(HINT_BOUNDS_MS.0));
        let mut outbox = in_flight(&["c2"]);
        outbox.later("c2", Some(36_000_000), 0.0, 0.5);
        assert_eq!(outbox.next_turn_ms(all_ready), Some(HINT_BOUNDS_MS.1), "an hour's hint waits a minute");
    }

    #[test]
    fn while_pacing_messages_leave_one_at_a_time_in_the_order_they_were_typed() {
        let mut outbox = in_flight(&["c1", "c2", "c3"]);
        // The server took c1 and refused the two after it, the last one first.
        outbox.settled("c1");
        outbox.later("c3", Some(100), 0.0, 0.5);
        outbox.later("c2", Some(100), 0.0, 0.5);
        for typed in ["c4", "c5"] {
            assert_eq!(outbox.send_now(outgoing(typed), 50.0), Ok(None), "{typed} waits its turn");
        }
        let mut order = Vec::new();
        let mut now = 100.0;
        while let Some(next) = ids(outbox.paced(all_ready, now)).pop() {
            assert!(outbox.paced(all_ready, now).is_empty(), "never two in flight");
            outbox.settled(&next);
            order.push(next);
            now += 1.0;
        }
        assert_eq!(order, ["c2", "c3", "c4", "c5"]);
        assert!(outbox.is_empty() && !outbox.is_pacing());
    }

    #[test]
    fn a_message_refused_for_sending_too_fast_too_often_is_given_up_with_that_reason() {
        let mut outbox = in_flight(&["c1"]);
        let mut now = 0.0;
        for refusal in 1..MAX_TOO_FAST {
            outbox.later("c1", Some(100), now, 0.5);
            assert!(outbox.paced(all_ready, now + 99.0).is_empty());
            now += 100.0;
            assert_eq!(ids(outbox.paced(all_ready, now)), ["c1"], "write {} of c1", refusal + 1);
        }
        // More refusals than MAX_SENDS: refused writes never reached the
        // server's de-duplication, so they do not count against that bound.
        const { assert!(MAX_TOO_FAST > MAX_SENDS) };
        outbox.later("c1", Some(100), now, 0.5);
        assert_eq!(given_up(&mut outbox), [("c1".into(), SendFailure::TooFast)]);
        assert!(outbox.is_empty() && !outbox.is_pacing());
    }

    #[test]
    fn a_refused_message_that_may_have_arrived_before_is_given_up_as_unconfirmed() {
        let mut outbox = in_flight(&["c1"]);
        outbox.requeue_in_flight();
        assert_eq!(ids(outbox.due(all_ready, 1.0)), ["c1"]);
        for _ in 0..MAX_TOO_FAST {
            outbox.later("c1", Some(100), 1.0, 0.5);
            outbox.paced(all_ready, 1_000.0);
        }
        assert_eq!(given_up(&mut outbox), [("c1".into(), SendFailure::Unconfirmed)]);
    }

    #[test]
    fn while_pacing_a_rooms_messages_wait_for_its_join_without_holding_up_other_rooms() {
        let mut outbox = in_flight(&["c1"]);
        outbox.later("c1", Some(100), 0.0, 0.5);
        let other = Outgoing { room: room("other"), client_id: "o1".into(), text: "elsewhere".into() };
        assert_eq!(outbox.send_now(other, 10.0), Ok(None));
        let general_only = |room: &RoomName| room.as_str() == "general";
        let other_only = |room: &RoomName| room.as_str() == "other";
        assert_eq!(ids(outbox.paced(other_only, 10.0)), ["o1"], "c1's room is not ready, o1 goes");
        outbox.settled("o1");
        assert!(outbox.paced(general_only, 99.0).is_empty());
        assert_eq!(ids(outbox.due(general_only, 100.0)), ["c1"], "the regular check paces too");
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
