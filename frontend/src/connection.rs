//! The one WebSocket of a page, kept alive by a task that outlives any
//! single connection.
//!
//! Components send [`Command`]s; the task writes frames (as [`Plan`]
//! decides), turns every server frame into an [`Action`] for the state, and
//! reconnects by itself with [`Backoff`] when the socket drops: it greets the
//! server again, rejoins the rooms (recovering what was missed) and sends
//! what was queued or unconfirmed meanwhile. After a refusal for sending
//! too fast it wakes when the plan says the next message's turn comes. The
//! header's connection badge follows from the `SetLink` actions it
//! dispatches.

use std::borrow::Cow;
use std::cell::RefCell;
use std::rc::Rc;

use futures::channel::mpsc;
use futures::stream::{SplitSink, StreamExt};
use futures::{select, FutureExt, SinkExt};
use gloo_net::websocket::{futures::WebSocket, Message, WebSocketError};
use gloo_timers::future::{IntervalStream, TimeoutFuture};
use roomcast_protocol::{close, ClientFrame, MemberCount, MessageFrame, MessageId, RoomName, ServerFrame};
use yew::UseReducerDispatcher;

use crate::backoff::{countdown_secs, Backoff};
use crate::browser;
use crate::change_queue::OutgoingChange;
use crate::edits::{Change, ChangeAction};
use crate::endpoint::{self, RuntimeConfig};
use crate::error_meaning::{self, ErrorFrame, ErrorMeaning, SendFailure};
use crate::plan::{Outgoing, Plan};
use crate::state::{Action, ChatState, Link};

/// Commands waiting for the task; the user cannot click faster than it reads.
const COMMAND_QUEUE: usize = 64;
/// How often the task looks at the connection's health, in milliseconds.
const TICK_MS: u32 = 5_000;
/// Silence after which the task sends a ping of its own.
const PING_AFTER_MS: f64 = 15_000.0;
/// Silence after which the connection counts as dead and is replaced.
const DEAD_AFTER_MS: f64 = 40_000.0;

/// What the components ask of the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Hello(String),
    Join(RoomName),
    Leave(RoomName),
    Send {
        room: RoomName,
        client_id: String,
        text: String,
    },
    /// Ask for the messages of `room` older than `before`.
    LoadOlder {
        room: RoomName,
        before: MessageId,
    },
    /// The user typed in `room` (the plan decides whether to say so).
    Typing(RoomName),
    /// Skip the rest of a backoff wait (the "Reconnect now" button).
    ReconnectNow,
    /// Edit or delete message `id` of `room`, one of ours (version 6).
    Change(OutgoingChange),
}

/// The components' end of the command queue.
#[derive(Clone)]
pub struct Commands(Rc<RefCell<mpsc::Sender<Command>>>);

impl PartialEq for Commands {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl Commands {
    /// Queues a command; `false` when the queue is full or the task is gone.
    pub fn send(&self, command: Command) -> bool {
        self.0.borrow_mut().try_send(command).is_ok()
    }
}

/// Starts the connection task; it lives as long as the page.
pub fn start(dispatch: UseReducerDispatcher<ChatState>) -> Commands {
    let (sender, receiver) = mpsc::channel(COMMAND_QUEUE);
    wasm_bindgen_futures::spawn_local(async move {
        let fragment_token = browser::take_fragment_token();
        let (url, _) = settings(fragment_token.as_deref()).await;
        let connection =
            Connection { dispatch, commands: receiver, plan: Plan::default(), url, fragment_token };
        connection.run().await;
    });
    Commands(Rc::new(RefCell::new(sender)))
}

/// Reads `/config.json` (see [`endpoint`]): the WebSocket address (without
/// it, the page's own host) and the identity token (the fragment's wins).
async fn settings(fragment_token: Option<&str>) -> (String, Option<String>) {
    let configured = match gloo_net::http::Request::get("/config.json").send().await {
        Ok(response) if response.ok() => response.json::<RuntimeConfig>().await.unwrap_or_default(),
        _ => RuntimeConfig::default(),
    };
    let (protocol, host) = browser::page_origin();
    let url = endpoint::websocket_url(&protocol, &host, configured.websocket_url.as_deref());
    (url, fragment_token.map(str::to_owned).or(configured.token))
}

/// How one connection ended.
enum Ended {
    /// Dropped, refused or timed out: try again after a backoff.
    Lost { was_live: bool },
    /// Closed by the server with a code that asks us not to come back by ourselves.
    Refused { code: u16, reason: String },
    /// An error frame said that coming back by itself cannot help (the page
    /// is out of date); the state has told the user why.
    Stopped,
    /// The page is going away.
    Shutdown,
}

struct Connection {
    dispatch: UseReducerDispatcher<ChatState>,
    commands: mpsc::Receiver<Command>,
    plan: Plan,
    url: String,
    /// A token that came in the page's address, kept for every reconnect.
    fragment_token: Option<String>,
}

type Sink = SplitSink<WebSocket, Message>;

impl Connection {
    async fn run(mut self) {
        let backoff = Backoff::CLIENT_RECONNECT;
        let mut attempt: u32 = 0;
        loop {
            if !self.plan.has_name() && !self.idle_until_named().await {
                return;
            }
            if !browser::online() && !self.wait_for_network().await {
                return;
            }
            self.dispatch.dispatch(Action::SetLink(Link::Connecting));
            // Read the token afresh before each connection: a login service
            // may have put a new one in config.json (after a 4003 expiry).
            let (url, token) = settings(self.fragment_token.as_deref()).await;
            self.url = url;
            self.plan.set_token(token);
            let ended = self.connect().await;
            self.plan.disconnected();
            self.dispatch.dispatch(Action::ConnectionLost);
            // Changes the next connection may not make are given up now.
            for given_up in self.plan.take_abandoned() {
                self.dispatch.dispatch(Action::Error(given_up));
            }
            let resume = match ended {
                Ended::Shutdown => return,
                Ended::Lost { was_live } => {
                    // Consecutive failures back off further; a connection
                    // that got as far as `welcome` starts the count again.
                    attempt = if was_live { 0 } else { attempt.saturating_add(1) };
                    let delay = backoff.delay_ms(attempt, browser::random());
                    self.wait(delay).await
                }
                Ended::Refused { code, reason } => {
                    self.dispatch.dispatch(Action::NotifyLasting(refusal_text(code, &reason)));
                    attempt = 0;
                    self.wait_for_reconnect_click().await
                }
                Ended::Stopped => {
                    attempt = 0;
                    self.wait_for_reconnect_click().await
                }
            };
            if !resume {
                return;
            }
        }
    }

    /// Before a name is chosen there is nothing to connect for; commands
    /// still shape the plan. `false` when the page is going away.
    async fn idle_until_named(&mut self) -> bool {
        while !self.plan.has_name() {
            match self.commands.next().await {
                Some(command) => self.offline_command(command),
                None => return false,
            }
        }
        true
    }

    async fn wait_for_network(&mut self) -> bool {
        self.dispatch.dispatch(Action::SetLink(Link::Offline));
        self.wait_while(1_000, |_| !browser::online()).await
    }

    /// Waits for "Reconnect now", shown while the link is offline.
    async fn wait_for_reconnect_click(&mut self) -> bool {
        self.dispatch.dispatch(Action::SetLink(Link::Offline));
        self.wait_while(TICK_MS, |_| true).await
    }

    /// Counts down `delay_ms` in the header. Stops early when the network
    /// goes away (`run` then waits for it).
    async fn wait(&mut self, delay_ms: u32) -> bool {
        let deadline = browser::now_ms() + f64::from(delay_ms);
        self.wait_while(250, |connection| {
            let remaining = (deadline - browser::now_ms()).max(0.0) as u32;
            let counting = remaining > 0 && browser::online();
            if counting {
                let in_secs = countdown_secs(remaining);
                connection.dispatch.dispatch(Action::SetLink(Link::Reconnecting { in_secs }));
            }
            counting
        })
        .await
    }

    /// The one waiting loop without a socket: takes commands (they only
    /// shape the plan) while `waiting` holds, asking it again after each
    /// command and every `tick_ms`. "Reconnect now" ends the wait early.
    /// `false` when the page is going away.
    async fn wait_while(&mut self, tick_ms: u32, mut waiting: impl FnMut(&Self) -> bool) -> bool {
        let mut ticks = IntervalStream::new(tick_ms).fuse();
        while waiting(self) {
            let event = select! {
                command = self.commands.next() => Event::Command(command),
                _ = ticks.next() => Event::Tick,
            };
            match event {
                Event::Command(Some(Command::ReconnectNow)) => break,
                Event::Command(Some(command)) => self.offline_command(command),
                Event::Command(None) => return false,
                Event::Tick | Event::Turn | Event::Incoming(_) => {}
            }
        }
        true
    }

    /// A command while there is no socket: only the plan changes.
    fn offline_command(&mut self, command: Command) {
        let frames = self.plan_command(command);
        debug_assert!(frames.is_empty(), "nothing is written without a connection");
    }

    fn plan_command(&mut self, command: Command) -> Vec<ClientFrame<'static>> {
        match command {
            Command::Hello(name) => self.plan.hello(name),
            Command::Join(room) => self.plan.join(room),
            Command::Leave(room) => self.plan.leave(&room),
            Command::Send { room, client_id, text } => {
                let outgoing = Outgoing { room: room.clone(), client_id: client_id.clone(), text };
                self.plan.send(outgoing, browser::now_ms()).unwrap_or_else(|_full| {
                    let failure = SendFailure::QueueFull;
                    let room = room.to_string();
                    self.dispatch.dispatch(Action::Error(ErrorMeaning::SendFailed {
                        room,
                        client_id,
                        failure,
                    }));
                    Vec::new()
                })
            }
            Command::LoadOlder { room, before } => self.plan.older(&room, before),
            Command::Typing(room) => self.plan.typing(&room, browser::now_ms()),
            Command::ReconnectNow => Vec::new(),
            Command::Change(change) => self.plan.change(change).unwrap_or_else(|refused| {
                self.dispatch.dispatch(Action::Error(refused));
                Vec::new()
            }),
        }
    }

    /// One connection, from open to close.
    async fn connect(&mut self) -> Ended {
        let socket = match WebSocket::open(&self.url) {
            Ok(socket) => socket,
            // Only a malformed address fails here; retrying cannot help.
            Err(err) => {
                return Ended::Refused { code: 0, reason: format!("cannot open {}: {err}", self.url) }
            }
        };
        let (mut sink, stream) = socket.split();
        let mut stream = stream.fuse();
        let mut ticks = IntervalStream::new(TICK_MS).fuse();
        let mut was_live = false;
        let mut last_heard = browser::now_ms();
        let mut nonce: u64 = 0;

        let greeting = self.plan.connected();
        if self.write_all(&mut sink, greeting).await.is_err() {
            return Ended::Lost { was_live };
        }
        loop {
            let mut turn = self.next_turn();
            let event = select! {
                incoming = stream.next() => Event::Incoming(incoming),
                command = self.commands.next() => Event::Command(command),
                _ = ticks.next() => Event::Tick,
                () = turn => Event::Turn,
            };
            let frames = match event {
                Event::Incoming(Some(Ok(Message::Text(text)))) => {
                    last_heard = browser::now_ms();
                    match self.handle_frame(&text) {
                        Reply::Write(frames) => frames,
                        Reply::Welcomed => {
                            was_live = true;
                            Vec::new()
                        }
                        // Dropping the socket closes it.
                        Reply::Stop => return Ended::Stopped,
                    }
                }
                Event::Incoming(Some(Ok(Message::Bytes(_)))) => Vec::new(),
                Event::Incoming(Some(Err(WebSocketError::ConnectionClose(event)))) => {
                    return if close::should_reconnect(event.code) || matches!(event.code, 1000 | 1005) {
                        Ended::Lost { was_live }
                    } else {
                        Ended::Refused { code: event.code, reason: event.reason }
                    };
                }
                // An error event is always followed by the close event.
                Event::Incoming(Some(Err(_))) => Vec::new(),
                Event::Incoming(None) => return Ended::Lost { was_live },
                Event::Command(None) => return Ended::Shutdown,
                Event::Command(Some(command)) => self.plan_command(command),
                Event::Turn => self.plan.paced(browser::now_ms()),
                Event::Tick => {
                    let silent = browser::now_ms() - last_heard;
                    if silent > DEAD_AFTER_MS {
                        return Ended::Lost { was_live };
                    }
                    let mut frames = self.plan.tick(browser::now_ms());
                    if silent > PING_AFTER_MS {
                        nonce += 1;
                        frames.push(ClientFrame::Ping { nonce });
                    }
                    frames
                }
            };
            for given_up in self.plan.take_abandoned() {
                self.dispatch.dispatch(Action::Error(given_up));
            }
            if self.write_all(&mut sink, frames).await.is_err() {
                return Ended::Lost { was_live };
            }
        }
    }

    /// Ends when the next message paced after a refusal for sending too
    /// fast may go (never, when none waits for a time).
    fn next_turn(&self) -> futures::future::Fuse<futures::future::LocalBoxFuture<'static, ()>> {
        match self.plan.next_turn_ms() {
            Some(at) => {
                let wait = (at - browser::now_ms()).clamp(0.0, f64::from(u32::MAX));
                TimeoutFuture::new(wait.ceil() as u32).boxed_local().fuse()
            }
            None => futures::future::pending().boxed_local().fuse(),
        }
    }

    async fn write_all(
        &self,
        sink: &mut Sink,
        frames: Vec<ClientFrame<'static>>,
    ) -> Result<(), WebSocketError> {
        for frame in frames {
            sink.send(Message::Text(frame.encode())).await?;
            match frame {
                ClientFrame::Send { room, client_id, .. } => {
                    if let Ok(room) = RoomName::parse(&room) {
                        self.dispatch.dispatch(Action::Sending { room, client_id: client_id.into_owned() });
                    }
                }
                ClientFrame::History { room, .. } => {
                    if let Ok(room) = RoomName::parse(&room) {
                        self.dispatch.dispatch(Action::LoadingOlder(room));
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Turns a server frame into state changes, and says what the
    /// connection does next.
    fn handle_frame(&mut self, text: &str) -> Reply {
        let frame = match ServerFrame::decode(text) {
            Ok(frame) => frame,
            Err(err) => {
                self.dispatch.dispatch(Action::Notify(format!(
                    "The server sent a frame this page cannot read: {err}"
                )));
                return Reply::Write(Vec::new());
            }
        };
        let frames = match frame {
            ServerFrame::Welcome { name, node, max_rooms, max_text_chars, protocol, user } => {
                let name = name.into_owned();
                browser::store_name(&name);
                self.plan.welcomed(protocol);
                self.plan.identified(user.is_some());
                self.dispatch.dispatch(Action::Welcome { name, max_rooms, max_text_chars, protocol });
                if let Some(user) = user {
                    self.dispatch.dispatch(Action::Identified(user.into_owned()));
                }
                self.dispatch.dispatch(Action::SetLink(Link::Live { node: node.into_owned() }));
                return Reply::Welcomed;
            }
            ServerFrame::Joined { room, epoch, history, recovered } => match RoomName::parse(&room) {
                Ok(room) => {
                    let frames = self.plan.joined(&room, epoch.as_deref(), browser::now_ms());
                    self.dispatch.dispatch(Action::Joined { room, history, recovered });
                    frames
                }
                Err(_) => Vec::new(),
            },
            ServerFrame::Left { room } => {
                if let Ok(room) = RoomName::parse(&room) {
                    self.plan.left(&room);
                    self.dispatch.dispatch(Action::Close(room));
                }
                Vec::new()
            }
            ServerFrame::Message(message) => {
                if let Ok(room) = RoomName::parse(&message.room) {
                    self.plan.seen(&room, message.id, message.client_id.as_deref());
                }
                let ours = message.client_id.is_some();
                self.dispatch.dispatch(Action::Received(owned_message(message)));
                // Our copy confirms a paced message: the next one's turn.
                if ours {
                    self.plan.paced(browser::now_ms())
                } else {
                    Vec::new()
                }
            }
            ServerFrame::History { room, messages, more, .. } => {
                if let Ok(room) = RoomName::parse(&room) {
                    self.plan.paged(&room);
                    let messages = messages.into_iter().map(owned_message).collect();
                    self.dispatch.dispatch(Action::Older { room, messages, more });
                }
                Vec::new()
            }
            ServerFrame::Error { code, message, room, client_id, retry_after_ms, id } => {
                let frame = ErrorFrame {
                    code,
                    message: &message,
                    room: room.as_deref(),
                    client_id: client_id.as_deref(),
                    retry_after_ms,
                    id,
                };
                let meaning = error_meaning::classify(&frame, |room| self.plan.awaiting(room));
                let now = browser::now_ms();
                self.plan.heed(&meaning, now, browser::random());
                let stop = meaning.ends_connection();
                // A refused or given-up send frees the turn of a paced one;
                // one to send again waits for the next check instead.
                let next = match &meaning {
                    ErrorMeaning::SendFailed { .. } | ErrorMeaning::SendLater { .. } => self.plan.paced(now),
                    _ => Vec::new(),
                };
                self.dispatch.dispatch(Action::Error(meaning));
                if stop {
                    return Reply::Stop;
                }
                next
            }
            ServerFrame::Gap { room, epoch } => {
                if let Ok(room) = RoomName::parse(&room) {
                    self.plan.gap(&room, &epoch);
                    self.dispatch.dispatch(Action::Gap(room));
                }
                Vec::new()
            }
            ServerFrame::Members { room, members } => self.in_room(&room, |room| {
                let members = members.into_iter().map(owned_member).collect();
                Action::Members { room, members }
            }),
            ServerFrame::Presence { room, changes } => self.in_room(&room, |room| {
                let changes = changes.into_iter().map(owned_member).collect();
                Action::Presence { room, changes }
            }),
            ServerFrame::Typing { room, name } => self.in_room(&room, |room| Action::Typing {
                room,
                name: name.into_owned(),
                now: browser::now_ms(),
            }),
            ServerFrame::Pong { .. } => Vec::new(),
            ServerFrame::Edited { room, id, text, edited_ts, change_id } => {
                if let Ok(room) = RoomName::parse(&room) {
                    let text = text.into_owned();
                    self.plan.changed(&room, id, change_id, &Change::Edit(text.clone()));
                    let edited = ChangeAction::Edited { room, id, text, edited_ts };
                    self.dispatch.dispatch(Action::Change(edited));
                }
                Vec::new()
            }
            ServerFrame::Deleted { room, id, change_id } => {
                if let Ok(room) = RoomName::parse(&room) {
                    self.plan.changed(&room, id, change_id, &Change::Delete);
                    self.dispatch.dispatch(Action::Change(ChangeAction::Deleted { room, id }));
                }
                Vec::new()
            }
        };
        Reply::Write(frames)
    }

    /// Dispatches the action a frame about `room` makes, when the name is
    /// a room name; such frames need no answer.
    fn in_room(&self, room: &str, action: impl FnOnce(RoomName) -> Action) -> Vec<ClientFrame<'static>> {
        if let Ok(room) = RoomName::parse(room) {
            self.dispatch.dispatch(action(room));
        }
        Vec::new()
    }
}

/// What the connection does after a server frame.
enum Reply {
    /// Writes these frames (often none) and carries on.
    Write(Vec<ClientFrame<'static>>),
    /// Carries on, live: the server's `welcome` arrived.
    Welcomed,
    /// Ends the connection and waits for the user: coming back by itself
    /// cannot help ([`ErrorMeaning::ends_connection`]).
    Stop,
}

/// The notice for a connection the server (or the address) refused.
fn refusal_text(code: u16, reason: &str) -> String {
    match (code, reason.is_empty()) {
        (0, _) => format!("Cannot connect: {reason}. Check config.json."),
        (_, true) => format!("The server closed the connection (code {code})."),
        (_, false) => format!("The server closed the connection: {reason}."),
    }
}

/// What woke the connection loop.
enum Event {
    Incoming(Option<Result<Message, WebSocketError>>),
    Command(Option<Command>),
    Tick,
    /// The next paced message may go.
    Turn,
}

fn owned_member(member: MemberCount<'_>) -> MemberCount<'static> {
    MemberCount { name: Cow::Owned(member.name.into_owned()), count: member.count }
}

fn owned_message(message: MessageFrame<'_>) -> MessageFrame<'static> {
    MessageFrame {
        id: message.id,
        room: Cow::Owned(message.room.into_owned()),
        author: Cow::Owned(message.author.into_owned()),
        text: Cow::Owned(message.text.into_owned()),
        ts: message.ts,
        client_id: message.client_id.map(|id| Cow::Owned(id.into_owned())),
        user: message.user.map(|user| Cow::Owned(user.into_owned())),
        edited_ts: message.edited_ts,
        deleted: message.deleted,
    }
}
