use super::*;
use crate::own_ids::OwnIds;

/// Ada after a reload that remembered `own`: in #general and #random,
/// neither joined yet, #general shown.
fn ada_reloaded(own: OwnIds) -> ChatState {
    after(
        ChatState::remembering(own),
        [
            Action::Welcome { name: "Ada".into(), max_rooms: 8, max_text_chars: 500, protocol: 4 },
            Action::Open(room("random")),
            Action::Open(room("general")),
        ],
    )
}

fn mine(state: &ChatState, room_name: &str) -> Vec<(String, bool)> {
    let entries = &state.room(&room(room_name)).unwrap().entries;
    entries.iter().map(|entry| (entry.text.clone(), entry.is_mine())).collect()
}

#[test]
fn our_own_copies_are_remembered_and_show_as_ours_in_history_after_a_reload() {
    let mut before = ada_in_two_rooms();
    before.apply(compose("general", "c1", "mine"));
    before.apply(message("general", 2, "Ada", "mine", Some("c1")));
    before.apply(message("general", 3, "Ada", "same name, another person", None));
    assert_eq!(before.own_ids.revision(), 1, "a change for the provider to store");

    let mut after = ada_reloaded((*before.own_ids).clone());
    after.apply(joined("general", Some(3), None));
    after.apply(message("general", 1, "Bob", "hello", None));
    after.apply(message("general", 2, "Ada", "mine", None));
    after.apply(message("general", 3, "Ada", "same name, another person", None));
    assert_eq!(
        mine(&after, "general"),
        [("hello".into(), false), ("mine".into(), true), ("same name, another person".into(), false)],
        "by id, never by name"
    );
}

#[test]
fn a_remembered_id_counts_only_in_its_own_room() {
    let mut before = ada_in_two_rooms();
    before.apply(message("general", 2, "Ada", "mine", Some("c1")));
    let mut after = ada_reloaded((*before.own_ids).clone());
    after.apply(joined("random", Some(1), None));
    after.apply(message("random", 2, "Bob", "same id, other room", None));
    assert_eq!(mine(&after, "random"), [("same id, other room".into(), false)]);
}

#[test]
fn older_pages_show_our_remembered_messages_as_ours_and_not_as_unread() {
    let mut own = OwnIds::default();
    own.remember(&room("general"), MessageId::new(1_001, 0));
    own.remember(&room("random"), MessageId::new(1_007, 0));
    let mut state = ada_reloaded(own);
    state.apply(joined("general", Some(0), None));
    let page =
        vec![frame("general", 1, "Ada", "old and mine", None), frame("general", 2, "Bob", "old", None)];
    state.apply(Action::Older { room: room("general"), messages: page, more: false });
    assert_eq!(mine(&state, "general"), [("old and mine".into(), true), ("old".into(), false)]);

    state.apply(joined("random", Some(0), None));
    state.apply(message("random", 7, "Ada", "recovered, mine", None));
    assert_eq!(state.room(&room("random")).unwrap().unread, 0, "our own words are not news");
}

#[test]
fn with_identity_every_message_of_our_user_is_ours_whichever_device_sent_it() {
    let mut state = ada_reloaded(OwnIds::default());
    state.apply(Action::Identified("u-1".into()));
    state.apply(joined("general", Some(3), None));
    for (seq, user, text) in
        [(1, "u-2", "from another Ada"), (2, "u-1", "from my phone"), (3, "u-1", "from this tab")]
    {
        let mut frame = frame("general", seq, "Ada", text, None);
        frame.user = Some(user.into());
        state.apply(Action::Received(frame));
    }
    assert_eq!(
        mine(&state, "general"),
        [("from another Ada".into(), false), ("from my phone".into(), true), ("from this tab".into(), true)],
        "by user id, never by name"
    );
}
