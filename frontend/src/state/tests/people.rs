use std::borrow::Cow;

use roomcast_protocol::MemberCount;

use super::*;

fn counts(pairs: &[(&str, u32)]) -> Vec<MemberCount<'static>> {
    pairs
        .iter()
        .map(|(name, count)| MemberCount { name: Cow::Owned((*name).to_owned()), count: *count })
        .collect()
}

fn members(room_name: &str, pairs: &[(&str, u32)]) -> Action {
    Action::Members { room: room(room_name), members: counts(pairs) }
}

fn presence(room_name: &str, pairs: &[(&str, u32)]) -> Action {
    Action::Presence { room: room(room_name), changes: counts(pairs) }
}

fn typing(room_name: &str, name: &str, now: f64) -> Action {
    Action::Typing { room: room(room_name), name: name.into(), now }
}

/// The names listed in `room` with their counts, `None` while unknown.
fn listed(state: &ChatState, room_name: &str) -> Option<Vec<(String, u32)>> {
    let members = state.people(&room(room_name))?.members.clone()?;
    let listing = members.listing(state.me.as_deref(), usize::MAX);
    Some(listing.into_iter().map(|member| (member.name.to_owned(), member.count)).collect())
}

fn typing_in(state: &ChatState, room_name: &str, now: f64) -> Vec<String> {
    let people = state.people(&room(room_name));
    people
        .map(|people| people.typists.active(now).into_iter().map(str::to_owned).collect())
        .unwrap_or_default()
}

fn pairs(list: &[(&str, u32)]) -> Option<Vec<(String, u32)>> {
    Some(list.iter().map(|(name, count)| ((*name).to_owned(), *count)).collect())
}

#[test]
fn the_member_list_comes_from_the_answer_and_follows_presence() {
    let mut state = ada_in_two_rooms();
    assert_eq!(listed(&state, "general"), None, "unknown until the server answers");
    state.apply(members("general", &[("Bob", 1), ("Ada", 2)]));
    assert_eq!(listed(&state, "general"), pairs(&[("Ada", 2), ("Bob", 1)]), "me first");
    state.apply(presence("general", &[("Cy", 1), ("Bob", 0)]));
    assert_eq!(listed(&state, "general"), pairs(&[("Ada", 2), ("Cy", 1)]));
    assert_eq!(listed(&state, "random"), None, "each room has its own list");
}

#[test]
fn presence_and_typing_for_a_room_we_are_not_in_change_nothing() {
    let mut state = ada_in_two_rooms();
    state.apply(members("elsewhere", &[("Bob", 1)]));
    state.apply(typing("elsewhere", "Bob", 0.0));
    state.apply(Action::Close(room("random")));
    state.apply(members("random", &[("Bob", 1)]));
    assert!(state.people.is_empty());
}

#[test]
fn only_a_version_4_server_speaks_presence() {
    let mut state = ada_in_two_rooms();
    assert!(!state.speaks_presence(), "Ada's server agreed on version 2");
    state.apply(Action::Welcome { name: "Ada".into(), max_rooms: 8, max_text_chars: 500, protocol: 4 });
    assert!(state.speaks_presence());
}

#[test]
fn a_live_message_from_someone_typing_ends_their_typing() {
    let mut state = ada_in_two_rooms();
    state.apply(typing("general", "Bob", 1_000.0));
    state.apply(typing("general", "Cy", 1_000.0));
    assert_eq!(typing_in(&state, "general", 1_500.0), ["Bob", "Cy"]);
    state.apply(message("general", 1, "Bob", "done typing", None));
    assert_eq!(typing_in(&state, "general", 1_500.0), ["Cy"]);
    assert!(typing_in(&state, "general", 5_000.0).is_empty(), "four seconds later Cy is gone too");
}

#[test]
fn an_old_message_from_history_does_not_end_anyones_typing() {
    let mut state = ada_in_two_rooms();
    state.apply(Action::ConnectionLost);
    state.apply(joined("general", Some(1), Some(false)));
    state.apply(typing("general", "Bob", 1_000.0));
    state.apply(message("general", 1, "Bob", "from before", None));
    assert_eq!(typing_in(&state, "general", 1_500.0), ["Bob"]);
}

#[test]
fn a_lost_connection_forgets_who_was_there_and_who_was_typing() {
    let mut state = ada_in_two_rooms();
    state.apply(members("general", &[("Ada", 1), ("Bob", 1)]));
    state.apply(typing("general", "Bob", 0.0));
    state.apply(Action::ConnectionLost);
    assert_eq!(listed(&state, "general"), None, "asked again after the rejoin");
    assert!(typing_in(&state, "general", 1.0).is_empty());
}

#[test]
fn leaving_a_room_forgets_its_people() {
    let mut state = ada_in_two_rooms();
    state.apply(members("random", &[("Ada", 1)]));
    state.apply(Action::Close(room("random")));
    assert!(state.people(&room("random")).is_none());
}
