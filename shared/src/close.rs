//! WebSocket close codes a Roomcast server uses, and what a client should do
//! about each. Codes 1000 to 1015 are the standard ones of RFC 6455; 4000 and
//! up are Roomcast's own.

/// The server is shutting down or restarting: reconnect (to any node) after a
/// short, jittered delay.
pub const SERVICE_RESTART: u16 = 1012;

/// The client sent a frame larger than the server will read at all. The
/// connection cannot continue because the rest of that frame cannot be skipped.
pub const MESSAGE_TOO_BIG: u16 = 1009;

/// The client did not read its messages fast enough and its outbound queue
/// filled up. Reconnect; messages queued for it were dropped.
pub const SLOW_CONSUMER: u16 = 4000;

/// The client stopped answering the server's pings.
pub const HEARTBEAT_TIMEOUT: u16 = 4001;

/// The client did not send `hello` in time after connecting.
pub const HELLO_TIMEOUT: u16 = 4002;

/// The identity token the connection was opened with has expired: get a
/// new one, then reconnect.
pub const TOKEN_EXPIRED: u16 = 4003;

/// The client kept sending frames that break the protocol or its limits.
pub const POLICY_VIOLATION: u16 = 1008;

/// The short reason a server puts in the close frame beside `code`, for
/// logs and for people reading a browser's network panel. Empty for codes
/// that need no explanation (1000).
pub fn reason(code: u16) -> &'static str {
    match code {
        SERVICE_RESTART => "server restarting; reconnect",
        SLOW_CONSUMER => "too slow to keep up; reconnect",
        HEARTBEAT_TIMEOUT => "no answer to pings",
        MESSAGE_TOO_BIG => "frame too large",
        HELLO_TIMEOUT => "no hello in time",
        TOKEN_EXPIRED => "identity token expired; reconnect with a new one",
        POLICY_VIOLATION => "too many refused frames",
        _ => "",
    }
}

/// Whether a client that sees this close code should reconnect by itself.
pub fn should_reconnect(code: u16) -> bool {
    matches!(
        code,
        SERVICE_RESTART | SLOW_CONSUMER | HEARTBEAT_TIMEOUT | TOKEN_EXPIRED | 1001 | 1006 | 1011 | 1013
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restart_slow_and_heartbeat_closes_ask_for_reconnect() {
        for code in [SERVICE_RESTART, SLOW_CONSUMER, HEARTBEAT_TIMEOUT, 1006] {
            assert!(should_reconnect(code), "{code}");
        }
        for code in [1000, MESSAGE_TOO_BIG, 1008] {
            assert!(!should_reconnect(code), "{code}");
        }
    }

    #[test]
    fn every_code_the_server_sends_has_a_reason_and_a_normal_close_needs_none() {
        for code in [
            SERVICE_RESTART,
            SLOW_CONSUMER,
            HEARTBEAT_TIMEOUT,
            MESSAGE_TOO_BIG,
            HELLO_TIMEOUT,
            POLICY_VIOLATION,
            TOKEN_EXPIRED,
        ] {
            assert!(!reason(code).is_empty(), "{code}");
        }
        assert_eq!(reason(1000), "");
    }
}
