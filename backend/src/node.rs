//! What every session of a node shares: its name and origin, the [`Hub`] of
//! rooms and members, the [`Broker`], the connection settings, and the
//! shutdown switch with the set of live sessions.
//!
//! `app` builds the node, `http` hands it to each new session, and `session`
//! reads it; the node itself depends only on the hub, the broker and the
//! settings, so the modules form a tree.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::broker::{Broker, BrokerError, BrokerHandler};
use crate::config::{HistorySettings, RedisSettings, SessionSettings};
use crate::hub::Hub;

#[derive(Debug)]
pub struct Node {
    pub name: String,
    /// Random per process; tells this node's messages apart from others' even
    /// if two nodes were given the same name.
    pub origin: u64,
    pub hub: Arc<Hub>,
    pub broker: Broker,
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
    ) -> Result<Node, BrokerError> {
        let hub = Arc::new(Hub::new(origin, redis.broker_kind().rooms_always_active()));
        let handler: Arc<dyn BrokerHandler> = hub.clone();
        let broker = Broker::start(redis, history, handler, origin)?;
        Ok(Node {
            name,
            origin,
            hub,
            broker,
            settings,
            shutdown: CancellationToken::new(),
            sessions: TaskTracker::new(),
        })
    }
}
