//! HTTP routes: the WebSocket endpoint, health checks for load balancers, and
//! the built web client with single-page-app fallback.

use std::path::Path;
use std::sync::Arc;

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State, WebSocketUpgrade};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use roomcast_protocol::limits::MAX_FRAME_BYTES;
use serde_json::json;
use tower_http::services::{ServeDir, ServeFile};
use tracing::warn;

use crate::node::Node;
use crate::session;

/// Frames up to this size are read (and those over `MAX_FRAME_BYTES` answered
/// with an error); larger ones close the connection with 1009.
pub const HARD_FRAME_LIMIT: usize = 4 * MAX_FRAME_BYTES;

/// Socket buffer sizes for chat-sized frames. The library defaults (128 KiB
/// each) would make every idle connection cost far more than its state. The
/// read buffer is allocated up front for every connection; a frame larger than
/// it is still read whole (tungstenite reserves the frame's length once its
/// header is in), just in more than one read. `scripts/bench.sh` measures the
/// effect: 4 KiB cost about 3 KB more per idle connection than 1 KiB. The
/// write buffer is how much the writer gathers before it writes through;
/// the library keeps its largest size for the connection's life, and chat
/// frames are a few hundred bytes, so 512 B still puts a few of them in one
/// write (a 10k join storm: 15.9 KB per connection with 4 KiB, 14.7 KB with
/// 1 KiB; later 5.9 KB with 1 KiB and 5.2–5.4 KB with 512 B and presence
/// frames of 16 names, the same CPU per delivery at 186 messages a second
/// per publisher). A client's frames are rarer and as small: 256 B reads
/// most in one go, and a larger one takes two reads (its header, then the
/// rest, for which tungstenite reserves room): 3.9 KB per idle connection
/// without presence, against 4.2 KB with 512 B.
const READ_BUFFER: usize = 256;
const WRITE_BUFFER: usize = 512;
const MAX_WRITE_BUFFER: usize = 4 * HARD_FRAME_LIMIT;

pub fn router(node: Arc<Node>, static_dir: &Path) -> Router {
    let api = Router::new()
        .route("/ws", get(upgrade))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(node.clone());
    let index = static_dir.join("index.html");
    if index.is_file() {
        let files = ServeDir::new(static_dir).fallback(ServeFile::new(index));
        api.fallback_service(files)
    } else {
        tracing::warn!(dir = %static_dir.display(), "no web client found; serving the API only");
        api.fallback(get(no_client).with_state(node))
    }
}

async fn upgrade(
    State(node): State<Arc<Node>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    if node.shutdown.is_cancelled() {
        return (StatusCode::SERVICE_UNAVAILABLE, "node is shutting down").into_response();
    }
    let ticket = match node.admission.admit(peer.ip(), &headers) {
        Ok(ticket) => ticket,
        Err(refusal) => {
            let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()).unwrap_or("");
            warn!(%peer, origin, cause = %refusal, "refused a WebSocket upgrade");
            node.metrics.refused(refusal);
            return (refusal.status(), refusal.to_string()).into_response();
        }
    };
    let sessions = node.sessions.clone();
    ws.read_buffer_size(READ_BUFFER)
        .write_buffer_size(WRITE_BUFFER)
        .max_write_buffer_size(MAX_WRITE_BUFFER)
        .max_message_size(HARD_FRAME_LIMIT)
        .max_frame_size(HARD_FRAME_LIMIT)
        .on_upgrade(move |socket| {
            // Boxed once here: every future that takes the socket by value
            // keeps room for it for its whole life, so passed inline it
            // would be held twice more in each connection's task.
            let socket = Box::new(socket);
            sessions.track_future(async move {
                session::run(socket, node, ticket.address()).await;
                drop(ticket);
            })
        })
}

async fn healthz(State(node): State<Arc<Node>>) -> Json<serde_json::Value> {
    let deliveries = node.hub.deliveries();
    Json(json!({
        "status": "ok",
        "node": node.name,
        "connections": node.sessions.len(),
        "rooms": node.hub.room_count(),
        "deliveries": { "queued": deliveries.queued, "overflowed": deliveries.overflowed },
    }))
}

async fn readyz(State(node): State<Arc<Node>>) -> Response {
    let health = node.broker.health();
    let draining = node.shutdown.is_cancelled();
    let ready = health.ready && !draining;
    let detail = if draining { "shutting down" } else { health.detail };
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let body = json!({ "ready": ready, "node": node.name, "broker": node.broker.kind(), "detail": detail });
    (status, Json(body)).into_response()
}

/// Prometheus scrape endpoint, in the OpenMetrics text format.
async fn metrics(State(node): State<Arc<Node>>) -> Response {
    let body = node.metrics.render(node.sessions.len(), node.hub.room_count());
    let content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    ([(axum::http::header::CONTENT_TYPE, content_type)], body).into_response()
}

async fn no_client(State(node): State<Arc<Node>>) -> (StatusCode, String) {
    let body = format!(
        "Roomcast node {} is running. WebSocket endpoint: /ws. The web client is not built here \
         (set STATIC_DIR to a folder with index.html).\n",
        node.name
    );
    (StatusCode::NOT_FOUND, body)
}
