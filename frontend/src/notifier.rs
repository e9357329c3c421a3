//! The provider's side of news, where the side effects live: it shows a
//! browser notification for each live message the state noted that
//! [`notify::alert_for`] says deserves one, opens the message's room when
//! the notification is clicked, and stores the user's choices (muted rooms,
//! notifications wanted) whenever they change.

use roomcast_protocol::RoomName;
use yew::prelude::*;

use crate::browser::{self, NotificationClicks};
use crate::notify::{self, Permission, Situation};
use crate::state::{Action, ChatState};

#[hook]
pub fn use_notifier(state: &UseReducerHandle<ChatState>) {
    // Arrivals up to this number have been looked at (by this page: a
    // reload starts again from the state's own count, 0).
    let seen = use_mut_ref(|| 0u64);
    let clicks = {
        let dispatcher = state.dispatcher();
        use_memo((), move |()| {
            NotificationClicks::new(move |room| {
                if let Ok(room) = RoomName::parse(&room) {
                    dispatcher.dispatch(Action::Activate(room));
                }
            })
        })
    };
    let arrivals = state.arrivals.clone();
    let (muted, wanted) = (state.muted.clone(), state.notify);
    use_effect_with(arrivals.latest(), move |latest| {
        let from = std::mem::replace(&mut *seen.borrow_mut(), *latest);
        let allowed = wanted && browser::notification_permission() == Permission::Granted;
        let situation = Situation { allowed, hidden: browser::page_hidden(), muted: &muted };
        for arrival in arrivals.after(from) {
            if let Some(alert) = notify::alert_for(arrival, situation) {
                browser::show_notification(&alert, &clicks);
            }
        }
    });

    use_effect_with(state.muted.clone(), |muted| browser::store_muted_rooms(muted));
    use_effect_with(state.notify, |wanted| browser::store_notifications_wanted(*wanted));
}
