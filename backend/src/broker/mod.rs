//! Brokers carry each posted message to every node that has members in its
//! room, and assign the message its id.
//!
//! The seam between a broker and the rest of the node is [`BrokerHandler`],
//! which the hub implements: a broker hands it each arriving message ("deliver
//! this to room R"), tells it which rooms receive messages ("these rooms are
//! now active", "none is, the link is down"), and asks it which rooms the node
//! needs. Brokers know nothing else of the node.
//!
//! Delivery guarantee, for both implementations: a message whose `publish`
//! succeeded reaches every node that was subscribed to the room at that moment
//! exactly once, and all nodes see a room's messages in id order. A node cut
//! off from the broker misses what was published meanwhile on the live path,
//! and `publish` fails while the broker is unreachable, so nothing is
//! half-sent silently.
//!
//! History: storing a message and publishing it are one atomic step, so a
//! room's history holds exactly the messages that were delivered, in id
//! order, up to `HISTORY_SIZE` of them and none older than `HISTORY_TTL`. Each
//! room's history has an epoch, which changes whenever the history is lost
//! (expired, deleted, or a broker restarted without it), so an offset from an
//! earlier epoch is never taken for a continuation. [`Broker::backlog`] reads
//! what a joining session gets and [`Broker::page`] pages further back.
//!
//! Changes: [`Broker::change`] edits or deletes a message for its author. A
//! change is an entry of the history like a message, stored and published
//! in one step with the next id, so it has the same guarantees; the author
//! check and the update of the message's current state happen in that same
//! step.
//!
//! - [`memory`]: in-process, for a node that stands alone.
//! - [`redis`]: Redis Pub/Sub; publishes through a pool, subscriptions on one
//!   dedicated connection per node, health checked by a probe.
//! - [`envelope`]: what travels between nodes.
//! - [`entry`]: what a history holds (messages, changes, current states) and
//!   the client frames made of it.

pub mod entry;
pub mod envelope;
pub mod memory;
pub mod redis;

use std::collections::HashSet;
use std::fmt::Debug;
use std::net::IpAddr;
use std::sync::Arc;

use roomcast_protocol::{ErrorCode, MessageId, RoomName};
use tokio::sync::Notify;

pub use self::entry::{Amendment, Change, Delivery, Entry, Stored};
pub use self::envelope::{Envelope, Typist};
pub use self::memory::MemoryBroker;
pub use self::redis::RedisBroker;
use crate::config::{BrokerKind, HistorySettings, RedisSettings};
use crate::metrics::Metrics;
use crate::presence::Names;

/// What a broker tells the node it serves, and asks of it.
pub trait BrokerHandler: Send + Sync + Debug {
    /// A message, or a change to one, for `room` arrived, at `at` in the
    /// room's history: deliver it to this node's members of the room, unless
    /// they already have it. Returns how many local members it was offered to.
    fn deliver(&self, room: &RoomName, at: Offset<'_>, entry: Delivery<'_>) -> usize;

    /// Where this node's members of `room` stand in its history: the last
    /// message delivered to them, or the history's end when they joined.
    fn position(&self, room: &RoomName) -> Option<Position>;

    /// Whether `room` has members on this node.
    fn has_room(&self, room: &RoomName) -> bool;

    /// Messages of `room` could not be delivered to this node's members and
    /// are not in the history any more; `now` is where the history stands.
    fn report_gap(&self, room: &RoomName, now: Position);

    /// Node `origin` says its members of `room` are `names` now.
    fn presence(&self, room: &RoomName, origin: u64, names: Names);

    /// Node `origin` stopped without saying so: its members are gone.
    fn node_gone(&self, origin: u64);

    /// The other nodes this node knows to have members somewhere.
    fn remote_origins(&self) -> HashSet<u64>;

    /// Someone in `room` is typing.
    fn typing(&self, room: &RoomName, typist: &Typist<'_>);

    /// These rooms now receive messages: their subscriptions are confirmed.
    fn activate(&self, rooms: &[RoomName]);

    /// No room receives messages until it is activated again: the link to
    /// the bus is down.
    fn deactivate_all(&self);

    /// Rooms whose need changed since the last call, each with whether the
    /// node needs it now.
    fn take_changes(&self) -> Vec<(RoomName, bool)>;

    /// Every room the node needs now; clears the change queue, since the
    /// caller is about to synchronise from scratch.
    fn wanted_rooms(&self) -> Vec<RoomName>;

    /// Woken when [`BrokerHandler::take_changes`] has something new.
    fn changes(&self) -> &Notify;
}

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
    #[error("redis answered something unexpected: {0}")]
    UnexpectedReply(String),
    #[error("redis took the publish but did not confirm it: {0}")]
    Unconfirmed(String),
}

impl BrokerError {
    /// The code a client is told: `unavailable` when the bus is unreachable
    /// or busy and a retry may succeed, `internal` when the failure points at
    /// a bug or a misconfiguration that a retry will not fix.
    pub fn client_code(&self) -> ErrorCode {
        if let BrokerError::Unconfirmed(_) = self {
            return ErrorCode::OutcomeUnknown;
        }
        let transient = match self {
            BrokerError::Timeout(_) => true,
            BrokerError::Pool(deadpool_redis::PoolError::Backend(err)) | BrokerError::Redis(err) => {
                is_transient(err)
            }
            BrokerError::Pool(_) => true,
            BrokerError::Config(_) | BrokerError::UnexpectedReply(_) | BrokerError::Unconfirmed(_) => false,
        };
        if transient {
            ErrorCode::Unavailable
        } else {
            ErrorCode::Internal
        }
    }
}

impl BrokerError {
    /// Whether the connection a call failed on may be broken (I/O, dropped,
    /// no answer in time), so it must not be used again.
    pub fn may_break_connection(&self) -> bool {
        match self {
            BrokerError::Timeout(_) | BrokerError::Unconfirmed(_) => true,
            BrokerError::Redis(err) => err.is_io_error() || err.is_timeout() || err.is_connection_dropped(),
            BrokerError::Pool(_) | BrokerError::Config(_) | BrokerError::UnexpectedReply(_) => false,
        }
    }

    /// Whether the call failed because its socket was closed or broken (not
    /// for want of an answer): running it again on a sound connection is
    /// the fix, and costs no waiting.
    pub fn is_broken_socket(&self) -> bool {
        match self {
            BrokerError::Redis(err) => {
                !err.is_timeout() && (err.is_io_error() || err.is_connection_dropped())
            }
            BrokerError::Unconfirmed(cause) => cause.starts_with(BROKEN_SOCKET),
            _ => false,
        }
    }
}

/// How [`BrokerError::Unconfirmed`] begins when its cause was a broken
/// socket rather than a missing answer.
pub const BROKEN_SOCKET: &str = "connection broken: ";

/// Redis errors that mean "not reachable right now", not "this request is wrong".
fn is_transient(err: &::redis::RedisError) -> bool {
    use ::redis::{ErrorKind, ServerErrorKind};
    err.is_io_error()
        || err.is_timeout()
        || err.is_connection_dropped()
        || err.is_connection_refusal()
        || matches!(
            err.kind(),
            ErrorKind::Server(
                ServerErrorKind::BusyLoading
                    | ServerErrorKind::TryAgain
                    | ServerErrorKind::ClusterDown
                    | ServerErrorKind::MasterDown
                    | ServerErrorKind::ReadOnly
            )
        )
}

/// Milliseconds since the Unix epoch by this node's clock.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// A duration in whole milliseconds, as Redis and the histories count them.
pub(crate) fn millis(duration: std::time::Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// What a publish did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Published {
    /// Stored and sent to every node in the room under this id.
    New(MessageId),
    /// The room was sent this `client_id` within the dedupe window: nothing
    /// new was published, and this is the original message.
    Repeat(Stored),
    /// Nothing was published: the room, or the sender's address in it, is
    /// over its messages per second.
    Limited(Limited),
}

/// A send that a shared send limit turned away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limited {
    pub limit: Limit,
    /// How long until the limit's current one-second window ends; a send
    /// after that is counted in a fresh window.
    pub retry_after: std::time::Duration,
}

/// Which shared send limit a message ran into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    Room,
    Address,
}

/// How long a shared send limit's window lasts: it counts the messages of
/// one second, starting with the first one it counts.
pub const LIMIT_WINDOW: std::time::Duration = std::time::Duration::from_secs(1);

/// What an edit or a deletion did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Changed {
    /// Stored and sent to every node in the room under this id.
    New(MessageId),
    /// The message's latest edit set this very text already: nothing new
    /// was published, and this is that edit's id (a retried edit).
    Repeat(MessageId),
    /// Nothing was published: the change is not allowed.
    Refused(Refusal),
    /// Nothing was published: a shared send limit is reached.
    Limited(Limited),
}

/// Why a change was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The history holds no message with that id (never, or not any more).
    Unknown,
    /// The message was sent by someone else.
    NotAuthor,
    /// The message was deleted already.
    Deleted,
}

/// A place in a room's history: a message id within an epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offset<'a> {
    pub id: MessageId,
    pub epoch: &'a str,
}

/// An [`Offset`] that owns its epoch, as the hub keeps it per room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub id: MessageId,
    pub epoch: String,
}

impl Position {
    pub fn offset(&self) -> Offset<'_> {
        Offset { id: self.id, epoch: &self.epoch }
    }
}

/// What a joining session asks of a room's history.
#[derive(Debug, Clone, Copy)]
pub struct BacklogRequest<'a> {
    /// How many of the most recent messages to send (when not recovering).
    pub recent: usize,
    /// Replay everything after this point instead, if the history still has it.
    pub since: Option<Offset<'a>>,
}

/// What a joining session sends before the room's live messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backlog {
    pub epoch: String,
    /// `None` when no recovery was asked for; otherwise whether `entries`
    /// are exactly those after `since` (else they are the most recent
    /// messages).
    pub recovered: Option<bool>,
    /// Oldest first: in a recovery every entry after `since`, messages and
    /// changes; otherwise messages only. Messages come in their current state.
    pub entries: Vec<Stored>,
    /// The last id the room's history had minted when it was read: where a
    /// member that goes live now stands.
    pub end: MessageId,
}

/// Messages before some id, oldest first, in their current state, and
/// whether older ones remain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub messages: Vec<Stored>,
    pub more: bool,
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
    /// The broker [`RedisSettings::broker_kind`] chose. An unreachable Redis
    /// does not fail start-up: the node reports not ready and keeps trying.
    pub fn start(
        settings: &RedisSettings,
        history: &HistorySettings,
        handler: Arc<dyn BrokerHandler>,
        origin: u64,
        metrics: Arc<Metrics>,
    ) -> Result<Broker, BrokerError> {
        match (settings.broker_kind(), &settings.url) {
            (BrokerKind::Redis, Some(url)) => {
                Ok(Broker::Redis(RedisBroker::start(url, settings, history, handler, origin, metrics)?))
            }
            _ => Ok(Broker::Memory(MemoryBroker::new(handler, history))),
        }
    }

    /// Stores the message, assigns it an id and sends it to every node in
    /// the room, unless the room was sent its `client_id` within the dedupe
    /// window.
    pub async fn publish(
        &self,
        room: &RoomName,
        envelope: &Envelope<'_>,
        address: IpAddr,
    ) -> Result<Published, BrokerError> {
        match self {
            Broker::Memory(broker) => Ok(broker.publish(room, envelope, address)),
            Broker::Redis(broker) => broker.publish(room, envelope, address).await,
        }
    }

    /// Edits or deletes a message of `room` for `author` (an
    /// [`envelope::author_key`]), if that is who sent it: stores the change,
    /// assigns it an id and sends it to every node in the room. Counts
    /// toward the same shared limits as messages.
    pub async fn change(
        &self,
        room: &RoomName,
        change: &Change<'_>,
        author: &str,
        address: IpAddr,
    ) -> Result<Changed, BrokerError> {
        match self {
            Broker::Memory(broker) => Ok(broker.change(room, change, author, address)),
            Broker::Redis(broker) => broker.change(room, change, author, address).await,
        }
    }

    /// What a session joining `room` sends before its live messages: the
    /// room's epoch and its recent messages, or everything after `since`.
    pub async fn backlog(
        &self,
        room: &RoomName,
        request: BacklogRequest<'_>,
    ) -> Result<Backlog, BrokerError> {
        match self {
            Broker::Memory(broker) => Ok(broker.backlog(room, request)),
            Broker::Redis(broker) => broker.backlog(room, request).await,
        }
    }

    /// Up to `limit` messages of `room` older than `before`.
    pub async fn page(&self, room: &RoomName, before: MessageId, limit: usize) -> Result<Page, BrokerError> {
        match self {
            Broker::Memory(broker) => Ok(broker.page(room, before, limit)),
            Broker::Redis(broker) => broker.page(room, before, limit).await,
        }
    }

    /// Tells the other nodes who of this node (`origin`) is in `room` now.
    pub async fn publish_presence(
        &self,
        room: &RoomName,
        origin: u64,
        names: &Names,
    ) -> Result<(), BrokerError> {
        match self {
            // Alone: there is no other node to tell.
            Broker::Memory(_) => Ok(()),
            Broker::Redis(broker) => broker.publish_presence(room, origin, names).await,
        }
    }

    /// Tells every node with members in `room` that `typist` is typing.
    pub async fn publish_typing(&self, room: &RoomName, typist: &Typist<'_>) -> Result<(), BrokerError> {
        match self {
            Broker::Memory(broker) => {
                broker.typing(room, typist);
                Ok(())
            }
            Broker::Redis(broker) => broker.publish_typing(room, typist).await,
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

impl BrokerKind {
    /// Whether rooms receive messages as soon as they exist (the embedded
    /// broker), rather than once a subscription is confirmed (Redis).
    pub fn rooms_always_active(self) -> bool {
        self == BrokerKind::Embedded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreachable_bus_is_unavailable_and_a_wrong_answer_is_internal() {
        let refused = ::redis::RedisError::from(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert_eq!(BrokerError::Redis(refused).client_code(), ErrorCode::Unavailable);
        assert_eq!(
            BrokerError::Timeout(std::time::Duration::from_secs(1)).client_code(),
            ErrorCode::Unavailable
        );
        let wrong_type =
            ::redis::RedisError::from((::redis::ErrorKind::UnexpectedReturnType, "not a string"));
        assert_eq!(BrokerError::Redis(wrong_type).client_code(), ErrorCode::Internal);
        assert_eq!(BrokerError::UnexpectedReply("x".into()).client_code(), ErrorCode::Internal);
        assert_eq!(BrokerError::Unconfirmed("reset".into()).client_code(), ErrorCode::OutcomeUnknown);
    }
}
