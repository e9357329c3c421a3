#!/usr/bin/env bash
# Measures memory per idle connection and fan-out cost of a release build.
# Usage: scripts/bench.sh [--idle N] [--members N] [--messages N] [--redis-url URL]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p roomcast-server --bins --examples
exec ./target/release/examples/load "$@"
