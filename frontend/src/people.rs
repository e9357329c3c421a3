//! Who is in a room, as the page knows it (protocol version 4): the member
//! list from the `members` answer kept up to date by `presence` changes,
//! and who is typing ([`crate::typing`]). Pure; the state keeps one
//! [`People`] per room and the components render it.

use std::collections::BTreeMap;
use std::rc::Rc;

use roomcast_protocol::MemberCount;

use crate::typing::Typists;

/// Members listed at most in the panel; the rest are counted.
pub const MAX_LISTED: usize = 200;

/// A room's members by display name, each with how many connections (tabs,
/// devices) use that name there. Names are the server's, already trimmed
/// and normalised, so equal names are equal strings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Members {
    counts: BTreeMap<String, u32>,
}

/// One line of the member list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member<'a> {
    pub name: &'a str,
    /// More than one means several tabs or devices under one name (or
    /// several people who chose the same one: the server cannot tell).
    pub count: u32,
    /// The name this page chose.
    pub me: bool,
}

impl Members {
    /// The list from a `members` answer. A repeated name keeps its last
    /// count; a count of 0 is nobody.
    pub fn from_answer(members: &[MemberCount<'_>]) -> Self {
        let mut list = Members::default();
        list.apply(members);
        list
    }

    /// `presence` changes: each name's new count, 0 for a name that left.
    pub fn apply(&mut self, changes: &[MemberCount<'_>]) {
        for change in changes {
            if change.count == 0 {
                self.counts.remove(change.name.as_ref());
            } else {
                self.counts.insert(change.name.clone().into_owned(), change.count);
            }
        }
    }

    /// How many names (not connections) are in the room.
    pub fn len(&self) -> usize {
        self.counts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// Every name, in no particular order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.counts.keys().map(String::as_str)
    }

    pub fn count_of(&self, name: &str) -> u32 {
        self.counts.get(name).copied().unwrap_or(0)
    }

    /// The list as shown: `me` first, then everyone else by name, ignoring
    /// case; at most `limit` lines. Names compare in upper case: the app
    /// already carries those tables (for initials), while lower case would
    /// add 14 KB of wasm for an order that ignores case no better.
    pub fn listing(&self, me: Option<&str>, limit: usize) -> Vec<Member<'_>> {
        let mut lines: Vec<Member<'_>> = self
            .counts
            .iter()
            .map(|(name, count)| Member { name, count: *count, me: Some(name.as_str()) == me })
            .collect();
        lines.sort_by_cached_key(|member| (!member.me, member.name.to_uppercase()));
        lines.truncate(limit);
        lines
    }
}

/// "1 person", "3 people".
pub fn people_count(names: usize) -> String {
    crate::wording::count(names, "person", "people")
}

/// What the page knows about the people of one room.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct People {
    /// `None` until the `members` answer of the current connection arrives
    /// (or when the server predates presence).
    pub members: Option<Rc<Members>>,
    pub typists: Typists,
}

impl People {
    /// The `members` answer: the whole list, replacing any earlier one.
    pub fn answered(&mut self, members: &[MemberCount<'_>]) {
        self.members = Some(Rc::new(Members::from_answer(members)));
    }

    /// A `presence` frame. Ignored before the list is known: the answer to
    /// come already counts these changes. A name that left stops typing.
    pub fn changed(&mut self, changes: &[MemberCount<'_>]) {
        let Some(members) = &mut self.members else { return };
        Rc::make_mut(members).apply(changes);
        for gone in changes.iter().filter(|change| change.count == 0) {
            self.typists.stopped(&gone.name);
        }
    }

    /// A `typing` frame from `name` at `now_ms`.
    pub fn typing(&mut self, name: &str, now_ms: f64) {
        self.typists.saw(name, now_ms);
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;

    fn counts(pairs: &[(&str, u32)]) -> Vec<MemberCount<'static>> {
        pairs
            .iter()
            .map(|(name, count)| MemberCount { name: Cow::Owned((*name).to_owned()), count: *count })
            .collect()
    }

    fn names<'a>(members: &'a Members, me: Option<&str>) -> Vec<(&'a str, u32, bool)> {
        members.listing(me, MAX_LISTED).into_iter().map(|m| (m.name, m.count, m.me)).collect()
    }

    #[test]
    fn the_answer_lists_each_name_once_with_its_count() {
        let members = Members::from_answer(&counts(&[("Bob", 1), ("Ada", 2), ("Nobody", 0)]));
        assert_eq!(members.len(), 2, "names, not connections; a count of 0 is nobody");
        assert_eq!(members.count_of("Ada"), 2);
        assert_eq!(members.count_of("Nobody"), 0);
    }

    #[test]
    fn presence_changes_set_new_counts_and_zero_removes_a_name() {
        let mut members = Members::from_answer(&counts(&[("Ada", 1), ("Bob", 1)]));
        members.apply(&counts(&[("Cy", 1), ("Ada", 2), ("Bob", 0)]));
        assert_eq!(names(&members, None), [("Ada", 2, false), ("Cy", 1, false)]);
        members.apply(&counts(&[("Nobody", 0)]));
        assert_eq!(members.len(), 2, "a name that was never there leaves nothing behind");
    }

    #[test]
    fn the_listing_puts_me_first_then_everyone_by_name_ignoring_case() {
        let members = Members::from_answer(&counts(&[("bob", 1), ("Zoë", 1), ("Ada", 1), ("Cy", 3)]));
        let listed = names(&members, Some("Zoë"));
        assert_eq!(listed, [("Zoë", 1, true), ("Ada", 1, false), ("bob", 1, false), ("Cy", 3, false)]);
        assert_eq!(members.listing(Some("Zoë"), 2).len(), 2, "bounded");
        assert!(names(&members, Some("Dee")).iter().all(|(_, _, me)| !me), "me is not in the room yet");
    }

    #[test]
    fn the_count_says_person_or_people() {
        assert_eq!(people_count(0), "0 people");
        assert_eq!(people_count(1), "1 person");
        assert_eq!(people_count(3), "3 people");
    }

    #[test]
    fn presence_before_the_answer_is_left_to_the_answer() {
        let mut people = People::default();
        people.changed(&counts(&[("Ada", 1)]));
        assert_eq!(people.members, None);
        people.answered(&counts(&[("Ada", 1), ("Bob", 1)]));
        assert_eq!(people.members.as_ref().map(|m| m.len()), Some(2));
    }

    #[test]
    fn a_name_that_leaves_stops_typing() {
        let mut people = People::default();
        people.answered(&counts(&[("Ada", 1), ("Bob", 1)]));
        people.typing("Bob", 0.0);
        people.typing("Ada", 0.0);
        people.changed(&counts(&[("Bob", 0)]));
        assert_eq!(people.typists.active(1.0), ["Ada"]);
    }
}
