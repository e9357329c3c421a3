//! What every session of a node shares: its name and origin, the [`Hub`] of
//! rooms and members, the [`Broker`], the connection settings, and the
//! shutdown switch with the set of live sessions.
//!
//! `app` builds the node, `http` hands it to each new session, and `session`
//! reads it; the node itself depends only on the hub, the broker and the
//! settings, so the modules form a tree.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::warn;

use crate::admission::Admission;
use crate::broker::{Broker, BrokerError, BrokerHandler};
use crate::config::{AdmissionSettings, HistorySettings, RedisSettings, SessionSettings};
use crate::hub::Hub;
use crate::identity::Verifier;
use crate::metrics::Metrics;

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
