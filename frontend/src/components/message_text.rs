//! A message's text as elements: plain text as text nodes, links as `<a>`
//! that open in a new tab without handing it this page (`rel="noopener
//! noreferrer"`), and `@Name` mentions highlighted, the user's own more
//! strongly. Built from [`crate::rich_text`] segments, never from markup.
//!
//! The names a mention can name come from a [`MentionScope`] around the
//! message list (the room's members and the user), so that a message
//! draws again only when those names change.

use std::rc::Rc;

use roomcast_protocol::RoomName;
use yew::prelude::*;

use crate::context::use_chat;
use crate::rich_text::{self, MentionNames, Segment};

/// The names of the room on screen, shared with every message in it.
/// Compared by pointer: the scope makes a new one only when names change.
#[derive(Debug, Clone, Default)]
pub struct MentionContext(pub Rc<MentionNames>);

impl PartialEq for MentionContext {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// The names known in the nearest [`MentionScope`] (none outside one).
#[hook]
pub fn use_mention_names() -> Rc<MentionNames> {
    use_context::<MentionContext>().map(|context| context.0).unwrap_or_default()
}

#[derive(Properties, PartialEq)]
pub struct MentionScopeProps {
    pub room: RoomName,
    #[prop_or_default]
    pub children: Html,
}

/// Provides the names of `room` (its members, once known, and the user's
/// own) to the messages inside.
#[function_component(MentionScope)]
pub fn mention_scope(props: &MentionScopeProps) -> Html {
    let chat = use_chat();
    let me = chat.state.me.clone();
    let members = chat.state.people(&props.room).and_then(|people| people.members.clone());
    let names = use_memo((me, members), |(me, members)| {
        let known = members.iter().flat_map(|members| members.names());
        MentionNames::new(me.as_deref(), known)
    });
    html! {
        <ContextProvider<MentionContext> context={MentionContext(names)}>
            { props.children.clone() }
        </ContextProvider<MentionContext>>
    }
}

#[derive(Properties, PartialEq)]
pub struct MessageTextProps {
    pub text: AttrValue,
}

/// The text of one message, isolated (`dir="auto"`, `unicode-bidi:
/// isolate`) so that right-to-left characters cannot reorder the page.
#[function_component(MessageText)]
pub fn message_text(props: &MessageTextProps) -> Html {
    let names = use_mention_names();
    let parts = rich_text::segments(&props.text, &names).into_iter().map(|segment| match segment {
        Segment::Text(text) => html! { { text } },
        Segment::Link { text, href } => html! {
            <a {href} target="_blank" rel="noopener noreferrer"
                class="font-medium underline decoration-1 underline-offset-2 [overflow-wrap:anywhere] hover:decoration-2 focus:outline-none focus-visible:rounded-sm focus-visible:ring-2 focus-visible:ring-accent-300">
                { text }
            </a>
        },
        Segment::Mention { text, me: true } => html! {
            <span data-mention="me" class="rounded bg-warn-300 px-0.5 font-semibold text-ink-950">{ text }</span>
        },
        Segment::Mention { text, me: false } => html! {
            <span data-mention="other" class="rounded bg-accent-400/25 px-0.5 font-medium">{ text }</span>
        },
    });
    html! {
        <p class="whitespace-pre-wrap break-words [unicode-bidi:isolate]" dir="auto" data-text="">{ for parts }</p>
    }
}
