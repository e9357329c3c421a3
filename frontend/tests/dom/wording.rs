//! Words and small truths: validation messages written for people, a name
//! over 32 characters refused with a message instead of cut, a link to a
//! name that cannot be a room explained, counts with their plural, and
//! notices that can be dismissed and go by themselves, but not from under
//! the pointer or the focus.

use roomcast_protocol::RoomName;
use roomcast_web::components::app::App;
use roomcast_web::components::landing::Landing;
use roomcast_web::components::lobby::Lobby;
use roomcast_web::components::notices::Notices;
use roomcast_web::components::Composer;
use roomcast_web::context::ChatProvider;
use roomcast_web::state::Action;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlButtonElement, HtmlElement, HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

use super::{
    all, find, mount, next_action, settle, text, type_into, type_into_field, until, Scripted, ScriptedProps,
};

#[function_component(LandingHarness)]
fn landing_harness() -> Html {
    html! { <ChatProvider><Landing /></ChatProvider> }
}

async fn submit(root: &Element) {
    find::<HtmlButtonElement>(root, "button[type=submit]").click();
    settle().await;
}

#[wasm_bindgen_test]
async fn the_landing_form_explains_what_is_wrong_in_words_for_people() {
    let root = mount::<LandingHarness>(()).await;
    let name: HtmlInputElement = find(&root, "#name");
    let room: HtmlInputElement = find(&root, "#room");
    type_into_field(&name, "").await;
    type_into_field(&room, "Bad Room!").await;
    submit(&root).await;
    assert_eq!(text(&root, "#name-error"), "Type a name.");
    assert_eq!(text(&root, "#room-error"), "Room names can use letters, digits, - and _ (not spaces).");
    assert_eq!(room.get_attribute("aria-invalid").as_deref(), Some("true"));
    assert_eq!(room.get_attribute("aria-describedby").as_deref(), Some("room-hint room-error"));
}

#[wasm_bindgen_test]
async fn a_name_longer_than_32_characters_is_refused_with_a_message_not_cut() {
    let root = mount::<LandingHarness>(()).await;
    let name: HtmlInputElement = find(&root, "#name");
    let room: HtmlInputElement = find(&root, "#room");
    assert!(!name.has_attribute("maxlength") && !room.has_attribute("maxlength"), "nothing is cut silently");
    let long = "Augusta Ada King, Countess of Lovelace";
    type_into_field(&name, long).await;
    type_into_field(&room, &"r".repeat(33)).await;
    submit(&root).await;
    assert_eq!(name.value(), long, "kept as typed, to be shortened by its owner");
    assert_eq!(text(&root, "#name-error"), "Names can be at most 32 characters.");
    assert_eq!(text(&root, "#room-error"), "Room names can be at most 32 characters.");
}

#[wasm_bindgen_test]
async fn the_room_form_and_the_rename_explain_in_words_too() {
    let actions = vec![Action::ChooseName("Ada".into())];
    let children = html! { <roomcast_web::components::app::ChatLayout /> };
    let root = mount::<Scripted>(ScriptedProps { actions, later: Vec::new(), children }).await;
    let field: HtmlInputElement = find(&root, "#lobby-room");
    assert!(!field.has_attribute("maxlength"));
    type_into_field(&field, "café").await;
    find::<HtmlButtonElement>(&root, "form:has(#lobby-room) button[type=submit]").click();
    settle().await;
    assert_eq!(
        text(&root, "#lobby-room-error"),
        "Room names can use the letters a to z, digits, - and _ (not “é”)."
    );

    find::<HtmlButtonElement>(&root, "#change-name").click();
    until("the rename shows", || root.query_selector("#rename").unwrap().is_some()).await;
    let rename: HtmlInputElement = find(&root, "#rename");
    assert!(!rename.has_attribute("maxlength"));
    type_into_field(&rename, "   ").await;
    find::<HtmlButtonElement>(&root, "form:has(#rename) button[type=submit]").click();
    settle().await;
    assert_eq!(text(&root, "#rename-error"), "Type a name.");
    assert_eq!(rename.get_attribute("aria-invalid").as_deref(), Some("true"));
}

#[wasm_bindgen_test]
async fn a_link_to_a_name_that_cannot_be_a_room_says_why() {
    let history = web_sys::window().unwrap().history().unwrap();
    history.push_state_with_url(&JsValue::NULL, "", Some("/room/Bad%20Room!")).unwrap();
    let root = mount::<App>(()).await;
    until("a notice shows", || root.query_selector("[data-notice]").unwrap().is_some()).await;
    let notice = text(&root, "[data-notice]");
    history.replace_state_with_url(&JsValue::NULL, "", Some("/")).unwrap();
    assert_eq!(
        notice,
        "The link asks for a room called “Bad Room!”, which cannot exist. \
         Room names can use letters, digits, - and _ (not spaces)."
    );
    assert!(root.query_selector("#name").unwrap().is_some(), "the landing page opens");
}

#[wasm_bindgen_test]
async fn counts_are_said_with_their_plural() {
    let general = RoomName::parse("general").unwrap();
    let actions = vec![Action::ChooseName("Ada".into()), Action::Open(general), Action::ShowLobby];
    let later = vec![Action::Open(RoomName::parse("random").unwrap())];
    let children = html! { <Lobby on_menu={Callback::noop()} /> };
    let root = mount::<Scripted>(ScriptedProps { actions, later, children }).await;
    until("the lobby counts one room", || {
        root.query_selector("[data-open-rooms]").unwrap().and_then(|p| p.text_content()).as_deref()
            == Some("You are in 1 room.")
    })
    .await;
    next_action(&root).await;
    assert_eq!(text(&root, "[data-open-rooms]"), "You are in 2 rooms.");

    #[function_component(CountHarness)]
    fn count_harness() -> Html {
        html! { <ChatProvider><Composer room={RoomName::parse("general").unwrap()} max_chars={10} /></ChatProvider> }
    }
    let root = mount::<CountHarness>(()).await;
    let field: HtmlTextAreaElement = find(&root, "#composer");
    let count = || find::<Element>(&root, "#composer-count").get_attribute("aria-label").unwrap_or_default();
    type_into(&field, "123456789").await;
    assert_eq!(count(), "1 character left");
    type_into(&field, "12345678901").await;
    assert_eq!(text(&root, "#composer-help"), "1 character over the limit of 10");
}

/// The notices with a short linger, after `actions`.
async fn notices_after(actions: Vec<Action>, later: Vec<Action>) -> Element {
    let children = html! { <Notices linger_ms={300} /> };
    mount::<Scripted>(ScriptedProps { actions, later, children }).await
}

fn shown(root: &Element) -> Vec<String> {
    all(root, "[data-notice]").into_iter().filter_map(|notice| notice.text_content()).collect()
}

async fn pause(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
}

fn mouse(target: &Element, kind: &str) {
    target.dispatch_event(&web_sys::Event::new(kind).unwrap()).unwrap();
}

#[wasm_bindgen_test]
async fn a_notice_goes_by_itself_unless_it_is_pointed_at_or_focused_or_says_why_the_page_stopped() {
    let root = notices_after(
        vec![Action::Notify("goes by itself".into())],
        vec![Action::Notify("pointed at".into()), Action::Notify("focused".into())],
    )
    .await;
    assert_eq!(shown(&root), ["goes by itself"]);
    until("it goes by itself", || shown(&root).is_empty()).await;

    next_action(&root).await;
    let item: Element = find(&root, "li");
    mouse(&item, "mouseenter");
    pause(700).await;
    assert_eq!(shown(&root), ["pointed at"], "not from under the pointer");
    mouse(&item, "mouseleave");
    until("it goes once the pointer left", || shown(&root).is_empty()).await;

    next_action(&root).await;
    let dismiss: HtmlElement = find(&root, "li button");
    dismiss.focus().unwrap();
    pause(700).await;
    assert_eq!(shown(&root), ["focused"], "not while the focus is in it");
    dismiss.blur().unwrap();
    until("it goes once the focus left", || shown(&root).is_empty()).await;

    let root = notices_after(
        vec![Action::NotifyLasting("The server closed the connection: bye.".into())],
        Vec::new(),
    )
    .await;
    pause(700).await;
    assert_eq!(shown(&root), ["The server closed the connection: bye."], "it says why the page stopped");
    find::<HtmlButtonElement>(&root, "button[aria-label='Dismiss']").click();
    until("Dismiss takes it away", || shown(&root).is_empty()).await;
}
