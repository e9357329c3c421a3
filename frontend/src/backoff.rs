//! When to try again after a connection is lost. The schedule itself is the
//! protocol's one backoff rule ([`roomcast_protocol::backoff`], equal jitter)
//! with the clients' numbers, [`Backoff::CLIENT_RECONNECT`]: 0.5–1 s first,
//! doubling, at most 15–30 s. This module adds what the header shows while
//! waiting.

pub use roomcast_protocol::backoff::Backoff;

/// Whole seconds to show in "reconnecting in N s" for `remaining_ms`, rounded
/// up so the countdown never shows 0 while it is still waiting.
pub fn countdown_secs(remaining_ms: u32) -> u32 {
    remaining_ms.div_ceil(1_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reconnects_wait_half_a_second_to_one_first_and_at_most_fifteen_to_thirty() {
        let range = |attempt| {
            let backoff = Backoff::CLIENT_RECONNECT;
            (backoff.delay_ms(attempt, 0.0), backoff.delay_ms(attempt, 1.0))
        };
        assert_eq!(range(0), (500, 1_000));
        assert_eq!(range(1), (1_000, 2_000));
        assert_eq!(range(2), (2_000, 4_000));
        assert_eq!(range(5), (15_000, 30_000));
        assert_eq!(range(40), (15_000, 30_000));
    }

    #[test]
    fn countdown_rounds_up_to_whole_seconds() {
        assert_eq!(countdown_secs(0), 0);
        assert_eq!(countdown_secs(1), 1);
        assert_eq!(countdown_secs(1_000), 1);
        assert_eq!(countdown_secs(1_001), 2);
        assert_eq!(countdown_secs(14_500), 15);
    }
}
