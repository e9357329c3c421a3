//! The README's pictures, from a real conversation: Ada and Cy on node a,
//! Bob on node b, in #general and #design. Ada sees a link, a mention of
//! her, an edited message and the other room's unread count on a desktop;
//! Bob sees the same room on a phone. The test checks what the pictures
//! are meant to show, then saves them as
//! `target/browser-screenshots/readme-ada-*-desktop.png` and
//! `readme-bob-*-phone.png`; `docs/screenshot.png` and
//! `docs/screenshot-phone.png` are copies.

use fantoccini::Locator;

use crate::browser::{ada_and_bob_in, WebCluster};

const LINK: &str = "const a = document.querySelector('[data-text] a'); \
                    return a ? [a.getAttribute('href'), a.getAttribute('rel')] : null;";
const MENTIONS_OF_ME: &str = "return document.querySelectorAll(\"[data-mention='me']\").length;";
const UNREAD_DESIGN: &str = "const row = document.querySelector(\"[data-room='design']\"); \
                             return row ? row.textContent : null;";
const DRAWER_CLOSED: &str =
    "const rooms = document.getElementById('rooms'); return !!rooms && rooms.hasAttribute('inert');";
const EDITED: &str = "return document.querySelectorAll('[data-edited]').length;";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readmes_pictures_show_links_mentions_edits_and_unread_rooms_on_two_nodes() {
    let cluster = WebCluster::start(2).await;
    let (driver, mut ada, mut bob) = ada_and_bob_in(&cluster, "readme", "general").await;
    let mut cy = driver.browser("readme", "cy").await;
    cy.open(&cluster.url(0, "/")).await;
    cy.enter("Cy", "general").await;

    bob.say("Morning! Release notes for 0.6 are up: https://example.com/roomcast/notes").await;
    ada.wait_for_line("Morning! Release notes for 0.6 are up: https://example.com/roomcast/notes", "sent")
        .await;
    cy.say("@Ada could you check the phone layout before we ship?").await;
    ada.wait_for_line("@Ada could you check the phone layout before we ship?", "sent").await;
    ada.say("On it. Edits and deletes work across both nodes now").await;
    ada.wait_for_line("On it. Edits and deletes work across both nodes now", "sent").await;

    // Ada corrects her message with Arrow up in the empty composer.
    let composer = ada.client.find(Locator::Id("composer")).await.expect("the composer");
    composer.send_keys("\u{E013}").await.expect("press Arrow up");
    let editor = ada.client.find(Locator::Css("[data-editor] textarea")).await.expect("the editor opens");
    editor.send_keys(", try them").await.expect("type into the editor");
    editor.send_keys("\u{E007}").await.expect("press Enter");
    ada.wait_for("the edit shows", EDITED, |n| (n.as_u64() == Some(1)).then_some(())).await;
    bob.wait_for("Bob sees the edit", EDITED, |n| (n.as_u64() == Some(1)).then_some(())).await;

    // Bob and Cy talk in #design, which Ada has open but not on screen.
    bob.fill("#sidebar-room", "design\u{E007}").await;
    bob.wait_in_room("design").await;
    ada.fill("#sidebar-room", "design\u{E007}").await;
    ada.wait_in_room("design").await;
    ada.click("[data-room='general']").await;
    ada.wait_in_room("general").await;
    bob.say("New icons are in the drawer").await;
    bob.say("Which blue do we keep?").await;

    let (href, rel) = ada
        .wait_for("the link is an element", LINK, |value| {
            Some((value[0].as_str()?.to_owned(), value[1].as_str()?.to_owned()))
        })
        .await;
    assert_eq!(href, "https://example.com/roomcast/notes");
    assert_eq!(rel, "noopener noreferrer");
    ada.wait_for("Cy's mention stands out", MENTIONS_OF_ME, |n| (n.as_u64() == Some(1)).then_some(())).await;
    ada.wait_for("#design counts two unread", UNREAD_DESIGN, |row| {
        row.as_str().is_some_and(|text| text.contains('2')).then_some(())
    })
    .await;
    ada.screenshot("desktop").await;

    bob.client.set_window_size(390, 844).await.expect("resize to a phone's width");
    bob.click("button[aria-label='Show rooms']").await;
    bob.click("[data-room='general']").await;
    bob.wait_in_room("general").await;
    bob.wait_for("Bob sees the edit", EDITED, |n| (n.as_u64() == Some(1)).then_some(())).await;
    bob.wait_for("the room list's drawer is closed", DRAWER_CLOSED, |closed| (closed == true).then_some(()))
        .await;
    // Not a wait for behaviour: the drawer's slide-out animation ends, so
    // the picture shows the room alone.
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    bob.screenshot("phone").await;
    for browser in [ada, bob, cy] {
        browser.close().await;
    }
}
