//! The clients of a run: all connected and joined before anything is
//! measured, then driven through steps. A step publishes for the warm-up and
//! the measured window, samples the processes at the window's edges, waits
//! (bounded) for the last deliveries, and adds up the board.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use futures_util::{StreamExt, TryStreamExt};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::board::{Board, StepLog, Tally, Window};
use crate::clients::{self, Join, Publish, Reader, Ws, WsSink};
use crate::layout::Layout;
use crate::procfs::{self, MachineSample, Sample};

/// How clients connect.
#[derive(Debug, Clone)]
pub struct ConnectPlan {
    pub urls: Vec<String>,
    /// `None` for version 1 hellos.
    pub protocol: Option<u32>,
    pub timeout: Duration,
    pub concurrency: usize,
}

/// Connects and joins every client of `layout` (client `c` to
/// `urls[layout.node_of(c)]`, into `rooms[layout.room_of(c)]`). Returns the
/// sockets in client order and the lowest protocol version spoken.
pub async fn connect_all(
    layout: &Layout,
    rooms: &[String],
    plan: &ConnectPlan,
) -> anyhow::Result<(Vec<Ws>, u32)> {
    let mut joined: Vec<(usize, Ws, u32)> = futures_util::stream::iter(0..layout.clients)
        .map(|client| async move {
            let name = format!("bench-{client}");
            let join = Join {
                url: &plan.urls[layout.node_of(client)],
                name: &name,
                room: &rooms[layout.room_of(client)],
                protocol: plan.protocol,
                receive_buffer: None,
            };
            let (ws, protocol) =
                clients::connect(&join, plan.timeout).await.with_context(|| format!("client {client}"))?;
            anyhow::Ok((client, ws, protocol))
        })
        .buffer_unordered(plan.concurrency)
        .try_collect()
        .await?;
    joined.sort_unstable_by_key(|(client, _, _)| *client);
    let protocol = joined.iter().map(|(_, _, p)| *p).min().unwrap_or(0);
    Ok((joined.into_iter().map(|(_, ws, _)| ws).collect(), protocol))
}

/// The receive buffer of a stalled client: a reader on a slow link, whose
/// window closes after a few kilobytes, so the server meets the stall within
/// a run (over loopback with the system's buffers it would take minutes).
const STALLED_RECEIVE_BUFFER: u32 = 4096;

/// Connects `count` clients into `room` on the first node that will never
/// read: the server's queue for each fills and it closes them as too slow,
/// while the run measures everyone else.
pub async fn connect_stalled(count: usize, room: &str, plan: &ConnectPlan) -> anyhow::Result<Vec<Ws>> {
    let mut stalled = Vec::with_capacity(count);
    for client in 0..count {
        let name = format!("stalled-{client}");
        let join = Join {
            url: &plan.urls[0],
            name: &name,
            room,
            protocol: plan.protocol,
            receive_buffer: Some(STALLED_RECEIVE_BUFFER),
        };
        let (ws, _) =
            clients::connect(&join, plan.timeout).await.with_context(|| format!("stalled {client}"))?;
        stalled.push(ws);
    }
    Ok(stalled)
}

/// How long the stalled clients' sockets are read, at the end, for what the
/// server did with them.
const STALLED_READ_LIMIT: Duration = Duration::from_secs(5);

/// Reads what each stalled client was sent, to the end: the close code the
/// server ended it with (4000 when it closed it as too slow), or `None` for
/// one still open.
pub async fn stalled_outcomes(stalled: Vec<Ws>) -> Vec<Option<u16>> {
    let mut outcomes = Vec::with_capacity(stalled.len());
    for mut ws in stalled {
        let read = async {
            while let Some(Ok(message)) = ws.next().await {
                if let tokio_tungstenite::tungstenite::Message::Close(frame) = message {
                    return frame.map(|frame| u16::from(frame.code));
                }
            }
            None
        };
        outcomes.push(tokio::time::timeout(STALLED_READ_LIMIT, read).await.unwrap_or(None));
    }
    outcomes
}

/// Room names unique to this run, so that a shared server's history of
/// earlier runs never mixes in.
pub fn room_names(rooms: usize) -> Vec<String> {
    let run = rand::random::<u32>();
    (0..rooms).map(|room| format!("b{run:08x}-{room}")).collect()
}

/// The timing of one step.
#[derive(Debug, Clone, Copy)]
pub struct StepPlan {
    pub step: u32,
    pub rate: f64,
    pub payload: usize,
    pub warmup: Duration,
    pub duration: Duration,
    pub drain_timeout: Duration,
}

/// What one step measured.
#[derive(Debug, Clone)]
pub struct StepResult {
    pub plan: StepPlan,
    pub tally: Tally,
    /// The measured window's length as it happened.
    pub window_s: f64,
    /// Each watched process at the window's start and end.
    pub before: Vec<Option<Sample>>,
    pub after: Vec<Option<Sample>>,
    /// The whole machine at the window's start and end.
    pub machine: (Option<MachineSample>, Option<MachineSample>),
    pub disconnects: u64,
    /// Publishers that could not send everything, and why.
    pub publish_errors: Vec<String>,
    /// Whether every expected delivery arrived before the drain timeout.
    pub settled: bool,
}

/// Connected clients with their reader tasks and the publishers' sinks.
pub struct Fleet {
    layout: Arc<Layout>,
    board: Arc<Board>,
    rooms: Vec<String>,
    /// Per publisher: its writing half while no step is running.
    sinks: Vec<Option<WsSink>>,
    prefixes: Vec<u64>,
    stop: CancellationToken,
    readers: Vec<JoinHandle<()>>,
}

impl Fleet {
    /// Starts a reader for every socket; publishers' sockets are split so
    /// that a step can write while the reader reads.
    pub fn start(layout: Arc<Layout>, rooms: Vec<String>, sockets: Vec<Ws>) -> Fleet {
        let idle = Window { start: Instant::now(), end: Instant::now() };
        let board = Arc::new(Board::new(StepLog::new(u32::MAX, idle, layout.clone())));
        let stop = CancellationToken::new();
        let mut sinks: Vec<Option<WsSink>> = (0..layout.publishers()).map(|_| None).collect();
        let mut readers = Vec::with_capacity(sockets.len());
        for (client, ws) in sockets.into_iter().enumerate() {
            let reader = Reader { client, publisher: layout.publisher_at(client) };
            let (board, stop) = (board.clone(), stop.clone());
            let task = match reader.publisher {
                Some(publisher) => {
                    let (sink, stream) = ws.split();
                    sinks[publisher] = Some(sink);
                    tokio::spawn(clients::read(stream, reader, board, stop))
                }
                None => tokio::spawn(clients::read(ws, reader, board, stop)),
            };
            readers.push(task);
        }
        let prefixes = (0..layout.publishers()).map(|_| rand::random()).collect();
        Fleet { layout, board, rooms, sinks, prefixes, stop, readers }
    }

    /// Runs one step and adds it up.
    pub async fn step(&mut self, plan: StepPlan, watched: &[Option<u32>]) -> StepResult {
        let publishers = self.layout.publishers();
        let first = Instant::now() + Duration::from_millis(100);
        let window = Window { start: first + plan.warmup, end: first + plan.warmup + plan.duration };
        let log = Arc::new(StepLog::new(plan.step, window, self.layout.clone()));
        self.board.begin(log.clone());
        let disconnects_before = self.board.disconnects.load(Ordering::Relaxed);

        let period = Duration::from_secs_f64(1.0 / plan.rate);
        let mut running = Vec::with_capacity(publishers);
        for publisher in 0..publishers {
            let Some(sink) = self.sinks[publisher].take() else { continue };
            let publish = Publish {
                publisher,
                room: self.rooms[self.layout.publisher_room(publisher)].clone(),
                prefix: self.prefixes[publisher],
                payload: plan.payload,
                // Staggered, so the publishers do not all send at the same instant.
                first: first + period.mul_f64(publisher as f64 / publishers as f64),
                end: window.end,
                rate: plan.rate,
            };
            running.push((publisher, tokio::spawn(clients::publish(sink, publish, log.clone()))));
        }

        tokio::time::sleep_until(window.start.into()).await;
        let (before, machine_before) = (procfs::sample_all(watched), procfs::machine());
        tokio::time::sleep_until(window.end.into()).await;
        let (after, machine_after) = (procfs::sample_all(watched), procfs::machine());
        let window_s = Instant::now().saturating_duration_since(window.start).as_secs_f64();

        let mut publish_errors = Vec::new();
        for (publisher, task) in running {
            match tokio::time::timeout(plan.drain_timeout, task).await {
                Ok(Ok((sink, outcome))) => {
                    self.sinks[publisher] = Some(sink);
                    if let Err(err) = outcome {
                        publish_errors.push(format!("{err:#}"));
                    }
                }
                Ok(Err(err)) => publish_errors.push(format!("publisher {publisher} task: {err}")),
                Err(_) => publish_errors.push(format!("publisher {publisher} did not finish")),
            }
        }
        let settled = drain(&log, plan.drain_timeout).await;
        StepResult {
            plan,
            tally: log.tally(),
            window_s,
            before,
            after,
            machine: (machine_before, machine_after),
            disconnects: self.board.disconnects.load(Ordering::Relaxed) - disconnects_before,
            publish_errors,
            settled,
        }
    }
}

/// Waits until every send is answered and every expected delivery arrived,
/// or `limit` passes; returns whether it settled.
async fn drain(log: &StepLog, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while !log.settled() {
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    true
}

impl Drop for Fleet {
    fn drop(&mut self) {
        self.stop.cancel();
        self.readers.iter().for_each(JoinHandle::abort);
    }
}
