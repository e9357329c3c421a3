//! Browser notifications, with a stand-in for the browser's `Notification`
//! (it records what the page shows and how often it asked) and for
//! `document.hidden`: never asked for on load, asked at a click on "Notify
//! me", and then shown only while the page is hidden, for mentions and for
//! rooms that are not muted; a click on one opens its room.

use js_sys::{Array, Function, Reflect};
use roomcast_protocol::RoomName;
use roomcast_web::components::sidebar::Sidebar;
use roomcast_web::context::ChatProvider;
use roomcast_web::state::Action;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlButtonElement};
use yew::prelude::*;

use super::mentions::bob_in;
use super::{find, general, mount, settle, until, ChatSlot, Setup};

/// Replaces the browser's notifications with a recorder whose permission is
/// `permission` until asked, and "granted" once asked.
const STAND_IN: &str = r#"
    window.__realNotification = window.__realNotification || window.Notification;
    window.__shown = [];
    window.__asked = 0;
    window.__permission = PERMISSION;
    window.Notification = class extends EventTarget {
        static get permission() { return window.__permission; }
        static requestPermission() { window.__asked += 1; window.__permission = "granted"; return Promise.resolve("granted"); }
        constructor(title, options) {
            super();
            Object.assign(this, { title, body: options.body, tag: options.tag, data: options.data, closed: false });
            window.__shown.push(this);
        }
        close() { this.closed = true; }
    };
"#;

fn eval(script: &str) -> JsValue {
    Function::new_no_args(script).call0(&JsValue::NULL).expect("the script runs")
}

fn stand_in(permission: &str) {
    eval(&STAND_IN.replace("PERMISSION", &format!("{permission:?}")));
}

fn hide_page(hidden: bool) {
    eval(&format!(
        "Object.defineProperty(document, 'hidden', {{ configurable: true, get: () => {hidden} }});"
    ));
}

fn restore_browser() {
    eval("window.Notification = window.__realNotification; delete document.hidden;");
}

/// (title, body, tag) of each notification shown so far.
fn shown() -> Vec<(String, String, String)> {
    let shown: Array = eval("return window.__shown;").into();
    shown
        .iter()
        .map(|note| {
            let field = |name: &str| {
                Reflect::get(&note, &name.into()).ok().and_then(|v| v.as_string()).unwrap_or_default()
            };
            (field("title"), field("body"), field("tag"))
        })
        .collect()
}

fn asked() -> f64 {
    eval("return window.__asked;").as_f64().unwrap_or_default()
}

#[derive(Properties, PartialEq)]
struct NotifyHarnessProps {
    slot: ChatSlot,
}

/// Ada's room list with #random and #general (shown).
#[function_component(NotifyHarness)]
fn notify_harness(props: &NotifyHarnessProps) -> Html {
    let actions = vec![
        Action::ChooseName("Ada".into()),
        Action::Open(RoomName::parse("random").unwrap()),
        Action::Open(general()),
    ];
    html! {
        <ChatProvider>
            <Setup {actions} slot={props.slot.clone()} />
            <Sidebar open=false on_close={Callback::noop()} />
        </ChatProvider>
    }
}

fn toggle(root: &Element) -> HtmlButtonElement {
    find(root, "#notify-toggle")
}

#[wasm_bindgen_test]
async fn notifications_are_asked_for_only_at_a_click_and_then_shown_while_the_page_is_hidden() {
    stand_in("default");
    let slot = ChatSlot::default();
    let root = mount::<NotifyHarness>(NotifyHarnessProps { slot: slot.clone() }).await;
    until("the rooms are open", || root.query_selector("[data-room='general']").ok().flatten().is_some())
        .await;
    hide_page(true);
    super::dispatch(&slot, bob_in("general", 1, "before asking")).await;
    assert_eq!(asked(), 0.0, "loading the page never asks");
    assert!(shown().is_empty(), "nothing is shown before the user asks");
    assert_eq!(toggle(&root).get_attribute("aria-pressed").as_deref(), Some("false"));

    toggle(&root).click();
    until("notifications are on", || toggle(&root).get_attribute("aria-pressed").as_deref() == Some("true"))
        .await;
    assert_eq!(asked(), 1.0, "the click asked the browser once");
    let stored =
        web_sys::window().unwrap().local_storage().unwrap().unwrap().get_item("roomcast.notify").unwrap();
    assert_eq!(stored.as_deref(), Some("on"));

    super::dispatch(&slot, bob_in("general", 2, "hello Ada")).await;
    super::dispatch(&slot, Action::Mute { room: RoomName::parse("random").unwrap(), muted: true }).await;
    super::dispatch(&slot, bob_in("random", 3, "chatter in a muted room")).await;
    super::dispatch(&slot, bob_in("random", 4, "@Ada but this is for you")).await;
    hide_page(false);
    super::dispatch(&slot, bob_in("general", 5, "seen on screen")).await;
    assert_eq!(
        shown(),
        [
            ("Bob in #general".into(), "hello Ada".into(), "roomcast-room-general".into()),
            (
                "Bob mentioned you in #random".into(),
                "@Ada but this is for you".into(),
                "roomcast-room-random".into()
            ),
        ]
    );

    // A click on the mention brings its room to the screen.
    eval("const note = window.__shown[1]; note.onclick({ target: note });");
    settle().await;
    let current = find::<Element>(&root, "[aria-current='page']");
    assert!(
        current.text_content().unwrap_or_default().contains("random"),
        "the room of the notification is shown"
    );
    assert_eq!(eval("return window.__shown[1].closed;"), JsValue::TRUE, "and the notification is closed");

    toggle(&root).click();
    settle().await;
    assert_eq!(
        toggle(&root).get_attribute("aria-pressed").as_deref(),
        Some("false"),
        "a click turns them off"
    );
    hide_page(true);
    super::dispatch(&slot, bob_in("general", 6, "after turning off")).await;
    assert_eq!(shown().len(), 2);
    restore_browser();
}

#[wasm_bindgen_test]
async fn a_browser_that_refused_says_so_instead_of_offering_the_switch() {
    stand_in("denied");
    let root = mount::<NotifyHarness>(NotifyHarnessProps { slot: ChatSlot::default() }).await;
    assert!(root.query_selector("#notify-toggle").unwrap().is_none());
    let blocked: Element = find(&root, "[data-notify='blocked']");
    assert!(blocked.text_content().unwrap_or_default().contains("blocked"));
    restore_browser();
}
