//! A session's writer: the task that owns the socket's sending half and
//! drains the session's [`Outbox`](crate::outbox::Outbox) queue into it.
//!
//! It writes every frame already queued and flushes once, so a burst costs
//! one system call. When the session is told to close it stops, except when
//! the node is restarting (1012): then it first sends what is already queued,
//! within the node's drain limit, so a member loses nothing it was owed.
//! Either way it ends with a close frame carrying the session's close code.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes};
use futures_util::{Sink, SinkExt};
use prometheus_client::metrics::counter::Counter;
use roomcast_protocol::close::{self, SERVICE_RESTART};

use crate::outbox::{Closer, Queue};

/// Frames written per flush at most, so one busy connection cannot hold its
/// writer in a single batch forever.
const MAX_BATCH: usize = 64;

/// How long the closing handshake may take before the socket is dropped.
pub(super) const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);

pub(super) async fn run<S>(
    mut sink: S,
    mut queue: Queue,
    closer: Arc<Closer>,
    drain: Duration,
    written: Counter,
) where
    S: Sink<Message> + Unpin,
{
    let deadline = loop {
        tokio::select! {
            biased;
            () = closer.closed() => break tokio::time::Instant::now() + drain,
            next = queue.recv() => {
                let Some(first) = next else { break tokio::time::Instant::now() };
                let batch = async { write_batch(&mut sink, first, &mut queue, &written).await.is_ok() };
                tokio::pin!(batch);
                let written = tokio::select! {
                    biased;
                    written = &mut batch => written,
                    () = closer.closed() => {
                        // A restart still finishes the batch in hand; other
                        // closes give up on it.
                        if closer.code() != Some(SERVICE_RESTART) {
                            break tokio::time::Instant::now();
                        }
                        let deadline = tokio::time::Instant::now() + drain;
                        match tokio::time::timeout_at(deadline, &mut batch).await {
                            Ok(written) => written,
                            Err(_) => break deadline,
                        }
                    }
                };
                if !written {
                    // The peer is gone; nothing more can be sent.
                    return;
                }
            }
        }
    };
    let code = closer.code().unwrap_or(1000);
    if code == SERVICE_RESTART {
        let _ = tokio::time::timeout_at(deadline, drain_queued(&mut sink, &mut queue, &written)).await;
    }
    let frame = CloseFrame { code, reason: Utf8Bytes::from_static(close::reason(code)) };
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, sink.send(Message::Close(Some(frame)))).await;
}

/// Writes `first` and whatever else is already queued, then flushes once.
async fn write_batch<S>(
    sink: &mut S,
    first: Message,
    queue: &mut Queue,
    written: &Counter,
) -> Result<(), S::Error>
where
    S: Sink<Message> + Unpin,
{
    sink.feed(first).await?;
    let mut frames = 1;
    for _ in 1..MAX_BATCH {
        match queue.try_recv() {
            Ok(next) => sink.feed(next).await?,
            Err(_) => break,
        }
        frames += 1;
    }
    // Counted before the flush sends them, so the count never trails what a
    // client has already received.
    written.inc_by(frames);
    sink.flush().await
}

/// Writes everything queued now, in batches; what arrives later is not
/// waited for (the session has left its rooms, so little does).
async fn drain_queued<S>(sink: &mut S, queue: &mut Queue, written: &Counter) -> Result<(), S::Error>
where
    S: Sink<Message> + Unpin,
{
    let mut left = queue.len();
    while left > 0 {
        let Ok(first) = queue.try_recv() else { break };
        let before = queue.len();
        write_batch(sink, first, queue, written).await?;
        left = left.saturating_sub(1 + before.saturating_sub(queue.len()));
    }
    Ok(())
}
