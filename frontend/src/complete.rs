//! Mention autocomplete in the composer: the `@…` being typed before the
//! caret ([`query_at`]), the room's names it may mean ([`options`]), the
//! draft once one is picked ([`accept`]), and what a key does while the
//! list is open ([`picker_key`]). Pure; `components/mention_picker.rs`
//! wires it to the text field, whose caret counts UTF-16 units
//! ([`byte_index`], [`utf16_index`]).

use roomcast_protocol::limits::MAX_DISPLAY_NAME_CHARS;

use crate::rich_text::{joins_word, prefix_ignoring_case};

/// Names offered at once.
pub const MAX_OPTIONS: usize = 8;

/// An `@` being typed: the byte range from the `@` to the caret, and what
/// follows the `@` there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Query<'a> {
    pub at: usize,
    pub end: usize,
    pub typed: &'a str,
}

/// The mention being typed when the caret is at byte `caret` of `draft`:
/// the nearest `@` before it that starts a word, on the same line and at
/// most a name's length away. Names may contain spaces, so the query may
/// too, but it never starts with one (`@ ` is not a mention).
pub fn query_at(draft: &str, caret: usize) -> Option<Query<'_>> {
    let before = draft.get(..caret)?;
    let (at, _) = before
        .char_indices()
        .rev()
        .take(MAX_DISPLAY_NAME_CHARS + 1)
        .take_while(|(_, ch)| *ch != '\n')
        .find(|(_, ch)| *ch == '@')?;
    let starts_word = !before[..at].chars().next_back().is_some_and(joins_word);
    let typed = &before[at + 1..];
    (starts_word && !typed.starts_with(char::is_whitespace)).then_some(Query { at, end: caret, typed })
}

/// The names that `typed` may be the start of, ignoring case: those it
/// begins first, then those with a later word it begins (`lov` finds "Ada
/// Lovelace"); alphabetical within each, at most [`MAX_OPTIONS`], never the
/// user's own name `me`.
pub fn options<'a>(typed: &str, names: impl IntoIterator<Item = &'a str>, me: Option<&str>) -> Vec<&'a str> {
    let mut found: Vec<(bool, String, &'a str)> = names
        .into_iter()
        .filter(|name| Some(*name) != me)
        .filter_map(|name| {
            let whole = prefix_ignoring_case(name, typed).is_some();
            let later_word = || {
                name.match_indices(char::is_whitespace)
                    .any(|(space, gap)| prefix_ignoring_case(&name[space + gap.len()..], typed).is_some())
            };
            (whole || later_word()).then(|| (!whole, name.to_uppercase(), name))
        })
        .collect();
    found.sort_unstable();
    found.into_iter().take(MAX_OPTIONS).map(|(_, _, name)| name).collect()
}

/// The draft with `query` replaced by `@name` and a space, and the byte
/// index of the caret after them (after the space that may already follow).
pub fn accept(draft: &str, query: Query<'_>, name: &str) -> (String, usize) {
    let rest = &draft[query.end..];
    let spaced = rest.starts_with(' ');
    let mention = if spaced { format!("@{name}") } else { format!("@{name} ") };
    let text = format!("{}{mention}{rest}", &draft[..query.at]);
    let caret = query.at + mention.len() + usize::from(spaced);
    (text, caret)
}

/// What a key does while the list of names is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickerKey {
    Next,
    Previous,
    /// Put the highlighted name into the draft.
    Accept,
    Close,
}

/// The picker's answer to a key; `None` leaves the key to the composer (and
/// Enter to confirm an input method's composition is never a pick).
pub fn picker_key(key: &str, shift: bool, composing: bool) -> Option<PickerKey> {
    match key {
        _ if composing => None,
        "ArrowDown" => Some(PickerKey::Next),
        "ArrowUp" => Some(PickerKey::Previous),
        "Enter" | "Tab" if !shift => Some(PickerKey::Accept),
        "Escape" => Some(PickerKey::Close),
        _ => None,
    }
}

/// The byte index of the UTF-16 offset `units` in `text` (a text field's
/// caret); `None` inside a character or past the end.
pub fn byte_index(text: &str, units: u32) -> Option<usize> {
    let mut counted = 0;
    for (index, ch) in text.char_indices() {
        if counted == units as usize {
            return Some(index);
        }
        counted += ch.len_utf16();
    }
    (counted == units as usize).then_some(text.len())
}

/// The UTF-16 offset of byte `index` of `text`.
pub fn utf16_index(text: &str, index: usize) -> u32 {
    text.get(..index).map_or(0, |start| start.encode_utf16().count() as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `draft` with the caret at `|`.
    fn typed(draft: &str) -> Option<String> {
        let caret = draft.find('|').expect("a caret in the test");
        let text = draft.replace('|', "");
        query_at(&text, caret).map(|query| query.typed.to_owned())
    }

    #[test]
    fn an_at_sign_that_starts_a_word_opens_a_query_up_to_the_caret() {
        assert_eq!(typed("hi @|").as_deref(), Some(""));
        assert_eq!(typed("hi @bo|").as_deref(), Some("bo"));
        assert_eq!(typed("@Ada Lo| there").as_deref(), Some("Ada Lo"), "names may have spaces");
        assert_eq!(typed("(@zo|").as_deref(), Some("zo"));
    }

    #[test]
    fn addresses_other_lines_and_far_away_signs_are_not_queries() {
        assert_eq!(typed("mail ada@exa|"), None);
        assert_eq!(typed("@ada\nnext|"), None);
        assert_eq!(typed("@ |"), None);
        assert_eq!(typed(&format!("@{}|", "x".repeat(MAX_DISPLAY_NAME_CHARS + 1))), None);
        assert_eq!(typed("no sign|"), None);
        assert_eq!(typed("@bob @|").as_deref(), Some(""), "the nearest sign");
    }

    #[test]
    fn options_put_names_that_begin_with_the_query_first_and_leave_out_me() {
        let names = ["bob", "Ada Lovelace", "Ada", "Cy", "Lovisa"];
        assert_eq!(options("", names, Some("Cy")), ["Ada", "Ada Lovelace", "bob", "Lovisa"]);
        assert_eq!(options("ADA", names, None), ["Ada", "Ada Lovelace"]);
        assert_eq!(options("lov", names, None), ["Lovisa", "Ada Lovelace"], "then later words");
        assert_eq!(options("Ada Lo", names, None), ["Ada Lovelace"]);
        assert!(options("zed", names, None).is_empty());
        let many: Vec<String> = (0..20).map(|n| format!("Name{n:02}")).collect();
        assert_eq!(options("n", many.iter().map(String::as_str), None).len(), MAX_OPTIONS);
    }

    #[test]
    fn accepting_replaces_the_query_with_the_name_and_a_space() {
        let draft = "hi @bo and more";
        let query = query_at(draft, 6).expect("a query");
        let (text, caret) = accept(draft, query, "Bob");
        assert_eq!(text, "hi @Bob and more", "the space that follows is reused");
        assert_eq!(&text[..caret], "hi @Bob ");

        let draft = "@ad";
        let (text, caret) = accept(draft, query_at(draft, 3).expect("a query"), "Ada Lovelace");
        assert_eq!(text, "@Ada Lovelace ");
        assert_eq!(caret, text.len());
    }

    #[test]
    fn keys_move_pick_and_close_but_leave_everything_else_to_the_composer() {
        assert_eq!(picker_key("ArrowDown", false, false), Some(PickerKey::Next));
        assert_eq!(picker_key("ArrowUp", false, false), Some(PickerKey::Previous));
        assert_eq!(picker_key("Enter", false, false), Some(PickerKey::Accept));
        assert_eq!(picker_key("Tab", false, false), Some(PickerKey::Accept));
        assert_eq!(picker_key("Escape", false, false), Some(PickerKey::Close));
        assert_eq!(picker_key("Enter", true, false), None, "Shift+Enter is a new line");
        assert_eq!(picker_key("Enter", false, true), None, "an input method's Enter");
        assert_eq!(picker_key("a", false, false), None);
    }

    #[test]
    fn carets_convert_between_utf16_units_and_bytes() {
        let text = "é😀@x";
        assert_eq!(byte_index(text, 0), Some(0));
        assert_eq!(byte_index(text, 1), Some(2));
        assert_eq!(byte_index(text, 2), None, "inside the emoji");
        assert_eq!(byte_index(text, 3), Some(6));
        assert_eq!(byte_index(text, 5), Some(text.len()));
        assert_eq!(byte_index(text, 6), None);
        assert_eq!(utf16_index(text, 6), 3);
        assert_eq!(utf16_index(text, text.len()), 5);
    }
}
