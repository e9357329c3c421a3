#!/usr/bin/env bash
# Front-end work: `trunk serve` on http://localhost:8081 with live rebuilds,
# proxying /ws to a backend on :8080 (start one with scripts/run.sh). Its
# debug build goes to target/trunk-serve, so it never overwrites the release
# build in dist/ that a backend may be serving. Flags go to `trunk serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
. scripts/web-env.sh

web_setup
web_run trunk serve --dist target/trunk-serve "$@"
