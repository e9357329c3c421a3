//! Error codes of `error` frames, and the reasons a client frame cannot be decoded.

use serde::{Deserialize, Serialize};

use crate::limits::MAX_FRAME_BYTES;

/// The machine-readable reason in an `error` frame. Codes are stable: clients
/// may switch on them. The human-readable `message` beside a code may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The frame is not JSON, or not a JSON object.
    MalformedFrame,
    /// The frame's `type` is not one this server knows.
    UnknownType,
    /// The `type` is known but a field is missing or has the wrong JSON type.
    InvalidFrame,
    /// The frame is larger than `limits::MAX_FRAME_BYTES`; it was not read.
    FrameTooLarge,
    /// Binary WebSocket frames carry nothing in this protocol.
    BinaryNotSupported,
    /// `join` or `send` before a `hello` chose a display name.
    NameRequired,
    InvalidName,
    InvalidRoom,
    InvalidText,
    InvalidClientId,
    /// `send` or `leave` for a room this connection has not joined.
    NotJoined,
    /// `join` would exceed the rooms-per-connection limit in `welcome`.
    TooManyRooms,
    /// `send` faster than the server allows; the message was not sent.
    RateLimited,
    /// The message bus is unreachable: the request was not carried out and
    /// may be retried. Nothing is delivered half-way.
    Unavailable,
    /// The bus took the `send` but did not confirm it in time: it may or may
    /// not have been delivered. Retry with the same `client_id`; a message is
    /// delivered at most once per client id.
    OutcomeUnknown,
    /// Something failed inside the server; details are in its logs.
    Internal,
    /// `hello` offered a protocol version older than this server serves.
    UnsupportedProtocol,
    /// This server requires a signed identity token, and `hello` had none, or
    /// one that is forged, malformed or expired.
    Unauthorized,
    /// The identity token does not allow this room, or an `edit` or
    /// `delete` names a message someone else sent.
    Forbidden,
    /// An `edit` or `delete` names a message the room's history does not
    /// hold: no such message, or one too old to be kept (version 6).
    UnknownMessage,
    /// An `edit` or `delete` names a message that was deleted already
    /// (version 6).
    MessageDeleted,
    /// A code this build does not know yet (sent by a newer server).
    #[serde(other)]
    Unknown,
}

/// Why a client's text frame could not be turned into a [`crate::ClientFrame`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("frame of {0} bytes exceeds the limit of {MAX_FRAME_BYTES} bytes")]
    TooLarge(usize),
    #[error("frame is not a JSON object: {0}")]
    Malformed(String),
    #[error("unknown frame type {0:?}")]
    UnknownType(String),
    #[error("invalid frame: {0}")]
    Invalid(String),
}

impl DecodeError {
    pub fn code(&self) -> ErrorCode {
        match self {
            DecodeError::TooLarge(_) => ErrorCode::FrameTooLarge,
            DecodeError::Malformed(_) => ErrorCode::MalformedFrame,
            DecodeError::UnknownType(_) => ErrorCode::UnknownType,
            DecodeError::Invalid(_) => ErrorCode::InvalidFrame,
        }
    }
}
