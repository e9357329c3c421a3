//! Protocol versions, so that clients and servers of different releases can
//! talk during a rolling deploy and while a browser still runs a cached copy
//! of an older web client.
//!
//! A client offers the newest version it speaks in `hello`; the server answers
//! in `welcome` with the version it will speak on this connection: the lower
//! of the two. Neither side then sends a frame or field the other's version
//! does not have. A `hello` without a version is version 1, the protocol as
//! it was before versions existed.

/// The newest version this build speaks.
///
/// - 1: the first protocol (`hello`, `join`, `leave`, `send`, `ping`).
/// - 2: `hello` offers and `welcome` states the version.
/// - 3: history: `join` asks for recent messages or recovery, `joined`
///   carries the room's epoch, the `history` request pages back, `gap`
///   reports messages a connected member could not be given.
/// - 4: presence (`members`, `presence`) and typing indicators (`typing`).
/// - 5: signed identity: `hello` carries a `token`, `welcome` and messages
///   the `user` id, where the server requires identity.
/// - 6: `retry_after_ms` on `rate_limited` errors; editing and deleting
///   one's own messages (`edit`, `delete`, `edited`, `deleted`, and
///   `edited_ts` / `deleted` on messages from history).
pub const PROTOCOL_VERSION: u32 = 6;

/// The first version with history and recovery.
pub const HISTORY: u32 = 3;

/// The first version with presence and typing indicators.
pub const PRESENCE: u32 = 4;

/// The first version whose `rate_limited` errors say how long to wait.
pub const RETRY_AFTER: u32 = 6;

/// The first version that edits and deletes messages.
pub const EDITS: u32 = 6;

/// The oldest version this build still serves.
pub const OLDEST_SUPPORTED: u32 = 1;

/// What a `hello` or `welcome` without a version field means.
pub const UNVERSIONED: u32 = 1;

/// A client's offer is older than anything this build serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("protocol version {offered} is no longer served (oldest: {OLDEST_SUPPORTED}); reload the page")]
pub struct UnsupportedVersion {
    pub offered: u32,
}

/// The version to speak with a peer that offered `offered` (`None`: it did
/// not say, so it speaks version 1).
pub fn negotiate(offered: Option<u32>) -> Result<u32, UnsupportedVersion> {
    let offered = offered.unwrap_or(UNVERSIONED);
    if offered < OLDEST_SUPPORTED {
        return Err(UnsupportedVersion { offered });
    }
    Ok(offered.min(PROTOCOL_VERSION))
}

/// Serde default for a `welcome` from a server that predates versions.
pub(crate) fn unversioned() -> u32 {
    UNVERSIONED
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_sides_speak_the_lower_of_their_versions() {
        assert_eq!(negotiate(None), Ok(1), "a hello without a version is version 1");
        assert_eq!(negotiate(Some(1)), Ok(1));
        assert_eq!(negotiate(Some(PROTOCOL_VERSION)), Ok(PROTOCOL_VERSION));
        assert_eq!(negotiate(Some(PROTOCOL_VERSION + 5)), Ok(PROTOCOL_VERSION), "a newer client steps down");
    }

    #[test]
    fn versions_older_than_the_oldest_supported_are_refused() {
        assert_eq!(negotiate(Some(0)), Err(UnsupportedVersion { offered: 0 }));
    }
}
