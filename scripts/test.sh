#!/usr/bin/env bash
# Sets up what the tests need and runs all of them:
# - system packages: redis-server, chromium, chromium-driver, nginx, openssl (apt);
# - the web client's toolchain and tools, and a release build into dist/
#   (scripts/build-web.sh);
# - the web client's DOM tests, in headless Chromium (wasm-bindgen-test);
# - every host test of the workspace: unit tests, the server's integration
#   tests (their own redis-server, nodes and WebSocket clients) and the
#   browser tests (two nodes, one Redis, headless Chromium over WebDriver;
#   one of them through nginx with the web image's site config).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
. scripts/web-env.sh

require cargo "Install Rust with rustup (https://rustup.rs), then run this again."
apt_ensure redis-server chromium chromium-driver nginx openssl
# The Debian package starts a system Redis on 6379; the tests never use it.
require redis-server "apt-get install redis-server"
require chromium "apt-get install chromium"
require chromedriver "apt-get install chromium-driver"
# Debian's nginx package may start a system nginx on port 80; the tests run
# their own on a free port.

scripts/build-web.sh
web_setup >/dev/null

echo "==> DOM tests of the web client (headless Chromium)"
web_run env CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
    CHROMEDRIVER="$(command -v chromedriver)" \
    cargo test --target wasm32-unknown-unknown -p roomcast-web --test dom

echo "==> workspace tests"
# tests/dom/ holds no tests on the host (it is wasm-only), so the web
# client's host run takes its unit tests alone, last, to end on a real count.
cargo test --workspace --exclude roomcast-web
cargo test -p roomcast-web --lib
