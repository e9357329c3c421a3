//! One client connection.
//!
//! A session is one task that owns the socket ([`link`]): it writes what the
//! session's bounded [`Outbox`] holds, every frame already queued and then
//! one flush, so a burst costs one system call; and it handles client frames
//! one at a time, which keeps a sender's messages in the order it sent them,
//! writing meanwhile. It also pings an idle client and ends the session on a
//! close request (the node's shutdown is one, sent to every session's
//! [`Closer`](crate::outbox::Closer) at once), or when the client stops
//! answering. The closer's first close code is what the client is told.

use std::borrow::Cow;
use std::future::Future;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ws::{Message, Utf8Bytes};
use futures_util::{Sink, Stream};
use roomcast_protocol::close::{
    self, HEARTBEAT_TIMEOUT, HELLO_TIMEOUT, MESSAGE_TOO_BIG, POLICY_VIOLATION, SLOW_CONSUMER, TOKEN_EXPIRED,
};
use roomcast_protocol::version;
use roomcast_protocol::{
    ClientFrame, ClientMsgId, DisplayName, ErrorCode, MessageId, MessageText, RoomName, ServerFrame,
};
use tracing::{debug, error, info, info_span, warn, Instrument};

use self::budget::{Budget, Verdict};
use self::link::{Event, Link};
use self::memberships::Memberships;
use crate::broker::{BrokerError, Envelope, Limit, Limited, Published};
use crate::hub::SessionId;
use crate::identity::Identity;
use crate::node::Node;
use crate::outbox::Outbox;
use crate::rate::TokenBucket;

mod budget;
mod edits;
mod greeting;
mod link;
mod memberships;
mod people;
mod rooms;

/// Runs a session over any socket (axum's `WebSocket` in the server).
pub async fn run<S>(socket: S, node: Arc<Node>, address: IpAddr)
where
    S: Sink<Message> + Stream<Item = Result<Message, axum::Error>> + Send + Unpin + 'static,
{
    let id = node.hub.next_session_id();
    let span = info_span!("session", conn_id = id, node = %node.name);
    async move {
        let (outbox, queue) = Outbox::new(node.settings.outbound_queue);
        let closer = outbox.closer().clone();
        let drain = node.settings.shutdown_grace.saturating_sub(link::CLOSE_TIMEOUT);
        let mut link = Link::new(socket, queue, node.metrics.frames_out.clone());
        node.metrics.connections_opened.inc();
        node.closers.add(id, &closer);
        let sends = TokenBucket::new(node.settings.send_rate, node.settings.send_burst, Instant::now());
        let budget = Budget::new(&node.settings, Instant::now());
        let mut session = Session {
            id,
            address,
            node,
            outbox,
            name: None,
            protocol: version::UNVERSIONED,
            rooms: Memberships::default(),
            identity: None,
            token_deadline: None,
            budget,
            sends,
        };
        debug!("connected");
        session.read_loop(&mut link).await;
        session.leave_all();
        closer.close(1000);
        let node = session.node.clone();
        drop(session);
        node.closers.remove(id);
        let code = closer.code().unwrap_or(1000);
        node.metrics.closed(code);
        link.finish(code, drain).await;
        match closer.code() {
            Some(
                code @ (SLOW_CONSUMER | HEARTBEAT_TIMEOUT | MESSAGE_TOO_BIG | HELLO_TIMEOUT
                | POLICY_VIOLATION),
            ) => {
                info!(code, reason = close::reason(code), "disconnected by the server");
            }
            code => debug!(code, "disconnected"),
        }
    }
    .instrument(span)
    .await;
}

struct Session {
    id: SessionId,
    /// The client's address, for limits shared by all its connections.
    address: IpAddr,
    node: Arc<Node>,
    outbox: Outbox,
    /// Set by `hello`; required before `join` and `send`.
    name: Option<DisplayName>,
    /// The protocol version agreed in `hello`; frames and fields newer than
    /// it are never sent to this client.
    protocol: u32,
    /// Rooms this session is a member of (mirrors the hub), with whether
    /// presence counts it there (once it was sent `joined`) and when it last
    /// announced typing there.
    rooms: Memberships,
    /// Who the identity token says this is, where the node requires tokens.
    /// Boxed: most nodes run without tokens, and every idle connection
    /// would carry the room for one.
    identity: Option<Box<Identity>>,
    /// A new token's expiry, for the read loop to arm its timer with.
    token_deadline: Option<tokio::time::Instant>,
    /// Limits how fast this connection may post.
    sends: TokenBucket,
    /// Limits its other requests, and counts its strikes.
    budget: Budget,
}

/// When the session must next act on its own: ping (or give up on) a
/// silent client, close one that never said hello, or one whose identity
/// token expired.
struct Deadlines {
    heartbeat: tokio::time::Instant,
    /// A ping is out: at `heartbeat` the client is given up on.
    pinged: bool,
    hello: Option<tokio::time::Instant>,
    token: Option<tokio::time::Instant>,
}

impl Deadlines {
    fn next(&self) -> tokio::time::Instant {
        [self.hello, self.token].into_iter().flatten().fold(self.heartbeat, std::cmp::min)
    }
}

impl Session {
    async fn read_loop<S>(&mut self, link: &mut Link<S>)
    where
        S: Sink<Message> + Stream<Item = Result<Message, axum::Error>> + Unpin,
    {
        let closer = self.outbox.closer().clone();
        let settings = &self.node.settings;
        let (ping_interval, ping_timeout) = (settings.ping_interval, settings.ping_timeout);
        let now = tokio::time::Instant::now();
        let mut due = Deadlines {
            heartbeat: now + ping_interval,
            pinged: false,
            hello: Some(now + settings.hello_timeout),
            token: None,
        };
        // One timer, set to the earliest of `due`: each costs a timer entry
        // in every connection's state, most of which are idle.
        let timer = tokio::time::sleep_until(due.next());
        tokio::pin!(timer);
        loop {
            if timer.deadline() != due.next() {
                timer.as_mut().reset(due.next());
            }
            tokio::select! {
                biased;
                () = std::future::poll_fn(|cx| closer.poll_closed(cx)) => return,
                () = &mut timer => {
                    let now = tokio::time::Instant::now();
                    if due.hello.is_some_and(|at| at <= now) {
                        debug!("no hello in time");
                        return closer.close(HELLO_TIMEOUT);
                    }
                    if due.token.is_some_and(|at| at <= now) {
                        debug!("identity token expired");
                        return closer.close(TOKEN_EXPIRED);
                    }
                    if due.heartbeat <= now {
                        if due.pinged {
                            debug!("client stopped answering pings");
                            return closer.close(HEARTBEAT_TIMEOUT);
                        }
                        self.outbox.push(Message::Ping(Default::default()));
                        due.pinged = true;
                        due.heartbeat = now + ping_timeout;
                    }
                }
                event = std::future::poll_fn(|cx| link.poll_event(cx)) => {
                    let Event::Frame(frame) = event else { return };
                    // Any frame, a pong or anything else, shows the client is there.
                    due.pinged = false;
                    due.heartbeat = tokio::time::Instant::now() + ping_interval;
                    match frame {
                        Some(Ok(Message::Close(_))) | None => return,
                        // Boxed: handling a frame (a join, a publish) needs far
                        // more future state than waiting does, and an idle
                        // connection should not carry that size around.
                        Some(Ok(message)) => {
                            self.node.metrics.frames_in.inc();
                            let mut handling = Box::pin(self.handle_message(message));
                            // The client's queue keeps draining meanwhile.
                            std::future::poll_fn(|cx| {
                                let handled = handling.as_mut().poll(cx);
                                let _ = link.poll_write(cx);
                                handled
                            })
                            .await;
                            drop(handling);
                            if self.name.is_some() {
                                due.hello = None;
                            }
                            if let Some(deadline) = self.token_deadline.take() {
                                due.token = Some(deadline);
                            }
                        }
                        Some(Err(err)) => {
                            self.handle_read_error(err);
                            return;
                        }
                    }
                }
            }
        }
    }

    fn handle_read_error(&self, err: axum::Error) {
        let inner = err.into_inner();
        match inner.downcast_ref::<tungstenite::Error>() {
            Some(tungstenite::Error::Capacity(cause)) => {
                debug!(%cause, "frame over the hard size limit");
                self.outbox.closer().close(MESSAGE_TOO_BIG);
            }
            _ => debug!(cause = %inner, "read failed"),
        }
    }

    async fn handle_message(&mut self, message: Message) {
        match message {
            Message::Text(text) => self.handle_text(&text).await,
            Message::Binary(_) => {
                let message = "binary frames are not part of the protocol; send JSON text frames";
                self.fail(ErrorCode::BinaryNotSupported, message, None, None);
                self.strike();
            }
            Message::Ping(_) | Message::Pong(_) | Message::Close(_) => {}
        }
    }

    async fn handle_text(&mut self, text: &Utf8Bytes) {
        let frame = match ClientFrame::decode(text.as_str()) {
            Ok(frame) => frame,
            Err(err) => {
                self.fail(err.code(), err.to_string(), None, None);
                return self.strike();
            }
        };
        match self.budget.admit(&frame, Instant::now()) {
            Verdict::Go => self.handle_frame(frame).await,
            Verdict::Drop => {}
            Verdict::Refuse(retry_after) => {
                let room = match &frame {
                    ClientFrame::Join { room, .. } | ClientFrame::Leave { room } => Some(clip(room)),
                    _ => None,
                };
                let message =
                    "slow down: this connection is asking too often; this request was not carried out";
                self.rate_limited(message, room.as_deref(), None, retry_after);
                self.strike();
            }
        }
    }

    /// Counts a refused or broken frame; too many close the connection (1008).
    fn strike(&mut self) {
        if !self.budget.strike(Instant::now()) {
            debug!("too many refused frames");
            self.outbox.closer().close(POLICY_VIOLATION);
        }
    }

    async fn handle_frame(&mut self, frame: ClientFrame<'_>) {
        match frame {
            ClientFrame::Hello { name, protocol, token } => self.hello(&name, protocol, token.as_deref()),
            ClientFrame::Join { room, history, since, epoch } => {
                self.join(&room, history, since, epoch.as_deref()).await
            }
            ClientFrame::Leave { room } => self.leave(&room),
            ClientFrame::Send { room, client_id, text } => self.post(&room, &client_id, &text).await,
            ClientFrame::Ping { nonce } => self.reply(&ServerFrame::Pong { nonce }),
            ClientFrame::History { room, before, limit } => self.history(&room, before, limit).await,
            ClientFrame::Members { room } => self.members(&room),
            ClientFrame::Typing { room } => self.typing(&room).await,
            ClientFrame::Edit { room, id, text } => self.change(&room, id, Some(&text)).await,
            ClientFrame::Delete { room, id } => self.change(&room, id, None).await,
        }
    }

    async fn post(&mut self, raw_room: &str, raw_client_id: &str, text: &str) {
        let client_id = Some(raw_client_id);
        let Some(name) = &self.name else {
            return self.fail(
                ErrorCode::NameRequired,
                "send hello with a display name before sending",
                Some(raw_room),
                client_id,
            );
        };
        let room = match RoomName::parse(raw_room) {
            Ok(room) => room,
            Err(err) => return self.fail(err.code(), err.to_string(), Some(raw_room), client_id),
        };
        if !self.rooms.contains(&room) {
            return self.fail(
                ErrorCode::NotJoined,
                "join the room before sending to it",
                Some(room.as_str()),
                client_id,
            );
        }
        let checked = ClientMsgId::check(raw_client_id).and_then(|()| MessageText::check(text));
        if let Err(err) = checked {
            return self.fail(err.code(), err.to_string(), Some(room.as_str()), client_id);
        }
        if !self.sends.try_take(Instant::now()) {
            let rate = self.node.settings.send_rate;
            let message = format!("slow down: at most {rate} messages per second; this one was not sent");
            let retry_after = self.sends.next_token_in();
            return self.rate_limited(message, Some(room.as_str()), client_id, retry_after);
        }
        let envelope = Envelope {
            origin: self.node.origin,
            session: self.id,
            client_id: Cow::Borrowed(raw_client_id),
            author: Cow::Borrowed(name.as_str()),
            text: Cow::Borrowed(text),
            user: self.identity.as_ref().map(|identity| Cow::Borrowed(identity.user.as_str())),
        };
        let started = Instant::now();
        let published = self.node.broker.publish(&room, &envelope, self.address).await;
        if published.is_ok() {
            self.node.metrics.published(started.elapsed());
        }
        match published {
            Ok(Published::New(_)) => {}
            // A retry of a message the room already has: only its sender
            // hears of it again, with the original id.
            Ok(Published::Repeat(original)) => {
                // In its current state. A client older than edits cannot be
                // told of a deletion: it gets the tombstone's empty text, so
                // that its send is still confirmed.
                let Some(mut frame) = original.message_frame(&room, version::EDITS) else { return };
                if self.protocol < version::EDITS {
                    (frame.edited_ts, frame.deleted) = (None, false);
                }
                frame.client_id = Some(Cow::Borrowed(raw_client_id));
                self.reply(&ServerFrame::Message(frame));
            }
            Ok(Published::Limited(Limited { limit, retry_after })) => {
                let message = limit_message(limit, "this one was not sent");
                self.rate_limited(message, Some(room.as_str()), client_id, Some(retry_after));
            }
            Err(err) => {
                let (code, message) = self.broker_failure(&room, &err, "message not sent");
                self.fail(code, message, Some(room.as_str()), client_id);
            }
        }
    }

    fn reply(&self, frame: &ServerFrame<'_>) {
        self.outbox.push(Message::Text(frame.encode().into()));
    }

    fn fail(
        &self,
        code: ErrorCode,
        message: impl Into<Cow<'static, str>>,
        room: Option<&str>,
        client_id: Option<&str>,
    ) {
        self.refuse(code, message, About { room, client_id, ..About::default() });
    }

    /// Refuses a request over one of its limits with `rate_limited`, saying
    /// how long until the same request would be admitted.
    fn rate_limited(
        &self,
        message: impl Into<Cow<'static, str>>,
        room: Option<&str>,
        client_id: Option<&str>,
        retry_after: Option<Duration>,
    ) {
        self.refuse(
            ErrorCode::RateLimited,
            message,
            About { room, client_id, retry_after, ..About::default() },
        );
    }

    /// Sends an error frame with what it says about the refused request,
    /// leaving out fields newer than this connection's version.
    fn refuse(&self, code: ErrorCode, message: impl Into<Cow<'static, str>>, about: About<'_>) {
        self.node.metrics.error(code);
        let retry_after_ms = about
            .retry_after
            .filter(|_| self.protocol >= version::RETRY_AFTER)
            // Never 0: a client told 0 would ask again at once and be refused again.
            .map(|wait| u64::try_from(wait.as_millis()).unwrap_or(u64::MAX).max(1));
        self.reply(&ServerFrame::Error {
            code,
            message: message.into(),
            room: about.room.map(|r| Cow::Owned(clip(r))),
            client_id: about.client_id.map(|c| Cow::Owned(clip(c))),
            id: about.id.filter(|_| self.protocol >= version::EDITS),
            retry_after_ms,
        });
    }

    /// Logs a failed broker call and words it for the client.
    fn broker_failure(&self, room: &RoomName, err: &BrokerError, what: &str) -> (ErrorCode, String) {
        let code = err.client_code();
        match code {
            ErrorCode::Unavailable => {
                warn!(%room, cause = %err, "{what}");
                (code, format!("{what}: the message bus is unreachable; try again shortly"))
            }
            ErrorCode::OutcomeUnknown => {
                warn!(%room, cause = %err, "{what}: outcome unknown");
                let message = "the message bus did not confirm this message; it may have been delivered. \
                               Send it again with the same client_id: it is delivered at most once";
                (code, message.to_owned())
            }
            _ => {
                error!(%room, cause = %err, "{what}: unexpected failure");
                (code, format!("{what}: the server failed unexpectedly; the failure is logged"))
            }
        }
    }

    /// Removes the session from every room (the node unsubscribes from rooms
    /// it no longer needs).
    fn leave_all(&mut self) {
        let rooms: Vec<RoomName> = self.rooms.rooms().cloned().collect();
        for room in &rooms {
            self.forget(room);
        }
    }
}

/// Words a refusal by a shared send limit, saying what did not happen.
fn limit_message(limit: Limit, outcome: &str) -> String {
    match limit {
        Limit::Room => format!("slow down: this room takes no more messages this second; {outcome}"),
        Limit::Address => {
            format!("slow down: your network sends too many messages to this room; {outcome}")
        }
    }
}

/// What an error frame says about the request it refuses, beside its code.
#[derive(Debug, Default, Clone, Copy)]
struct About<'a> {
    /// The room the request named.
    room: Option<&'a str>,
    /// The `client_id` of a refused `send`.
    client_id: Option<&'a str>,
    /// The message of a refused `edit` or `delete`.
    id: Option<MessageId>,
    /// With `rate_limited`: how long until the same request would be admitted.
    retry_after: Option<Duration>,
}

/// Echoes of client input in error frames are cut short, so a bad frame
/// cannot make the server send back something large.
fn clip(input: &str) -> String {
    input.chars().take(64).collect()
}

#[cfg(test)]
mod tests {
    //! The session over in-memory channels instead of a socket, with tokio's
    //! clock paused, so the heartbeat's timing is checked exactly.

    use std::pin::Pin;
    use std::task::{Context, Poll};
    use std::time::Duration;

    use futures_util::Sink;
    use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};
    use tokio_util::sync::CancellationToken;
    use tokio_util::task::TaskTracker;

    use super::*;
    use crate::broker::{Broker, BrokerHandler, MemoryBroker};
    use crate::config::{HistorySettings, SessionSettings};
    use crate::hub::Hub;

    /// The server's end of a fake connection.
    struct ChannelSocket {
        to_client: UnboundedSender<Message>,
        from_client: UnboundedReceiver<Result<Message, axum::Error>>,
    }

    impl Sink<Message> for ChannelSocket {
        type Error = axum::Error;
        fn poll_ready(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
            Poll::Ready(Ok(()))
        }
        fn start_send(self: Pin<&mut Self>, item: Message) -> Result<(), Self::Error> {
            self.to_client.send(item).map_err(axum::Error::new)
        }
        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
            Poll::Ready(Ok(()))
        }
        fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
            Poll::Ready(Ok(()))
        }
    }

    impl Stream for ChannelSocket {
        type Item = Result<Message, axum::Error>;
        fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
            self.from_client.poll_recv(cx)
        }
    }

    const INTERVAL: Duration = Duration::from_secs(20);
    const TIMEOUT: Duration = Duration::from_secs(10);

    /// Starts a session on an embedded-broker node; returns the client's ends.
    fn connect() -> (UnboundedSender<Result<Message, axum::Error>>, UnboundedReceiver<Message>) {
        let hub = Arc::new(Hub::new(1, true, Arc::default()));
        let handler: Arc<dyn BrokerHandler> = hub.clone();
        let node = Arc::new(Node {
            name: "test".into(),
            origin: 1,
            hub,
            metrics: Arc::default(),
            admission: Arc::new(crate::admission::Admission::new(
                crate::config::Config::defaults().http.admission,
            )),
            identity: None,
            broker: Broker::Memory(MemoryBroker::new(
                handler,
                &HistorySettings {
                    size: 100,
                    ttl: Duration::from_secs(3600),
                    dedupe_window: Duration::from_secs(60),
                    room_send_rate: 0,
                    address_send_rate: 0,
                },
            )),
            settings: SessionSettings {
                max_rooms: 4,
                outbound_queue: 8,
                send_rate: 10.0,
                send_burst: 10,
                ping_interval: INTERVAL,
                ping_timeout: TIMEOUT,
                join_timeout: Duration::from_secs(1),
                shutdown_grace: Duration::from_secs(3),
                hello_timeout: Duration::from_secs(3600),
                join_rate: 10.0,
                join_burst: 10,
                request_rate: 100.0,
                max_rooms_per_node: 100,
                auth_secret: None,
            },
            shutdown: CancellationToken::new(),
            sessions: TaskTracker::new(),
            closers: Default::default(),
        });
        let (to_client, client_rx) = unbounded_channel();
        let (client_tx, from_client) = unbounded_channel();
        tokio::spawn(run(ChannelSocket { to_client, from_client }, node, IpAddr::from([127, 0, 0, 1])));
        (client_tx, client_rx)
    }

    /// Lets every ready task run without moving the paused clock.
    async fn settle() {
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
    }

    fn close_code(message: Option<Message>) -> Option<u16> {
        match message {
            Some(Message::Close(Some(frame))) => Some(frame.code),
            _ => None,
        }
    }

    #[test]
    fn the_sessions_one_timer_follows_the_earliest_of_its_deadlines() {
        let now = tokio::time::Instant::now();
        let at = |secs| now + Duration::from_secs(secs);
        let mut due = Deadlines { heartbeat: at(20), pinged: false, hello: Some(at(10)), token: None };
        assert_eq!(due.next(), at(10), "before hello");
        due.hello = None;
        assert_eq!(due.next(), at(20), "after hello, the heartbeat");
        due.token = Some(at(5));
        assert_eq!(due.next(), at(5), "a token that expires first");
    }

    #[tokio::test(start_paused = true)]
    async fn a_silent_client_is_pinged_after_the_interval_and_closed_after_the_timeout() {
        let (_client_tx, mut client_rx) = connect();
        tokio::time::sleep(INTERVAL - Duration::from_millis(1)).await;
        settle().await;
        assert!(client_rx.try_recv().is_err(), "no ping before the interval");
        tokio::time::sleep(Duration::from_millis(2)).await;
        settle().await;
        assert!(matches!(client_rx.try_recv(), Ok(Message::Ping(_))));
        tokio::time::sleep(TIMEOUT - Duration::from_millis(2)).await;
        settle().await;
        assert!(client_rx.try_recv().is_err(), "still open just before the timeout");
        tokio::time::sleep(Duration::from_millis(2)).await;
        settle().await;
        assert_eq!(close_code(client_rx.recv().await), Some(HEARTBEAT_TIMEOUT));
    }

    #[tokio::test(start_paused = true)]
    async fn any_frame_from_the_client_keeps_the_connection_open() {
        let (client_tx, mut client_rx) = connect();
        for _ in 0..3 {
            tokio::time::sleep(INTERVAL + Duration::from_millis(1)).await;
            settle().await;
            assert!(matches!(client_rx.try_recv(), Ok(Message::Ping(_))));
            tokio::time::sleep(TIMEOUT / 2).await;
            client_tx.send(Ok(Message::Pong(Default::default()))).expect("session alive");
            settle().await;
        }
        // A chat frame counts too, and gets its answer.
        client_tx.send(Ok(Message::text("{\"type\":\"ping\",\"nonce\":1}"))).expect("session alive");
        settle().await;
        assert_eq!(client_rx.try_recv().ok(), Some(Message::text("{\"type\":\"pong\",\"nonce\":1}")));
        tokio::time::sleep(INTERVAL - Duration::from_millis(1)).await;
        settle().await;
        assert!(client_rx.try_recv().is_err(), "no ping while the client was heard from recently");
    }
}
