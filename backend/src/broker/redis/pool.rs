//! The node's pool of Redis connections for everything but its subscription:
//! publishes, edits, history reads, presence and probes.
//!
//! It is a deadpool pool of `deadpool-redis` connections with one change:
//! `deadpool-redis` checks every connection with a PING round trip each time
//! it leaves the pool, which doubles the round trips of a publish. Here a
//! connection that was taken out less than [`FRESH`] ago skips that check,
//! unless some connection broke since then. A connection whose call failed
//! in a way that may have broken it (I/O, a dropped connection, no answer in
//! time) never goes back: [`super::Inner::with_connection`] drops it, notes
//! the failure here (so every other connection is checked again before its
//! next use: after a Redis restart they are all dead) and, for an I/O
//! failure, runs the call once more on a checked connection. An idle
//! connection is checked before its next use as before.
//!
//! Writes (publishes, edits) give their connection back as soon as they have
//! a handle on it: a connection multiplexes, so the writes of many sessions
//! go out on one socket, pipelined, each answered in turn, rather than each
//! waiting for a connection of its own; reads keep theirs until done.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use deadpool::managed::{self, Metrics, RecycleResult};
use redis::aio::MultiplexedConnection;
use redis::RedisError;

/// A connection used this recently is trusted without a PING.
pub(super) const FRESH: Duration = Duration::from_secs(1);

pub(super) type Pool = managed::Pool<Manager>;
pub(super) type Pooled = managed::Object<Manager>;

/// `deadpool-redis`'s manager, trusting connections in steady use.
#[derive(Debug)]
pub(super) struct Manager {
    checked: deadpool_redis::Manager,
    /// When a pooled connection last failed as if broken.
    broke_at: Mutex<Option<Instant>>,
}

impl Manager {
    pub(super) fn new(checked: deadpool_redis::Manager) -> Self {
        Manager { checked, broke_at: Mutex::new(None) }
    }

    /// A connection failed as if broken: check the others before trusting them.
    pub(super) fn note_broken(&self) {
        *self.broke_at.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
    }

    fn broke_at(&self) -> Option<Instant> {
        *self.broke_at.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl managed::Manager for Manager {
    type Type = MultiplexedConnection;
    type Error = RedisError;

    async fn create(&self) -> Result<MultiplexedConnection, RedisError> {
        self.checked.create().await
    }

    async fn recycle(
        &self,
        conn: &mut MultiplexedConnection,
        metrics: &Metrics,
    ) -> RecycleResult<RedisError> {
        if is_fresh(metrics) && !broke_since_used(metrics, self.broke_at()) {
            return Ok(());
        }
        self.checked.recycle(conn, metrics).await
    }
}

/// Whether a connection was taken out of the pool (or made) within [`FRESH`].
fn is_fresh(metrics: &Metrics) -> bool {
    metrics.last_used() < FRESH
}

/// Whether a connection broke after this one was last taken out.
fn broke_since_used(metrics: &Metrics, broke_at: Option<Instant>) -> bool {
    broke_at.is_some_and(|broke| broke >= metrics.recycled.unwrap_or(metrics.created))
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    #[test]
    fn a_connection_in_steady_use_is_trusted_and_an_idle_one_checked() {
        let now = Instant::now();
        let mut metrics = Metrics { created: now, recycled: None, recycle_count: 0 };
        assert!(is_fresh(&metrics), "just made");
        let long_ago = now.checked_sub(Duration::from_secs(5)).expect("the clock is past 5 s");
        metrics.created = long_ago;
        assert!(!is_fresh(&metrics), "made long ago, never used since");
        metrics.recycled = Some(now);
        assert!(is_fresh(&metrics), "used just now");
    }

    #[test]
    fn a_connection_is_checked_again_when_another_broke_after_its_last_use() {
        let used = Instant::now();
        let metrics = Metrics { created: used, recycled: Some(used), recycle_count: 1 };
        assert!(!broke_since_used(&metrics, None));
        let before = used.checked_sub(Duration::from_millis(10)).expect("the clock is past 10 ms");
        assert!(!broke_since_used(&metrics, Some(before)), "broke before this one was used: trusted");
        assert!(broke_since_used(&metrics, Some(used + Duration::from_millis(10))), "broke after: checked");
    }
}
