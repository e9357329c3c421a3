#!/usr/bin/env bash
# Builds the web client into dist/ (release: wasm-opt, minified CSS and JS),
# installing the toolchain and tools it needs first. Prints the sizes.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
. scripts/web-env.sh

web_setup
echo "==> trunk build --release"
web_run trunk build --release
wasm="$(ls dist/*.wasm)"
echo "==> dist/: $(du -sh dist | cut -f1); $(basename "$wasm"): $(wc -c <"$wasm") bytes, $(gzip -9 -c "$wasm" | wc -c) gzipped"
