#!/usr/bin/env bash
# Sets up what the tests need (redis-server from apt) and runs every test of
# the workspace: protocol and server unit tests, and the integration tests that
# start their own redis-server, server nodes and WebSocket clients.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

require cargo "Install Rust with rustup (https://rustup.rs), then run this again."
apt_ensure redis-server
require redis-server "apt-get install redis-server"
# The Debian package starts a system Redis on 6379; the tests never use it.
cargo test --workspace
