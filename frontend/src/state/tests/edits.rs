use super::*;
use crate::edits::{Availability, Change, ChangeAction, Right};
use crate::error_meaning::ChangeFailure;

/// Ada, live on a version 6 server, in #general (open) and #random.
fn ada() -> ChatState {
    let mut state = ada_in_two_rooms();
    state.apply(Action::Welcome { name: "Ada".into(), max_rooms: 8, max_text_chars: 500, protocol: 6 });
    state
}

fn seq_id(seq: u64) -> MessageId {
    MessageId::new(1_000 + seq, 0)
}

fn change(action: ChangeAction) -> Action {
    Action::Change(action)
}

fn edited(seq: u64, text: &str, edited_ts: u64) -> Action {
    change(ChangeAction::Edited { room: room("general"), id: seq_id(seq), text: text.into(), edited_ts })
}

fn deleted(seq: u64) -> Action {
    change(ChangeAction::Deleted { room: room("general"), id: seq_id(seq) })
}

fn submit(seq: u64, what: Change) -> Action {
    change(ChangeAction::Submit { room: room("general"), id: seq_id(seq), change: what })
}

fn failed(seq: u64, failure: ChangeFailure) -> Action {
    Action::Error(ErrorMeaning::ChangeFailed { room: room("general"), id: seq_id(seq), failure })
}

fn line(state: &ChatState, seq: u64) -> &Entry {
    let room = state.room(&room("general")).unwrap();
    room.entries.iter().find(|entry| entry.id == Some(seq_id(seq))).unwrap()
}

fn availability(state: &ChatState, seq: u64) -> Availability {
    state.availability(state.room(&room("general")).unwrap(), line(state, seq))
}

/// Which lines of #general have their editor open.
fn editing(state: &ChatState) -> Vec<u64> {
    let entries = &state.room(&room("general")).unwrap().entries;
    entries.iter().filter(|entry| entry.revision.editing).map(|entry| entry.id.unwrap().ms - 1_000).collect()
}

#[test]
fn an_edit_replaces_the_text_and_marks_the_message_edited() {
    let state = after(ada(), [bob("general", 1), bob("general", 2), edited(1, "one, fixed", 5_000)]);
    assert_eq!(texts(&state, "general"), ["one, fixed", "2"]);
    assert_eq!(line(&state, 1).revision.edited_ts, Some(5_000.0));
    assert_eq!(line(&state, 2).revision.edited_ts, None, "only the one edited");
    assert_eq!(state.room(&room("general")).unwrap().unread, 0, "a change is not news");
}

#[test]
fn a_deletion_leaves_a_tombstone_without_its_text() {
    let state = after(ada(), [bob("general", 1), bob("general", 2), deleted(1)]);
    assert_eq!(texts(&state, "general"), ["", "2"], "the place stays, the words go");
    assert!(line(&state, 1).revision.deleted);
    let later = after(state, [edited(1, "too late", 9_000)]);
    assert_eq!(texts(&later, "general"), ["", "2"], "a deleted message stays deleted");
}

#[test]
fn a_change_to_a_message_we_do_not_have_is_ignored() {
    let before = after(ada(), [bob("general", 5)]);
    let state = after(before.clone(), [edited(1, "older than what we loaded", 5_000), deleted(2)]);
    assert_eq!(state, before);
    let elsewhere = change(ChangeAction::Deleted { room: room("elsewhere"), id: seq_id(5) });
    assert_eq!(after(before.clone(), [elsewhere]), before);
}

#[test]
fn messages_from_history_show_their_edit_or_their_tombstone() {
    let mut edited_frame = frame("general", 1, "Bob", "edited words", None);
    edited_frame.edited_ts = Some(4_000);
    let mut tombstone = frame("general", 2, "Bob", "", None);
    tombstone.deleted = true;
    let mut state = after(ada(), [joined("general", Some(2), None)]);
    state.apply(Action::Received(edited_frame));
    state.apply(Action::Received(tombstone.clone()));
    assert_eq!(line(&state, 1).revision.edited_ts, Some(4_000.0));
    assert!(line(&state, 2).revision.deleted);

    // A page of older messages brings them the same way.
    let mut page_edit = frame("general", 0, "Bob", "old, edited", None);
    page_edit.edited_ts = Some(3_000);
    let older = vec![page_edit];
    state.apply(Action::Older { room: room("general"), messages: older, more: false });
    assert_eq!(texts(&state, "general"), ["old, edited", "edited words", ""]);
    assert_eq!(line(&state, 0).revision.edited_ts, Some(3_000.0));
}

#[test]
fn a_copy_from_history_brings_a_newer_state_to_a_line_already_shown() {
    // The page showed Bob's message; it was edited and another deleted
    // while the page was away, and the rejoin could not recover: the latest
    // messages come again in their current state.
    let mut state = after(ada(), [bob("general", 1), bob("general", 2), Action::ConnectionLost]);
    let mut newer = frame("general", 1, "Bob", "fixed while away", None);
    newer.edited_ts = Some(7_000);
    let mut gone = frame("general", 2, "Bob", "", None);
    gone.deleted = true;
    state.apply(joined("general", Some(2), Some(false)));
    state.apply(Action::Received(newer));
    state.apply(Action::Received(gone));
    assert_eq!(texts(&state, "general"), ["fixed while away", ""]);

    let mut stale = frame("general", 1, "Bob", "an older edit", None);
    stale.edited_ts = Some(6_000);
    state.apply(Action::Received(stale));
    assert_eq!(texts(&state, "general"), ["fixed while away", ""], "never back to an older edit");
}

#[test]
fn without_identity_only_what_this_connection_sent_is_ours_to_change() {
    let mut state = after(
        ada(),
        [
            compose("general", "c1", "mine"),
            message("general", 1, "Ada", "mine", Some("c1")),
            message("general", 2, "Ada", "same name, someone else", None),
            bob("general", 3),
        ],
    );
    assert_eq!(line(&state, 1).revision.right, Right::Connection(0));
    assert_eq!(availability(&state, 1), Availability::Ready);
    assert_eq!(availability(&state, 2), Availability::Never, "never by name");
    assert_eq!(availability(&state, 3), Availability::Never);

    state.apply(Action::ConnectionLost);
    assert_eq!(availability(&state, 1), Availability::Never, "the server would refuse the next connection");
    assert!(line(&state, 1).is_mine(), "still shown as ours");
}

#[test]
fn with_identity_every_message_of_our_user_is_ours_to_change_also_across_reconnects() {
    let mut state = ada();
    state.apply(Action::Identified("u-1".into()));
    for (seq, user) in [(1, "u-1"), (2, "u-2")] {
        let mut frame = frame("general", seq, "Ada", "words", None);
        frame.user = Some(user.into());
        state.apply(Action::Received(frame));
    }
    assert_eq!(availability(&state, 1), Availability::Ready, "from history or another device");
    assert_eq!(availability(&state, 2), Availability::Never);

    state.apply(Action::ConnectionLost);
    assert_eq!(availability(&state, 1), Availability::Offline, "waits for the connection");
    state.apply(joined("general", Some(0), Some(true)));
    assert_eq!(availability(&state, 1), Availability::Ready);
}

#[test]
fn an_older_server_offers_no_changes() {
    let mut state = ada_in_two_rooms();
    state.apply(compose("general", "c1", "mine"));
    state.apply(message("general", 1, "Ada", "mine", Some("c1")));
    assert_eq!(state.protocol, Some(2));
    assert_eq!(availability(&state, 1), Availability::Never);
}

/// Ada with her own messages 1 and 2 (sent on this connection) and Bob's 3.
fn ada_with_two_of_hers() -> ChatState {
    after(
        ada(),
        [
            message("general", 1, "Ada", "first", Some("c1")),
            message("general", 2, "Ada", "second", Some("c2")),
            bob("general", 3),
        ],
    )
}

#[test]
fn arrow_up_opens_the_editor_on_our_newest_message_one_at_a_time() {
    let mut state = ada_with_two_of_hers();
    state.apply(change(ChangeAction::EditLast(room("general"))));
    assert_eq!(editing(&state), [2], "ours, not Bob's newer one");
    state.apply(change(ChangeAction::OpenEditor { room: room("general"), id: seq_id(1) }));
    assert_eq!(editing(&state), [1], "one editor per room");
    state.apply(change(ChangeAction::OpenEditor { room: room("general"), id: seq_id(3) }));
    assert_eq!(editing(&state), [1], "Bob's cannot be edited");
    state.apply(change(ChangeAction::CloseEditor { room: room("general"), id: seq_id(1) }));
    assert!(editing(&state).is_empty());
}

#[test]
fn our_edit_is_saving_until_its_edited_frame_arrives() {
    let mut state = ada_with_two_of_hers();
    state.apply(change(ChangeAction::OpenEditor { room: room("general"), id: seq_id(2) }));
    state.apply(submit(2, Change::Edit("second, better".into())));
    let revision = &line(&state, 2).revision;
    assert_eq!(revision.pending, Some(Change::Edit("second, better".into())), "shown as saving");
    assert_eq!(line(&state, 2).text, "second", "the text the server has, until it confirms");
    assert!(!revision.editing, "saving closes the editor");

    state.apply(edited(2, "second, better", 6_000));
    let entry = line(&state, 2);
    assert_eq!((entry.text.as_str(), entry.revision.pending.clone()), ("second, better", None));
}

#[test]
fn a_refused_change_says_why_until_dismissed_and_only_waiting_ones_offer_a_retry() {
    let mut state = ada_with_two_of_hers();
    state.apply(submit(1, Change::Edit("again".into())));
    state.apply(failed(1, ChangeFailure::TooFast));
    let failure = line(&state, 1).revision.failed.clone().expect("a note");
    assert_eq!(failure.change, Change::Edit("again".into()));
    assert!(failure.retry);
    assert!(failure.reason.starts_with("Edit not saved: you are sending too fast"));
    assert_eq!(line(&state, 1).text, "first", "the text the server has");

    state.apply(submit(2, Change::Delete));
    state.apply(failed(2, ChangeFailure::Forbidden));
    let forbidden = line(&state, 2).revision.failed.clone().expect("a note");
    assert!(!forbidden.retry, "asking again cannot help");
    assert!(forbidden.reason.starts_with("Not deleted: without sign-in"), "{}", forbidden.reason);

    state.apply(change(ChangeAction::Dismiss { room: room("general"), id: seq_id(1) }));
    assert_eq!(line(&state, 1).revision.failed, None);
}

#[test]
fn message_deleted_makes_a_tombstone_and_completes_our_own_delete_silently() {
    let mut state = ada_with_two_of_hers();
    state.apply(submit(1, Change::Delete));
    state.apply(failed(1, ChangeFailure::Deleted));
    assert!(line(&state, 1).revision.deleted);
    assert_eq!(line(&state, 1).revision.failed, None, "a repeated delete found it done");

    state.apply(submit(2, Change::Edit("x".into())));
    state.apply(failed(2, ChangeFailure::Deleted));
    assert!(line(&state, 2).revision.deleted);
    assert!(line(&state, 2).revision.failed.is_some(), "an edit of a deleted message was not saved");
}

#[test]
fn an_unconfirmed_change_that_recovery_brings_back_clears_its_note() {
    let mut state = ada_with_two_of_hers();
    state.apply(submit(1, Change::Edit("made after all".into())));
    state.apply(Action::ConnectionLost);
    state.apply(failed(1, ChangeFailure::Unconfirmed));
    assert!(line(&state, 1).revision.failed.is_some());
    state.apply(joined("general", Some(0), Some(true)));
    state.apply(edited(1, "made after all", 6_000));
    assert_eq!(line(&state, 1).revision.failed, None);
    assert_eq!(line(&state, 1).text, "made after all");
}

#[test]
fn a_lost_connection_closes_editors_it_ended_the_right_for() {
    let mut state = ada_with_two_of_hers();
    state.apply(change(ChangeAction::EditLast(room("general"))));
    state.apply(Action::ConnectionLost);
    assert!(editing(&state).is_empty());
}

#[test]
fn a_failed_change_to_a_message_no_longer_shown_becomes_a_notice() {
    let mut state = ada();
    state.apply(failed(9, ChangeFailure::Gone));
    assert_eq!(
        last_notice(&state),
        "#general: Message not changed: the room's history no longer holds this message."
    );
}

#[test]
fn a_change_that_touches_nothing_keeps_the_line_as_it_was() {
    let state = ada_with_two_of_hers();
    let before = state.room(&room("general")).unwrap().entries[2].clone();
    let state = after(state, [edited(1, "x", 5_000)]);
    assert!(
        Rc::ptr_eq(&before, &state.room(&room("general")).unwrap().entries[2]),
        "Bob's line is not redrawn"
    );
}
