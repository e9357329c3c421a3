//! Every button of the app: one place for the colours, the hover state and
//! the keyboard focus ring, which used to be copied into each component.
//! The caller gives the shape (rounding, padding, text size, position)
//! through `class`; the variant gives everything else, so the two never
//! fight over the same property.

use yew::prelude::*;

/// What the button is for, which decides how it looks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Variant {
    /// The main action of a form or a screen: filled with the accent colour.
    Primary,
    /// Other actions: outlined, turning to the accent colour under the pointer.
    #[default]
    Secondary,
    /// Actions that take something away (leave a room, discard a message):
    /// outlined, turning red under the pointer.
    Danger,
    /// Small, frequent controls (menu, close, dismiss) and list entries:
    /// text only, with a background under the pointer.
    Quiet,
}

impl Variant {
    fn classes(self, current: bool) -> &'static str {
        match (self, current) {
            // White on accent-600 is 6.3:1 and on accent-700 7.9:1; the
            // lighter accent-500 would fall below 4.5:1.
            (Variant::Primary, _) => {
                "bg-accent-600 text-white hover:bg-accent-700 focus-visible:ring-accent-300 \
                 disabled:cursor-not-allowed disabled:bg-ink-700 disabled:text-ink-400"
            }
            (Variant::Secondary, _) => {
                "border border-ink-700 text-ink-200 hover:border-accent-400 hover:text-white \
                 focus-visible:ring-accent-400"
            }
            (Variant::Danger, _) => {
                "border border-ink-700 text-ink-200 hover:border-danger-400 hover:text-danger-300 \
                 focus-visible:ring-danger-400"
            }
            (Variant::Quiet, false) => {
                "text-ink-300 hover:bg-ink-800/60 hover:text-white focus-visible:ring-accent-400"
            }
            (Variant::Quiet, true) => "bg-ink-800 text-white focus-visible:ring-accent-400",
        }
    }
}

#[derive(Properties, PartialEq)]
pub struct ButtonProps {
    #[prop_or_default]
    pub variant: Variant,
    /// Shape and place only: rounding, padding, text size and weight, width,
    /// position, shadow.
    #[prop_or_default]
    pub class: Classes,
    /// Submits the enclosing form (instead of `type="button"`).
    #[prop_or_default]
    pub submit: bool,
    #[prop_or_default]
    pub disabled: bool,
    /// The entry for what is on screen (`aria-current="page"`), shown selected.
    #[prop_or_default]
    pub current: bool,
    #[prop_or_default]
    pub id: Option<AttrValue>,
    /// The accessible name, for buttons that show only a symbol.
    #[prop_or_default]
    pub label: Option<AttrValue>,
    /// For a button that shows and hides a panel: the panel's id
    /// (`aria-controls`) and whether it is shown (`aria-expanded`).
    #[prop_or_default]
    pub controls: Option<AttrValue>,
    #[prop_or_default]
    pub expanded: Option<bool>,
    /// For a button that turns something on and off: whether it is on
    /// (`aria-pressed`). Its label names the thing, and stays the same.
    #[prop_or_default]
    pub pressed: Option<bool>,
    #[prop_or_default]
    pub on_click: Callback<()>,
    #[prop_or_default]
    pub children: Html,
}

#[function_component(Button)]
pub fn button(props: &ButtonProps) -> Html {
    let on_click = props.on_click.clone();
    let class = classes!(
        "focus:outline-none",
        "focus-visible:ring-2",
        props.variant.classes(props.current),
        props.class.clone()
    );
    html! {
        <button type={if props.submit { "submit" } else { "button" }} id={props.id.clone()} {class}
            disabled={props.disabled} aria-label={props.label.clone()}
            aria-current={props.current.then_some("page")}
            aria-controls={props.controls.clone()} aria-expanded={props.expanded.map(|shown| shown.to_string())}
            aria-pressed={props.pressed.map(|on| on.to_string())}
            onclick={Callback::from(move |_: MouseEvent| on_click.emit(()))}>
            { props.children.clone() }
        </button>
    }
}
