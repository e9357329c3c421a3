//! How much one connection may ask of the node: token buckets per kind of
//! request, and strikes for frames that break the protocol or its limits.
//!
//! Sends have their own bucket (checked once a message is valid, see
//! `post`), which edits and deletions share. Joins and leaves cost a Redis
//! subscription change each, so they have a slower bucket; every other
//! request shares one. A refused request is a strike, as is a frame that
//! cannot be understood; a connection that runs out of strikes is closed
//! with 1008. An honest client never gets near either limit. A refusal says
//! when the bucket has room again.

use std::time::{Duration, Instant};

use roomcast_protocol::ClientFrame;

use crate::config::SessionSettings;
use crate::rate::TokenBucket;

/// Strikes a connection may collect at once, and how fast they wear off.
const STRIKES: u32 = 20;
const STRIKES_FORGIVEN_PER_SECOND: f64 = 0.5;

/// What to do with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verdict {
    Go,
    /// Over its limit: answer `rate_limited`, saying how long until the
    /// same request would be admitted (`None`: never, the rate is 0).
    Refuse(Option<Duration>),
    /// Over its limit, and not worth an answer (typing).
    Drop,
}

#[derive(Debug)]
pub(super) struct Budget {
    joins: TokenBucket,
    requests: TokenBucket,
    strikes: TokenBucket,
}

impl Budget {
    pub(super) fn new(settings: &SessionSettings, now: Instant) -> Self {
        let request_burst = (settings.request_rate * 4.0).ceil().clamp(1.0, f64::from(u32::MAX)) as u32;
        Budget {
            joins: TokenBucket::new(settings.join_rate, settings.join_burst, now),
            requests: TokenBucket::new(settings.request_rate, request_burst, now),
            strikes: TokenBucket::new(STRIKES_FORGIVEN_PER_SECOND, STRIKES, now),
        }
    }

    pub(super) fn admit(&mut self, frame: &ClientFrame<'_>, now: Instant) -> Verdict {
        let (bucket, answered) = match frame {
            // Sends, edits and deletions are metered by the send rate once
            // they are valid.
            ClientFrame::Send { .. } | ClientFrame::Edit { .. } | ClientFrame::Delete { .. } => {
                return Verdict::Go
            }
            ClientFrame::Join { .. } | ClientFrame::Leave { .. } => (&mut self.joins, true),
            ClientFrame::Typing { .. } => (&mut self.requests, false),
            ClientFrame::Hello { .. }
            | ClientFrame::Ping { .. }
            | ClientFrame::History { .. }
            | ClientFrame::Members { .. } => (&mut self.requests, true),
        };
        match (bucket.try_take(now), answered) {
            (true, _) => Verdict::Go,
            (false, true) => Verdict::Refuse(bucket.next_token_in()),
            (false, false) => Verdict::Drop,
        }
    }

    /// Counts a refused or broken frame; false once the connection has had
    /// too many.
    pub(super) fn strike(&mut self, now: Instant) -> bool {
        self.strikes.try_take(now)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn budget(now: Instant) -> Budget {
        let mut settings = crate::config::Config::defaults().session;
        settings.join_rate = 1.0;
        settings.join_burst = 2;
        settings.request_rate = 1.0;
        Budget::new(&settings, now)
    }

    #[test]
    fn joins_and_other_requests_have_their_own_limits_and_sends_are_left_alone() {
        let now = Instant::now();
        let mut budget = budget(now);
        let join = ClientFrame::join("a");
        assert_eq!([budget.admit(&join, now), budget.admit(&join, now)], [Verdict::Go; 2]);
        assert_eq!(budget.admit(&join, now), Verdict::Refuse(Some(Duration::from_secs(1))));
        let ping = ClientFrame::Ping { nonce: 1 };
        assert!((0..4).all(|_| budget.admit(&ping, now) == Verdict::Go), "burst of four times the rate");
        assert_eq!(budget.admit(&ping, now), Verdict::Refuse(Some(Duration::from_secs(1))));
        assert_eq!(budget.admit(&ClientFrame::Typing { room: "a".into() }, now), Verdict::Drop);
        let send = ClientFrame::Send { room: "a".into(), client_id: "c".into(), text: "t".into() };
        assert_eq!(budget.admit(&send, now), Verdict::Go);
        assert_eq!(budget.admit(&join, now + Duration::from_secs(1)), Verdict::Go, "refilled");
    }

    #[test]
    fn strikes_run_out_and_wear_off() {
        let now = Instant::now();
        let mut budget = budget(now);
        assert!((0..STRIKES).all(|_| budget.strike(now)));
        assert!(!budget.strike(now));
        assert!(budget.strike(now + Duration::from_secs(2)), "one forgiven after two seconds");
    }
}
