//! Words for people: counts with the right plural ("1 room", "2 rooms"), and
//! what is wrong with a name or a message as someone who typed it would
//! put it ("Room names can use letters, digits, - and _ (not spaces)").
//!
//! The shared crate's [`NameError`] says the same for the developers of
//! clients and in the server's error frames ("room name may not contain
//! ' ' (use letters, …)"); the page words its own checks here, short
//! enough for the line reserved under each field. Pure and unit-tested.

use roomcast_protocol::names::Field;
use roomcast_protocol::NameError;

/// `count` followed by the noun, singular for exactly one: "1 room",
/// "0 rooms", "2 rooms".
pub fn count(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

/// What is wrong with what was typed, for the person who typed it.
pub fn problem(error: &NameError) -> String {
    match (error.field(), error) {
        (Field::Room, NameError::Empty(_)) => "Type the name of a room.".to_owned(),
        (Field::Room, NameError::TooLong { max, .. }) => {
            format!("Room names can be at most {max} characters.")
        }
        (Field::Room, NameError::InvalidChar { found: '-' | '_', .. }) => {
            "Room names start with a letter or a digit.".to_owned()
        }
        (Field::Room, NameError::InvalidChar { found, .. }) if found.is_alphabetic() => {
            format!("Room names can use the letters a to z, digits, - and _ (not {}).", describe(*found))
        }
        (Field::Room, NameError::InvalidChar { found, .. }) => {
            format!("Room names can use letters, digits, - and _ (not {}).", describe(*found))
        }
        (Field::DisplayName, NameError::Empty(_)) => "Type a name.".to_owned(),
        (Field::DisplayName, NameError::TooLong { max, .. }) => {
            format!("Names can be at most {max} characters.")
        }
        (Field::DisplayName, NameError::InvalidChar { .. }) => {
            "Names cannot contain invisible or direction-changing characters.".to_owned()
        }
        (Field::DisplayName, NameError::Invisible(_)) => {
            "A name needs at least one visible character.".to_owned()
        }
        (Field::Text, NameError::InvalidChar { found, .. }) => {
            format!("Messages cannot contain control characters ({} here).", describe(*found))
        }
        (Field::DisplayName | Field::Text, NameError::TooManyMarks { max, .. }) => {
            format!("At most {max} accents or marks can sit on one letter.")
        }
        // Not typed by people (client ids), or not possible for the field.
        _ => sentence(&error.to_string()),
    }
}

/// A character as people can see it: quoted, or named when it has no look.
fn describe(found: char) -> String {
    match found {
        ' ' => "spaces".to_owned(),
        ch if ch.is_whitespace() || ch.is_control() || !ch.is_alphanumeric() && ch as u32 > 0x7f => {
            format!("U+{:04X}", u32::from(ch))
        }
        ch => format!("“{ch}”"),
    }
}

/// `text` with a capital letter and a full stop.
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    let first = chars.next().map(|c| c.to_uppercase().to_string()).unwrap_or_default();
    format!("{first}{}.", chars.as_str().trim_end_matches('.'))
}

#[cfg(test)]
mod tests {
    use roomcast_protocol::{DisplayName, MessageText, RoomName};

    use super::*;

    fn room(input: &str) -> String {
        problem(&RoomName::parse(input).expect_err(input))
    }

    fn name(input: &str) -> String {
        problem(&DisplayName::parse(input).expect_err(input))
    }

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(count(1, "room", "rooms"), "1 room");
        assert_eq!(count(0, "room", "rooms"), "0 rooms");
        assert_eq!(count(2, "room", "rooms"), "2 rooms");
        assert_eq!(count(21, "person", "people"), "21 people");
        assert_eq!(count(1, "person", "people"), "1 person");
    }

    #[test]
    fn room_names_are_explained_in_words_with_what_is_wrong() {
        assert_eq!(room("Bad Room!"), "Room names can use letters, digits, - and _ (not spaces).");
        assert_eq!(room("bad!"), "Room names can use letters, digits, - and _ (not “!”).");
        assert_eq!(room("café"), "Room names can use the letters a to z, digits, - and _ (not “é”).");
        assert_eq!(room("tab\there"), "Room names can use letters, digits, - and _ (not U+0009).");
        assert_eq!(room("-dash"), "Room names start with a letter or a digit.");
        assert_eq!(room("   "), "Type the name of a room.");
        assert_eq!(room(&"r".repeat(33)), "Room names can be at most 32 characters.");
    }

    #[test]
    fn display_names_are_explained_in_words() {
        assert_eq!(name(""), "Type a name.");
        assert_eq!(name(&"Ada".repeat(11)), "Names can be at most 32 characters.");
        assert_eq!(name("Ada\u{202E}"), "Names cannot contain invisible or direction-changing characters.");
        assert_eq!(name("\u{3164}"), "A name needs at least one visible character.");
        assert_eq!(
            name("e\u{301}\u{301}\u{301}\u{301}\u{301}"),
            "At most 4 accents or marks can sit on one letter."
        );
    }

    #[test]
    fn a_message_with_a_control_character_names_it() {
        let error = MessageText::check("bell \u{7}").expect_err("a bell");
        assert_eq!(problem(&error), "Messages cannot contain control characters (U+0007 here).");
    }

    #[test]
    fn what_people_never_type_keeps_the_protocols_words_as_a_sentence() {
        let error = roomcast_protocol::ClientMsgId::check("has space").expect_err("a space");
        let words = problem(&error);
        assert!(words.starts_with("Client id may not contain"), "{words}");
        assert!(words.ends_with('.'), "{words}");
    }
}
