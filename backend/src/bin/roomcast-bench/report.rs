//! What a run reports: one JSON line per run or ramp step (and one per idle
//! run or ramp summary) on stdout, and the same as a readable table on stderr.

use std::io::Write;

use roomcast_protocol::close::SLOW_CONSUMER;
use serde::Serialize;

use crate::args::Format;
use crate::fleet::StepResult;
use crate::procfs::Sample;
use crate::stats::LatencyMs;

/// What was measured, repeated on every line so each stands alone.
#[derive(Debug, Clone, Serialize)]
pub struct Scenario {
    pub label: String,
    pub server: String,
    pub broker: String,
    pub nodes: usize,
    pub clients: usize,
    pub rooms: usize,
    pub publishers: usize,
    pub payload_bytes: usize,
    pub warmup_s: f64,
    pub duration_s: f64,
    /// The lowest protocol version the server spoke on any connection.
    pub protocol: u32,
    /// Clients in the first room that never read (`--stalled`).
    pub stalled: usize,
}

/// The processes of a run, by their readings: the nodes in URL order, then
/// Redis if this run started it, then the bench itself.
#[derive(Debug, Clone, Copy)]
pub struct Readings<'a> {
    pub before: &'a [Option<Sample>],
    pub after: &'a [Option<Sample>],
}

impl Readings<'_> {
    pub fn cpu_s(&self, index: usize) -> Option<f64> {
        Some(self.after.get(index)?.as_ref()?.cpu_seconds_since(self.before.get(index)?.as_ref()?))
    }

    /// Resident memory gained, in bytes per connection.
    pub fn rss_per(&self, index: usize, connections: usize) -> Option<f64> {
        let gained = self.after.get(index)?.as_ref()?.rss_kib_since(self.before.get(index)?.as_ref()?);
        (connections > 0).then(|| gained as f64 * 1024.0 / connections as f64)
    }

    fn rss_kib(&self, index: usize) -> Option<u64> {
        Some(self.after.get(index)?.as_ref()?.rss_kib)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct NodeFigures {
    pub url: String,
    pub pid: Option<u32>,
    pub connections: usize,
    pub deliveries: u64,
    pub cpu_s: Option<f64>,
    pub cpu_us_per_delivery: Option<f64>,
    pub rss_kib: Option<u64>,
    /// RSS gained from before the clients connected to after they joined.
    pub rss_bytes_per_connection: Option<f64>,
}

/// One run, or one step of a ramp.
#[derive(Debug, Clone, Serialize)]
pub struct StepReport {
    pub kind: &'static str,
    #[serde(flatten)]
    pub scenario: Scenario,
    pub step: u32,
    pub rate_per_publisher: f64,
    pub window_s: f64,
    pub sent: u64,
    pub refused: u64,
    pub refusal_codes: Vec<String>,
    pub deliveries: u64,
    pub deliveries_per_s: f64,
    pub expected: u64,
    pub lost: u64,
    pub duplicated: u64,
    pub reordered: u64,
    pub stale: u64,
    pub misrouted: u64,
    pub disconnects: u64,
    pub settled: bool,
    pub publish_errors: Vec<String>,
    pub latency_ms: LatencyMs,
    pub nodes: Vec<NodeFigures>,
    /// All nodes' CPU over all deliveries (nodes without a PID left out).
    pub cpu_us_per_delivery: Option<f64>,
    pub redis_cpu_s: Option<f64>,
    pub redis_cpu_us_per_message: Option<f64>,
    /// The bench's own CPU over the window: it shares the machine.
    pub bench_cpu_s: Option<f64>,
    /// How busy all cores were over the window, whatever ran on them.
    pub machine_busy_percent: Option<f64>,
    /// CPU seconds over the window of everything but the nodes, Redis and the
    /// bench: other work on the machine that the figures competed with.
    pub other_cpu_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holds: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub breaks: Option<String>,
}

/// The nodes' side of a run: where they are and how many clients each has.
pub struct NodeSet<'a> {
    pub urls: &'a [String],
    pub pids: &'a [Option<u32>],
    pub connections: &'a [usize],
    /// Readings before the clients connected and after they joined.
    pub joined: Readings<'a>,
    /// Index of Redis in the readings, when this run started it.
    pub redis: Option<usize>,
    pub bench: usize,
}

impl StepReport {
    pub fn new(
        kind: &'static str,
        scenario: Scenario,
        result: &StepResult,
        nodes: &NodeSet<'_>,
    ) -> StepReport {
        let tally = &result.tally;
        let window = Readings { before: &result.before, after: &result.after };
        let figures: Vec<NodeFigures> = (0..nodes.urls.len())
            .map(|node| {
                let deliveries = tally.deliveries_by_node.get(node).copied().unwrap_or(0);
                let cpu_s = window.cpu_s(node);
                NodeFigures {
                    url: nodes.urls[node].clone(),
                    pid: nodes.pids[node],
                    connections: nodes.connections[node],
                    deliveries,
                    cpu_s,
                    cpu_us_per_delivery: cpu_s.and_then(|cpu| per(cpu * 1e6, deliveries)),
                    rss_kib: window.rss_kib(node),
                    rss_bytes_per_connection: nodes.joined.rss_per(node, nodes.connections[node]),
                }
            })
            .collect();
        let measured: Vec<&NodeFigures> = figures.iter().filter(|f| f.cpu_s.is_some()).collect();
        let cpu_us_per_delivery = (!measured.is_empty())
            .then(|| {
                let cpu: f64 = measured.iter().filter_map(|f| f.cpu_s).sum();
                per(cpu * 1e6, measured.iter().map(|f| f.deliveries).sum())
            })
            .flatten();
        let deliveries: u64 = tally.deliveries_by_node.iter().sum();
        let machine = match result.machine {
            (Some(before), Some(after)) => Some((before, after)),
            _ => None,
        };
        let redis_cpu_s = nodes.redis.and_then(|index| window.cpu_s(index));
        let messages = (result.plan.rate * scenario.publishers as f64 * result.window_s).round() as u64;
        StepReport {
            kind,
            step: result.plan.step,
            rate_per_publisher: result.plan.rate,
            window_s: result.window_s,
            sent: tally.sent,
            refused: tally.refused,
            refusal_codes: tally.refusal_codes.iter().cloned().collect(),
            deliveries,
            deliveries_per_s: deliveries as f64 / result.window_s.max(1e-9),
            expected: tally.expected,
            lost: tally.lost,
            duplicated: tally.duplicated,
            reordered: tally.reordered,
            stale: tally.stale,
            misrouted: tally.misrouted,
            disconnects: result.disconnects,
            settled: result.settled,
            publish_errors: result.publish_errors.clone(),
            latency_ms: tally.latency,
            nodes: figures,
            cpu_us_per_delivery,
            redis_cpu_s,
            redis_cpu_us_per_message: redis_cpu_s.and_then(|cpu| per(cpu * 1e6, messages)),
            bench_cpu_s: window.cpu_s(nodes.bench),
            machine_busy_percent: machine.and_then(|(before, after)| after.busy_percent_since(&before)),
            other_cpu_s: machine.map(|(before, after)| {
                let ours: f64 = (0..result.after.len()).filter_map(|index| window.cpu_s(index)).sum();
                (after.busy_seconds_since(&before) - ours).max(0.0)
            }),
            holds: None,
            breaks: None,
            scenario,
        }
    }

    /// What broke a delivery guarantee in this step, if anything.
    pub fn faults(&self) -> Option<String> {
        let counts = [
            ("lost", self.lost),
            ("duplicated", self.duplicated),
            ("reordered", self.reordered),
            ("misrouted", self.misrouted),
            ("refused", self.refused),
            ("disconnects", self.disconnects),
        ];
        let faults: Vec<String> =
            counts.iter().filter(|(_, n)| *n > 0).map(|(what, n)| format!("{what} {n}")).collect();
        (!faults.is_empty()).then(|| faults.join(", "))
    }

    pub fn table(&self) -> String {
        let s = &self.scenario;
        let l = &self.latency_ms;
        let mut out = format!(
            "{} {}{}: {} nodes ({}), {} clients in {} rooms, {} publishers x {:.2} msg/s, {} B, protocol {}{}\n",
            self.kind,
            self.step,
            label(&s.label),
            s.nodes,
            s.broker,
            s.clients,
            s.rooms,
            s.publishers,
            self.rate_per_publisher,
            s.payload_bytes,
            s.protocol,
            if s.stalled > 0 { format!(", {} stalled", s.stalled) } else { String::new() },
        );
        out += &format!(
            "  deliveries/s {:.0} over {:.1} s   sent {}  refused {}  lost {}  duplicated {}  reordered {}  disconnects {}{}\n",
            self.deliveries_per_s,
            self.window_s,
            self.sent,
            self.refused,
            self.lost,
            self.duplicated,
            self.reordered,
            self.disconnects,
            if self.settled { "" } else { "  (drain timed out)" },
        );
        out += &format!(
            "  latency ms   p50 {:.2}  p90 {:.2}  p99 {:.2}  p99.9 {:.2}  max {:.2}\n",
            l.p50, l.p90, l.p99, l.p999, l.max
        );
        out += "  node  connections  deliveries   cpu s   us/delivery   rss KiB   B/connection\n";
        for (index, node) in self.nodes.iter().enumerate() {
            out += &format!(
                "  {index:<4}  {:>11}  {:>10}  {:>6}  {:>12}  {:>8}  {:>13}\n",
                node.connections,
                node.deliveries,
                opt(node.cpu_s, 2),
                opt(node.cpu_us_per_delivery, 2),
                node.rss_kib.map_or("-".into(), |v| v.to_string()),
                opt(node.rss_bytes_per_connection, 0),
            );
        }
        out += &format!(
            "  mean us/delivery {}   redis cpu s {} ({} us/message)   bench cpu s {}   machine busy {}% (others {} cpu s)\n",
            opt(self.cpu_us_per_delivery, 2),
            opt(self.redis_cpu_s, 2),
            opt(self.redis_cpu_us_per_message, 1),
            opt(self.bench_cpu_s, 2),
            opt(self.machine_busy_percent, 0),
            opt(self.other_cpu_s, 2),
        );
        for err in &self.publish_errors {
            out += &format!("  publisher error: {err}\n");
        }
        match (&self.holds, &self.breaks) {
            (Some(true), _) => out += "  step holds\n",
            (Some(false), Some(reason)) => out += &format!("  step breaks the ramp: {reason}\n"),
            _ => {}
        }
        out
    }
}

/// The end of a ramp.
#[derive(Debug, Clone, Serialize)]
pub struct RampSummary {
    pub kind: &'static str,
    #[serde(flatten)]
    pub scenario: Scenario,
    pub steps: u32,
    /// The last step that held: its rate per publisher and deliveries/s.
    pub held_rate_per_publisher: Option<f64>,
    pub held_deliveries_per_s: Option<f64>,
    pub held_cpu_us_per_delivery: Option<f64>,
    /// Mean over the steps that held, weighted by deliveries.
    pub held_mean_cpu_us_per_delivery: Option<f64>,
    pub breaks: Option<String>,
}

impl RampSummary {
    pub fn table(&self) -> String {
        format!(
            "ramp{}: {} steps; last held: {} msg/s per publisher = {} deliveries/s at {} us/delivery \
             (mean over held steps {}); {}\n",
            label(&self.scenario.label),
            self.steps,
            opt(self.held_rate_per_publisher, 2),
            opt(self.held_deliveries_per_s, 0),
            opt(self.held_cpu_us_per_delivery, 2),
            opt(self.held_mean_cpu_us_per_delivery, 2),
            self.breaks.as_deref().map_or("every step held".into(), |reason| format!("then: {reason}")),
        )
    }
}

/// What the server did with the stalled clients by the end of the run.
#[derive(Debug, Clone, Serialize)]
pub struct StalledReport {
    pub kind: &'static str,
    #[serde(flatten)]
    pub scenario: Scenario,
    /// Closed by the server as too slow (4000).
    pub closed_slow: usize,
    /// Closed with another code.
    pub closed_otherwise: usize,
    pub still_open: usize,
}

impl StalledReport {
    pub fn new(scenario: Scenario, outcomes: Vec<Option<u16>>) -> Self {
        let closed_slow = outcomes.iter().filter(|code| **code == Some(SLOW_CONSUMER)).count();
        let still_open = outcomes.iter().filter(|code| code.is_none()).count();
        StalledReport {
            kind: "stalled",
            scenario,
            closed_slow,
            closed_otherwise: outcomes.len() - closed_slow - still_open,
            still_open,
        }
    }

    pub fn table(&self) -> String {
        format!(
            "stalled{}: {} closed by the server as too slow, {} closed otherwise, {} still open\n",
            label(&self.scenario.label),
            self.closed_slow,
            self.closed_otherwise,
            self.still_open,
        )
    }
}

/// Memory per idle joined connection and how long connecting took.
#[derive(Debug, Clone, Serialize)]
pub struct IdleReport {
    pub kind: &'static str,
    #[serde(flatten)]
    pub scenario: Scenario,
    pub connections: usize,
    pub connect_join_s: f64,
    pub connects_per_s: f64,
    pub nodes: Vec<IdleNode>,
    pub rss_bytes_per_connection: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct IdleNode {
    pub url: String,
    pub pid: Option<u32>,
    pub connections: usize,
    pub rss_before_kib: Option<u64>,
    pub rss_after_kib: Option<u64>,
    pub rss_bytes_per_connection: Option<f64>,
    /// CPU seconds the node used while the connections were made and joined.
    pub connect_join_cpu_s: Option<f64>,
}

impl IdleReport {
    pub fn table(&self) -> String {
        let mut out = format!(
            "idle{}: {} joined connections over {} nodes in {:.2} s ({:.0}/s); RSS per connection {} B\n",
            label(&self.scenario.label),
            self.connections,
            self.scenario.nodes,
            self.connect_join_s,
            self.connects_per_s,
            opt(self.rss_bytes_per_connection, 0),
        );
        for (index, node) in self.nodes.iter().enumerate() {
            out += &format!(
                "  node {index}: {} connections, RSS {} -> {} KiB = {} B per connection; {} CPU s to connect and join\n",
                node.connections,
                node.rss_before_kib.map_or("-".into(), |v| v.to_string()),
                node.rss_after_kib.map_or("-".into(), |v| v.to_string()),
                opt(node.rss_bytes_per_connection, 0),
                opt(node.connect_join_cpu_s, 2),
            );
        }
        out
    }
}

/// Writes one record as `format` asks. Written with `write!`, not `println!`,
/// so that a closed pipe (`| head`) is an error that ends the run and stops
/// the started nodes, not a panic.
pub fn emit<T: Serialize>(record: &T, table: String, format: Format) -> anyhow::Result<()> {
    let json = serde_json::to_string(record)?;
    let mut stdout = std::io::stdout().lock();
    match format {
        Format::Both => {
            writeln!(stdout, "{json}")?;
            eprint!("{table}");
        }
        Format::Json => writeln!(stdout, "{json}")?,
        Format::Table => write!(stdout, "{table}")?,
    }
    stdout.flush()?;
    Ok(())
}

/// `value / count`, or `None` for no count.
pub fn per(value: f64, count: u64) -> Option<f64> {
    (count > 0).then(|| value / count as f64)
}

fn opt(value: Option<f64>, decimals: usize) -> String {
    value.map_or("-".into(), |v| format!("{v:.decimals$}"))
}

fn label(label: &str) -> String {
    if label.is_empty() {
        String::new()
    } else {
        format!(" [{label}]")
    }
}
