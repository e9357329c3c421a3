//! The chat as the components see it: [`ChatProvider`] owns the state and
//! the connection task, and [`use_chat`] hands any component a [`Chat`] with
//! the state to render and the verbs that change it (open a room, send, ...).
//! The verbs dispatch to the state and command the connection together, so a
//! component never has to keep the two in step. The address bar follows the
//! room on screen (see `components::app`), so the verbs never navigate.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use roomcast_protocol::{DisplayName, MessageId, RoomName};
use yew::prelude::*;

use crate::browser;
use crate::change_queue::OutgoingChange;
use crate::compose::ClientIds;
use crate::connection::{self, Command, Commands};
use crate::edits::{Change, ChangeAction};
use crate::notifier;
use crate::prefs::OpenRooms;
use crate::state::{Action, ChatState, Delivery};

/// The id of the composer's field, which takes the focus when a room opens.
pub const COMPOSER_ID: &str = "composer";

#[derive(Clone)]
pub struct Chat {
    pub state: UseReducerHandle<ChatState>,
    commands: Commands,
    ids: Rc<RefCell<ClientIds>>,
    /// Unsent drafts per room, so switching rooms (or reloading) does not
    /// lose what was typed.
    drafts: Rc<RefCell<HashMap<RoomName, String>>>,
}

impl PartialEq for Chat {
    fn eq(&self, other: &Self) -> bool {
        self.state == other.state
            && self.commands == other.commands
            && Rc::ptr_eq(&self.ids, &other.ids)
            && Rc::ptr_eq(&self.drafts, &other.drafts)
    }
}

impl Chat {
    fn command(&self, command: Command) {
        if !self.commands.send(command) {
            self.state.dispatch(Action::Notify("The page is busy; try that again in a moment.".into()));
        }
    }

    /// Chooses (or changes) the display name and remembers it.
    pub fn choose_name(&self, name: &DisplayName) {
        browser::store_name(name.as_str());
        self.state.dispatch(Action::ChooseName(name.to_string()));
        self.command(Command::Hello(name.to_string()));
    }

    /// Opens `room`: joins it if needed, shows it, and links to it; the
    /// composer gets the focus.
    pub fn open_room(&self, room: &RoomName) {
        if self.state.room(room).is_none() {
            self.command(Command::Join(room.clone()));
        }
        browser::remember_room(room);
        self.state.dispatch(Action::Open(room.clone()));
        browser::focus_id_after_render(COMPOSER_ID);
    }

    /// Opens the rooms of an earlier visit (each joined afresh, with its
    /// history) and shows `open.active`, or the lobby.
    pub fn reopen(&self, open: OpenRooms) {
        for room in open.rooms {
            self.command(Command::Join(room.clone()));
            self.state.dispatch(Action::Open(room));
        }
        match open.active {
            Some(room) => self.state.dispatch(Action::Activate(room)),
            None => self.state.dispatch(Action::ShowLobby),
        }
    }

    /// Shows a room already in the list; the composer gets the focus (on
    /// a phone, rather than the menu button the room list's drawer would
    /// give it back to).
    pub fn show_room(&self, room: &RoomName) {
        self.state.dispatch(Action::Activate(room.clone()));
        browser::focus_id_after_render(COMPOSER_ID);
    }

    pub fn show_lobby(&self) {
        self.state.dispatch(Action::ShowLobby);
    }

    /// What was typed in `room` and not sent yet.
    pub fn draft(&self, room: &RoomName) -> String {
        self.drafts.borrow().get(room).cloned().unwrap_or_default()
    }

    pub fn keep_draft(&self, room: &RoomName, text: &str) {
        let mut drafts = self.drafts.borrow_mut();
        let changed = if text.is_empty() {
            drafts.remove(room).is_some()
        } else {
            drafts.insert(room.clone(), text.to_owned()).as_deref() != Some(text)
        };
        if changed {
            browser::store_drafts(&drafts);
        }
    }

    /// Leaves `room`; the state picks the room to show next.
    pub fn leave(&self, room: &RoomName) {
        self.keep_draft(room, "");
        self.command(Command::Leave(room.clone()));
        self.state.dispatch(Action::Close(room.clone()));
    }

    /// Sends `text` to the room on screen. It shows at once as queued.
    pub fn send(&self, text: String) {
        let Some(room) = self.state.active.clone() else { return };
        let client_id = self.ids.borrow_mut().next_id();
        self.state.dispatch(Action::Compose {
            room: room.clone(),
            client_id: client_id.clone(),
            text: text.clone(),
            now: browser::now_ms(),
        });
        self.command(Command::Send { room, client_id, text });
    }

    /// Sends a failed message again, under the same client id.
    pub fn retry(&self, room: &RoomName, client_id: &str) {
        let text = self.state.room(room).and_then(|state| {
            state
                .entries
                .iter()
                .find(|entry| {
                    entry.client_id.as_deref() == Some(client_id)
                        && matches!(entry.delivery, Delivery::Failed(_))
                })
                .map(|entry| entry.text.clone())
        });
        let Some(text) = text else { return };
        self.resend(room, client_id.to_owned(), text);
    }

    /// Sends every failed message of `room` again, in the order they were
    /// written, each under its own client id.
    pub fn retry_all(&self, room: &RoomName) {
        let Some(state) = self.state.room(room) else { return };
        let failed: Vec<(String, String)> = state
            .entries
            .iter()
            .filter(|entry| matches!(entry.delivery, Delivery::Failed(_)))
            .filter_map(|entry| Some((entry.client_id.clone()?, entry.text.clone())))
            .collect();
        for (client_id, text) in failed {
            self.resend(room, client_id, text);
        }
    }

    fn resend(&self, room: &RoomName, client_id: String, text: String) {
        self.state.dispatch(Action::Retry { room: room.clone(), client_id: client_id.clone() });
        self.command(Command::Send { room: room.clone(), client_id, text });
    }

    /// The user typed in `room`. The connection tells the room at most
    /// every two seconds; a full command queue drops it without a word.
    pub fn typing(&self, room: &RoomName) {
        self.commands.send(Command::Typing(room.clone()));
    }

    /// Asks for the messages of `room` older than `before` (the connection
    /// sends one request per room at a time).
    pub fn load_older(&self, room: &RoomName, before: MessageId) {
        self.command(Command::LoadOlder { room: room.clone(), before });
    }

    pub fn discard(&self, room: &RoomName, client_id: &str) {
        self.state.dispatch(Action::Discard { room: room.clone(), client_id: client_id.to_owned() });
    }

    /// A notice for the user, which goes by itself after a few seconds.
    pub fn notify(&self, text: String) {
        self.state.dispatch(Action::Notify(text));
    }

    pub fn dismiss_notice(&self, id: u64) {
        self.state.dispatch(Action::DismissNotice(id));
    }

    pub fn reconnect_now(&self) {
        self.command(Command::ReconnectNow);
    }

    /// Mutes (`true`) or unmutes `room` on this device.
    pub fn mute(&self, room: &RoomName, muted: bool) {
        self.state.dispatch(Action::Mute { room: room.clone(), muted });
    }

    /// Turns browser notifications on or off on this device (the browser's
    /// permission is asked by the control, on a click).
    pub fn want_notifications(&self, wanted: bool) {
        self.state.dispatch(Action::WantNotifications(wanted));
    }
}

/// Editing and deleting our own messages (version 6).
impl Chat {
    /// Opens the editor on message `id` of `room`, when it is ours to change.
    pub fn open_editor(&self, room: &RoomName, id: MessageId) {
        self.state.dispatch(Action::Change(ChangeAction::OpenEditor { room: room.clone(), id }));
    }

    /// Opens the editor on our newest message in `room` that can be changed.
    pub fn edit_last(&self, room: &RoomName) {
        self.state.dispatch(Action::Change(ChangeAction::EditLast(room.clone())));
    }

    pub fn close_editor(&self, room: &RoomName, id: MessageId) {
        self.state.dispatch(Action::Change(ChangeAction::CloseEditor { room: room.clone(), id }));
    }

    /// Edits or deletes message `id` of `room`: it shows as on its way
    /// until the server's `edited` or `deleted` arrives.
    pub fn change_message(&self, room: &RoomName, id: MessageId, change: Change) {
        let submit = ChangeAction::Submit { room: room.clone(), id, change: change.clone() };
        self.state.dispatch(Action::Change(submit));
        self.command(Command::Change(OutgoingChange { room: room.clone(), id, change }));
    }

    /// Asks again for the change to message `id` that failed.
    pub fn retry_change(&self, room: &RoomName, id: MessageId) {
        let failed = self.state.room(room).and_then(|state| {
            let entry = state.entries.iter().find(|entry| entry.id == Some(id))?;
            entry.revision.failed.as_ref().map(|failed| failed.change.clone())
        });
        if let Some(change) = failed {
            self.change_message(room, id, change);
        }
    }

    /// Puts away the note about a failed change to message `id`.
    pub fn dismiss_change(&self, room: &RoomName, id: MessageId) {
        self.state.dispatch(Action::Change(ChangeAction::Dismiss { room: room.clone(), id }));
    }
}

#[derive(Properties, PartialEq)]
pub struct ChatProviderProps {
    #[prop_or_default]
    pub children: Html,
}

#[function_component(ChatProvider)]
pub fn chat_provider(props: &ChatProviderProps) -> Html {
    let state = use_reducer(|| {
        let mut state = ChatState::remembering(browser::own_ids());
        state.muted = Rc::new(browser::muted_rooms());
        state.notify = browser::notifications_wanted();
        state
    });
    use_store_own_ids(&state);
    notifier::use_notifier(&state);
    let dispatcher = state.dispatcher();
    let commands = use_memo((), move |()| connection::start(dispatcher));
    let ids = use_memo((), |()| Rc::new(RefCell::new(ClientIds::new(browser::random_u64()))));
    let drafts = use_memo((), |()| Rc::new(RefCell::new(browser::drafts())));
    let chat = Chat { state, commands: (*commands).clone(), ids: (*ids).clone(), drafts: (*drafts).clone() };
    html! {
        <ContextProvider<Chat> context={chat}>
            { props.children.clone() }
        </ContextProvider<Chat>>
    }
}

/// Stores the ids of the messages this device sent whenever one is added.
#[hook]
fn use_store_own_ids(state: &UseReducerHandle<ChatState>) {
    let own_ids = state.own_ids.clone();
    use_effect_with(own_ids.revision(), move |revision| {
        if *revision > 0 {
            browser::store_own_ids(&own_ids);
        }
    });
}

/// The chat of the enclosing [`ChatProvider`].
#[hook]
pub fn use_chat() -> Chat {
    // The provider wraps the whole app; a component outside it is a bug in the markup.
    use_context::<Chat>().expect("use_chat is called inside <ChatProvider>")
}
