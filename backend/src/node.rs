//! What every session of a node shares: its name and origin, the [`Hub`] of
//! rooms and members, the [`Broker`], the connection settings, and the
//! shutdown switch with the set of live sessions.
//!
//! `app` builds the node, `http` hands it to each new session, and `session`
//! reads it; the node itself depends only on the hub, the broker and the
//! settings, so the modules form a tree.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use roomcast_protocol::close::SERVICE_RESTART;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::warn;

use crate::admission::Admission;
use crate::broker::{Broker, BrokerError, BrokerHandler};
use crate::config::{AdmissionSettings, HistorySettings, RedisSettings, SessionSettings};
use crate::hub::{Hub, SessionId};
use crate::identity::Verifier;
use crate::metrics::Metrics;
use crate::outbox::Closer;

/// How often presence changes are published and told: the most frequent a
/// member hears of comings and goings in one room.
pub const PRESENCE_TICK: Duration = Duration::from_millis(250);

#[derive(Debug)]
pub struct Node {
    pub name: String,
    /// Random per process; tells this node's messages apart from others' even
    /// if two nodes were given the same name.
    pub origin: u64,
    pub hub: Arc<Hub>,
    pub broker: Broker,
    pub metrics: Arc<Metrics>,
    /// Who may connect, and how many connections are held.
    pub admission: Arc<Admission>,
    /// Checks identity tokens, when the node requires them.
    pub identity: Option<Verifier>,
    pub settings: SessionSettings,
    /// Cancelled when the node starts shutting down.
    pub shutdown: CancellationToken,
    /// Live sessions, so shutdown can wait for them.
    pub sessions: TaskTracker,
    /// Each live session's closer, so a shutdown reaches them all.
    pub closers: Closers,
}

/// The closers of a node's live sessions. A shutdown closes each (1012), so
/// no session needs to watch a signal shared by all of them: that would be
/// one more lock, shared across threads, taken on every wake of every
/// connection.
#[derive(Debug, Default)]
pub struct Closers {
    inner: Mutex<ClosersInner>,
}

#[derive(Debug, Default)]
struct ClosersInner {
    open: HashMap<SessionId, Arc<Closer>>,
    /// Set by the shutdown: sessions that start later close at once.
    closing: bool,
}

impl Closers {
    fn lock(&self) -> std::sync::MutexGuard<'_, ClosersInner> {
        // Inserts and removals only; nothing can be left half done.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A session started; closed at once if the node is already stopping.
    pub fn add(&self, session: SessionId, closer: &Arc<Closer>) {
        let mut inner = self.lock();
        if inner.closing {
            closer.close(SERVICE_RESTART);
        } else {
            inner.open.insert(session, closer.clone());
        }
    }

    pub fn remove(&self, session: SessionId) {
        self.lock().open.remove(&session);
    }

    /// Closes every live session, and any that starts later, with 1012.
    pub fn close_all(&self) {
        let mut inner = self.lock();
        inner.closing = true;
        for closer in std::mem::take(&mut inner.open).into_values() {
            closer.close(SERVICE_RESTART);
        }
    }
}

impl Node {
    /// Starts the shutdown: upgrades are refused and every session is asked
    /// to close with 1012 (sending what it has queued first).
    pub fn begin_shutdown(&self) {
        self.shutdown.cancel();
        self.closers.close_all();
    }
}

impl Node {
    /// Creates the hub and starts the broker that `redis` chooses, keeping
    /// `history` for each room.
    pub fn start(
        name: String,
        origin: u64,
        settings: SessionSettings,
        redis: &RedisSettings,
        history: &HistorySettings,
        admission: AdmissionSettings,
    ) -> Result<Node, BrokerError> {
        let metrics = Arc::new(Metrics::new());
        let hub = Arc::new(Hub::new(origin, redis.broker_kind().rooms_always_active(), metrics.clone()));
        let handler: Arc<dyn BrokerHandler> = hub.clone();
        let broker = Broker::start(redis, history, handler, origin, metrics.clone())?;
        Ok(Node {
            name,
            origin,
            hub,
            broker,
            metrics,
            admission: Arc::new(Admission::new(admission)),
            identity: settings.auth_secret.as_ref().map(Verifier::new),
            settings,
            shutdown: CancellationToken::new(),
            sessions: TaskTracker::new(),
            closers: Closers::default(),
        })
    }

    /// Publishes this node's presence changes and tells members of everyone
    /// else's, every [`PRESENCE_TICK`], until `stop`; then a last round, so
    /// the other nodes hear that this node's members left.
    pub async fn run_presence(self: Arc<Self>, stop: CancellationToken) {
        let mut ticks = tokio::time::interval(PRESENCE_TICK);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let stopping = tokio::select! {
                () = stop.cancelled() => true,
                _ = ticks.tick() => false,
            };
            self.presence_round().await;
            if stopping {
                return;
            }
        }
    }

    async fn presence_round(&self) {
        let (to_publish, changes) = self.hub.take_presence_work();
        for (room, names) in to_publish {
            if let Err(err) = self.broker.publish_presence(&room, self.origin, &names).await {
                warn!(%room, cause = %err, "presence not published; retrying next round");
                self.hub.republish_presence(&room);
            }
        }
        for (room, changes) in changes {
            self.hub.announce(&room, changes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shutdown_closes_every_open_session_and_any_that_starts_after_it() {
        let closers = Closers::default();
        let (open, left) = (Arc::new(Closer::default()), Arc::new(Closer::default()));
        closers.add(1, &open);
        closers.add(2, &left);
        closers.remove(2);
        closers.close_all();
        assert_eq!(open.code(), Some(SERVICE_RESTART));
        assert_eq!(left.code(), None, "a session that ended is not touched");
        let late = Arc::new(Closer::default());
        closers.add(3, &late);
        assert_eq!(late.code(), Some(SERVICE_RESTART), "one that starts during the shutdown");
    }
}
