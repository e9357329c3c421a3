//! The subscription's deliveries, spread over fan-out workers by room.
//!
//! The subscription task only reads: each room message it receives goes to
//! the worker that owns the room (a hash of its name), through a bounded
//! queue, and the worker hands it to the hub. One room's messages so keep
//! their order (one worker, one queue), while a room whose fan-out is slow
//! (thousands of members) holds up only the rooms that share its worker, and
//! only until that worker's queue is full.
//!
//! A full queue never makes the subscription task wait, so it never holds
//! up the other workers: the room is marked *behind* instead. From then on
//! its live messages are dropped, unseen by anyone, until the worker gets to
//! it; the worker then takes the mark off (live messages flow again) and only
//! after that reads from the room's history everything past where the node's
//! members stand. Every message dropped was published before the mark came
//! off, so the history read has it; every message after is delivered live;
//! the hub's position check drops what comes both ways. A room caught up after a
//! lost subscription takes the same path.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, MutexGuard};

use redis::Msg;
use roomcast_protocol::RoomName;
use tokio::sync::mpsc;

/// What a worker is sent.
#[derive(Debug)]
pub(super) enum Work {
    /// A message on a room's channel, still in its wire form.
    Deliver(RoomName, Msg),
    /// A room of this worker was marked behind while the worker was idle.
    CatchUp,
}

/// The senders' side: which worker a room belongs to, and which rooms are behind.
#[derive(Debug)]
pub(super) struct Fanout {
    shards: Vec<Shard>,
}

#[derive(Debug)]
struct Shard {
    queue: mpsc::Sender<Work>,
    /// Rooms whose live messages are dropped until the worker catches them up.
    behind: Arc<Mutex<HashSet<RoomName>>>,
}

/// One worker's side: its queue, and the rooms it has to catch up.
#[derive(Debug)]
pub(super) struct Worker {
    pub(super) queue: mpsc::Receiver<Work>,
    behind: Arc<Mutex<HashSet<RoomName>>>,
}

/// What [`Fanout::send`] did with a message.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Sent {
    Queued,
    /// The room is behind: the worker will catch it up from history.
    Dropped,
    /// The queue was full: the room is behind from now on.
    Overflowed,
}

impl Fanout {
    /// `workers` workers (at least one), each with a queue of `capacity` messages.
    pub(super) fn new(workers: usize, capacity: usize) -> (Fanout, Vec<Worker>) {
        let (shards, workers) = (0..workers.max(1))
            .map(|_| {
                let (tx, rx) = mpsc::channel(capacity.max(1));
                let behind = Arc::<Mutex<HashSet<RoomName>>>::default();
                (Shard { queue: tx, behind: behind.clone() }, Worker { queue: rx, behind })
            })
            .unzip();
        (Fanout { shards }, workers)
    }

    fn shard(&self, room: &RoomName) -> &Shard {
        let mut hasher = DefaultHasher::new();
        room.hash(&mut hasher);
        let index = (hasher.finish() % self.shards.len() as u64) as usize;
        &self.shards[index]
    }

    /// Queues a room message for its worker, never waiting.
    pub(super) fn send(&self, room: RoomName, message: Msg) -> Sent {
        let shard = self.shard(&room);
        let mut behind = lock(&shard.behind);
        if behind.contains(&room) {
            return Sent::Dropped;
        }
        match shard.queue.try_send(Work::Deliver(room, message)) {
            Ok(()) => Sent::Queued,
            Err(mpsc::error::TrySendError::Full(Work::Deliver(room, _))) => {
                // The worker is busy: it looks at the marks after its
                // current message, so it needs no wake-up.
                behind.insert(room);
                Sent::Overflowed
            }
            // The worker stopped (the node is stopping).
            Err(_) => Sent::Dropped,
        }
    }

    /// Marks `room` to be caught up from history by its worker.
    pub(super) fn mark_behind(&self, room: &RoomName) {
        let shard = self.shard(room);
        if lock(&shard.behind).insert(room.clone()) {
            // An idle worker waits on its queue; a full one looks anyway.
            let _ = shard.queue.try_send(Work::CatchUp);
        }
    }
}

impl Worker {
    /// The rooms to catch up now, their marks taken off: from here on their
    /// live messages are queued again, so the history must be read after
    /// this. A room that is not `ready` keeps its mark; the second value
    /// says whether any room is still marked, for the worker to look again
    /// after a pause even when no message comes. Readiness is asked outside
    /// the lock, which the subscription task takes for every message.
    pub(super) fn take_behind(&self, ready: impl Fn(&RoomName) -> bool) -> (Vec<RoomName>, bool) {
        let marked: Vec<RoomName> = {
            let behind = lock(&self.behind);
            if behind.is_empty() {
                return (Vec::new(), false);
            }
            behind.iter().cloned().collect()
        };
        let ready: Vec<RoomName> = marked.into_iter().filter(|room| ready(room)).collect();
        let mut behind = lock(&self.behind);
        for room in &ready {
            behind.remove(room);
        }
        let left = !behind.is_empty();
        (ready, left)
    }

    /// Marks `room` behind again, without a wake-up: its catch-up failed.
    pub(super) fn put_back(&self, room: RoomName) {
        lock(&self.behind).insert(room);
    }
}

fn lock(set: &Mutex<HashSet<RoomName>>) -> MutexGuard<'_, HashSet<RoomName>> {
    // Only inserts and removals happen under it.
    set.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn room(name: &str) -> RoomName {
        RoomName::parse(name).unwrap()
    }

    fn message(payload: &str) -> Msg {
        let value = redis::Value::Array(vec![
            redis::Value::BulkString(b"message".to_vec()),
            redis::Value::BulkString(b"roomcast:room:{x}".to_vec()),
            redis::Value::BulkString(payload.as_bytes().to_vec()),
        ]);
        Msg::from_value(&value).expect("a pub/sub message")
    }

    fn delivered(worker: &mut Worker) -> Vec<String> {
        std::iter::from_fn(|| worker.queue.try_recv().ok())
            .filter_map(|work| match work {
                Work::Deliver(room, msg) => {
                    Some(format!("{room} {}", String::from_utf8_lossy(msg.get_payload_bytes())))
                }
                Work::CatchUp => None,
            })
            .collect()
    }

    #[test]
    fn a_rooms_messages_all_go_to_one_worker_in_order() {
        let (fanout, mut workers) = Fanout::new(4, 16);
        for n in 0..5 {
            assert_eq!(fanout.send(room("x"), message(&n.to_string())), Sent::Queued);
        }
        let mut seen: Vec<Vec<String>> = workers.iter_mut().map(delivered).collect();
        seen.retain(|got| !got.is_empty());
        assert_eq!(seen, vec![vec!["x 0", "x 1", "x 2", "x 3", "x 4"]]);
    }

    #[test]
    fn a_full_queue_marks_the_room_behind_and_drops_its_messages_until_the_worker_takes_the_mark() {
        let (fanout, mut workers) = Fanout::new(1, 2);
        let worker = &mut workers[0];
        assert_eq!(fanout.send(room("x"), message("1")), Sent::Queued);
        assert_eq!(fanout.send(room("y"), message("1")), Sent::Queued);
        assert_eq!(fanout.send(room("x"), message("2")), Sent::Overflowed);
        assert_eq!(delivered(worker), vec!["x 1", "y 1"]);
        assert_eq!(fanout.send(room("x"), message("3")), Sent::Dropped, "room x stays behind");
        assert_eq!(fanout.send(room("y"), message("2")), Sent::Queued, "room y is not behind");
        assert_eq!(worker.take_behind(|_| true), (vec![room("x")], false));
        assert_eq!(fanout.send(room("x"), message("4")), Sent::Queued, "live again once taken");
        assert_eq!(delivered(worker), vec!["y 2", "x 4"]);
        assert_eq!(worker.take_behind(|_| true), (vec![], false));
    }

    #[test]
    fn marking_a_room_behind_wakes_its_idle_worker_once() {
        let (fanout, mut workers) = Fanout::new(1, 8);
        fanout.mark_behind(&room("x"));
        fanout.mark_behind(&room("x"));
        assert!(matches!(workers[0].queue.try_recv(), Ok(Work::CatchUp)));
        assert!(workers[0].queue.try_recv().is_err());
        assert_eq!(workers[0].take_behind(|_| false), (vec![], true), "not ready: kept");
        assert_eq!(fanout.send(room("x"), message("1")), Sent::Dropped);
        assert_eq!(workers[0].take_behind(|_| true), (vec![room("x")], false));
    }
}
