//! When to try again after a connection is lost. The schedule itself is the
//! protocol's one backoff rule ([`roomcast_protocol::backoff`], equal jitter,
//! shared with the server); this module adds what the header shows while
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
    fn countdown_rounds_up_to_whole_seconds() {
        assert_eq!(countdown_secs(0), 0);
        assert_eq!(countdown_secs(1), 1);
        assert_eq!(countdown_secs(1_000), 1);
        assert_eq!(countdown_secs(1_001), 2);
        assert_eq!(countdown_secs(14_500), 15);
    }
}
