//! nginx from the system packages, configured with the very site template and
//! render script the web image ships (`frontend/nginx/`), in front of real
//! nodes; plus a bare HTTP client that shows headers.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::browser::BROWSER_PATIENCE;
use crate::helpers::unique_prefix;

pub struct Nginx {
    pub addr: SocketAddr,
    dir: PathBuf,
    child: Child,
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("backend/ sits in the repository").to_path_buf()
}

fn nginx_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("NGINX") {
        return PathBuf::from(path);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    dirs.extend([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")]);
    dirs.into_iter().map(|dir| dir.join("nginx")).find(|path| path.is_file()).unwrap_or_else(|| {
        panic!("cannot find nginx (or set NGINX): `apt-get install nginx` (scripts/test.sh installs it)")
    })
}

/// `user group` of this process, for nginx's `user` directive.
fn current_user() -> String {
    let id = |flag: &str| {
        let out = Command::new("id").arg(flag).output().expect("run id");
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    format!("{} {}", id("-un"), id("-gn"))
}

impl Nginx {
    /// Starts nginx on a free port, balancing `/ws` over `nodes` and serving `root`.
    pub async fn start(nodes: &[SocketAddr], root: &Path) -> Nginx {
        let nginx = nginx_binary();
        let dir = std::env::temp_dir().join(format!("roomcast-nginx-{}", unique_prefix()));
        std::fs::create_dir_all(&dir).expect("create nginx dir");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let nodes: Vec<String> = nodes.iter().map(SocketAddr::to_string).collect();

        // The web image's start-up step, on the web image's template.
        let site = dir.join("roomcast.conf");
        let shipped = repo_root().join("frontend/nginx");
        let rendered = Command::new("sh")
            .arg(shipped.join("render-config.sh"))
            .env("ROOMCAST_NODES", nodes.join(" "))
            .env("ROOMCAST_PORT", port.to_string())
            .env("ROOMCAST_ROOT", root)
            .env("ROOMCAST_TEMPLATE", shipped.join("roomcast.conf.template"))
            .env("ROOMCAST_CONF", &site)
            .stdout(Stdio::null())
            .status()
            .expect("run render-config.sh");
        assert!(rendered.success(), "render-config.sh failed");

        // Workers run as whoever runs the tests, so they can read the web
        // client wherever the checkout is (a private temporary folder, say);
        // nginx ignores the directive when not started as root.
        let user = current_user();
        // What the nginx image's own nginx.conf provides around the site.
        let main = format!(
            "user {user};\n\
             worker_processes 2;\n\
             pid {dir}/nginx.pid;\n\
             error_log {dir}/error.log warn;\n\
             events {{ worker_connections 1024; }}\n\
             http {{\n\
                 include /etc/nginx/mime.types;\n\
                 default_type application/octet-stream;\n\
                 access_log off;\n\
                 client_body_temp_path {dir}/body;\n\
                 proxy_temp_path {dir}/proxy;\n\
                 fastcgi_temp_path {dir}/fastcgi;\n\
                 uwsgi_temp_path {dir}/uwsgi;\n\
                 scgi_temp_path {dir}/scgi;\n\
                 include {site};\n\
             }}\n",
            dir = dir.display(),
            site = site.display(),
        );
        let conf = dir.join("nginx.conf");
        std::fs::write(&conf, main).expect("write nginx.conf");
        let child = Command::new(&nginx)
            .arg("-c")
            .arg(&conf)
            .arg("-p")
            .arg(&dir)
            .args(["-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start {}: {err}", nginx.display()));
        let mut server = Nginx { addr: SocketAddr::from(([127, 0, 0, 1], port)), dir, child };
        let deadline = tokio::time::Instant::now() + BROWSER_PATIENCE;
        while tokio::net::TcpStream::connect(server.addr).await.is_err() {
            if let Ok(Some(status)) = server.child.try_wait() {
                let mut stderr = String::new();
                if let Some(mut pipe) = server.child.stderr.take() {
                    let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
                }
                let log = std::fs::read_to_string(server.dir.join("error.log")).unwrap_or_default();
                panic!("nginx exited with {status}: {stderr}{log}");
            }
            assert!(tokio::time::Instant::now() < deadline, "nginx did not start listening");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        server
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One HTTP response: status, headers (names in lower case) and body.
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }
}

/// `GET path` with extra request headers; the body is left as sent (it may be chunked).
pub async fn get(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> Response {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    // HTTP/1.1: nginx compresses only for 1.1 clients (gzip_http_version).
    let mut request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.expect("send request");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read response");
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a complete response head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let status =
        lines.next().and_then(|line| line.split(' ').nth(1)).and_then(|s| s.parse().ok()).unwrap_or(0);
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    Response { status, headers, body: raw[split + 4..].to_vec() }
}
