//! The three modes: a run (one measured step), a ramp (steps at a rising
//! rate until one breaks the rule) and idle (memory per joined connection).

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use crate::args::{Args, Mode};
use crate::clients;
use crate::fleet::{self, ConnectPlan, Fleet, StepPlan};
use crate::layout::Layout;
use crate::nodes::Nodes;
use crate::procfs;
use crate::ramp::{self, RampRule, StepOutcome};
use crate::report::{self, IdleNode, IdleReport, NodeSet, RampSummary, Readings, Scenario, StepReport};

/// How long idle connections sit before memory is read again, so that the
/// nodes' allocations after `joined` are in.
const IDLE_SETTLE: Duration = Duration::from_secs(1);

pub async fn run(args: &Args, nodes: &Nodes) -> anyhow::Result<()> {
    match args.mode {
        Mode::Run | Mode::Ramp => load(args, nodes).await,
        Mode::Idle => idle(args, nodes).await,
    }
}

/// The processes to read: the nodes, then Redis (when started here), then
/// the bench itself. Returns them with Redis's index and the bench's.
fn watched(nodes: &Nodes) -> (Vec<Option<u32>>, Option<usize>, usize) {
    let mut watched = nodes.pids.clone();
    let redis = nodes.redis_pid.map(|pid| {
        watched.push(Some(pid));
        watched.len() - 1
    });
    watched.push(Some(std::process::id()));
    let bench = watched.len() - 1;
    (watched, redis, bench)
}

fn scenario(args: &Args, nodes: &Nodes, clients: usize, protocol: u32) -> Scenario {
    let server = match (&args.server, nodes.started_here()) {
        (_, false) => "given".into(),
        (Some(path), true) => path.display().to_string(),
        (None, true) => "roomcast-server beside roomcast-bench".into(),
    };
    Scenario {
        label: args.label.clone(),
        server,
        broker: args.broker_name().into(),
        nodes: nodes.urls.len(),
        clients,
        rooms: args.rooms,
        publishers: if args.mode == Mode::Idle { 0 } else { args.publishers },
        payload_bytes: args.payload,
        warmup_s: args.warmup.as_secs_f64(),
        duration_s: args.duration.as_secs_f64(),
        protocol,
        stalled: if args.mode == Mode::Idle { 0 } else { args.stalled },
    }
}

fn connect_plan(args: &Args, nodes: &Nodes) -> ConnectPlan {
    ConnectPlan {
        urls: nodes.urls.clone(),
        // Version 1 clients send no `protocol` field at all.
        protocol: (args.protocol > 1).then_some(args.protocol),
        timeout: args.connect_timeout,
        concurrency: args.connect_concurrency,
    }
}

async fn load(args: &Args, nodes: &Nodes) -> anyhow::Result<()> {
    let layout = Arc::new(
        Layout::new(nodes.urls.len(), args.rooms, args.clients, args.publishers)
            .map_err(anyhow::Error::msg)?,
    );
    let (watched, redis, bench) = watched(nodes);
    let rooms = fleet::room_names(args.rooms);
    let baseline = procfs::sample_all(&watched);
    let (sockets, protocol) = fleet::connect_all(&layout, &rooms, &connect_plan(args, nodes)).await?;
    // Held, never read, until the run ends.
    let stalled = fleet::connect_stalled(args.stalled, &rooms[0], &connect_plan(args, nodes)).await?;
    let joined = procfs::sample_all(&watched);
    let connections = layout.node_sizes();
    let node_set = NodeSet {
        urls: &nodes.urls,
        pids: &nodes.pids,
        connections: &connections,
        joined: Readings { before: &baseline, after: &joined },
        redis,
        bench,
    };
    let scenario = scenario(args, nodes, args.clients, protocol);
    let mut fleet = Fleet::start(layout, rooms, sockets);

    let ramping = args.mode == Mode::Ramp;
    let rule = RampRule {
        factor: args.ramp_factor,
        max_p99_ms: args.ramp_p99_ms,
        max_steps: if ramping { args.ramp_steps } else { 1 },
    };
    let mut steps: Vec<StepReport> = Vec::new();
    let mut outcomes: Vec<StepOutcome> = Vec::new();
    for step in 0..rule.max_steps {
        let plan = StepPlan {
            step,
            rate: rule.rate(args.rate, step),
            payload: args.payload,
            warmup: args.warmup,
            duration: args.duration,
            drain_timeout: args.drain_timeout,
        };
        let result = fleet.step(plan, &watched).await;
        let kind = if ramping { "ramp_step" } else { "run" };
        let mut report = StepReport::new(kind, scenario.clone(), &result, &node_set);
        let outcome = StepOutcome {
            rate: plan.rate,
            deliveries: report.deliveries,
            p99_ms: report.latency_ms.p99,
            lost: report.lost,
            refused: report.refused,
            disconnects: report.disconnects,
        };
        let verdict = rule.verdict(&outcome);
        if ramping {
            report.holds = Some(verdict.is_ok());
            report.breaks = verdict.clone().err();
        }
        report::emit(&report, report.table(), args.format)?;
        steps.push(report);
        outcomes.push(outcome);
        if !rule.goes_on(&verdict, step + 1) {
            break;
        }
    }
    if args.strict && !ramping {
        if let Some(faults) = steps.iter().find_map(StepReport::faults) {
            anyhow::bail!("--strict: {faults}");
        }
    }
    if ramping {
        let summary = ramp_summary(scenario.clone(), &rule, &outcomes, &steps);
        report::emit(&summary, summary.table(), args.format)?;
    }
    if !stalled.is_empty() {
        let report = report::StalledReport::new(scenario, fleet::stalled_outcomes(stalled).await);
        report::emit(&report, report.table(), args.format)?;
    }
    drop(fleet);
    Ok(())
}

fn ramp_summary(
    scenario: Scenario,
    rule: &RampRule,
    outcomes: &[StepOutcome],
    steps: &[StepReport],
) -> RampSummary {
    let held = &steps[..ramp::held_steps(rule, outcomes)];
    let last = held.last();
    let (cpu_us, deliveries) = held
        .iter()
        .filter_map(|step| Some((step.cpu_us_per_delivery? * step.deliveries as f64, step.deliveries)))
        .fold((0.0, 0), |(cpu, n), (c, d)| (cpu + c, n + d));
    RampSummary {
        kind: "ramp",
        scenario,
        steps: steps.len() as u32,
        held_rate_per_publisher: last.map(|step| step.rate_per_publisher),
        held_deliveries_per_s: last.map(|step| step.deliveries_per_s),
        held_cpu_us_per_delivery: last.and_then(|step| step.cpu_us_per_delivery),
        held_mean_cpu_us_per_delivery: report::per(cpu_us, deliveries),
        breaks: steps.get(held.len()).and_then(|step| step.breaks.clone()),
    }
}

async fn idle(args: &Args, nodes: &Nodes) -> anyhow::Result<()> {
    let node_count = nodes.urls.len();
    let layout = Layout::new(node_count, args.rooms, args.idle, 0).map_err(anyhow::Error::msg)?;
    let (watched, _, _) = watched(nodes);
    let rooms = fleet::room_names(args.rooms);
    let plan = connect_plan(args, nodes);
    // One joined connection per node first, so that start-up costs (runtime,
    // allocator arenas, the first room) are in the baseline.
    let warm_layout = Layout::new(node_count, 1, node_count, 0).map_err(anyhow::Error::msg)?;
    let (warm, _) = fleet::connect_all(&warm_layout, &rooms[..1], &plan).await?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = procfs::sample_all(&watched);
    let started = Instant::now();
    let (sockets, protocol) = fleet::connect_all(&layout, &rooms, &plan).await?;
    let connect_join_s = started.elapsed().as_secs_f64();
    // What the nodes themselves spent on it: on a shared machine the bench's
    // own handshakes take part of the wall time.
    let joined = procfs::sample_all(&watched);
    let stop = CancellationToken::new();
    let readers: Vec<_> =
        warm.into_iter().chain(sockets).map(|ws| tokio::spawn(clients::discard(ws, stop.clone()))).collect();
    tokio::time::sleep(IDLE_SETTLE).await;
    let after = procfs::sample_all(&watched);
    let readings = Readings { before: &before, after: &after };
    let connections = layout.node_sizes();
    let idle_nodes: Vec<IdleNode> = (0..node_count)
        .map(|node| IdleNode {
            url: nodes.urls[node].clone(),
            pid: nodes.pids[node],
            connections: connections[node],
            rss_before_kib: before[node].map(|s| s.rss_kib),
            rss_after_kib: after[node].map(|s| s.rss_kib),
            rss_bytes_per_connection: readings.rss_per(node, connections[node]),
            connect_join_cpu_s: Readings { before: &before, after: &joined }.cpu_s(node),
        })
        .collect();
    let measured: Vec<&IdleNode> =
        idle_nodes.iter().filter(|n| n.rss_bytes_per_connection.is_some()).collect();
    let gained: f64 =
        measured.iter().filter_map(|n| Some(n.rss_bytes_per_connection? * n.connections as f64)).sum();
    let report = IdleReport {
        kind: "idle",
        scenario: scenario(args, nodes, args.idle, protocol),
        connections: args.idle,
        connect_join_s,
        connects_per_s: args.idle as f64 / connect_join_s.max(1e-9),
        rss_bytes_per_connection: report::per(gained, measured.iter().map(|n| n.connections as u64).sum()),
        nodes: idle_nodes,
    };
    report::emit(&report, report.table(), args.format)?;
    stop.cancel();
    readers.iter().for_each(tokio::task::JoinHandle::abort);
    Ok(())
}
