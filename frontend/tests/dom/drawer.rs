//! The side panels that are a column on wide screens and a drawer on narrow
//! ones: out of reach while closed, and taking the focus in and back.

use roomcast_web::components::{Dock, Drawer};
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlButtonElement, HtmlElement};
use yew::prelude::*;

use super::{document, find, mount, press, until};

#[function_component(DrawerHarness)]
fn drawer_harness() -> Html {
    let open = use_state(|| false);
    let toggle = {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(!*open))
    };
    let close = {
        let open = open.clone();
        Callback::from(move |()| open.set(false))
    };
    html! {
        <>
            <button id="opener" onclick={toggle}>{ "People" }</button>
            <Drawer dock={Dock::End} open={*open} on_close={close} label="People">
                <button id="inside">{ "Inside" }</button>
                <button id="hidden" style="display: none">{ "Hidden at this width" }</button>
                <input id="last" />
            </Drawer>
        </>
    }
}

fn focused_id() -> String {
    document().active_element().map(|element| element.id()).unwrap_or_default()
}

#[wasm_bindgen_test]
async fn a_drawer_is_inert_while_closed_takes_the_focus_when_opened_and_gives_it_back_on_escape() {
    let width = web_sys::window().unwrap().inner_width().unwrap().as_f64().unwrap();
    assert!(width < 1024.0, "the test page must be narrower than `lg` to show a drawer (it is {width} px)");
    let root = mount::<DrawerHarness>(()).await;
    let panel: Element = find(&root, "aside");
    assert!(panel.has_attribute("inert"), "closed: out of reach of keyboard and screen reader");

    let opener: HtmlButtonElement = find(&root, "#opener");
    opener.focus().unwrap();
    opener.click();
    until("the drawer opens", || !panel.has_attribute("inert")).await;
    assert_eq!(focused_id(), "inside", "the focus moves into the drawer");
    assert!(root.query_selector("[data-overlay]").unwrap().is_some(), "the page behind is dimmed");

    press(&find::<HtmlElement>(&root, "#inside"), "Escape", false).await;
    until("Escape closes the drawer", || panel.has_attribute("inert")).await;
    assert_eq!(focused_id(), "opener", "the focus goes back to the button that opened it");
    assert!(root.query_selector("[data-overlay]").unwrap().is_none());
}

#[wasm_bindgen_test]
async fn an_open_drawer_is_a_modal_dialog_that_tab_and_shift_tab_go_round() {
    let root = mount::<DrawerHarness>(()).await;
    let panel: Element = find(&root, "aside");
    assert!(panel.get_attribute("role").is_none() && panel.get_attribute("aria-modal").is_none());
    find::<HtmlButtonElement>(&root, "#opener").click();
    until("the drawer opens", || !panel.has_attribute("inert")).await;
    assert_eq!(panel.get_attribute("role").as_deref(), Some("dialog"));
    assert_eq!(panel.get_attribute("aria-modal").as_deref(), Some("true"));

    let last: HtmlElement = find(&root, "#last");
    last.focus().unwrap();
    press(&last, "Tab", false).await;
    assert_eq!(focused_id(), "inside", "Tab on the last control goes round to the first");
    press(&find::<HtmlElement>(&root, "#inside"), "Tab", true).await;
    assert_eq!(focused_id(), "last", "Shift+Tab on the first goes to the last, past the hidden one");

    press(&last, "Escape", false).await;
    until("Escape closes it", || panel.has_attribute("inert")).await;
    assert!(panel.get_attribute("role").is_none(), "closed, it is no dialog");
}
