//! One client connection.
//!
//! A session is two tasks. The writer owns the socket's sending half and is
//! fed by the session's bounded [`Outbox`]; it writes every frame already
//! queued and flushes once, so a burst costs one system call. The reader owns
//! the receiving half and handles client frames one at a time, which keeps a
//! sender's messages in the order it sent them; it also pings an idle client
//! and ends the session on shutdown, on a close request, or when the client
//! stops answering. Either side ends the session through its [`Closer`], whose
//! first close code is what the client is told.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes};
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use roomcast_protocol::close::{HEARTBEAT_TIMEOUT, MESSAGE_TOO_BIG, SERVICE_RESTART, SLOW_CONSUMER};
use roomcast_protocol::limits::MAX_TEXT_CHARS;
use roomcast_protocol::{
    ClientFrame, ClientMsgId, DisplayName, ErrorCode, MessageText, RoomName, ServerFrame,
};
use tokio::sync::mpsc;
use tracing::{debug, info, info_span, warn, Instrument};

use crate::app::Node;
use crate::broker::Envelope;
use crate::hub::{Closer, Outbox, SessionId};
use crate::rate::TokenBucket;

/// Frames written per flush at most, so one busy connection cannot hold its
/// writer in a single batch forever.
const MAX_BATCH: usize = 64;

/// How long the closing handshake may take before the socket is dropped.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);

/// Runs a session over any socket-like pair (axum's `WebSocket` in the server).
pub async fn run<S>(socket: S, node: Arc<Node>)
where
    S: Sink<Message> + Stream<Item = Result<Message, axum::Error>> + Send + 'static,
{
    let id = node.registry.next_session_id();
    let span = info_span!("session", conn_id = id, node = %node.name);
    async move {
        let (sink, stream) = socket.split();
        let (outbox, queue) = Outbox::new(node.settings.outbound_queue);
        let closer = outbox.closer().clone();
        let writer = tokio::spawn(write_loop(sink, queue, closer.clone()).in_current_span());
        let sends = TokenBucket::new(node.settings.send_rate, node.settings.send_burst, Instant::now());
        let mut session = Session { id, node, outbox, name: None, rooms: HashSet::new(), sends };
        debug!("connected");
        session.read_loop(stream).await;
        session.leave_all();
        closer.close(1000);
        drop(session);
        let _ = writer.await;
        match closer.code() {
            Some(code @ (SLOW_CONSUMER | HEARTBEAT_TIMEOUT | MESSAGE_TOO_BIG)) => {
                info!(code, reason = close_reason(code), "disconnected by the server");
            }
            code => debug!(code, "disconnected"),
        }
    }
    .instrument(span)
    .await;
}

struct Session {
    id: SessionId,
    node: Arc<Node>,
    outbox: Outbox,
    /// Set by `hello`; required before `join` and `send`.
    name: Option<DisplayName>,
    /// Rooms this session is a member of (mirrors the registry).
    rooms: HashSet<RoomName>,
    /// Limits how fast this connection may post.
    sends: TokenBucket,
}

impl Session {
    async fn read_loop<R>(&mut self, mut stream: R)
    where
        R: Stream<Item = Result<Message, axum::Error>> + Unpin,
    {
        let closer = self.outbox.closer().clone();
        let ping_interval = self.node.settings.ping_interval;
        let silence_limit = ping_interval + self.node.settings.ping_timeout;
        let mut heartbeat =
            tokio::time::interval_at(tokio::time::Instant::now() + ping_interval, ping_interval);
        heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_heard = Instant::now();
        loop {
            tokio::select! {
                biased;
                () = closer.closed() => return,
                () = self.node.shutdown.cancelled() => {
                    closer.close(SERVICE_RESTART);
                    return;
                }
                _ = heartbeat.tick() => {
                    let silent = last_heard.elapsed();
                    if silent >= silence_limit {
                        debug!(?silent, "client stopped answering pings");
                        closer.close(HEARTBEAT_TIMEOUT);
                        return;
                    }
                    if silent >= ping_interval {
                        self.outbox.push(Message::Ping(Default::default()));
                    }
                }
                frame = stream.next() => {
                    last_heard = Instant::now();
                    match frame {
                        Some(Ok(Message::Close(_))) | None => return,
                        // Boxed: handling a frame (a join, a publish) needs far
                        // more future state than waiting does, and an idle
                        // connection should not carry that size around.
                        Some(Ok(message)) => Box::pin(self.handle_message(message)).await,
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
            Message::Binary(_) => self.fail(
                ErrorCode::BinaryNotSupported,
                "binary frames are not part of the protocol; send JSON text frames",
                None,
                None,
            ),
            Message::Ping(_) | Message::Pong(_) | Message::Close(_) => {}
        }
    }

    async fn handle_text(&mut self, text: &Utf8Bytes) {
        match ClientFrame::decode(text.as_str()) {
            Err(err) => self.fail(err.code(), err.to_string(), None, None),
            Ok(ClientFrame::Hello { name }) => self.hello(&name),
            Ok(ClientFrame::Join { room }) => self.join(&room).await,
            Ok(ClientFrame::Leave { room }) => self.leave(&room),
            Ok(ClientFrame::Send { room, client_id, text }) => self.post(&room, &client_id, &text).await,
            Ok(ClientFrame::Ping { nonce }) => self.reply(&ServerFrame::Pong { nonce }),
        }
    }

    fn hello(&mut self, raw: &str) {
        match DisplayName::parse(raw) {
            Ok(name) => {
                self.reply(&ServerFrame::Welcome {
                    name: Cow::Borrowed(name.as_str()),
                    node: Cow::Borrowed(&self.node.name),
                    max_rooms: self.node.settings.max_rooms,
                    max_text_chars: MAX_TEXT_CHARS,
                });
                self.name = Some(name);
            }
            Err(err) => self.fail(err.code(), err.to_string(), None, None),
        }
    }

    async fn join(&mut self, raw: &str) {
        if self.name.is_none() {
            return self.fail(
                ErrorCode::NameRequired,
                "send hello with a display name before joining",
                Some(raw),
                None,
            );
        }
        let room = match RoomName::parse(raw) {
            Ok(room) => room,
            Err(err) => return self.fail(err.code(), err.to_string(), Some(raw), None),
        };
        if !self.rooms.contains(&room) {
            let max = self.node.settings.max_rooms;
            if self.rooms.len() >= max {
                let message = format!("a connection can be in at most {max} rooms; leave one first");
                return self.fail(ErrorCode::TooManyRooms, message, Some(room.as_str()), None);
            }
            self.node.registry.join(&room, self.id, self.outbox.clone());
            self.rooms.insert(room.clone());
            if !self.node.registry.wait_active(&room, self.node.settings.join_timeout).await {
                self.rooms.remove(&room);
                self.node.registry.leave(&room, self.id);
                let message = "cannot join now: the message bus is unreachable; try again shortly";
                return self.fail(ErrorCode::Unavailable, message, Some(room.as_str()), None);
            }
        }
        self.reply(&ServerFrame::Joined { room: Cow::Borrowed(room.as_str()) });
    }

    fn leave(&mut self, raw: &str) {
        let room = match RoomName::parse(raw) {
            Ok(room) => room,
            Err(err) => return self.fail(err.code(), err.to_string(), Some(raw), None),
        };
        if !self.rooms.remove(&room) {
            return self.fail(ErrorCode::NotJoined, "you are not in this room", Some(room.as_str()), None);
        }
        self.node.registry.leave(&room, self.id);
        self.reply(&ServerFrame::Left { room: Cow::Borrowed(room.as_str()) });
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
        let checked = ClientMsgId::parse(raw_client_id).map(drop).and_then(|()| MessageText::check(text));
        if let Err(err) = checked {
            return self.fail(err.code(), err.to_string(), Some(room.as_str()), client_id);
        }
        if !self.sends.try_take(Instant::now()) {
            let rate = self.node.settings.send_rate;
            let message = format!("slow down: at most {rate} messages per second; this one was not sent");
            return self.fail(ErrorCode::RateLimited, message, Some(room.as_str()), client_id);
        }
        let envelope = Envelope {
            origin: self.node.origin,
            session: self.id,
            client_id: Cow::Borrowed(raw_client_id),
            author: Cow::Borrowed(name.as_str()),
            text: Cow::Borrowed(text),
        };
        if let Err(err) = self.node.broker.publish(&room, &envelope).await {
            warn!(%room, cause = %err, "publish failed");
            let message = "message not sent: the message bus is unreachable; try again";
            self.fail(ErrorCode::Unavailable, message, Some(room.as_str()), client_id);
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
        self.reply(&ServerFrame::Error {
            code,
            message: message.into(),
            room: room.map(|r| Cow::Owned(clip(r))),
            client_id: client_id.map(|c| Cow::Owned(clip(c))),
        });
    }

    /// Removes the session from every room (the node unsubscribes from rooms
    /// it no longer needs).
    fn leave_all(&mut self) {
        for room in self.rooms.drain() {
            self.node.registry.leave(&room, self.id);
        }
    }
}

/// Echoes of client input in error frames are cut short, so a bad frame
/// cannot make the server send back something large.
fn clip(input: &str) -> String {
    input.chars().take(64).collect()
}

async fn write_loop<S>(sink: S, mut queue: mpsc::Receiver<Message>, closer: Arc<Closer>)
where
    S: Sink<Message> + Unpin,
{
    let mut sink = sink;
    loop {
        tokio::select! {
            biased;
            () = closer.closed() => break,
            next = queue.recv() => {
                let Some(first) = next else { break };
                tokio::select! {
                    biased;
                    () = closer.closed() => break,
                    written = write_batch(&mut sink, first, &mut queue) => {
                        if written.is_err() {
                            // The peer is gone; nothing more can be sent.
                            return;
                        }
                    }
                }
            }
        }
    }
    let code = closer.code().unwrap_or(1000);
    let frame = CloseFrame { code, reason: Utf8Bytes::from_static(close_reason(code)) };
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, sink.send(Message::Close(Some(frame)))).await;
}

/// Writes `first` and whatever else is already queued, then flushes once.
async fn write_batch<S>(
    sink: &mut S,
    first: Message,
    queue: &mut mpsc::Receiver<Message>,
) -> Result<(), S::Error>
where
    S: Sink<Message> + Unpin,
{
    sink.feed(first).await?;
    for _ in 1..MAX_BATCH {
        match queue.try_recv() {
            Ok(next) => sink.feed(next).await?,
            Err(_) => break,
        }
    }
    sink.flush().await
}

fn close_reason(code: u16) -> &'static str {
    match code {
        SERVICE_RESTART => "server restarting; reconnect",
        SLOW_CONSUMER => "too slow to keep up; reconnect",
        HEARTBEAT_TIMEOUT => "no answer to pings",
        MESSAGE_TOO_BIG => "frame too large",
        _ => "",
    }
}
