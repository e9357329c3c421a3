//! Components rendered into a real DOM in headless Chromium
//! (`wasm-bindgen-test`; scripts/test.sh runs them). They check what a user
//! sees and can do: the composer's limit and keys, how messages show whose
//! they are and how far they got, and the connection badge.
#![cfg(target_arch = "wasm32")]

use std::rc::Rc;

use gloo_timers::future::TimeoutFuture;
use roomcast_protocol::{MessageId, RoomName};
use roomcast_web::components::button::{Button, Variant};
use roomcast_web::components::{Composer, MessageItem, StatusBadge};
use roomcast_web::context::ChatProvider;
use roomcast_web::state::{Delivery, Entry};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, EventInit, HtmlButtonElement, HtmlTextAreaElement, KeyboardEvent, KeyboardEventInit};
use yew::prelude::*;

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// Renders `C` into a fresh element on the page and returns that element.
async fn mount<C>(props: C::Properties) -> Element
where
    C: BaseComponent,
{
    let root = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&root).unwrap();
    yew::Renderer::<C>::with_root_and_props(root.clone(), props).render();
    settle().await;
    root
}

/// Lets Yew apply pending renders.
async fn settle() {
    TimeoutFuture::new(30).await;
}

fn find<T: JsCast>(root: &Element, css: &str) -> T {
    root.query_selector(css).unwrap().unwrap_or_else(|| panic!("no {css}")).dyn_into::<T>().unwrap()
}

fn text(root: &Element, css: &str) -> String {
    find::<Element>(root, css).text_content().unwrap_or_default()
}

async fn type_into(field: &HtmlTextAreaElement, value: &str) {
    field.set_value(value);
    let init = EventInit::new();
    init.set_bubbles(true);
    let event = web_sys::Event::new_with_event_init_dict("input", &init).unwrap();
    field.dispatch_event(&event).unwrap();
    settle().await;
}

async fn press(field: &HtmlTextAreaElement, key: &str, shift: bool) {
    let init = KeyboardEventInit::new();
    init.set_key(key);
    init.set_shift_key(shift);
    init.set_bubbles(true);
    init.set_cancelable(true);
    let event = KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    field.dispatch_event(&event).unwrap();
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
        author: author.into(),
        text: "two\nlines".into(),
        ts: 1_764_480_000_000.0,
        delivery,
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
