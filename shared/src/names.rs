//! Validated values that travel in frames. Each type can only be built by
//! `parse`, so holding one means the value follows the protocol's rules. The
//! web client parses what a user types with the same functions the server uses
//! on what it receives.

use std::fmt;

use serde::{Deserialize, Serialize};

use unicode_properties::{GeneralCategory, GeneralCategoryGroup, UnicodeGeneralCategory};

use crate::error::ErrorCode;
use crate::limits::{MAX_CLIENT_ID_BYTES, MAX_DISPLAY_NAME_CHARS, MAX_ROOM_NAME_CHARS, MAX_TEXT_CHARS};

/// Which kind of value failed to parse; decides the error code a server sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Room,
    DisplayName,
    Text,
    ClientId,
}

impl Field {
    fn label(self) -> &'static str {
        match self {
            Field::Room => "room name",
            Field::DisplayName => "display name",
            Field::Text => "message text",
            Field::ClientId => "client id",
        }
    }
}

/// Why a value was refused. The `Display` text is written for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("{} must not be empty", .0.label())]
    Empty(Field),
    #[error("{} is longer than {max} characters", field.label())]
    TooLong { field: Field, max: usize },
    #[error("{} may not contain {found:?}{}", field.label(), allowed_hint(*field, *found))]
    InvalidChar { field: Field, found: char },
    #[error("{} needs at least one visible character", .0.label())]
    Invisible(Field),
    #[error("{} stacks more than {max} accents or marks on one character", field.label())]
    TooManyMarks { field: Field, max: usize },
}

fn allowed_hint(field: Field, found: char) -> &'static str {
    match field {
        Field::Room => " (use letters, digits, '-' and '_', starting with a letter or digit)",
        Field::ClientId => " (use printable ASCII without spaces)",
        Field::DisplayName if found.general_category() == GeneralCategory::Format => {
            " (invisible and direction-changing characters are not allowed in names)"
        }
        Field::DisplayName | Field::Text => "",
    }
}

impl NameError {
    pub fn field(&self) -> Field {
        match self {
            NameError::Empty(field)
            | NameError::TooLong { field, .. }
            | NameError::InvalidChar { field, .. }
            | NameError::Invisible(field)
            | NameError::TooManyMarks { field, .. } => *field,
        }
    }

    /// The error code a server answers this failure with.
    pub fn code(&self) -> ErrorCode {
        match self.field() {
            Field::Room => ErrorCode::InvalidRoom,
            Field::DisplayName => ErrorCode::InvalidName,
            Field::Text => ErrorCode::InvalidText,
            Field::ClientId => ErrorCode::InvalidClientId,
        }
    }
}

macro_rules! string_newtype {
    ($name:ident) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = NameError;
            fn try_from(value: String) -> Result<Self, NameError> {
                Self::parse(&value)
            }
        }
    };
}

/// A room's name: 1 to 32 ASCII letters, digits, `-` or `_`, starting with a
/// letter or digit. Names are case-insensitive and kept in lower case, so
/// `General` and `general` are the same room; surrounding spaces are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RoomName(String);

impl RoomName {
    pub fn parse(input: &str) -> Result<Self, NameError> {
        let name = input.trim();
        check_length(Field::Room, name.chars().count(), MAX_ROOM_NAME_CHARS)?;
        for (i, ch) in name.chars().enumerate() {
            let ok = ch.is_ascii_alphanumeric() || (i > 0 && (ch == '-' || ch == '_'));
            if !ok {
                return Err(NameError::InvalidChar { field: Field::Room, found: ch });
            }
        }
        Ok(RoomName(name.to_ascii_lowercase()))
    }
}
string_newtype!(RoomName);

/// The name a person chats under: 1 to 32 characters of any script, in
/// Unicode normalization form C, so one name has one spelling. It cannot
/// deceive: no control or format characters (bidi overrides, zero-width
/// characters, tags), at least one visible character, and at most
/// [`MAX_MARKS_PER_CHAR`] combining marks on one character. Surrounding spaces
/// are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DisplayName(String);

/// Most combining marks a display name may stack on one character: enough for
/// every script's accents, too few for a "zalgo" tower over its neighbours.
pub const MAX_MARKS_PER_CHAR: usize = 4;

/// Unicode normalization form C, where the `nfc` feature is on (servers);
/// the text as it is otherwise (the web client, whose server normalizes).
#[cfg(feature = "nfc")]
fn normalize(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    name.nfc().collect()
}

#[cfg(not(feature = "nfc"))]
fn normalize(name: &str) -> String {
    name.to_owned()
}

fn is_combining_mark(ch: char) -> bool {
    ch.general_category_group() == GeneralCategoryGroup::Mark
}

/// Characters that are letters or symbols by category but show as blank
/// (Hangul fillers, the blank Braille pattern): not enough for a visible name.
const BLANK_LOOKING: [char; 5] = ['\u{115F}', '\u{1160}', '\u{3164}', '\u{FFA0}', '\u{2800}'];

impl DisplayName {
    pub fn parse(input: &str) -> Result<Self, NameError> {
        let field = Field::DisplayName;
        let name = normalize(input.trim());
        check_length(field, name.chars().count(), MAX_DISPLAY_NAME_CHARS)?;
        let deceptive = |ch: &char| ch.is_control() || ch.general_category() == GeneralCategory::Format;
        if let Some(found) = name.chars().find(deceptive) {
            return Err(NameError::InvalidChar { field, found });
        }
        let visible =
            |ch: &char| !ch.is_whitespace() && !is_combining_mark(*ch) && !BLANK_LOOKING.contains(ch);
        if !name.chars().any(|ch| visible(&ch)) {
            return Err(NameError::Invisible(field));
        }
        let mut marks = 0;
        for ch in name.chars() {
            marks = if is_combining_mark(ch) { marks + 1 } else { 0 };
            if marks > MAX_MARKS_PER_CHAR {
                return Err(NameError::TooManyMarks { field, max: MAX_MARKS_PER_CHAR });
            }
        }
        Ok(DisplayName(name))
    }
}
string_newtype!(DisplayName);

/// The text of a chat message: up to 2000 characters with at least one that is
/// not white space. Line breaks and tabs are kept as typed; other control
/// characters are refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MessageText(String);

impl MessageText {
    pub fn parse(input: &str) -> Result<Self, NameError> {
        Self::check(input)?;
        Ok(MessageText(input.to_owned()))
    }

    /// Checks `input` against the rules without keeping a copy.
    pub fn check(input: &str) -> Result<(), NameError> {
        if input.trim().is_empty() {
            return Err(NameError::Empty(Field::Text));
        }
        check_length(Field::Text, input.chars().count(), MAX_TEXT_CHARS)?;
        let allowed = |ch: char| !ch.is_control() || matches!(ch, '\n' | '\r' | '\t');
        if let Some(found) = input.chars().find(|&ch| !allowed(ch)) {
            return Err(NameError::InvalidChar { field: Field::Text, found });
        }
        Ok(())
    }

    /// How many more characters fit, for a composer's counter (negative when over).
    pub fn remaining(input: &str) -> isize {
        MAX_TEXT_CHARS as isize - input.chars().count() as isize
    }
}
string_newtype!(MessageText);

/// An id the client picks for a message it sends (1 to 64 printable ASCII
/// characters). The server hands it back on the sender's own copy of the
/// message, and on errors about that send, so the client can match them
/// without comparing text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClientMsgId(String);

impl ClientMsgId {
    pub fn parse(input: &str) -> Result<Self, NameError> {
        Self::check(input)?;
        Ok(ClientMsgId(input.to_owned()))
    }

    /// Checks `input` against the rules without keeping a copy.
    pub fn check(input: &str) -> Result<(), NameError> {
        check_length(Field::ClientId, input.len(), MAX_CLIENT_ID_BYTES)?;
        if let Some(found) = input.chars().find(|ch| !ch.is_ascii_graphic()) {
            return Err(NameError::InvalidChar { field: Field::ClientId, found });
        }
        Ok(())
    }
}
string_newtype!(ClientMsgId);

fn check_length(field: Field, len: usize, max: usize) -> Result<(), NameError> {
    match len {
        0 => Err(NameError::Empty(field)),
        n if n > max => Err(NameError::TooLong { field, max }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check<T: fmt::Debug + AsRef<str>>(result: Result<T, NameError>, expected: Result<&str, ErrorCode>) {
        match (result, expected) {
            (Ok(value), Ok(want)) => assert_eq!(value.as_ref(), want),
            (Err(err), Err(code)) => assert_eq!(err.code(), code, "{err}"),
            (got, want) => panic!("got {got:?}, expected {want:?}"),
        }
    }

    #[test]
    fn room_names_are_trimmed_lowercased_and_restricted_to_url_safe_ascii() {
        check(RoomName::parse("general"), Ok("general"));
        check(RoomName::parse("  Rust-Lang_2 "), Ok("rust-lang_2"));
        check(RoomName::parse("a"), Ok("a"));
        check(RoomName::parse(&"x".repeat(32)), Ok(&"x".repeat(32)));
        check(RoomName::parse(""), Err(ErrorCode::InvalidRoom));
        check(RoomName::parse("   "), Err(ErrorCode::InvalidRoom));
        check(RoomName::parse(&"x".repeat(33)), Err(ErrorCode::InvalidRoom));
        check(RoomName::parse("-lead"), Err(ErrorCode::InvalidRoom));
        check(RoomName::parse("two words"), Err(ErrorCode::InvalidRoom));
        check(RoomName::parse("a/b"), Err(ErrorCode::InvalidRoom));
        check(RoomName::parse("café"), Err(ErrorCode::InvalidRoom));
        check(RoomName::parse("a:b"), Err(ErrorCode::InvalidRoom));
    }

    #[test]
    fn display_names_allow_any_script_but_no_control_characters() {
        check(DisplayName::parse("Ada Lovelace"), Ok("Ada Lovelace"));
        check(DisplayName::parse("  Zoë  "), Ok("Zoë"));
        check(DisplayName::parse("山田"), Ok("山田"));
        check(DisplayName::parse(&"é".repeat(32)), Ok(&"é".repeat(32)));
        check(DisplayName::parse(&"é".repeat(33)), Err(ErrorCode::InvalidName));
        check(DisplayName::parse(""), Err(ErrorCode::InvalidName));
        check(DisplayName::parse("a\nb"), Err(ErrorCode::InvalidName));
        check(DisplayName::parse("bell\u{7}"), Err(ErrorCode::InvalidName));
    }

    #[test]
    fn display_names_cannot_deceive() {
        // Direction overrides, zero-width characters and tags are refused.
        for sneaky in ["Ada\u{202E}gnp.exe", "Ad\u{200B}a", "\u{2066}Ada", "Ada\u{E0041}"] {
            let err = DisplayName::parse(sneaky).expect_err(sneaky);
            assert_eq!(err.code(), ErrorCode::InvalidName);
            assert!(err.to_string().contains("invisible and direction-changing"), "{err}");
        }
        // One spelling per name: a decomposed é becomes the composed one.
        #[cfg(feature = "nfc")]
        check(DisplayName::parse("Zoe\u{301}"), Ok("Zo\u{e9}"));
        // Something must show.
        for blank in ["\u{3164}", "\u{2800}\u{2800}", "\u{301}"] {
            assert!(matches!(DisplayName::parse(blank), Err(NameError::Invisible(_))), "{blank:?}");
        }
        // Accents stack as scripts need them, not as towers.
        check(DisplayName::parse("x\u{301}\u{302}\u{303}\u{304}\u{305}"), Err(ErrorCode::InvalidName));
        check(DisplayName::parse("x\u{301}\u{302}\u{303}\u{304}"), Ok("x\u{301}\u{302}\u{303}\u{304}"));
        check(DisplayName::parse("ti\u{1ebf}ng Vi\u{1ec7}t"), Ok("ti\u{1ebf}ng Vi\u{1ec7}t"));
    }

    #[test]
    fn message_text_keeps_layout_and_counts_characters_not_bytes() {
        check(MessageText::parse("hi"), Ok("hi"));
        check(MessageText::parse("  line one\nline two\t"), Ok("  line one\nline two\t"));
        check(MessageText::parse(&"ü".repeat(2000)), Ok(&"ü".repeat(2000)));
        check(MessageText::parse(&"a".repeat(2001)), Err(ErrorCode::InvalidText));
        check(MessageText::parse(""), Err(ErrorCode::InvalidText));
        check(MessageText::parse(" \n\t "), Err(ErrorCode::InvalidText));
        check(MessageText::parse("nul\0"), Err(ErrorCode::InvalidText));
        assert_eq!(MessageText::remaining("abc"), 1997);
        assert_eq!(MessageText::remaining(&"a".repeat(2003)), -3);
    }

    #[test]
    fn client_ids_are_short_printable_ascii() {
        check(ClientMsgId::parse("c-1"), Ok("c-1"));
        check(ClientMsgId::parse(&"k".repeat(64)), Ok(&"k".repeat(64)));
        check(ClientMsgId::parse(&"k".repeat(65)), Err(ErrorCode::InvalidClientId));
        check(ClientMsgId::parse(""), Err(ErrorCode::InvalidClientId));
        check(ClientMsgId::parse("has space"), Err(ErrorCode::InvalidClientId));
        check(ClientMsgId::parse("ü"), Err(ErrorCode::InvalidClientId));
        assert!(ClientMsgId::check("c-1").is_ok());
        assert_eq!(ClientMsgId::check("has space").map_err(|e| e.code()), Err(ErrorCode::InvalidClientId));
    }

    #[test]
    fn errors_explain_themselves_to_the_person_who_typed() {
        let err = RoomName::parse("no spaces").unwrap_err();
        assert_eq!(
            err.to_string(),
            "room name may not contain ' ' (use letters, digits, '-' and '_', starting with a letter or digit)"
        );
        let err = DisplayName::parse(&"n".repeat(40)).unwrap_err();
        assert_eq!(err.to_string(), "display name is longer than 32 characters");
    }

    #[test]
    fn deserializing_validates_too() {
        let room: RoomName = serde_json::from_str("\"Lobby\"").unwrap();
        assert_eq!(room.as_str(), "lobby");
        assert!(serde_json::from_str::<RoomName>("\"not ok\"").is_err());
        assert_eq!(serde_json::to_string(&room).unwrap(), "\"lobby\"");
    }
}
