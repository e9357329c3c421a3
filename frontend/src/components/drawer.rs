//! A side panel that is a column on wide screens and a drawer on narrow
//! ones: the room list on the left (a column from `md` up) and the people
//! of a room on the right (from `lg` up). As a drawer it slides in over a
//! dimmed page; closed, it is `inert`, so neither the keyboard nor a screen
//! reader reaches what is out of view. Open, it is a modal dialog
//! (`role="dialog"`, `aria-modal`): Tab and Shift+Tab go round its own
//! controls and never to the page behind it. Opening moves the focus into
//! it, Escape or a click on the dimmed page closes it, and closing gives the
//! focus back to whatever had it before (the button that opened it).

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;
use yew::prelude::*;

use crate::browser;

/// Which edge the panel sits on, which decides from what width it is a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dock {
    /// The left edge; a column from `md` (48rem) up.
    Start,
    /// The right edge; a column from `lg` (64rem) up.
    End,
}

impl Dock {
    /// The media query of Tailwind's breakpoint from which it is a column.
    fn wide_query(self) -> &'static str {
        match self {
            Dock::Start => "(min-width: 48rem)",
            Dock::End => "(min-width: 64rem)",
        }
    }

    /// Whole class names, so that Tailwind finds them in this file.
    fn overlay(self) -> &'static str {
        match self {
            Dock::Start => "fixed inset-0 z-20 bg-black/60 md:hidden",
            Dock::End => "fixed inset-0 z-20 bg-black/60 lg:hidden",
        }
    }

    fn panel(self, open: bool) -> &'static str {
        match (self, open) {
            (Dock::Start, true) => "left-0 translate-x-0 md:static md:translate-x-0",
            (Dock::Start, false) => "left-0 -translate-x-full md:static md:translate-x-0",
            (Dock::End, true) => "right-0 translate-x-0 lg:static lg:translate-x-0",
            (Dock::End, false) => "right-0 translate-x-full lg:static lg:translate-x-0",
        }
    }
}

#[derive(Properties, PartialEq)]
pub struct DrawerProps {
    pub dock: Dock,
    /// Open as a drawer (narrow screens; a column always shows).
    pub open: bool,
    pub on_close: Callback<()>,
    /// The panel's accessible name.
    pub label: AttrValue,
    #[prop_or_default]
    pub id: Option<AttrValue>,
    /// Width, border and background.
    #[prop_or_default]
    pub class: Classes,
    #[prop_or_default]
    pub children: Html,
}

#[function_component(Drawer)]
pub fn drawer(props: &DrawerProps) -> Html {
    let wide = use_media(props.dock.wide_query());
    let panel = use_node_ref();
    use_focus_in_and_back(props.open, panel.clone());

    let drawer = props.open && !wide;
    let onkeydown = {
        let (on_close, panel) = (props.on_close.clone(), panel.clone());
        Callback::from(move |event: KeyboardEvent| {
            if !drawer {
                return;
            }
            match event.key().as_str() {
                "Escape" => {
                    event.prevent_default();
                    on_close.emit(());
                }
                "Tab" => {
                    if let Some(panel) = panel.cast::<HtmlElement>() {
                        if keep_focus_inside(&panel, event.shift_key()) {
                            event.prevent_default();
                        }
                    }
                }
                _ => {}
            }
        })
    };
    let close = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    html! {
        <>
            if drawer {
                <div class={props.dock.overlay()} onclick={close} aria-hidden="true" data-overlay=""></div>
            }
            <aside ref={panel} id={props.id.clone()} aria-label={props.label.clone()} tabindex="-1" {onkeydown}
                inert={!props.open && !wide} role={drawer.then_some("dialog")} aria-modal={drawer.then_some("true")}
                class={classes!(
                    "fixed", "inset-y-0", "z-30", "flex", "flex-col", "transition-transform", "focus:outline-none",
                    props.dock.panel(props.open), props.class.clone(),
                )}>
                { props.children.clone() }
            </aside>
        </>
    }
}

/// Whether `query` matches now, drawing again whenever that changes.
#[hook]
fn use_media(query: &'static str) -> bool {
    let matches = use_state(|| browser::media(query).is_some_and(|list| list.matches()));
    {
        let matches = matches.clone();
        use_effect_with(query, move |query| {
            let list = browser::media(query);
            let listener = list.as_ref().map(|list| {
                let watched = list.clone();
                let listener = Closure::<dyn Fn()>::new(move || matches.set(watched.matches()));
                let _ = list.add_event_listener_with_callback("change", listener.as_ref().unchecked_ref());
                listener
            });
            move || {
                if let (Some(list), Some(listener)) = (list, listener) {
                    let _ =
                        list.remove_event_listener_with_callback("change", listener.as_ref().unchecked_ref());
                }
            }
        });
    }
    *matches
}

/// Opening moves the focus into `panel`; closing gives it back.
#[hook]
fn use_focus_in_and_back(open: bool, panel: NodeRef) {
    let opener: Rc<RefCell<Option<HtmlElement>>> = use_mut_ref(|| None);
    use_effect_with(open, move |open| {
        if *open {
            *opener.borrow_mut() = browser::focused();
            if let Some(panel) = panel.cast::<HtmlElement>() {
                focus_first(&panel);
            }
        } else if let Some(previous) = opener.borrow_mut().take() {
            if previous.is_connected() {
                let _ = previous.focus();
            }
        }
    });
}

/// The controls in `panel` that Tab can reach: not disabled, not hidden at
/// this width, not taken out of the order.
fn tabbable(panel: &HtmlElement) -> Vec<HtmlElement> {
    let selector = "button:not([disabled]), a[href], input:not([disabled]), textarea:not([disabled]), \
                    select:not([disabled]), [tabindex]:not([tabindex='-1'])";
    let Ok(list) = panel.query_selector_all(selector) else { return Vec::new() };
    (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into::<HtmlElement>().ok())
        .filter(|control| control.get_client_rects().length() > 0)
        .collect()
}

/// Focuses the first control in `panel` that can take the focus, or the
/// panel itself.
fn focus_first(panel: &HtmlElement) {
    for control in tabbable(panel) {
        let _ = control.focus();
        if is_focused(&control) {
            return;
        }
    }
    let _ = panel.focus();
}

/// Tab on the last control (Shift+Tab on the first, or on the panel) goes
/// round to the other end; `true` when it did, so the browser's own move
/// is cancelled.
fn keep_focus_inside(panel: &HtmlElement, backwards: bool) -> bool {
    let controls = tabbable(panel);
    let (Some(first), Some(last)) = (controls.first(), controls.last()) else {
        // Nothing to go to: stay on the panel.
        return true;
    };
    let at = |control: &HtmlElement| is_focused(control);
    let on_panel = browser::focused().is_some_and(|focused| &focused == panel);
    let target = match backwards {
        true if at(first) || on_panel => last,
        false if at(last) => first,
        _ => return false,
    };
    let _ = target.focus();
    true
}

fn is_focused(element: &HtmlElement) -> bool {
    browser::focused().is_some_and(|focused| &focused == element)
}
