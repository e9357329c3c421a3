//! The scoreboard of one step: what the clients' reader tasks record as
//! frames arrive, and what the step adds up at its end. Each client's
//! sequence trackers sit behind their own (uncontended) lock; latencies go to
//! a few histogram shards so that readers on different threads rarely meet.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::Instant;

use crate::clock;
use crate::layout::Layout;
use crate::payload::Stamp;
use crate::stats::{Latency, LatencyMs, SeqTracker};

const LATENCY_SHARDS: usize = 8;

/// The measured part of a step.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub start: Instant,
    pub end: Instant,
}

impl Window {
    pub fn contains(&self, at: Instant) -> bool {
        self.start <= at && at < self.end
    }
}

/// What one step recorded.
pub struct StepLog {
    pub step: u32,
    pub window: Window,
    layout: Arc<Layout>,
    /// Deliveries received inside the window, by the receiver's node.
    deliveries: Vec<AtomicU64>,
    /// First deliveries of a message to a member, at any time in the step.
    unique: AtomicU64,
    /// Bench messages of another step (late stragglers) or for another room.
    stale: AtomicU64,
    misrouted: AtomicU64,
    /// Per client: its tracker for each publisher of its room.
    receivers: Vec<Mutex<HashMap<u32, SeqTracker>>>,
    publishers: Vec<Mutex<PublisherLog>>,
    latency: Vec<Mutex<Latency>>,
}

/// What one publisher did in a step.
#[derive(Debug, Default, Clone)]
pub struct PublisherLog {
    pub sent: u64,
    /// Own copies received (the server's acknowledgement).
    pub acked: u64,
    /// Sends answered with an error: never delivered to anyone.
    pub refused: BTreeSet<u64>,
    /// The error codes of those refusals, for the report.
    pub refusal_codes: BTreeSet<String>,
}

/// A step's totals.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    pub deliveries_by_node: Vec<u64>,
    pub sent: u64,
    pub acked: u64,
    pub refused: u64,
    pub refusal_codes: BTreeSet<String>,
    /// First deliveries expected: every accepted message to every member of its room.
    pub expected: u64,
    pub lost: u64,
    pub duplicated: u64,
    pub reordered: u64,
    pub stale: u64,
    pub misrouted: u64,
    pub latency: LatencyMs,
    pub latency_samples: u64,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking reader task leaves its numbers as they were; keep counting.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl StepLog {
    pub fn new(step: u32, window: Window, layout: Arc<Layout>) -> StepLog {
        StepLog {
            step,
            window,
            deliveries: (0..layout.nodes).map(|_| AtomicU64::new(0)).collect(),
            unique: AtomicU64::new(0),
            stale: AtomicU64::new(0),
            misrouted: AtomicU64::new(0),
            receivers: (0..layout.clients).map(|_| Mutex::default()).collect(),
            publishers: (0..layout.publishers()).map(|_| Mutex::default()).collect(),
            latency: (0..LATENCY_SHARDS).map(|_| Mutex::default()).collect(),
            layout,
        }
    }

    /// A bench message reached `client` at `at`.
    pub fn record_message(&self, client: usize, stamp: &Stamp, at: Instant) {
        let publisher = stamp.publisher as usize;
        if stamp.step != self.step {
            self.stale.fetch_add(1, Ordering::Relaxed);
            return;
        }
        if publisher >= self.layout.publishers()
            || self.layout.publisher_room(publisher) != self.layout.room_of(client)
        {
            self.misrouted.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let arrival = lock(&self.receivers[client]).entry(stamp.publisher).or_default().record(stamp.seq);
        if arrival.is_first() {
            self.unique.fetch_add(1, Ordering::Relaxed);
        }
        if self.window.contains(at) {
            self.deliveries[self.layout.node_of(client)].fetch_add(1, Ordering::Relaxed);
            let micros = clock::micros(at).saturating_sub(stamp.due_us);
            lock(&self.latency[client % LATENCY_SHARDS]).record(micros);
        }
    }

    pub fn record_sent(&self, publisher: usize, sent: u64) {
        lock(&self.publishers[publisher]).sent = sent;
    }

    pub fn record_ack(&self, publisher: usize) {
        lock(&self.publishers[publisher]).acked += 1;
    }

    pub fn record_refusal(&self, publisher: usize, seq: u64, code: String) {
        let mut log = lock(&self.publishers[publisher]);
        log.refused.insert(seq);
        log.refusal_codes.insert(code);
    }

    /// Whether every send was answered and every expected delivery arrived.
    pub fn settled(&self) -> bool {
        let sizes = self.layout.room_sizes();
        let mut expected = 0;
        for (publisher, log) in self.publishers.iter().enumerate() {
            let log = lock(log);
            if log.acked + (log.refused.len() as u64) < log.sent {
                return false;
            }
            expected +=
                (log.sent - log.refused.len() as u64) * sizes[self.layout.publisher_room(publisher)] as u64;
        }
        self.unique.load(Ordering::Relaxed) >= expected
    }

    /// Adds everything up. Call once the step's publishers have stopped.
    pub fn tally(&self) -> Tally {
        let publishers: Vec<PublisherLog> = self.publishers.iter().map(|log| lock(log).clone()).collect();
        let sizes = self.layout.room_sizes();
        let by_room = self.layout.publishers_by_room();
        let mut tally = Tally {
            deliveries_by_node: self.deliveries.iter().map(|d| d.load(Ordering::Relaxed)).collect(),
            stale: self.stale.load(Ordering::Relaxed),
            misrouted: self.misrouted.load(Ordering::Relaxed),
            ..Tally::default()
        };
        for (publisher, log) in publishers.iter().enumerate() {
            tally.sent += log.sent;
            tally.acked += log.acked;
            tally.refused += log.refused.len() as u64;
            tally.refusal_codes.extend(log.refusal_codes.iter().cloned());
            let accepted = log.sent - log.refused.len() as u64;
            tally.expected += accepted * sizes[self.layout.publisher_room(publisher)] as u64;
        }
        let nobody = SeqTracker::default();
        for (client, trackers) in self.receivers.iter().enumerate() {
            let trackers = lock(trackers);
            for &publisher in &by_room[self.layout.room_of(client)] {
                let tracker = trackers.get(&(publisher as u32)).unwrap_or(&nobody);
                let log = &publishers[publisher];
                tally.lost += tracker.lost(log.sent, &log.refused);
                tally.duplicated += tracker.duplicated;
                tally.reordered += tracker.reordered;
            }
        }
        let mut latency = Latency::new();
        self.latency.iter().for_each(|shard| latency.merge(&lock(shard)));
        tally.latency = latency.summary();
        tally.latency_samples = latency.count();
        tally
    }
}

/// The step the readers record into now. Readers keep the `Arc` they got and
/// look again only when a message names another step.
pub struct Board {
    current: RwLock<Arc<StepLog>>,
    /// Clients whose connection ended, over the whole run.
    pub disconnects: AtomicU64,
}

impl Board {
    pub fn new(first: StepLog) -> Board {
        Board { current: RwLock::new(Arc::new(first)), disconnects: AtomicU64::new(0) }
    }

    pub fn current(&self) -> Arc<StepLog> {
        self.current.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    pub fn begin(&self, step: Arc<StepLog>) {
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = step;
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// Two nodes, two rooms, eight clients; publisher 0 sends from client 0
    /// in room 0 (clients 0, 1, 4, 5), publisher 1 from client 3 in room 1.
    fn step() -> (StepLog, Instant) {
        let now = Instant::now();
        let window = Window { start: now, end: now + Duration::from_secs(60) };
        (StepLog::new(0, window, Arc::new(Layout::new(2, 2, 8, 2).unwrap())), now)
    }

    fn stamp(publisher: u32, seq: u64) -> Stamp {
        Stamp { step: 0, publisher, seq, due_us: 0 }
    }

    #[test]
    fn every_member_getting_every_message_once_is_settled_and_lossless() {
        let (log, now) = step();
        log.record_sent(0, 2);
        for seq in 0..2 {
            log.record_ack(0);
            for client in [0, 1, 4, 5] {
                log.record_message(client, &stamp(0, seq), now);
            }
        }
        assert!(log.settled());
        let tally = log.tally();
        assert_eq!((tally.expected, tally.lost, tally.duplicated), (8, 0, 0));
        assert_eq!(tally.deliveries_by_node, vec![4, 4]);
        assert_eq!(tally.latency_samples, 8);
    }

    #[test]
    fn a_member_that_missed_a_message_counts_one_loss_and_the_step_is_not_settled() {
        let (log, now) = step();
        log.record_sent(0, 1);
        log.record_ack(0);
        for client in [0, 1, 4] {
            log.record_message(client, &stamp(0, 0), now);
        }
        assert!(!log.settled());
        assert_eq!(log.tally().lost, 1);
    }

    #[test]
    fn a_refused_send_is_expected_nowhere_and_is_not_a_loss() {
        let (log, _) = step();
        log.record_sent(1, 1);
        log.record_refusal(1, 0, "rate_limited".into());
        assert!(log.settled());
        let tally = log.tally();
        assert_eq!((tally.refused, tally.expected, tally.lost), (1, 0, 0));
        assert!(tally.refusal_codes.contains("rate_limited"));
    }

    #[test]
    fn messages_of_another_step_or_room_are_counted_apart() {
        let (log, now) = step();
        log.record_message(0, &Stamp { step: 1, ..stamp(0, 0) }, now);
        log.record_message(2, &stamp(0, 0), now);
        log.record_message(2, &stamp(9, 0), now);
        let tally = log.tally();
        assert_eq!((tally.stale, tally.misrouted, tally.lost), (1, 2, 0));
    }

    #[test]
    fn deliveries_outside_the_window_count_for_loss_but_not_for_rate_or_latency() {
        let (log, now) = step();
        log.record_sent(0, 1);
        for client in [0, 1, 4, 5] {
            log.record_message(client, &stamp(0, 0), now + Duration::from_secs(61));
        }
        let tally = log.tally();
        assert_eq!((tally.lost, tally.latency_samples), (0, 0));
        assert_eq!(tally.deliveries_by_node, vec![0, 0]);
    }
}
