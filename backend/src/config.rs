//! Node settings, from flags or environment variables (flags win). Every
//! setting has a default that gives a working single node on a laptop.
//!
//! The settings come in groups, and each part of the node receives only its
//! own: [`HttpSettings`] for the listener and static files,
//! [`SessionSettings`] for every connection's limits and timers,
//! [`RedisSettings`] for the broker and [`HistorySettings`] for what each room
//! remembers. [`RedisSettings::broker_kind`] is the one
//! place that decides between the embedded broker and Redis.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::builder::TypedValueParser;
use clap::{Args, Parser, ValueEnum};
use roomcast_protocol::limits::MAX_ROOMS;

#[derive(Debug, Clone, Parser)]
#[command(name = "roomcast-server", version, about = "Roomcast chat node")]
pub struct Config {
    /// Do not serve: ask the node listening on BIND (over loopback) whether it
    /// is alive (`/healthz`), and exit 0 if it is, 1 if not. For container
    /// health checks; readiness (`/readyz`) is for load balancers.
    #[arg(long)]
    pub healthcheck: bool,

    /// This node's name in logs, health output and `welcome` frames.
    /// Defaults to the host name with a random suffix.
    #[arg(long, env = "NODE_NAME")]
    pub node_name: Option<String>,

    /// Log line format.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    #[command(flatten)]
    pub http: HttpSettings,

    #[command(flatten)]
    pub session: SessionSettings,

    #[command(flatten)]
    pub redis: RedisSettings,

    #[command(flatten)]
    pub history: HistorySettings,
}

/// The listener and what it serves besides `/ws`.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "HTTP")]
pub struct HttpSettings {
    /// Address and port to listen on.
    #[arg(long, env = "BIND", default_value = "0.0.0.0:8080")]
    pub bind: SocketAddr,

    /// Folder with the built web client, served at `/` with SPA fallback.
    #[arg(long, env = "STATIC_DIR", default_value = "dist")]
    pub static_dir: PathBuf,

    /// Longest wait for a request's headers; a slower client is cut off.
    #[arg(long, env = "HEADER_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub header_timeout: Duration,

    /// Each connection's kernel send buffer, in bytes (the kernel allows
    /// twice this); 0 leaves it to the kernel, which grows it up to
    /// `net.ipv4.tcp_wmem`'s maximum (4 MiB by default) even for a client
    /// that has stopped reading. Bounded, a stalled client fills it soon and
    /// is closed as too slow (4000) instead of holding megabytes.
    #[arg(long, env = "SOCKET_SEND_BUFFER", default_value_t = 64 * 1024)]
    pub socket_send_buffer: usize,

    #[command(flatten)]
    pub admission: AdmissionSettings,
}

/// Who may open a WebSocket, and how many.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Admission")]
pub struct AdmissionSettings {
    /// Web page origins allowed to connect besides the node's own, comma
    /// separated (e.g. `https://chat.example.com`). Unset: the node's own
    /// origin, and any loopback page when the node is reached on loopback.
    #[arg(long, env = "ALLOWED_ORIGINS", value_delimiter = ',')]
    pub allowed_origins: Vec<String>,

    /// Most WebSocket connections this node holds; more are refused with 503.
    #[arg(long, env = "MAX_CONNECTIONS", default_value_t = 100_000)]
    pub max_connections: usize,

    /// Most connections from one client address; more are refused with 429.
    #[arg(long, env = "MAX_CONNECTIONS_PER_ADDRESS", default_value_t = 100)]
    pub max_connections_per_address: usize,

    /// Proxies whose `X-Forwarded-For` names the client, as addresses or
    /// networks, comma separated (e.g. `10.0.0.5,172.16.0.0/12`); from
    /// anyone else the header is ignored.
    #[arg(long, env = "TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_network)]
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

/// The limits and timers of every client connection.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Connections")]
pub struct SessionSettings {
    /// Most rooms one connection may join (at most the protocol's 32).
    #[arg(long, env = "MAX_ROOMS_PER_CONNECTION", default_value_t = MAX_ROOMS,
          value_parser = clap::value_parser!(u16).range(1..=MAX_ROOMS as i64).map(usize::from))]
    pub max_rooms: usize,

    /// Frames queued for one connection before it counts as too slow and is closed.
    #[arg(long, env = "OUTBOUND_QUEUE", default_value_t = 256,
          value_parser = clap::value_parser!(u32).range(1..=65536).map(|n| n as usize))]
    pub outbound_queue: usize,

    /// Messages per second one connection may send, on average.
    #[arg(long, env = "SEND_RATE", default_value_t = 10.0)]
    pub send_rate: f64,

    /// Messages one connection may send in a burst before `SEND_RATE` applies.
    #[arg(long, env = "SEND_BURST", default_value_t = 20)]
    pub send_burst: u32,

    /// How often an idle connection is pinged.
    #[arg(long, env = "PING_INTERVAL", default_value = "20s", value_parser = parse_duration)]
    pub ping_interval: Duration,

    /// How long past a ping a silent connection is kept before it is dropped.
    #[arg(long, env = "PING_TIMEOUT", default_value = "20s", value_parser = parse_duration)]
    pub ping_timeout: Duration,

    /// How long a new connection may take to send `hello` before it is
    /// closed (4002).
    #[arg(long, env = "HELLO_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub hello_timeout: Duration,

    /// Joins and leaves one connection may make per second, on average.
    #[arg(long, env = "JOIN_RATE", default_value_t = 2.0)]
    pub join_rate: f64,

    /// Joins and leaves one connection may make at once before `JOIN_RATE` applies.
    #[arg(long, env = "JOIN_BURST", default_value_t = 40)]
    pub join_burst: u32,

    /// Other requests (hello, history, members, typing, ping) per second per
    /// connection, on average; the burst is four times as many.
    #[arg(long, env = "REQUEST_RATE", default_value_t = 10.0)]
    pub request_rate: f64,

    /// Most rooms this node keeps open (each a Redis subscription); a join
    /// that would open one more is refused as `unavailable`.
    #[arg(long, env = "MAX_ROOMS_PER_NODE", default_value_t = 100_000)]
    pub max_rooms_per_node: usize,

    /// Secret that identity tokens are signed with (HS256). Set, every client
    /// must present a valid token in `hello`; unset, the node is open and
    /// anonymous.
    #[arg(long, env = "AUTH_SECRET", hide_env_values = true)]
    pub auth_secret: Option<crate::identity::Secret>,

    /// Longest wait for the broker when joining a room.
    #[arg(long, env = "JOIN_TIMEOUT", default_value = "5s", value_parser = parse_duration)]
    pub join_timeout: Duration,

    /// How long shutdown waits for connections to send what is queued for
    /// them and close.
    #[arg(long, env = "SHUTDOWN_GRACE", default_value = "5s", value_parser = parse_duration)]
    pub shutdown_grace: Duration,
}

/// The broker: Redis when a URL is given, the embedded one otherwise.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Redis")]
pub struct RedisSettings {
    /// Redis to share rooms with other nodes, e.g. redis://127.0.0.1:6379,
    /// `redis://:password@host:6379`, or `rediss://` for TLS. Without it the
    /// node uses an in-process broker and stands alone.
    #[arg(long = "redis-url", env = "REDIS_URL", value_name = "REDIS_URL")]
    pub url: Option<String>,

    /// PEM file of the certificate authority that signed Redis's certificate,
    /// for `rediss://` URLs when the system's roots do not cover it.
    #[arg(long = "redis-ca-file", env = "REDIS_CA_FILE", value_name = "REDIS_CA_FILE")]
    pub ca_file: Option<PathBuf>,

    /// Prefix of every Redis key and channel, so deployments can share a Redis.
    #[arg(long, env = "CHANNEL_PREFIX", default_value = "roomcast")]
    pub channel_prefix: String,

    /// Longest wait for one Redis operation (connect, publish, subscribe).
    #[arg(long = "redis-timeout", env = "REDIS_TIMEOUT", value_name = "REDIS_TIMEOUT", default_value = "2s", value_parser = parse_duration)]
    pub timeout: Duration,

    /// Pooled Redis connections for publishing.
    #[arg(
        long = "redis-pool-size",
        env = "REDIS_POOL_SIZE",
        value_name = "REDIS_POOL_SIZE",
        default_value_t = 16
    )]
    pub pool_size: usize,

    /// How often the node sends a probe through its own Redis channel.
    #[arg(long, env = "PROBE_INTERVAL", default_value = "2s", value_parser = parse_duration)]
    pub probe_interval: Duration,

    /// A subscription connection that has not delivered a probe for this long
    /// is treated as dead and replaced.
    #[arg(long, env = "PROBE_TIMEOUT", default_value = "6s", value_parser = parse_duration)]
    pub probe_timeout: Duration,

    /// A subscription whose probes come back later than this has fallen
    /// behind the messages Redis sends it: the node drops it (and what it has
    /// buffered), subscribes again and catches its members up from history.
    #[arg(long, env = "SUBSCRIPTION_LAG_LIMIT", default_value = "2s", value_parser = parse_duration)]
    pub lag_limit: Duration,

    /// Tasks that hand the subscription's messages to local members, each
    /// owning a share of the rooms (0: one per CPU core).
    #[arg(long, env = "FANOUT_WORKERS", default_value_t = 0)]
    pub fanout_workers: usize,

    /// Messages waiting for each fan-out worker. A room whose message finds
    /// its worker's queue full is caught up from history instead, so one busy
    /// room never holds up the subscription.
    #[arg(long, env = "FANOUT_QUEUE", default_value_t = 1024,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000).map(|n| n as usize))]
    pub fanout_queue: usize,
}

/// What each room remembers, on either broker.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "History")]
pub struct HistorySettings {
    /// Most recent entries kept per room, messages and the edits and
    /// deletions made to them (Redis trims approximately, a few dozen more
    /// may stay).
    #[arg(long = "history-size", env = "HISTORY_SIZE", value_name = "HISTORY_SIZE", default_value_t = 1000,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000).map(|n| n as usize))]
    pub size: usize,

    /// How long a message is kept. A room nobody writes to for this long is
    /// forgotten, epoch and all.
    #[arg(long = "history-ttl", env = "HISTORY_TTL", value_name = "HISTORY_TTL", default_value = "24h",
          value_parser = parse_duration)]
    pub ttl: Duration,

    /// Messages one room accepts per second, from all nodes together (0: no
    /// limit). Counted in Redis, so a crowd spread over nodes is one crowd.
    #[arg(
        long = "room-send-rate",
        env = "ROOM_SEND_RATE",
        value_name = "ROOM_SEND_RATE",
        default_value_t = 100
    )]
    pub room_send_rate: u32,

    /// Messages one client address may post to one room per second, over all
    /// its connections on all nodes (0: no limit).
    #[arg(
        long = "address-send-rate",
        env = "ADDRESS_SEND_RATE",
        value_name = "ADDRESS_SEND_RATE",
        default_value_t = 30
    )]
    pub address_send_rate: u32,

    /// How long a room remembers each `client_id` it was sent, so that a
    /// repeated send (a retry after a lost connection) publishes nothing new.
    #[arg(long = "dedupe-window", env = "DEDUPE_WINDOW", value_name = "DEDUPE_WINDOW", default_value = "5m",
          value_parser = parse_duration)]
    pub dedupe_window: Duration,
}

/// Which broker a node runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BrokerKind {
    /// In-process: the node stands alone.
    Embedded,
    /// Redis Pub/Sub, shared with every other node on the same Redis.
    Redis,
}

impl RedisSettings {
    /// The one place that decides which broker runs: Redis exactly when a
    /// URL is set.
    pub fn broker_kind(&self) -> BrokerKind {
        match self.url {
            Some(_) => BrokerKind::Redis,
            None => BrokerKind::Embedded,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

impl Config {
    /// The defaults with any settings from the environment, ignoring the
    /// command line (for tests and embedding; tests then set what they rely on).
    pub fn defaults() -> Self {
        // Parsing only the program name cannot fail: every field has a default.
        Config::try_parse_from(["roomcast-server"]).expect("all settings have defaults")
    }
}

/// An address (`10.0.0.5`, a network of one) or a network (`10.0.0.0/8`).
pub fn parse_network(input: &str) -> Result<ipnet::IpNet, String> {
    let input = input.trim();
    input
        .parse::<ipnet::IpNet>()
        .or_else(|_| input.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("{input:?} is not an IP address or network like 10.0.0.0/8"))
}

/// A duration as `humantime` reads it (`250ms`, `20s`, `2m`, `1h 30m`), or a
/// bare number of seconds, which older configurations use.
pub fn parse_duration(input: &str) -> Result<Duration, String> {
    let input = input.trim();
    if let Ok(seconds) = input.parse::<u64>() {
        return Ok(Duration::from_secs(seconds));
    }
    humantime::parse_duration(input)
        .map_err(|err| format!("{input:?} is not a duration like 500ms, 20s or 2m: {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_accept_the_usual_units() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("20s"), Ok(Duration::from_secs(20)));
        assert_eq!(parse_duration("1s 500ms"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration(" 7 "), Ok(Duration::from_secs(7)), "a bare number is seconds");
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn flags_override_defaults_and_limits_are_checked() {
        let config = Config::try_parse_from([
            "roomcast-server",
            "--bind",
            "127.0.0.1:0",
            "--max-rooms",
            "4",
            "--ping-interval",
            "500ms",
            "--redis-timeout",
            "3s",
        ])
        .unwrap();
        assert_eq!(config.session.max_rooms, 4);
        assert_eq!(config.session.ping_interval, Duration::from_millis(500));
        assert_eq!(config.redis.timeout, Duration::from_secs(3));
        assert_eq!(config.history.ttl, Duration::from_secs(24 * 3600), "history lasts a day by default");
        assert!(Config::try_parse_from(["roomcast-server", "--max-rooms", "33"]).is_err());
        assert!(Config::try_parse_from(["roomcast-server", "--outbound-queue", "0"]).is_err());
    }

    #[test]
    fn a_redis_url_and_nothing_else_chooses_the_redis_broker() {
        let embedded = Config::try_parse_from(["roomcast-server"]).unwrap();
        let redis =
            Config::try_parse_from(["roomcast-server", "--redis-url", "redis://127.0.0.1:1"]).unwrap();
        // The environment may set REDIS_URL; only the flag's effect is certain.
        assert_eq!(redis.redis.broker_kind(), BrokerKind::Redis);
        if std::env::var_os("REDIS_URL").is_none() {
            assert_eq!(embedded.redis.broker_kind(), BrokerKind::Embedded);
        }
    }
}
