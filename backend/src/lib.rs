//! A Roomcast node: WebSocket sessions at `/ws`, room membership, and fan-out of
//! room messages through a broker that every node shares.
//!
//! Dependencies form a tree: `main` → [`app`] → [`http`] → [`session`] →
//! [`node`] → [`hub`] → [`broker`]; [`config`], [`outbox`], [`presence`] and
//! [`rate`] are leaves that several of them use.
//!
//! - [`config`]: command-line and environment settings, in groups.
//! - [`admission`]: which pages may open WebSockets, and how many per node and address.
//! - [`serve`]: the HTTP server loop (header deadline, peer addresses).
//! - [`app`]: binds the listener, builds the node, serves until a shutdown
//!   signal, then drains.
//! - [`http`]: routes: `/ws`, `/healthz`, `/readyz`, `/metrics`, and the web client.
//! - [`session`]: one client connection: one task that owns the socket,
//!   handles client frames and writes what its bounded queue holds.
//! - [`node`]: what every session of the node shares.
//! - [`identity`]: optional signed identity tokens (`AUTH_SECRET`).
//! - [`hub`]: who is in which room on this node, and the local fan-out of
//!   each delivered message; the node's side of the broker seam.
//! - [`metrics`]: the node's Prometheus metrics, served at `/metrics`.
//! - [`outbox`]: a session's bounded outbound queue and its close switch.
//! - [`presence`]: who is in each room, by name, on every node.
//! - [`rate`]: the per-connection send rate limit.
//! - [`broker`]: carries messages between nodes: Redis Pub/Sub when
//!   `REDIS_URL` is set, an in-process broker otherwise.
//! - [`telemetry`]: `tracing` set-up.
//! - [`healthcheck`]: `--healthcheck`, the container health probe.
//!
//! Only `roomcast-protocol` defines what crosses the client WebSocket; the
//! node-to-node envelope in [`broker::envelope`] is private to the servers.

pub mod admission;
pub mod app;
pub mod broker;
pub mod config;
pub mod healthcheck;
pub mod http;
pub mod hub;
pub mod identity;
pub mod metrics;
pub mod node;
pub mod outbox;
pub mod presence;
pub mod rate;
pub mod serve;
pub mod session;
pub mod telemetry;
#[cfg(test)]
mod test_support;

pub use app::Application;
pub use config::Config;
