//! What the page says about news outside the room on screen: the browser
//! notification a new message deserves ([`alert_for`]), the page title's
//! counts ([`page_title`]), and the bounded list of live messages the
//! notifier has still to look at ([`Arrivals`]). Pure: the state fills
//! [`Arrivals`], and the provider's notifier hook (`notifier.rs`) asks
//! [`alert_for`] about each and shows what it answers.

use std::collections::{BTreeSet, VecDeque};

use roomcast_protocol::RoomName;

/// Live messages kept for the notifier; it looks after every render, so
/// more than a few never wait.
pub const MAX_ARRIVALS: usize = 32;
/// The longest notification text, in characters; the rest is cut with "…".
pub const MAX_BODY_CHARS: usize = 160;

/// A message from someone else that arrived live (not history, not a page
/// of older messages, not what a reconnect recovered).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrival {
    /// Counts up from 1 over the page's life, so the notifier knows which it saw.
    pub seq: u64,
    pub room: RoomName,
    pub author: String,
    pub text: String,
    /// It mentions the user by name.
    pub mentions_me: bool,
}

/// The newest live messages, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Arrivals {
    latest: u64,
    recent: VecDeque<Arrival>,
}

impl Arrivals {
    pub fn push(&mut self, room: RoomName, author: String, text: String, mentions_me: bool) {
        self.latest += 1;
        self.recent.push_back(Arrival { seq: self.latest, room, author, text, mentions_me });
        while self.recent.len() > MAX_ARRIVALS {
            self.recent.pop_front();
        }
    }

    /// The number of the newest arrival (0 before any).
    pub fn latest(&self) -> u64 {
        self.latest
    }

    /// The arrivals numbered after `seen`, oldest first.
    pub fn after(&self, seen: u64) -> impl Iterator<Item = &Arrival> {
        self.recent.iter().filter(move |arrival| arrival.seq > seen)
    }
}

/// What the browser allows about notifications for this page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// No notifications here (an old browser, or a phone browser that shows
    /// them only from an installed app).
    Unsupported,
    /// Not decided: asking shows the browser's prompt.
    Ask,
    Granted,
    /// Refused; only the browser's site settings can change it.
    Denied,
}

/// What the decision depends on besides the message.
#[derive(Debug, Clone, Copy)]
pub struct Situation<'a> {
    /// The user asked for notifications and the browser allows them.
    pub allowed: bool,
    /// The page is not visible (another tab, a minimised window).
    pub hidden: bool,
    pub muted: &'a BTreeSet<RoomName>,
}

/// A browser notification to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub title: String,
    pub body: String,
    /// One per room: a newer notification of the room replaces the older.
    pub tag: String,
    /// Clicking it shows this room.
    pub room: RoomName,
}

/// The notification `arrival` deserves, if any: only while the page is
/// hidden and notifications are allowed; a mention of the user always, any
/// other message only in a room that is not muted.
pub fn alert_for(arrival: &Arrival, situation: Situation<'_>) -> Option<Alert> {
    if !situation.allowed || !situation.hidden {
        return None;
    }
    if !arrival.mentions_me && situation.muted.contains(&arrival.room) {
        return None;
    }
    let (author, room) = (&arrival.author, &arrival.room);
    let title = if arrival.mentions_me {
        format!("{author} mentioned you in #{room}")
    } else {
        format!("{author} in #{room}")
    };
    Some(Alert { title, body: clip(&arrival.text), tag: format!("roomcast-room-{room}"), room: room.clone() })
}

fn clip(text: &str) -> String {
    let mut chars = text.chars();
    let mut body: String = chars.by_ref().take(MAX_BODY_CHARS).collect();
    if chars.next().is_some() {
        body.push('…');
    }
    body
}

/// The page title: unread messages and mentions of the user first, so that
/// they show on the browser's tab, then the room on screen.
/// `(@1 · 3) #general · Roomcast`: one mention among three unread.
pub fn page_title(active: Option<&RoomName>, unread: u32, mentions: u32) -> String {
    let counts = match (mentions, unread) {
        (0, 0) => String::new(),
        (0, unread) => format!("({unread}) "),
        (mentions, unread) if unread <= mentions => format!("(@{mentions}) "),
        (mentions, unread) => format!("(@{mentions} · {unread}) "),
    };
    let place = active.map(|room| format!("#{room} · ")).unwrap_or_default();
    format!("{counts}{place}Roomcast")
}

/// The badge text of a count: `99+` past 99.
pub fn badge_count(count: u32) -> String {
    if count > 99 {
        "99+".to_owned()
    } else {
        count.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::room;

    fn arrival(room_name: &str, mentions_me: bool) -> Arrival {
        Arrival { seq: 1, room: room(room_name), author: "Bob".into(), text: "hello".into(), mentions_me }
    }

    fn decide(arrival: &Arrival, allowed: bool, hidden: bool, muted: &[&str]) -> Option<Alert> {
        let muted: BTreeSet<RoomName> = muted.iter().map(|name| room(name)).collect();
        alert_for(arrival, Situation { allowed, hidden, muted: &muted })
    }

    #[test]
    fn a_message_notifies_only_while_the_page_is_hidden_and_notifications_are_allowed() {
        let message = arrival("general", false);
        assert!(decide(&message, true, true, &[]).is_some());
        assert_eq!(decide(&message, true, false, &[]), None, "the page is in view");
        assert_eq!(decide(&message, false, true, &[]), None, "not asked for, or refused by the browser");
    }

    #[test]
    fn a_muted_room_notifies_only_for_mentions_of_the_user() {
        assert_eq!(decide(&arrival("general", false), true, true, &["general"]), None);
        let mention =
            decide(&arrival("general", true), true, true, &["general"]).expect("a mention notifies");
        assert_eq!(mention.title, "Bob mentioned you in #general");
        assert!(
            decide(&arrival("random", false), true, true, &["general"]).is_some(),
            "other rooms are not muted"
        );
    }

    #[test]
    fn notifications_name_the_author_and_room_and_collapse_per_room() {
        let alert = decide(&arrival("general", false), true, true, &[]).expect("a notification");
        assert_eq!(alert.title, "Bob in #general");
        assert_eq!(alert.body, "hello");
        assert_eq!(alert.room, room("general"));
        let other = decide(&arrival("random", false), true, true, &[]).expect("a notification");
        assert_ne!(alert.tag, other.tag, "one tag per room");
        assert_eq!(alert.tag, decide(&arrival("general", true), true, true, &[]).expect("a mention").tag);
    }

    #[test]
    fn a_long_message_is_cut_in_the_notification() {
        let mut long = arrival("general", false);
        long.text = "é".repeat(MAX_BODY_CHARS + 5);
        let alert = decide(&long, true, true, &[]).expect("a notification");
        assert_eq!(alert.body.chars().count(), MAX_BODY_CHARS + 1);
        assert!(alert.body.ends_with('…'));
    }

    #[test]
    fn arrivals_are_numbered_and_bounded() {
        let mut arrivals = Arrivals::default();
        assert_eq!(arrivals.latest(), 0);
        for n in 0..(MAX_ARRIVALS as u64 + 3) {
            arrivals.push(room("general"), "Bob".into(), n.to_string(), false);
        }
        assert_eq!(arrivals.latest(), MAX_ARRIVALS as u64 + 3);
        assert_eq!(arrivals.after(0).count(), MAX_ARRIVALS, "the oldest are forgotten");
        let newest: Vec<&str> = arrivals.after(arrivals.latest() - 2).map(|a| a.text.as_str()).collect();
        assert_eq!(newest, ["33", "34"]);
    }

    #[test]
    fn the_title_counts_mentions_apart_from_unread_messages() {
        let general = room("general");
        assert_eq!(page_title(Some(&general), 0, 0), "#general · Roomcast");
        assert_eq!(page_title(None, 3, 0), "(3) Roomcast");
        assert_eq!(page_title(Some(&general), 3, 1), "(@1 · 3) #general · Roomcast");
        assert_eq!(page_title(None, 1, 1), "(@1) Roomcast", "a mention that is the only unread says it once");
    }

    #[test]
    fn badges_stop_counting_at_99() {
        assert_eq!(badge_count(7), "7");
        assert_eq!(badge_count(100), "99+");
    }
}
