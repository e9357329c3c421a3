//! `roomcast-server --healthcheck`: asks the node listening on `BIND` whether
//! it is alive (`/healthz`), for container health checks. Liveness, not
//! readiness: a node that lost Redis is not ready, but restarting it would
//! not bring Redis back, and restarting every node at once on a Redis blip
//! would drop every user. It needs no shell, curl or other tool in the
//! image, so the runtime image can stay minimal.

use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::time::Duration;

/// Where to reach a node bound to `bind` from the same host: a wildcard
/// address (`0.0.0.0`, `::`) is reached over loopback.
pub fn local_target(bind: SocketAddr) -> SocketAddr {
    let ip = match bind.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, bind.port())
}

/// `GET /healthz` on the node bound to `bind`: whether it serves at all.
pub fn is_alive(bind: SocketAddr, timeout: Duration) -> io::Result<bool> {
    answers_200(bind, "/healthz", timeout)
}

/// `GET /readyz` on the node bound to `bind`: whether it can take users now.
pub fn is_ready(bind: SocketAddr, timeout: Duration) -> io::Result<bool> {
    answers_200(bind, "/readyz", timeout)
}

/// `Ok(true)` for a 200 answer to `GET path`, `Ok(false)` for any other
/// status, an error when no node answers in time.
fn answers_200(bind: SocketAddr, path: &str, timeout: Duration) -> io::Result<bool> {
    let target = local_target(bind);
    let mut stream = TcpStream::connect_timeout(&target, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    stream.write_all(
        format!("GET {path} HTTP/1.0\r\nHost: localhost\r\nConnection: close\r\n\r\n").as_bytes(),
    )?;
    // The status line is all we need: "HTTP/1.x 200 OK".
    let mut head = [0u8; 16];
    let mut filled = 0;
    while filled < head.len() {
        match stream.read(&mut head[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(status_is_ok(&head[..filled]))
}

fn status_is_ok(head: &[u8]) -> bool {
    head.starts_with(b"HTTP/1.") && head.get(8..13) == Some(b" 200 ".as_slice())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_binds_are_reached_over_loopback() {
        let cases = [
            ("0.0.0.0:8080", "127.0.0.1:8080"),
            ("[::]:8080", "[::1]:8080"),
            ("10.1.2.3:9000", "10.1.2.3:9000"),
        ];
        for (bind, expected) in cases {
            assert_eq!(local_target(bind.parse().unwrap()), expected.parse::<SocketAddr>().unwrap());
        }
    }

    #[test]
    fn only_a_200_status_line_counts_as_ready() {
        assert!(status_is_ok(b"HTTP/1.1 200 OK\r\n"));
        assert!(status_is_ok(b"HTTP/1.0 200 OK\r\n"));
        assert!(!status_is_ok(b"HTTP/1.1 503 Service"));
        assert!(!status_is_ok(b"HTTP/1.1 2000 Odd"));
        assert!(!status_is_ok(b"garbage"));
        assert!(!status_is_ok(b""));
    }
}
