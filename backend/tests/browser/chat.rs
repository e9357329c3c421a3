//! Chatting in the browser: two people on two nodes in one room while a third
//! in another room hears nothing, rooms side by side with unread counts and
//! drafts, the phone layout, a reload that brings back the rooms with their
//! history (our own messages still ours) and the draft, markup in a message
//! shown as text, a refused join explained, and `config.json` pointing a
//! static copy at another backend.

use crate::browser::{ada_and_bob_in, dist_dir, Driver, WebCluster};
use crate::helpers::{test_config, unique_prefix, TestNode};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_people_on_two_nodes_chat_while_another_room_stays_quiet() {
    let cluster = WebCluster::start(2).await;
    let driver = Driver::start().await;
    let test = "chat";
    let mut ada = driver.browser(test, "ada").await;
    let mut bob = driver.browser(test, "bob").await;
    let mut cy = driver.browser(test, "cy").await;

    // Ada on node a and Bob on node b join #general; Cy joins #random on node b.
    ada.open(&cluster.url(0, "/")).await;
    ada.enter("Ada", "general").await;
    bob.open(&cluster.url(1, "/")).await;
    bob.enter("Bob", "general").await;
    cy.open(&cluster.url(1, "/")).await;
    cy.enter("Cy", "random").await;
    ada.wait_for_link("live").await;
    bob.wait_for_link("live").await;
    assert_eq!(ada.node().await, cluster.node_name(0));
    assert_eq!(bob.node().await, cluster.node_name(1));

    // What Ada types appears at Bob's, under her name; hers is marked as hers.
    ada.say("Hello from node a").await;
    let at_bob = bob.wait_for_line("Hello from node a", "sent").await;
    assert_eq!((at_bob.author.as_str(), at_bob.mine), ("Ada", false));
    let at_ada = ada.wait_for_line("Hello from node a", "sent").await;
    assert!(at_ada.mine, "Ada's own copy is recognised by its client id");

    bob.say("Hi Ada, Bob here").await;
    let at_ada = ada.wait_for_line("Hi Ada, Bob here", "sent").await;
    assert_eq!((at_ada.author.as_str(), at_ada.mine), ("Bob", false));
    bob.wait_for_line("Hi Ada, Bob here", "sent").await;
    ada.screenshot("conversation").await;
    bob.screenshot("conversation").await;

    // Both see the conversation once each, in the same order.
    let texts = |lines: Vec<crate::browser::Line>| lines.into_iter().map(|l| l.text).collect::<Vec<_>>();
    let expected = ["Hello from node a", "Hi Ada, Bob here"];
    assert_eq!(texts(ada.lines().await), expected);
    assert_eq!(texts(bob.lines().await), expected);

    // Cy, in #random, received none of it.
    cy.say("anyone in random?").await;
    cy.wait_for_line("anyone in random?", "sent").await;
    assert_eq!(texts(cy.lines().await), ["anyone in random?"]);
    assert_eq!(texts(ada.lines().await), expected, "#random stays out of #general");
    cy.screenshot("other-room").await;

    // Ada opens #random too, goes back to #general, and sees Cy's message
    // there counted as unread; opening #random shows it and clears the count.
    ada.fill("#composer", "a half-written thought").await;
    ada.fill("#sidebar-room", "random\u{E007}").await;
    ada.wait_in_room("random").await;
    ada.click("[data-room='general']").await;
    ada.wait_in_room("general").await;
    cy.say("psst, Ada").await;
    let unread = "const badge = document.querySelector(\"[data-room='random'] [data-unread]\"); \
                  return badge ? badge.dataset.unread : null;";
    ada.wait_for("#random shows 1 unread", unread, |value| (value == "1").then_some(())).await;
    assert_eq!(texts(ada.lines().await), expected, "#general kept its history");
    ada.screenshot("unread").await;
    ada.click("[data-room='random']").await;
    ada.wait_in_room("random").await;
    ada.wait_for_line("psst, Ada", "sent").await;
    ada.wait_for("the unread count is cleared", unread, |value| value.is_null().then_some(())).await;
    ada.click("[data-room='general']").await;
    ada.wait_in_room("general").await;
    assert_eq!(texts(ada.lines().await), expected, "switching rooms loses nothing");
    let draft = "return document.getElementById('composer').value;";
    let rooms = "return Array.from(document.querySelectorAll('[data-room]')).map(b => b.dataset.room);";
    ada.wait_for("the draft is back", draft, |value| (value == "a half-written thought").then_some(())).await;

    // A reload of /room/general goes straight back into the room under the
    // remembered name, with #random open beside it as before, the
    // conversation back from the room's history, and the unsent draft.
    ada.open(&cluster.url(0, "/room/general")).await;
    ada.wait_in_room("general").await;
    ada.wait_for_link("live").await;
    ada.wait_for("both rooms are open again", rooms, |value| {
        (value == &serde_json::json!(["general", "random"])).then_some(())
    })
    .await;
    let before_reload = ada.wait_for_line("Hello from node a", "sent").await;
    assert_eq!(before_reload.author, "Ada", "sent before the reload, shown after it");
    assert!(before_reload.mine, "still hers: this browser remembers the ids of what it sent");
    let from_bob = ada.wait_for_line("Hi Ada, Bob here", "sent").await;
    assert!(!from_bob.mine, "and only those");
    assert_eq!(texts(ada.lines().await), expected, "once each, in order");
    assert_eq!(ada.top_marker().await.as_deref(), Some("beginning"), "the room's whole history is here");
    ada.wait_for("the draft is back after the reload", draft, |value| {
        (value == "a half-written thought").then_some(())
    })
    .await;
    bob.say("still there?").await;
    let at_ada = ada.wait_for_line("still there?", "sent").await;
    assert_eq!(at_ada.author, "Bob");
    ada.screenshot("after-reload").await;

    // On a phone the room list is a drawer behind the menu button.
    bob.client.set_window_size(390, 844).await.expect("resize to a phone's width");
    // The drawer slides, so wait for it to be wholly in or out of view.
    let aside_edges =
        "const r = document.querySelector('aside').getBoundingClientRect(); return [r.left, r.right];";
    let edges =
        |value: &serde_json::Value| (value[0].as_f64().unwrap_or(-1.0), value[1].as_f64().unwrap_or(1.0));
    let on_screen = |value: &serde_json::Value| (edges(value).0 >= 0.0).then_some(());
    let off_screen = |value: &serde_json::Value| (edges(value).1 <= 0.0).then_some(());
    bob.wait_for("the room list is hidden", aside_edges, off_screen).await;
    bob.screenshot("phone").await;
    bob.click("button[aria-label='Show rooms']").await;
    bob.wait_for("the room list slides in", aside_edges, on_screen).await;
    bob.screenshot("phone-drawer").await;
    bob.click("[data-room='general']").await;
    bob.wait_for("the room list closes after picking a room", aside_edges, off_screen).await;
    bob.say("sent from a phone").await;
    ada.wait_for_line("sent from a phone", "sent").await;

    for browser in [ada, bob, cy] {
        browser.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn markup_in_a_message_shows_as_text_and_makes_no_element() {
    let cluster = WebCluster::start(2).await;
    let (_driver, mut ada, mut bob) = ada_and_bob_in(&cluster, "markup", "general").await;

    let markup = "<b>bold</b> <img src=x onerror=alert(1)>";
    ada.say(markup).await;
    let elements = "return document.querySelectorAll('#messages b, #messages img').length;";
    let isolated = "const text = document.querySelector('#messages [data-text]'); \
                    return text ? getComputedStyle(text).unicodeBidi : null;";
    for browser in [&mut ada, &mut bob] {
        let line = browser.wait_for_line(markup, "sent").await;
        assert_eq!(line.author, "Ada");
        let made = browser.client.execute(elements, Vec::new()).await.expect("count elements");
        assert_eq!(made, 0, "no element was made from the message");
        let bidi = browser.client.execute(isolated, Vec::new()).await.expect("read the text's style");
        assert_eq!(bidi, "isolate", "the text cannot reorder what stands beside it");
        assert!(browser.client.get_alert_text().await.is_err(), "no script ran");
        browser.screenshot("markup").await;
    }
    ada.close().await;
    bob.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_join_the_server_refuses_is_explained_and_the_room_removed() {
    let cluster = WebCluster::start_with(1, |config| config.session.max_rooms = 1).await;
    let driver = Driver::start().await;
    let mut ada = driver.browser("refused", "ada").await;
    ada.open(&cluster.url(0, "/")).await;
    ada.enter("Ada", "general").await;
    ada.wait_for_link("live").await;

    ada.fill("#sidebar-room", "second\u{E007}").await;
    let notice = "return Array.from(document.querySelectorAll('[data-notice]')).map(n => n.textContent);";
    let text = ada
        .wait_for("a notice explains the refusal", notice, |value| {
            value
                .as_array()?
                .iter()
                .filter_map(|n| n.as_str())
                .find(|n| n.contains("#second"))
                .map(str::to_owned)
        })
        .await;
    assert!(text.starts_with("Could not join #second:"), "{text}");
    let rooms = "return Array.from(document.querySelectorAll('[data-room]')).map(b => b.dataset.room);";
    ada.wait_for("only #general is listed", rooms, |value| {
        (value == &serde_json::json!(["general"])).then_some(())
    })
    .await;
    ada.wait_in_room("general").await;
    ada.screenshot("refused").await;

    ada.click("button[aria-label='Dismiss']").await;
    ada.wait_for("the notice is dismissed", notice, |value| value.as_array()?.is_empty().then_some(())).await;
    ada.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_json_points_a_static_copy_of_the_app_at_another_backend() {
    let cluster = WebCluster::start(2).await;
    // A plain static host: a copy of dist/ whose config.json names node b.
    let copy = std::env::temp_dir().join(format!("roomcast-static-{}", unique_prefix()));
    std::fs::create_dir_all(&copy).expect("create the copy");
    for entry in std::fs::read_dir(dist_dir()).expect("read dist").filter_map(Result::ok) {
        std::fs::copy(entry.path(), copy.join(entry.file_name())).expect("copy a file of dist");
    }
    let backend = format!("ws://{}/ws", cluster.nodes[1].addr);
    std::fs::write(copy.join("config.json"), format!("{{\"websocket_url\": \"{backend}\"}}"))
        .expect("edit config.json");
    let mut config = test_config(None, &unique_prefix());
    config.http.static_dir = copy.clone();
    let static_host = TestNode::spawn(config).await;

    let driver = Driver::start().await;
    let mut ada = driver.browser("config", "ada").await;
    ada.open(&format!("http://{}/", static_host.addr)).await;
    ada.enter("Ada", "general").await;
    ada.wait_for_link("live").await;
    assert_eq!(ada.node().await, cluster.node_name(1), "the page connects where config.json says");
    ada.close().await;
    let _ = std::fs::remove_dir_all(copy);
}
