//! Load tool: starts a release `roomcast-server`, then measures what users pay
//! for. Run with `scripts/bench.sh` (or `cargo run --release --example load`).
//!
//! 1. Memory per idle connection: resident memory of the server before and
//!    after opening `--idle` WebSocket connections that each said hello and
//!    joined a room.
//! 2. Fan-out: `--members` connections in one room, one sender posting
//!    `--messages` messages as fast as the server accepts them; reports
//!    deliveries per second, server CPU time per delivery, and the latency from
//!    send to receipt.

// A command-line tool: its report is its output.
#![allow(clippy::print_stdout)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::builder::TypedValueParser;
use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use roomcast_protocol::{ClientFrame, ServerFrame};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

#[derive(Parser)]
struct Args {
    /// The server binary to measure.
    #[arg(long, default_value = "target/release/roomcast-server")]
    server: PathBuf,
    /// Redis for the server (embedded broker when absent).
    #[arg(long)]
    redis_url: Option<String>,
    /// Idle connections to open for the memory measurement.
    #[arg(long, default_value_t = 2000)]
    idle: usize,
    /// Members of the fan-out room.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..).map(|n| n as usize))]
    members: usize,
    /// Messages the sender posts.
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u32).range(1..).map(|n| n as usize))]
    messages: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    origin();
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let mut server = start_server(&args, port)?;
    let result = measure(&args, port, server.id()).await;
    let _ = server.kill();
    let _ = server.wait();
    result
}

fn start_server(args: &Args, port: u16) -> anyhow::Result<Child> {
    let mut command = Command::new(&args.server);
    command
        .env("BIND", format!("127.0.0.1:{port}"))
        .env("STATIC_DIR", "/nonexistent")
        .env("RUST_LOG", "warn")
        .env("OUTBOUND_QUEUE", "1024")
        .env("SEND_RATE", "1000000")
        .env("SEND_BURST", "1000000")
        .stdout(Stdio::null());
    match &args.redis_url {
        Some(url) => command.env("REDIS_URL", url),
        None => command.env_remove("REDIS_URL"),
    };
    command
        .spawn()
        .with_context(|| format!("cannot start {} (build it with --release)", args.server.display()))
}

async fn measure(args: &Args, port: u16, pid: u32) -> anyhow::Result<()> {
    let url = format!("ws://127.0.0.1:{port}/ws");
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        if Instant::now() > deadline {
            bail!("server did not start listening");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // One warm-up connection, so allocator and runtime start-up costs are in the baseline.
    let warm = member(&url, "warm", "warm-up").await?;
    let before = rss_kib(pid)?;
    let mut idle = Vec::with_capacity(args.idle);
    for i in 0..args.idle {
        idle.push(member(&url, &format!("idle{i}"), &format!("idle-{}", i % 50)).await?);
    }
    let after = rss_kib(pid)?;
    let per_conn = (after.saturating_sub(before)) as f64 * 1024.0 / args.idle.max(1) as f64;
    println!("idle connections: {}  server RSS {before} KiB -> {after} KiB  = {per_conn:.0} bytes per joined idle connection", args.idle);
    drop(idle);
    drop(warm);

    let mut readers = Vec::new();
    for i in 0..args.members {
        let ws = member(&url, &format!("m{i}"), "hot").await?;
        readers.push(tokio::spawn(read_all(ws, args.messages)));
    }
    // The sender keeps at most `WINDOW` messages unconfirmed (its own copy is
    // the confirmation), like a chat client would, instead of flooding.
    const WINDOW: usize = 32;
    let mut sender = member(&url, "sender", "hot").await?;
    let cpu_before = cpu_ticks(pid)?;
    let start = Instant::now();
    let mut in_flight = 0;
    for n in 0..args.messages {
        let stamp = origin().elapsed().as_micros().to_string();
        let frame =
            ClientFrame::Send { room: "hot".into(), client_id: format!("c{n}").into(), text: stamp.into() };
        sender.send(Message::text(frame.encode())).await?;
        in_flight += 1;
        while in_flight >= WINDOW {
            if let ServerFrame::Message(_) = next_frame(&mut sender).await? {
                in_flight -= 1;
            }
        }
    }
    while in_flight > 0 {
        if let ServerFrame::Message(_) = next_frame(&mut sender).await? {
            in_flight -= 1;
        }
    }
    let mut latencies = Vec::new();
    for reader in readers {
        latencies.extend(reader.await??);
    }
    let elapsed = start.elapsed();
    let cpu = cpu_ticks(pid)? - cpu_before;
    let deliveries = (args.members + 1) * args.messages;
    latencies.sort_unstable();
    let pct = |p: f64| latencies[((latencies.len() - 1) as f64 * p) as usize] as f64 / 1000.0;
    let cpu_secs = cpu as f64 / ticks_per_second();
    println!(
        "fan-out: {} members x {} messages = {deliveries} deliveries in {:.2} s = {:.0} deliveries/s; \
         server CPU {:.2} s = {:.2} us per delivery; latency p50 {:.1} ms, p99 {:.1} ms",
        args.members + 1,
        args.messages,
        elapsed.as_secs_f64(),
        deliveries as f64 / elapsed.as_secs_f64(),
        cpu_secs,
        cpu_secs * 1e6 / deliveries as f64,
        pct(0.5),
        pct(0.99),
    );
    Ok(())
}

/// A connection that said hello and joined `room`.
async fn member(url: &str, name: &str, room: &str) -> anyhow::Result<Ws> {
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await?;
    ws.send(Message::text(ClientFrame::hello(name).encode())).await?;
    ws.send(Message::text(ClientFrame::join(room).encode())).await?;
    loop {
        match next_frame(&mut ws).await? {
            ServerFrame::Joined { .. } => return Ok(ws),
            ServerFrame::Error { code, message, .. } => bail!("join failed: {code:?} {message}"),
            _ => {}
        }
    }
}

async fn next_frame<S>(ws: &mut S) -> anyhow::Result<ServerFrame<'static>>
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        match ws.next().await.context("connection closed")?? {
            Message::Text(text) => return Ok(serde_json::from_str(text.as_str())?),
            Message::Close(frame) => bail!("closed by server: {frame:?}"),
            _ => {}
        }
    }
}

/// Reads `count` messages; returns each one's latency in microseconds, taken
/// from the send time the sender wrote into the text.
async fn read_all<S>(mut ws: S, count: usize) -> anyhow::Result<Vec<u64>>
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    let mut latencies = Vec::with_capacity(count);
    while latencies.len() < count {
        if let ServerFrame::Message(message) = next_frame(&mut ws).await? {
            let sent: u64 = message.text.parse()?;
            let now = origin().elapsed().as_micros() as u64;
            latencies.push(now.saturating_sub(sent));
        }
    }
    Ok(latencies)
}

/// The instant all latency stamps count from.
fn origin() -> Instant {
    static ORIGIN: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    *ORIGIN.get_or_init(Instant::now)
}

fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).context("no VmRSS")?;
    Ok(line.split_whitespace().nth(1).context("bad VmRSS")?.parse()?)
}

fn cpu_ticks(pid: u32) -> anyhow::Result<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let after_name = stat.rsplit_once(')').context("bad stat")?.1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    Ok(fields[11].parse::<u64>()? + fields[12].parse::<u64>()?)
}

/// Clock ticks per second in /proc/<pid>/stat (USER_HZ, 100 on Linux).
fn ticks_per_second() -> f64 {
    100.0
}
