//! How the rest of the node reaches one session: its bounded outbound queue
//! ([`Outbox`], drained through [`Queue`]) and the switch that ends it
//! ([`Closer`]).
//!
//! The hub pushes room messages into outboxes and the session pushes its
//! replies; the session's task drains the queue to the socket. A push
//! never waits: a full queue means the client cannot keep up, and it is closed
//! (4000) rather than allowed to hold memory or slow anyone else down.
//!
//! The queue is a `VecDeque` behind a mutex (held for a push or a pop, never
//! across an `.await`), rather than a tokio channel: a bounded channel
//! allocates a block of 32 slots for every connection up front, about 1.5 KB
//! that an idle connection never uses, where the deque holds only what waits
//! (and gives back what a burst needed). Its one reader, and the one task a
//! close must reach, are woken through an `AtomicWaker` each: no lock
//! shared between connections, no list of waiters, on the path of every
//! delivery.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use std::task::{Context, Poll};

use axum::extract::ws::Message;
use futures_util::task::AtomicWaker;
use tokio::sync::Notify;

/// A queue that emptied keeps up to this many slots for the next frames;
/// more, left by a burst, go back.
const KEPT_SLOTS: usize = 2;

/// A session's bounded outbound queue, and its [`Closer`].
#[derive(Debug)]
pub struct Outbox {
    shared: Arc<Shared>,
    closer: Arc<Closer>,
}

/// The writer's end of a session's queue.
#[derive(Debug)]
pub struct Queue {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
    capacity: usize,
    /// A frame arrived, or the last outbox went: wakes the reader.
    arrived: AtomicWaker,
    /// A frame left: room for a waiting push.
    left: Notify,
}

#[derive(Debug)]
struct State {
    frames: VecDeque<Message>,
    /// Outboxes alive; at 0 the queue ends once drained.
    outboxes: usize,
    /// The writer's end is gone: pushes are dropped.
    drained_by_nobody: bool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Only queue operations run under it; none can panic halfway.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Queues `message` if there is room; gives it back if not.
    fn try_push(&self, message: Message) -> Result<(), (Message, Push)> {
        let mut state = self.lock();
        if state.drained_by_nobody {
            return Err((message, Push::Gone));
        }
        if state.frames.len() >= self.capacity {
            return Err((message, Push::Overflowed));
        }
        state.frames.push_back(message);
        drop(state);
        self.arrived.wake();
        Ok(())
    }
}

impl Clone for Outbox {
    fn clone(&self) -> Self {
        self.shared.lock().outboxes += 1;
        Outbox { shared: self.shared.clone(), closer: self.closer.clone() }
    }
}

impl Drop for Outbox {
    fn drop(&mut self) {
        let last = {
            let mut state = self.shared.lock();
            state.outboxes -= 1;
            state.outboxes == 0
        };
        if last {
            self.shared.arrived.wake();
        }
    }
}

impl Queue {
    /// The next frame; `None` once every outbox is gone and nothing is left.
    pub async fn recv(&mut self) -> Option<Message> {
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// The next frame, or `Pending` with the task woken by the next push;
    /// `None` once every outbox is gone and nothing is left.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Message>> {
        // What is queued is taken without touching the waker, which every
        // push also touches (from other threads); only an empty queue
        // registers, and then looks once more, so a push after the first
        // look still wakes us.
        if let Some(next) = self.take() {
            return Poll::Ready(next);
        }
        self.shared.arrived.register(cx.waker());
        match self.take() {
            Some(next) => Poll::Ready(next),
            None => Poll::Pending,
        }
    }

    /// The next frame, `Some(None)` when the queue has ended, `None` when it
    /// is empty for now.
    fn take(&mut self) -> Option<Option<Message>> {
        let mut state = self.shared.lock();
        if let Some(message) = state.frames.pop_front() {
            settle(&mut state.frames);
            drop(state);
            self.shared.left.notify_one();
            return Some(Some(message));
        }
        (state.outboxes == 0).then_some(None)
    }

    /// Nobody will write what is queued (the socket broke): drops it, and
    /// later pushes, also those waiting for room, find the session gone.
    pub fn abandon(&mut self) {
        let mut state = self.shared.lock();
        state.drained_by_nobody = true;
        state.frames = VecDeque::new();
        drop(state);
        self.shared.left.notify_waiters();
    }

    /// The next frame if one is queued now.
    pub fn try_recv(&mut self) -> Result<Message, Empty> {
        self.take().flatten().ok_or(Empty)
    }

    /// Frames queued now.
    pub fn len(&self) -> usize {
        self.shared.lock().frames.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Drop for Queue {
    fn drop(&mut self) {
        self.abandon();
    }
}

/// Nothing is queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Empty;

/// An emptied queue gives back what a burst made it grow to.
fn settle(frames: &mut VecDeque<Message>) {
    if frames.is_empty() && frames.capacity() > KEPT_SLOTS {
        frames.shrink_to(KEPT_SLOTS);
    }
}

/// Ends a session once, remembering the first close code given.
#[derive(Debug, Default)]
pub struct Closer {
    code: AtomicU16,
    /// The session's task, which [`Closer::poll_closed`] on every wake.
    session: AtomicWaker,
    /// Anyone else waiting in [`Closer::closed`] (a push waiting for room).
    others: Notify,
}

impl Closer {
    /// Asks the session to close with `code`; later calls keep the first code.
    pub fn close(&self, code: u16) {
        let _ = self.code.compare_exchange(0, code, Ordering::AcqRel, Ordering::Acquire);
        self.session.wake();
        self.others.notify_waiters();
    }

    /// Ready once the session is asked to close. For the session's own task
    /// only (it keeps one waker): it costs two atomic operations, no lock.
    pub fn poll_closed(&self, cx: &mut Context<'_>) -> Poll<()> {
        self.session.register(cx.waker());
        match self.code() {
            Some(_) => Poll::Ready(()),
            None => Poll::Pending,
        }
    }

    pub fn code(&self) -> Option<u16> {
        match self.code.load(Ordering::Acquire) {
            0 => None,
            code => Some(code),
        }
    }

    /// Waits until the session is asked to close; any task may wait here.
    pub async fn closed(&self) {
        loop {
            // Made before the look, so a close after the look still wakes it.
            let notified = self.others.notified();
            if self.code().is_some() {
                return;
            }
            notified.await;
        }
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
    pub fn new(capacity: usize) -> (Self, Queue) {
        let shared = Arc::new(Shared {
            state: Mutex::new(State { frames: VecDeque::new(), outboxes: 1, drained_by_nobody: false }),
            capacity: capacity.max(1),
            arrived: AtomicWaker::new(),
            left: Notify::new(),
        });
        (Outbox { shared: shared.clone(), closer: Arc::default() }, Queue { shared })
    }

    pub fn closer(&self) -> &Arc<Closer> {
        &self.closer
    }

    /// How many frames the queue holds at most.
    pub fn capacity(&self) -> usize {
        self.shared.capacity
    }

    /// Queues a frame, waiting up to `patience` for room while the writer
    /// drains: for a long run of frames (a room's history) that may exceed
    /// the queue. A client that does not make room in time is closed as too
    /// slow; a session that is closing meanwhile takes nothing more.
    pub async fn push_waiting(&self, message: Message, patience: Duration) -> Push {
        let deadline = tokio::time::Instant::now() + patience;
        let mut message = message;
        loop {
            let room = self.shared.left.notified();
            match self.shared.try_push(message) {
                Ok(()) => return Push::Queued,
                Err((_, Push::Gone)) => return Push::Gone,
                Err((back, _)) => message = back,
            }
            tokio::select! {
                biased;
                () = self.closer.closed() => return Push::Gone,
                () = room => {}
                () = tokio::time::sleep_until(deadline) => {
                    self.closer.close(roomcast_protocol::close::SLOW_CONSUMER);
                    return Push::Overflowed;
                }
            }
        }
    }

    /// Queues a frame without waiting; a full queue closes the session as too slow.
    pub fn push(&self, message: Message) -> Push {
        match self.shared.try_push(message) {
            Ok(()) => Push::Queued,
            Err((_, Push::Overflowed)) => {
                self.closer.close(roomcast_protocol::close::SLOW_CONSUMER);
                Push::Overflowed
            }
            Err((_, outcome)) => outcome,
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
        assert_eq!(rx.len(), 1, "the frame that did not fit is not kept");
        assert_eq!(outbox.closer().code(), Some(SLOW_CONSUMER));
        drop(rx);
        assert_eq!(outbox.push(Message::text("3")), Push::Gone);
    }

    #[tokio::test]
    async fn the_queue_ends_when_every_outbox_is_gone_and_after_what_they_left() {
        let (outbox, mut queue) = Outbox::new(4);
        let copy = outbox.clone();
        assert_eq!(copy.push(Message::text("1")), Push::Queued);
        drop(outbox);
        let waiting = tokio::spawn(async move {
            let first = queue.recv().await;
            let second = queue.recv().await;
            let third = queue.recv().await;
            (first, second, third)
        });
        assert_eq!(copy.push(Message::text("2")), Push::Queued);
        drop(copy);
        let (first, second, third) = waiting.await.unwrap();
        assert_eq!((first, second, third), (Some(Message::text("1")), Some(Message::text("2")), None));
    }

    #[test]
    fn a_queue_that_emptied_after_a_burst_gives_its_room_back() {
        let (outbox, mut queue) = Outbox::new(256);
        for n in 0..200 {
            assert_eq!(outbox.push(Message::text(n.to_string())), Push::Queued);
        }
        while queue.try_recv().is_ok() {}
        assert!(queue.shared.lock().frames.capacity() <= KEPT_SLOTS);
        assert_eq!(Outbox::new(256).1.shared.lock().frames.capacity(), 0, "a new queue holds nothing");
    }
}
