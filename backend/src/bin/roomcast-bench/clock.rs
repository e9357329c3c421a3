//! The bench's one clock: microseconds since the process's first look at it.
//! Senders and receivers live in this process, so a monotonic clock is enough.

use std::sync::OnceLock;
use std::time::Instant;

fn origin() -> Instant {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    *ORIGIN.get_or_init(Instant::now)
}

/// `at` in µs since the origin (0 for instants before it).
pub fn micros(at: Instant) -> u64 {
    at.saturating_duration_since(origin()).as_micros() as u64
}

/// Starts the clock; call before the first [`micros`].
pub fn start() {
    origin();
}
