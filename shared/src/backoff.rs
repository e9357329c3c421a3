//! The one rule for waiting before trying again, used by the web client when
//! its WebSocket drops and by servers when their Redis subscription drops:
//! exponential backoff with "equal jitter". `docs/protocol.md` states it for
//! every client.
//!
//! Attempt `n` (0 for the first retry) waits a random time in `[d/2, d]`,
//! where `d = min(cap, base * 2^n)`. Half of the delay is certain, so retries
//! never hammer a peer that is down; half is random, so a thousand clients
//! dropped by one restarting node do not all come back in the same
//! millisecond. The caller passes the random number, which keeps the rule
//! pure and testable and leaves the source of randomness at the edge.

/// A backoff schedule, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Delay ceiling of the first retry.
    pub base_ms: u32,
    /// No retry waits longer than this.
    pub cap_ms: u32,
}

impl Backoff {
    /// What clients use after a lost connection: 0.5–1 s first, up to 15–30 s.
    pub const CLIENT_RECONNECT: Backoff = Backoff { base_ms: 1_000, cap_ms: 30_000 };

    /// The ceiling of the delay before retry number `attempt` (0 for the first).
    pub fn ceiling_ms(&self, attempt: u32) -> u32 {
        let factor = 1u32.checked_shl(attempt.min(31)).unwrap_or(u32::MAX);
        self.base_ms.saturating_mul(factor).min(self.cap_ms)
    }

    /// The delay before retry number `attempt`, given `random` in `[0, 1)`.
    pub fn delay_ms(&self, attempt: u32, random: f64) -> u32 {
        let ceiling = self.ceiling_ms(attempt);
        let half = ceiling / 2;
        // `clamp` lets NaN through; treat it as 0.
        let random = if random.is_nan() { 0.0 } else { random.clamp(0.0, 1.0) };
        half + (f64::from(ceiling - half) * random) as u32
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff::CLIENT_RECONNECT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceilings_double_from_the_base_up_to_the_cap() {
        let backoff = Backoff { base_ms: 1_000, cap_ms: 30_000 };
        let ceilings: Vec<u32> = (0..8).map(|n| backoff.ceiling_ms(n)).collect();
        assert_eq!(ceilings, [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
        assert_eq!(backoff.ceiling_ms(u32::MAX), 30_000, "huge attempt counts do not overflow");
    }

    #[test]
    fn delays_stay_between_half_the_ceiling_and_the_ceiling() {
        let backoff = Backoff::default();
        for attempt in 0..10 {
            let ceiling = backoff.ceiling_ms(attempt);
            assert_eq!(backoff.delay_ms(attempt, 0.0), ceiling / 2);
            assert_eq!(backoff.delay_ms(attempt, 0.999_999), ceiling - 1);
            let middle = backoff.delay_ms(attempt, 0.5);
            assert!(middle > ceiling / 2 && middle < ceiling, "{attempt}: {middle}");
        }
    }

    #[test]
    fn out_of_range_randoms_are_clamped() {
        let backoff = Backoff::default();
        assert_eq!(backoff.delay_ms(0, -3.0), 500);
        assert_eq!(backoff.delay_ms(0, 7.0), 1_000);
        assert_eq!(backoff.delay_ms(0, f64::NAN), 500);
    }
}
