//! What the app remembers between visits (in the browser's localStorage):
//! the display name, the rooms opened recently, and across a reload the
//! rooms that were open, the one on screen, and unsent drafts; and the
//! user's choices about news: the muted rooms and whether to notify. The logic is
//! pure; the storage calls are in `browser.rs`. Stored values are the
//! user's to edit, so reading them drops anything that is not valid.

use std::collections::{BTreeSet, HashMap};

use roomcast_protocol::{limits, RoomName};
use serde::{Deserialize, Serialize};

use crate::route::Route;

/// Recent rooms offered on the landing page.
pub const MAX_RECENT_ROOMS: usize = 8;
/// The longest draft kept across a reload, in characters; the rest is cut.
pub const MAX_STORED_DRAFT_CHARS: usize = 2 * limits::MAX_TEXT_CHARS;

/// Puts `room` first, without repeats, keeping at most [`MAX_RECENT_ROOMS`].
pub fn remember_room(recent: &mut Vec<RoomName>, room: &RoomName) {
    recent.retain(|known| known != room);
    recent.insert(0, room.clone());
    recent.truncate(MAX_RECENT_ROOMS);
}

/// Reads the stored list, dropping anything that is no longer a valid name
/// (the storage is the user's to edit).
pub fn parse_recent(stored: &str) -> Vec<RoomName> {
    let names: Vec<String> = serde_json::from_str(stored).unwrap_or_default();
    let mut rooms: Vec<RoomName> = Vec::new();
    for room in names.iter().filter_map(|name| RoomName::parse(name).ok()) {
        if !rooms.contains(&room) && rooms.len() < MAX_RECENT_ROOMS {
            rooms.push(room);
        }
    }
    rooms
}

pub fn format_recent(recent: &[RoomName]) -> String {
    let names: Vec<&str> = recent.iter().map(RoomName::as_str).collect();
    serde_json::to_string(&names).unwrap_or_else(|_| "[]".to_owned())
}

/// The rooms open on this page and the one on screen (`None`: the lobby).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenRooms {
    pub rooms: Vec<RoomName>,
    pub active: Option<RoomName>,
}

#[derive(Serialize, Deserialize, Default)]
struct StoredRooms {
    rooms: Vec<String>,
    active: Option<String>,
}

pub fn parse_open_rooms(stored: &str) -> OpenRooms {
    let stored: StoredRooms = serde_json::from_str(stored).unwrap_or_default();
    let mut rooms: Vec<RoomName> = Vec::new();
    for room in stored.rooms.iter().filter_map(|name| RoomName::parse(name).ok()) {
        if !rooms.contains(&room) && rooms.len() < limits::MAX_ROOMS {
            rooms.push(room);
        }
    }
    let active =
        stored.active.and_then(|name| RoomName::parse(&name).ok()).filter(|room| rooms.contains(room));
    OpenRooms { rooms, active }
}

pub fn format_open_rooms(open: &OpenRooms) -> String {
    let stored = StoredRooms {
        rooms: open.rooms.iter().map(ToString::to_string).collect(),
        active: open.active.as_ref().map(ToString::to_string),
    };
    serde_json::to_string(&stored).unwrap_or_default()
}

/// The rooms to open after a reload of `route`, in order, and the one to
/// show: the room in the address (opened too if it was not open), or at
/// `/` the one that was on screen.
pub fn restore(open: OpenRooms, route: &Route) -> OpenRooms {
    let OpenRooms { mut rooms, active } = open;
    match route {
        Route::Room(room) => {
            if !rooms.contains(room) {
                rooms.push(room.clone());
            }
            OpenRooms { rooms, active: Some(room.clone()) }
        }
        Route::Landing => OpenRooms { rooms, active },
    }
}

pub fn parse_drafts(stored: &str) -> HashMap<RoomName, String> {
    let drafts: HashMap<String, String> = serde_json::from_str(stored).unwrap_or_default();
    drafts
        .into_iter()
        .filter_map(|(room, text)| Some((RoomName::parse(&room).ok()?, clip_draft(&text))))
        .filter(|(_, text)| !text.is_empty())
        .take(limits::MAX_ROOMS)
        .collect()
}

/// At most one draft per room a page can be in, each cut to
/// [`MAX_STORED_DRAFT_CHARS`]: the stored value stays small.
pub fn format_drafts(drafts: &HashMap<RoomName, String>) -> String {
    let kept: HashMap<&str, String> = drafts
        .iter()
        .filter(|(_, text)| !text.is_empty())
        .take(limits::MAX_ROOMS)
        .map(|(room, text)| (room.as_str(), clip_draft(text)))
        .collect();
    serde_json::to_string(&kept).unwrap_or_default()
}

fn clip_draft(text: &str) -> String {
    text.chars().take(MAX_STORED_DRAFT_CHARS).collect()
}

/// The muted rooms, at most [`crate::state::MAX_MUTED`] valid names.
pub fn parse_muted(stored: &str) -> BTreeSet<RoomName> {
    let names: Vec<String> = serde_json::from_str(stored).unwrap_or_default();
    names.iter().filter_map(|name| RoomName::parse(name).ok()).take(crate::state::MAX_MUTED).collect()
}

pub fn format_muted(muted: &BTreeSet<RoomName>) -> String {
    let names: Vec<&str> = muted.iter().map(RoomName::as_str).collect();
    serde_json::to_string(&names).unwrap_or_else(|_| "[]".to_owned())
}

/// Whether the user asked for notifications: only an explicit `"on"`.
pub fn parse_notify(stored: &str) -> bool {
    stored == NOTIFY_ON
}

pub fn format_notify(wanted: bool) -> &'static str {
    if wanted {
        NOTIFY_ON
    } else {
        "off"
    }
}

const NOTIFY_ON: &str = "on";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::room;

    fn rooms(names: &[&str]) -> Vec<RoomName> {
        names.iter().map(|name| RoomName::parse(name).unwrap()).collect()
    }

    #[test]
    fn the_latest_room_comes_first_once() {
        let mut recent = rooms(&["a", "b", "c"]);
        remember_room(&mut recent, &RoomName::parse("c").unwrap());
        assert_eq!(recent, rooms(&["c", "a", "b"]));
        remember_room(&mut recent, &RoomName::parse("d").unwrap());
        assert_eq!(recent, rooms(&["d", "c", "a", "b"]));
    }

    #[test]
    fn the_list_is_capped() {
        let mut recent = Vec::new();
        for n in 0..20 {
            remember_room(&mut recent, &RoomName::parse(&format!("room{n}")).unwrap());
        }
        assert_eq!(recent.len(), MAX_RECENT_ROOMS);
        assert_eq!(recent[0].as_str(), "room19");
    }

    #[test]
    fn open_rooms_survive_round_trips_and_tampering() {
        let open = OpenRooms { rooms: rooms(&["general", "rust"]), active: Some(room("rust")) };
        assert_eq!(parse_open_rooms(&format_open_rooms(&open)), open);
        let lobby = OpenRooms { rooms: rooms(&["general"]), active: None };
        assert_eq!(parse_open_rooms(&format_open_rooms(&lobby)), lobby);
        assert_eq!(
            parse_open_rooms(r#"{"rooms": ["General", "bad name", "general", "ok"], "active": "gone"}"#),
            OpenRooms { rooms: rooms(&["general", "ok"]), active: None },
            "names checked, repeats dropped, and only an open room is shown"
        );
        assert_eq!(parse_open_rooms("not json"), OpenRooms::default());
        let many: Vec<String> = (0..100).map(|n| format!("room{n}")).collect();
        let stored = serde_json::json!({ "rooms": many }).to_string();
        assert_eq!(parse_open_rooms(&stored).rooms.len(), limits::MAX_ROOMS);
    }

    #[test]
    fn a_reload_opens_the_rooms_that_were_open_and_shows_the_one_in_the_address() {
        let open = OpenRooms { rooms: rooms(&["general", "rust"]), active: Some(room("general")) };
        let in_rust = restore(open.clone(), &Route::Room(room("rust")));
        assert_eq!(in_rust, OpenRooms { rooms: rooms(&["general", "rust"]), active: Some(room("rust")) });
        let elsewhere = restore(open.clone(), &Route::Room(room("new")));
        assert_eq!(elsewhere.rooms, rooms(&["general", "rust", "new"]), "a link to another room adds it");
        assert_eq!(elsewhere.active, Some(room("new")));
        assert_eq!(restore(open.clone(), &Route::Landing), open, "at / the room that was on screen");
    }

    #[test]
    fn drafts_survive_round_trips_cut_to_a_bounded_size() {
        let mut drafts = HashMap::new();
        drafts.insert(room("general"), "half a thought\nand a line".to_owned());
        drafts.insert(room("rust"), "x".repeat(MAX_STORED_DRAFT_CHARS + 10));
        drafts.insert(room("empty"), String::new());
        let restored = parse_drafts(&format_drafts(&drafts));
        assert_eq!(restored.get(&room("general")).map(String::as_str), Some("half a thought\nand a line"));
        assert_eq!(
            restored.get(&room("rust")).map(|text| text.chars().count()),
            Some(MAX_STORED_DRAFT_CHARS)
        );
        assert_eq!(restored.len(), 2, "empty drafts are not kept");
        assert!(parse_drafts(r#"{"bad name": "x", "ok": 5}"#).is_empty());
        assert_eq!(parse_drafts(r#"{"Bad name": "x", "ok": "kept"}"#).len(), 1);
    }

    #[test]
    fn muted_rooms_and_the_wish_for_notifications_survive_round_trips_and_tampering() {
        let muted: BTreeSet<RoomName> = rooms(&["general", "rust"]).into_iter().collect();
        assert_eq!(parse_muted(&format_muted(&muted)), muted);
        assert_eq!(parse_muted(r#"["General", "bad name", 5]"#), BTreeSet::new(), "not a list of names");
        assert_eq!(parse_muted(r#"["General", "bad name"]"#), rooms(&["general"]).into_iter().collect());
        let many: Vec<String> = (0..500).map(|n| format!("room{n}")).collect();
        assert_eq!(parse_muted(&serde_json::json!(many).to_string()).len(), crate::state::MAX_MUTED);

        assert!(parse_notify(format_notify(true)));
        assert!(!parse_notify(format_notify(false)));
        assert!(!parse_notify("yes please"), "only what the page wrote turns them on");
    }

    #[test]
    fn stored_lists_survive_round_trips_and_tampering() {
        let recent = rooms(&["general", "rust"]);
        assert_eq!(parse_recent(&format_recent(&recent)), recent);
        assert_eq!(parse_recent(r#"["General", "bad name", "general", "ok"]"#), rooms(&["general", "ok"]));
        assert_eq!(parse_recent("not json"), Vec::<RoomName>::new());
        assert_eq!(parse_recent(r#"{"a": 1}"#), Vec::<RoomName>::new());
    }
}
