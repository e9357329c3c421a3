//! The app's two addresses: `/` (the landing page) and `/room/<name>` (a
//! room). Parsing is pure so deep links are tested without a browser; the
//! history API calls live in `browser.rs`. A link to a name that cannot be a
//! room opens the landing page, and [`refused_room`] says why.

use roomcast_protocol::{NameError, RoomName};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Landing,
    Room(RoomName),
}

impl Route {
    /// Reads a location's path. Anything that is not a valid room link is the
    /// landing page, so a mistyped link never shows an empty screen.
    pub fn parse(path: &str) -> Route {
        let rest = path.strip_prefix("/room/").map(|rest| rest.trim_end_matches('/'));
        match rest.map(RoomName::parse) {
            Some(Ok(room)) => Route::Room(room),
            _ => Route::Landing,
        }
    }

    /// A `/room/<name>` link whose name cannot be a room: the name as
    /// written (the caller decodes `%20` and the like) and why.
    pub fn refused_room(path: &str) -> Option<(String, NameError)> {
        let rest = path.strip_prefix("/room/")?.trim_end_matches('/');
        if rest.is_empty() {
            return None;
        }
        RoomName::parse(rest).err().map(|err| (rest.to_owned(), err))
    }

    pub fn path(&self) -> String {
        match self {
            Route::Landing => "/".to_owned(),
            Route::Room(room) => format!("/room/{room}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn room(name: &str) -> Route {
        Route::Room(RoomName::parse(name).unwrap())
    }

    #[test]
    fn room_links_parse_to_their_room_in_lower_case() {
        for (path, expected) in [
            ("/room/general", room("general")),
            ("/room/General/", room("general")),
            ("/room/rust-lang_2", room("rust-lang_2")),
            ("/", Route::Landing),
            ("", Route::Landing),
            ("/room/", Route::Landing),
            ("/room/bad name", Route::Landing),
            ("/room/a/b", Route::Landing),
            ("/rooms/general", Route::Landing),
            ("/room/-leading-dash", Route::Landing),
        ] {
            assert_eq!(Route::parse(path), expected, "{path:?}");
        }
    }

    #[test]
    fn a_link_to_a_name_that_cannot_be_a_room_says_why() {
        let (name, error) = Route::refused_room("/room/Bad Room!").expect("refused");
        assert_eq!(name, "Bad Room!");
        assert_eq!(
            crate::wording::problem(&error),
            "Room names can use letters, digits, - and _ (not spaces)."
        );
        assert_eq!(Route::refused_room("/room/a/b/").map(|(name, _)| name).as_deref(), Some("a/b"));
        for fine in ["/room/general", "/room/General/", "/", "/room/", "/rooms/x y"] {
            assert!(Route::refused_room(fine).is_none(), "{fine}");
        }
    }

    #[test]
    fn paths_round_trip() {
        for route in [Route::Landing, room("general"), room("a-b_c")] {
            assert_eq!(Route::parse(&route.path()), route);
        }
    }
}
