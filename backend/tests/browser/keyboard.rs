//! The keyboard alone, on a phone (390 px wide): joining a room leaves the
//! focus in the composer; the closed room list is out of the Tab order;
//! ☰ opens it by keyboard, the focus moves in and Tab and Shift+Tab stay
//! inside; Escape closes it and the focus is back on ☰; choosing a room in
//! it puts the focus in that room's composer; renaming takes the focus,
//! Escape cancels it without closing the list, and Save and Cancel show
//! their focus ring.

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use serde_json::Value;

use crate::browser::{Browser, Driver, WebCluster};

/// Where the focus is: the element's id, whether it is in the room list
/// (and in which room's entry), ☰'s `aria-expanded`, whether the list is
/// inert, and the focused element's box shadow (its focus ring).
const FOCUS: &str = "const a = document.activeElement; const rooms = document.getElementById('rooms'); \
     const menu = document.getElementById('menu-button'); \
     return { id: a.id, inRooms: !!a.closest('#rooms'), \
     room: a.closest('[data-room]') ? a.closest('[data-room]').dataset.room : null, \
     text: a.textContent.trim(), expanded: menu ? menu.getAttribute('aria-expanded') : null, \
     inert: rooms ? rooms.inert : null, ring: getComputedStyle(a).boxShadow };";

async fn press(browser: &Browser, key: Key, shift: bool) {
    let mut keys = KeyActions::new("keyboard".into());
    if shift {
        keys = keys.then(KeyAction::Down { value: Key::Shift.into() });
    }
    keys = keys.then(KeyAction::Down { value: key.into() }).then(KeyAction::Up { value: key.into() });
    if shift {
        keys = keys.then(KeyAction::Up { value: Key::Shift.into() });
    }
    browser.client.perform_actions(keys).await.expect("press a key");
}

async fn focus(browser: &mut Browser) -> Value {
    browser.client.execute(FOCUS, Vec::new()).await.expect("read the focus")
}

async fn wait_for_focus(browser: &mut Browser, what: &str, accept: impl Fn(&Value) -> bool) -> Value {
    browser.wait_for(what, FOCUS, |value| accept(value).then(|| value.clone())).await
}

/// Presses Tab (or Shift+Tab) until the focus satisfies `accept`, at most
/// `most` times; every stop on the way must satisfy `along`.
async fn tab_until(
    browser: &mut Browser,
    what: &str,
    backwards: bool,
    along: impl Fn(&Value) -> bool,
    accept: impl Fn(&Value) -> bool,
) {
    for _ in 0..20 {
        let here = focus(browser).await;
        if accept(&here) {
            return;
        }
        assert!(along(&here), "on the way to {what}, the focus stopped at {here}");
        press(browser, Key::Tab, backwards).await;
    }
    browser.screenshot(&format!("no-{}", what.replace(' ', "-"))).await;
    panic!("Tab never reached {what}; the focus is at {}", focus(browser).await);
}

/// Shift+Tab back from the composer to ☰ (never through the closed list),
/// and Enter: the list opens with the focus in it.
async fn open_the_list(browser: &mut Browser) {
    let outside = |value: &Value| value["inRooms"] == false;
    tab_until(browser, "the menu button", true, outside, id_is("menu-button")).await;
    press(browser, Key::Enter, false).await;
    wait_for_focus(browser, "the list opens", |v| v["inRooms"] == true).await;
}

fn id_is(id: &'static str) -> impl Fn(&Value) -> bool {
    move |value| value["id"] == id
}

fn anywhere(_: &Value) -> bool {
    true
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_phone_the_room_list_works_with_the_keyboard_alone() {
    let cluster = WebCluster::start(1).await;
    let driver = Driver::start().await;
    let mut ada = driver.browser("keyboard", "ada").await;
    ada.client.set_window_size(390, 844).await.expect("resize to a phone's width");
    ada.open(&cluster.url(0, "/")).await;
    ada.enter("Ada", "general").await;
    ada.wait_for_link("live").await;
    wait_for_focus(&mut ada, "the composer has the focus after joining", id_is("composer")).await;
    let closed = focus(&mut ada).await;
    assert_eq!((closed["expanded"].as_str(), closed["inert"].as_bool()), (Some("false"), Some(true)));

    // Back from the composer to ☰: the closed list is never on the way.
    let outside = |value: &Value| value["inRooms"] == false;
    tab_until(&mut ada, "the menu button", true, outside, id_is("menu-button")).await;
    press(&ada, Key::Enter, false).await;
    let open =
        wait_for_focus(&mut ada, "the list opens with the focus in it", |v| v["inRooms"] == true).await;
    assert_eq!(open["expanded"], "true");
    ada.screenshot("drawer-open").await;

    // Tab and Shift+Tab go round inside the open list.
    for backwards in [false, true] {
        for _ in 0..12 {
            press(&ada, Key::Tab, backwards).await;
            let here = focus(&mut ada).await;
            assert_eq!(here["inRooms"], true, "Tab left the open list (backwards: {backwards}): {here}");
        }
    }

    // Escape closes it and gives the focus back to ☰.
    press(&ada, Key::Escape, false).await;
    let back = wait_for_focus(&mut ada, "Escape closes the list", |v| v["expanded"] == "false").await;
    assert_eq!((back["id"].as_str(), back["inert"].as_bool()), (Some("menu-button"), Some(true)));

    // Join #random from the list: its composer has the focus.
    press(&ada, Key::Enter, false).await;
    wait_for_focus(&mut ada, "the list opens", |v| v["inRooms"] == true).await;
    tab_until(&mut ada, "the join field", false, anywhere, id_is("sidebar-room")).await;
    let field = ada.client.active_element().await.expect("the focused field");
    field.send_keys("random\u{E007}").await.expect("type a room and press Enter");
    ada.wait_in_room("random").await;
    let joined = wait_for_focus(&mut ada, "the new room's composer has the focus", id_is("composer")).await;
    assert_eq!(joined["expanded"], "false", "the list closed");

    // Choose #general in the list: its composer has the focus.
    open_the_list(&mut ada).await;
    tab_until(&mut ada, "#general in the list", false, anywhere, |v| v["room"] == "general").await;
    press(&ada, Key::Enter, false).await;
    ada.wait_in_room("general").await;
    let chosen = wait_for_focus(&mut ada, "#general's composer has the focus", id_is("composer")).await;
    assert_eq!(chosen["expanded"], "false", "the list closed");

    // Rename: the field takes the focus; Escape cancels the rename only.
    open_the_list(&mut ada).await;
    tab_until(&mut ada, "Change", false, anywhere, id_is("change-name")).await;
    press(&ada, Key::Enter, false).await;
    wait_for_focus(&mut ada, "the name field has the focus", id_is("rename")).await;
    press(&ada, Key::Escape, false).await;
    let cancelled = wait_for_focus(&mut ada, "the focus is back on Change", id_is("change-name")).await;
    assert_eq!(cancelled["expanded"], "true", "the list is still open");

    // Save and Cancel show a focus ring when the keyboard reaches them.
    press(&ada, Key::Enter, false).await;
    wait_for_focus(&mut ada, "the name field has the focus", id_is("rename")).await;
    for name in ["Save", "Cancel"] {
        press(&ada, Key::Tab, false).await;
        let here = focus(&mut ada).await;
        assert_eq!(here["text"], name);
        let ring = here["ring"].as_str().unwrap_or("none");
        assert!(ring != "none" && !ring.is_empty(), "{name} shows no focus ring: {ring}");
        ada.screenshot(&format!("focus-{}", name.to_lowercase())).await;
    }

    // Escape twice: the rename, then the list; the focus is back on ☰.
    press(&ada, Key::Escape, false).await;
    wait_for_focus(&mut ada, "the rename is cancelled", id_is("change-name")).await;
    press(&ada, Key::Escape, false).await;
    let done = wait_for_focus(&mut ada, "the list closes", |v| v["expanded"] == "false").await;
    assert_eq!(done["id"], "menu-button");
    ada.screenshot("drawer-closed").await;
    ada.close().await;
}
