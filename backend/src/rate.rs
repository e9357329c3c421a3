//! A token bucket for how fast one connection may post messages: `burst`
//! messages at once, refilled at `rate` per second. Lives inside a session, so
//! it needs no locking. After a refusal it says how long until the next token
//! (the `retry_after_ms` of a `rate_limited` error).

use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct TokenBucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    updated: Instant,
}

impl TokenBucket {
    /// A full bucket.
    pub fn new(rate: f64, burst: u32, now: Instant) -> Self {
        let burst = f64::from(burst.max(1));
        TokenBucket { rate: rate.max(0.0), burst, tokens: burst, updated: now }
    }

    /// Takes one token if there is one.
    pub fn try_take(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        self.updated = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// How long after the last [`TokenBucket::try_take`] the next token is
    /// there, in whole milliseconds rounded up (so waiting that long is
    /// enough); zero when one is there already, `None` when the bucket never
    /// refills (a rate of 0).
    pub fn next_token_in(&self) -> Option<Duration> {
        let missing = 1.0 - self.tokens;
        if missing <= 0.0 {
            return Some(Duration::ZERO);
        }
        if self.rate <= 0.0 {
            return None;
        }
        let ms = (missing / self.rate * 1000.0).ceil();
        // A rate so small that the wait overflows a Duration never refills in practice.
        (ms < 1e15).then(|| Duration::from_millis(ms as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_bucket_allows_a_burst_then_refills_at_the_rate() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(2.0, 3, start);
        assert!((0..3).all(|_| bucket.try_take(start)), "burst of 3");
        assert!(!bucket.try_take(start), "fourth at once is refused");
        assert!(!bucket.try_take(start + Duration::from_millis(400)), "0.8 tokens are not enough");
        assert!(bucket.try_take(start + Duration::from_millis(500)), "one token after half a second");
        assert!(!bucket.try_take(start + Duration::from_millis(500)));
    }

    #[test]
    fn a_long_pause_refills_no_more_than_the_burst() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(100.0, 2, start);
        let later = start + Duration::from_secs(60);
        assert!(bucket.try_take(later));
        assert!(bucket.try_take(later));
        assert!(!bucket.try_take(later));
    }

    #[test]
    fn after_a_refusal_the_bucket_says_when_the_next_token_comes_and_it_does() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(3.0, 1, start);
        assert!(bucket.try_take(start));
        let later = start + Duration::from_millis(100);
        assert!(!bucket.try_take(later));
        let wait = bucket.next_token_in().expect("the bucket refills");
        // A third of a second per token, of which 100 ms have passed.
        assert_eq!(wait, Duration::from_millis(234));
        assert!(!bucket.try_take(later + wait - Duration::from_millis(2)), "not before");
        assert!(bucket.try_take(later + wait), "waiting that long is enough");
        assert_eq!(TokenBucket::new(0.0, 1, start).next_token_in(), Some(Duration::ZERO));
    }

    #[test]
    fn a_bucket_that_never_refills_gives_no_time() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(0.0, 1, start);
        assert!(bucket.try_take(start));
        assert!(!bucket.try_take(start));
        assert_eq!(bucket.next_token_in(), None);
    }
}
