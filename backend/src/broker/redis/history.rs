//! Room history in Redis: the Lua scripts and the reads.
//!
//! Each room has two keys in one cluster slot (see [`Names`]): a capped
//! stream of its messages and the epoch of that stream. The publish script
//! stores, trims and publishes in one atomic step, so the stream holds exactly
//! what was delivered, and it keeps both keys alive for `HISTORY_TTL` after the
//! last message. A stream that has to be made anew (first message, after
//! expiry, after someone deleted it, after Redis lost its data) gets a new
//! epoch, so an offset into the old one is never mistaken for a continuation.
//!
//! Whether a client's offset can be continued is decided with the stream's
//! first retained entry (`XINFO STREAM`, Redis 7): trimming removes the
//! oldest entries, so anything after an offset at or past the first retained
//! entry is still there; an offset before it may have lost messages after it,
//! and is not continued. (`max-deleted-entry-id` would be more precise, but
//! Redis 7.0 does not update it when it trims.)

use std::time::Duration;

use redis::Script;
use roomcast_protocol::{MessageId, RoomName};
use tracing::warn;

use super::super::{
    millis, Backlog, BacklogRequest, BrokerError, Envelope, Limit, Limited, Page, Published, Stored,
};
use super::names::Names;
use crate::config::HistorySettings;

/// Stores, trims and publishes one message; returns `{id}`. If the room was
/// sent the same client id within the dedupe window it publishes nothing and
/// returns `{original id, original envelope or ''}`; if the room, or the
/// sender's address in it, is over its messages per second, it publishes
/// nothing and returns `{'', 'room' or 'address', ms until that counter's
/// window ends}`.
///
/// KEYS: the room's stream, its epoch, the client id's dedupe key, the room's
/// rate counter, the address's rate counter. ARGV: the envelope, the most
/// entries kept, the lifetime in ms, the room's channel, the dedupe window in
/// ms, the room's and the address's limit per second (0: none).
pub(super) const PUBLISH: &str = r"
local seen = redis.call('GET', KEYS[3])
if seen then
  local entry = redis.call('XRANGE', KEYS[1], seen, seen)
  if #entry == 1 then return {seen, entry[1][2][2]} end
  return {seen, ''}
end
local function over(key, limit)
  if tonumber(limit) == 0 then return false end
  local count = redis.call('INCR', key)
  if count == 1 then redis.call('PEXPIRE', key, 1000) end
  if count <= tonumber(limit) then return false end
  local left = redis.call('PTTL', key)
  if left < 1 then left = 1 end
  return tostring(left)
end
local wait = over(KEYS[4], ARGV[6])
if wait then return {'', 'room', wait} end
wait = over(KEYS[5], ARGV[7])
if wait then return {'', 'address', wait} end
local now = redis.call('TIME')
local epoch = now[1] .. '.' .. now[2]
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('SET', KEYS[2], epoch)
else
  epoch = redis.call('SET', KEYS[2], epoch, 'NX', 'GET') or epoch
end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'm', ARGV[1])
local oldest = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - tonumber(ARGV[3])
if oldest > 0 then
  redis.call('XTRIM', KEYS[1], 'MINID', '~', oldest)
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('PUBLISH', ARGV[4], id .. ' ' .. epoch .. ' ' .. ARGV[1])
redis.call('SET', KEYS[3], id, 'PX', ARGV[5])
return {id}
";

/// Reads what a joining session gets: `{epoch, recovered, entries, end}`
/// where `recovered` is -1 (not asked), 0 or 1, `entries` are everything
/// after `since` when it is 1 (oldest first) or else the most recent ones
/// (newest first), and `end` is the last id the stream minted. A room without
/// history starts one, so the epoch a client is given is the one its first
/// message will continue.
///
/// KEYS: the room's stream, its epoch. ARGV: the lifetime in ms, how many
/// recent entries, `since` or '', the client's epoch or '', most entries to
/// replay.
const BACKLOG: &str = r"
local now = redis.call('TIME')
local fresh = now[1] .. '.' .. now[2]
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('XADD', KEYS[1], 'MAXLEN', '0', '*', 'm', '')
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  redis.call('SET', KEYS[2], fresh, 'PX', ARGV[1])
elseif redis.call('EXISTS', KEYS[2]) == 0 then
  redis.call('SET', KEYS[2], fresh, 'PX', ARGV[1])
end
local epoch = redis.call('GET', KEYS[2])
local info = redis.call('XINFO', 'STREAM', KEYS[1])
local fields = {}
for i = 1, #info, 2 do fields[info[i]] = info[i + 1] end
local last = fields['last-generated-id']
local recovered = -1
if ARGV[3] ~= '' then
  recovered = 0
  if ARGV[4] == epoch then
    local kept = fields['recorded-first-entry-id']
    if fields['length'] == 0 then kept = fields['last-generated-id'] end
    local sm, ss = string.match(ARGV[3], '^(%d+)-(%d+)$')
    local km, ks = string.match(kept, '^(%d+)-(%d+)$')
    sm, ss, km, ks = tonumber(sm), tonumber(ss), tonumber(km), tonumber(ks)
    if sm > km or (sm == km and ss >= ks) then recovered = 1 end
  end
end
if recovered == 1 then
  return {epoch, 1, redis.call('XRANGE', KEYS[1], '(' .. ARGV[3], '+', 'COUNT', ARGV[5]), last}
end
if tonumber(ARGV[2]) == 0 then
  return {epoch, recovered, {}, last}
end
local oldest = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - tonumber(ARGV[1])
if oldest < 0 then oldest = 0 end
return {epoch, recovered, redis.call('XREVRANGE', KEYS[1], '+', oldest, 'COUNT', ARGV[2]), last}
";

/// A stream entry as Redis returns it: the id and its field/value pairs.
type Entry = (String, Vec<Vec<u8>>);

/// The reads, given a connection and the deployment's settings.
#[derive(Debug)]
pub(super) struct History {
    backlog: Script,
    pub(super) size: usize,
    pub(super) ttl_ms: u64,
    pub(super) dedupe_ms: u64,
    pub(super) room_rate: u32,
    pub(super) address_rate: u32,
}

impl History {
    pub(super) fn new(settings: &HistorySettings) -> Self {
        History {
            backlog: Script::new(BACKLOG),
            size: settings.size,
            ttl_ms: millis(settings.ttl),
            dedupe_ms: millis(settings.dedupe_window),
            room_rate: settings.room_send_rate,
            address_rate: settings.address_send_rate,
        }
    }

    pub(super) async fn backlog(
        &self,
        conn: &mut deadpool_redis::Connection,
        names: &Names,
        room: &RoomName,
        request: BacklogRequest<'_>,
    ) -> Result<Backlog, BrokerError> {
        let since = request.since.map(|s| s.id.to_string()).unwrap_or_default();
        let client_epoch = request.since.map_or("", |s| s.epoch);
        let (epoch, recovered, entries, end): (String, i64, Vec<Entry>, String) = self
            .backlog
            .key(names.room_stream(room))
            .key(names.room_epoch(room))
            .arg(self.ttl_ms)
            .arg(request.recent)
            .arg(since)
            .arg(client_epoch)
            .arg(self.size.saturating_mul(2).saturating_add(100))
            .invoke_async(conn)
            .await?;
        let mut messages = parse_entries(room, entries);
        if recovered != 1 {
            messages.reverse();
        }
        let recovered = match recovered {
            -1 => None,
            flag => Some(flag == 1),
        };
        let end = end
            .parse()
            .map_err(|err| BrokerError::UnexpectedReply(format!("the stream's last id {end:?}: {err}")))?;
        Ok(Backlog { epoch, recovered, messages, end })
    }

    pub(super) async fn page(
        &self,
        conn: &mut deadpool_redis::Connection,
        names: &Names,
        room: &RoomName,
        before: MessageId,
        limit: usize,
    ) -> Result<Page, BrokerError> {
        if before <= MessageId::new(0, 0) || limit == 0 {
            return Ok(Page { messages: Vec::new(), more: false });
        }
        let oldest = super::super::now_ms().saturating_sub(self.ttl_ms);
        let entries: Vec<Entry> = redis::cmd("XREVRANGE")
            .arg(names.room_stream(room))
            .arg(format!("({before}"))
            .arg(oldest)
            .arg("COUNT")
            .arg(limit + 1)
            .query_async(conn)
            .await?;
        let mut messages = parse_entries(room, entries);
        let more = messages.len() > limit;
        messages.truncate(limit);
        messages.reverse();
        Ok(Page { messages, more })
    }
}

fn parse_entries(room: &RoomName, entries: Vec<Entry>) -> Vec<Stored> {
    entries
        .into_iter()
        .filter_map(|(id, fields)| {
            let stored = parse_entry(&id, &fields);
            if stored.is_none() {
                warn!(%room, id, "skipped an unreadable history entry");
            }
            stored
        })
        .collect()
}

/// Reads the publish script's answer; `sent` is what was published, to stand
/// in for an original that has already left the history.
pub(super) fn parse_published(reply: &[Vec<u8>], sent: &Envelope<'_>) -> Result<Published, BrokerError> {
    let bad = || BrokerError::UnexpectedReply(format!("publish answered {} parts", reply.len()));
    let id = reply.first().ok_or_else(bad)?;
    if id.is_empty() {
        let limit = match reply.get(1).map(Vec::as_slice) {
            Some(b"room") => Limit::Room,
            Some(b"address") => Limit::Address,
            _ => return Err(bad()),
        };
        let ms = reply.get(2).and_then(|ms| std::str::from_utf8(ms).ok()?.parse::<u64>().ok());
        let retry_after = Duration::from_millis(ms.ok_or_else(bad)?);
        return Ok(Published::Limited(Limited { limit, retry_after }));
    }
    let id = std::str::from_utf8(id).ok().and_then(|id| id.parse::<MessageId>().ok()).ok_or_else(|| {
        BrokerError::UnexpectedReply(format!("publish answered the id {:?}", String::from_utf8_lossy(id)))
    })?;
    let Some(original) = reply.get(1) else { return Ok(Published::New(id)) };
    let envelope = serde_json::from_slice::<Envelope<'_>>(original)
        .map_or_else(|_| sent.clone().into_owned(), Envelope::into_owned);
    Ok(Published::Repeat(Stored { id, envelope }))
}

fn parse_entry(id: &str, fields: &[Vec<u8>]) -> Option<Stored> {
    let id: MessageId = id.parse().ok()?;
    let json = fields.chunks_exact(2).find(|pair| pair[0] == b"m")?.get(1)?;
    let envelope: Envelope<'_> = serde_json::from_slice(json).ok()?;
    Some(Stored { id, envelope: envelope.into_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_become_stored_messages_and_unreadable_ones_are_skipped() {
        let room = RoomName::parse("general").unwrap();
        let json = br#"{"origin":1,"session":2,"client_id":"c","author":"Ada","text":"hi"}"#.to_vec();
        let entries = vec![
            ("5-0".to_owned(), vec![b"m".to_vec(), json.clone()]),
            ("6-0".to_owned(), vec![b"m".to_vec(), b"{not json".to_vec()]),
            ("bad".to_owned(), vec![b"m".to_vec(), json]),
            ("7-0".to_owned(), vec![b"x".to_vec()]),
        ];
        let stored = parse_entries(&room, entries);
        assert_eq!(stored.len(), 1);
        assert_eq!((stored[0].id, stored[0].envelope.text.as_ref()), (MessageId::new(5, 0), "hi"));
    }

    #[test]
    fn a_refusal_by_a_shared_limit_says_which_and_for_how_long() {
        let sent = Envelope {
            origin: 1,
            session: 2,
            client_id: "c".into(),
            author: "Ada".into(),
            text: "hi".into(),
            user: None,
        };
        let reply = |parts: &[&str]| parts.iter().map(|p| p.as_bytes().to_vec()).collect::<Vec<_>>();
        let limited = parse_published(&reply(&["", "address", "412"]), &sent).unwrap();
        let expected = Limited { limit: Limit::Address, retry_after: Duration::from_millis(412) };
        assert_eq!(limited, Published::Limited(expected));
        assert!(parse_published(&reply(&["", "room"]), &sent).is_err(), "a refusal without its wait");
        assert!(parse_published(&reply(&["", "moon", "5"]), &sent).is_err());
    }
}
