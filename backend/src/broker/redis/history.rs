//! Room history in Redis: running the scripts of [`scripts`](super::scripts)
//! and reading their answers.
//!
//! Each room has its keys in one cluster slot (see [`Names`]): a capped
//! stream of its messages and of the changes made to them, the epoch of that
//! stream, and a hash of each changed message's latest change. The publish
//! and change scripts store, trim and publish in one atomic step, so the
//! stream holds exactly what was delivered, and they keep the keys alive for
//! `HISTORY_TTL` after the last write. A stream that has to be made anew
//! (first message, after expiry, after someone deleted it, after Redis lost
//! its data) gets a new epoch, so an offset into the old one is never
//! mistaken for a continuation.
//!
//! Whether a client's offset can be continued is decided with the stream's
//! first retained entry (`XINFO STREAM`, Redis 7): trimming removes the
//! oldest entries, so anything after an offset at or past the first retained
//! entry is still there; an offset before it may have lost messages after it,
//! and is not continued. (`max-deleted-entry-id` would be more precise, but
//! Redis 7.0 does not update it when it trims.)

use std::net::IpAddr;
use std::time::Duration;

use redis::Script;
use roomcast_protocol::{MessageId, RoomName};
use tracing::warn;

use super::super::{
    millis, Amendment, Backlog, BacklogRequest, BrokerError, Change, Changed, Entry, Envelope, Limit,
    Limited, Page, Published, Refusal, Stored,
};
use super::names::Names;
use super::scripts::{self, script};
use crate::config::HistorySettings;

/// A stream entry as Redis returns it: the id and its field/value pairs.
type RawEntry = (String, Vec<Vec<u8>>);

/// The scripts, loaded once, and the deployment's history settings.
#[derive(Debug)]
pub(super) struct History {
    publish: Script,
    change: Script,
    backlog: Script,
    page: Script,
    size: usize,
    pub(super) ttl_ms: u64,
    dedupe_ms: u64,
    room_rate: u32,
    address_rate: u32,
}

impl History {
    pub(super) fn new(settings: &HistorySettings) -> Self {
        History {
            publish: script(scripts::WRITE, scripts::PUBLISH),
            change: script(scripts::WRITE, scripts::CHANGE),
            backlog: script(scripts::READ, scripts::BACKLOG),
            page: script(scripts::READ, scripts::PAGE),
            size: settings.size,
            ttl_ms: millis(settings.ttl),
            dedupe_ms: millis(settings.dedupe_window),
            room_rate: settings.room_send_rate,
            address_rate: settings.address_send_rate,
        }
    }

    /// Runs the publish script.
    pub(super) async fn publish(
        &self,
        conn: &mut redis::aio::MultiplexedConnection,
        names: &Names,
        room: &RoomName,
        envelope: &Envelope<'_>,
        address: IpAddr,
    ) -> Result<Published, BrokerError> {
        let reply: Vec<Vec<u8>> = self
            .publish
            .key(names.room_stream(room))
            .key(names.room_epoch(room))
            .key(names.room_sent(room, &envelope.client_id))
            .key(names.room_rate(room))
            .key(names.room_address_rate(room, address))
            .key(names.room_changes(room))
            .arg(envelope.to_json())
            .arg(self.size)
            .arg(self.ttl_ms)
            .arg(names.room_channel(room))
            .arg(self.dedupe_ms)
            .arg(self.room_rate)
            .arg(self.address_rate)
            .arg(envelope.author_key())
            .invoke_async(conn)
            .await
            .map_err(unconfirmed)?;
        parse_published(&reply, envelope)
    }

    /// Runs the change script for `author`.
    pub(super) async fn change(
        &self,
        conn: &mut redis::aio::MultiplexedConnection,
        names: &Names,
        room: &RoomName,
        change: &Change<'_>,
        author: &str,
        address: IpAddr,
    ) -> Result<Changed, BrokerError> {
        let kind = if change.text.is_some() { "edit" } else { "delete" };
        let reply: Vec<Vec<u8>> = self
            .change
            .key(names.room_stream(room))
            .key(names.room_epoch(room))
            .key(names.room_changes(room))
            .key(names.room_rate(room))
            .key(names.room_address_rate(room, address))
            .arg(change.message.to_string())
            .arg(author)
            .arg(kind)
            .arg(change.text.as_deref().unwrap_or_default())
            .arg(change.to_json())
            .arg(self.size)
            .arg(self.ttl_ms)
            .arg(names.room_channel(room))
            .arg(self.room_rate)
            .arg(self.address_rate)
            .invoke_async(conn)
            .await
            .map_err(unconfirmed)?;
        parse_changed(&reply)
    }

    pub(super) async fn backlog(
        &self,
        conn: &mut redis::aio::MultiplexedConnection,
        names: &Names,
        room: &RoomName,
        request: BacklogRequest<'_>,
    ) -> Result<Backlog, BrokerError> {
        let since = request.since.map(|s| s.id.to_string()).unwrap_or_default();
        let client_epoch = request.since.map_or("", |s| s.epoch);
        let (epoch, recovered, entries, end): (String, i64, Vec<RawEntry>, String) = self
            .backlog
            .key(names.room_stream(room))
            .key(names.room_epoch(room))
            .key(names.room_changes(room))
            .arg(self.ttl_ms)
            .arg(request.recent)
            .arg(since)
            .arg(client_epoch)
            .arg(self.size.saturating_mul(2).saturating_add(100))
            .invoke_async(conn)
            .await?;
        let mut entries = parse_entries(room, entries);
        if recovered != 1 {
            entries.reverse();
        }
        let recovered = match recovered {
            -1 => None,
            flag => Some(flag == 1),
        };
        let end = end
            .parse()
            .map_err(|err| BrokerError::UnexpectedReply(format!("the stream's last id {end:?}: {err}")))?;
        Ok(Backlog { epoch, recovered, entries, end })
    }

    pub(super) async fn page(
        &self,
        conn: &mut redis::aio::MultiplexedConnection,
        names: &Names,
        room: &RoomName,
        before: MessageId,
        limit: usize,
    ) -> Result<Page, BrokerError> {
        if before <= MessageId::new(0, 0) || limit == 0 {
            return Ok(Page { messages: Vec::new(), more: false });
        }
        let (entries, more): (Vec<RawEntry>, i64) = self
            .page
            .key(names.room_stream(room))
            .key(names.room_changes(room))
            .arg(before.to_string())
            .arg(limit)
            .arg(self.ttl_ms)
            .invoke_async(conn)
            .await?;
        let mut messages = parse_entries(room, entries);
        messages.reverse();
        Ok(Page { messages, more: more == 1 })
    }
}

/// A write's failure once it was sent: losing the connection or the answer
/// means the script may have run (`Unconfirmed`, safe to retry thanks to the
/// dedupe key); anything else is Redis's own answer.
fn unconfirmed(err: redis::RedisError) -> BrokerError {
    if err.is_timeout() {
        BrokerError::Unconfirmed(err.to_string())
    } else if err.is_io_error() || err.is_connection_dropped() {
        BrokerError::Unconfirmed(format!("{}{err}", super::super::BROKEN_SOCKET))
    } else {
        err.into()
    }
}

fn parse_entries(room: &RoomName, entries: Vec<RawEntry>) -> Vec<Stored> {
    entries
        .into_iter()
        // A stream's opening entry holds nothing to deliver.
        .filter(|(_, fields)| fields.first().is_none_or(|name| name.as_slice() != b"o"))
        .filter_map(|(id, fields)| {
            let stored = parse_entry(&id, &fields);
            if stored.is_none() {
                warn!(%room, id, "skipped an unreadable history entry");
            }
            stored
        })
        .collect()
}

/// A stream entry: a message (`m`, with its latest change as `s` when a
/// read added it) or a change (`c`).
fn parse_entry(id: &str, fields: &[Vec<u8>]) -> Option<Stored> {
    let id: MessageId = id.parse().ok()?;
    let field = |name: &[u8]| fields.chunks_exact(2).find(|pair| pair[0] == name).map(|pair| &pair[1]);
    if let Some(json) = field(b"m") {
        let envelope: Envelope<'_> = serde_json::from_slice(json).ok()?;
        let amendment = match field(b"s") {
            Some(raw) => Some(Amendment::parse(raw)?),
            None => None,
        };
        return Some(Stored { id, entry: Entry::Message { envelope: envelope.into_owned(), amendment } });
    }
    let change: Change<'_> = serde_json::from_slice(field(b"c")?).ok()?;
    Some(Stored { id, entry: Entry::Change(change.into_owned()) })
}

/// A reply that does not have the shape the script gives.
fn unexpected(what: &str, reply: &[Vec<u8>]) -> BrokerError {
    let parts: Vec<_> = reply.iter().map(|part| String::from_utf8_lossy(part)).collect();
    BrokerError::UnexpectedReply(format!("{what} answered {parts:?}"))
}

/// A refusal by a shared send limit: `{'', 'room' or 'address', ms}`.
fn parse_limited(reply: &[Vec<u8>]) -> Option<Limited> {
    let limit = match reply.get(1)?.as_slice() {
        b"room" => Limit::Room,
        b"address" => Limit::Address,
        _ => return None,
    };
    let ms = std::str::from_utf8(reply.get(2)?).ok()?.parse::<u64>().ok()?;
    Some(Limited { limit, retry_after: Duration::from_millis(ms) })
}

fn parse_id(raw: &[u8]) -> Option<MessageId> {
    std::str::from_utf8(raw).ok()?.parse().ok()
}

/// Reads the publish script's answer; `sent` is what was published, to stand
/// in for an original that has already left the history.
fn parse_published(reply: &[Vec<u8>], sent: &Envelope<'_>) -> Result<Published, BrokerError> {
    let bad = || unexpected("publish", reply);
    let first = reply.first().ok_or_else(bad)?;
    if first.is_empty() {
        return parse_limited(reply).map(Published::Limited).ok_or_else(bad);
    }
    let id = parse_id(first).ok_or_else(bad)?;
    let Some(original) = reply.get(1) else { return Ok(Published::New(id)) };
    let envelope = serde_json::from_slice::<Envelope<'_>>(original)
        .map_or_else(|_| sent.clone().into_owned(), Envelope::into_owned);
    let amendment = reply.get(2).and_then(|raw| Amendment::parse(raw));
    Ok(Published::Repeat(Stored { id, entry: Entry::Message { envelope, amendment } }))
}

/// Reads the change script's answer.
fn parse_changed(reply: &[Vec<u8>]) -> Result<Changed, BrokerError> {
    let bad = || unexpected("change", reply);
    let first = reply.first().ok_or_else(bad)?;
    if !first.is_empty() {
        let id = parse_id(first).ok_or_else(bad)?;
        return match reply.get(1).map(Vec::as_slice) {
            None => Ok(Changed::New(id)),
            Some(b"repeat") => Ok(Changed::Repeat(id)),
            Some(_) => Err(bad()),
        };
    }
    match reply.get(1).map(Vec::as_slice) {
        Some(b"unknown") => Ok(Changed::Refused(Refusal::Unknown)),
        Some(b"forbidden") => Ok(Changed::Refused(Refusal::NotAuthor)),
        Some(b"deleted") => Ok(Changed::Refused(Refusal::Deleted)),
        _ => parse_limited(reply).map(Changed::Limited).ok_or_else(bad),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::broker::envelope::CHANGE_TAG;

    fn reply(parts: &[&str]) -> Vec<Vec<u8>> {
        parts.iter().map(|p| p.as_bytes().to_vec()).collect()
    }

    fn sent() -> Envelope<'static> {
        Envelope {
            origin: 1,
            session: 2,
            client_id: "c".into(),
            author: "Ada".into(),
            text: "hi".into(),
            user: None,
        }
    }

    #[test]
    fn entries_become_messages_and_changes_and_unreadable_ones_are_skipped() {
        let room = RoomName::parse("general").unwrap();
        let json = br#"{"origin":1,"session":2,"client_id":"c","author":"Ada","text":"hi"}"#.to_vec();
        let change = br#"{"message":"5-0","text":"hello"}"#.to_vec();
        let entries = vec![
            ("5-0".to_owned(), vec![b"m".to_vec(), json.clone(), b"a".to_vec(), b"s:1:2".to_vec()]),
            ("6-0".to_owned(), vec![b"m".to_vec(), b"{not json".to_vec()]),
            ("bad".to_owned(), vec![b"m".to_vec(), json.clone()]),
            ("7-0".to_owned(), vec![b"x".to_vec()]),
            ("8-0".to_owned(), vec![b"c".to_vec(), change]),
            ("8-5".to_owned(), vec![b"o".to_vec(), b"".to_vec()]),
            ("9-0".to_owned(), vec![b"m".to_vec(), json.clone(), b"s".to_vec(), b"e 10-0 hey".to_vec()]),
            ("11-0".to_owned(), vec![b"m".to_vec(), json, b"s".to_vec(), b"edited".to_vec()]),
        ];
        let stored = parse_entries(&room, entries);
        assert_eq!(stored.len(), 3, "{stored:?}");
        assert_eq!(stored[0], Stored::message(MessageId::new(5, 0), sent()));
        let edit = Change { message: MessageId::new(5, 0), text: Some("hello".into()) };
        assert_eq!(stored[1], Stored { id: MessageId::new(8, 0), entry: Entry::Change(edit) });
        let amendment = Amendment { at: MessageId::new(10, 0), text: Some("hey".into()) };
        assert_eq!(
            stored[2],
            Stored {
                id: MessageId::new(9, 0),
                entry: Entry::Message { envelope: sent(), amendment: Some(amendment) }
            }
        );
    }

    #[test]
    fn a_refusal_by_a_shared_limit_says_which_and_for_how_long() {
        let limited = parse_published(&reply(&["", "address", "412"]), &sent()).unwrap();
        let expected = Limited { limit: Limit::Address, retry_after: Duration::from_millis(412) };
        assert_eq!(limited, Published::Limited(expected));
        assert!(parse_published(&reply(&["", "room"]), &sent()).is_err(), "a refusal without its wait");
        assert!(parse_published(&reply(&["", "moon", "5"]), &sent()).is_err());
        let room = Limited { limit: Limit::Room, retry_after: Duration::from_millis(3) };
        assert_eq!(parse_changed(&reply(&["", "room", "3"])).unwrap(), Changed::Limited(room));
    }

    #[test]
    fn a_repeated_send_is_answered_with_the_original_in_its_current_state() {
        let json = String::from_utf8(sent().to_json().into_bytes()).unwrap();
        let repeat = parse_published(&reply(&["4-0", &json, "d 6-0"]), &sent()).unwrap();
        let deleted = Amendment { at: MessageId::new(6, 0), text: None };
        let entry = Entry::Message { envelope: sent(), amendment: Some(deleted) };
        assert_eq!(repeat, Published::Repeat(Stored { id: MessageId::new(4, 0), entry }));
        let gone = parse_published(&reply(&["4-0", "", ""]), &sent()).unwrap();
        assert_eq!(gone, Published::Repeat(Stored::message(MessageId::new(4, 0), sent())), "as sent");
    }

    #[test]
    fn the_change_scripts_answers_are_read_for_what_they_say() {
        assert_eq!(parse_changed(&reply(&["9-0"])).unwrap(), Changed::New(MessageId::new(9, 0)));
        assert_eq!(parse_changed(&reply(&["7-0", "repeat"])).unwrap(), Changed::Repeat(MessageId::new(7, 0)));
        for (why, refusal) in
            [("unknown", Refusal::Unknown), ("forbidden", Refusal::NotAuthor), ("deleted", Refusal::Deleted)]
        {
            assert_eq!(parse_changed(&reply(&["", why])).unwrap(), Changed::Refused(refusal));
        }
        for bad in [&[][..], &["", "what"], &["9-0", "what"], &["nine"]] {
            assert!(parse_changed(&reply(bad)).is_err(), "{bad:?}");
        }
        assert!(
            scripts::CHANGE.contains(&format!("'{CHANGE_TAG}' .. ARGV[5]")),
            "publishes what nodes parse"
        );
    }
}
