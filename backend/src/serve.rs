//! The HTTP server loop: accepts TCP connections and serves the router over
//! hyper, like `axum::serve`, with what a server on the open internet needs
//! and `axum::serve` does not set: a deadline for a request's headers (so a
//! client that sends them byte by byte cannot hold a socket), a bounded
//! kernel send buffer per connection (so a client that stops reading is
//! noticed, see `SOCKET_SEND_BUFFER`), and the peer's address on every
//! request (for per-address limits).

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::extract::connect_info::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper::Request;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tower::ServiceExt;
use tracing::{debug, warn};

/// What the server loop holds each connection to.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Longest wait for a request's headers.
    pub header_timeout: Duration,
    /// Each accepted socket's send buffer in bytes; 0: the kernel's choice.
    pub send_buffer: usize,
    /// How long requests in flight may finish after the signal.
    pub grace: Duration,
}

/// Serves `router` on `listener` until `signal` resolves, then stops
/// accepting and waits up to the grace period for requests in flight
/// (upgraded WebSockets are the sessions' business, not this loop's).
pub async fn serve(listener: TcpListener, router: Router, limits: Limits, signal: impl Future<Output = ()>) {
    let mut builder = Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(limits.header_timeout);
    let graceful = GracefulShutdown::new();
    tokio::pin!(signal);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut signal => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors and the like: back off a moment
                    // instead of spinning.
                    warn!(cause = %err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        if let Err(err) = stream.set_nodelay(true) {
            debug!(cause = %err, "cannot set TCP_NODELAY");
        }
        if limits.send_buffer > 0 {
            if let Err(err) = socket2::SockRef::from(&stream).set_send_buffer_size(limits.send_buffer) {
                debug!(cause = %err, "cannot set the send buffer");
            }
        }
        let service = router.clone().map_request(move |request: Request<Incoming>| with_peer(request, peer));
        let connection =
            builder.serve_connection_with_upgrades(TokioIo::new(stream), TowerToHyperService::new(service));
        let connection = graceful.watch(connection.into_owned());
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                debug!(cause = %err, %peer, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(limits.grace, graceful.shutdown()).await.is_err() {
        debug!("requests still in flight after the grace period");
    }
}

fn with_peer(request: Request<Incoming>, peer: SocketAddr) -> Request<Body> {
    let mut request = request.map(Body::new);
    request.extensions_mut().insert(ConnectInfo(peer));
    request
}
