//! A Roomcast node: WebSocket sessions at `/ws`, room membership, and fan-out of
//! room messages through a broker that every node shares.
//!
//! - [`config`]: command-line and environment settings.
//! - [`app`]: builds the HTTP server (WebSocket endpoint, health, static web
//!   client) and runs it until a shutdown signal, then drains.
//! - [`session`]: one client connection: a reader that handles client frames
//!   and a writer fed by a bounded queue.
//! - [`http`]: routes: `/ws`, `/healthz`, `/readyz`, and the web client.
//! - [`hub`]: the node's room registry (who is in which room on this node) and
//!   the local fan-out of each delivered message.
//! - [`rate`]: the per-connection send rate limit.
//! - [`broker`]: carries messages between nodes: Redis Pub/Sub when
//!   `REDIS_URL` is set, an in-process broker otherwise.
//! - [`telemetry`]: `tracing` set-up.
//! - [`healthcheck`]: `--healthcheck`, the container health probe.
//!
//! Only `roomcast-protocol` defines what crosses the client WebSocket; the
//! node-to-node envelope in [`broker::envelope`] is private to the servers.

pub mod app;
pub mod broker;
pub mod config;
pub mod healthcheck;
pub mod http;
pub mod hub;
pub mod rate;
pub mod session;
pub mod telemetry;

pub use app::Application;
pub use config::Config;
