//! The people of a room on screen: the member list and the typing line.

use std::borrow::Cow;
use std::rc::Rc;

use roomcast_protocol::{MemberCount, RoomName};
use roomcast_web::components::{MemberList, TypingLine};
use roomcast_web::people::Members;
use roomcast_web::typing::Typists;
use wasm_bindgen_test::*;
use web_sys::Element;
use yew::prelude::*;

use super::{all, find, mount, text, until};

#[derive(Properties, PartialEq)]
struct MembersHarnessProps {
    members: Option<Rc<Members>>,
}

#[function_component(MembersHarness)]
fn members_harness(props: &MembersHarnessProps) -> Html {
    html! {
        <MemberList room={RoomName::parse("general").unwrap()} members={props.members.clone()}
            me={Some(AttrValue::from("Ada"))} open=false on_close={Callback::noop()} />
    }
}

fn answer(pairs: &[(&str, u32)]) -> Option<Rc<Members>> {
    let list: Vec<MemberCount<'static>> = pairs
        .iter()
        .map(|(name, count)| MemberCount { name: Cow::Owned((*name).to_owned()), count: *count })
        .collect();
    Some(Rc::new(Members::from_answer(&list)))
}

#[wasm_bindgen_test]
async fn the_member_list_puts_me_first_and_shows_several_tabs_of_one_name_once() {
    let members = answer(&[("bob", 1), ("Ada", 2), ("Cy", 1)]);
    let root = mount::<MembersHarness>(MembersHarnessProps { members }).await;
    let lines = all(&root, "li[data-member]");
    let names: Vec<String> = lines.iter().filter_map(|li| li.get_attribute("data-member")).collect();
    assert_eq!(names, ["Ada", "bob", "Cy"], "me first, then by name whatever the case");

    let me = &lines[0];
    assert_eq!(text(me, "[data-you]"), "(you)");
    assert_eq!(text(me, "bdi"), "Ada", "the name is isolated");
    assert!(me.text_content().unwrap().contains("×2"), "two tabs, one line");
    assert!(!lines[1].text_content().unwrap().contains('×'), "one tab says nothing");
    assert!(lines[1].query_selector("[data-you]").unwrap().is_none());
    let panel: Element = find(&root, "aside#people");
    assert_eq!(panel.get_attribute("aria-label").as_deref(), Some("People in #general"));
}

#[wasm_bindgen_test]
async fn the_member_list_says_when_it_does_not_know_yet() {
    let root = mount::<MembersHarness>(MembersHarnessProps { members: None }).await;
    assert!(root.text_content().unwrap().contains("Finding out who is here…"));
    assert!(root.query_selector("li").unwrap().is_none());
}

#[derive(Properties, PartialEq)]
struct TypingHarnessProps {
    typists: Typists,
}

#[function_component(TypingHarness)]
fn typing_harness(props: &TypingHarnessProps) -> Html {
    html! { <TypingLine typists={props.typists.clone()} /> }
}

/// `names` typing, their latest frames `age_ms` old.
fn typing(names: &[&str], age_ms: f64) -> Typists {
    let mut typists = Typists::default();
    for name in names {
        typists.saw(name, js_sys::Date::now() - age_ms);
    }
    typists
}

#[wasm_bindgen_test]
async fn the_typing_line_names_one_or_two_people_and_counts_more() {
    for (names, words, isolated) in [
        (&["Ada"][..], "Ada is typing…", 1),
        (&["Ada", "Bob"][..], "Ada and Bob are typing…", 2),
        (&["Ada", "Bob", "Cy"][..], "Several people are typing…", 0),
    ] {
        let root = mount::<TypingHarness>(TypingHarnessProps { typists: typing(names, 0.0) }).await;
        let line: Element = find(&root, "#typing");
        assert_eq!(line.text_content().unwrap().trim(), words);
        assert_eq!(all(&root, "#typing bdi").len(), isolated, "each name is isolated");
        assert_eq!(line.get_attribute("aria-live").as_deref(), Some("polite"));
    }
}

#[wasm_bindgen_test]
async fn a_name_leaves_the_typing_line_four_seconds_after_its_latest_frame() {
    let root = mount::<TypingHarness>(TypingHarnessProps { typists: typing(&["Ada"], 3_800.0) }).await;
    let line: Element = find(&root, "#typing");
    assert_eq!(line.text_content().unwrap().trim(), "Ada is typing…");
    until("Ada's typing has expired", || line.text_content().unwrap_or_default().trim().is_empty()).await;
    assert!(root.query_selector("#typing").unwrap().is_some(), "the line stays, empty, for the next one");
}
