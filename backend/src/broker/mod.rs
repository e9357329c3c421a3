//! Brokers carry each posted message to every node that has members in its
//! room, and assign the message its id.
//!
//! Delivery guarantee, for both implementations: a message whose `publish`
//! succeeded reaches every node that was subscribed to the room at that moment
//! exactly once, and all nodes see a room's messages in id order. A node cut
//! off from the broker misses what was published meanwhile (there is no replay
//! yet), and `publish` fails while the broker is unreachable, so nothing is
//! half-sent silently.
//!
//! - [`memory`]: in-process, for a node that stands alone.
//! - [`redis`]: Redis Pub/Sub; publishes through a pool, subscriptions on one
//!   dedicated connection per node, health checked by a probe.
//! - [`envelope`]: what travels between nodes, and the local fan-out of it.

pub mod envelope;
pub mod memory;
pub mod redis;

use std::sync::Arc;

use roomcast_protocol::{MessageId, RoomName};

pub use self::envelope::Envelope;
pub use self::memory::MemoryBroker;
pub use self::redis::RedisBroker;
use crate::config::Config;
use crate::hub::Registry;

#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    #[error("redis: {0}")]
    Redis(#[from] ::redis::RedisError),
    #[error("no pooled redis connection: {0}")]
    Pool(#[from] deadpool_redis::PoolError),
    #[error("redis did not answer within {0:?}")]
    Timeout(std::time::Duration),
    #[error("invalid redis configuration: {0}")]
    Config(String),
}

/// What `/readyz` reports about the broker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Health {
    pub ready: bool,
    pub detail: &'static str,
}

#[derive(Debug)]
pub enum Broker {
    Memory(MemoryBroker),
    Redis(RedisBroker),
}

impl Broker {
    /// The Redis broker when `REDIS_URL` is set, the in-process one otherwise.
    /// An unreachable Redis does not fail start-up: the node reports not ready
    /// and keeps trying.
    pub fn start(config: &Config, registry: Arc<Registry>, origin: u64) -> Result<Broker, BrokerError> {
        match &config.redis_url {
            Some(url) => Ok(Broker::Redis(RedisBroker::start(url, config, registry, origin)?)),
            None => Ok(Broker::Memory(MemoryBroker::new(registry, origin))),
        }
    }

    /// Whether rooms on this broker are receiving as soon as they exist.
    pub fn rooms_always_active(config: &Config) -> bool {
        config.redis_url.is_none()
    }

    /// Assigns the message an id and sends it to every node in the room.
    pub async fn publish(&self, room: &RoomName, envelope: &Envelope<'_>) -> Result<MessageId, BrokerError> {
        match self {
            Broker::Memory(broker) => Ok(broker.publish(room, envelope)),
            Broker::Redis(broker) => broker.publish(room, envelope).await,
        }
    }

    pub fn health(&self) -> Health {
        match self {
            Broker::Memory(_) => Health { ready: true, detail: "embedded broker" },
            Broker::Redis(broker) => broker.health(),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Broker::Memory(_) => "embedded",
            Broker::Redis(_) => "redis",
        }
    }

    /// Stops background tasks (the Redis subscription connection).
    pub async fn shutdown(&self) {
        if let Broker::Redis(broker) = self {
            broker.shutdown().await;
        }
    }
}
