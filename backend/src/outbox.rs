//! How the rest of the node reaches one session: its bounded outbound queue
//! ([`Outbox`]) and the switch that ends it ([`Closer`]).
//!
//! The hub pushes room messages into outboxes and the session pushes its
//! replies; the session's writer task drains the queue to the socket. A push
//! never waits: a full queue means the client cannot keep up, and it is closed
//! (4000) rather than allowed to hold memory or slow anyone else down.

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::Message;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// A session's bounded outbound queue, and its [`Closer`].
#[derive(Debug, Clone)]
pub struct Outbox {
    queue: mpsc::Sender<Message>,
    closer: Arc<Closer>,
}

/// Ends a session once, remembering the first close code given.
#[derive(Debug, Default)]
pub struct Closer {
    code: AtomicU16,
    token: CancellationToken,
}

impl Closer {
    /// Asks the session to close with `code`; later calls keep the first code.
    pub fn close(&self, code: u16) {
        let _ = self.code.compare_exchange(0, code, Ordering::AcqRel, Ordering::Acquire);
        self.token.cancel();
    }

    pub fn code(&self) -> Option<u16> {
        match self.code.load(Ordering::Acquire) {
            0 => None,
            code => Some(code),
        }
    }

    pub async fn closed(&self) {
        self.token.cancelled().await;
    }
}

/// What a push into an outbox did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Push {
    Queued,
    /// The queue was full: the session has been told to close as too slow.
    Overflowed,
    /// The session is already gone.
    Gone,
}

impl Outbox {
    pub fn new(capacity: usize) -> (Self, mpsc::Receiver<Message>) {
        let (queue, rx) = mpsc::channel(capacity);
        (Outbox { queue, closer: Arc::default() }, rx)
    }

    pub fn closer(&self) -> &Arc<Closer> {
        &self.closer
    }

    /// How many frames the queue holds at most.
    pub fn capacity(&self) -> usize {
        self.queue.max_capacity()
    }

    /// Queues a frame, waiting up to `patience` for room while the writer
    /// drains: for a long run of frames (a room's history) that may exceed
    /// the queue. A client that does not make room in time is closed as too
    /// slow; a session that is closing meanwhile takes nothing more.
    pub async fn push_waiting(&self, message: Message, patience: Duration) -> Push {
        tokio::select! {
            biased;
            () = self.closer.closed() => Push::Gone,
            sent = tokio::time::timeout(patience, self.queue.send(message)) => match sent {
                Ok(Ok(())) => Push::Queued,
                Ok(Err(_)) => Push::Gone,
                Err(_) => {
                    self.closer.close(roomcast_protocol::close::SLOW_CONSUMER);
                    Push::Overflowed
                }
            },
        }
    }

    /// Queues a frame without waiting; a full queue closes the session as too slow.
    pub fn push(&self, message: Message) -> Push {
        match self.queue.try_send(message) {
            Ok(()) => Push::Queued,
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.closer.close(roomcast_protocol::close::SLOW_CONSUMER);
                Push::Overflowed
            }
            Err(mpsc::error::TrySendError::Closed(_)) => Push::Gone,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use roomcast_protocol::close::SLOW_CONSUMER;

    #[test]
    fn the_first_close_code_wins() {
        let closer = Closer::default();
        closer.close(4000);
        closer.close(1012);
        assert_eq!(closer.code(), Some(4000));
    }

    #[tokio::test(start_paused = true)]
    async fn waiting_pushes_pass_as_the_writer_drains_and_close_a_reader_that_stalls() {
        let (outbox, mut rx) = Outbox::new(1);
        assert_eq!(outbox.push_waiting(Message::text("1"), Duration::from_secs(1)).await, Push::Queued);
        let drain = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(500)).await;
            let first = rx.recv().await;
            (first, rx)
        });
        assert_eq!(outbox.push_waiting(Message::text("2"), Duration::from_secs(1)).await, Push::Queued);
        let (first, _rx) = drain.await.unwrap();
        assert_eq!(first, Some(Message::text("1")));
        assert_eq!(outbox.push_waiting(Message::text("3"), Duration::from_secs(1)).await, Push::Overflowed);
        assert_eq!(outbox.closer().code(), Some(SLOW_CONSUMER));
    }

    #[test]
    fn a_full_queue_closes_the_session_as_too_slow_and_a_dropped_one_is_gone() {
        let (outbox, rx) = Outbox::new(1);
        assert_eq!(outbox.push(Message::text("1")), Push::Queued);
        assert_eq!(outbox.push(Message::text("2")), Push::Overflowed);
        assert_eq!(outbox.closer().code(), Some(SLOW_CONSUMER));
        drop(rx);
        assert_eq!(outbox.push(Message::text("3")), Push::Gone);
    }
}
