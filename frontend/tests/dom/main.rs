//! Components rendered into a real DOM in headless Chromium
//! (`wasm-bindgen-test`; scripts/test.sh runs them). They check what a user
//! sees and can do: the composer's limit and keys, how messages show whose
//! they are and how far they got, the message list's markers and its scroll
//! position when older messages arrive, and the connection badge; in
//! `drawer.rs`, the side panels that are drawers on narrow screens; in
//! `people.rs`, the member list and the typing line; in `text.rs`, other
//! people's words kept from acting as markup or reordering the page; in
//! `links.rs`, links in messages; in `mentions.rs`, mentions, their
//! autocomplete, mute and the mention badge; in `notifications.rs`, the
//! browser notifications (with a stand-in for the browser's API); in
//! `edits.rs`, editing and deleting our own messages.
#![cfg(target_arch = "wasm32")]

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use gloo_timers::future::TimeoutFuture;
use roomcast_protocol::{MessageId, RoomName};
use roomcast_web::components::button::{Button, Variant};
use roomcast_web::components::{Composer, MessageItem, MessageList, StatusBadge};
use roomcast_web::context::{use_chat, Chat, ChatProvider};
use roomcast_web::state::{Action, Delivery, Entry, Older, RoomState};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, EventInit, HtmlButtonElement, HtmlTextAreaElement, KeyboardEvent, KeyboardEventInit};
use yew::prelude::*;

wasm_bindgen_test_configure!(run_in_browser);

mod drawer;
mod edits;
mod keyboard;
mod links;
mod mentions;
mod notifications;
mod people;
mod reading;
mod sending;
mod text;
mod wording;

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// Renders `C` into a fresh element on the page and returns that element.
/// Storage starts empty, so no test sees what another remembered.
async fn mount<C>(props: C::Properties) -> Element
where
    C: BaseComponent,
{
    forget_everything();
    mount_again::<C>(props).await
}

fn forget_everything() {
    web_sys::window().unwrap().local_storage().unwrap().unwrap().clear().unwrap();
}

/// Like [`mount`], keeping what the page remembered. Earlier tests' roots
/// leave the page, so that ids (`#composer`, ...) name this test's elements.
async fn mount_again<C>(props: C::Properties) -> Element
where
    C: BaseComponent,
{
    for earlier in all(&document().body().unwrap(), "[data-test-root]") {
        earlier.remove();
    }
    let root = document().create_element("div").unwrap();
    root.set_attribute("data-test-root", "").unwrap();
    document().body().unwrap().append_child(&root).unwrap();
    SCRIPTS.with(|scripts| scripts.set((0, 0)));
    yew::Renderer::<C>::with_root_and_props(root.clone(), props).render();
    settle().await;
    // A harness that puts its chat into a state (a `Setup` or `Script`)
    // does so in an effect after its first render; a busy machine can delay
    // that past the settle, and a test would then act on the state before.
    until("the harness's first render and its actions", || {
        let (started, applied) = SCRIPTS.with(Cell::get);
        root.has_child_nodes() && started == applied
    })
    .await;
    settle().await;
    root
}

thread_local! {
    /// Harnesses of the mounted root that dispatch actions when they first
    /// render: how many rendered, and how many have dispatched theirs.
    static SCRIPTS: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
}

/// Counts a scripted harness in when it first renders, and returns what its
/// effect calls once its actions are dispatched.
#[hook]
fn use_scripted() -> impl Fn() {
    use_state(|| SCRIPTS.with(|scripts| scripts.set((scripts.get().0 + 1, scripts.get().1))));
    || SCRIPTS.with(|scripts| scripts.set((scripts.get().0, scripts.get().1 + 1)))
}

/// Lets Yew apply pending renders.
async fn settle() {
    TimeoutFuture::new(30).await;
}

/// Waits until `done` holds (up to two seconds): renders and effects run on
/// Yew's schedule, which a busy machine may stretch.
async fn until(what: &str, done: impl Fn() -> bool) {
    for _ in 0..100 {
        if done() {
            return;
        }
        TimeoutFuture::new(20).await;
    }
    panic!("timed out waiting until {what}");
}

fn find<T: JsCast>(root: &Element, css: &str) -> T {
    root.query_selector(css).unwrap().unwrap_or_else(|| panic!("no {css}")).dyn_into::<T>().unwrap()
}

/// Every element under `root` that matches `css`, in document order.
fn all(root: &Element, css: &str) -> Vec<Element> {
    let list = root.query_selector_all(css).unwrap();
    (0..list.length()).filter_map(|i| list.item(i)?.dyn_into::<Element>().ok()).collect()
}

/// Where a [`Setup`] puts the chat, for a test to dispatch to later.
type ChatSlot = Rc<RefCell<Option<Chat>>>;

#[derive(Properties, PartialEq)]
struct SetupProps {
    /// Dispatched once, in order, after the first render.
    actions: Vec<Action>,
    #[prop_or_default]
    slot: ChatSlot,
}

/// Puts the enclosing chat into a state by dispatching actions, as the
/// connection would (the connection itself stays idle: no name was sent).
#[function_component(Setup)]
fn setup(props: &SetupProps) -> Html {
    let chat = use_chat();
    *props.slot.borrow_mut() = Some(chat.clone());
    let actions = props.actions.clone();
    let applied = use_scripted();
    use_effect_with((), move |()| {
        for action in actions {
            chat.state.dispatch(action);
        }
        applied();
    });
    html! {}
}

/// Dispatches `action` to the chat a [`Setup`] put into `slot`.
async fn dispatch(slot: &ChatSlot, action: Action) {
    slot.borrow().as_ref().expect("the setup rendered").state.dispatch(action);
    settle().await;
}

fn general() -> RoomName {
    RoomName::parse("general").unwrap()
}

fn text(root: &Element, css: &str) -> String {
    find::<Element>(root, css).text_content().unwrap_or_default()
}

async fn type_into(field: &HtmlTextAreaElement, value: &str) {
    field.set_value(value);
    input_event(field).await;
}

/// Types `value` into a one-line field.
async fn type_into_field(field: &web_sys::HtmlInputElement, value: &str) {
    field.set_value(value);
    input_event(field).await;
}

/// What the browser tells a field after each keystroke.
async fn input_event(field: &web_sys::EventTarget) {
    let init = EventInit::new();
    init.set_bubbles(true);
    let event = web_sys::Event::new_with_event_init_dict("input", &init).unwrap();
    field.dispatch_event(&event).unwrap();
    settle().await;
}

/// A key press on `target` (it bubbles, as a real one does).
async fn press(target: &web_sys::EventTarget, key: &str, shift: bool) {
    let init = KeyboardEventInit::new();
    init.set_key(key);
    init.set_shift_key(shift);
    init.set_bubbles(true);
    init.set_cancelable(true);
    let event = KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    target.dispatch_event(&event).unwrap();
    settle().await;
}

#[derive(Properties, PartialEq)]
struct ScriptedProps {
    /// Dispatched once, in order, when the harness mounts.
    actions: Vec<Action>,
    /// Dispatched one at a time by [`next_action`].
    #[prop_or_default]
    later: Vec<Action>,
    #[prop_or_default]
    children: Html,
}

/// `children` inside a chat provider whose state first goes through
/// `actions`, as if the connection and the user had done them.
#[function_component(Scripted)]
fn scripted(props: &ScriptedProps) -> Html {
    html! {
        <ChatProvider>
            <Script actions={props.actions.clone()} later={props.later.clone()} />
            { props.children.clone() }
        </ChatProvider>
    }
}

#[derive(Properties, PartialEq)]
struct ScriptProps {
    actions: Vec<Action>,
    later: Vec<Action>,
}

#[function_component(Script)]
fn script(props: &ScriptProps) -> Html {
    let chat = use_chat();
    let done = use_mut_ref(|| 0);
    let applied = use_scripted();
    {
        let (chat, actions) = (chat.clone(), props.actions.clone());
        use_effect_with((), move |()| {
            for action in actions {
                chat.state.dispatch(action);
            }
            applied();
        });
    }
    let later = props.later.clone();
    let next = Callback::from(move |_: MouseEvent| {
        let index = *done.borrow();
        if let Some(action) = later.get(index) {
            *done.borrow_mut() += 1;
            chat.state.dispatch(action.clone());
        }
    });
    html! { <button hidden=true data-script-next="" onclick={next}></button> }
}

/// Dispatches the next of the harness's `later` actions.
async fn next_action(root: &Element) {
    find::<HtmlButtonElement>(root, "[data-script-next]").click();
    settle().await;
}

#[derive(Properties, PartialEq)]
struct ComposerHarnessProps {
    max_chars: usize,
}

#[function_component(ComposerHarness)]
fn composer_harness(props: &ComposerHarnessProps) -> Html {
    html! {
        <ChatProvider>
            <Composer room={RoomName::parse("general").unwrap()} max_chars={props.max_chars} />
        </ChatProvider>
    }
}

#[wasm_bindgen_test]
async fn the_composer_shows_the_limit_and_refuses_empty_or_long_drafts() {
    let root = mount::<ComposerHarness>(ComposerHarnessProps { max_chars: 10 }).await;
    let field: HtmlTextAreaElement = find(&root, "#composer");
    let send: HtmlButtonElement = find(&root, "#send");
    assert_eq!(text(&root, "#composer-count"), "0 / 10");
    assert!(send.disabled(), "an empty draft cannot be sent");
    assert_eq!(field.placeholder(), "Message #general");

    type_into(&field, "   ").await;
    assert!(send.disabled(), "a blank draft cannot be sent");

    type_into(&field, "hello").await;
    assert_eq!(text(&root, "#composer-count"), "5 / 10");
    assert!(!send.disabled());

    type_into(&field, "hello world!").await;
    assert_eq!(text(&root, "#composer-count"), "12 / 10");
    assert!(send.disabled(), "an over-long draft cannot be sent");
    assert!(text(&root, "#composer-help").contains("2 characters over the limit of 10"));
    assert_eq!(field.get_attribute("aria-invalid").as_deref(), Some("true"));
}

#[wasm_bindgen_test]
async fn enter_sends_and_shift_enter_keeps_writing() {
    let root = mount::<ComposerHarness>(ComposerHarnessProps { max_chars: 2000 }).await;
    let field: HtmlTextAreaElement = find(&root, "#composer");

    type_into(&field, "first line").await;
    press(&field, "Enter", true).await;
    assert_eq!(field.value(), "first line", "Shift+Enter does not send");

    press(&field, "Enter", false).await;
    assert_eq!(field.value(), "", "Enter sent the draft and emptied the field");
    assert_eq!(text(&root, "#composer-count"), "0 / 2000");

    press(&field, "Enter", false).await;
    assert_eq!(field.value(), "", "Enter on an empty field does nothing");
}

#[wasm_bindgen_test]
async fn a_draft_survives_a_reload() {
    let root = mount::<ComposerHarness>(ComposerHarnessProps { max_chars: 2000 }).await;
    type_into(&find(&root, "#composer"), "half a thought").await;
    root.remove();

    // A new provider is what a reload makes: it reads the drafts back.
    let root = mount_again::<ComposerHarness>(ComposerHarnessProps { max_chars: 2000 }).await;
    let field: HtmlTextAreaElement = find(&root, "#composer");
    assert_eq!(field.value(), "half a thought");
    press(&field, "Enter", false).await;
    root.remove();
    let root = mount_again::<ComposerHarness>(ComposerHarnessProps { max_chars: 2000 }).await;
    assert_eq!(find::<HtmlTextAreaElement>(&root, "#composer").value(), "", "a sent draft is forgotten");
}

#[derive(Properties, PartialEq)]
struct ItemHarnessProps {
    entry: Rc<Entry>,
}

#[function_component(ItemHarness)]
fn item_harness(props: &ItemHarnessProps) -> Html {
    html! {
        <ChatProvider>
            <ol><MessageItem room={RoomName::parse("general").unwrap()} entry={props.entry.clone()} /></ol>
        </ChatProvider>
    }
}

fn entry(author: &str, client_id: Option<&str>, delivery: Delivery) -> Rc<Entry> {
    Rc::new(Entry {
        id: Some(MessageId::new(1_764_480_000_000, 0)),
        client_id: client_id.map(str::to_owned),
        sent_here: false,
        author: author.into(),
        text: "two\nlines".into(),
        ts: 1_764_480_000_000.0,
        delivery,
        revision: Default::default(),
    })
}

#[wasm_bindgen_test]
async fn other_peoples_messages_show_their_author_on_the_left() {
    let root = mount::<ItemHarness>(ItemHarnessProps { entry: entry("Bob", None, Delivery::Sent) }).await;
    let item: Element = find(&root, "li");
    assert_eq!(item.get_attribute("data-mine").as_deref(), Some("false"));
    assert!(item.class_list().contains("items-start"));
    assert!(item.text_content().unwrap().contains("Bob"));
    assert_eq!(text(&root, "[data-text]"), "two\nlines", "line breaks are kept");
}

#[wasm_bindgen_test]
async fn our_own_messages_sit_on_the_right_and_say_how_far_they_got() {
    let root =
        mount::<ItemHarness>(ItemHarnessProps { entry: entry("Ada", Some("c1-1"), Delivery::Queued) }).await;
    let item: Element = find(&root, "li");
    assert_eq!(item.get_attribute("data-mine").as_deref(), Some("true"));
    assert!(item.class_list().contains("items-end"));
    assert!(item.text_content().unwrap().contains("You"));
    assert!(item.text_content().unwrap().contains("Queued: sends when connected"));

    let failed = Delivery::Failed("Not sent: you are sending too fast.".into());
    let root = mount::<ItemHarness>(ItemHarnessProps { entry: entry("Ada", Some("c1-2"), failed) }).await;
    let content = root.text_content().unwrap();
    assert!(content.contains("Not sent: you are sending too fast."));
    let buttons: Vec<String> = {
        let list = root.query_selector_all("button").unwrap();
        (0..list.length()).filter_map(|i| list.item(i)).filter_map(|b| b.text_content()).collect()
    };
    assert_eq!(buttons, ["Retry", "Discard"]);
}

#[wasm_bindgen_test]
async fn the_badge_says_not_connected_before_a_name_is_chosen() {
    #[function_component(BadgeHarness)]
    fn badge_harness() -> Html {
        html! { <ChatProvider><StatusBadge /></ChatProvider> }
    }
    let root = mount::<BadgeHarness>(()).await;
    let label: Element = find(&root, "[data-link]");
    assert_eq!(label.get_attribute("data-link").as_deref(), Some("idle"));
    assert_eq!(label.text_content().as_deref(), Some("Not connected"));
    assert!(root.query_selector("button").unwrap().is_none(), "nothing to retry yet");
}

#[wasm_bindgen_test]
async fn buttons_are_plain_buttons_with_a_focus_ring_unless_told_otherwise() {
    #[function_component(ButtonsHarness)]
    fn buttons_harness() -> Html {
        let clicks = use_state(|| 0);
        let on_click = {
            let clicks = clicks.clone();
            Callback::from(move |()| clicks.set(*clicks + 1))
        };
        html! {
            <form>
                <Button label="Close" {on_click} class="p-1">{ "✕" }</Button>
                <Button variant={Variant::Primary} submit=true id="go">{ "Go" }</Button>
                <Button variant={Variant::Quiet} current=true>{ "#general" }</Button>
                <output>{ *clicks }</output>
            </form>
        }
    }
    let root = mount::<ButtonsHarness>(()).await;
    let close: HtmlButtonElement = find(&root, "button[aria-label='Close']");
    assert_eq!(close.type_(), "button", "clicking it does not submit the form");
    assert!(close.class_list().contains("focus-visible:ring-2"));
    assert!(close.class_list().contains("p-1"), "the caller's shape is kept");
    assert!(close.get_attribute("aria-current").is_none());
    close.click();
    settle().await;
    assert_eq!(text(&root, "output"), "1", "on_click fired");

    let go: HtmlButtonElement = find(&root, "#go");
    assert_eq!(go.type_(), "submit");
    assert!(go.class_list().contains("bg-accent-600"));

    let current: Element = find(&root, "[aria-current='page']");
    assert_eq!(current.text_content().as_deref(), Some("#general"));
}

#[derive(Properties, PartialEq)]
struct ListHarnessProps {
    room: Rc<RoomState>,
    /// Where the list's requests for older messages are written down.
    asked: Rc<RefCell<Vec<MessageId>>>,
}

#[function_component(ListHarness)]
fn list_harness(props: &ListHarnessProps) -> Html {
    let asked = props.asked.clone();
    let on_load_older = Callback::from(move |before| asked.borrow_mut().push(before));
    html! {
        <ChatProvider>
            <MessageList room={props.room.clone()} {on_load_older} />
        </ChatProvider>
    }
}

/// #general, joined, with Bob's messages `seqs` (ids `<seq>-0`).
fn room_with(seqs: impl IntoIterator<Item = u64>, older: Older) -> RoomState {
    let mut room = RoomState::new(RoomName::parse("general").unwrap());
    room.joined = true;
    room.older = older;
    room.entries = seqs
        .into_iter()
        .map(|seq| {
            Rc::new(Entry {
                id: Some(MessageId::new(seq, 0)),
                client_id: None,
                sent_here: false,
                author: "Bob".into(),
                // Far apart, so every message has its own header.
                ts: seq as f64 * 3_600_000.0,
                text: format!("message {seq}"),
                delivery: Delivery::Sent,
                revision: Default::default(),
            })
        })
        .collect::<VecDeque<_>>();
    room
}

/// The test page has no Tailwind: give the list the height and scrolling
/// its classes give it in the app.
fn style_the_list() {
    let style = document().create_element("style").unwrap();
    style.set_text_content(Some(
        "#messages { display: block; height: 300px; overflow-y: auto; } \
         #messages h2 { margin: 0; font: 12px/16px sans-serif; }",
    ));
    document().head().unwrap().append_child(&style).unwrap();
}

fn top_marker(root: &Element) -> (String, String) {
    let top: Element = find(root, "[data-top]");
    (top.get_attribute("data-top").unwrap_or_default(), top.text_content().unwrap_or_default())
}

#[wasm_bindgen_test]
async fn the_top_of_the_list_says_whether_older_messages_are_coming_or_this_is_the_beginning() {
    let asked = Rc::new(RefCell::new(Vec::new()));
    for (older, state, words) in [
        (Older::Loading, "loading", "Loading earlier messages…"),
        (Older::Complete, "beginning", "Beginning of the room's history"),
        (Older::More, "more", ""),
    ] {
        let room = Rc::new(room_with(1..=3, older));
        let root = mount::<ListHarness>(ListHarnessProps { room, asked: asked.clone() }).await;
        assert_eq!(top_marker(&root), (state.to_owned(), words.to_owned()));
    }
}

#[wasm_bindgen_test]
async fn a_line_marks_where_a_reconnect_could_not_recover_messages() {
    let mut room = room_with(1..=4, Older::Complete);
    room.gaps.push(MessageId::new(2, 0));
    let asked = Rc::new(RefCell::new(Vec::new()));
    let root = mount::<ListHarness>(ListHarnessProps { room: Rc::new(room), asked }).await;
    let lines: Vec<String> = {
        let list = root.query_selector_all("#messages > li").unwrap();
        (0..list.length())
            .filter_map(|i| list.item(i)?.dyn_into::<Element>().ok())
            .filter(|li| !li.has_attribute("data-day"))
            .map(|li| match li.get_attribute("data-author") {
                Some(_) => text(&li, "[data-text]"),
                None => li.get_attribute("data-gap").map_or("top".into(), |_| "gap".into()),
            })
            .collect()
    };
    assert_eq!(lines, ["top", "message 1", "message 2", "gap", "message 3", "message 4"]);
    assert!(text(&root, "[data-gap]").contains("could not be recovered"));
}

#[wasm_bindgen_test]
async fn reaching_the_top_asks_for_older_messages_and_they_arrive_without_moving_the_view() {
    style_the_list();
    let asked = Rc::new(RefCell::new(Vec::new()));
    forget_everything();
    let root = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&root).unwrap();
    let first = ListHarnessProps { room: Rc::new(room_with(100..140, Older::More)), asked: asked.clone() };
    let mut app = yew::Renderer::<ListHarness>::with_root_and_props(root.clone(), first).render();
    until("the list shows its messages", || root.query_selector("#messages").ok().flatten().is_some()).await;
    let list: Element = find(&root, "#messages");
    until("it starts at the newest message", || list.scroll_top() > 0).await;

    list.set_scroll_top(0);
    list.dispatch_event(&web_sys::Event::new("scroll").unwrap()).unwrap();
    settle().await;
    // Every scroll event at the top asks (the connection sends one request
    // per room at a time), always for what is older than the oldest shown.
    let asks = asked.borrow().clone();
    assert!(!asks.is_empty() && asks.iter().all(|before| *before == MessageId::new(100, 0)), "{asks:?}");

    // The reader looks at message 100; twenty older ones arrive above it.
    let anchor = find::<web_sys::HtmlElement>(&root, "li[data-author]");
    assert_eq!(text(&anchor, "[data-text]"), "message 100");
    let seen_at = anchor.offset_top() - list.scroll_top();
    app.update(ListHarnessProps { room: Rc::new(room_with(80..140, Older::Complete)), asked: asked.clone() });
    let lines = || root.query_selector_all("li[data-author]").unwrap().length();
    until("the older messages show", || lines() == 60).await;
    settle().await;
    let same = root
        .query_selector_all("li[data-author]")
        .unwrap()
        .item(20)
        .and_then(|node| node.dyn_into::<web_sys::HtmlElement>().ok())
        .unwrap();
    assert_eq!(text(&same, "[data-text]"), "message 100");
    assert_eq!(same.offset_top() - list.scroll_top(), seen_at, "message 100 did not move");
    assert_eq!(top_marker(&root).0, "beginning");
    assert_eq!(asked.borrow().len(), asks.len(), "nothing more is asked for at the beginning");
}
