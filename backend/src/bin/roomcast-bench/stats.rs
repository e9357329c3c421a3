//! Pure accounting: which deliveries of one publisher's sequence a receiver
//! got (lost, duplicated, reordered), and latency percentiles from an HDR
//! histogram.

use std::collections::BTreeSet;

use hdrhistogram::Histogram;
use serde::Serialize;

/// A gap wider than this is not a gap but a stamp that does not belong to the
/// run; recording it would only fill memory.
const MAX_GAP: u64 = 1 << 16;

/// What one receiver got of one publisher's sequence 0, 1, 2, …
#[derive(Debug, Default, Clone)]
pub struct SeqTracker {
    /// One past the highest sequence number seen.
    next: u64,
    /// Numbers below `next` not seen yet: lost unless they arrive late.
    missing: BTreeSet<u64>,
    pub duplicated: u64,
    pub reordered: u64,
}

/// How one delivery fits the sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// Newer than everything before it (possibly after a gap).
    InOrder,
    /// Filled a gap: a later message of the same publisher came first.
    Late,
    /// Seen before.
    Duplicate,
    /// So far ahead that it cannot be from this run; ignored.
    Implausible,
}

impl Arrival {
    /// Whether this delivery is the first of its message.
    pub fn is_first(self) -> bool {
        matches!(self, Arrival::InOrder | Arrival::Late)
    }
}

impl SeqTracker {
    pub fn record(&mut self, seq: u64) -> Arrival {
        if seq >= self.next {
            if seq - self.next > MAX_GAP {
                return Arrival::Implausible;
            }
            self.missing.extend(self.next..seq);
            self.next = seq + 1;
            Arrival::InOrder
        } else if self.missing.remove(&seq) {
            self.reordered += 1;
            Arrival::Late
        } else {
            self.duplicated += 1;
            Arrival::Duplicate
        }
    }

    /// Messages among the publisher's first `sent` that never arrived here,
    /// not counting those the server `refused` (they reached no one).
    pub fn lost(&self, sent: u64, refused: &BTreeSet<u64>) -> u64 {
        let gaps = self.missing.range(..sent).filter(|seq| !refused.contains(seq)).count() as u64;
        let seen_up_to = self.next.min(sent);
        let tail = (sent - seen_up_to) - refused.range(seen_up_to..sent).count() as u64;
        gaps + tail
    }
}

/// Send-to-receipt latencies in microseconds, from 1 µs to a minute at three
/// significant digits; longer ones count as a minute.
#[derive(Debug, Clone)]
pub struct Latency(Histogram<u64>);

/// Latency percentiles in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct LatencyMs {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
}

impl Latency {
    const HIGHEST_US: u64 = 60_000_000;

    pub fn new() -> Self {
        // Constant, valid bounds (low ≥ 1, high ≥ 2 × low, 3 digits ≤ 5), so
        // creation cannot fail.
        Latency(Histogram::new_with_bounds(1, Self::HIGHEST_US, 3).expect("valid histogram bounds"))
    }

    pub fn record(&mut self, micros: u64) {
        self.0.saturating_record(micros.max(1));
    }

    pub fn merge(&mut self, other: &Latency) {
        // Both were made by `new` with the same bounds, and recording saturates
        // at the highest trackable value, so every value of `other` fits.
        self.0.add(&other.0).expect("histograms with the same bounds add");
    }

    pub fn count(&self) -> u64 {
        self.0.len()
    }

    pub fn summary(&self) -> LatencyMs {
        if self.0.is_empty() {
            return LatencyMs::default();
        }
        let ms = |micros: u64| micros as f64 / 1000.0;
        LatencyMs {
            p50: ms(self.0.value_at_quantile(0.50)),
            p90: ms(self.0.value_at_quantile(0.90)),
            p99: ms(self.0.value_at_quantile(0.99)),
            p999: ms(self.0.value_at_quantile(0.999)),
            max: ms(self.0.max()),
        }
    }
}

impl Default for Latency {
    fn default() -> Self {
        Latency::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tracker_after(seqs: &[u64]) -> (SeqTracker, Vec<Arrival>) {
        let mut tracker = SeqTracker::default();
        let arrivals = seqs.iter().map(|seq| tracker.record(*seq)).collect();
        (tracker, arrivals)
    }

    #[test]
    fn a_sequence_received_in_order_has_no_loss_duplicate_or_reorder() {
        let (tracker, arrivals) = tracker_after(&[0, 1, 2, 3]);
        assert!(arrivals.iter().all(|a| *a == Arrival::InOrder));
        assert_eq!((tracker.lost(4, &BTreeSet::new()), tracker.duplicated, tracker.reordered), (0, 0, 0));
    }

    #[test]
    fn a_message_that_arrives_after_a_later_one_is_reordered_not_lost() {
        let (tracker, arrivals) = tracker_after(&[0, 2, 1, 3]);
        assert_eq!(arrivals, [Arrival::InOrder, Arrival::InOrder, Arrival::Late, Arrival::InOrder]);
        assert_eq!((tracker.lost(4, &BTreeSet::new()), tracker.duplicated, tracker.reordered), (0, 0, 1));
    }

    #[test]
    fn a_message_seen_twice_is_one_duplicate() {
        let (tracker, arrivals) = tracker_after(&[0, 1, 1, 0, 2]);
        assert_eq!(arrivals[2], Arrival::Duplicate);
        assert_eq!(arrivals[3], Arrival::Duplicate);
        assert_eq!((tracker.lost(3, &BTreeSet::new()), tracker.duplicated, tracker.reordered), (0, 2, 0));
    }

    #[test]
    fn gaps_and_a_missing_tail_are_lost_unless_the_server_refused_them() {
        let (tracker, _) = tracker_after(&[0, 3, 5]);
        // Sent 0..8: missing 1, 2, 4 (gaps) and 6, 7 (tail).
        assert_eq!(tracker.lost(8, &BTreeSet::new()), 5);
        let refused: BTreeSet<u64> = [2, 7].into();
        assert_eq!(tracker.lost(8, &refused), 3);
    }

    #[test]
    fn a_receiver_that_got_nothing_lost_everything_that_was_accepted() {
        let tracker = SeqTracker::default();
        assert_eq!(tracker.lost(10, &BTreeSet::new()), 10);
        assert_eq!(tracker.lost(10, &[0, 9].into()), 8);
        assert_eq!(tracker.lost(0, &BTreeSet::new()), 0);
    }

    #[test]
    fn a_stamp_far_beyond_the_sequence_is_ignored() {
        let (tracker, arrivals) = tracker_after(&[0, 1 << 40, 1]);
        assert_eq!(arrivals, [Arrival::InOrder, Arrival::Implausible, Arrival::InOrder]);
        assert_eq!(tracker.lost(2, &BTreeSet::new()), 0);
    }

    #[test]
    fn percentiles_come_from_the_recorded_latencies_in_milliseconds() {
        let mut latency = Latency::new();
        for micros in 1..=1000 {
            latency.record(micros * 10);
        }
        let summary = latency.summary();
        assert_eq!(latency.count(), 1000);
        assert!((summary.p50 - 5.0).abs() < 0.01, "{summary:?}");
        assert!((summary.p90 - 9.0).abs() < 0.01, "{summary:?}");
        assert!((summary.p99 - 9.9).abs() < 0.01, "{summary:?}");
        assert!((summary.p999 - 9.99).abs() < 0.01, "{summary:?}");
        assert!((summary.max - 10.0).abs() < 0.01, "{summary:?}");
    }

    #[test]
    fn merged_histograms_count_both_and_an_empty_one_reports_zeros() {
        let mut a = Latency::new();
        let mut b = Latency::new();
        a.record(1_000);
        b.record(120_000_000);
        a.merge(&b);
        assert_eq!(a.count(), 2);
        assert!((a.summary().max - 60_000.0).abs() < 60.0);
        assert_eq!(Latency::new().summary(), LatencyMs::default());
    }
}
