//! The plan's part in edits and deletions: when they are written, sent
//! again and given up, and how their `change_id`s move recovery's offset.

use super::*;
use crate::testing::{id, room};

/// Ada connected (version 6) and joined to #general in epoch "e1".
fn ada_joined(identified: bool) -> Plan {
    let mut plan = Plan::default();
    plan.hello("Ada".into());
    plan.join(room("general"));
    plan.connected();
    plan.welcomed(6);
    plan.identified(identified);
    plan.joined(&room("general"), Some("e1"), 0.0);
    plan
}

fn edit(seq: u64, text: &str) -> OutgoingChange {
    OutgoingChange { room: room("general"), id: id(seq), change: Change::Edit(text.into()) }
}

/// Change frames as compact strings: "edit general 5-0", "delete general 5-0".
fn show(frames: Vec<ClientFrame<'static>>) -> Vec<String> {
    frames
        .into_iter()
        .filter_map(|frame| match frame {
            ClientFrame::Edit { room, id, .. } => Some(format!("edit {room} {id}")),
            ClientFrame::Delete { room, id } => Some(format!("delete {room} {id}")),
            _ => None,
        })
        .collect()
}

fn rejoin_frame(plan: &mut Plan) -> ClientFrame<'static> {
    plan.disconnected();
    plan.connected().swap_remove(1)
}

#[test]
fn a_change_id_moves_the_offset_for_recovery_like_a_message_id() {
    let mut plan = ada_joined(false);
    plan.seen(&room("general"), id(10), None);
    plan.changed(&room("general"), id(4), id(12), &Change::Delete);
    plan.changed(&room("general"), id(3), id(11), &Change::Edit("older change".into()));
    match rejoin_frame(&mut plan) {
        ClientFrame::Join { since, .. } => assert_eq!(since, Some(id(12)), "the greatest id seen, of either"),
        other => panic!("expected a join, got {other:?}"),
    }
}

#[test]
fn a_change_is_written_only_in_a_room_joined_on_this_connection() {
    let mut plan = ada_joined(false);
    assert_eq!(show(plan.change(edit(5, "new")).unwrap()), ["edit general 5-0"]);
    assert_eq!(
        plan.change(OutgoingChange { room: room("elsewhere"), ..edit(5, "new") }),
        Err(ErrorMeaning::ChangeFailed {
            room: room("elsewhere"),
            id: id(5),
            failure: ChangeFailure::NotConnected
        })
    );
    plan.disconnected();
    assert!(plan.change(edit(6, "offline")).is_err(), "the page offers no change while offline");
}

#[test]
fn a_change_the_server_could_not_make_goes_again_at_the_next_check_until_confirmed() {
    let mut plan = ada_joined(false);
    plan.change(OutgoingChange { change: Change::Delete, ..edit(5, "") }).unwrap();
    plan.heed(&ErrorMeaning::ChangeAgain { room: room("general"), id: id(5), maybe_done: true }, 0.0, 0.5);
    assert_eq!(show(plan.tick(5_000.0)), ["delete general 5-0"], "the same frame again");
    plan.changed(&room("general"), id(5), id(9), &Change::Delete);
    plan.heed(&ErrorMeaning::ChangeAgain { room: room("general"), id: id(5), maybe_done: true }, 0.0, 0.5);
    assert!(plan.tick(10_000.0).is_empty(), "a confirmed change is done");
}

#[test]
fn a_refused_change_is_not_sent_again() {
    let mut plan = ada_joined(true);
    plan.change(edit(5, "new")).unwrap();
    let failure = ChangeFailure::Forbidden;
    plan.heed(&ErrorMeaning::ChangeFailed { room: room("general"), id: id(5), failure }, 0.0, 0.5);
    plan.disconnected();
    plan.connected();
    assert!(show(plan.joined(&room("general"), Some("e1"), 0.0)).is_empty());
}

#[test]
fn after_a_drop_a_change_is_sent_again_with_identity_and_given_up_without() {
    let mut signed_in = ada_joined(true);
    signed_in.change(edit(5, "new")).unwrap();
    signed_in.disconnected();
    assert!(signed_in.take_abandoned().is_empty());
    signed_in.connected();
    assert_eq!(show(signed_in.joined(&room("general"), Some("e1"), 0.0)), ["edit general 5-0"]);

    let mut anonymous = ada_joined(false);
    anonymous.change(edit(5, "new")).unwrap();
    anonymous.disconnected();
    assert_eq!(
        anonymous.take_abandoned(),
        [ErrorMeaning::ChangeFailed {
            room: room("general"),
            id: id(5),
            failure: ChangeFailure::Unconfirmed
        }],
        "the next connection may not change it"
    );
    anonymous.connected();
    assert!(show(anonymous.joined(&room("general"), Some("e1"), 0.0)).is_empty());
}
