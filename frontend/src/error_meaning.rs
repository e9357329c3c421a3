//! What an `error` frame from the server means for this page, decided in one
//! place.
//!
//! [`classify`] reads a frame's code, room, client id and wait hint, and
//! what we are waiting for in that room, and says what happened: a send
//! failed or may have failed, a send was refused for now and waits for the
//! server's hint (`rate_limited`), a join was refused for good or should be asked again later,
//! a page of older messages could not be read, a note about a room, a
//! general notice, or a server that no longer speaks this page's protocol. The connection task calls it once per error frame and hands the
//! answer to both [`Plan`](crate::plan::Plan) (which forgets a refused room or
//! asks again, sends again) and [`ChatState`](crate::state::ChatState)
//! (which marks a message failed or shows a notice). It lives in a module of its own rather
//! than in either of them because both act on it and neither should decide
//! for the other. A full local queue is reported in the same terms
//! ([`SendFailure::QueueFull`]), and so is a send the plan stopped retrying
//! ([`SendFailure::Unconfirmed`]), so the state has one way to show a failed
//! send. Errors about an `edit` or `delete` (version 6) name the message
//! (`id`): they mean a change to send again or a change that failed
//! ([`ChangeFailure`]), whatever else the page waits for in that room.
//! Pure and unit-tested.

use roomcast_protocol::{ErrorCode, MessageId, RoomName};

/// An `error` frame as it arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorFrame<'a> {
    pub code: ErrorCode,
    pub message: &'a str,
    pub room: Option<&'a str>,
    /// The message of a failed `edit` or `delete` (version 6).
    pub id: Option<MessageId>,
    pub client_id: Option<&'a str>,
    /// With `rate_limited`, from a version 6 server: how long to wait.
    pub retry_after_ms: Option<u64>,
}

/// What an error means for the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorMeaning {
    /// One of our messages was not sent; it is marked failed with the reason.
    SendFailed { room: String, client_id: String, failure: SendFailure },
    /// One of our messages is to go again under the same client id (the
    /// server delivers a client id at most once): `unavailable` says it was
    /// not delivered, `outcome_unknown` that it may have been
    /// (`maybe_delivered`). The plan sends it again at its next check; the
    /// state keeps showing it on its way.
    SendAgain { room: String, client_id: String, maybe_delivered: bool },
    /// One of our messages was refused for now because we send too fast
    /// (`rate_limited`; it was not delivered). The outbox sends it again
    /// under the same client id after the server's hint (`retry_after_ms`,
    /// version 6), or after its own backoff without one; the state shows it
    /// waiting to be sent.
    SendLater { room: String, client_id: String, retry_after_ms: Option<u64> },
    /// The server will not let us into a room we were joining: the room goes
    /// away, with the server's reason.
    JoinRefused { room: RoomName, reason: String },
    /// A room we were joining cannot be joined right now; the join is asked
    /// again on the connection's next check.
    JoinLater { room: RoomName },
    /// A request for older messages of a room was refused: the reader may
    /// ask again by scrolling.
    PagingFailed { room: RoomName, reason: String },
    /// About a room we are already in, or not in at all.
    RoomNote { room: String, message: String },
    /// About nothing in particular: the server's words as they are.
    Notice(String),
    /// The server no longer serves the protocol this page speaks: only a
    /// reload (a newer page) helps, so the connection stops trying.
    Outdated,
    /// The server requires a signed identity and refused ours (missing,
    /// forged or expired): only signing in again helps.
    SignedOut,
    /// A change to one of our messages is to go again, the same frame:
    /// `unavailable` says it was not made, `outcome_unknown` that it may
    /// have been (`maybe_done`); an edit repeated sets the same text, a
    /// delete repeated is answered `message_deleted`. The plan sends it
    /// again at its next check; the state keeps showing it on its way.
    ChangeAgain { room: RoomName, id: MessageId, maybe_done: bool },
    /// A change to one of our messages was not made, for good or until the
    /// user tries again.
    ChangeFailed { room: RoomName, id: MessageId, failure: ChangeFailure },
}

/// Why one of our messages was not sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendFailure {
    /// `rate_limited`, every time the outbox sent it
    /// ([`crate::outbox::MAX_TOO_FAST`] times).
    TooFast,
    /// `unavailable`: the server could not reach its message bus, every
    /// time the plan sent it.
    Unavailable,
    /// `not_joined`.
    NotInRoom,
    /// More messages wait for the connection than the page keeps
    /// ([`crate::plan::MAX_QUEUED`]); no server was asked.
    QueueFull,
    /// Sent more than once without the server ever confirming or refusing
    /// it ([`crate::outbox`] gave up): it may or may not have arrived.
    Unconfirmed,
    /// Any other code, with the server's message.
    Refused(String),
}

/// Why an edit or a delete of one of our messages was not made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeFailure {
    /// `forbidden`: the server does not count us as its author (without
    /// identity, another connection sent it).
    Forbidden,
    /// `unknown_message`: the room's history no longer holds it.
    Gone,
    /// `message_deleted`: it was deleted; for a delete, that is done.
    Deleted,
    /// `rate_limited`: too many messages and changes at once.
    TooFast,
    /// `not_joined`.
    NotInRoom,
    /// `unavailable` every time the plan sent it.
    Unavailable,
    /// Written, but the connection dropped (or the server said
    /// `outcome_unknown` every time) before it was confirmed: it may or may
    /// not have been made.
    Unconfirmed,
    /// The room was not joined on a live connection when the user asked;
    /// no server was asked.
    NotConnected,
    /// Too many changes wait for the server ([`crate::change_queue::MAX_CHANGES`]).
    TooMany,
    /// Any other code, with the server's message.
    Refused(String),
}

impl ChangeFailure {
    fn from_code(code: ErrorCode, message: &str) -> Self {
        match code {
            ErrorCode::Forbidden => ChangeFailure::Forbidden,
            ErrorCode::UnknownMessage => ChangeFailure::Gone,
            ErrorCode::MessageDeleted => ChangeFailure::Deleted,
            ErrorCode::RateLimited => ChangeFailure::TooFast,
            ErrorCode::NotJoined => ChangeFailure::NotInRoom,
            _ => ChangeFailure::Refused(message.to_owned()),
        }
    }

    /// Whether the same change can succeed if asked again a little later.
    pub fn worth_retrying(&self) -> bool {
        matches!(
            self,
            ChangeFailure::TooFast
                | ChangeFailure::Unavailable
                | ChangeFailure::Unconfirmed
                | ChangeFailure::NotConnected
                | ChangeFailure::TooMany
        )
    }
}

/// What the page is waiting for in a room, which decides what an error
/// about that room means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Awaiting {
    Nothing,
    /// Its `joined`, on this connection.
    Join,
    /// The answer to a `history` request.
    Page,
}

impl SendFailure {
    fn from_code(code: ErrorCode, message: &str) -> Self {
        match code {
            ErrorCode::RateLimited => SendFailure::TooFast,
            ErrorCode::Unavailable => SendFailure::Unavailable,
            ErrorCode::NotJoined => SendFailure::NotInRoom,
            _ => SendFailure::Refused(message.to_owned()),
        }
    }

    /// Whether the same message can succeed if sent again a little later.
    pub fn worth_retrying(&self) -> bool {
        matches!(self, SendFailure::TooFast | SendFailure::Unavailable | SendFailure::QueueFull)
    }
}

impl ErrorMeaning {
    /// Whether the connection should end and wait for the user instead of
    /// carrying on (and reconnecting by itself when it drops).
    pub fn ends_connection(&self) -> bool {
        matches!(self, ErrorMeaning::Outdated | ErrorMeaning::SignedOut)
    }
}

/// The one rule for what an error frame means. `awaiting` says what we
/// wait for in a room on this connection. Errors carry no request id, so an
/// error about a room whose page of older messages is on its way is taken
/// as the answer to that request.
pub fn classify(frame: &ErrorFrame<'_>, awaiting: impl Fn(&RoomName) -> Awaiting) -> ErrorMeaning {
    if frame.code == ErrorCode::UnsupportedProtocol {
        return ErrorMeaning::Outdated;
    }
    if frame.code == ErrorCode::Unauthorized {
        return ErrorMeaning::SignedOut;
    }
    if let Some(meaning) = classify_change(frame) {
        return meaning;
    }
    let message = frame.message.to_owned();
    match (frame.room, frame.client_id) {
        (Some(room), Some(client_id))
            if matches!(frame.code, ErrorCode::OutcomeUnknown | ErrorCode::Unavailable) =>
        {
            ErrorMeaning::SendAgain {
                room: room.to_owned(),
                client_id: client_id.to_owned(),
                maybe_delivered: frame.code == ErrorCode::OutcomeUnknown,
            }
        }
        (Some(room), Some(client_id)) if frame.code == ErrorCode::RateLimited => ErrorMeaning::SendLater {
            room: room.to_owned(),
            client_id: client_id.to_owned(),
            retry_after_ms: frame.retry_after_ms,
        },
        (Some(room), Some(client_id)) => ErrorMeaning::SendFailed {
            room: room.to_owned(),
            client_id: client_id.to_owned(),
            failure: SendFailure::from_code(frame.code, frame.message),
        },
        (Some(raw), None) => match RoomName::parse(raw).map(|room| (awaiting(&room), room)) {
            Ok((Awaiting::Join, room)) if frame.code == ErrorCode::Unavailable => {
                ErrorMeaning::JoinLater { room }
            }
            Ok((Awaiting::Join, room)) => ErrorMeaning::JoinRefused { room, reason: message },
            Ok((Awaiting::Page, room)) => ErrorMeaning::PagingFailed { room, reason: message },
            _ => ErrorMeaning::RoomNote { room: raw.to_owned(), message },
        },
        (None, _) => ErrorMeaning::Notice(message),
    }
}

/// An error about an `edit` or `delete` of ours: it names the room and the
/// message (`id`, version 6).
fn classify_change(frame: &ErrorFrame<'_>) -> Option<ErrorMeaning> {
    let room = RoomName::parse(frame.room?).ok()?;
    let id = frame.id?;
    Some(match frame.code {
        ErrorCode::OutcomeUnknown | ErrorCode::Unavailable => {
            ErrorMeaning::ChangeAgain { room, id, maybe_done: frame.code == ErrorCode::OutcomeUnknown }
        }
        code => {
            ErrorMeaning::ChangeFailed { room, id, failure: ChangeFailure::from_code(code, frame.message) }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::room;

    /// Classifies `frame` for a page that is joining #joining, waits for
    /// older messages of #paging and is in #general, and compares with
    /// `expected`.
    #[track_caller]
    fn check(frame: ErrorFrame<'_>, expected: ErrorMeaning) {
        let awaiting = |room: &RoomName| match room.as_str() {
            "joining" => Awaiting::Join,
            "paging" => Awaiting::Page,
            _ => Awaiting::Nothing,
        };
        assert_eq!(classify(&frame, awaiting), expected, "{frame:?}");
    }

    fn frame<'a>(code: ErrorCode, room: Option<&'a str>, client_id: Option<&'a str>) -> ErrorFrame<'a> {
        ErrorFrame { code, message: "the server's words", room, client_id, retry_after_ms: None, id: None }
    }

    fn send_failed(room: &str, failure: SendFailure) -> ErrorMeaning {
        ErrorMeaning::SendFailed { room: room.into(), client_id: "c1".into(), failure }
    }

    fn note(room: &str) -> ErrorMeaning {
        ErrorMeaning::RoomNote { room: room.into(), message: "the server's words".into() }
    }

    #[test]
    fn an_error_about_one_of_our_messages_is_a_failed_send() {
        use ErrorCode::*;
        check(frame(NotJoined, Some("general"), Some("c1")), send_failed("general", SendFailure::NotInRoom));
        check(
            frame(InvalidText, Some("joining"), Some("c1")),
            send_failed("joining", SendFailure::Refused("the server's words".into())),
        );
    }

    #[test]
    fn an_unavailable_bus_or_an_unknown_outcome_is_a_send_to_try_again_not_a_failure() {
        let again = |maybe_delivered| ErrorMeaning::SendAgain {
            room: "general".into(),
            client_id: "c1".into(),
            maybe_delivered,
        };
        check(frame(ErrorCode::Unavailable, Some("general"), Some("c1")), again(false));
        check(frame(ErrorCode::OutcomeUnknown, Some("general"), Some("c1")), again(true));
    }

    #[test]
    fn sending_too_fast_is_a_send_to_try_later_with_the_servers_hint_when_it_gives_one() {
        let later = |retry_after_ms| ErrorMeaning::SendLater {
            room: "general".into(),
            client_id: "c1".into(),
            retry_after_ms,
        };
        let refused = frame(ErrorCode::RateLimited, Some("general"), Some("c1"));
        check(refused, later(None));
        check(ErrorFrame { retry_after_ms: Some(250), ..refused }, later(Some(250)));
        // A refused join or request (no client id) is not a send.
        check(
            ErrorFrame { retry_after_ms: Some(250), ..frame(ErrorCode::RateLimited, Some("general"), None) },
            note("general"),
        );
    }

    #[test]
    fn an_error_about_a_room_whose_older_messages_are_on_their_way_fails_that_request() {
        use ErrorCode::*;
        for code in [Unavailable, Internal, NotJoined] {
            check(
                frame(code, Some("paging"), None),
                ErrorMeaning::PagingFailed { room: room("paging"), reason: "the server's words".into() },
            );
        }
    }

    #[test]
    fn only_waiting_can_make_a_failed_send_succeed() {
        assert!(SendFailure::TooFast.worth_retrying());
        assert!(SendFailure::Unavailable.worth_retrying());
        assert!(SendFailure::QueueFull.worth_retrying());
        assert!(!SendFailure::NotInRoom.worth_retrying());
        assert!(!SendFailure::Refused("too long".into()).worth_retrying());
    }

    #[test]
    fn an_error_about_a_room_being_joined_refuses_it_unless_it_is_unavailable() {
        use ErrorCode::*;
        check(
            frame(TooManyRooms, Some("joining"), None),
            ErrorMeaning::JoinRefused { room: room("joining"), reason: "the server's words".into() },
        );
        check(
            frame(NameRequired, Some("joining"), None),
            ErrorMeaning::JoinRefused { room: room("joining"), reason: "the server's words".into() },
        );
        check(frame(Unavailable, Some("joining"), None), ErrorMeaning::JoinLater { room: room("joining") });
    }

    #[test]
    fn an_error_about_any_other_room_is_a_note_about_it() {
        use ErrorCode::*;
        check(frame(NotJoined, Some("general"), None), note("general"));
        check(frame(Unavailable, Some("general"), None), note("general"));
        check(frame(TooManyRooms, Some("elsewhere"), None), note("elsewhere"));
        check(frame(InvalidRoom, Some("not a room!"), None), note("not a room!"));
    }

    #[test]
    fn an_error_about_no_room_is_a_notice() {
        use ErrorCode::*;
        let notice = || ErrorMeaning::Notice("the server's words".into());
        check(frame(InvalidName, None, None), notice());
        check(frame(MalformedFrame, None, None), notice());
        check(frame(Unknown, None, Some("c1")), notice());
    }

    #[test]
    fn an_unsupported_protocol_means_the_page_is_outdated_whatever_it_is_about() {
        use ErrorCode::{Unauthorized, UnsupportedProtocol};
        check(frame(UnsupportedProtocol, None, None), ErrorMeaning::Outdated);
        check(frame(Unauthorized, None, None), ErrorMeaning::SignedOut);
        assert!(ErrorMeaning::SignedOut.ends_connection(), "a refused sign-in is not retried by itself");
        check(frame(UnsupportedProtocol, Some("joining"), None), ErrorMeaning::Outdated);
        check(frame(UnsupportedProtocol, Some("general"), Some("c1")), ErrorMeaning::Outdated);
    }

    #[test]
    fn only_an_outdated_page_ends_the_connection() {
        assert!(ErrorMeaning::Outdated.ends_connection());
        assert!(!ErrorMeaning::JoinLater { room: room("joining") }.ends_connection());
        assert!(!ErrorMeaning::Notice("bye".into()).ends_connection());
        assert!(!send_failed("general", SendFailure::Unavailable).ends_connection());
    }
}
