//! Who is in the room: one line per name, yours first and marked "(you)",
//! and a subtle "×2" for a name connected from several tabs or devices.
//! A column from `lg` up; below, a [`Drawer`] from the right that the
//! room's header opens. Names are isolated (`<bdi>`), so one written right
//! to left cannot reorder what stands beside it, and each is in its
//! author's colour, as in the messages (yours in the accent colour).

use std::rc::Rc;

use roomcast_protocol::RoomName;
use yew::prelude::*;

use super::button::{Button, Variant};
use super::drawer::{Dock, Drawer};
use crate::author_colour::author_colour;
use crate::people::{Member, Members, MAX_LISTED};

/// The id of the panel, for the header's button (`aria-controls`).
pub const PANEL_ID: &str = "people";

#[derive(Properties, PartialEq)]
pub struct MemberListProps {
    pub room: RoomName,
    /// `None` until the server has said who is there.
    pub members: Option<Rc<Members>>,
    /// The name this page chose.
    pub me: Option<AttrValue>,
    /// Open as a drawer (narrow screens).
    pub open: bool,
    pub on_close: Callback<()>,
}

#[function_component(MemberList)]
pub fn member_list(props: &MemberListProps) -> Html {
    let body = match &props.members {
        None => html! {
            <p class="px-4 text-sm text-ink-500">{ "Finding out who is here…" }</p>
        },
        Some(members) => {
            let listed = members.listing(props.me.as_deref(), MAX_LISTED);
            let unlisted = members.len().saturating_sub(listed.len());
            html! {
                <>
                    <ul class="flex-1 space-y-0.5 overflow-y-auto px-2 pb-2" aria-label="Names">
                        { for listed.into_iter().map(member_line) }
                    </ul>
                    if unlisted > 0 {
                        <p class="px-4 pb-4 text-xs text-ink-500">{ format!("and {unlisted} more") }</p>
                    }
                </>
            }
        }
    };
    html! {
        <Drawer dock={Dock::End} open={props.open} on_close={props.on_close.clone()} id={PANEL_ID}
            label={format!("People in #{}", props.room)} class="w-64 border-l border-ink-800 bg-ink-900">
            <div class="flex items-center justify-between px-4 py-4">
                <h2 class="text-xs font-medium uppercase tracking-wide text-ink-500">{ "People" }</h2>
                <Button variant={Variant::Quiet} label="Close the list of people" on_click={props.on_close.clone()}
                    class="rounded-md p-1 lg:hidden">{ "✕" }</Button>
            </div>
            { body }
        </Drawer>
    }
}

fn member_line(member: Member<'_>) -> Html {
    let initial = member.name.chars().next().map(|c| c.to_uppercase().to_string()).unwrap_or_default();
    let count = member.count;
    html! {
        <li key={member.name.to_owned()} data-member={member.name.to_owned()} data-count={count.to_string()}
            class="flex items-center gap-2 rounded-lg px-2 py-1.5 text-sm">
            <span class="flex h-6 w-6 shrink-0 items-center justify-center rounded-full bg-ink-700 text-xs font-semibold text-ink-100"
                aria-hidden="true">{ initial }</span>
            <bdi class={classes!("truncate", if member.me { "text-accent-200" } else { author_colour(member.name) })}>
                { member.name.to_owned() }
            </bdi>
            if member.me {
                <span class="shrink-0 text-xs text-ink-500" data-you="">{ "(you)" }</span>
            }
            if count > 1 {
                <span class="ml-auto shrink-0 text-xs text-ink-500" title={format!("Connected {count} times (tabs or devices)")}>
                    <span aria-hidden="true">{ format!("×{count}") }</span>
                    <span class="sr-only">{ format!(", connected {count} times") }</span>
                </span>
            }
        </li>
    }
}
