//! The command line. Every option can also come from a `BENCH_*` environment
//! variable; the defaults are the reference scenario of docs/performance.md.

use std::path::PathBuf;
use std::time::Duration;

use clap::builder::TypedValueParser;
use clap::{Parser, ValueEnum};
use roomcast_protocol::PROTOCOL_VERSION;

#[derive(Debug, Clone, Parser)]
#[command(
    name = "roomcast-bench",
    about = "Reference load tool for Roomcast: deliveries/s, loss, latency, and each node's CPU and memory",
    after_help = "Without --url it starts the nodes itself (--spawn-nodes, by default on a private redis-server) \
                  and stops them when it ends."
)]
pub struct Args {
    /// What to measure.
    #[arg(long, env = "BENCH_MODE", value_enum, default_value_t = Mode::Run)]
    pub mode: Mode,

    /// Nodes to load, e.g. ws://127.0.0.1:8080/ws (repeat for more; clients
    /// are spread over them round-robin). Without it the bench starts nodes.
    /// Start given nodes with SEND_RATE, ROOM_SEND_RATE, ADDRESS_SEND_RATE and
    /// MAX_CONNECTIONS_PER_ADDRESS above what the scenario needs: every client
    /// comes from one address.
    #[arg(long = "url", env = "BENCH_URLS", value_delimiter = ',')]
    pub urls: Vec<String>,

    /// PIDs of the --url nodes, in the same order, for their CPU and memory.
    #[arg(long = "pid", env = "BENCH_PIDS", value_delimiter = ',', requires = "urls")]
    pub pids: Vec<u32>,

    /// Nodes to start when no --url is given.
    #[arg(long, env = "BENCH_SPAWN_NODES", default_value_t = 2, conflicts_with = "urls",
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub spawn_nodes: u16,

    /// The server binary to start (default: roomcast-server beside this binary).
    #[arg(long, env = "BENCH_SERVER", conflicts_with = "urls")]
    pub server: Option<PathBuf>,

    /// Start a private redis-server (from PATH) on a free port for the nodes.
    /// This is the default when the bench starts the nodes.
    #[arg(long, conflicts_with_all = ["redis_url", "embedded", "urls"])]
    pub redis: bool,

    /// Give the started nodes this Redis instead of a private one.
    #[arg(long, env = "BENCH_REDIS_URL", conflicts_with_all = ["embedded", "urls"])]
    pub redis_url: Option<String>,

    /// Start the nodes without Redis (the embedded broker; one node only).
    #[arg(long, conflicts_with = "urls")]
    pub embedded: bool,

    /// Extra environment for the started nodes, KEY=VALUE (repeat for more).
    #[arg(long = "node-env", value_parser = parse_key_value)]
    pub node_env: Vec<(String, String)>,

    /// Connected clients; each joins one room.
    #[arg(long, env = "BENCH_CLIENTS", default_value_t = 1000)]
    pub clients: usize,

    /// Rooms the clients are spread over.
    #[arg(long, env = "BENCH_ROOMS", default_value_t = 10)]
    pub rooms: usize,

    /// Clients that also publish, spread over the rooms.
    #[arg(long, env = "BENCH_PUBLISHERS", default_value_t = 10)]
    pub publishers: usize,

    /// Messages per second per publisher (the first step's rate in a ramp).
    #[arg(long, env = "BENCH_RATE", default_value_t = 20.0, value_parser = parse_rate)]
    pub rate: f64,

    /// Bytes of message text (at least the stamp the bench writes, about 30).
    #[arg(long, env = "BENCH_PAYLOAD", default_value_t = 100,
          value_parser = clap::value_parser!(u16).range(1..=2000).map(usize::from))]
    pub payload: usize,

    /// Measured time (per step in a ramp).
    #[arg(long, env = "BENCH_DURATION", default_value = "10s", value_parser = parse_duration)]
    pub duration: Duration,

    /// Publishing before the measured time starts (per step in a ramp).
    #[arg(long, env = "BENCH_WARMUP", default_value = "2s", value_parser = parse_duration)]
    pub warmup: Duration,

    /// Longest wait, after publishing stops, for the last deliveries.
    #[arg(long, env = "BENCH_DRAIN_TIMEOUT", default_value = "5s", value_parser = parse_duration)]
    pub drain_timeout: Duration,

    /// Longest wait for one client to connect, say hello and join.
    #[arg(long, env = "BENCH_CONNECT_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub connect_timeout: Duration,

    /// Clients connecting at the same time.
    #[arg(long, env = "BENCH_CONNECT_CONCURRENCY", default_value_t = 64,
          value_parser = clap::value_parser!(u16).range(1..).map(usize::from))]
    pub connect_concurrency: usize,

    /// Protocol version the clients offer in `hello` (1: no `protocol` field,
    /// as version 1 clients do).
    #[arg(long, env = "BENCH_PROTOCOL", default_value_t = PROTOCOL_VERSION,
          value_parser = clap::value_parser!(u32).range(1..=PROTOCOL_VERSION as i64))]
    pub protocol: u32,

    /// Clients that join the first room on the first node besides the
    /// others, and then never read, over a socket with a 4 KiB receive
    /// buffer (a slow link): what one stalled reader does to everyone
    /// else's latency. They are not counted in the deliveries.
    #[arg(long, env = "BENCH_STALLED", default_value_t = 0)]
    pub stalled: usize,

    /// Idle mode: joined connections to open.
    #[arg(long, env = "BENCH_IDLE", default_value_t = 2000)]
    pub idle: usize,

    /// Ramp mode: factor between steps' rates.
    #[arg(long, env = "BENCH_RAMP_FACTOR", default_value_t = 1.25, value_parser = parse_rate)]
    pub ramp_factor: f64,

    /// Ramp mode: a step whose p99 latency is above this many ms breaks the ramp.
    #[arg(long, env = "BENCH_RAMP_P99_MS", default_value_t = 100.0, value_parser = parse_rate)]
    pub ramp_p99_ms: f64,

    /// Ramp mode: most steps.
    #[arg(long, env = "BENCH_RAMP_STEPS", default_value_t = 15,
          value_parser = clap::value_parser!(u32).range(1..=100))]
    pub ramp_steps: u32,

    /// Exit with failure when a run loses, duplicates, reorders or misroutes
    /// a delivery, a send is refused or a client is dropped (for CI).
    #[arg(long, env = "BENCH_STRICT")]
    pub strict: bool,

    /// A label copied into every JSON line (for example the server's commit).
    #[arg(long, env = "BENCH_LABEL", default_value = "")]
    pub label: String,

    /// Where the report goes: `both` writes JSON lines to stdout and a table
    /// to stderr; `json` and `table` write only that, to stdout.
    #[arg(long, env = "BENCH_FORMAT", value_enum, default_value_t = Format::Both)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    /// Publish at --rate for --warmup, then --duration measured.
    Run,
    /// Steps of --rate × --ramp-factor^n until p99 > --ramp-p99-ms or anything is lost.
    Ramp,
    /// Open --idle joined connections and hold them: memory per connection and connect+join time.
    Idle,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Both,
    Json,
    Table,
}

impl Args {
    /// The broker the started nodes use, as the report names it.
    pub fn broker_name(&self) -> &'static str {
        if !self.urls.is_empty() {
            "given"
        } else if self.embedded {
            "embedded"
        } else if self.redis_url.is_some() {
            "redis (given)"
        } else {
            "redis (private)"
        }
    }

    /// Checks what clap cannot: combinations of options.
    pub fn check(&self) -> Result<(), String> {
        if !self.pids.is_empty() && self.pids.len() != self.urls.len() {
            return Err(format!(
                "{} --pid for {} --url: give one per node, in order",
                self.pids.len(),
                self.urls.len()
            ));
        }
        if self.embedded && self.spawn_nodes > 1 {
            return Err("the embedded broker serves one node: use --spawn-nodes 1, or Redis".into());
        }
        Ok(())
    }
}

fn parse_duration(input: &str) -> Result<Duration, String> {
    humantime::parse_duration(input).map_err(|err| err.to_string())
}

fn parse_rate(input: &str) -> Result<f64, String> {
    match input.parse::<f64>() {
        Ok(value) if value.is_finite() && value > 0.0 => Ok(value),
        _ => Err(format!("{input:?} is not a positive number")),
    }
}

fn parse_key_value(input: &str) -> Result<(String, String), String> {
    let (key, value) = input.split_once('=').ok_or_else(|| format!("{input:?} is not KEY=VALUE"))?;
    Ok((key.to_owned(), value.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Args, String> {
        let args = Args::try_parse_from(std::iter::once("roomcast-bench").chain(args.iter().copied()))
            .map_err(|err| err.to_string())?;
        args.check().map(|()| args)
    }

    #[test]
    fn the_defaults_are_the_reference_scenario_on_two_started_nodes_with_a_private_redis() {
        let args = parse(&[]).unwrap();
        assert_eq!(
            (args.clients, args.rooms, args.publishers, args.rate, args.payload),
            (1000, 10, 10, 20.0, 100)
        );
        assert_eq!((args.spawn_nodes, args.broker_name()), (2, "redis (private)"));
        assert_eq!((args.warmup, args.duration), (Duration::from_secs(2), Duration::from_secs(10)));
    }

    #[test]
    fn given_nodes_take_one_pid_each_and_exclude_starting_nodes() {
        let args = parse(&["--url", "ws://a/ws,ws://b/ws", "--pid", "1", "--pid", "2"]).unwrap();
        assert_eq!((args.urls.len(), args.pids.clone()), (2, vec![1, 2]));
        assert!(parse(&["--url", "ws://a/ws", "--pid", "1,2"]).is_err());
        assert!(parse(&["--url", "ws://a/ws", "--spawn-nodes", "2"]).is_err());
        assert!(parse(&["--url", "ws://a/ws", "--redis"]).is_err());
    }

    #[test]
    fn the_embedded_broker_is_refused_for_more_than_one_node() {
        assert!(parse(&["--embedded"]).is_err());
        assert_eq!(parse(&["--embedded", "--spawn-nodes", "1"]).unwrap().broker_name(), "embedded");
    }

    #[test]
    fn rates_must_be_positive_and_node_env_must_be_key_value() {
        assert!(parse(&["--rate", "0"]).is_err());
        assert!(parse(&["--rate", "nan"]).is_err());
        assert!(parse(&["--node-env", "NOEQUALS"]).is_err());
        let args = parse(&["--node-env", "OUTBOUND_QUEUE=1024"]).unwrap();
        assert_eq!(args.node_env, vec![("OUTBOUND_QUEUE".into(), "1024".into())]);
    }
}
