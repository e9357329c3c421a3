//! The Roomcast web client: a Yew single-page app that speaks the protocol of
//! `roomcast-protocol` over one WebSocket.
//!
//! Plain Rust, tested on the host:
//! - [`state`]: everything on screen as one reducible value driven by actions.
//! - [`plan`]: what the connection owes the server (name, joins, recovery,
//!   pages of older messages), with [`outbox`] for messages not yet confirmed.
//! - [`error_meaning`]: the one rule for what an error frame means; the plan
//!   and the state each act on its answer.
//! - [`edits`] and [`change_queue`]: editing and deleting our own messages,
//!   who may, and the changes on their way to the server.
//! - [`people`] and [`typing`]: who is in a room, who is typing there, and
//!   how often the page says its user is typing.
//! - [`own_ids`]: the server ids of messages this device sent, so that they
//!   show as ours in history after a reload.
//! - [`backoff`], [`route`], [`endpoint`], [`compose`], [`prefs`], [`scroll`]:
//!   reconnect timing, addresses, the WebSocket URL, composer rules, what is
//!   remembered, and when the message list follows new messages.
//!
//! Browser-facing:
//! - [`connection`]: the task that owns the WebSocket and reconnects.
//! - [`context`]: the provider and `use_chat` hook that join state and connection.
//! - [`components`]: the screens, one function component per file.
//! - [`browser`]: the few browser APIs used, wrapped to never panic.

pub mod backoff;
pub mod browser;
pub mod change_queue;
pub mod components;
pub mod compose;
pub mod connection;
pub mod context;
pub mod edits;
pub mod endpoint;
pub mod error_meaning;
pub mod outbox;
pub mod own_ids;
pub mod people;
pub mod plan;
pub mod prefs;
pub mod route;
pub mod scroll;
pub mod state;
#[cfg(test)]
mod testing;
pub mod typing;

pub use components::App;
