use std::borrow::Cow;

use roomcast_protocol::MemberCount;

use super::*;

fn room_of<'a>(state: &'a ChatState, name: &str) -> &'a RoomState {
    state.room(&room(name)).unwrap()
}

/// Ada in #general (shown) and #random, where Bob and Ada Lovelace are too.
fn ada_with_company() -> ChatState {
    let members = ["Ada", "Bob", "Ada Lovelace"]
        .map(|name| MemberCount { name: Cow::Owned(name.to_owned()), count: 1 })
        .to_vec();
    after(ada_in_two_rooms(), [Action::Members { room: room("random"), members }])
}

/// The arrivals the notifier has not seen, as (room, author, text, mentions_me).
fn arrivals(state: &ChatState) -> Vec<(String, String, String, bool)> {
    state
        .arrivals
        .after(0)
        .map(|a| (a.room.to_string(), a.author.clone(), a.text.clone(), a.mentions_me))
        .collect()
}

#[test]
fn a_mention_in_a_room_not_on_screen_counts_apart_until_the_room_is_opened() {
    let mut state = ada_with_company();
    state.apply(message("random", 1, "Bob", "hello all", None));
    state.apply(message("random", 2, "Bob", "@ada look", None));
    assert_eq!((room_of(&state, "random").unread, room_of(&state, "random").mentions), (2, 1));
    assert!(state.has_unread_mentions());
    assert_eq!(state.title_counts(), (2, 1));

    state.apply(Action::Activate(room("random")));
    assert_eq!((room_of(&state, "random").unread, room_of(&state, "random").mentions), (0, 0));
    assert!(!state.has_unread_mentions());
}

#[test]
fn the_longest_name_decides_who_is_mentioned() {
    let mut state = ada_with_company();
    state.apply(message("random", 1, "Bob", "@Ada Lovelace, your engine", None));
    state.apply(message("random", 2, "Bob", "write to ada@example.com", None));
    assert_eq!(room_of(&state, "random").mentions, 0);
    assert_eq!(room_of(&state, "random").unread, 2);
}

#[test]
fn mentions_in_the_room_on_screen_are_not_counted_but_reach_the_notifier() {
    let mut state = ada_with_company();
    state.apply(message("general", 1, "Bob", "@Ada here", None));
    assert_eq!(room_of(&state, "general").mentions, 0, "the reader sees it");
    assert_eq!(arrivals(&state), [("general".into(), "Bob".into(), "@Ada here".into(), true)]);
}

#[test]
fn only_other_peoples_live_messages_reach_the_notifier() {
    let mut state = ada_with_company();
    state.apply(message("random", 1, "Ada", "@Ada my own", Some("c1")));
    state.apply(compose("general", "c2", "typed"));
    assert!(arrivals(&state).is_empty(), "our own messages never notify");

    // A rejoin brings a backlog of history: counted as unread when new,
    // never notified.
    state.apply(Action::ConnectionLost);
    state.apply(joined("random", Some(2), Some(true)));
    state.apply(message("random", 2, "Bob", "@Ada missed", None));
    state.apply(message("random", 3, "Bob", "also missed", None));
    assert!(arrivals(&state).is_empty(), "history and recovery do not notify");
    assert_eq!(room_of(&state, "random").mentions, 1, "a missed mention still counts");

    let page = Action::Older {
        room: room("random"),
        messages: vec![frame("random", 0, "Bob", "@Ada long ago", None)],
        more: false,
    };
    state.apply(page);
    assert!(arrivals(&state).is_empty(), "older pages do not notify");
    assert_eq!(room_of(&state, "random").mentions, 1);

    state.apply(message("random", 4, "Bob", "live again", None));
    assert_eq!(arrivals(&state), [("random".into(), "Bob".into(), "live again".into(), false)]);
    assert_eq!(state.arrivals.latest(), 1);
}

#[test]
fn without_a_name_nothing_is_a_mention() {
    let mut state = ChatState::default();
    state.apply(Action::Open(room("general")));
    state.apply(Action::Open(room("random")));
    state.apply(message("general", 1, "Bob", "@Ada", None));
    assert_eq!(room_of(&state, "general").mentions, 0);
}

#[test]
fn muting_a_room_subdues_its_unread_count_but_not_its_mentions() {
    let mut state = ada_with_company();
    state.apply(Action::Mute { room: room("random"), muted: true });
    assert!(state.is_muted(&room("random")));
    state.apply(message("random", 1, "Bob", "chatter", None));
    state.apply(message("random", 2, "Bob", "more", None));
    state.apply(message("random", 3, "Bob", "@Ada you", None));
    assert_eq!(room_of(&state, "random").unread, 3, "the room still counts what is unread");
    assert_eq!(state.title_counts(), (1, 1), "the title counts only its mention");

    state.apply(Action::Mute { room: room("random"), muted: false });
    assert!(!state.is_muted(&room("random")));
    assert_eq!(state.title_counts(), (3, 1));
}

#[test]
fn muted_rooms_are_bounded_keeping_the_open_ones() {
    let mut state = ada_with_company();
    state.apply(Action::Mute { room: room("general"), muted: true });
    for n in 0..MAX_MUTED {
        state.apply(Action::Mute { room: room(&format!("closed{n}")), muted: true });
    }
    assert!(state.muted.len() <= MAX_MUTED);
    assert!(state.is_muted(&room("general")), "an open room stays muted");
    assert!(state.is_muted(&room(&format!("closed{}", MAX_MUTED - 1))), "the latest is kept");
}

#[test]
fn notifications_are_wanted_only_when_asked_for() {
    let mut state = ChatState::default();
    assert!(!state.notify, "never on by itself");
    state.apply(Action::WantNotifications(true));
    assert!(state.notify);
    state.apply(Action::WantNotifications(false));
    assert!(!state.notify);
}
