//! Numeric limits of the protocol. Servers may be configured stricter
//! (for example fewer rooms per connection) and announce their values in the
//! `welcome` frame; they are never looser than these.

/// Largest text frame a client may send, in bytes. Servers check it before
/// parsing; a larger frame is answered with `frame_too_large`.
pub const MAX_FRAME_BYTES: usize = 16 * 1024;

/// Largest message text, in Unicode scalar values (what a user counts as characters).
pub const MAX_TEXT_CHARS: usize = 2000;

/// Most rooms one connection may be a member of at the same time.
pub const MAX_ROOMS: usize = 32;

/// Longest room name, in characters (room names are ASCII).
pub const MAX_ROOM_NAME_CHARS: usize = 32;

/// Longest display name, in characters.
pub const MAX_DISPLAY_NAME_CHARS: usize = 32;

/// Longest client-chosen message id, in bytes (client ids are ASCII).
pub const MAX_CLIENT_ID_BYTES: usize = 64;

/// Most messages a `join` (`history`) or a `history` request gets at once.
pub const MAX_HISTORY_PAGE: usize = 100;
