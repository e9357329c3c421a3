//! Typing indicators both ways, as pure rules: how often the page tells the
//! room that its user is typing ([`Throttle`], used by the plan), whose
//! typing to show and for how long ([`Typists`], kept by the state), and in
//! what words ([`WhoIsTyping`], rendered by `components::typing_line`).
//!
//! Typing is best effort (protocol version 4): the server passes on at most
//! one `typing` per second per connection and room and retries nothing, so
//! the page announces less often than that and shows a name only while its
//! latest announcement is recent.

/// The page announces typing in a room at most this often, in milliseconds.
pub const ANNOUNCE_EVERY_MS: f64 = 2_000.0;
/// A name shows as typing for this long after its latest `typing` frame.
/// Twice the announcement interval, so one lost frame does not blink it off.
pub const SHOWN_FOR_MS: f64 = 4_000.0;
/// Names a room keeps track of; beyond it the longest-known is forgotten.
/// The line says "several people" from three names on anyway.
pub const MAX_TYPISTS: usize = 16;

/// When the next `typing` frame of one room may go out.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Throttle {
    /// When the latest announcement went out (ms since the epoch).
    last: Option<f64>,
}

impl Throttle {
    /// Whether a keystroke at `now_ms` should be announced; if so, it
    /// counts as the latest announcement. A clock that went backwards
    /// lets it through rather than silencing the page.
    pub fn ready(&mut self, now_ms: f64) -> bool {
        let quiet = self.last.is_some_and(|last| (last..last + ANNOUNCE_EVERY_MS).contains(&now_ms));
        if !quiet {
            self.last = Some(now_ms);
        }
        !quiet
    }

    /// The user sent a message, which ends the others' "is typing": the
    /// next keystroke is announced at once.
    pub fn reset(&mut self) {
        self.last = None;
    }
}

/// The other people typing in one room, in the order they started, each
/// with the time of their latest `typing` frame.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Typists {
    seen: Vec<(String, f64)>,
}

impl Typists {
    /// A `typing` frame from `name` arrived at `now_ms`. A name already
    /// shown keeps its place, so the line's words (and what a screen reader
    /// announces) change only when someone starts or stops.
    pub fn saw(&mut self, name: &str, now_ms: f64) {
        self.seen.retain(|(_, at)| shown(*at, now_ms));
        match self.seen.iter_mut().find(|(known, _)| known == name) {
            Some((_, at)) => *at = now_ms,
            None => {
                self.seen.push((name.to_owned(), now_ms));
                if self.seen.len() > MAX_TYPISTS {
                    self.seen.remove(0);
                }
            }
        }
    }

    /// `name` stopped typing: a message from them arrived, or they left.
    /// Returns whether they were shown as typing.
    pub fn stopped(&mut self, name: &str) -> bool {
        let before = self.seen.len();
        self.seen.retain(|(known, _)| known != name);
        self.seen.len() != before
    }

    pub fn contains(&self, name: &str) -> bool {
        self.seen.iter().any(|(known, _)| known == name)
    }

    /// The names to show at `now_ms`, in the order they started typing.
    pub fn active(&self, now_ms: f64) -> Vec<&str> {
        self.seen.iter().filter(|(_, at)| shown(*at, now_ms)).map(|(name, _)| name.as_str()).collect()
    }

    /// When the first of the names shown at `now_ms` stops being shown
    /// (ms since the epoch): the moment the line must be drawn again.
    pub fn next_expiry(&self, now_ms: f64) -> Option<f64> {
        self.seen
            .iter()
            .filter(|(_, at)| shown(*at, now_ms))
            .map(|(_, at)| at + SHOWN_FOR_MS)
            .min_by(f64::total_cmp)
    }
}

fn shown(at: f64, now_ms: f64) -> bool {
    now_ms - at < SHOWN_FOR_MS
}

/// What the line under the messages says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WhoIsTyping {
    Nobody,
    /// "Ada is typing…"
    One(String),
    /// "Ada and Bob are typing…"
    Two(String, String),
    /// "Several people are typing…"
    Several,
}

impl WhoIsTyping {
    pub fn of(names: &[&str]) -> Self {
        match names {
            [] => WhoIsTyping::Nobody,
            [one] => WhoIsTyping::One((*one).to_owned()),
            [first, second] => WhoIsTyping::Two((*first).to_owned(), (*second).to_owned()),
            _ => WhoIsTyping::Several,
        }
    }

    /// The line as plain words (the component isolates each name).
    pub fn words(&self) -> String {
        match self {
            WhoIsTyping::Nobody => String::new(),
            WhoIsTyping::One(name) => format!("{name} is typing…"),
            WhoIsTyping::Two(first, second) => format!("{first} and {second} are typing…"),
            WhoIsTyping::Several => "Several people are typing…".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_is_announced_at_most_once_every_two_seconds() {
        let mut throttle = Throttle::default();
        assert!(throttle.ready(10_000.0), "the first keystroke is announced");
        assert!(!throttle.ready(10_001.0));
        assert!(!throttle.ready(11_999.0));
        assert!(throttle.ready(12_000.0), "two seconds later");
        assert!(!throttle.ready(13_500.0), "counted from the latest announcement");
        assert!(throttle.ready(14_000.0));
    }

    #[test]
    fn sending_a_message_lets_the_next_keystroke_be_announced_at_once() {
        let mut throttle = Throttle::default();
        assert!(throttle.ready(10_000.0));
        throttle.reset();
        assert!(throttle.ready(10_500.0));
    }

    #[test]
    fn a_clock_that_went_backwards_does_not_silence_the_page() {
        let mut throttle = Throttle::default();
        assert!(throttle.ready(10_000.0));
        assert!(throttle.ready(5_000.0));
        assert!(!throttle.ready(5_100.0));
    }

    #[test]
    fn a_name_shows_for_four_seconds_after_its_latest_typing_frame() {
        let mut typists = Typists::default();
        typists.saw("Ada", 1_000.0);
        assert_eq!(typists.active(1_000.0), ["Ada"]);
        assert_eq!(typists.active(4_999.0), ["Ada"]);
        assert!(typists.active(5_000.0).is_empty(), "four seconds old is too old");

        typists.saw("Ada", 4_000.0);
        assert_eq!(typists.active(7_999.0), ["Ada"], "a new frame keeps it shown");
        assert_eq!(typists.next_expiry(5_000.0), Some(8_000.0));
        assert_eq!(typists.next_expiry(8_000.0), None, "nothing left to expire");
    }

    #[test]
    fn names_keep_the_order_they_started_typing_in() {
        let mut typists = Typists::default();
        typists.saw("Ada", 0.0);
        typists.saw("Bob", 500.0);
        typists.saw("Ada", 1_500.0);
        assert_eq!(typists.active(2_000.0), ["Ada", "Bob"], "Ada typing again does not move her");
        assert_eq!(typists.next_expiry(2_000.0), Some(4_500.0), "Bob's is the older frame");
        assert_eq!(typists.active(4_600.0), ["Ada"]);
    }

    #[test]
    fn a_message_from_a_name_clears_it_at_once() {
        let mut typists = Typists::default();
        typists.saw("Ada", 0.0);
        typists.saw("Bob", 0.0);
        assert!(typists.stopped("Ada"));
        assert!(!typists.stopped("Ada"), "only once");
        assert_eq!(typists.active(1.0), ["Bob"]);
        assert!(!typists.contains("Ada"));
    }

    #[test]
    fn a_room_remembers_a_bounded_number_of_typists() {
        let mut typists = Typists::default();
        for n in 0..MAX_TYPISTS + 5 {
            typists.saw(&format!("person {n}"), n as f64);
        }
        let active = typists.active(100.0);
        assert_eq!(active.len(), MAX_TYPISTS);
        assert_eq!(active[0], "person 5", "the longest-known go first");
    }

    #[test]
    fn expired_names_are_forgotten_when_another_arrives() {
        let mut typists = Typists::default();
        typists.saw("Ada", 0.0);
        typists.saw("Bob", 10_000.0);
        assert!(!typists.contains("Ada"));
        typists.saw("Ada", 10_500.0);
        assert_eq!(typists.active(10_500.0), ["Bob", "Ada"], "she started again, after Bob");
    }

    #[test]
    fn the_line_names_one_or_two_people_and_counts_more_as_several() {
        assert_eq!(WhoIsTyping::of(&[]).words(), "");
        assert_eq!(WhoIsTyping::of(&["Ada"]).words(), "Ada is typing…");
        assert_eq!(WhoIsTyping::of(&["Ada", "Bob"]).words(), "Ada and Bob are typing…");
        assert_eq!(WhoIsTyping::of(&["Ada", "Bob", "Cy"]), WhoIsTyping::Several);
        assert_eq!(WhoIsTyping::of(&["Ada", "Bob", "Cy"]).words(), "Several people are typing…");
    }
}
