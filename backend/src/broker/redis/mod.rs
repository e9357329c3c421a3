//! The Redis broker.
//!
//! Publishing runs a small Lua script through a `deadpool-redis` pool
//! (`pool`: one that skips the PING check for connections in steady use): it
//! appends the message to the room's capped stream (whose entry id becomes the
//! message id, ordered per room and still increasing after a Redis restart)
//! and publishes `<id> <epoch> <envelope>` on the room's channel in the same
//! atomic step, so channel order is id order and the stream holds exactly
//! what was delivered. An edit or deletion is another script of the same
//! shape (`scripts` has the scripts, `history` runs them and reads their
//! answers, [`Names`] the key layout).
//!
//! Receiving runs on one dedicated pub/sub connection per node, owned by the
//! subscription task. It keeps the connection's channels equal to the rooms
//! its [`BrokerHandler`] (the hub) wants: it subscribes when a room appears and
//! unsubscribes when it disappears. When the connection drops it reconnects
//! with the protocol's backoff rule and subscribes every room again. Every `probe_interval` the node publishes a
//! probe on its own channel through the pool; a subscription that has not
//! delivered a probe within `probe_timeout` is open but dead, and is replaced.
//! Each probe carries when it was sent, so its return also measures how far
//! the subscription trails Redis; one that trails by more than `lag_limit`
//! cannot keep up with what it is sent, and is replaced too: dropping it
//! drops what the client library buffered for it, and the members catch up
//! from the rooms' histories, in bulk, instead of the node falling further
//! behind.
//!
//! The subscription task only reads and sorts: room messages go to fan-out
//! workers by room (`fanout`), over bounded queues it never waits on. A room
//! whose worker's queue is full, and every room after a lost subscription,
//! is caught up from its history by its worker, in order with its live
//! messages.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use deadpool_redis::Runtime;
use futures_util::future::BoxFuture;
use futures_util::{FutureExt, StreamExt};
use redis::aio::{MultiplexedConnection, PubSubSink};
use redis::{AsyncConnectionConfig, Msg};
use roomcast_protocol::backoff::Backoff;
use roomcast_protocol::{MessageId, RoomName};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use super::{
    Backlog, BacklogRequest, BrokerError, BrokerHandler, Change, Changed, Envelope, Health, Offset, Page,
    Position, Published,
};
use crate::config::{HistorySettings, RedisSettings};
use crate::metrics::Metrics;

mod fanout;
mod history;
mod names;
mod pool;
mod presence;
mod scripts;

use self::fanout::{Fanout, Sent, Work, Worker};
use self::history::History;
pub use self::names::Names;
use self::pool::{Manager, Pool, Pooled};

#[derive(Debug)]
pub struct RedisBroker {
    inner: Arc<Inner>,
    stop: CancellationToken,
    task: Mutex<Option<JoinHandle<()>>>,
}

#[derive(Debug)]
struct Inner {
    client: redis::Client,
    pool: Pool,
    names: Names,
    /// This node's origin, to skip its own presence announcements.
    origin: u64,
    presence_script: redis::Script,
    handler: Arc<dyn BrokerHandler>,
    metrics: Arc<Metrics>,
    timeout: Duration,
    history: History,
    probe_interval: Duration,
    probe_timeout: Duration,
    lag_limit: Duration,
    /// The origin of the probes' send times: each probe carries the
    /// milliseconds since this instant, so its lag needs no wall clock.
    started: Instant,
    link: Mutex<Link>,
    fanout: Fanout,
}

/// The state of the subscription connection, for readiness.
#[derive(Debug, Default)]
struct Link {
    connected: bool,
    last_probe: Option<Instant>,
    /// How late the last probe came back.
    lag: Duration,
}

impl RedisBroker {
    pub fn start(
        url: &str,
        settings: &RedisSettings,
        history: &HistorySettings,
        handler: Arc<dyn BrokerHandler>,
        origin: u64,
        metrics: Arc<Metrics>,
    ) -> Result<Self, BrokerError> {
        let client = client(url, settings)?;
        let connection = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(settings.timeout))
            .set_response_timeout(Some(settings.timeout));
        let checked =
            deadpool_redis::Manager::new_with_config(client.get_connection_info().clone(), connection)?;
        let manager = Manager::new(checked);
        let pool = Pool::builder(manager)
            .max_size(settings.pool_size.max(1))
            .wait_timeout(Some(settings.timeout))
            .create_timeout(Some(settings.timeout))
            .recycle_timeout(Some(settings.timeout))
            // The most recently used connection first: in steady traffic a
            // few connections stay fresh (no PING, see `pool`) and the rest idle.
            .queue_mode(deadpool::managed::QueueMode::Lifo)
            .runtime(Runtime::Tokio1)
            .build()
            .map_err(|err| BrokerError::Config(err.to_string()))?;
        let workers = match settings.fanout_workers {
            0 => std::thread::available_parallelism().map_or(1, usize::from),
            n => n,
        };
        let (fanout, workers) = Fanout::new(workers, settings.fanout_queue);
        let inner = Arc::new(Inner {
            client,
            pool,
            names: Names::new(&settings.channel_prefix, origin),
            origin,
            presence_script: redis::Script::new(presence::PUBLISH_PRESENCE),
            handler,
            metrics,
            timeout: settings.timeout,
            history: History::new(history),
            probe_interval: settings.probe_interval,
            probe_timeout: settings.probe_timeout,
            lag_limit: settings.lag_limit,
            started: Instant::now(),
            link: Mutex::default(),
            fanout,
        });
        let stop = CancellationToken::new();
        for worker in workers {
            tokio::spawn(inner.clone().run_fanout(worker, stop.clone()));
        }
        let task = tokio::spawn(inner.clone().run_subscriptions(stop.clone()));
        Ok(RedisBroker { inner, stop, task: Mutex::new(Some(task)) })
    }

    /// Publishes through the pool. Failing to get a connection means nothing
    /// was sent (`unavailable`); losing the connection or the answer after
    /// the script was sent means it may have run (`Unconfirmed`), which the
    /// dedupe key makes safe to retry.
    pub async fn publish(
        &self,
        room: &RoomName,
        envelope: &Envelope<'_>,
        address: std::net::IpAddr,
    ) -> Result<Published, BrokerError> {
        let inner = &self.inner;
        inner
            .with_connection(Deadline::Write, |mut conn| {
                async move { inner.history.publish(&mut conn, &inner.names, room, envelope, address).await }
                    .boxed()
            })
            .await
    }

    /// Edits or deletes a message for `author`, with the same failure
    /// handling as [`RedisBroker::publish`]: an unconfirmed edit is safe to
    /// repeat, and an unconfirmed deletion repeated is refused as done.
    pub async fn change(
        &self,
        room: &RoomName,
        change: &Change<'_>,
        author: &str,
        address: std::net::IpAddr,
    ) -> Result<Changed, BrokerError> {
        let inner = &self.inner;
        inner
            .with_connection(Deadline::Write, |mut conn| {
                async move {
                inner.history.change(&mut conn, &inner.names, room, change, author, address).await
            }.boxed()
            })
            .await
    }

    pub async fn backlog(
        &self,
        room: &RoomName,
        request: BacklogRequest<'_>,
    ) -> Result<Backlog, BrokerError> {
        let inner = &self.inner;
        inner
            .with_connection(Deadline::Read, |mut conn| {
                async move { inner.history.backlog(&mut conn, &inner.names, room, request).await }.boxed()
            })
            .await
    }

    pub async fn page(&self, room: &RoomName, before: MessageId, limit: usize) -> Result<Page, BrokerError> {
        let inner = &self.inner;
        inner
            .with_connection(Deadline::Read, |mut conn| {
                async move { inner.history.page(&mut conn, &inner.names, room, before, limit).await }.boxed()
            })
            .await
    }

    pub async fn publish_presence(
        &self,
        room: &RoomName,
        origin: u64,
        names: &crate::presence::Names,
    ) -> Result<(), BrokerError> {
        self.inner.publish_presence(room, origin, names).await
    }

    pub async fn publish_typing(
        &self,
        room: &RoomName,
        typist: &super::Typist<'_>,
    ) -> Result<(), BrokerError> {
        self.inner.publish_typing(room, typist).await
    }

    pub fn health(&self) -> Health {
        let link = self.inner.lock_link();
        let fresh = link.last_probe.is_some_and(|at| at.elapsed() <= self.inner.probe_timeout);
        match (link.connected, fresh) {
            (true, true) if link.lag > self.inner.lag_limit => {
                Health { ready: false, detail: "redis subscription behind" }
            }
            (true, true) => Health { ready: true, detail: "redis subscription live" },
            (true, false) => Health { ready: false, detail: "redis probe overdue" },
            (false, _) => Health { ready: false, detail: "redis unreachable" },
        }
    }

    pub async fn shutdown(&self) {
        self.stop.cancel();
        let task = self.task.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(task) = task {
            let _ = task.await;
        }
    }
}

/// A client for `url`: plain, with a password in the URL, or TLS (`rediss://`)
/// trusting the system's roots or `REDIS_CA_FILE`.
fn client(url: &str, settings: &RedisSettings) -> Result<redis::Client, BrokerError> {
    // rustls needs a process-wide crypto provider; a second install is a no-op.
    let _ = rustls::crypto::ring::default_provider().install_default();
    match &settings.ca_file {
        None => Ok(redis::Client::open(url)?),
        Some(path) => {
            let pem = std::fs::read(path).map_err(|err| {
                BrokerError::Config(format!("cannot read REDIS_CA_FILE {}: {err}", path.display()))
            })?;
            let certificates = redis::TlsCertificates { client_tls: None, root_cert: Some(pem) };
            Ok(redis::Client::build_with_tls(url, certificates)?)
        }
    }
}

/// Why a subscription connection ended.
#[derive(Debug, thiserror::Error)]
enum LinkLost {
    #[error("stopping")]
    Stopped,
    #[error("connection closed by redis")]
    Closed,
    #[error("no probe came back for {0:?}: connection is silently dead")]
    Silent(Duration),
    #[error("probes come back {0:?} late: the subscription cannot keep up")]
    Behind(Duration),
    #[error(transparent)]
    Broker(#[from] BrokerError),
}

impl Inner {
    /// A pooled connection, within the timeout. Failing to get one means
    /// nothing was sent.
    async fn connection(&self) -> Result<Pooled, BrokerError> {
        let limit = self.timeout;
        tokio::time::timeout(limit, self.pool.get())
            .await
            .map_err(|_| BrokerError::Timeout(limit))?
            .map_err(Into::into)
    }

    /// Runs `call` on a pooled connection within the timeout; running out
    /// of time is reported as `deadline` says. A connection the call may
    /// have broken leaves the pool instead of going back, and a call that
    /// failed on a broken socket runs once more on a connection the pool has
    /// checked (see `pool`). That is safe for every call made here: reads,
    /// and writes that Redis answers the same when repeated (a publish or
    /// edit under its dedupe key; a deletion is refused as done).
    async fn with_connection<'a, T>(
        &self,
        deadline: Deadline,
        call: impl Fn(MultiplexedConnection) -> BoxFuture<'a, Result<T, BrokerError>>,
    ) -> Result<T, BrokerError> {
        let mut attempts = 0;
        loop {
            attempts += 1;
            let conn = self.connection().await?;
            let limit = self.timeout;
            // The call gets its own handle on the connection (a clone shares
            // the socket), so its future borrows nothing from this frame. A
            // write gives the connection back at once: it multiplexes, so the
            // writes of other sessions go out on it meanwhile, pipelined,
            // instead of each waiting for a connection of its own. A read
            // (which may be a long history page) keeps it to itself.
            let handle = MultiplexedConnection::clone(&conn);
            let held = matches!(deadline, Deadline::Read).then_some(conn);
            let result = match tokio::time::timeout(limit, call(handle)).await {
                Ok(result) => result,
                Err(_) => Err(match deadline {
                    Deadline::Read => BrokerError::Timeout(limit),
                    Deadline::Write => BrokerError::Unconfirmed(format!("no answer within {limit:?}")),
                }),
            };
            let Err(err) = &result else { return result };
            if !err.may_break_connection() {
                return result;
            }
            // A connection given back is checked before its next use, as
            // every other is now.
            if let Some(conn) = held {
                drop(Pooled::take(conn));
            }
            self.pool.manager().note_broken();
            if attempts > 1 || !err.is_broken_socket() {
                return result;
            }
            debug!(cause = %err, "a pooled redis connection was broken; trying a checked one");
        }
    }

    fn lock_link(&self) -> std::sync::MutexGuard<'_, Link> {
        self.link.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn run_subscriptions(self: Arc<Self>, stop: CancellationToken) {
        let mut retry = Retry::new(SUBSCRIPTION_BACKOFF);
        loop {
            let mut connected_once = false;
            let outcome = self.subscription_session(&stop, &mut connected_once).await;
            {
                let mut link = self.lock_link();
                link.connected = false;
                link.last_probe = None;
                link.lag = Duration::ZERO;
            }
            self.metrics.subscription_lag_seconds.set(0.0);
            self.handler.deactivate_all();
            match outcome {
                LinkLost::Stopped => return,
                lost => {
                    if matches!(lost, LinkLost::Behind(_)) {
                        self.metrics.subscriptions_behind.inc();
                    }
                    self.metrics.broker_reconnects.inc();
                    warn!(cause = %lost, "redis subscription connection lost; reconnecting");
                }
            }
            if connected_once {
                retry.reset();
            }
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(retry.next_delay()) => {}
            }
        }
    }

    /// One subscription connection, from connect to loss.
    async fn subscription_session(
        self: &Arc<Self>,
        stop: &CancellationToken,
        connected: &mut bool,
    ) -> LinkLost {
        let pubsub = match self.bounded(self.client.get_async_pubsub()).await {
            Ok(pubsub) => pubsub,
            Err(err) => return err.into(),
        };
        let (mut sink, mut messages) = pubsub.split();
        let mut subscribed = HashSet::new();
        let setup = async {
            self.bounded(sink.subscribe(&self.names.probe_channel)).await?;
            let rooms = self.handler.wanted_rooms();
            self.subscribe(&mut sink, &mut subscribed, rooms).await
        };
        if let Err(err) = setup.await {
            return err.into();
        }
        *connected = true;
        self.lock_link().connected = true;
        info!(rooms = subscribed.len(), "redis subscription connection ready");

        let mut last_probe = Instant::now();
        let mut probes = tokio::time::interval(self.probe_interval);
        loop {
            tokio::select! {
                () = stop.cancelled() => return LinkLost::Stopped,
                message = messages.next() => match message {
                    Some(message) => {
                        if let Err(lost) = self.handle_message(message, &mut last_probe) {
                            return lost;
                        }
                    }
                    None => return LinkLost::Closed,
                },
                () = self.handler.changes().notified() => {
                    if let Err(err) = self.reconcile(&mut sink, &mut subscribed).await {
                        return err.into();
                    }
                }
                _ = probes.tick() => {
                    let silent = last_probe.elapsed();
                    if silent > self.probe_timeout {
                        return LinkLost::Silent(silent);
                    }
                    self.send_probe();
                }
            }
        }
    }

    /// Brings the connection's channels in line with the rooms the node wants.
    async fn reconcile(
        &self,
        sink: &mut PubSubSink,
        subscribed: &mut HashSet<RoomName>,
    ) -> Result<(), BrokerError> {
        let mut add = Vec::new();
        let mut remove = Vec::new();
        for (room, wanted) in self.handler.take_changes() {
            match (wanted, subscribed.contains(&room)) {
                (true, false) => add.push(room),
                (false, true) => remove.push(room),
                // Left and joined again before we looked: still subscribed,
                // but the new room entry needs to be marked active.
                (true, true) => self.handler.activate(std::slice::from_ref(&room)),
                (false, false) => {}
            }
        }
        if !remove.is_empty() {
            let channels: Vec<String> = remove.iter().map(|r| self.names.room_channel(r)).collect();
            self.bounded(sink.unsubscribe(&channels)).await?;
            for room in &remove {
                subscribed.remove(room);
            }
            debug!(rooms = ?remove, "unsubscribed");
        }
        self.subscribe(sink, subscribed, add).await
    }

    async fn subscribe(
        &self,
        sink: &mut PubSubSink,
        subscribed: &mut HashSet<RoomName>,
        rooms: Vec<RoomName>,
    ) -> Result<(), BrokerError> {
        if rooms.is_empty() {
            return Ok(());
        }
        let channels: Vec<String> = rooms.iter().map(|r| self.names.room_channel(r)).collect();
        self.bounded(sink.subscribe(&channels)).await?;
        for room in &rooms {
            // A room this node had members in before: its worker fills in
            // from history what came meanwhile, after what it still holds.
            if self.handler.position(room).is_some() {
                self.fanout.mark_behind(room);
            }
            self.sync_presence(room).await?;
        }
        self.handler.activate(&rooms);
        debug!(rooms = ?rooms, "subscribed");
        subscribed.extend(rooms);
        Ok(())
    }

    /// A fan-out worker: hands its rooms' messages to the hub in the order
    /// they came, and between two messages catches up the rooms marked
    /// behind. A room whose members have not yet said where they stand (a
    /// first join still reading the history) waits for that, rechecked every
    /// [`RECHECK_BEHIND`], as does one whose history read failed.
    async fn run_fanout(self: Arc<Self>, mut worker: Worker, stop: CancellationToken) {
        loop {
            let ready =
                |room: &RoomName| self.handler.position(room).is_some() || !self.handler.has_room(room);
            let (rooms, mut waiting) = worker.take_behind(ready);
            for room in rooms {
                if let Err(err) = self.catch_up(&room).await {
                    debug!(%room, cause = %err, "catching up from history failed; trying again");
                    worker.put_back(room);
                    waiting = true;
                }
            }
            let work = if waiting {
                tokio::select! {
                    () = stop.cancelled() => return,
                    work = worker.queue.recv() => work,
                    () = tokio::time::sleep(RECHECK_BEHIND) => continue,
                }
            } else {
                tokio::select! {
                    () = stop.cancelled() => return,
                    work = worker.queue.recv() => work,
                }
            };
            match work {
                Some(Work::Deliver(room, message)) => self.deliver_message(&room, &message),
                Some(Work::CatchUp) => {}
                None => return,
            }
        }
    }

    /// A room message, decoded and handed to the hub.
    fn deliver_message(&self, room: &RoomName, message: &Msg) {
        match Envelope::parse_payload(message.get_payload_bytes()) {
            Ok((id, epoch, posted)) => {
                self.handler.deliver(room, Offset { id, epoch }, posted.delivery());
            }
            Err(err) => warn!(%room, cause = %err, "dropped an unreadable message"),
        }
    }

    /// A room whose live messages were dropped (its worker was full, or the
    /// subscription was lost): delivers from the history what was published
    /// since the node's members' position (the hub drops what they already
    /// have, including live messages that now come twice), or reports the
    /// gap when the history no longer holds it.
    async fn catch_up(&self, room: &RoomName) -> Result<(), BrokerError> {
        let Some(position) = self.handler.position(room) else { return Ok(()) };
        let request = BacklogRequest { recent: 0, since: Some(position.offset()) };
        let backlog = self
            .with_connection(Deadline::Read, |mut conn| {
                async move { self.history.backlog(&mut conn, &self.names, room, request).await }.boxed()
            })
            .await?;
        if backlog.recovered == Some(true) {
            if !backlog.entries.is_empty() {
                info!(%room, missed = backlog.entries.len(), "filled the room's gap from its history");
                self.metrics.gap_messages.inc_by(backlog.entries.len() as u64);
            }
            for stored in &backlog.entries {
                self.handler.deliver(
                    room,
                    Offset { id: stored.id, epoch: &backlog.epoch },
                    stored.delivery(),
                );
            }
        } else {
            warn!(%room, "messages were lost to this node's members: the history no longer holds them");
            self.metrics.gaps.inc();
            self.handler.report_gap(room, Position { id: backlog.end, epoch: backlog.epoch });
        }
        Ok(())
    }

    /// Hands one pub/sub message on; a probe that came back too late ends
    /// the subscription.
    fn handle_message(&self, message: Msg, last_probe: &mut Instant) -> Result<(), LinkLost> {
        let channel = message.get_channel_name();
        if channel == self.names.probe_channel {
            return self.handle_probe(message.get_payload_bytes(), last_probe);
        }
        let Some(room) = self.names.room_of_channel(channel) else {
            warn!(channel, "message on an unexpected channel");
            return Ok(());
        };
        let payload = message.get_payload_bytes();
        if payload.first().is_some_and(|b| !b.is_ascii_digit()) {
            self.handle_signal(&room, payload);
            return Ok(());
        }
        if self.fanout.send(room, message) == Sent::Overflowed {
            self.metrics.fanout_overflows.inc();
        }
        Ok(())
    }

    /// A probe came back: the subscription is alive, and as late as the
    /// probe is. (A probe of another version of the node, without a send
    /// time, only says it is alive.)
    fn handle_probe(&self, payload: &[u8], last_probe: &mut Instant) -> Result<(), LinkLost> {
        *last_probe = Instant::now();
        let lag = probe_sent_ms(payload)
            .map(|sent| Duration::from_millis(millis_since(self.started).saturating_sub(sent)))
            .unwrap_or_default();
        {
            let mut link = self.lock_link();
            link.last_probe = Some(*last_probe);
            link.lag = lag;
        }
        self.metrics.subscription_lag_seconds.set(lag.as_secs_f64());
        if lag > self.lag_limit {
            return Err(LinkLost::Behind(lag));
        }
        Ok(())
    }

    /// Publishes a probe through the pool without holding up the subscription loop.
    /// Publishes a probe and beats the node's heart (presence liveness)
    /// through the pool, without holding up the subscription loop.
    fn send_probe(self: &Arc<Self>) {
        let inner = self.clone();
        tokio::spawn(async move {
            let inner = &*inner;
            let probe = inner.with_connection(Deadline::Read, |mut conn| {
                async move {
                    redis::cmd("PUBLISH")
                        .arg(&inner.names.probe_channel)
                        .arg(format!("probe {}", millis_since(inner.started)))
                        .query_async::<i64>(&mut conn)
                        .await?;
                    Ok(())
                }
                .boxed()
            });
            if let Err(err) = probe.await {
                debug!(cause = %err, "probe publish failed");
            }
            if let Err(err) = inner.heartbeat().await {
                debug!(cause = %err, "heartbeat failed");
            }
        });
    }

    async fn bounded<T, E>(
        &self,
        op: impl std::future::Future<Output = Result<T, E>>,
    ) -> Result<T, BrokerError>
    where
        BrokerError: From<E>,
    {
        match tokio::time::timeout(self.timeout, op).await {
            Ok(result) => result.map_err(BrokerError::from),
            Err(_) => Err(BrokerError::Timeout(self.timeout)),
        }
    }
}

/// Milliseconds since `origin`, the probes' clock.
fn millis_since(origin: Instant) -> u64 {
    u64::try_from(origin.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// The send time in a probe's payload, `probe <ms>`.
fn probe_sent_ms(payload: &[u8]) -> Option<u64> {
    std::str::from_utf8(payload.strip_prefix(b"probe ")?).ok()?.parse().ok()
}

/// What running out of time means for a call.
#[derive(Debug, Clone, Copy)]
enum Deadline {
    /// Nothing was changed: `Timeout`.
    Read,
    /// The write may have been made: `Unconfirmed`.
    Write,
}

/// How long a fan-out worker waits before it looks again at rooms it could
/// not catch up yet.
const RECHECK_BEHIND: Duration = Duration::from_millis(20);

/// How the subscription task waits between reconnects: 50–100 ms first,
/// doubling up to 2.5–5 s.
const SUBSCRIPTION_BACKOFF: Backoff = Backoff { base_ms: 100, cap_ms: 5_000 };

/// Counts consecutive failed attempts and turns them into delays with the
/// protocol's backoff rule, so nodes do not reconnect in lockstep.
#[derive(Debug)]
struct Retry {
    schedule: Backoff,
    attempt: u32,
}

impl Retry {
    fn new(schedule: Backoff) -> Self {
        Retry { schedule, attempt: 0 }
    }

    fn next_delay(&mut self) -> Duration {
        let delay = self.schedule.delay_ms(self.attempt, rand::random::<f64>());
        self.attempt = self.attempt.saturating_add(1);
        Duration::from_millis(u64::from(delay))
    }

    fn reset(&mut self) {
        self.attempt = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_probe_carries_its_send_time_and_an_old_style_probe_none() {
        assert_eq!(probe_sent_ms(b"probe 1234"), Some(1234));
        assert_eq!(probe_sent_ms(b"probe"), None);
        assert_eq!(probe_sent_ms(b"probe x"), None);
    }

    #[test]
    fn reconnect_delays_follow_the_protocols_rule_and_restart_after_a_success() {
        let mut retry = Retry::new(Backoff { base_ms: 100, cap_ms: 500 });
        let ceilings = [100, 200, 400, 500, 500];
        for ceiling in ceilings {
            let step = retry.next_delay();
            let ceiling = Duration::from_millis(ceiling);
            assert!(step >= ceiling / 2 && step <= ceiling, "{step:?} vs {ceiling:?}");
        }
        retry.reset();
        assert!(retry.next_delay() <= Duration::from_millis(100));
    }
}
