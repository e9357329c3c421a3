#!/usr/bin/env bash
# Builds a release node and roomcast-bench, then runs the bench. Without
# options: the reference scenario of docs/performance.md (two nodes on a
# private redis-server, 1,000 clients in 10 rooms, 10 publishers x 20 msg/s,
# 100-byte texts, 2 s warm-up, 10 s measured). Every option goes to
# roomcast-bench (`scripts/bench.sh --help`), for example:
#   scripts/bench.sh --mode ramp
#   scripts/bench.sh --mode idle --idle 2000
#   scripts/bench.sh --url ws://127.0.0.1:8080/ws --pid "$(pgrep -n roomcast-server)"
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p roomcast-server --bins
# Thousands of connections need as many file descriptors (the started nodes
# inherit the limit).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec ./target/release/roomcast-bench "$@"
