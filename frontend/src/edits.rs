//! Editing and deleting our own messages (protocol version 6): a message's
//! later life as the screen shows it, who may change it, and the words for a
//! change that failed.
//!
//! Each line carries a [`Revision`]: whether it was edited (and when) or
//! deleted, who may change it ([`Right`], decided when the message
//! arrives), a change of ours on its way, one that failed, and whether its
//! editor is open. [`availability`] says whether Edit and Delete can work
//! right now. The state applies the changes (`state/edits.rs`, through
//! [`ChangeAction`]s), the plan writes them and sends them again when the
//! server asks ([`crate::change_queue`]), and the components show them
//! (`message_changes`, `message_actions`, `message_editor`). Pure and
//! unit-tested.
//!
//! The server lets only a message's author change it: with identity tokens
//! the user, from any connection; without, the connection that sent it, so
//! a reconnect or a reload ends the right to change what was sent before.
//! The page offers Edit and Delete only where the server will accept them.

use std::borrow::Cow;

use roomcast_protocol::{version, ClientFrame, MessageFrame, MessageId, RoomName};

use crate::error_meaning::ChangeFailure;
use crate::state::Entry;

/// A change we ask the server to make to one of our messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Replace its text.
    Edit(String),
    Delete,
}

impl Change {
    /// The frame that asks for it.
    pub fn frame(&self, room: &RoomName, id: MessageId) -> ClientFrame<'static> {
        let room = Cow::Owned(room.to_string());
        match self {
            Change::Edit(text) => ClientFrame::Edit { room, id, text: Cow::Owned(text.clone()) },
            Change::Delete => ClientFrame::Delete { room, id },
        }
    }
}

/// Who may change a message, as the server will judge it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Right {
    /// Someone else's, or ours in a way the server does not count (from
    /// history, without identity).
    #[default]
    None,
    /// Sent by our user (identity tokens): changeable from any connection.
    User,
    /// Sent without identity on the page's connection number `n`:
    /// changeable while that connection lasts.
    Connection(u64),
}

/// What happened to a message after it was sent, and what we are doing to it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Revision {
    /// When its latest edit was made (ms since the Unix epoch): it shows
    /// "(edited)".
    pub edited_ts: Option<f64>,
    /// Deleted: its text is gone and a tombstone takes its place.
    pub deleted: bool,
    pub right: Right,
    /// A change of ours the server has not confirmed yet.
    pub pending: Option<Change>,
    /// Our latest change that failed, shown until dismissed or made.
    pub failed: Option<FailedChange>,
    /// Its editor is open (at most one per room).
    pub editing: bool,
}

impl Revision {
    /// A message as history brings it (version 6): edited, deleted or neither.
    pub fn from_history(edited_ts: Option<u64>, deleted: bool) -> Self {
        Revision { edited_ts: edited_ts.map(|ts| ts as f64), deleted, ..Revision::default() }
    }
}

/// A change of ours that was not made, with the reason for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedChange {
    pub change: Change,
    pub reason: String,
    /// Asking again may succeed: the note offers "Try again".
    pub retry: bool,
}

/// Whether Edit and Delete of a message can work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Availability {
    /// Not ours to change (or no longer: deleted, or sent on a connection
    /// that ended), or the server does not edit (before version 6).
    Never,
    /// Ours, but its room is not joined on a live connection: the actions
    /// wait for the connection.
    Offline,
    Ready,
}

/// What the page knows now that decides [`availability`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conditions {
    /// The version the latest `welcome` agreed.
    pub protocol: Option<u32>,
    /// The number of the current connection ([`Right::Connection`]).
    pub connection: u64,
    /// The connection is live and the message's room joined on it.
    pub joined: bool,
}

/// Whether the user may edit or delete `entry` now.
pub fn availability(entry: &Entry, now: Conditions) -> Availability {
    let revision = &entry.revision;
    let ours = match revision.right {
        Right::None => false,
        Right::User => true,
        Right::Connection(n) => n == now.connection,
    };
    let speaks = now.protocol.is_some_and(|agreed| agreed >= version::EDITS);
    if entry.id.is_none() || revision.deleted || !ours || !speaks {
        Availability::Never
    } else if now.joined {
        Availability::Ready
    } else {
        Availability::Offline
    }
}

/// Decides [`Right`]s as messages arrive: whose user we are (identity) and
/// which connection is the current one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rights {
    /// Our user id, where the server requires identity.
    pub user: Option<String>,
    pub connection: u64,
}

impl Rights {
    /// With identity, every message of our user; without, our own copy (it
    /// carries our client id), which arrives on the connection that sent it.
    pub fn of(&self, frame: &MessageFrame<'_>) -> Right {
        match (&self.user, frame.user.as_deref()) {
            (Some(ours), Some(theirs)) if ours == theirs => Right::User,
            (Some(_), _) => Right::None,
            (None, _) if frame.client_id.is_some() => Right::Connection(self.connection),
            (None, _) => Right::None,
        }
    }
}

/// What the state is asked to do about edits and deletions.
#[derive(Debug, Clone, PartialEq)]
pub enum ChangeAction {
    /// The user opens the editor on message `id`.
    OpenEditor {
        room: RoomName,
        id: MessageId,
    },
    /// Arrow up in an empty composer: the editor on our newest message
    /// that can be changed now.
    EditLast(RoomName),
    CloseEditor {
        room: RoomName,
        id: MessageId,
    },
    /// The user saved an edit or confirmed a deletion; it is on its way.
    Submit {
        room: RoomName,
        id: MessageId,
        change: Change,
    },
    /// The user dismissed the note about a failed change.
    Dismiss {
        room: RoomName,
        id: MessageId,
    },
    /// An `edited` frame: the message's text now.
    Edited {
        room: RoomName,
        id: MessageId,
        text: String,
        edited_ts: u64,
    },
    /// A `deleted` frame.
    Deleted {
        room: RoomName,
        id: MessageId,
    },
}

/// Why `change` (or an unknown change, `None`) failed, in words for the
/// person who asked; `identified`: the server requires identity.
pub fn failure_text(failure: &ChangeFailure, change: Option<&Change>, identified: bool) -> String {
    let what = match change {
        Some(Change::Edit(_)) => "Edit not saved",
        Some(Change::Delete) => "Not deleted",
        None => "Message not changed",
    };
    let why = match failure {
        ChangeFailure::Forbidden if identified => "only the person who sent a message can change it.",
        ChangeFailure::Forbidden => {
            "without sign-in, a message can be changed only from the connection that sent it, \
             and a reconnect or a reload ends that connection."
        }
        ChangeFailure::Gone => "the room's history no longer holds this message.",
        ChangeFailure::Deleted => "the message was deleted.",
        ChangeFailure::TooFast => "you are sending too fast. Wait a moment, then try again.",
        ChangeFailure::NotInRoom => "you are not in this room any more.",
        ChangeFailure::Unavailable => "chat is briefly unavailable. Try again in a moment.",
        ChangeFailure::Unconfirmed => {
            "the server did not confirm it before the connection ended, so it may or may not \
             have been made. If it was, it shows here once the page is back."
        }
        ChangeFailure::NotConnected => "not connected. Try again once the connection is back.",
        ChangeFailure::TooMany => "too many changes are waiting for the server. Try again in a moment.",
        ChangeFailure::Refused(message) => message,
    };
    format!("{what}: {why}")
}

#[cfg(test)]
mod tests {
    use roomcast_protocol::ErrorCode;

    use super::*;
    use crate::error_meaning::{classify, Awaiting, ErrorFrame, ErrorMeaning};
    use crate::state::Delivery;
    use crate::testing::{id, room};

    fn entry(right: Right) -> Entry {
        Entry {
            id: Some(id(5)),
            client_id: None,
            sent_here: false,
            author: "Ada".into(),
            text: "hello".into(),
            ts: 5.0,
            delivery: Delivery::Sent,
            revision: Revision { right, ..Revision::default() },
        }
    }

    const NOW: Conditions = Conditions { protocol: Some(6), connection: 2, joined: true };

    #[test]
    fn only_messages_the_server_counts_as_ours_can_be_changed() {
        assert_eq!(availability(&entry(Right::User), NOW), Availability::Ready);
        assert_eq!(availability(&entry(Right::Connection(2)), NOW), Availability::Ready);
        assert_eq!(
            availability(&entry(Right::Connection(1)), NOW),
            Availability::Never,
            "sent on a connection that ended"
        );
        assert_eq!(availability(&entry(Right::None), NOW), Availability::Never);
    }

    #[test]
    fn a_deleted_or_unconfirmed_message_or_an_older_server_offers_no_change() {
        let mut deleted = entry(Right::User);
        deleted.revision.deleted = true;
        assert_eq!(availability(&deleted, NOW), Availability::Never);
        let pending = Entry { id: None, ..entry(Right::User) };
        assert_eq!(availability(&pending, NOW), Availability::Never);
        let older = Conditions { protocol: Some(5), ..NOW };
        assert_eq!(availability(&entry(Right::User), older), Availability::Never);
        assert_eq!(
            availability(&entry(Right::User), Conditions { protocol: None, ..NOW }),
            Availability::Never
        );
    }

    #[test]
    fn our_messages_wait_for_the_connection_while_their_room_is_not_joined() {
        let away = Conditions { joined: false, ..NOW };
        assert_eq!(availability(&entry(Right::User), away), Availability::Offline);
    }

    fn frame(user: Option<&str>, client_id: Option<&str>) -> MessageFrame<'static> {
        MessageFrame {
            id: id(5),
            room: "general".into(),
            author: "Ada".into(),
            text: "hello".into(),
            ts: 5,
            client_id: client_id.map(|c| Cow::Owned(c.to_owned())),
            user: user.map(|u| Cow::Owned(u.to_owned())),
            edited_ts: None,
            deleted: false,
        }
    }

    #[test]
    fn with_identity_our_users_messages_are_ours_to_change_from_any_connection() {
        let rights = Rights { user: Some("u-1".into()), connection: 3 };
        assert_eq!(rights.of(&frame(Some("u-1"), None)), Right::User, "from history or another tab");
        assert_eq!(rights.of(&frame(Some("u-1"), Some("c1"))), Right::User);
        assert_eq!(rights.of(&frame(Some("u-2"), None)), Right::None, "someone else");
        assert_eq!(rights.of(&frame(None, Some("c1"))), Right::None);
    }

    #[test]
    fn without_identity_only_our_copies_on_this_connection_are_ours_to_change() {
        let rights = Rights { user: None, connection: 3 };
        assert_eq!(rights.of(&frame(None, Some("c1"))), Right::Connection(3));
        assert_eq!(rights.of(&frame(None, None)), Right::None, "from history, even when this device sent it");
    }

    #[test]
    fn changes_become_edit_and_delete_frames() {
        let edit = Change::Edit("fixed".into()).frame(&room("general"), id(5));
        assert_eq!(edit.encode(), r#"{"type":"edit","room":"general","id":"5-0","text":"fixed"}"#);
        let delete = Change::Delete.frame(&room("general"), id(5));
        assert_eq!(delete.encode(), r#"{"type":"delete","room":"general","id":"5-0"}"#);
    }

    /// Classifies an error about message 5-0 of #general.
    fn about_a_change(code: ErrorCode) -> ErrorMeaning {
        let frame = ErrorFrame {
            code,
            message: "the server's words",
            room: Some("general"),
            client_id: None,
            retry_after_ms: None,
            id: Some(id(5)),
        };
        // The room waits for a page: an error naming a message is still about the change.
        classify(&frame, |_| Awaiting::Page)
    }

    #[test]
    fn an_error_naming_a_message_is_about_our_change_of_it() {
        let failed = |failure| ErrorMeaning::ChangeFailed { room: room("general"), id: id(5), failure };
        assert_eq!(about_a_change(ErrorCode::Forbidden), failed(ChangeFailure::Forbidden));
        assert_eq!(about_a_change(ErrorCode::UnknownMessage), failed(ChangeFailure::Gone));
        assert_eq!(about_a_change(ErrorCode::MessageDeleted), failed(ChangeFailure::Deleted));
        assert_eq!(about_a_change(ErrorCode::RateLimited), failed(ChangeFailure::TooFast));
        assert_eq!(
            about_a_change(ErrorCode::InvalidText),
            failed(ChangeFailure::Refused("the server's words".into()))
        );
        let again = |maybe_done| ErrorMeaning::ChangeAgain { room: room("general"), id: id(5), maybe_done };
        assert_eq!(about_a_change(ErrorCode::Unavailable), again(false));
        assert_eq!(about_a_change(ErrorCode::OutcomeUnknown), again(true));
    }

    #[test]
    fn only_waiting_or_a_connection_can_make_a_failed_change_succeed() {
        assert!(ChangeFailure::TooFast.worth_retrying());
        assert!(ChangeFailure::NotConnected.worth_retrying());
        assert!(!ChangeFailure::Forbidden.worth_retrying());
        assert!(!ChangeFailure::Gone.worth_retrying());
        assert!(!ChangeFailure::Deleted.worth_retrying());
    }

    #[test]
    fn a_refusal_says_what_was_not_done_and_why_in_the_users_terms() {
        let edit = Change::Edit("x".into());
        assert_eq!(
            failure_text(&ChangeFailure::TooFast, Some(&edit), false),
            "Edit not saved: you are sending too fast. Wait a moment, then try again."
        );
        assert!(failure_text(&ChangeFailure::Forbidden, Some(&Change::Delete), false)
            .starts_with("Not deleted: without sign-in, a message can be changed only from the connection"));
        assert_eq!(
            failure_text(&ChangeFailure::Forbidden, None, true),
            "Message not changed: only the person who sent a message can change it."
        );
    }
}
