//! End-to-end tests in a real browser: headless Chromium driven over
//! WebDriver (chromedriver), loading the built web client (`dist/`) from real
//! server nodes that share a real `redis-server`.
//!
//! They need `dist/` (built by `scripts/build-web.sh`), `chromium`,
//! `chromedriver` and, for the topology test, `nginx`; `scripts/test.sh`
//! provides them all. A missing one fails
//! the test with a hint instead of skipping it. Screenshots of every step are
//! saved under `target/browser-screenshots/`, so a failure can be seen.

#[path = "../api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

mod browser;
mod nginx;

mod chat;
mod edits;
mod history;
mod keyboard;
mod mentions;
mod people;
mod readme;
mod reconnect;
mod sending;
mod topology;
mod wording;
