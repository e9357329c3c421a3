//! The bar above the lobby and each room: the menu button that opens the room
//! list on phones, then whatever the screen puts there.

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct TopBarProps {
    pub on_menu: Callback<()>,
    #[prop_or_default]
    pub children: Html,
}

#[function_component(TopBar)]
pub fn top_bar(props: &TopBarProps) -> Html {
    let on_menu = props.on_menu.clone();
    html! {
        <header class="flex items-center gap-3 border-b border-ink-800 px-4 py-3">
            <button type="button" aria-label="Show rooms" onclick={Callback::from(move |_| on_menu.emit(()))}
                class="rounded-md p-1 text-ink-300 hover:text-white md:hidden focus:outline-none focus-visible:ring-2 focus-visible:ring-accent-400">
                { "☰" }
            </button>
            { props.children.clone() }
        </header>
    }
}
