//! The few browser APIs the app uses (location, history, localStorage, the
//! clock, randomness, online state, media queries, focus, the page's
//! visibility and notifications), wrapped so the rest of the code never
//! touches `web_sys` directly and never panics when one is missing (private
//! windows may refuse storage, for example).

use std::collections::{BTreeSet, HashMap};

use roomcast_protocol::RoomName;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Notification, NotificationOptions, NotificationPermission};

use crate::notify::{Alert, Permission};

use crate::own_ids::OwnIds;
use crate::prefs::{self, OpenRooms};
use crate::route::Route;

const NAME_KEY: &str = "roomcast.name";
const RECENT_KEY: &str = "roomcast.recent_rooms";
const OPEN_KEY: &str = "roomcast.open_rooms";
const DRAFTS_KEY: &str = "roomcast.drafts";
const OWN_IDS_KEY: &str = "roomcast.own_ids";
const MUTED_KEY: &str = "roomcast.muted";
const NOTIFY_KEY: &str = "roomcast.notify";

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

fn storage() -> Option<web_sys::Storage> {
    window()?.local_storage().ok().flatten()
}

fn read(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

fn write(key: &str, value: &str) {
    if let Some(storage) = storage() {
        // Storage can be full or refused; the value is then simply not
        // remembered (the name is asked for next time, and so on).
        let _ = storage.set_item(key, value);
    }
}

pub fn stored_name() -> Option<String> {
    read(NAME_KEY).filter(|name| !name.trim().is_empty())
}

pub fn store_name(name: &str) {
    write(NAME_KEY, name);
}

pub fn recent_rooms() -> Vec<RoomName> {
    read(RECENT_KEY).map(|s| prefs::parse_recent(&s)).unwrap_or_default()
}

pub fn remember_room(room: &RoomName) {
    let mut recent = recent_rooms();
    prefs::remember_room(&mut recent, room);
    write(RECENT_KEY, &prefs::format_recent(&recent));
}

/// The rooms that were open when the page was last used.
pub fn open_rooms() -> OpenRooms {
    read(OPEN_KEY).map(|s| prefs::parse_open_rooms(&s)).unwrap_or_default()
}

pub fn store_open_rooms(open: &OpenRooms) {
    write(OPEN_KEY, &prefs::format_open_rooms(open));
}

pub fn drafts() -> HashMap<RoomName, String> {
    read(DRAFTS_KEY).map(|s| prefs::parse_drafts(&s)).unwrap_or_default()
}

pub fn store_drafts(drafts: &HashMap<RoomName, String>) {
    write(DRAFTS_KEY, &prefs::format_drafts(drafts));
}

/// The server ids of messages this device sent ([`crate::own_ids`]).
pub fn own_ids() -> OwnIds {
    read(OWN_IDS_KEY).map(|s| OwnIds::parse(&s)).unwrap_or_default()
}

/// Stores `ids` together with what another tab may have stored meanwhile.
pub fn store_own_ids(ids: &OwnIds) {
    let mut stored = own_ids();
    stored.merge(ids);
    write(OWN_IDS_KEY, &stored.format());
}

/// The address's path, with `%20` and the like decoded.
fn current_path() -> Option<String> {
    let path = window()?.location().pathname().ok()?;
    Some(js_sys::decode_uri_component(&path).ok().and_then(|decoded| decoded.as_string()).unwrap_or(path))
}

/// The rooms the user muted.
pub fn muted_rooms() -> BTreeSet<RoomName> {
    read(MUTED_KEY).map(|s| prefs::parse_muted(&s)).unwrap_or_default()
}

pub fn store_muted_rooms(muted: &BTreeSet<RoomName>) {
    write(MUTED_KEY, &prefs::format_muted(muted));
}

/// Whether the user asked for notifications on this device.
pub fn notifications_wanted() -> bool {
    read(NOTIFY_KEY).is_some_and(|s| prefs::parse_notify(&s))
}

pub fn store_notifications_wanted(wanted: bool) {
    write(NOTIFY_KEY, prefs::format_notify(wanted));
}

/// Whether the page is out of sight (another tab, a minimised window);
/// `false` when the browser cannot tell.
pub fn page_hidden() -> bool {
    window().and_then(|w| w.document()).is_some_and(|d| d.hidden())
}

pub fn focus_window() {
    if let Some(window) = window() {
        let _ = window.focus();
    }
}

fn notifications_exist() -> bool {
    window().is_some_and(|w| js_sys::Reflect::has(&w, &JsValue::from_str("Notification")).unwrap_or(false))
}

/// What the browser allows about notifications for this page.
pub fn notification_permission() -> Permission {
    if !notifications_exist() {
        return Permission::Unsupported;
    }
    match Notification::permission() {
        NotificationPermission::Granted => Permission::Granted,
        NotificationPermission::Denied => Permission::Denied,
        _ => Permission::Ask,
    }
}

/// Asks the browser for permission to notify (it may show its prompt; call
/// it only from a click), and says what it answered.
pub async fn request_notification_permission() -> Permission {
    if !notifications_exist() {
        return Permission::Unsupported;
    }
    if let Ok(promise) = Notification::request_permission() {
        // The answer is read back below; a refusal is a permission, not an error.
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }
    notification_permission()
}

/// The one click handler of every notification: it brings the window to
/// the front, closes the notification and hands on the room it was about.
/// Keep it as long as notifications may be clicked.
pub struct NotificationClicks(Closure<dyn Fn(web_sys::Event)>);

impl NotificationClicks {
    pub fn new(on_room: impl Fn(String) + 'static) -> Self {
        NotificationClicks(Closure::new(move |event: web_sys::Event| {
            focus_window();
            let notification = event.target().and_then(|target| target.dyn_into::<Notification>().ok());
            if let Some(notification) = notification {
                notification.close();
                if let Some(room) = notification.data().as_string() {
                    on_room(room);
                }
            }
        }))
    }
}

/// Shows `alert` as a browser notification; `false` when the browser
/// refused (no permission, or notifications only from a service worker, as
/// on Android).
pub fn show_notification(alert: &Alert, clicks: &NotificationClicks) -> bool {
    if notification_permission() != Permission::Granted {
        return false;
    }
    let options = NotificationOptions::new();
    options.set_body(&alert.body);
    options.set_tag(&alert.tag);
    // A newer message of the room replaces the older one, and still alerts.
    options.set_renotify(true);
    options.set_data(&JsValue::from_str(alert.room.as_str()));
    match Notification::new_with_options(&alert.title, &options) {
        Ok(notification) => {
            notification.set_onclick(Some(clicks.0.as_ref().unchecked_ref()));
            true
        }
        Err(_) => false,
    }
}

pub fn current_route() -> Route {
    current_path().map(|path| Route::parse(&path)).unwrap_or(Route::Landing)
}

/// The address links to a name that cannot be a room: the name and why.
pub fn refused_room_link() -> Option<(String, roomcast_protocol::NameError)> {
    Route::refused_room(&current_path()?)
}

/// Shows `route` in the address bar, adding a history entry when it changes.
pub fn navigate(route: &Route) {
    if current_route() == *route {
        return;
    }
    if let Some(history) = window().and_then(|w| w.history().ok()) {
        let _ = history.push_state_with_url(&JsValue::NULL, "", Some(&route.path()));
    }
}

/// The page's own `protocol` (`"https:"`) and `host`.
/// The identity token in the address's fragment (`#token=…`), removed from
/// the address bar so it is not bookmarked, shared or shown.
pub fn take_fragment_token() -> Option<String> {
    let window = window()?;
    let hash = window.location().hash().ok()?;
    let token = crate::endpoint::token_from_fragment(&hash)?;
    if let Ok(history) = window.history() {
        let path = window.location().pathname().unwrap_or_else(|_| "/".into());
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&path));
    }
    Some(token)
}

pub fn page_origin() -> (String, String) {
    let location = window().map(|w| w.location());
    let protocol = location.as_ref().and_then(|l| l.protocol().ok()).unwrap_or_else(|| "http:".into());
    let host = location.and_then(|l| l.host().ok()).unwrap_or_else(|| "localhost:8080".into());
    (protocol, host)
}

pub fn set_title(title: &str) {
    if let Some(document) = window().and_then(|w| w.document()) {
        document.set_title(title);
    }
}

/// The live answer to a CSS media query, such as a breakpoint.
pub fn media(query: &str) -> Option<web_sys::MediaQueryList> {
    window()?.match_media(query).ok().flatten()
}

/// The element that has the keyboard focus, if any.
pub fn focused() -> Option<web_sys::HtmlElement> {
    window()?.document()?.active_element()?.dyn_into().ok()
}

/// Focuses the element with `id`, if there is one; `false` if not.
pub fn focus_id(id: &str) -> bool {
    let element = window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    element.is_some_and(|element| element.focus().is_ok())
}

/// Focuses the element with `id` once the page has drawn what the current
/// event changed (Yew draws in a microtask, so a timeout comes after it,
/// and after any focus a closing drawer gives back); tries a few more
/// times for an element that is still to come.
pub fn focus_id_after_render(id: &'static str) {
    fn attempt(id: &'static str, left: u32) {
        gloo_timers::callback::Timeout::new(if left == FOCUS_ATTEMPTS { 0 } else { 30 }, move || {
            if !focus_id(id) && left > 1 {
                attempt(id, left - 1);
            }
        })
        .forget();
    }
    attempt(id, FOCUS_ATTEMPTS);
}

/// How often [`focus_id_after_render`] looks for its element.
const FOCUS_ATTEMPTS: u32 = 10;

/// Whether the browser believes it has a network; `true` when it cannot tell.
pub fn online() -> bool {
    window().map(|w| w.navigator().on_line()).unwrap_or(true)
}

pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

pub fn random() -> f64 {
    js_sys::Math::random()
}

/// 64 random bits from the browser's cryptographic generator, or from two
/// `Math.random` draws of 32 bits each where it is missing.
pub fn random_u64() -> u64 {
    let mut bytes = [0u8; 8];
    let filled = window()
        .and_then(|w| w.crypto().ok())
        .is_some_and(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok());
    if filled {
        return u64::from_le_bytes(bytes);
    }
    let half = || (random() * 4_294_967_296.0) as u64 & 0xffff_ffff;
    (half() << 32) | half()
}

/// Minutes east of UTC of the user's time zone at `ts_ms`.
pub fn utc_offset_minutes(ts_ms: f64) -> i32 {
    -(js_sys::Date::new(&JsValue::from_f64(ts_ms)).get_timezone_offset() as i32)
}

/// Makes `field` as tall as its text, wrapped lines included, up to
/// `max_rows` lines; beyond that it keeps that height and scrolls. Reads
/// the line height, padding and borders from the page's styles, so it
/// works with whatever font the page uses.
pub fn fit_height_to_text(field: &web_sys::HtmlTextAreaElement, max_rows: u32) {
    let Some(style) = window().and_then(|w| w.get_computed_style(field).ok().flatten()) else { return };
    let px = |property: &str| {
        style
            .get_property_value(property)
            .ok()
            .and_then(|value| value.trim_end_matches("px").parse::<f64>().ok())
    };
    let font = px("font-size").unwrap_or(16.0);
    // `normal` is about 1.2 times the font size.
    let line = px("line-height").unwrap_or(font * 1.2);
    let padding = px("padding-top").unwrap_or(0.0) + px("padding-bottom").unwrap_or(0.0);
    let border = px("border-top-width").unwrap_or(0.0) + px("border-bottom-width").unwrap_or(0.0);
    let border_box = style.get_property_value("box-sizing").is_ok_and(|sizing| sizing == "border-box");
    // `height` covers the text alone, or (border-box) padding and borders too;
    // `scrollHeight` is the text and the padding.
    let extra = if border_box { border } else { -padding };
    let inline = field.style();
    // Shrink first, so that the text's own height shows after a deletion.
    let _ = inline.set_property("height", "auto");
    let needed = f64::from(field.scroll_height()) + extra;
    let most = line * f64::from(max_rows) + if border_box { padding + border } else { 0.0 };
    let _ = inline.set_property("height", &format!("{}px", needed.min(most).ceil()));
    let _ = inline.set_property("overflow-y", if needed > most + 0.5 { "auto" } else { "hidden" });
}
