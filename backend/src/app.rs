//! Start-up and shutdown: `Application::build` binds the listener and starts
//! the broker, `local_addr` tells tests which port they got, and
//! `run_until_stopped` serves until a shutdown signal, then drains.
//!
//! Shutdown order: stop accepting, report not ready, tell every session (each
//! sends its client a 1012 "restart, reconnect" close), wait for them up to the
//! grace period, stop the broker.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{info, warn};

use crate::broker::Broker;
use crate::config::Config;
use crate::hub::Registry;

/// What every session of this node shares.
#[derive(Debug)]
pub struct Node {
    pub name: String,
    /// Random per process; tells this node's messages apart from others' even
    /// if two nodes were given the same name.
    pub origin: u64,
    pub registry: Arc<Registry>,
    pub broker: Broker,
    pub settings: SessionSettings,
    /// Cancelled when the node starts shutting down.
    pub shutdown: CancellationToken,
    /// Live sessions, so shutdown can wait for them.
    pub sessions: TaskTracker,
}

/// The per-connection limits and timers, from [`Config`].
#[derive(Debug, Clone)]
pub struct SessionSettings {
    pub max_rooms: usize,
    pub outbound_queue: usize,
    pub send_rate: f64,
    pub send_burst: u32,
    pub ping_interval: Duration,
    pub ping_timeout: Duration,
    pub join_timeout: Duration,
}

pub struct Application {
    listener: TcpListener,
    node: Arc<Node>,
    config: Config,
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(config.bind)
            .await
            .with_context(|| format!("cannot listen on {}", config.bind))?;
        let origin: u64 = rand::random();
        let name = config.node_name.clone().unwrap_or_else(|| default_node_name(origin));
        let registry = Arc::new(Registry::new(Broker::rooms_always_active(&config)));
        let broker = Broker::start(&config, registry.clone(), origin).context("cannot set up the broker")?;
        let settings = SessionSettings {
            max_rooms: config.max_rooms,
            outbound_queue: config.outbound_queue,
            send_rate: config.send_rate,
            send_burst: config.send_burst,
            ping_interval: config.ping_interval,
            ping_timeout: config.ping_timeout,
            join_timeout: config.join_timeout,
        };
        let node = Arc::new(Node {
            name,
            origin,
            registry,
            broker,
            settings,
            shutdown: CancellationToken::new(),
            sessions: TaskTracker::new(),
        });
        Ok(Application { listener, node, config })
    }

    pub fn local_addr(&self) -> SocketAddr {
        // A bound listener always has a local address; the fallback is never used.
        self.listener.local_addr().unwrap_or(self.config.bind)
    }

    pub fn node_name(&self) -> &str {
        &self.node.name
    }

    /// Serves until `signal` resolves, then shuts down gracefully.
    pub async fn run_until_stopped(
        self,
        signal: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let Application { listener, node, config } = self;
        info!(
            node = %node.name,
            addr = %listener.local_addr()?,
            broker = node.broker.kind(),
            static_dir = %config.static_dir.display(),
            "listening"
        );
        let router = crate::http::router(node.clone(), &config.static_dir);
        let draining = node.shutdown.clone();
        axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                signal.await;
                info!("shutting down: closing sessions");
                draining.cancel();
            })
            .await
            .context("server failed")?;
        node.shutdown.cancel();
        node.sessions.close();
        if tokio::time::timeout(config.shutdown_grace, node.sessions.wait()).await.is_err() {
            warn!(left = node.sessions.len(), "sessions still open after the grace period");
        }
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
