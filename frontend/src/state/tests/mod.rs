use std::borrow::Cow;

use roomcast_protocol::MessageId;

use super::*;
use crate::error_meaning::{ErrorMeaning, SendFailure};
use crate::testing::room;

/// Edits and deletions, ours and others'.
mod edits;
/// History, recovery and pages of older messages.
mod history;
/// Mentions of the user, muted rooms and what the notifier is told.
mod mentions;
/// Our own messages recognised after a reload.
mod own;
/// Who is in a room and who is typing.
mod people;

fn frame(room: &str, seq: u64, author: &str, text: &str, client_id: Option<&str>) -> MessageFrame<'static> {
    MessageFrame {
        id: MessageId::new(1_000 + seq, 0),
        room: Cow::Owned(room.to_owned()),
        author: Cow::Owned(author.to_owned()),
        text: Cow::Owned(text.to_owned()),
        ts: 1_000 + seq,
        client_id: client_id.map(|id| Cow::Owned(id.to_owned())),
        user: None,
        edited_ts: None,
        deleted: false,
    }
}

fn message(room: &str, seq: u64, author: &str, text: &str, client_id: Option<&str>) -> Action {
    Action::Received(frame(room, seq, author, text, client_id))
}

/// Bob's message number `seq` in `room`, with `seq` as its text.
fn bob(room: &str, seq: u64) -> Action {
    message(room, seq, "Bob", &seq.to_string(), None)
}

fn joined(room_name: &str, history: Option<u32>, recovered: Option<bool>) -> Action {
    Action::Joined { room: room(room_name), history, recovered }
}

/// Our own message, as the composer dispatches it.
fn compose(room_name: &str, client_id: &str, text: &str) -> Action {
    Action::Compose { room: room(room_name), client_id: client_id.into(), text: text.into(), now: 1.0 }
}

fn sending(room_name: &str, client_id: &str) -> Action {
    Action::Sending { room: room(room_name), client_id: client_id.into() }
}

/// `state` after `actions`, in order.
fn after(mut state: ChatState, actions: impl IntoIterator<Item = Action>) -> ChatState {
    for action in actions {
        state.apply(action);
    }
    state
}

/// Ada, live, in #general (joined) and #random (joined), with #general open.
fn ada_in_two_rooms() -> ChatState {
    after(
        ChatState::default(),
        [
            Action::ChooseName("Ada".into()),
            Action::Welcome { name: "Ada".into(), max_rooms: 8, max_text_chars: 500, protocol: 2 },
            Action::Open(room("random")),
            joined("random", Some(0), None),
            Action::Open(room("general")),
            joined("general", Some(0), None),
        ],
    )
}

fn texts(state: &ChatState, name: &str) -> Vec<String> {
    state.room(&room(name)).unwrap().entries.iter().map(|entry| entry.text.clone()).collect()
}

fn last_notice(state: &ChatState) -> &str {
    &state.notices.back().expect("a notice").text
}

fn delivery_of(state: &ChatState, name: &str, client_id: &str) -> Delivery {
    let entries = &state.room(&room(name)).unwrap().entries;
    entries.iter().find(|entry| entry.client_id.as_deref() == Some(client_id)).unwrap().delivery.clone()
}

/// The state's answer to a failed send of `client_id` in #general.
fn send_failed(client_id: &str, failure: SendFailure) -> Action {
    Action::Error(ErrorMeaning::SendFailed { room: "general".into(), client_id: client_id.into(), failure })
}

#[test]
fn welcome_sets_the_confirmed_name_and_the_servers_limits() {
    let state = ada_in_two_rooms();
    assert_eq!(state.me.as_deref(), Some("Ada"));
    assert_eq!((state.max_rooms, state.max_text_chars), (8, 500));
}

#[test]
fn welcome_keeps_the_protocol_version_the_server_agreed() {
    let mut state = ChatState::default();
    assert_eq!(state.protocol, None, "nothing agreed before the first welcome");
    state.apply(Action::Welcome { name: "Ada".into(), max_rooms: 8, max_text_chars: 500, protocol: 1 });
    assert_eq!(state.protocol, Some(1));
    state.apply(Action::ConnectionLost);
    assert_eq!(state.protocol, Some(1), "kept until the next welcome says otherwise");
    state.apply(Action::Welcome { name: "Ada".into(), max_rooms: 8, max_text_chars: 500, protocol: 2 });
    assert_eq!(state.protocol, Some(2));
}

#[test]
fn opening_a_room_adds_it_once_and_shows_it() {
    let mut state = ada_in_two_rooms();
    state.apply(Action::Open(room("random")));
    let names: Vec<&str> = state.rooms.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["random", "general"]);
    assert_eq!(state.active, Some(room("random")));
}

#[test]
fn messages_in_other_rooms_count_as_unread_until_opened() {
    let mut state = ada_in_two_rooms();
    state.apply(message("random", 1, "Bob", "one", None));
    state.apply(message("random", 2, "Bob", "two", None));
    state.apply(message("general", 3, "Bob", "here", None));
    assert_eq!(state.room(&room("random")).unwrap().unread, 2);
    assert_eq!(state.room(&room("general")).unwrap().unread, 0, "the open room has nothing unread");
    assert_eq!(state.total_unread(), 2);

    state.apply(Action::Activate(room("random")));
    assert_eq!(state.room(&room("random")).unwrap().unread, 0);
    assert_eq!(texts(&state, "random"), ["one", "two"], "history survives switching");
    assert_eq!(texts(&state, "general"), ["here"]);
}

#[test]
fn our_own_message_is_matched_by_client_id_not_by_text() {
    let mut state = ada_in_two_rooms();
    state.apply(compose("general", "c1", "hi"));
    assert_eq!(delivery_of(&state, "general", "c1"), Delivery::Queued);
    state.apply(sending("general", "c1"));
    assert_eq!(delivery_of(&state, "general", "c1"), Delivery::Sending);

    // Someone else (even under the same name) says the same words: not ours.
    state.apply(message("general", 1, "Ada", "hi", None));
    assert_eq!(delivery_of(&state, "general", "c1"), Delivery::Sending);

    state.apply(message("general", 2, "Ada", "hi", Some("c1")));
    let entries = &state.room(&room("general")).unwrap().entries;
    assert_eq!(entries.len(), 2, "our copy replaces the pending line instead of adding one");
    assert!(!entries[0].is_mine());
    assert!(entries[1].is_mine());
    assert_eq!(entries[1].delivery, Delivery::Sent);
    assert_eq!(entries[1].id, Some(MessageId::new(1_002, 0)));
    assert_eq!(entries[1].ts, 1_002.0, "the server's time replaces the local one");
}

#[test]
fn messages_stay_in_the_servers_order_above_our_pending_ones() {
    let mut state = ada_in_two_rooms();
    state.apply(compose("general", "c1", "mine 1"));
    state.apply(compose("general", "c2", "mine 2"));
    state.apply(message("general", 1, "Bob", "bob 1", None));
    assert_eq!(
        texts(&state, "general"),
        ["bob 1", "mine 1", "mine 2"],
        "pending messages stay at the bottom"
    );

    state.apply(message("general", 2, "Ada", "mine 1", Some("c1")));
    state.apply(message("general", 3, "Bob", "bob 2", None));
    state.apply(message("general", 4, "Ada", "mine 2", Some("c2")));
    assert_eq!(
        texts(&state, "general"),
        ["bob 1", "mine 1", "bob 2", "mine 2"],
        "the server's order once confirmed"
    );
}

#[test]
fn our_own_messages_never_count_as_unread() {
    let mut state = ada_in_two_rooms();
    state.apply(message("random", 1, "Ada", "from my other tab", Some("c9")));
    assert_eq!(state.room(&room("random")).unwrap().unread, 0);
}

#[test]
fn a_message_id_seen_before_is_not_shown_twice() {
    let mut state = ada_in_two_rooms();
    state.apply(message("general", 1, "Bob", "once", None));
    state.apply(message("general", 1, "Bob", "once", None));
    assert_eq!(texts(&state, "general"), ["once"]);
}

#[test]
fn messages_for_rooms_we_left_are_dropped() {
    let mut state = ada_in_two_rooms();
    state.apply(Action::Close(room("random")));
    state.apply(message("random", 1, "Bob", "late", None));
    assert!(state.room(&room("random")).is_none());
    assert_eq!(state.total_unread(), 0);
}

#[test]
fn history_is_capped_per_room() {
    let mut state = ada_in_two_rooms();
    for seq in 0..(HISTORY_PER_ROOM as u64 + 10) {
        state.apply(message("general", seq, "Bob", &seq.to_string(), None));
    }
    let general = texts(&state, "general");
    assert_eq!(general.len(), HISTORY_PER_ROOM);
    assert_eq!(general[0], "10", "the oldest went first");
}

#[test]
fn closing_the_open_room_shows_its_neighbour() {
    let mut state = ada_in_two_rooms();
    state.apply(Action::Open(room("third")));
    state.apply(Action::Activate(room("general")));
    state.apply(Action::Close(room("general")));
    assert_eq!(state.active, Some(room("third")), "the room that moved into its place");
    state.apply(Action::Close(room("third")));
    assert_eq!(state.active, Some(room("random")), "the one above when it was last");
    state.apply(Action::Close(room("random")));
    assert_eq!(state.active, None);
}

#[test]
fn a_lost_connection_queues_messages_in_flight_again_with_the_queued_ones() {
    let mut state = ada_in_two_rooms();
    state.apply(compose("general", "c1", "a"));
    state.apply(sending("general", "c1"));
    state.apply(compose("general", "c2", "b"));
    state.apply(Action::ConnectionLost);

    assert_eq!(delivery_of(&state, "general", "c1"), Delivery::Queued, "sent again after the rejoin");
    assert_eq!(
        delivery_of(&state, "general", "c2"),
        Delivery::Queued,
        "never sent, so it goes out after reconnect"
    );
    assert!(state.rooms.iter().all(|r| !r.joined), "memberships are confirmed again after reconnect");
    assert_eq!(texts(&state, "general"), ["a", "b"], "nothing typed is lost");
}

#[test]
fn a_failed_message_can_be_retried_or_discarded() {
    let mut state = ada_in_two_rooms();
    state.apply(compose("general", "c1", "a"));
    state.apply(send_failed("c1", SendFailure::TooFast));
    assert!(
        matches!(delivery_of(&state, "general", "c1"), Delivery::Failed(reason) if reason.contains("too fast"))
    );

    state.apply(Action::Retry { room: room("general"), client_id: "c1".into() });
    assert_eq!(delivery_of(&state, "general", "c1"), Delivery::Queued);

    state.apply(Action::Discard { room: room("general"), client_id: "c1".into() });
    assert!(texts(&state, "general").is_empty());
}

#[test]
fn a_late_sending_does_not_undo_a_confirmation() {
    let mut state = ada_in_two_rooms();
    state.apply(compose("general", "c1", "a"));
    state.apply(message("general", 1, "Ada", "a", Some("c1")));
    state.apply(sending("general", "c1"));
    assert_eq!(delivery_of(&state, "general", "c1"), Delivery::Sent);
}

/// Ada in #random and #general, joining #ninth, after an error that means `meaning`.
fn after_error(meaning: ErrorMeaning) -> ChatState {
    let mut state = ada_in_two_rooms();
    state.apply(Action::Open(room("ninth")));
    state.apply(Action::Error(meaning));
    state
}

#[test]
fn a_refused_join_removes_the_room_and_says_why() {
    let refused = ErrorMeaning::JoinRefused { room: room("ninth"), reason: "at most 8 rooms".into() };
    let state = after_error(refused);
    assert!(state.room(&room("ninth")).is_none());
    assert_eq!(last_notice(&state), "Could not join #ninth: at most 8 rooms");
}

#[test]
fn an_unavailable_join_keeps_the_room_waiting() {
    let state = after_error(ErrorMeaning::JoinLater { room: room("ninth") });
    assert!(state.room(&room("ninth")).is_some());
    assert!(last_notice(&state).contains("joining again"));
}

#[test]
fn a_note_about_a_room_names_it_and_keeps_it() {
    let note = ErrorMeaning::RoomNote { room: "general".into(), message: "you are not in this room".into() };
    let state = after_error(note);
    assert!(state.room(&room("general")).is_some());
    assert_eq!(last_notice(&state), "#general: you are not in this room");
}

#[test]
fn a_message_refused_for_sending_too_fast_shows_as_waiting_until_it_is_written_again() {
    let mut state = ada_in_two_rooms();
    state.apply(compose("general", "c1", "text"));
    state.apply(Action::Sending { room: room("general"), client_id: "c1".into() });
    let later =
        ErrorMeaning::SendLater { room: "general".into(), client_id: "c1".into(), retry_after_ms: Some(500) };
    state.apply(Action::Error(later));
    assert_eq!(delivery_of(&state, "general", "c1"), Delivery::Waiting, "not failed: it goes by itself");
    state.apply(Action::Sending { room: room("general"), client_id: "c1".into() });
    assert_eq!(delivery_of(&state, "general", "c1"), Delivery::Sending);
    state.apply(Action::Error(ErrorMeaning::SendLater {
        room: "general".into(),
        client_id: "c1".into(),
        retry_after_ms: None,
    }));
    state.apply(Action::ConnectionLost);
    assert_eq!(
        delivery_of(&state, "general", "c1"),
        Delivery::Queued,
        "offline, it waits for the connection"
    );
}

#[test]
fn a_failed_send_says_why_and_a_full_queue_is_not_called_unavailable() {
    let check = |failure: SendFailure, expected: &str| {
        let mut state = ada_in_two_rooms();
        state.apply(compose("general", "c1", "text"));
        state.apply(send_failed("c1", failure));
        assert_eq!(delivery_of(&state, "general", "c1"), Delivery::Failed(expected.into()));
    };
    check(
        SendFailure::TooFast,
        "Not sent: you are sending too fast, and waiting did not help. Retry in a moment.",
    );
    check(SendFailure::Unavailable, "Not sent: chat is briefly unavailable. Retry in a moment.");
    check(SendFailure::NotInRoom, "Not sent: you are not in this room any more.");
    check(
        SendFailure::QueueFull,
        "Not sent: too many messages are waiting for the connection; wait until it is back, then retry.",
    );
    check(SendFailure::Refused("too long".into()), "Not sent: too long");
}

#[test]
fn an_outdated_page_is_told_to_reload() {
    let state = after_error(ErrorMeaning::Outdated);
    let notice = last_notice(&state);
    assert!(notice.starts_with("This page is out of date"), "{notice}");
    assert!(notice.contains("Reload the page"), "{notice}");
    assert_eq!(state.rooms.len(), 3, "the rooms stay listed");
}

#[test]
fn errors_without_a_room_become_notices_and_old_notices_make_room() {
    let mut state = ChatState::default();
    for n in 0..(MAX_NOTICES + 2) {
        state.apply(Action::Error(ErrorMeaning::Notice(format!("problem {n}"))));
    }
    let shown: Vec<&str> = state.notices.iter().map(|notice| notice.text.as_str()).collect();
    assert_eq!(shown, ["problem 2", "problem 3", "problem 4", "problem 5"]);

    let first = state.notices[0].id;
    state.apply(Action::DismissNotice(first));
    assert_eq!(state.notices.len(), MAX_NOTICES - 1);
    assert!(state.notices.iter().all(|notice| notice.id != first));
}

#[test]
fn keys_stay_the_same_from_sending_to_sent() {
    let mut state = ada_in_two_rooms();
    state.apply(compose("general", "c1", "a"));
    let before = state.room(&room("general")).unwrap().entries[0].key();
    state.apply(message("general", 1, "Ada", "a", Some("c1")));
    let after = state.room(&room("general")).unwrap().entries[0].key();
    assert_eq!(before, after);
    state.apply(message("general", 2, "Bob", "b", None));
    assert_eq!(state.room(&room("general")).unwrap().entries[1].key(), "1002-0");
}

#[test]
fn notices_go_by_themselves_unless_they_say_why_the_page_stopped() {
    let mut state = ChatState::default();
    state.apply(Action::Error(ErrorMeaning::Notice("slow down".into())));
    state.apply(Action::Error(ErrorMeaning::Outdated));
    state.apply(Action::Error(ErrorMeaning::SignedOut));
    state.apply(Action::NotifyLasting("The server closed the connection: bye.".into()));
    let lasting: Vec<bool> = state.notices.iter().map(|notice| notice.lasting).collect();
    assert_eq!(lasting, [false, true, true, true]);
}
