//! Start-up and shutdown: `Application::build` binds the listener and starts
//! the broker, `local_addr` tells tests which port they got, and
//! `run_until_stopped` serves until a shutdown signal, then drains.
//!
//! Shutdown order: stop accepting, report not ready, tell every session (each
//! sends its client what is queued, then a 1012 "restart, reconnect" close),
//! wait for them up to the grace period, publish that this node's members
//! left, stop the broker.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::config::{Config, HttpSettings};
use crate::node::Node;

pub struct Application {
    listener: TcpListener,
    node: Arc<Node>,
    http: HttpSettings,
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let Config { http, session, redis, history, node_name, .. } = config;
        let listener =
            TcpListener::bind(http.bind).await.with_context(|| format!("cannot listen on {}", http.bind))?;
        let origin: u64 = rand::random();
        let name = node_name.unwrap_or_else(|| default_node_name(origin));
        let admission = http.admission.clone();
        let node = Node::start(name, origin, session, &redis, &history, admission)
            .context("cannot set up the broker")?;
        Ok(Application { listener, node: Arc::new(node), http })
    }

    pub fn local_addr(&self) -> SocketAddr {
        // A bound listener always has a local address; the fallback is never used.
        self.listener.local_addr().unwrap_or(self.http.bind)
    }

    pub fn node_name(&self) -> &str {
        &self.node.name
    }

    /// Serves until `signal` resolves, then shuts down gracefully.
    pub async fn run_until_stopped(
        self,
        signal: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let Application { listener, node, http } = self;
        info!(
            node = %node.name,
            addr = %listener.local_addr()?,
            broker = node.broker.kind(),
            static_dir = %http.static_dir.display(),
            "listening"
        );
        let presence_stop = CancellationToken::new();
        let presence = tokio::spawn(node.clone().run_presence(presence_stop.clone()));
        let router = crate::http::router(node.clone(), &http.static_dir);
        let draining = node.clone();
        let stopping = async move {
            signal.await;
            info!("shutting down: closing sessions");
            draining.begin_shutdown();
        };
        let limits = crate::serve::Limits {
            header_timeout: http.header_timeout,
            send_buffer: http.socket_send_buffer,
            grace: node.settings.shutdown_grace,
        };
        crate::serve::serve(listener, router, limits, stopping).await;
        node.begin_shutdown();
        node.sessions.close();
        if tokio::time::timeout(node.settings.shutdown_grace, node.sessions.wait()).await.is_err() {
            warn!(left = node.sessions.len(), "sessions still open after the grace period");
        }
        // A last presence round tells the other nodes this node's members left.
        presence_stop.cancel();
        let _ = presence.await;
        node.broker.shutdown().await;
        info!("stopped");
        Ok(())
    }
}

fn default_node_name(origin: u64) -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "node".to_owned());
    format!("{host}-{:04x}", origin & 0xffff)
}
