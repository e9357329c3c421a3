use super::*;

/// Bob's messages `seqs` as a page of older messages of `room`.
fn older(room_name: &str, seqs: &[u64], more: bool) -> Action {
    let messages = seqs.iter().map(|&seq| frame(room_name, seq, "Bob", &seq.to_string(), None)).collect();
    Action::Older { room: room(room_name), messages, more }
}

fn room_of<'a>(state: &'a ChatState, name: &str) -> &'a RoomState {
    state.room(&room(name)).unwrap()
}

/// Ada has just opened #general (shown) and #quiet (not shown), neither joined.
fn ada_opening_two_rooms() -> ChatState {
    after(
        ChatState::default(),
        [
            Action::Welcome { name: "Ada".into(), max_rooms: 8, max_text_chars: 500, protocol: 3 },
            Action::Open(room("quiet")),
            Action::Open(room("general")),
        ],
    )
}

/// Ada in #general, which showed Bob's messages 1 to 3 before the
/// connection dropped; #quiet open beside it.
fn ada_back_after_a_drop() -> ChatState {
    let mut state = ada_opening_two_rooms();
    state.apply(joined("general", Some(0), None));
    for seq in 1..=3 {
        state.apply(bob("general", seq));
    }
    state.apply(Action::ConnectionLost);
    state
}

#[test]
fn history_on_join_goes_above_live_messages_in_id_order_and_is_not_unread() {
    let mut state = ada_opening_two_rooms();
    state.apply(compose("general", "c1", "typed while joining"));
    state.apply(joined("quiet", Some(2), None));
    state.apply(bob("quiet", 1));
    state.apply(bob("quiet", 2));
    assert_eq!(room_of(&state, "quiet").unread, 0, "history is not news");
    state.apply(bob("quiet", 3));
    assert_eq!(room_of(&state, "quiet").unread, 1, "after the backlog, messages are live again");
    assert_eq!(texts(&state, "quiet"), ["1", "2", "3"]);

    state.apply(joined("general", Some(2), None));
    state.apply(bob("general", 4));
    state.apply(bob("general", 5));
    assert_eq!(texts(&state, "general"), ["4", "5", "typed while joining"], "pending stays below");
}

#[test]
fn a_join_that_delivered_as_many_as_asked_assumes_older_messages_remain() {
    let mut state = ada_opening_two_rooms();
    assert_eq!(room_of(&state, "general").older, Older::Unknown);
    state.apply(joined("general", Some(JOIN_HISTORY), None));
    assert_eq!(room_of(&state, "general").older, Older::More);
    state.apply(joined("quiet", Some(JOIN_HISTORY - 1), None));
    assert_eq!(room_of(&state, "quiet").older, Older::Complete, "the whole history came");

    let mut old_server = ada_opening_two_rooms();
    old_server.apply(joined("general", None, None));
    assert_eq!(room_of(&old_server, "general").older, Older::Unknown, "a server without history");
}

#[test]
fn a_page_of_older_messages_goes_on_top_in_order_once_and_is_not_unread() {
    let mut state = ada_opening_two_rooms();
    state.apply(joined("quiet", Some(JOIN_HISTORY), None));
    assert!(!room_of(&state, "quiet").may_load_older(), "nothing to ask before yet");
    state.apply(bob("quiet", 50));
    state.apply(bob("quiet", 60));
    assert!(!room_of(&state, "quiet").may_load_older(), "not while the join's history is still coming");
    for seq in 61..61 + u64::from(JOIN_HISTORY) - 2 {
        state.apply(bob("quiet", seq));
    }
    assert!(room_of(&state, "quiet").may_load_older());
    assert_eq!(room_of(&state, "quiet").oldest_id(), Some(MessageId::new(1_050, 0)));
    let first = |state: &ChatState, count: usize| texts(state, "quiet")[..count].to_vec();

    state.apply(Action::LoadingOlder(room("quiet")));
    assert_eq!(room_of(&state, "quiet").older, Older::Loading);
    assert!(!room_of(&state, "quiet").may_load_older(), "one page at a time");
    state.apply(older("quiet", &[10, 20, 50], true));
    assert_eq!(first(&state, 5), ["10", "20", "50", "60", "61"], "the repeated 50 is shown once");
    assert_eq!(texts(&state, "quiet").len(), 2 + JOIN_HISTORY as usize);
    assert_eq!(room_of(&state, "quiet").older, Older::More);
    assert_eq!(room_of(&state, "quiet").unread, 0);

    state.apply(older("quiet", &[5], false));
    assert_eq!(first(&state, 5), ["5", "10", "20", "50", "60"]);
    assert_eq!(room_of(&state, "quiet").older, Older::Complete);
    assert!(!room_of(&state, "quiet").may_load_older());
}

#[test]
fn a_page_lost_with_the_connection_or_refused_may_be_asked_for_again() {
    let mut state = ada_opening_two_rooms();
    state.apply(joined("general", Some(JOIN_HISTORY), None));
    state.apply(bob("general", 7));
    state.apply(Action::LoadingOlder(room("general")));
    state.apply(Action::ConnectionLost);
    assert_eq!(room_of(&state, "general").older, Older::More);
    assert!(!room_of(&state, "general").may_load_older(), "not before the rejoin");
    state.apply(joined("general", Some(0), Some(true)));
    assert!(room_of(&state, "general").may_load_older());

    state.apply(Action::LoadingOlder(room("general")));
    state.apply(Action::Error(ErrorMeaning::PagingFailed {
        room: room("general"),
        reason: "try later".into(),
    }));
    assert_eq!(room_of(&state, "general").older, Older::More);
    assert_eq!(last_notice(&state), "#general: earlier messages could not be loaded: try later");
}

#[test]
fn the_room_stops_paging_when_full_and_live_messages_push_out_the_oldest() {
    let mut state = ada_opening_two_rooms();
    state.apply(joined("general", Some(0), None));
    let page: Vec<u64> = (1..HISTORY_PER_ROOM as u64).collect();
    state.apply(older("general", &page, false));
    assert!(!room_of(&state, "general").may_load_older(), "the beginning is here");
    state.apply(bob("general", 5_000));
    state.apply(bob("general", 5_001));
    let general = room_of(&state, "general");
    assert_eq!(general.entries.len(), HISTORY_PER_ROOM);
    assert_eq!(general.oldest_id(), Some(MessageId::new(1_002, 0)), "the oldest went first");
    assert_eq!(general.older, Older::More, "what went can be read again...");
    assert!(!general.may_load_older(), "...but not while the room is full");
}

#[test]
fn a_rejoin_that_recovered_everything_adds_what_was_missed_as_unread() {
    let mut state = ada_back_after_a_drop();
    state.apply(Action::Activate(room("quiet")));
    state.apply(joined("general", Some(2), Some(true)));
    state.apply(bob("general", 4));
    state.apply(bob("general", 5));
    assert_eq!(texts(&state, "general"), ["1", "2", "3", "4", "5"]);
    assert!(room_of(&state, "general").gaps.is_empty());
    assert_eq!(room_of(&state, "general").unread, 2, "missed while away, so news");
}

#[test]
fn a_rejoin_that_could_not_recover_marks_where_messages_may_be_missing() {
    let mut state = ada_back_after_a_drop();
    state.apply(Action::Activate(room("quiet")));
    // The most recent messages instead: 3 again, then a hole, then 8 and 9.
    state.apply(joined("general", Some(3), Some(false)));
    for seq in [2, 8, 9] {
        state.apply(bob("general", seq));
    }
    assert_eq!(texts(&state, "general"), ["1", "2", "3", "8", "9"], "nothing twice");
    assert_eq!(room_of(&state, "general").gaps, [MessageId::new(1_003, 0)], "after the last line seen");
    assert_eq!(room_of(&state, "general").unread, 2, "only the new ones are news");
    assert_eq!(room_of(&state, "general").older, Older::Complete, "older messages are as they were");
}

#[test]
fn a_rejoin_without_recovery_from_an_older_server_also_warns() {
    let mut state = ada_back_after_a_drop();
    state.apply(joined("general", None, None));
    assert_eq!(room_of(&state, "general").gaps, [MessageId::new(1_003, 0)]);
    state.apply(joined("general", None, None));
    assert_eq!(room_of(&state, "general").gaps.len(), 1, "a second joined on one connection changes nothing");
}

#[test]
fn a_room_with_nothing_seen_has_no_gap_to_show() {
    let mut state = ada_opening_two_rooms();
    state.apply(joined("quiet", Some(0), None));
    state.apply(Action::ConnectionLost);
    state.apply(joined("quiet", Some(0), None));
    assert!(room_of(&state, "quiet").gaps.is_empty());
}

#[test]
fn our_message_recovered_without_its_client_id_becomes_ours_when_the_resend_is_answered() {
    let mut state = ada_back_after_a_drop();
    state.apply(compose("general", "c1", "did it arrive?"));
    state.apply(sending("general", "c1"));
    state.apply(Action::ConnectionLost);
    // It did: the recovered history holds it, as history does, without client id.
    state.apply(joined("general", Some(1), Some(true)));
    state.apply(message("general", 4, "Ada", "did it arrive?", None));
    state.apply(sending("general", "c1"));
    // The resend under the same client id is answered with the original.
    state.apply(message("general", 4, "Ada", "did it arrive?", Some("c1")));

    let general = room_of(&state, "general");
    assert_eq!(texts(&state, "general"), ["1", "2", "3", "did it arrive?"], "shown once");
    let last = general.entries.back().unwrap();
    assert!(last.is_mine());
    assert_eq!(last.delivery, Delivery::Sent);
}

#[test]
fn a_send_to_try_again_stays_on_its_way_until_the_plan_gives_up() {
    let mut state = ada_in_two_rooms();
    state.apply(compose("general", "c1", "a"));
    state.apply(sending("general", "c1"));
    let again =
        ErrorMeaning::SendAgain { room: "general".into(), client_id: "c1".into(), maybe_delivered: true };
    state.apply(Action::Error(again));
    assert_eq!(delivery_of(&state, "general", "c1"), Delivery::Sending);
    state.apply(send_failed("c1", SendFailure::Unconfirmed));
    assert!(
        matches!(delivery_of(&state, "general", "c1"), Delivery::Failed(reason) if reason.contains("may or may not"))
    );
}

#[test]
fn messages_lost_while_connected_are_marked_after_the_newest_line_or_told_in_a_notice() {
    let mut state = ada_opening_two_rooms();
    state.apply(joined("general", Some(0), None));
    state.apply(joined("quiet", Some(0), None));
    state.apply(bob("general", 1));
    state.apply(Action::Gap(room("general")));
    state.apply(bob("general", 9));
    assert_eq!(room_of(&state, "general").gaps, [MessageId::new(1_001, 0)]);
    assert!(state.notices.is_empty());

    state.apply(Action::Gap(room("quiet")));
    assert_eq!(last_notice(&state), "Some messages in #quiet could not be delivered and may be missing.");
}
