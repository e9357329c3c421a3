//! Test fixtures: a real `redis-server` on a free port, real server nodes on
//! port 0, WebSocket clients, a TCP proxy that can freeze connections, and a
//! bare HTTP GET. Logs stay silent unless `TEST_LOG` is set.

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Once};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use roomcast_protocol::{ClientFrame, ErrorCode, MessageFrame, RoomName, ServerFrame};
use roomcast_server::broker::redis::Names;
use roomcast_server::{Application, Config};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long any single expected event may take before a test fails.
pub const PATIENCE: Duration = Duration::from_secs(10);

fn init_logs() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            roomcast_server::telemetry::init(roomcast_server::config::LogFormat::Text);
        }
    });
}

/// A unique prefix per test, so tests sharing a Redis could never see each other.
pub fn unique_prefix() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!("t{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Polls `check` until it returns true, failing the test after `PATIENCE`.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !check().await {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

// ----- redis-server -----

pub struct RedisServer {
    pub port: u16,
    child: Option<Child>,
    /// With an append-only file in this folder (every write fsynced), the
    /// data survives a kill and restart, as with the compose file's Redis.
    aof_dir: Option<std::path::PathBuf>,
    /// A password every client must give, and a TLS port beside the plain
    /// one, with its certificate, where the test asked for them.
    secured: Option<Secured>,
}

/// What a [`RedisServer::start_secured`] server needs of its clients.
pub struct Secured {
    pub password: String,
    pub tls_port: u16,
    /// The test certificate authority, which clients must trust.
    pub ca_file: std::path::PathBuf,
    dir: std::path::PathBuf,
}

impl RedisServer {
    pub async fn start() -> RedisServer {
        let mut server = RedisServer { port: free_port(), child: None, aof_dir: None, secured: None };
        server.launch().await;
        server
    }

    /// A Redis that requires a password and also serves TLS, with a fresh
    /// certificate authority and certificate made by the `openssl` command.
    pub async fn start_secured() -> RedisServer {
        let dir = std::env::temp_dir().join(format!("roomcast-redis-tls-{}", unique_prefix()));
        std::fs::create_dir_all(&dir).expect("create the certificate folder");
        // A certificate authority, and a certificate for 127.0.0.1 it signs.
        std::fs::write(dir.join("ext.cnf"), "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n")
            .expect("write the extensions");
        let steps: [&[&str]; 3] = [
            &["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=roomcast-test-ca"],
            &["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1"],
            &["x509", "-req", "-days", "1", "-CAcreateserial"],
        ];
        let files: [&[&str]; 3] = [
            &["-keyout", "ca.key", "-out", "ca.crt"],
            &["-keyout", "redis.key", "-out", "redis.csr"],
            &[
                "-in",
                "redis.csr",
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-extfile",
                "ext.cnf",
                "-out",
                "redis.crt",
            ],
        ];
        for (step, files) in steps.iter().zip(files) {
            let made = Command::new("openssl")
                .args(*step)
                .args(files)
                .current_dir(&dir)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .unwrap_or_else(|err| panic!("cannot run openssl ({err}): `apt-get install openssl`"));
            assert!(made.success(), "openssl {step:?} failed");
        }
        let secured = Secured {
            password: format!("pw-{}", unique_prefix()),
            tls_port: free_port(),
            ca_file: dir.join("ca.crt"),
            dir,
        };
        let mut server =
            RedisServer { port: free_port(), child: None, aof_dir: None, secured: Some(secured) };
        server.launch().await;
        server
    }

    /// The TLS address with the password, for nodes: `rediss://:pw@127.0.0.1:port`.
    pub fn tls_url(&self) -> String {
        let secured = self.secured.as_ref().expect("a secured Redis");
        format!("rediss://:{}@127.0.0.1:{}", secured.password, secured.tls_port)
    }

    pub fn secured(&self) -> Option<&Secured> {
        self.secured.as_ref()
    }

    /// A Redis that keeps its data across [`RedisServer::kill`] and
    /// [`RedisServer::restart`] in an append-only file.
    pub async fn start_persistent() -> RedisServer {
        let dir = std::env::temp_dir().join(format!("roomcast-redis-{}", unique_prefix()));
        std::fs::create_dir_all(&dir).expect("create the Redis data folder");
        let mut server = RedisServer { port: free_port(), child: None, aof_dir: Some(dir), secured: None };
        server.launch().await;
        server
    }

    /// The plain address (with the password, if there is one).
    pub fn url(&self) -> String {
        match &self.secured {
            Some(secured) => format!("redis://:{}@127.0.0.1:{}", secured.password, self.port),
            None => format!("redis://127.0.0.1:{}", self.port),
        }
    }

    async fn launch(&mut self) {
        let mut command = Command::new("redis-server");
        command.args([
            "--port",
            &self.port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--protected-mode",
            "no",
        ]);
        match &self.aof_dir {
            Some(dir) => {
                command.arg("--dir").arg(dir).args(["--appendonly", "yes", "--appendfsync", "always"])
            }
            None => command.args(["--appendonly", "no"]),
        };
        if let Some(secured) = &self.secured {
            command.args(["--requirepass", &secured.password, "--tls-port", &secured.tls_port.to_string()]);
            command.arg("--tls-cert-file").arg(secured.dir.join("redis.crt"));
            command.arg("--tls-key-file").arg(secured.dir.join("redis.key"));
            command.arg("--tls-ca-cert-file").arg(&secured.ca_file).args(["--tls-auth-clients", "no"]);
        }
        let child = command.stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap_or_else(|err| {
            panic!(
                "cannot start redis-server ({err}). The integration tests need a real Redis: \
                     install it with `apt-get install redis-server` (scripts/test.sh does this)"
            )
        });
        self.child = Some(child);
        let url = self.url();
        eventually("redis-server answers PING", || {
            let url = url.clone();
            async move { redis_ping(&url).await }
        })
        .await;
    }

    /// Kills the server abruptly, as a crash or a failover would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port: empty, or with its data
    /// when it is persistent.
    pub async fn restart(&mut self) {
        self.kill();
        self.launch().await;
    }

    pub async fn connection(&self) -> redis::aio::MultiplexedConnection {
        let client = redis::Client::open(self.url()).expect("valid redis url");
        client.get_multiplexed_async_connection().await.expect("connect to test redis")
    }

    /// How many subscribers (nodes) Redis counts on a channel.
    pub async fn numsub(&self, channel: &str) -> usize {
        let mut conn = self.connection().await;
        let (_, count): (String, usize) = redis::cmd("PUBSUB")
            .arg("NUMSUB")
            .arg(channel)
            .query_async(&mut conn)
            .await
            .expect("PUBSUB NUMSUB");
        count
    }

    /// Channels with at least one subscriber whose name starts with `prefix`.
    pub async fn channels(&self, prefix: &str) -> Vec<String> {
        let mut conn = self.connection().await;
        let mut channels: Vec<String> = redis::cmd("PUBSUB")
            .arg("CHANNELS")
            .arg(format!("{prefix}*"))
            .query_async(&mut conn)
            .await
            .expect("PUBSUB CHANNELS");
        channels.sort();
        channels
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        if let Some(dir) = &self.aof_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some(secured) = &self.secured {
            let _ = std::fs::remove_dir_all(&secured.dir);
        }
    }
}

async fn redis_ping(url: &str) -> bool {
    let Ok(client) = redis::Client::open(url) else { return false };
    let Ok(mut conn) = client.get_multiplexed_async_connection().await else { return false };
    redis::cmd("PING").query_async::<String>(&mut conn).await.is_ok()
}

pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local addr").port()
}

// ----- server nodes -----

/// Settings for tests: loopback, port 0, fast probes, no pings unless asked.
pub fn test_config(redis_url: Option<String>, prefix: &str) -> Config {
    let mut config = Config::defaults();
    config.http.bind = "127.0.0.1:0".parse().expect("valid address");
    config.redis.url = redis_url;
    config.redis.channel_prefix = prefix.to_owned();
    config.http.static_dir = "/nonexistent-roomcast-static".into();
    // Tests send in bursts; the rate limits have their own tests.
    config.history.room_send_rate = 0;
    config.history.address_send_rate = 0;
    config.session.send_rate = 1e9;
    config.session.send_burst = u32::MAX;
    config.session.ping_interval = Duration::from_secs(60);
    config.session.ping_timeout = Duration::from_secs(60);
    config.session.join_timeout = Duration::from_secs(3);
    config.redis.timeout = Duration::from_millis(1000);
    config.redis.probe_interval = Duration::from_millis(200);
    config.redis.probe_timeout = Duration::from_millis(1500);
    config.session.shutdown_grace = Duration::from_secs(3);
    config
}

pub struct TestNode {
    pub addr: SocketAddr,
    pub name: String,
    stop: std::sync::Mutex<Option<oneshot::Sender<()>>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
}

impl TestNode {
    pub async fn spawn(config: Config) -> TestNode {
        init_logs();
        let app = Application::build(config).await.expect("node builds");
        let addr = app.local_addr();
        let name = app.node_name().to_owned();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(app.run_until_stopped(async move {
            let _ = stopped.await;
        }));
        TestNode { addr, name, stop: std::sync::Mutex::new(Some(stop)), task: Some(task) }
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    /// Sends the shutdown signal (SIGTERM, for a real process) without
    /// waiting for the node to stop.
    pub fn begin_shutdown(&self) {
        if let Some(stop) = self.stop.lock().expect("stop signal").take() {
            let _ = stop.send(());
        }
    }

    /// Sends the shutdown signal and waits until the node has drained.
    pub async fn shut_down(&mut self) {
        self.begin_shutdown();
        if let Some(task) = self.task.take() {
            let result = tokio::time::timeout(PATIENCE, task).await.expect("node stops in time");
            result.expect("node task").expect("node shuts down cleanly");
        }
    }
}

impl Drop for TestNode {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

/// Leaves the test configuration as it is.
pub fn no_tweak(_: &mut Config) {}

/// Settings tweak: rooms keep only their last 5 entries.
pub fn small_history(config: &mut Config) {
    config.history.size = 5;
}

/// Nodes sharing one broker. With the embedded broker there is one node and
/// `node(i)` is always it, so the same test body checks both set-ups.
pub struct Cluster {
    pub redis: Option<RedisServer>,
    pub prefix: String,
    pub nodes: Vec<TestNode>,
}

impl Cluster {
    pub async fn redis(nodes: usize) -> Cluster {
        Cluster::redis_with(nodes, no_tweak).await
    }

    pub async fn redis_with(nodes: usize, tweak: impl Fn(&mut Config)) -> Cluster {
        Cluster::on(RedisServer::start().await, nodes, tweak).await
    }

    /// `nodes` nodes sharing the given Redis.
    pub async fn on(redis: RedisServer, nodes: usize, tweak: impl Fn(&mut Config)) -> Cluster {
        let prefix = unique_prefix();
        let mut spawned = Vec::new();
        for _ in 0..nodes {
            let mut config = test_config(Some(redis.url()), &prefix);
            tweak(&mut config);
            spawned.push(TestNode::spawn(config).await);
        }
        let cluster = Cluster { redis: Some(redis), prefix, nodes: spawned };
        for node in &cluster.nodes {
            wait_ready(node).await;
        }
        cluster
    }

    pub async fn embedded() -> Cluster {
        Cluster::embedded_with(no_tweak).await
    }

    pub async fn embedded_with(tweak: impl Fn(&mut Config)) -> Cluster {
        let prefix = unique_prefix();
        let mut config = test_config(None, &prefix);
        tweak(&mut config);
        Cluster { redis: None, prefix, nodes: vec![TestNode::spawn(config).await] }
    }

    pub fn node(&self, i: usize) -> &TestNode {
        &self.nodes[i % self.nodes.len()]
    }

    pub fn redis_server(&self) -> &RedisServer {
        self.redis.as_ref().expect("this test needs the Redis broker")
    }

    /// The Redis names of this cluster's keys and channels, as the broker defines them.
    pub fn names(&self) -> Names {
        Names::new(&self.prefix, 0)
    }

    pub fn room_channel(&self, room: &str) -> String {
        self.names().room_channel(&RoomName::parse(room).expect("a valid room name"))
    }
}

pub async fn wait_ready(node: &TestNode) {
    eventually(&format!("node {} reports ready", node.name), || async {
        http_get(node.addr, "/readyz").await.0 == 200
    })
    .await;
}

// ----- WebSocket clients -----

/// What a client saw next.
#[derive(Debug)]
pub enum Event {
    Frame(ServerFrame<'static>),
    Closed(Option<CloseFrame>),
}

pub struct Client {
    pub name: String,
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    next_id: u64,
    /// Whether `presence` frames are returned; most tests are about
    /// messages and skip them.
    pub sees_presence: bool,
}

impl Client {
    pub async fn connect(node: &TestNode) -> Client {
        Client::connect_to(&node.ws_url()).await
    }

    pub async fn connect_to(url: &str) -> Client {
        let (ws, _) = tokio_tungstenite::connect_async(url).await.expect("websocket connects");
        Client { name: String::new(), ws, next_id: 0, sees_presence: false }
    }

    /// Tries to open a WebSocket to `node` from a page at `origin` (`None`:
    /// not a browser). Returns the client, or the HTTP status of the refusal.
    pub async fn try_connect(node: &TestNode, origin: Option<&str>) -> Result<Client, u16> {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        use tokio_tungstenite::tungstenite::Error;
        let mut request = node.ws_url().into_client_request().expect("a valid request");
        if let Some(origin) = origin {
            request.headers_mut().insert("origin", origin.parse().expect("a valid origin header"));
        }
        match tokio_tungstenite::connect_async(request).await {
            Ok((ws, _)) => Ok(Client { name: String::new(), ws, next_id: 0, sees_presence: false }),
            Err(Error::Http(response)) => Err(response.status().as_u16()),
            Err(other) => panic!("the upgrade failed without an HTTP answer: {other}"),
        }
    }

    /// Connects over a socket whose receive buffer is `bytes` (set before
    /// connecting, so its window is small from the start): a client on a
    /// slow link. Says hello as `name`.
    pub async fn named_with_receive_buffer(node: &TestNode, name: &str, bytes: u32) -> Client {
        let socket = tokio::net::TcpSocket::new_v4().expect("a socket");
        socket.set_recv_buffer_size(bytes).expect("SO_RCVBUF");
        let stream = socket.connect(node.addr).await.expect("the node accepts");
        let (ws, _) = tokio_tungstenite::client_async(node.ws_url(), MaybeTlsStream::Plain(stream))
            .await
            .expect("websocket connects");
        let client = Client { name: String::new(), ws, next_id: 0, sees_presence: false };
        client.greet(node, name).await
    }

    /// Connects and says hello; the returned client has a display name.
    pub async fn named(node: &TestNode, name: &str) -> Client {
        Client::connect(node).await.greet(node, name).await
    }

    async fn greet(mut self, node: &TestNode, name: &str) -> Client {
        self.send(&ClientFrame::hello(name)).await;
        match self.next_frame().await {
            ServerFrame::Welcome { name: confirmed, node: served_by, .. } => {
                assert_eq!(served_by, node.name);
                self.name = confirmed.into_owned();
            }
            other => panic!("expected welcome, got {other:?}"),
        }
        self
    }

    pub async fn send(&mut self, frame: &ClientFrame<'_>) {
        self.send_raw(Message::text(frame.encode())).await;
    }

    /// Sends a frame that the server may answer by closing: false once the
    /// connection is gone.
    pub async fn send_until_closed(&mut self, message: Message) -> bool {
        self.ws.send(message).await.is_ok()
    }

    pub async fn send_raw(&mut self, message: Message) {
        self.ws.send(message).await.expect("websocket send");
    }

    pub async fn join(&mut self, room: &str) {
        self.send(&ClientFrame::join(room)).await;
        match self.next_frame().await {
            ServerFrame::Joined { room: joined, .. } => assert_eq!(joined, room),
            other => panic!("{} expected joined {room}, got {other:?}", self.name),
        }
    }

    /// Sends `join` as given and returns the `joined` answer with the history
    /// messages that follow it.
    pub async fn join_with(
        &mut self,
        join: ClientFrame<'_>,
    ) -> (ServerFrame<'static>, Vec<MessageFrame<'static>>) {
        let (joined, frames) = self.join_with_frames(join).await;
        let backlog = frames
            .into_iter()
            .map(|frame| match frame {
                ServerFrame::Message(message) => message,
                other => panic!("{} expected a history message, got {other:?}", self.name),
            })
            .collect();
        (joined, backlog)
    }

    /// Sends `join` as given and returns the `joined` answer with every
    /// frame of history that follows it (messages, and changes in a recovery).
    pub async fn join_with_frames(
        &mut self,
        join: ClientFrame<'_>,
    ) -> (ServerFrame<'static>, Vec<ServerFrame<'static>>) {
        self.send(&join).await;
        let joined = self.next_frame().await;
        let count = match &joined {
            ServerFrame::Joined { history, .. } => history.unwrap_or(0),
            other => panic!("{} expected joined, got {other:?}", self.name),
        };
        let mut frames = Vec::new();
        for _ in 0..count {
            frames.push(self.next_frame().await);
        }
        (joined, frames)
    }

    /// Sends a message and returns the client id it used.
    pub async fn say(&mut self, room: &str, text: &str) -> String {
        self.next_id += 1;
        let client_id = format!("{}-{}", self.name, self.next_id);
        self.send(&ClientFrame::Send {
            room: room.into(),
            client_id: client_id.as_str().into(),
            text: text.into(),
        })
        .await;
        client_id
    }

    /// The next event, skipping WebSocket pings and pongs.
    pub async fn next_event(&mut self) -> Event {
        let read = async {
            loop {
                match self.ws.next().await {
                    Some(Ok(Message::Text(text))) => {
                        let frame = serde_json::from_str::<ServerFrame<'static>>(text.as_str())
                            .unwrap_or_else(|err| panic!("server sent an undecodable frame {text}: {err}"));
                        if matches!(frame, ServerFrame::Presence { .. }) && !self.sees_presence {
                            continue;
                        }
                        return Event::Frame(frame);
                    }
                    Some(Ok(Message::Close(frame))) => return Event::Closed(frame),
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                    Some(Ok(other)) => panic!("unexpected websocket message {other:?}"),
                    Some(Err(_)) | None => return Event::Closed(None),
                }
            }
        };
        tokio::time::timeout(PATIENCE, read)
            .await
            .unwrap_or_else(|_| panic!("{} received nothing within {PATIENCE:?}", self.name))
    }

    pub async fn next_frame(&mut self) -> ServerFrame<'static> {
        match self.next_event().await {
            Event::Frame(frame) => frame,
            Event::Closed(close) => {
                panic!("{}: connection closed ({close:?}) while a frame was expected", self.name)
            }
        }
    }

    pub async fn next_message(&mut self) -> MessageFrame<'static> {
        match self.next_frame().await {
            ServerFrame::Message(message) => message,
            other => panic!("{} expected a message, got {other:?}", self.name),
        }
    }

    /// The next frame must be an error with `code`; returns it whole.
    pub async fn expect_error(&mut self, code: ErrorCode) -> ServerFrame<'static> {
        let frame = self.next_frame().await;
        match &frame {
            ServerFrame::Error { code: got, .. } if *got == code => frame,
            other => panic!("{} expected error {code:?}, got {other:?}", self.name),
        }
    }

    /// Waits for the server to close the connection; returns the close code if one was sent.
    pub async fn expect_closed(&mut self) -> Option<u16> {
        loop {
            match self.next_event().await {
                Event::Closed(frame) => return frame.map(|f| u16::from(f.code)),
                Event::Frame(_) => continue,
            }
        }
    }
}

// ----- a proxy that can freeze connections -----

/// Forwards TCP to a target. `freeze_existing` makes every connection open at
/// that moment stop forwarding in both directions while staying open: the
/// "silently dead connection" of a failover or a broken middlebox.
pub struct FreezingProxy {
    pub port: u16,
    state: Arc<ProxyState>,
    accept: JoinHandle<()>,
}

#[derive(Default)]
struct ProxyState {
    accepted: AtomicU64,
    frozen_below: AtomicU64,
    any_frozen: AtomicBool,
    /// Subscriber connections accepted before this index get their replies
    /// at a trickle (see [`FreezingProxy::throttle_subscribers`]).
    throttled_below: AtomicU64,
    /// When set, the next request that contains these bytes gets no answer:
    /// its connection stops forwarding replies from then on.
    lose_reply_to: std::sync::Mutex<Option<Vec<u8>>>,
}

impl FreezingProxy {
    pub async fn start(target_port: u16) -> FreezingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let port = listener.local_addr().expect("proxy addr").port();
        let state = Arc::new(ProxyState::default());
        let accept_state = state.clone();
        let accept = tokio::spawn(async move {
            let mut connections = tokio::task::JoinSet::new();
            while let Ok((inbound, _)) = listener.accept().await {
                let index = accept_state.accepted.fetch_add(1, Ordering::SeqCst);
                let Ok(outbound) = TcpStream::connect(("127.0.0.1", target_port)).await else { continue };
                let (in_read, in_write) = inbound.into_split();
                let (out_read, out_write) = outbound.into_split();
                let link = Arc::new(LinkState::default());
                let requests = Direction::Requests(link.clone());
                connections.spawn(pump(in_read, out_write, accept_state.clone(), index, requests));
                connections.spawn(pump(
                    out_read,
                    in_write,
                    accept_state.clone(),
                    index,
                    Direction::Replies(link),
                ));
            }
        });
        FreezingProxy { port, state, accept }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    pub fn freeze_existing(&self) {
        let now = self.state.accepted.load(Ordering::SeqCst);
        self.state.frozen_below.store(now, Ordering::SeqCst);
        self.state.any_frozen.store(true, Ordering::SeqCst);
    }

    /// The next request containing `marker` reaches the target, but its
    /// answer (and anything after it on that connection) never comes back:
    /// the target acted, and the client cannot know.
    pub fn lose_reply_to(&self, marker: &[u8]) {
        *self.state.lose_reply_to.lock().expect("proxy state") = Some(marker.to_vec());
    }

    /// From now on the pub/sub connections already open get what Redis
    /// sends them at a trickle (64 bytes every 10 ms), as a node that reads
    /// slower than its rooms publish would; other connections, and
    /// subscriptions made later, keep full speed.
    pub fn throttle_subscribers(&self) {
        let now = self.state.accepted.load(Ordering::SeqCst);
        self.state.throttled_below.store(now, Ordering::SeqCst);
    }

    pub fn connections_accepted(&self) -> u64 {
        self.state.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for FreezingProxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// What the two pumps of one proxied connection share.
#[derive(Default)]
struct LinkState {
    /// Replies are lost from now on.
    replies_lost: AtomicBool,
    /// The client asked to SUBSCRIBE on this connection.
    subscriber: AtomicBool,
}

/// Which way a pump forwards.
enum Direction {
    Requests(Arc<LinkState>),
    Replies(Arc<LinkState>),
}

async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    state: Arc<ProxyState>,
    index: u64,
    direction: Direction,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        let frozen =
            state.any_frozen.load(Ordering::SeqCst) && index < state.frozen_below.load(Ordering::SeqCst);
        let (reply_lost, throttled) = match &direction {
            Direction::Requests(link) => {
                if contains(&buf[..n], b"SUBSCRIBE") {
                    link.subscriber.store(true, Ordering::SeqCst);
                }
                let mut marker = state.lose_reply_to.lock().expect("proxy state");
                if marker.as_ref().is_some_and(|m| contains(&buf[..n], m)) {
                    *marker = None;
                    link.replies_lost.store(true, Ordering::SeqCst);
                }
                (false, false)
            }
            Direction::Replies(link) => (
                link.replies_lost.load(Ordering::SeqCst),
                link.subscriber.load(Ordering::SeqCst)
                    && index < state.throttled_below.load(Ordering::SeqCst),
            ),
        };
        if frozen || reply_lost {
            // Hold both sockets open and never forward again.
            std::future::pending::<()>().await;
        }
        if throttled {
            for piece in buf[..n].chunks(64) {
                if to.write_all(piece).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        } else if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Two Redis-backed nodes sharing one prefix and both ready: the first
/// reaches Redis through a [`FreezingProxy`], the second directly.
pub struct ProxiedPair {
    pub redis: RedisServer,
    pub proxy: FreezingProxy,
    pub behind_proxy: TestNode,
    pub direct: TestNode,
}

impl ProxiedPair {
    pub async fn start() -> ProxiedPair {
        ProxiedPair::start_with(no_tweak).await
    }

    /// As [`ProxiedPair::start`], with `tweak` applied to the proxied node's settings.
    pub async fn start_with(tweak: impl Fn(&mut Config)) -> ProxiedPair {
        let redis = RedisServer::start().await;
        let proxy = FreezingProxy::start(redis.port).await;
        let prefix = unique_prefix();
        let mut config = test_config(Some(proxy.url()), &prefix);
        tweak(&mut config);
        let behind_proxy = TestNode::spawn(config).await;
        let direct = TestNode::spawn(test_config(Some(redis.url()), &prefix)).await;
        wait_ready(&behind_proxy).await;
        wait_ready(&direct).await;
        ProxiedPair { redis, proxy, behind_proxy, direct }
    }
}

// ----- plain HTTP -----

/// A minimal HTTP/1.1 GET: returns the status code and the body.
pub async fn http_get(addr: SocketAddr, path: &str) -> (u16, String) {
    let Ok(mut stream) = TcpStream::connect(addr).await else { return (0, String::new()) };
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).await.is_err() {
        return (0, String::new());
    }
    let mut response = Vec::new();
    if stream.read_to_end(&mut response).await.is_err() {
        return (0, String::new());
    }
    let response = String::from_utf8_lossy(&response);
    let status = response.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}

/// The value of one series on `node`'s `/metrics` (`name` with its labels,
/// as the exposition writes it), 0 when it is not there yet.
pub async fn metric(node: &TestNode, name: &str) -> f64 {
    let (_, metrics) = http_get(node.addr, "/metrics").await;
    metrics.lines().find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok()).unwrap_or(0.0)
}

// ----- identity tokens -----

/// The `AUTH_SECRET` of tests that require identity tokens.
pub const TEST_SECRET: &str = "a-test-secret-of-some-length";

/// Settings tweak: the node requires tokens signed with [`TEST_SECRET`].
pub fn with_identity(config: &mut Config) {
    config.session.auth_secret = Some(TEST_SECRET.parse().expect("a long enough secret"));
}

/// Seconds since the Unix epoch, for token expiries.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// An HS256 identity token signed with `secret`.
pub fn identity_token(secret: &str, user: &str, name: &str, rooms: &[&str], exp: u64) -> String {
    let claims = serde_json::json!({"sub": user, "name": name, "rooms": rooms, "exp": exp});
    jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("encode a token")
}
