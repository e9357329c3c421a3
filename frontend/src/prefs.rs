//! What the app remembers between visits (in the browser's localStorage):
//! the display name and the rooms opened recently. The list logic is pure;
//! the storage calls are in `browser.rs`.

use roomcast_protocol::RoomName;

/// Recent rooms offered on the landing page.
pub const MAX_RECENT_ROOMS: usize = 8;

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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn stored_lists_survive_round_trips_and_tampering() {
        let recent = rooms(&["general", "rust"]);
        assert_eq!(parse_recent(&format_recent(&recent)), recent);
        assert_eq!(parse_recent(r#"["General", "bad name", "general", "ok"]"#), rooms(&["general", "ok"]));
        assert_eq!(parse_recent("not json"), Vec::<RoomName>::new());
        assert_eq!(parse_recent(r#"{"a": 1}"#), Vec::<RoomName>::new());
    }
}
