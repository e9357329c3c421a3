//! The Roomcast wire protocol: everything that crosses the WebSocket between a
//! browser (or any other client) and a server node.
//!
//! Both sides compile this crate (the web client to wasm32), so it holds only
//! serde types and pure validation, no I/O. The server never invents a frame
//! that is not defined here, and the client never sends one.
//!
//! - [`frames`]: [`ClientFrame`] and [`ServerFrame`], JSON text frames tagged by `type`.
//! - [`names`]: parsed, validated values ([`RoomName`], [`DisplayName`], [`MessageText`],
//!   [`ClientMsgId`]) whose rules both sides share.
//! - [`id`]: [`MessageId`], the server-assigned, per-room ordered message id.
//! - [`error`]: [`ErrorCode`], the stable machine-readable codes of error frames,
//!   and [`DecodeError`] for frames that cannot be understood.
//! - [`limits`] and [`close`]: the numbers and WebSocket close codes of the
//!   protocol, with the reason a server gives for each close.
//! - [`version`]: protocol versions and how a client and a server agree on one.
//! - [`backoff`]: the one rule for how long to wait before trying again.
//!
//! `docs/protocol.md` at the repository root is the prose specification with an
//! example of every frame.

pub mod backoff;
pub mod close;
pub mod error;
pub mod frames;
pub mod id;
pub mod limits;
pub mod names;
pub mod version;

pub use error::{DecodeError, ErrorCode};
pub use frames::{ClientFrame, MemberCount, MessageFrame, ServerFrame};
pub use id::MessageId;
pub use names::{ClientMsgId, DisplayName, MessageText, NameError, RoomName};
pub use version::PROTOCOL_VERSION;
