//! Fixtures for browser tests: a chromedriver process, browser sessions with
//! polling waits and screenshots, and a two-node cluster that serves `dist/`.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use roomcast_server::Config;
use serde_json::{json, Value};

use crate::helpers::{test_config, unique_prefix, wait_ready, FreezingProxy, RedisServer, TestNode};

/// A browser does more per step than a WebSocket client (page loads, wasm
/// compilation, reconnect backoff), so waits are longer than `PATIENCE`.
pub const BROWSER_PATIENCE: Duration = Duration::from_secs(30);

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("backend/ sits in the repository").to_path_buf()
}

/// The built web client. Fails with a hint when it has not been built.
pub fn dist_dir() -> PathBuf {
    let dist = repo_root().join("dist");
    assert!(
        dist.join("index.html").is_file(),
        "{} has no index.html: build the web client first with `scripts/build-web.sh` \
         (scripts/test.sh does this before running the tests)",
        dist.display()
    );
    dist
}

fn find_program(env: &str, candidates: &[&str], hint: &str) -> PathBuf {
    if let Some(path) = std::env::var_os(env) {
        return PathBuf::from(path);
    }
    for candidate in candidates {
        let found = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
            .map(|dir| dir.join(candidate))
            .find(|path| path.is_file());
        if let Some(path) = found {
            return path;
        }
    }
    panic!("cannot find {} (or set {env}). {hint}", candidates.join(" or "));
}

/// A chromedriver on a free port, stopped when dropped.
pub struct Driver {
    url: String,
    chromium: PathBuf,
    child: Child,
}

impl Driver {
    pub async fn start() -> Driver {
        let hint =
            "The browser tests need Chromium and its driver: `apt-get install chromium chromium-driver` \
                    (scripts/test.sh installs them)";
        let chromedriver = find_program("CHROMEDRIVER", &["chromedriver"], hint);
        let chromium = find_program("CHROMIUM", &["chromium", "chromium-browser", "google-chrome"], hint);
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        // Its own process group, with the Chromium it starts, so that
        // dropping the driver ends them all, also after a failed test that
        // never closed its browsers.
        let child = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start {}: {err}. {hint}", chromedriver.display()));
        let driver = Driver { url: format!("http://127.0.0.1:{port}"), chromium, child };
        let deadline = tokio::time::Instant::now() + BROWSER_PATIENCE;
        while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
            assert!(tokio::time::Instant::now() < deadline, "chromedriver did not start listening");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        driver
    }

    /// A new browser (its own profile, so its own localStorage), named for
    /// screenshots.
    pub async fn browser(&self, test: &str, who: &str) -> Browser {
        self.launch(test, who, json!({})).await
    }

    /// Like [`Driver::browser`], with every site allowed to show
    /// notifications, as if the user had said yes to the browser's prompt.
    pub async fn browser_allowing_notifications(&self, test: &str, who: &str) -> Browser {
        self.launch(test, who, json!({ "profile.default_content_setting_values.notifications": 1 })).await
    }

    /// A browser whose profile starts with Chromium preferences `prefs`.
    async fn launch(&self, test: &str, who: &str, prefs: Value) -> Browser {
        let mut capabilities = serde_json::Map::new();
        let args = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1280,800",
            // Headless Chromium reports no pointer that can hover; a desktop
            // with a mouse does, and the page's hover-only controls need it.
            "--blink-settings=primaryHoverType=2,availableHoverTypes=2,primaryPointerType=4,availablePointerTypes=4",
        ];
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({ "binary": self.chromium.to_string_lossy(), "args": args, "prefs": prefs }),
        );
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&self.url)
            .await
            .unwrap_or_else(|err| panic!("chromedriver refused a browser session: {err}"));
        let shots = repo_root().join("target").join("browser-screenshots");
        std::fs::create_dir_all(&shots).expect("create target/browser-screenshots");
        Browser { client, name: format!("{test}-{who}"), shots, step: 0 }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The whole group: chromedriver and every Chromium process it started.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One line of a room as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub author: String,
    pub text: String,
    pub mine: bool,
    pub delivery: String,
}

pub struct Browser {
    pub client: Client,
    name: String,
    shots: PathBuf,
    step: u32,
}

impl Browser {
    pub async fn open(&mut self, url: &str) {
        self.client.goto(url).await.unwrap_or_else(|err| panic!("{}: cannot load {url}: {err}", self.name));
    }

    /// Saves a screenshot as `target/browser-screenshots/<test>-<who>-<n>-<label>.png`.
    pub async fn screenshot(&mut self, label: &str) {
        self.step += 1;
        if let Ok(png) = self.client.screenshot().await {
            let path = self.shots.join(format!("{}-{:02}-{label}.png", self.name, self.step));
            let _ = std::fs::write(path, png);
        }
    }

    /// Runs `script` (which returns a value) until `accept` takes what it
    /// returns; on timeout, screenshots the page and fails the test.
    pub async fn wait_for<T>(&mut self, what: &str, script: &str, accept: impl Fn(&Value) -> Option<T>) -> T {
        let deadline = tokio::time::Instant::now() + BROWSER_PATIENCE;
        let mut last = Value::Null;
        loop {
            if let Ok(value) = self.client.execute(script, Vec::new()).await {
                if let Some(found) = accept(&value) {
                    return found;
                }
                last = value;
            }
            if tokio::time::Instant::now() >= deadline {
                self.screenshot(&format!("timeout-{}", what.replace(' ', "-"))).await;
                panic!("{}: timed out waiting until {what}; last seen: {last}", self.name);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits for the connection badge to read `state` (`live`, `reconnecting`, ...).
    pub async fn wait_for_link(&mut self, state: &str) {
        let script = "const el = document.querySelector('[data-link]'); return el ? el.dataset.link : null;";
        self.wait_for(&format!("the connection is {state}"), script, |value| (value == state).then_some(()))
            .await;
    }

    /// The node named in the badge while live.
    pub async fn node(&mut self) -> String {
        let script = "const el = document.querySelector('[data-node]'); return el ? el.dataset.node : null;";
        self.wait_for("the badge names a node", script, |value| value.as_str().map(str::to_owned)).await
    }

    /// Waits until the open room is `room` and its membership is confirmed.
    pub async fn wait_in_room(&mut self, room: &str) {
        let script = "const title = document.getElementById('room-title'); \
                      const pending = document.querySelector('[aria-label=\"joining\"]'); \
                      return title && !pending ? title.textContent.replace('#', '').trim() : null;";
        self.wait_for(&format!("#{room} is joined"), script, |value| (value == room).then_some(())).await;
    }

    pub async fn fill(&mut self, css: &str, text: &str) {
        let field = self
            .client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|err| panic!("{}: no {css}: {err}", self.name));
        field.clear().await.expect("clear field");
        field.send_keys(text).await.expect("type into field");
    }

    pub async fn click(&mut self, css: &str) {
        let element = self
            .client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|err| panic!("{}: no {css}: {err}", self.name));
        element.click().await.unwrap_or_else(|err| panic!("{}: cannot click {css}: {err}", self.name));
    }

    /// The landing page: a name, a room, and the Join button.
    pub async fn enter(&mut self, name: &str, room: &str) {
        self.wait_for("the landing form shows", "return !!document.getElementById('name');", |v| {
            (v == true).then_some(())
        })
        .await;
        self.fill("#name", name).await;
        self.fill("#room", room).await;
        self.click("form[aria-label='Enter a room'] button[type=submit]").await;
        self.wait_in_room(room).await;
    }

    /// Types a message and presses Enter.
    pub async fn say(&mut self, text: &str) {
        let composer = self.client.find(Locator::Id("composer")).await.expect("the composer");
        composer.send_keys(text).await.expect("type a message");
        composer.send_keys("\u{E007}").await.expect("press Enter");
    }

    /// Every line of the open room.
    pub async fn lines(&mut self) -> Vec<Line> {
        let value = self.client.execute(LINES_SCRIPT, Vec::new()).await.expect("read the message list");
        parse_lines(&value)
    }

    /// Waits until the open room shows a line with `text`, and returns it.
    pub async fn wait_for_line(&mut self, text: &str, delivery: &str) -> Line {
        let what = format!("a {delivery} line {text:?} shows");
        self.wait_for(&what, LINES_SCRIPT, |value| {
            parse_lines(value).into_iter().find(|line| line.text == text && line.delivery == delivery)
        })
        .await
    }

    /// What the line above a room's oldest message says (`data-top`:
    /// `more`, `loading`, `beginning` or `full`).
    pub async fn top_marker(&mut self) -> Option<String> {
        let value = self.client.execute(TOP_SCRIPT, Vec::new()).await.expect("read the top of the list");
        value.as_str().map(str::to_owned)
    }

    /// How many notes in the open room say messages could not be recovered.
    pub async fn gap_notes(&mut self) -> usize {
        let script = "return document.querySelectorAll('#messages [data-gap]').length;";
        let value = self.client.execute(script, Vec::new()).await.expect("count the gap notes");
        value.as_u64().unwrap_or_default() as usize
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}

/// The `data-top` of the line above the open room's oldest message.
pub const TOP_SCRIPT: &str =
    "const top = document.querySelector('#messages [data-top]'); return top ? top.dataset.top : null;";

pub const LINES_SCRIPT: &str =
    "return Array.from(document.querySelectorAll('#messages li[data-author]')).map(li => ({ \
     author: li.dataset.author, text: li.querySelector('[data-text]').textContent, \
     mine: li.dataset.mine === 'true', delivery: li.dataset.delivery }));";

fn parse_lines(value: &Value) -> Vec<Line> {
    let field = |line: &Value, key: &str| line[key].as_str().unwrap_or_default().to_owned();
    value
        .as_array()
        .map(|lines| {
            lines
                .iter()
                .map(|line| Line {
                    author: field(line, "author"),
                    text: field(line, "text"),
                    mine: line["mine"].as_bool().unwrap_or(false),
                    delivery: field(line, "delivery"),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Ada on node a and Bob on node b, both in `room`, Ada live. The driver
/// must outlive the browsers.
pub async fn ada_and_bob_in(cluster: &WebCluster, test: &str, room: &str) -> (Driver, Browser, Browser) {
    let driver = Driver::start().await;
    let mut ada = driver.browser(test, "ada").await;
    let mut bob = driver.browser(test, "bob").await;
    ada.open(&cluster.url(0, "/")).await;
    ada.enter("Ada", room).await;
    bob.open(&cluster.url(1, "/")).await;
    bob.enter("Bob", room).await;
    ada.wait_for_link("live").await;
    (driver, ada, bob)
}

/// Two nodes on one Redis, each serving the built web client.
pub struct WebCluster {
    /// Kept for the life of the cluster; dropping it stops Redis.
    _redis: RedisServer,
    /// Node 0's way to Redis, when it was started behind one.
    proxy: Option<FreezingProxy>,
    pub nodes: Vec<TestNode>,
    configs: Vec<Config>,
}

impl WebCluster {
    pub async fn start(nodes: usize) -> WebCluster {
        WebCluster::start_with(nodes, |_| {}).await
    }

    /// Like [`WebCluster::start`], with `tweak` applied to every node's settings.
    pub async fn start_with(nodes: usize, tweak: impl Fn(&mut Config)) -> WebCluster {
        WebCluster::spawn(nodes, tweak, false).await
    }

    /// Like [`WebCluster::start`], but node 0 reaches Redis through a
    /// [`FreezingProxy`] ([`WebCluster::proxy`]), which can make its Redis
    /// connections go silent. A restarted node 0 gets fresh connections.
    pub async fn start_behind_proxy(nodes: usize) -> WebCluster {
        WebCluster::spawn(nodes, |_| {}, true).await
    }

    pub fn proxy(&self) -> &FreezingProxy {
        self.proxy.as_ref().expect("the cluster was started with start_behind_proxy")
    }

    async fn spawn(nodes: usize, tweak: impl Fn(&mut Config), behind_proxy: bool) -> WebCluster {
        let dist = dist_dir();
        let redis = RedisServer::start().await;
        let proxy = if behind_proxy { Some(FreezingProxy::start(redis.port).await) } else { None };
        let prefix = unique_prefix();
        let mut configs = Vec::new();
        let mut spawned = Vec::new();
        for i in 0..nodes {
            let url = match (&proxy, i) {
                (Some(proxy), 0) => proxy.url(),
                _ => redis.url(),
            };
            let mut config = test_config(Some(url), &prefix);
            config.http.static_dir = dist.clone();
            config.node_name = Some(format!("node-{}", char::from(b'a' + i as u8)));
            // Browsers answer the server's pings by themselves; keep them on.
            config.session.ping_interval = Duration::from_secs(5);
            config.session.ping_timeout = Duration::from_secs(10);
            tweak(&mut config);
            let node = TestNode::spawn(config.clone()).await;
            // A restart must come back on the same address, as a real node would.
            config.http.bind = node.addr;
            configs.push(config);
            spawned.push(node);
        }
        for node in &spawned {
            wait_ready(node).await;
        }
        WebCluster { _redis: redis, proxy, nodes: spawned, configs }
    }

    pub fn url(&self, node: usize, path: &str) -> String {
        format!("http://{}{path}", self.nodes[node].addr)
    }

    pub fn node_name(&self, node: usize) -> &str {
        &self.nodes[node].name
    }

    /// Shuts node `i` down gracefully (its clients get close 1012).
    pub async fn stop(&mut self, i: usize) {
        self.nodes[i].shut_down().await;
    }

    /// Starts node `i` again on the address it had.
    pub async fn restart(&mut self, i: usize) {
        self.nodes[i] = TestNode::spawn(self.configs[i].clone()).await;
        wait_ready(&self.nodes[i]).await;
    }
}
