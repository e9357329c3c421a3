//! Links in messages: real elements that open in a new tab without handing
//! it this page, and only for `http(s)` and `www.` addresses.

use std::rc::Rc;

use roomcast_web::state::{Delivery, Entry};
use wasm_bindgen_test::*;
use web_sys::Element;

use super::{all, entry, mount, text, ItemHarness, ItemHarnessProps};

/// Bob's message saying `words`, on the page.
async fn bob_says(words: &str) -> Element {
    let entry = Rc::new(Entry { text: words.into(), ..(*entry("Bob", None, Delivery::Sent)).clone() });
    mount::<ItemHarness>(ItemHarnessProps { entry }).await
}

fn attribute(element: &Element, name: &str) -> String {
    element.get_attribute(name).unwrap_or_default()
}

#[wasm_bindgen_test]
async fn links_open_in_a_new_tab_that_cannot_reach_this_page() {
    let words = "see https://example.com/a?b=1, or www.example.org.";
    let root = bob_says(words).await;
    let links = all(&root, "[data-text] a");
    let shown: Vec<(String, String)> = links
        .iter()
        .map(|a| (a.text_content().unwrap_or_default().trim().to_owned(), attribute(a, "href")))
        .collect();
    assert_eq!(
        shown,
        [
            ("https://example.com/a?b=1".to_owned(), "https://example.com/a?b=1".to_owned()),
            ("www.example.org".to_owned(), "https://www.example.org".to_owned()),
        ],
        "the comma and the full stop end the links"
    );
    for link in &links {
        assert_eq!(attribute(link, "target"), "_blank");
        assert_eq!(attribute(link, "rel"), "noopener noreferrer");
    }
    assert_eq!(text(&root, "[data-text]"), words, "the text reads as written");
}

#[wasm_bindgen_test]
async fn markup_and_other_schemes_in_a_message_stay_text() {
    let words = r#"javascript:alert(1) <a href="javascript:alert(2)">x</a> https://a.io/<img src=x onerror=alert(3)>"#;
    let root = bob_says(words).await;
    let hrefs: Vec<String> = all(&root, "a").iter().map(|a| attribute(a, "href")).collect();
    assert_eq!(hrefs, ["https://a.io/"], "only the http address is a link, and it ends at the markup");
    assert!(root.query_selector("img, [onerror]").unwrap().is_none(), "no element made from the words");
    assert_eq!(text(&root, "[data-text]"), words, "shown literally");
}
