//! The nodes under load: given by URL (and PID), or started here, with a
//! private redis-server, on free loopback ports. Started processes are killed
//! when [`Nodes`] is dropped, however the bench ends.

use std::fs::File;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use crate::args::Args;

/// How long a started process may take to answer.
const START_TIMEOUT: Duration = Duration::from_secs(30);
const POLL: Duration = Duration::from_millis(50);
const IO_TIMEOUT: Duration = Duration::from_secs(2);

/// The nodes of one bench run.
pub struct Nodes {
    pub urls: Vec<String>,
    /// One per URL; `None` when the PID of a given node is unknown.
    pub pids: Vec<Option<u32>>,
    /// The private redis-server's PID.
    pub redis_pid: Option<u32>,
    /// Where the started processes write their logs.
    pub log_dir: Option<PathBuf>,
    /// Started processes, killed on drop: nodes first, Redis last.
    started: Vec<Started>,
}

/// A child process that is killed when dropped.
struct Started {
    child: Child,
}

impl Drop for Started {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Nodes {
    /// The nodes `args` name, or freshly started ones.
    pub fn prepare(args: &Args) -> anyhow::Result<Nodes> {
        if !args.urls.is_empty() {
            let pids = (0..args.urls.len()).map(|i| args.pids.get(i).copied()).collect();
            return Ok(Nodes {
                urls: args.urls.clone(),
                pids,
                redis_pid: None,
                log_dir: None,
                started: Vec::new(),
            });
        }
        let run_id = format!("{:08x}", rand::random::<u32>());
        let log_dir = std::env::temp_dir().join(format!("roomcast-bench-{run_id}"));
        std::fs::create_dir_all(&log_dir).with_context(|| format!("create {}", log_dir.display()))?;
        let mut nodes = Nodes {
            urls: Vec::new(),
            pids: Vec::new(),
            redis_pid: None,
            log_dir: Some(log_dir.clone()),
            started: Vec::new(),
        };
        let redis_url = if args.embedded {
            None
        } else if let Some(url) = &args.redis_url {
            Some(url.clone())
        } else {
            let (redis, port) = start_redis(&log_dir)?;
            nodes.redis_pid = Some(redis.child.id());
            nodes.started.push(redis);
            Some(format!("redis://127.0.0.1:{port}"))
        };
        let server = match &args.server {
            Some(path) => path.clone(),
            None => std::env::current_exe().context("locate this binary")?.with_file_name("roomcast-server"),
        };
        for index in 0..usize::from(args.spawn_nodes) {
            let setup =
                NodeSetup { server: &server, index, run_id: &run_id, redis_url: redis_url.as_deref() };
            let (node, port) = start_node(&setup, &args.node_env, &log_dir)?;
            nodes.urls.push(format!("ws://127.0.0.1:{port}/ws"));
            nodes.pids.push(Some(node.child.id()));
            // Nodes go before Redis in `started` so that they stop first.
            nodes.started.insert(0, node);
        }
        Ok(nodes)
    }

    /// Whether this run started its nodes.
    pub fn started_here(&self) -> bool {
        !self.started.is_empty()
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0").context("find a free port")?.local_addr()?.port())
}

fn log_file(dir: &Path, name: &str) -> anyhow::Result<File> {
    let path = dir.join(name);
    File::create(&path).with_context(|| format!("create {}", path.display()))
}

fn start_redis(log_dir: &Path) -> anyhow::Result<(Started, u16)> {
    let port = free_port()?;
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .args(["--protected-mode", "no"])
        .stdout(log_file(log_dir, "redis.log")?)
        .stderr(Stdio::null())
        .spawn()
        .context(
            "cannot start redis-server: install it (`apt-get install redis-server`) or give --redis-url",
        )?;
    let mut redis = Started { child };
    wait_until(&mut redis, "redis-server", || redis_answers_ping(port))?;
    Ok((redis, port))
}

struct NodeSetup<'a> {
    server: &'a Path,
    index: usize,
    run_id: &'a str,
    redis_url: Option<&'a str>,
}

fn start_node(
    setup: &NodeSetup<'_>,
    extra_env: &[(String, String)],
    log_dir: &Path,
) -> anyhow::Result<(Started, u16)> {
    let port = free_port()?;
    let log_name = format!("node-{}.log", setup.index);
    let mut command = Command::new(setup.server);
    command
        .env("BIND", format!("127.0.0.1:{port}"))
        .env("NODE_NAME", format!("bench-{}", setup.index))
        .env("CHANNEL_PREFIX", format!("bench-{}", setup.run_id))
        .env("STATIC_DIR", "/nonexistent")
        .env("RUST_LOG", "warn")
        // The scenario sets the publishers' rate, not the per-user, per-room
        // and per-address limits, and every client comes from 127.0.0.1. The
        // limits stay on (high, not 0) so their cost is measured. Older
        // servers ignore settings they do not have.
        .env("SEND_RATE", "1000000")
        .env("SEND_BURST", "1000000")
        .env("ROOM_SEND_RATE", "1000000")
        .env("ADDRESS_SEND_RATE", "1000000")
        .env("MAX_CONNECTIONS_PER_ADDRESS", "1000000")
        .env_remove("REDIS_URL")
        .stdout(Stdio::null())
        .stderr(log_file(log_dir, &log_name)?);
    if let Some(url) = setup.redis_url {
        command.env("REDIS_URL", url);
    }
    command.envs(extra_env.iter().map(|(k, v)| (k, v)));
    let child = command.spawn().with_context(|| {
        format!(
            "cannot start {} (build it: cargo build --release -p roomcast-server)",
            setup.server.display()
        )
    })?;
    let mut node = Started { child };
    let what = format!("node {} ({})", setup.index, log_dir.join(&log_name).display());
    wait_until(&mut node, &what, || http_status(port, "/readyz") == Some(200))?;
    Ok((node, port))
}

/// Polls `ready` until it holds, the process exits, or [`START_TIMEOUT`].
fn wait_until(started: &mut Started, what: &str, mut ready: impl FnMut() -> bool) -> anyhow::Result<()> {
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        if ready() {
            return Ok(());
        }
        if let Some(status) = started.child.try_wait()? {
            bail!("{what} exited ({status}) before it was ready");
        }
        if Instant::now() > deadline {
            bail!("{what} was not ready within {START_TIMEOUT:?}");
        }
        std::thread::sleep(POLL);
    }
}

fn connect(port: u16) -> Option<TcpStream> {
    let stream = TcpStream::connect_timeout(&SocketAddr::from(([127, 0, 0, 1], port)), IO_TIMEOUT).ok()?;
    stream.set_read_timeout(Some(IO_TIMEOUT)).ok()?;
    stream.set_write_timeout(Some(IO_TIMEOUT)).ok()?;
    Some(stream)
}

fn redis_answers_ping(port: u16) -> bool {
    let Some(mut stream) = connect(port) else { return false };
    let mut answer = [0u8; 7];
    stream.write_all(b"PING\r\n").is_ok() && stream.read_exact(&mut answer).is_ok() && &answer == b"+PONG\r\n"
}

/// The status code of a plain HTTP GET on loopback.
fn http_status(port: u16, path: &str) -> Option<u16> {
    let mut stream = connect(port)?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").ok()?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head).ok()?.strip_prefix("HTTP/1.1 ")?.trim().parse().ok()
}
