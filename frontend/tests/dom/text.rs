//! Other people's words on screen: shown as text whatever they contain, and
//! isolated so that right-to-left characters cannot reorder the page.

use std::rc::Rc;

use roomcast_web::state::{Delivery, Entry};
use wasm_bindgen_test::*;
use web_sys::Element;

use super::{entry, find, mount, settle, text, ItemHarness, ItemHarnessProps};

#[wasm_bindgen_test]
async fn markup_in_a_message_or_a_name_shows_as_text_and_is_isolated() {
    let markup = "<b>bold</b> <img src=x onerror=alert(1)>";
    let entry = Rc::new(Entry {
        author: "<i>Mallory</i>".into(),
        text: format!("{markup} \u{202E}reversed"),
        ..(*entry("Bob", None, Delivery::Sent)).clone()
    });
    let root = mount::<ItemHarness>(ItemHarnessProps { entry }).await;
    settle().await;
    let body: Element = find(&root, "[data-text]");
    assert_eq!(body.text_content().unwrap(), format!("{markup} \u{202E}reversed"), "shown literally");
    assert!(root.query_selector("b, img, i").unwrap().is_none(), "no element made from the words");
    assert_eq!(body.get_attribute("dir").as_deref(), Some("auto"));
    let style = web_sys::window().unwrap().get_computed_style(&body).unwrap().unwrap();
    assert_eq!(style.get_property_value("unicode-bidi").unwrap(), "isolate");
    assert_eq!(text(&root, "bdi"), "<i>Mallory</i>", "the author is isolated too");
}
