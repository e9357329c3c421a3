//! `roomcast-bench`, the reference load tool: N clients over M nodes
//! (round-robin, so every room spans the nodes), R rooms, P publishers at a
//! rate; it reports deliveries/s, lost, duplicated and reordered deliveries,
//! send-to-receipt latency percentiles, and each node's CPU per delivery and
//! memory per connection. `--mode ramp` raises the rate until a step breaks;
//! `--mode idle` measures memory per idle joined connection and connect time.
//! Without `--url` it starts the nodes (and a private redis-server) itself.
//! docs/performance.md has the reference scenario and its figures.
//!
//! - [`args`]: the command line; [`nodes`]: given or started nodes;
//! - [`layout`]: who connects where, joins what and publishes;
//! - [`clients`]: one client's connect, read and publish loops;
//! - [`fleet`]: all clients, driven step by step; [`board`]: what they record;
//! - [`payload`]: the stamp in each message; [`clock`]: the one clock;
//! - [`stats`]: sequence and latency accounting; [`procfs`]: CPU and RSS;
//! - [`ramp`]: the ramp's rule; [`scenario`]: the modes; [`report`]: output
//!   (written to stdout with `write!`, so the workspace's `print_stdout` lint
//!   holds here too).

mod args;
mod board;
mod clients;
mod clock;
mod fleet;
mod layout;
mod nodes;
mod payload;
mod procfs;
mod ramp;
mod report;
mod scenario;
mod stats;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use crate::args::Args;
use crate::nodes::Nodes;

fn main() -> ExitCode {
    let args = Args::parse();
    if let Err(message) = args.check() {
        Args::command().error(clap::error::ErrorKind::ArgumentConflict, message).exit();
    }
    clock::start();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("roomcast-bench: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> anyhow::Result<()> {
    // Started nodes and Redis are killed when `nodes` is dropped: on success,
    // on error and on Ctrl-C alike.
    let nodes = Nodes::prepare(args)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let outcome = runtime.block_on(async {
        tokio::select! {
            outcome = scenario::run(args, &nodes) => outcome,
            _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("interrupted")),
        }
    });
    drop(runtime);
    let log_dir = nodes.log_dir.clone();
    drop(nodes);
    // The started processes' logs matter only when something went wrong.
    if let Some(dir) = log_dir {
        if outcome.is_err() {
            eprintln!("roomcast-bench: the started processes' logs are in {}", dir.display());
        } else {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
    outcome
}
