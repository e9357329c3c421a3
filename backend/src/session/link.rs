//! A session's socket, read and written from the session's one task.
//!
//! The task owns the whole WebSocket (no split halves, no lock between them)
//! and the session's [`Queue`]. [`Link::poll_event`] first moves what is
//! queued into the socket, every frame already there and then one flush, so
//! a burst costs one system call, and then looks for the client's next
//! frame. While the session handles a frame (a join reading history, a
//! publish waiting for Redis) it keeps calling [`Link::poll_write`], so the
//! client's messages keep flowing meanwhile. [`Link::finish`] ends the
//! connection: when the node is restarting (1012) it first sends what is
//! already queued, within the node's drain limit, so a member loses nothing
//! it was owed; then the close frame with the session's code.
//!
//! One task instead of a reader and a writer saves a task, its span and the
//! lock of a split socket per connection, and a task hop per delivery.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes};
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use prometheus_client::metrics::counter::Counter;
use roomcast_protocol::close::{self, SERVICE_RESTART};

use crate::outbox::Queue;

/// Frames written per flush at most.
const MAX_BATCH: usize = 64;

/// Batches written per wake at most, so one busy connection cannot keep
/// its task (and the thread under it) to itself.
const BATCHES_PER_WAKE: usize = 4;

/// How long the closing handshake may take before the socket is dropped.
pub(super) const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);

/// What the client's side of the link did.
pub(super) enum Event {
    /// A frame, a read error, or `None`: the client closed the stream.
    Frame(Option<Result<Message, axum::Error>>),
    /// Writing failed: the client is gone.
    Broken,
}

pub(super) struct Link<S> {
    socket: S,
    queue: Queue,
    /// Frames handed to the socket since its last flush.
    unflushed: bool,
    /// Writing failed; nothing more is written.
    broken: bool,
    written: Counter,
}

impl<S> Link<S>
where
    S: Sink<Message> + Stream<Item = Result<Message, axum::Error>> + Unpin,
{
    pub(super) fn new(socket: S, queue: Queue, written: Counter) -> Self {
        Link { socket, queue, unflushed: false, broken: false, written }
    }

    /// Writes what is queued; `Ready` only once the socket has failed.
    pub(super) fn poll_write(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if !self.broken && self.write(cx).is_err() {
            self.broken = true;
            // Pushes, also those waiting for room, now find the session gone.
            self.queue.abandon();
        }
        if self.broken {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }

    /// Writes, then reads: the client's next frame, or that it is gone.
    pub(super) fn poll_event(&mut self, cx: &mut Context<'_>) -> Poll<Event> {
        if self.poll_write(cx).is_ready() {
            return Poll::Ready(Event::Broken);
        }
        Pin::new(&mut self.socket).poll_next(cx).map(Event::Frame)
    }

    /// Moves queued frames into the socket in batches, each flushed once,
    /// until the queue or the socket has to wait (their wakers are set).
    fn write(&mut self, cx: &mut Context<'_>) -> Result<(), S::Error> {
        for _ in 0..BATCHES_PER_WAKE {
            if self.unflushed {
                match Pin::new(&mut self.socket).poll_flush(cx) {
                    Poll::Ready(flushed) => flushed?,
                    Poll::Pending => return Ok(()),
                }
                self.unflushed = false;
            }
            let mut frames = 0u64;
            while frames < MAX_BATCH as u64 {
                match Pin::new(&mut self.socket).poll_ready(cx) {
                    Poll::Ready(ready) => ready?,
                    Poll::Pending => break,
                }
                let Poll::Ready(Some(frame)) = self.queue.poll_recv(cx) else { break };
                Pin::new(&mut self.socket).start_send(frame)?;
                frames += 1;
            }
            if frames == 0 {
                return Ok(());
            }
            // Counted before the flush sends them, so the count never trails
            // what a client has already received.
            self.written.inc_by(frames);
            self.unflushed = true;
        }
        // More is waiting: come back after the other tasks had a turn.
        cx.waker().wake_by_ref();
        Ok(())
    }

    /// Ends the connection with `code`: on a restart, sends what is queued
    /// first, for at most `drain`; then the closing handshake: the close
    /// frame, and what the client still sends until its own close frame,
    /// read and dropped, so closing the socket cannot reset the connection
    /// (and throw away the close frame at the client) while the client's
    /// last frames are still unread.
    pub(super) async fn finish(mut self, code: u16, drain: Duration) {
        if self.broken {
            return;
        }
        if code == SERVICE_RESTART {
            let _ = tokio::time::timeout(drain, self.drain_queued()).await;
        }
        let frame = CloseFrame { code, reason: Utf8Bytes::from_static(close::reason(code)) };
        let handshake = async {
            if self.socket.send(Message::Close(Some(frame))).await.is_ok() {
                while let Some(Ok(_)) = self.socket.next().await {}
            }
        };
        let _ = tokio::time::timeout(CLOSE_TIMEOUT, handshake).await;
    }

    /// Writes everything queued now; what arrives later is not waited for
    /// (the session has left its rooms, so little does).
    async fn drain_queued(&mut self) -> Result<(), S::Error> {
        while let Ok(frame) = self.queue.try_recv() {
            self.socket.feed(frame).await?;
            self.written.inc();
        }
        self.socket.flush().await
    }
}
