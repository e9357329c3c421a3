//! What a node counts for Prometheus, served at `/metrics` in the OpenMetrics
//! text format.
//!
//! Every node has its own [`Registry`] (no global recorder), so tests that
//! run several nodes in one process read each node's own figures. Counters
//! are bumped where things happen (sessions, hub, broker); gauges that are
//! cheap to read (connections, rooms) are read when scraped. Names and labels
//! are listed in `docs/operations.md`.

use std::sync::atomic::AtomicU64;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use roomcast_protocol::close::{
    HEARTBEAT_TIMEOUT, HELLO_TIMEOUT, MESSAGE_TOO_BIG, POLICY_VIOLATION, SERVICE_RESTART, SLOW_CONSUMER,
};
use roomcast_protocol::ErrorCode;

use crate::admission::Refusal;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CloseLabels {
    /// `slow_consumer`, `heartbeat_timeout`, `message_too_big` or `service_restart`.
    pub reason: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ErrorLabels {
    /// The error frame's code, as on the wire (`rate_limited`, `unavailable`…).
    pub code: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ChangeLabels {
    /// `edit` or `delete`.
    pub kind: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    /// `recovered` or `not_recovered`.
    pub outcome: &'static str,
}

#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    connections: Gauge,
    rooms: Gauge,
    pub connections_opened: Counter,
    pub joins: Counter,
    pub frames_in: Counter,
    pub frames_out: Counter,
    pub messages_published: Counter,
    pub message_changes: Family<ChangeLabels, Counter>,
    pub deliveries: Counter,
    pub deliveries_dropped: Counter,
    pub publish_seconds: Histogram,
    pub delivery_lag_seconds: Histogram,
    pub closes: Family<CloseLabels, Counter>,
    pub errors: Family<ErrorLabels, Counter>,
    pub broker_reconnects: Counter,
    pub subscription_lag_seconds: Gauge<f64, AtomicU64>,
    pub subscriptions_behind: Counter,
    pub fanout_overflows: Counter,
    pub gap_messages: Counter,
    pub gaps: Counter,
    pub recoveries: Family<OutcomeLabels, Counter>,
    pub refused: Family<RefusalLabels, Counter>,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RefusalLabels {
    /// `origin`, `node_full` or `address_full`.
    pub reason: &'static str,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("roomcast");
        let metrics = Metrics {
            connections: Gauge::default(),
            rooms: Gauge::default(),
            connections_opened: Counter::default(),
            joins: Counter::default(),
            frames_in: Counter::default(),
            frames_out: Counter::default(),
            messages_published: Counter::default(),
            message_changes: Family::default(),
            deliveries: Counter::default(),
            deliveries_dropped: Counter::default(),
            // 100 µs to about 1.6 s.
            publish_seconds: Histogram::new(exponential_buckets(0.0001, 2.0, 15)),
            // 1 ms to about 16 s.
            delivery_lag_seconds: Histogram::new(exponential_buckets(0.001, 2.0, 15)),
            closes: Family::default(),
            errors: Family::default(),
            broker_reconnects: Counter::default(),
            subscription_lag_seconds: Gauge::default(),
            subscriptions_behind: Counter::default(),
            fanout_overflows: Counter::default(),
            gap_messages: Counter::default(),
            gaps: Counter::default(),
            recoveries: Family::default(),
            refused: Family::default(),
            registry: Registry::default(),
        };
        let m = &metrics;
        registry.register("connections", "Open WebSocket connections", m.connections.clone());
        registry.register(
            "rooms",
            "Rooms with members on this node (each one Redis subscription)",
            m.rooms.clone(),
        );
        registry.register(
            "connections_opened",
            "WebSocket connections accepted",
            m.connections_opened.clone(),
        );
        registry.register("joins", "Rooms joined", m.joins.clone());
        registry.register("frames_in", "Frames received from clients", m.frames_in.clone());
        registry.register("frames_out", "Frames written to clients", m.frames_out.clone());
        registry.register(
            "messages_published",
            "Messages this node's clients posted",
            m.messages_published.clone(),
        );
        registry.register(
            "message_changes",
            "Edits and deletions this node's clients made, by kind",
            m.message_changes.clone(),
        );
        registry.register("deliveries", "Room messages queued for a member", m.deliveries.clone());
        registry.register(
            "deliveries_dropped",
            "Room messages that found a member's queue full (that member was closed)",
            m.deliveries_dropped.clone(),
        );
        registry.register(
            "publish_seconds",
            "Time to store and publish one message",
            m.publish_seconds.clone(),
        );
        registry.register(
            "delivery_lag_seconds",
            "Age of a message when this node hands it to its members (from the broker's clock)",
            m.delivery_lag_seconds.clone(),
        );
        registry.register("server_closes", "Connections the server closed, by reason", m.closes.clone());
        registry.register("errors", "Error frames sent, by code", m.errors.clone());
        registry.register(
            "broker_reconnects",
            "Times the Redis subscription connection was lost",
            m.broker_reconnects.clone(),
        );
        registry.register(
            "subscription_lag_seconds",
            "How late this node's last probe came back through its Redis subscription",
            m.subscription_lag_seconds.clone(),
        );
        registry.register(
            "subscriptions_behind",
            "Times the Redis subscription fell more than SUBSCRIPTION_LAG_LIMIT behind and was replaced",
            m.subscriptions_behind.clone(),
        );
        registry.register(
            "fanout_overflows",
            "Times a room's message found its fan-out worker's queue full and the room was caught up from history",
            m.fanout_overflows.clone(),
        );
        registry.register(
            "gap_messages",
            "Messages delivered from history after the subscription came back",
            m.gap_messages.clone(),
        );
        registry.register("gaps", "Rooms whose members were told of messages lost to them", m.gaps.clone());
        registry.register("recoveries", "Joins that asked to recover, by outcome", m.recoveries.clone());
        registry.register("upgrades_refused", "WebSocket upgrades refused, by reason", m.refused.clone());
        Metrics { registry, ..metrics }
    }

    /// Counts a close the server decided on; other codes are not counted.
    pub fn closed(&self, code: u16) {
        let reason = match code {
            SLOW_CONSUMER => "slow_consumer",
            HEARTBEAT_TIMEOUT => "heartbeat_timeout",
            MESSAGE_TOO_BIG => "message_too_big",
            HELLO_TIMEOUT => "hello_timeout",
            POLICY_VIOLATION => "policy_violation",
            SERVICE_RESTART => "service_restart",
            _ => return,
        };
        self.closes.get_or_create(&CloseLabels { reason }).inc();
    }

    pub fn error(&self, code: ErrorCode) {
        let code =
            serde_json::to_value(code).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
        self.errors.get_or_create(&ErrorLabels { code }).inc();
    }

    pub fn recovery(&self, recovered: bool) {
        let outcome = if recovered { "recovered" } else { "not_recovered" };
        self.recoveries.get_or_create(&OutcomeLabels { outcome }).inc();
    }

    pub fn refused(&self, refusal: Refusal) {
        let reason = match refusal {
            Refusal::Origin => "origin",
            Refusal::NodeFull => "node_full",
            Refusal::AddressFull => "address_full",
        };
        self.refused.get_or_create(&RefusalLabels { reason }).inc();
    }

    /// Counts an edit or deletion (`kind`: `edit` or `delete`) that was
    /// stored and published.
    pub fn changed(&self, kind: &'static str) {
        self.message_changes.get_or_create(&ChangeLabels { kind }).inc();
    }

    pub fn published(&self, took: Duration) {
        self.messages_published.inc();
        self.publish_seconds.observe(took.as_secs_f64());
    }

    /// The registry in the OpenMetrics text format, with the gauges set to
    /// `connections` and `rooms`.
    pub fn render(&self, connections: usize, rooms: usize) -> String {
        self.connections.set(i64::try_from(connections).unwrap_or(i64::MAX));
        self.rooms.set(i64::try_from(rooms).unwrap_or(i64::MAX));
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_names_every_family_under_the_roomcast_prefix() {
        let metrics = Metrics::new();
        metrics.closed(SLOW_CONSUMER);
        metrics.closed(1000);
        metrics.error(ErrorCode::RateLimited);
        metrics.changed("delete");
        let text = metrics.render(3, 1);
        assert!(text.contains("roomcast_connections 3"), "{text}");
        assert!(text.contains("roomcast_server_closes_total{reason=\"slow_consumer\"} 1"), "{text}");
        assert!(text.contains("roomcast_errors_total{code=\"rate_limited\"} 1"), "{text}");
        assert!(text.contains("roomcast_message_changes_total{kind=\"delete\"} 1"), "{text}");
        assert!(text.ends_with("# EOF\n"));
    }
}
