# shellcheck shell=bash
# Sets up the web client's toolchain and tools. Source it, then call
# `web_setup`; afterwards run wasm builds through `web_run CMD...`.
#
# The wasm32 standard library comes from rustup (`rustup target add
# wasm32-unknown-unknown`) where that works. Where it cannot be downloaded
# (offline machines), the fallback builds it from source with Debian's
# rustc-web, rust-web-src and lld-19 (`-Z build-std`): see docs/web-build.md.
# ROOMCAST_WASM_TOOLCHAIN=rustup|debian forces one of the two.
#
# Tools, pinned: trunk (TRUNK_VERSION), wasm-bindgen-cli (the version of the
# wasm-bindgen crate in Cargo.lock, which it must equal), and Tailwind CSS and
# binaryen's wasm-opt from package-lock.json. Each is installed only when
# missing or at another version.

TRUNK_VERSION="0.22.1"
# How long `rustup target add` may take before we fall back: on a machine
# without access it can hang instead of failing.
RUSTUP_TARGET_TIMEOUT="${RUSTUP_TARGET_TIMEOUT:-90}"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WASM_MODE=""

wasm_bindgen_version() {
    awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, "", $0); print; exit }' "$ROOT/Cargo.lock"
}

# Decides how wasm32 is built, installing what that way needs.
choose_wasm_toolchain() {
    local forced="${ROOMCAST_WASM_TOOLCHAIN:-}"
    if [ "$forced" != "debian" ] && command -v rustup >/dev/null 2>&1; then
        if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
            WASM_MODE=rustup
            return
        fi
        echo "==> rustup target add wasm32-unknown-unknown (up to ${RUSTUP_TARGET_TIMEOUT}s)"
        if timeout "$RUSTUP_TARGET_TIMEOUT" rustup target add wasm32-unknown-unknown </dev/null; then
            WASM_MODE=rustup
            return
        fi
        echo "==> rustup could not add wasm32; falling back to std built from Debian's rust-web-src"
    fi
    if [ "$forced" = "rustup" ]; then
        echo "error: ROOMCAST_WASM_TOOLCHAIN=rustup but the wasm32 target cannot be installed" >&2
        exit 1
    fi
    apt_ensure rustc-web cargo-web rust-web-src lld-19
    WASM_MODE=debian
}

# Installs a cargo tool at an exact version unless that version is on PATH.
cargo_tool() {
    local binary="$1" crate="$2" version="$3"
    shift 3
    if command -v "$binary" >/dev/null 2>&1 && "$binary" --version 2>/dev/null | grep -qw "$version"; then
        return
    fi
    echo "==> cargo install $crate $version (one time; several minutes)"
    # A thin, parallel release build: the tool runs for seconds per build, so
    # fat LTO would only make the install several times slower.
    CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
        cargo install "$crate" --version "$version" "$@"
}

npm_tools() {
    command -v npm >/dev/null 2>&1 || apt_ensure nodejs npm
    require npm "Install Node.js with npm (apt-get install nodejs npm)."
    local stamp="$ROOT/node_modules/.package-lock.json"
    if [ ! -f "$stamp" ] || [ "$ROOT/package-lock.json" -nt "$stamp" ]; then
        echo "==> npm ci (Tailwind CSS, binaryen)"
        (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
    fi
}

web_setup() {
    require cargo "Install Rust with rustup (https://rustup.rs), then run this again."
    choose_wasm_toolchain
    local bindgen
    bindgen="$(wasm_bindgen_version)"
    [ -n "$bindgen" ] || { echo "error: no wasm-bindgen in Cargo.lock" >&2; exit 1; }
    # Host tools are built with the host toolchain, before any wasm settings.
    cargo_tool wasm-bindgen wasm-bindgen-cli "$bindgen"
    cargo_tool trunk trunk "$TRUNK_VERSION" --locked --ignore-rust-version
    npm_tools
    echo "==> wasm32 via $WASM_MODE; trunk $TRUNK_VERSION; wasm-bindgen $bindgen"
}

# Runs a command with the web build's environment (never used for host builds).
web_run() {
    # Web builds get their own target directory per toolchain: the two use
    # different compilers, and sharing one directory with each other or with
    # host builds would rebuild dependencies back and forth.
    local settings=(
        "PATH=$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
        "CARGO_TARGET_DIR=$ROOT/target/web-$WASM_MODE"
        # trunk must not look for tools or updates on the network.
        "TRUNK_OFFLINE=true"
        "TRUNK_SKIP_VERSION_CHECK=true"
    )
    if [ "$WASM_MODE" = debian ]; then
        settings+=(
            # rustup's cargo and rustc proxies run Debian's 1.96 from /usr.
            "RUSTUP_TOOLCHAIN=/usr"
            # build-std on a stable compiler.
            "RUSTC_BOOTSTRAP=1"
            "CARGO_UNSTABLE_BUILD_STD=std,panic_abort"
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=/usr/bin/wasm-ld-19"
        )
    fi
    env "${settings[@]}" "$@"
}
