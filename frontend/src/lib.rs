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
//! - [`calendar`] and [`author_colour`]: day separators, full dates and
//!   ISO times in the reader's time zone, and each author's colour.
//! - [`wording`]: counts with their plural, and what is wrong with a name
//!   in words for people.
//! - [`rich_text`]: a message's text split into plain text, links and
//!   `@Name` mentions; [`complete`]: the names offered while typing `@`;
//!   [`notify`]: which messages deserve a browser notification, and the
//!   title's counts.
//! - [`backoff`], [`route`], [`endpoint`], [`compose`], [`prefs`], [`scroll`]:
//!   reconnect timing, addresses, the WebSocket URL, composer rules, what is
//!   remembered, and when the message list follows new messages.
//!
//! Browser-facing:
//! - [`connection`]: the task that owns the WebSocket and reconnects.
//! - [`context`]: the provider and `use_chat` hook that join state and connection.
//! - [`notifier`]: the provider's hook that shows browser notifications and
//!   stores the user's choices about them.
//! - [`components`]: the screens, one function component per file.
//! - [`browser`]: the few browser APIs used, wrapped to never panic.

pub mod author_colour;
pub mod backoff;
pub mod browser;
pub mod calendar;
pub mod change_queue;
pub mod complete;
pub mod components;
pub mod compose;
pub mod connection;
pub mod context;
pub mod edits;
pub mod endpoint;
pub mod error_meaning;
pub mod notifier;
pub mod notify;
pub mod outbox;
pub mod own_ids;
pub mod people;
pub mod plan;
pub mod prefs;
pub mod rich_text;
pub mod route;
pub mod scroll;
pub mod state;
#[cfg(test)]
mod testing;
pub mod typing;
pub mod wording;

pub use components::App;
