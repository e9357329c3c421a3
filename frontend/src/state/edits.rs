//! Edits and deletions on screen (version 6): the `edited` and `deleted`
//! frames, messages from history in their current state, our own changes
//! on their way or failed, and the one open editor per room. The rules of
//! who may change what are in [`crate::edits`].

use std::rc::Rc;

use roomcast_protocol::{MessageFrame, MessageId, RoomName};

use super::{ChatState, Entry, RoomState};
use crate::edits::{
    availability, failure_text, Availability, Change, ChangeAction, Conditions, FailedChange, Right, Rights,
};
use crate::error_meaning::ChangeFailure;

/// What a `message` frame tells about its line beyond what
/// [`RoomState::receive`] places: who may change it, and its state in
/// history (a copy of a line already shown may be newer than the line).
pub(super) struct Arrived {
    id: MessageId,
    right: Right,
    edited_ts: Option<u64>,
    deleted: bool,
    /// The text, only when the message was edited.
    text: Option<String>,
}

impl Arrived {
    pub(super) fn of(frame: &MessageFrame<'_>, rights: &Rights) -> Self {
        Arrived {
            id: frame.id,
            right: rights.of(frame),
            edited_ts: frame.edited_ts,
            deleted: frame.deleted,
            text: frame.edited_ts.map(|_| frame.text.to_string()),
        }
    }
}

impl ChatState {
    /// Who may change the messages that arrive now.
    pub(super) fn rights(&self) -> Rights {
        Rights { user: self.me_user.clone(), connection: self.connection }
    }

    /// Whether Edit and Delete of `entry`, a line of `room`, can work now.
    pub fn availability(&self, room: &RoomState, entry: &Entry) -> Availability {
        let now = Conditions { protocol: self.protocol, connection: self.connection, joined: room.joined };
        availability(entry, now)
    }

    pub(super) fn apply_change(&mut self, action: ChangeAction) {
        match action {
            ChangeAction::OpenEditor { room, id } => {
                let ready = self.room(&room).is_some_and(|state| {
                    state
                        .position(id)
                        .is_some_and(|at| self.availability(state, &state.entries[at]) == Availability::Ready)
                });
                if ready {
                    self.open_editor(&room, id);
                }
            }
            ChangeAction::EditLast(room) => {
                let last = self.room(&room).and_then(|state| {
                    let ready = |entry: &&Rc<Entry>| {
                        self.availability(state, entry) == Availability::Ready
                            && entry.revision.pending.is_none()
                    };
                    state.entries.iter().rev().find(ready).and_then(|entry| entry.id)
                });
                if let Some(id) = last {
                    self.open_editor(&room, id);
                }
            }
            ChangeAction::CloseEditor { room, id } => {
                self.change_line(&room, id, |entry| entry.revision.editing = false);
            }
            ChangeAction::Submit { room, id, change } => self.change_line(&room, id, |entry| {
                if !entry.revision.deleted {
                    entry.revision.pending = Some(change);
                    entry.revision.failed = None;
                    entry.revision.editing = false;
                }
            }),
            ChangeAction::Dismiss { room, id } => {
                self.change_line(&room, id, |entry| entry.revision.failed = None);
            }
            ChangeAction::Edited { room, id, text, edited_ts } => {
                self.change_line(&room, id, |entry| edit(entry, text, edited_ts as f64));
            }
            ChangeAction::Deleted { room, id } => self.change_line(&room, id, delete),
        }
    }

    /// The server did not make our change to message `id` of `room`. A
    /// message found deleted becomes a tombstone (our delete is then done).
    pub(super) fn change_failed(&mut self, room: &RoomName, id: MessageId, failure: &ChangeFailure) {
        let identified = self.me_user.is_some();
        let found = self.room(room).and_then(|state| state.position(id)).is_some();
        if !found {
            let text = failure_text(failure, None, identified);
            return self.notify(format!("#{room}: {text}"));
        }
        self.change_line(room, id, |entry| {
            let change = entry.revision.pending.take();
            if *failure == ChangeFailure::Deleted {
                delete(entry);
                if change != Some(Change::Delete) {
                    let reason = failure_text(failure, change.as_ref(), identified);
                    entry.revision.failed =
                        change.map(|change| FailedChange { change, reason, retry: false });
                }
            } else if let Some(change) = change {
                let reason = failure_text(failure, Some(&change), identified);
                entry.revision.failed =
                    Some(FailedChange { change, reason, retry: failure.worth_retrying() });
            }
        });
    }

    /// The connection ended: without identity, what was sent on it can no
    /// longer be changed, so editors open on it close.
    pub(super) fn connection_ended(&mut self) {
        self.connection += 1;
        let connection = self.connection;
        for room in &mut self.rooms {
            let stale = |entry: &Entry| {
                entry.revision.editing
                    && matches!(entry.revision.right, Right::Connection(n) if n != connection)
            };
            if room.entries.iter().any(|entry| stale(entry)) {
                for entry in Rc::make_mut(room).entries.iter_mut() {
                    if stale(entry) {
                        Rc::make_mut(entry).revision.editing = false;
                    }
                }
            }
        }
    }

    /// Opens the editor on message `id` of `room`, closing any other there.
    fn open_editor(&mut self, room: &RoomName, id: MessageId) {
        let Some(state) = self.room_mut(room.as_str()) else { return };
        for entry in state.entries.iter_mut() {
            let open = entry.id == Some(id);
            if entry.revision.editing != open {
                Rc::make_mut(entry).revision.editing = open;
            }
        }
    }

    /// Changes the line of message `id` in `room`, when the room shows it.
    fn change_line(&mut self, room: &RoomName, id: MessageId, change: impl FnOnce(&mut Entry)) {
        let Some(state) = self.room_mut(room.as_str()) else { return };
        if let Some(at) = state.position(id) {
            change(Rc::make_mut(&mut state.entries[at]));
        }
    }
}

impl RoomState {
    /// Where the line of message `id` is, among the lines the server ordered.
    pub(super) fn position(&self, id: MessageId) -> Option<usize> {
        let at = self.entries.partition_point(|entry| entry.id.is_some_and(|known| known < id));
        (self.entries.get(at).and_then(|entry| entry.id) == Some(id)).then_some(at)
    }

    /// After [`RoomState::receive`]: the line of `arrived` learns who may
    /// change it, and takes a newer state from history (an edit, or the
    /// deletion) than it shows. A line that changes nothing is not copied.
    pub(super) fn arrived(&mut self, arrived: Arrived) {
        let Some(at) = self.position(arrived.id) else { return };
        let shown = &self.entries[at].revision;
        let grant = arrived.right != Right::None && shown.right != arrived.right;
        let newer_edit =
            arrived.edited_ts.filter(|ts| shown.edited_ts.is_none_or(|known| (*ts as f64) > known));
        let deleted = arrived.deleted && !shown.deleted;
        if !(grant || deleted || newer_edit.is_some()) {
            return;
        }
        let entry = Rc::make_mut(&mut self.entries[at]);
        if grant {
            entry.revision.right = arrived.right;
        }
        if deleted {
            delete(entry);
        } else if let (Some(ts), Some(text)) = (newer_edit, arrived.text) {
            edit(entry, text, ts as f64);
        }
    }
}

/// The message now reads `text`, since an edit at `edited_ts`. It settles
/// our edit to the same words (on its way, or given up for unconfirmed).
fn edit(entry: &mut Entry, text: String, edited_ts: f64) {
    if entry.revision.deleted {
        return;
    }
    let revision = &mut entry.revision;
    let sets_ours = |change: &Change| matches!(change, Change::Edit(ours) if *ours == text);
    if revision.pending.as_ref().is_some_and(sets_ours) {
        revision.pending = None;
    }
    if revision.failed.as_ref().is_some_and(|failed| sets_ours(&failed.change)) {
        revision.failed = None;
    }
    revision.edited_ts = Some(edited_ts);
    entry.text = text;
}

/// The message was deleted: its text goes, and nothing of ours about it
/// is still to do.
fn delete(entry: &mut Entry) {
    entry.text.clear();
    entry.revision.deleted = true;
    entry.revision.pending = None;
    entry.revision.failed = None;
    entry.revision.editing = false;
}
