//! The app's two addresses: `/` (the landing page) and `/room/<name>` (a
//! room). Parsing is pure so deep links are tested without a browser; the
//! history API calls live in `browser.rs`.

use roomcast_protocol::RoomName;

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
    fn paths_round_trip() {
        for route in [Route::Landing, room("general"), room("a-b_c")] {
            assert_eq!(Route::parse(&route.path()), route);
        }
    }
}
