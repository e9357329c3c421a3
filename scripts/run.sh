#!/usr/bin/env bash
# Sets up what is missing, builds the web client and the server, and runs one
# Roomcast node at http://localhost:8080 serving both the app and /ws.
# Without REDIS_URL the node uses its embedded broker; set REDIS_URL to join
# other nodes on a shared Redis. Any flag is passed to roomcast-server
# (see `--help`).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

require cargo "Install Rust with rustup (https://rustup.rs), then run this again."
scripts/build-web.sh
cargo build --release -p roomcast-server
echo "==> Roomcast at http://localhost:${PORT:-8080} (WebSocket at /ws); Ctrl-C stops it"
exec ./target/release/roomcast-server --bind "0.0.0.0:${PORT:-8080}" "$@"
