//! End-to-end tests in a real browser: headless Chromium driven over
//! WebDriver (chromedriver), loading the built web client (`dist/`) from real
//! server nodes that share a real `redis-server`.
//!
//! They need `dist/` (built by `scripts/build-web.sh`), `chromium` and
//! `chromedriver`; `scripts/test.sh` provides all three. A missing one fails
//! the test with a hint instead of skipping it. Screenshots of every step are
//! saved under `target/browser-screenshots/`, so a failure can be seen.

#[path = "../api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

mod browser;

mod chat;
mod reconnect;
