//! A message's text as the page shows it: plain text, links and `@Name`
//! mentions, split into [`Segment`]s that the `MessageText` component turns
//! into elements (never into markup). Pure and without I/O; the state uses
//! the same rule ([`mentions_me`]) to count the mentions of the user.
//!
//! Links are `https://…`, `http://…` and `www.…` (which links to
//! `https://www.…`); no other scheme is ever a link, so `javascript:` stays
//! text. Punctuation that ends a sentence (`.`, `,`, `)`, …) is not part of a
//! link unless a bracket is balanced inside it.
//!
//! Display names may contain spaces (`Ada Lovelace`) and any script, so a
//! mention is not "`@` up to the next space": it is `@` followed by one of
//! the names the page knows (the room's members and the user's own), the
//! longest that fits, ignoring case. `@Ada Lovelace` mentions Ada Lovelace,
//! not Ada, when both are in the room.

/// One piece of a message's text, borrowing from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment<'a> {
    Text(&'a str),
    /// `text` as written; `href` is where it goes (always `http:` or `https:`).
    Link {
        text: &'a str,
        href: String,
    },
    /// `@Name` as written; `me`: the name is the user's own.
    Mention {
        text: &'a str,
        me: bool,
    },
}

/// The names a mention can name, longest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MentionNames {
    /// Each name once, with whether it is the user's own (ignoring case).
    names: Vec<(String, bool)>,
}

impl MentionNames {
    /// The room's `members` and the user's own name `me`.
    pub fn new<'a>(me: Option<&'a str>, members: impl IntoIterator<Item = &'a str>) -> Self {
        let mut names: Vec<(String, bool)> = Vec::new();
        for name in me.into_iter().chain(members) {
            if !name.is_empty() && !names.iter().any(|(known, _)| known == name) {
                let mine = me.is_some_and(|me| same_ignoring_case(me, name));
                names.push((name.to_owned(), mine));
            }
        }
        names.sort_unstable_by(|(a, _), (b, _)| {
            b.chars().count().cmp(&a.chars().count()).then_with(|| a.cmp(b))
        });
        MentionNames { names }
    }

    /// The name mentioned right after an `@` at the start of `rest`: the
    /// byte length it takes in `rest` and whether it is the user's own.
    fn named_at(&self, rest: &str) -> Option<(usize, bool)> {
        self.names.iter().find_map(|(name, me)| {
            let len = prefix_ignoring_case(rest, name)?;
            let next = rest[len..].chars().next();
            (!next.is_some_and(is_word_char)).then_some((len, *me))
        })
    }
}

/// Splits `text` into plain text, links and mentions of `names`, in order.
/// Adjacent plain text is one segment; nothing of the text is lost.
pub fn segments<'a>(text: &'a str, names: &MentionNames) -> Vec<Segment<'a>> {
    let mut found = Vec::new();
    let mut plain_from = 0;
    let mut at = 0;
    while at < text.len() {
        let (before, rest) = text.split_at(at);
        let starts_word = !before.chars().next_back().is_some_and(joins_word);
        let special = if rest.starts_with('@') && starts_word {
            names
                .named_at(&rest[1..])
                .map(|(len, me)| (1 + len, Segment::Mention { text: &rest[..1 + len], me }))
        } else if starts_word && !before.ends_with(['.', '/', ':', '-']) {
            link_at(rest).map(|(len, href)| (len, Segment::Link { text: &rest[..len], href }))
        } else {
            None
        };
        match special {
            Some((len, segment)) => {
                if plain_from < at {
                    found.push(Segment::Text(&text[plain_from..at]));
                }
                found.push(segment);
                at += len;
                plain_from = at;
            }
            None => at += rest.chars().next().map_or(1, char::len_utf8),
        }
    }
    if plain_from < text.len() {
        found.push(Segment::Text(&text[plain_from..]));
    }
    found
}

/// Whether `text` mentions the user (a mention of `names` that is theirs).
pub fn mentions_me(text: &str, names: &MentionNames) -> bool {
    text.contains('@')
        && segments(text, names).iter().any(|segment| matches!(segment, Segment::Mention { me: true, .. }))
}

/// Letters, digits and `_`: what a name or word continues with.
pub(crate) fn is_word_char(ch: char) -> bool {
    ch.is_alphanumeric() || ch == '_'
}

/// Characters that glue what follows to what precedes (`ada@example.com`
/// is an address, not a mention; `xhttps://` is not a link).
pub(crate) fn joins_word(ch: char) -> bool {
    is_word_char(ch) || ch == '@'
}

fn same_ignoring_case(a: &str, b: &str) -> bool {
    a.chars().count() == b.chars().count() && prefix_ignoring_case(a, b) == Some(a.len())
}

/// When `text` starts with `prefix` ignoring case, the byte length of that
/// start of `text`. Upper case, as the member list sorts (see `people`).
pub(crate) fn prefix_ignoring_case(text: &str, prefix: &str) -> Option<usize> {
    let mut chars = text.char_indices();
    for wanted in prefix.chars() {
        let (_, ch) = chars.next()?;
        if ch != wanted && !ch.to_uppercase().eq(wanted.to_uppercase()) {
            return None;
        }
    }
    Some(chars.next().map_or(text.len(), |(index, _)| index))
}

/// A link at the start of `text`: its byte length and its address.
fn link_at(text: &str) -> Option<(usize, String)> {
    let scheme = ["https://", "http://", "www."].into_iter().find_map(|scheme| {
        prefix_ignoring_case(text, scheme).filter(|len| *len == scheme.len()).map(|_| scheme)
    })?;
    let end = text.find(ends_link).unwrap_or(text.len());
    let link = trim_trailing_punctuation(&text[..end]);
    let host = link.get(scheme.len()..)?.split(['/', '?', '#']).next().unwrap_or_default();
    let www = scheme == "www.";
    // `www.` needs a name and a domain after it; `https://` any host.
    let named = host.chars().any(char::is_alphanumeric) && (!www || host.contains('.'));
    if !named {
        return None;
    }
    let href = if www { format!("https://{link}") } else { link.to_owned() };
    Some((link.len(), href))
}

/// Characters no link contains: spaces, quotes and angle brackets around
/// it, and invisible or direction-changing characters, which could make the
/// address shown differ from the address followed (`…/\u{202E}txt.exe`).
fn ends_link(ch: char) -> bool {
    ch.is_whitespace()
        || ch.is_control()
        || "<>\"`".contains(ch)
        || matches!(ch, '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{FEFF}')
}

/// Drops what ends a sentence rather than an address: `.`, `,`, `!`, quotes,
/// and a closing bracket with no opening one inside the link.
fn trim_trailing_punctuation(mut link: &str) -> &str {
    loop {
        let Some(last) = link.chars().next_back() else { return link };
        let unbalanced = |open: char| link.matches(open).count() < link.matches(last).count();
        let drop = match last {
            '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '*' | '_' | '~' => true,
            ')' => unbalanced('('),
            ']' => unbalanced('['),
            '}' => unbalanced('{'),
            _ => false,
        };
        if !drop {
            return link;
        }
        link = &link[..link.len() - last.len_utf8()];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What each segment is, in order: `"text"`, `[link → href]`, `{@Name}`
    /// for a mention of someone else and `{{@Name}}` for one of the user.
    fn check(text: &str, members: &[&str], expected: &[&str]) {
        let names = MentionNames::new(Some("Ada"), members.iter().copied());
        let shown: Vec<String> = segments(text, &names)
            .into_iter()
            .map(|segment| match segment {
                Segment::Text(text) => format!("{text:?}"),
                Segment::Link { text, href } => format!("[{text} → {href}]"),
                Segment::Mention { text, me: false } => format!("{{{text}}}"),
                Segment::Mention { text, me: true } => format!("{{{{{text}}}}}"),
            })
            .collect();
        assert_eq!(shown, expected, "segments of {text:?}");
    }

    #[test]
    fn plain_text_is_one_segment() {
        check("just words, no links", &[], &["\"just words, no links\""]);
        check("", &[], &[]);
    }

    #[test]
    fn http_and_https_addresses_are_links_to_themselves() {
        check(
            "see https://example.com/a?b=1#c and http://127.0.0.1:8080/",
            &[],
            &[
                "\"see \"",
                "[https://example.com/a?b=1#c → https://example.com/a?b=1#c]",
                "\" and \"",
                "[http://127.0.0.1:8080/ → http://127.0.0.1:8080/]",
            ],
        );
        check("HTTPS://Example.com", &[], &["[HTTPS://Example.com → HTTPS://Example.com]"]);
        check("https://例え.jp/パス", &[], &["[https://例え.jp/パス → https://例え.jp/パス]"]);
    }

    #[test]
    fn www_addresses_link_to_https() {
        check("www.example.com/x.", &[], &["[www.example.com/x → https://www.example.com/x]", "\".\""]);
        check("www.nodomain and www. alone", &[], &["\"www.nodomain and www. alone\""]);
    }

    #[test]
    fn punctuation_that_ends_a_sentence_is_not_part_of_a_link() {
        check(
            "(see https://example.com/x), then https://a.io!",
            &[],
            &[
                "\"(see \"",
                "[https://example.com/x → https://example.com/x]",
                "\"), then \"",
                "[https://a.io → https://a.io]",
                "\"!\"",
            ],
        );
        check(
            "https://en.wikipedia.org/wiki/Rust_(programming_language).",
            &[],
            &[
                "[https://en.wikipedia.org/wiki/Rust_(programming_language) → https://en.wikipedia.org/wiki/Rust_(programming_language)]",
                "\".\"",
            ],
        );
        check("\"https://a.io/q\"", &[], &["\"\\\"\"", "[https://a.io/q → https://a.io/q]", "\"\\\"\""]);
        check("<https://a.io>", &[], &["\"<\"", "[https://a.io → https://a.io]", "\">\""]);
    }

    #[test]
    fn other_schemes_and_hostless_addresses_stay_text() {
        check("javascript:alert(1)", &[], &["\"javascript:alert(1)\""]);
        check("data:text/html,<b>x</b> ftp://a.io", &[], &["\"data:text/html,<b>x</b> ftp://a.io\""]);
        check("https:// and https://.../", &[], &["\"https:// and https://.../\""]);
        check("xhttps://a.io and foo.www.a.io", &[], &["\"xhttps://a.io and foo.www.a.io\""]);
        check("javascript:https://a.io", &[], &["\"javascript:https://a.io\""]);
    }

    #[test]
    fn direction_changing_and_invisible_characters_end_a_link() {
        check(
            "https://a.io/\u{202E}exe.txt",
            &[],
            &["[https://a.io/ → https://a.io/]", "\"\\u{202e}exe.txt\""],
        );
        check("www.a.io\u{200B}x", &[], &["[www.a.io → https://www.a.io]", "\"\\u{200b}x\""]);
    }

    #[test]
    fn markup_inside_a_link_ends_it() {
        check("https://a.io/<script>", &[], &["[https://a.io/ → https://a.io/]", "\"<script>\""]);
    }

    #[test]
    fn mentions_name_known_people_and_the_user() {
        check(
            "@Bob and @Ada, not @Nobody",
            &["Bob"],
            &["{@Bob}", "\" and \"", "{{@Ada}}", "\", not @Nobody\""],
        );
    }

    #[test]
    fn the_longest_known_name_wins_so_names_may_have_spaces() {
        check("hi @Ada Lovelace!", &["Ada Lovelace"], &["\"hi \"", "{@Ada Lovelace}", "\"!\""]);
        check("hi @Ada Lovelock", &["Ada Lovelace"], &["\"hi \"", "{{@Ada}}", "\" Lovelock\""]);
    }

    #[test]
    fn mentions_ignore_case_but_not_word_boundaries() {
        check("@ada @BOB", &["Bob"], &["{{@ada}}", "\" \"", "{@BOB}"]);
        check("@Adam ada@example.com @Ada_x", &[], &["\"@Adam ada@example.com @Ada_x\""]);
        check("(@Ada's)", &[], &["\"(\"", "{{@Ada}}", "\"'s)\""]);
        check("@Zoë, @ZOË", &["Zoë"], &["{@Zoë}", "\", \"", "{@ZOË}"]);
    }

    #[test]
    fn a_mention_inside_a_link_is_part_of_the_link() {
        check("https://a.io/@Ada", &[], &["[https://a.io/@Ada → https://a.io/@Ada]"]);
    }

    #[test]
    fn every_character_of_the_text_is_kept_in_order() {
        let names = MentionNames::new(Some("Zoë"), ["Ada Lovelace", "Ада"]);
        let tricky = "(@Zoë) www.é.fr. https://x.io/(a)b) @Ада@Ada Lovelace \u{202E}https://a.b/ ،www.a.b؟ @";
        // Every cut of the text, so that no byte index falls inside a character.
        for (end, _) in tricky.char_indices().chain([(tricky.len(), ' ')]) {
            let text = &tricky[..end];
            let joined: String = segments(text, &names)
                .iter()
                .map(|segment| match segment {
                    Segment::Text(text) | Segment::Link { text, .. } | Segment::Mention { text, .. } => *text,
                })
                .collect();
            assert_eq!(joined, text);
        }
    }

    #[test]
    fn mentions_me_is_true_only_for_the_users_own_name() {
        let names = MentionNames::new(Some("Ada"), ["Bob", "Ada Lovelace"]);
        assert!(mentions_me("hey @ada", &names));
        assert!(!mentions_me("hey @Bob", &names));
        assert!(!mentions_me("hey @Ada Lovelace", &names), "the longer name is someone else");
        assert!(!mentions_me("ada@example.com", &names));
        let nameless = MentionNames::new(None, ["Ada"]);
        assert!(!mentions_me("@Ada", &nameless));
    }
}
