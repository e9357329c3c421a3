//! Everything the screen shows, as one value changed only by [`Action`]s.
//!
//! [`ChatState`] is Yew's `Reducible`: the connection task and the components
//! dispatch actions, and [`ChatState::apply`] is the only code that changes the
//! state. It does no I/O (no sockets, timers or storage), so every rule here
//! (unread counts, own-message matching, where history goes, what a lost
//! connection does to messages in flight) is unit-tested on the host. One
//! room's rules are in [`room`].
//!
//! Rooms and messages sit behind `Rc`, so an action clones only the room it
//! touches, not the whole history. Who is in a room and who is typing
//! ([`People`]) sit beside the rooms, so that presence and typing frames
//! never make the message list draw again. Edits and deletions (version 6)
//! are applied in [`edits`].

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::rc::Rc;

use roomcast_protocol::{limits, version, MemberCount, MessageFrame, RoomName};

use crate::edits::ChangeAction;
use crate::error_meaning::{ErrorMeaning, SendFailure};
use crate::notify::Arrivals;
use crate::own_ids::OwnIds;
use crate::people::People;
use crate::plan::JOIN_HISTORY;
use crate::rich_text::{self, MentionNames};

mod edits;
mod room;

use edits::Arrived;
use room::Arrival;
pub use room::{Delivery, Entry, Older, RoomState, HISTORY_PER_ROOM, MAX_GAPS};

/// Notices shown at once; a new one pushes out the oldest.
pub const MAX_NOTICES: usize = 4;
/// Muted rooms remembered; past this, muted rooms that are not open are forgotten.
pub const MAX_MUTED: usize = 64;

/// The state of the link to the server, always visible in the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    /// No name chosen yet, so nothing to connect for.
    Idle,
    Connecting,
    /// Connected and greeted by `node`.
    Live {
        node: String,
    },
    /// Lost; the next attempt starts in `in_secs` seconds.
    Reconnecting {
        in_secs: u32,
    },
    /// The browser is offline, or the server closed for good; waits for the
    /// network or a click on "Reconnect".
    Offline,
}

/// A message for the user that is not part of a room's history: a refused
/// request, a failed join, a server notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub id: u64,
    pub text: String,
    /// Stays until dismissed: it says why the page stopped (out of date,
    /// signed out, refused by the server). Others go by themselves.
    pub lasting: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChatState {
    /// The display name as the server confirmed it (or as typed, before that).
    pub me: Option<String>,
    pub link: Link,
    pub max_text_chars: usize,
    pub max_rooms: usize,
    /// The protocol version the server agreed in its latest `welcome`
    /// (`None` before the first), for features that need a newer server.
    pub protocol: Option<u32>,
    /// How many connections ended since the page loaded: without identity,
    /// only messages sent on the current one may be changed.
    pub connection: u64,
    /// Joined and joining rooms, in the order they were opened.
    pub rooms: Vec<Rc<RoomState>>,
    pub active: Option<RoomName>,
    pub notices: VecDeque<Notice>,
    next_notice: u64,
    /// Members and typists per room, once the server told (version 4).
    pub people: HashMap<RoomName, Rc<People>>,
    /// Server ids of the messages this device sent, to recognise them in
    /// history (which carries no client id); stored by the provider.
    pub own_ids: Rc<OwnIds>,
    /// Our user id, where the server requires identity: every message with
    /// it is ours, from any tab or device.
    pub me_user: Option<String>,
    /// Rooms whose ordinary messages do not notify (mentions still do) and
    /// whose unread counts are shown subdued; stored by the provider.
    pub muted: Rc<BTreeSet<RoomName>>,
    /// The user asked for browser notifications (the browser must allow
    /// them too); stored by the provider.
    pub notify: bool,
    /// Other people's live messages, for the provider's notifier: `apply`
    /// only notes them, the notifier decides and shows.
    pub arrivals: Rc<Arrivals>,
}

impl Default for ChatState {
    fn default() -> Self {
        ChatState {
            me: None,
            link: Link::Idle,
            max_text_chars: limits::MAX_TEXT_CHARS,
            max_rooms: limits::MAX_ROOMS,
            protocol: None,
            connection: 0,
            rooms: Vec::new(),
            active: None,
            notices: VecDeque::new(),
            next_notice: 1,
            people: HashMap::new(),
            own_ids: Rc::default(),
            me_user: None,
            muted: Rc::default(),
            notify: false,
            arrivals: Rc::default(),
        }
    }
}

/// Everything that can happen to the state.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    ChooseName(String),
    SetLink(Link),
    Welcome {
        name: String,
        max_rooms: usize,
        max_text_chars: usize,
        protocol: u32,
    },
    /// The server's `welcome` named our user id (identity tokens are on).
    Identified(String),
    /// The user opens a room: it is added (not yet joined) and shown.
    Open(RoomName),
    /// `joined` arrived: `history` messages of the room's backlog follow
    /// (version 3); `recovered` answers a rejoin that asked for what was
    /// missed.
    Joined {
        room: RoomName,
        history: Option<u32>,
        recovered: Option<bool>,
    },
    /// The user left the room, or the server says we are no longer in it.
    Close(RoomName),
    /// Show a room that is already in the list.
    Activate(RoomName),
    /// Show no room: the lobby, where rooms are picked.
    ShowLobby,
    /// Our own message, shown at once and marked queued.
    Compose {
        room: RoomName,
        client_id: String,
        text: String,
        now: f64,
    },
    /// The message was written to the socket.
    Sending {
        room: RoomName,
        client_id: String,
    },
    /// A `message` frame: live, or part of the backlog after `joined`.
    Received(MessageFrame<'static>),
    /// Editing and deleting messages (version 6).
    Change(ChangeAction),
    /// Messages of the room were lost while connected (a `gap` frame).
    Gap(RoomName),
    /// The room's member list (the `members` answer after `joined`).
    Members {
        room: RoomName,
        members: Vec<MemberCount<'static>>,
    },
    /// Who came and went (a `presence` frame): new counts, 0 for gone.
    Presence {
        room: RoomName,
        changes: Vec<MemberCount<'static>>,
    },
    /// Someone else is typing in the room (a `typing` frame), seen at `now`.
    Typing {
        room: RoomName,
        name: String,
        now: f64,
    },
    /// A request for older messages was written.
    LoadingOlder(RoomName),
    /// The answer to it: older messages, oldest first, and whether even
    /// older ones remain.
    Older {
        room: RoomName,
        messages: Vec<MessageFrame<'static>>,
        more: bool,
    },
    /// An error, as [`crate::error_meaning::classify`] understood it.
    Error(ErrorMeaning),
    /// A failed message goes back into the queue.
    Retry {
        room: RoomName,
        client_id: String,
    },
    /// A failed message is given up.
    Discard {
        room: RoomName,
        client_id: String,
    },
    /// The connection dropped: memberships must be confirmed again, and
    /// messages in flight wait to be sent again (under the same client id).
    ConnectionLost,
    /// A notice that goes by itself after a few seconds.
    Notify(String),
    /// A notice that stays until dismissed (see [`Notice::lasting`]).
    NotifyLasting(String),
    DismissNotice(u64),
    /// The user mutes (`true`) or unmutes a room.
    Mute {
        room: RoomName,
        muted: bool,
    },
    /// The user turns browser notifications on or off.
    WantNotifications(bool),
}

impl yew::Reducible for ChatState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut state = Rc::unwrap_or_clone(self);
        state.apply(action);
        Rc::new(state)
    }
}

impl ChatState {
    /// A fresh state that recognises the messages in `own_ids` as ours.
    pub fn remembering(own_ids: OwnIds) -> Self {
        ChatState { own_ids: Rc::new(own_ids), ..ChatState::default() }
    }

    pub fn room(&self, name: &RoomName) -> Option<&RoomState> {
        self.rooms.iter().find(|room| &room.name == name).map(|room| room.as_ref())
    }

    pub fn active_room(&self) -> Option<&RoomState> {
        self.active.as_ref().and_then(|name| self.room(name))
    }

    /// Who is in `room` and who is typing there, once known.
    pub fn people(&self, room: &RoomName) -> Option<&Rc<People>> {
        self.people.get(room)
    }

    /// Whether the server tells who is in a room and who is typing.
    pub fn speaks_presence(&self) -> bool {
        self.protocol.is_some_and(|agreed| agreed >= version::PRESENCE)
    }

    /// Unread messages over all rooms, for the page title.
    pub fn total_unread(&self) -> u32 {
        self.rooms.iter().map(|room| room.unread).fold(0, u32::saturating_add)
    }

    /// Unread mentions of the user over all rooms.
    pub fn total_mentions(&self) -> u32 {
        self.rooms.iter().map(|room| room.mentions).fold(0, u32::saturating_add)
    }

    /// Whether a room not on screen mentions the user: the menu button's
    /// mention dot reads this.
    pub fn has_unread_mentions(&self) -> bool {
        self.rooms.iter().any(|room| room.mentions > 0)
    }

    pub fn is_muted(&self, room: &RoomName) -> bool {
        self.muted.contains(room)
    }

    /// The page title's counts: unread messages (of a muted room only its
    /// mentions) and unread mentions.
    pub fn title_counts(&self) -> (u32, u32) {
        let unread = self
            .rooms
            .iter()
            .map(|room| if self.is_muted(&room.name) { room.mentions } else { room.unread })
            .fold(0, u32::saturating_add);
        (unread, self.total_mentions())
    }

    fn room_mut(&mut self, name: &str) -> Option<&mut RoomState> {
        find_room(&mut self.rooms, name)
    }

    /// Changes what is known about the people of `room`, one of ours.
    fn people_mut(&mut self, room: &RoomName, change: impl FnOnce(&mut People)) {
        if self.room(room).is_some() {
            change(Rc::make_mut(self.people.entry(room.clone()).or_default()));
        }
    }

    pub fn apply(&mut self, action: Action) {
        match action {
            Action::ChooseName(name) => self.me = Some(name),
            Action::SetLink(link) => self.link = link,
            Action::Welcome { name, max_rooms, max_text_chars, protocol } => {
                self.me = Some(name);
                self.max_rooms = max_rooms;
                self.max_text_chars = max_text_chars;
                self.protocol = Some(protocol);
            }
            Action::Identified(user) => self.me_user = Some(user),
            Action::Open(room) => {
                if self.room(&room).is_none() {
                    self.rooms.push(Rc::new(RoomState::new(room.clone())));
                }
                self.activate(room);
            }
            Action::Joined { room, history, recovered } => {
                if let Some(state) = self.room_mut(room.as_str()) {
                    state.join(history, recovered, JOIN_HISTORY);
                }
            }
            Action::Close(room) => self.close(&room),
            Action::Activate(room) => self.activate(room),
            Action::ShowLobby => self.active = None,
            Action::Compose { room, client_id, text, now } => {
                let author = self.me.clone().unwrap_or_default();
                if let Some(state) = self.room_mut(room.as_str()) {
                    let client_id = Some(client_id);
                    state.push_pending(Entry {
                        id: None,
                        client_id,
                        sent_here: false,
                        author,
                        text,
                        ts: now,
                        delivery: Delivery::Queued,
                        revision: Default::default(),
                    });
                }
            }
            Action::Sending { room, client_id } => {
                self.set_delivery(room.as_str(), &client_id, Delivery::Sending);
            }
            Action::Received(frame) => self.receive(frame),
            Action::Change(change) => self.apply_change(change),
            Action::Gap(room) => {
                let marked = self.room_mut(room.as_str()).is_some_and(RoomState::mark_gap_after_newest);
                if !marked {
                    self.notify(format!(
                        "Some messages in #{room} could not be delivered and may be missing."
                    ));
                }
            }
            Action::Members { room, members } => self.people_mut(&room, |people| people.answered(&members)),
            Action::Presence { room, changes } => self.people_mut(&room, |people| people.changed(&changes)),
            Action::Typing { room, name, now } => self.people_mut(&room, |people| people.typing(&name, now)),
            Action::LoadingOlder(room) => {
                if let Some(state) = self.room_mut(room.as_str()) {
                    state.older = Older::Loading;
                }
            }
            Action::Older { room, messages, more } => {
                let own_ids = &self.own_ids;
                let rights = self.rights();
                let Some(state) = find_room(&mut self.rooms, room.as_str()) else { return };
                state.older = if more { Older::More } else { Older::Complete };
                for message in messages {
                    let sent_here = own_ids.contains(&room, message.id);
                    let arrived = Arrived::of(&message, &rights);
                    state.receive(message, Arrival::Page, sent_here);
                    state.arrived(arrived);
                }
            }
            Action::Error(meaning) => self.error(meaning),
            Action::Retry { room, client_id } => {
                self.set_delivery(room.as_str(), &client_id, Delivery::Queued)
            }
            Action::Discard { room, client_id } => {
                if let Some(state) = self.room_mut(room.as_str()) {
                    state.entries.retain(|entry| entry.client_id.as_deref() != Some(client_id.as_str()));
                }
            }
            Action::ConnectionLost => self.connection_lost(),
            Action::Notify(text) => self.notify(text),
            Action::NotifyLasting(text) => self.notify_lasting(text),
            Action::DismissNotice(id) => self.notices.retain(|notice| notice.id != id),
            Action::Mute { room, muted } => self.mute(room, muted),
            Action::WantNotifications(wanted) => self.notify = wanted,
        }
    }

    fn mute(&mut self, room: RoomName, muted: bool) {
        let open: Vec<RoomName> = self.rooms.iter().map(|state| state.name.clone()).collect();
        let set = Rc::make_mut(&mut self.muted);
        if !muted {
            set.remove(&room);
            return;
        }
        set.insert(room.clone());
        if set.len() > MAX_MUTED {
            set.retain(|known| *known == room || open.contains(known));
        }
    }

    fn activate(&mut self, room: RoomName) {
        if let Some(state) = self.room_mut(room.as_str()) {
            state.unread = 0;
            state.mentions = 0;
            self.active = Some(room);
        }
    }

    fn close(&mut self, room: &RoomName) {
        let Some(index) = self.rooms.iter().position(|state| &state.name == room) else { return };
        self.rooms.remove(index);
        self.people.remove(room);
        if self.active.as_ref() == Some(room) {
            // Show the neighbour that moved into its place, or the one above.
            let next = self.rooms.get(index).or_else(|| self.rooms.last());
            self.active = next.map(|state| state.name.clone());
            if let Some(next) = self.active.clone() {
                self.activate(next);
            }
        }
    }

    fn set_delivery(&mut self, room: &str, client_id: &str, delivery: Delivery) {
        let Some(state) = self.room_mut(room) else { return };
        let Some(index) = state.position_of_own(client_id) else { return };
        let entry = Rc::make_mut(&mut state.entries[index]);
        // A late "sending" must not undo a confirmation.
        if entry.delivery != Delivery::Sent {
            entry.delivery = delivery;
        }
    }

    /// A message of a room: placed by its id, remembered as ours when it
    /// carries our client id (or recognised as ours by a remembered id),
    /// counted as unread (and as a mention) when it is news in a room not
    /// on screen, noted for the notifier when it is live, and the end of
    /// its author's "is typing".
    fn receive(&mut self, frame: MessageFrame<'static>) {
        let active = self.active.clone();
        let arrived = Arrived::of(&frame, &self.rights());
        let Some(state) = find_room(&mut self.rooms, &frame.room) else { return };
        let room = state.name.clone();
        let sent_here = if frame.client_id.is_some() {
            Rc::make_mut(&mut self.own_ids).remember(&room, frame.id);
            false
        } else {
            let our_user = frame.user.is_some() && frame.user.as_deref() == self.me_user.as_deref();
            our_user || self.own_ids.contains(&room, frame.id)
        };
        let author = frame.author.to_string();
        let arrival = state.next_arrival();
        let mentions_me = mentions_me(self.me.as_deref(), self.people.get(&room), &frame.text);
        let live_text = (arrival == Arrival::Live).then(|| frame.text.to_string());
        let news = state.receive(frame, arrival, sent_here);
        if news && active.as_ref() != Some(&room) {
            state.unread = state.unread.saturating_add(1);
            state.mentions = state.mentions.saturating_add(u32::from(mentions_me));
        }
        if let Some(text) = live_text.filter(|_| news) {
            Rc::make_mut(&mut self.arrivals).push(room.clone(), author.clone(), text, mentions_me);
        }
        state.arrived(arrived);
        if arrival == Arrival::Live {
            if let Some(people) = self.people.get_mut(&room).filter(|people| people.typists.contains(&author))
            {
                Rc::make_mut(people).typists.stopped(&author);
            }
        }
    }

    fn error(&mut self, meaning: ErrorMeaning) {
        match meaning {
            ErrorMeaning::SendFailed { room, client_id, failure } => {
                self.set_delivery(&room, &client_id, Delivery::Failed(send_failure_text(&failure)));
            }
            // The plan sends it again: it is still on its way.
            ErrorMeaning::SendAgain { .. } => {}
            // The plan sends it again after a wait; it says so meanwhile.
            ErrorMeaning::SendLater { room, client_id, .. } => {
                self.set_delivery(&room, &client_id, Delivery::Waiting);
            }
            ErrorMeaning::PagingFailed { room, reason } => {
                if let Some(state) = self.room_mut(room.as_str()) {
                    state.older = Older::More;
                }
                self.notify(format!("#{room}: earlier messages could not be loaded: {reason}"));
            }
            ErrorMeaning::JoinRefused { room, reason } => {
                self.close(&room);
                self.notify(format!("Could not join #{room}: {reason}"));
            }
            ErrorMeaning::JoinLater { room } => {
                self.notify(format!("#{room} is unavailable for a moment; joining again shortly."));
            }
            // The plan sends it again: it is still on its way.
            ErrorMeaning::ChangeAgain { .. } => {}
            ErrorMeaning::ChangeFailed { room, id, failure } => self.change_failed(&room, id, &failure),
            ErrorMeaning::RoomNote { room, message } => self.notify(format!("#{room}: {message}")),
            ErrorMeaning::Notice(message) => self.notify(message),
            ErrorMeaning::Outdated => self.notify_lasting(OUTDATED_TEXT.to_owned()),
            ErrorMeaning::SignedOut => self.notify_lasting(SIGNED_OUT_TEXT.to_owned()),
        }
    }

    fn connection_lost(&mut self) {
        for room in &mut self.rooms {
            Rc::make_mut(room).disconnect();
        }
        // The next connection asks again who is there.
        self.people.clear();
        self.connection_ended();
    }

    fn notify(&mut self, text: String) {
        self.push_notice(text, false);
    }

    fn notify_lasting(&mut self, text: String) {
        self.push_notice(text, true);
    }

    fn push_notice(&mut self, text: String, lasting: bool) {
        let id = self.next_notice;
        self.next_notice += 1;
        self.notices.push_back(Notice { id, text, lasting });
        while self.notices.len() > MAX_NOTICES {
            self.notices.pop_front();
        }
    }
}

/// Whether `text` mentions `me`, against the names known in the room (the
/// longest name wins: `@Ada Lovelace` is not Ada).
fn mentions_me(me: Option<&str>, people: Option<&Rc<People>>, text: &str) -> bool {
    let Some(me) = me.filter(|_| text.contains('@')) else { return false };
    let members = people.and_then(|people| people.members.as_deref());
    let names = MentionNames::new(Some(me), members.into_iter().flat_map(|members| members.names()));
    rich_text::mentions_me(text, &names)
}

fn find_room<'a>(rooms: &'a mut [Rc<RoomState>], name: &str) -> Option<&'a mut RoomState> {
    rooms.iter_mut().find(|room| room.name.as_str() == name).map(Rc::make_mut)
}

/// What an outdated page tells its user.
const SIGNED_OUT_TEXT: &str =
    "This server needs you to sign in, and your sign-in was refused or has expired. Sign in again to keep chatting.";

const OUTDATED_TEXT: &str =
    "This page is out of date: the server no longer speaks its protocol. Reload the page to keep chatting.";

/// Why a send failed, in words for the person who wrote it.
fn send_failure_text(failure: &SendFailure) -> String {
    match failure {
        SendFailure::TooFast => {
            "Not sent: you are sending too fast, and waiting did not help. Retry in a moment.".to_owned()
        }
        SendFailure::Unavailable => "Not sent: chat is briefly unavailable. Retry in a moment.".to_owned(),
        SendFailure::NotInRoom => "Not sent: you are not in this room any more.".to_owned(),
        SendFailure::QueueFull => {
            "Not sent: too many messages are waiting for the connection; wait until it is back, then retry."
                .to_owned()
        }
        SendFailure::Unconfirmed => {
            "Not confirmed: the server never said whether it arrived, so it may or may not have been delivered."
                .to_owned()
        }
        SendFailure::Refused(message) => format!("Not sent: {message}"),
    }
}

#[cfg(test)]
mod tests;
