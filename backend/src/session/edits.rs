//! `edit` and `delete` (version 6): a member changes a message it sent.
//!
//! The checks that need only the session come first: the version, the room,
//! the text (the rules of `send`) and the send budget, which changes share
//! with messages. The broker then checks, in the same step that stores and
//! publishes the change, that the room's history holds the message, that
//! its author is this connection (or, with identity tokens, this user) and
//! that it was not deleted. Every member, the author included, gets the
//! change as an `edited` or `deleted` frame, in order with the room's
//! messages: that is the author's acknowledgement.

use std::borrow::Cow;
use std::time::Instant;

use roomcast_protocol::{version, ErrorCode, MessageId, MessageText, RoomName};

use super::{limit_message, About, Session};
use crate::broker::envelope::author_key;
use crate::broker::{Change, Changed, Limited, Refusal};

impl Session {
    /// Edits message `id` of `raw_room` to `text`, or deletes it (`None`).
    pub(super) async fn change(&mut self, raw_room: &str, id: MessageId, text: Option<&str>) {
        let kind = if text.is_some() { "edit" } else { "delete" };
        if self.protocol < version::EDITS {
            let message = format!(
                "{kind} needs protocol version {}; this connection speaks version {}",
                version::EDITS,
                self.protocol
            );
            self.refuse(ErrorCode::UnknownType, message, About::default());
            return self.strike();
        }
        let room = match RoomName::parse(raw_room) {
            Ok(room) => room,
            Err(err) => return self.refuse(err.code(), err.to_string(), about(raw_room, id)),
        };
        if !self.rooms.contains(&room) {
            let message = format!("join the room before you {kind} its messages");
            return self.refuse(ErrorCode::NotJoined, message, about(room.as_str(), id));
        }
        if let Some(Err(err)) = text.map(MessageText::check) {
            return self.refuse(err.code(), err.to_string(), about(room.as_str(), id));
        }
        let outcome = format!("this {kind} was not made");
        if !self.sends.try_take(Instant::now()) {
            let rate = self.node.settings.send_rate;
            let message = format!("slow down: at most {rate} messages per second; {outcome}");
            let retry_after = self.sends.next_token_in();
            return self.refuse(
                ErrorCode::RateLimited,
                message,
                About { retry_after, ..about(room.as_str(), id) },
            );
        }
        let change = Change { message: id, text: text.map(Cow::Borrowed) };
        let user = self.identity.as_ref().map(|identity| identity.user.as_str());
        let author = author_key(self.node.origin, self.id, user);
        match self.node.broker.change(&room, &change, &author, self.address).await {
            Ok(Changed::New(_)) => self.node.metrics.changed(kind),
            // The same edit again (a retry): only its author hears of it again.
            Ok(Changed::Repeat(at)) => self.reply(&change.to_frame(&room, at)),
            Ok(Changed::Refused(refusal)) => {
                let (code, message) = match refusal {
                    Refusal::Unknown => (
                        ErrorCode::UnknownMessage,
                        "this room's history holds no such message (it may be too old)",
                    ),
                    Refusal::NotAuthor => (ErrorCode::Forbidden, "you can only change messages you sent"),
                    Refusal::Deleted => (ErrorCode::MessageDeleted, "this message was deleted"),
                };
                self.refuse(code, message, about(room.as_str(), id));
            }
            Ok(Changed::Limited(Limited { limit, retry_after })) => {
                let message = limit_message(limit, &outcome);
                let retry_after = Some(retry_after);
                self.refuse(
                    ErrorCode::RateLimited,
                    message,
                    About { retry_after, ..about(room.as_str(), id) },
                );
            }
            Err(err) => {
                let (code, message) = self.broker_failure(&room, &err, &outcome);
                self.refuse(code, message, about(room.as_str(), id));
            }
        }
    }
}

/// What an error about a change of message `id` in `room` says.
fn about(room: &str, id: MessageId) -> About<'_> {
    About { room: Some(room), id: Some(id), ..About::default() }
}
