//! Chips for the rooms opened recently on this device.

use roomcast_protocol::RoomName;
use yew::prelude::*;

use super::button::Button;

#[derive(Properties, PartialEq)]
pub struct RecentRoomsProps {
    pub rooms: Vec<RoomName>,
    pub on_pick: Callback<RoomName>,
}

#[function_component(RecentRooms)]
pub fn recent_rooms(props: &RecentRoomsProps) -> Html {
    if props.rooms.is_empty() {
        return html! {};
    }
    let chips = props.rooms.iter().map(|room| {
        let on_pick = props.on_pick.clone();
        let picked = room.clone();
        html! {
            <li key={room.to_string()}>
                <Button class="rounded-full bg-ink-900 px-3 py-1 text-sm"
                    on_click={Callback::from(move |()| on_pick.emit(picked.clone()))}>
                    { format!("#{room}") }
                </Button>
            </li>
        }
    });
    html! {
        <div class="space-y-2">
            <p class="text-xs font-medium uppercase tracking-wide text-ink-400">{ "Recent rooms" }</p>
            <ul class="flex flex-wrap gap-2" aria-label="Recent rooms">{ for chips }</ul>
        </div>
    }
}
