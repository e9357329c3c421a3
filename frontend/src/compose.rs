//! The composer's rules: whether a draft can be sent and what to show about
//! it, what Enter does, and the client ids our messages carry. Pure, so the
//! rules are unit-tested; the component only wires them to the DOM.

use roomcast_protocol::{MessageText, NameError};

use crate::wording;

/// What the composer shows about the current draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftCheck {
    /// Characters left before the limit; negative when over.
    pub remaining: isize,
    pub sendable: bool,
    /// Why it cannot be sent, when that is worth saying (not for an empty draft).
    pub problem: Option<String>,
}

/// Checks a draft against the protocol's rules and the server's limit
/// (`max_chars` from `welcome`, which may be stricter than the protocol's).
pub fn check_draft(text: &str, max_chars: usize) -> DraftCheck {
    let count = text.chars().count();
    let remaining = max_chars as isize - count as isize;
    let problem = if remaining < 0 {
        let over = wording::count(remaining.unsigned_abs(), "character", "characters");
        Some(format!("{over} over the limit of {max_chars}"))
    } else {
        match MessageText::check(text) {
            Ok(()) | Err(NameError::Empty(_)) => None,
            Err(err) => Some(wording::problem(&err)),
        }
    };
    let sendable = problem.is_none() && !text.trim().is_empty();
    DraftCheck { remaining, sendable, problem }
}

/// What a key press in the composer does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAction {
    Send,
    /// Let the browser handle it (a new line for Shift+Enter, typing otherwise).
    Default,
}

/// Enter sends; Shift+Enter adds a line; Enter that confirms an input method's
/// composition (Japanese, Chinese, ...) is not a send.
pub fn key_action(key: &str, shift: bool, composing: bool) -> KeyAction {
    if key == "Enter" && !shift && !composing {
        KeyAction::Send
    } else {
        KeyAction::Default
    }
}

/// Mints the client ids of one page's messages: `c<16 hex digits>-<counter>`.
///
/// The prefix holds 64 random bits, fresh per page load. The server
/// de-duplicates sends by room and client id across all users (a repeat is
/// answered with the original message), so two pages must never mint the
/// same id: with 64 bits, a collision among even a billion pages is
/// vanishingly unlikely.
#[derive(Debug, Clone)]
pub struct ClientIds {
    prefix: String,
    next: u64,
}

impl ClientIds {
    /// `random` is the page's 64 random bits ([`crate::browser::random_u64`]).
    pub fn new(random: u64) -> Self {
        ClientIds { prefix: format!("c{random:016x}"), next: 1 }
    }

    pub fn next_id(&mut self) -> String {
        let id = format!("{}-{}", self.prefix, self.next);
        self.next += 1;
        id
    }
}

#[cfg(test)]
mod tests {
    use roomcast_protocol::ClientMsgId;

    use super::*;

    #[test]
    fn drafts_are_checked_against_the_servers_limit() {
        let ok = check_draft("hello", 10);
        assert_eq!(ok, DraftCheck { remaining: 5, sendable: true, problem: None });

        let full = check_draft(&"x".repeat(10), 10);
        assert_eq!((full.remaining, full.sendable), (0, true));

        let over = check_draft(&"x".repeat(12), 10);
        assert_eq!(over.remaining, -2);
        assert!(!over.sendable);
        assert_eq!(over.problem.as_deref(), Some("2 characters over the limit of 10"));
        let just_over = check_draft(&"x".repeat(11), 10);
        assert_eq!(just_over.problem.as_deref(), Some("1 character over the limit of 10"));
    }

    #[test]
    fn characters_are_counted_as_people_count_them() {
        assert_eq!(check_draft("héllo 👋", 10).remaining, 3);
    }

    #[test]
    fn empty_and_blank_drafts_cannot_be_sent_but_say_nothing() {
        for draft in ["", "   ", "\n\n"] {
            let check = check_draft(draft, 2000);
            assert!(!check.sendable, "{draft:?}");
            assert_eq!(check.problem, None, "{draft:?}");
        }
    }

    #[test]
    fn control_characters_are_explained() {
        let check = check_draft("bell \u{7}", 2000);
        assert!(!check.sendable);
        assert_eq!(
            check.problem.as_deref(),
            Some("Messages cannot contain control characters (U+0007 here).")
        );
        assert!(check_draft("two\nlines\tand a tab", 2000).sendable);
    }

    #[test]
    fn enter_sends_and_shift_enter_does_not() {
        assert_eq!(key_action("Enter", false, false), KeyAction::Send);
        assert_eq!(key_action("Enter", true, false), KeyAction::Default);
        assert_eq!(key_action("Enter", false, true), KeyAction::Default, "IME composition");
        assert_eq!(key_action("a", false, false), KeyAction::Default);
    }

    #[test]
    fn client_ids_are_valid_and_unique() {
        let mut ids = ClientIds::new(0x0123_4567_89ab_cdef);
        let first = ids.next_id();
        let second = ids.next_id();
        assert_eq!((first.as_str(), second.as_str()), ("c0123456789abcdef-1", "c0123456789abcdef-2"));
        assert_ne!(ClientIds::new(5).next_id(), ClientIds::new(6).next_id(), "pages differ");
        let mut longest = ClientIds::new(u64::MAX);
        longest.next = u64::MAX - 1;
        for id in [first, second, ClientIds::new(0).next_id(), longest.next_id()] {
            assert!(ClientMsgId::check(&id).is_ok(), "{id}");
        }
    }

    #[test]
    fn every_client_id_carries_all_64_random_bits() {
        for random in [0, 1, 0xffff_ffff, 1 << 63, u64::MAX] {
            let id = ClientIds::new(random).next_id();
            let (prefix, counter) = id.split_once('-').unwrap();
            let hex = prefix.strip_prefix('c').unwrap();
            assert_eq!(hex.len(), 16, "{id}: fixed width, leading zeros kept");
            assert_eq!(u64::from_str_radix(hex, 16), Ok(random), "{id}: no bit is lost");
            assert_eq!(counter, "1");
        }
    }
}
