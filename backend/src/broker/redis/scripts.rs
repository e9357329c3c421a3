//! The Lua scripts that write and read a room's history, each run by Redis
//! as one atomic step. [`History`](super::history::History) loads them; a
//! script is a prelude of shared helpers followed by its body.
//!
//! A room's stream holds two kinds of entry: a message (fields `m`, its
//! envelope, and `a`, the key of who may change it) and a change to an
//! earlier message (field `c`, the change); and a stream that a read
//! started begins with an *opening* entry (field `o`), the end a first
//! joiner is told, kept so that recovering from it succeeds until older
//! entries are trimmed (readers skip it). The room's changes hash keeps,
//! per changed message id, its latest change: `e <change id> <text>` or
//! `d <change id>`. Reads add that to each message they return, as a field
//! `s`, so messages come in their current state.

/// Helpers every script may use.
pub(super) const COMMON: &str = r"
local function now_ms(now)
  return tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
end
";

/// Helpers of the scripts that append to a room's stream.
pub(super) const WRITE: &str = r"
-- Counts one more message against `limit` a second (0: none) on the counter
-- `key`: false within the limit, else the ms until the counter's window ends.
local function over(key, limit)
  if tonumber(limit) == 0 then return false end
  local count = redis.call('INCR', key)
  if count == 1 then redis.call('PEXPIRE', key, 1000) end
  if count <= tonumber(limit) then return false end
  local left = redis.call('PTTL', key)
  if left < 1 then left = 1 end
  return tostring(left)
end

-- The room's and the address's limits: nil, or the refusal to return.
local function limited(room_key, room_limit, address_key, address_limit)
  local wait = over(room_key, room_limit)
  if wait then return {'', 'room', wait} end
  wait = over(address_key, address_limit)
  if wait then return {'', 'address', wait} end
  return nil
end

-- Appends an entry with `fields` to the stream, trims the stream to about
-- `size` entries none older than `ttl` ms, keeps it and its epoch alive for
-- `ttl`, and publishes `<id> <epoch> <payload>` on `channel`. A stream made
-- anew gets a new epoch. Returns the entry's id.
local function append(stream, epoch_key, size, ttl, channel, payload, fields)
  local now = redis.call('TIME')
  local epoch = now[1] .. '.' .. now[2]
  if redis.call('EXISTS', stream) == 0 then
    redis.call('SET', epoch_key, epoch)
  else
    epoch = redis.call('SET', epoch_key, epoch, 'NX', 'GET') or epoch
  end
  local id = redis.call('XADD', stream, 'MAXLEN', '~', size, '*', unpack(fields))
  local oldest = now_ms(now) - tonumber(ttl)
  if oldest > 0 then
    redis.call('XTRIM', stream, 'MINID', '~', oldest)
  end
  redis.call('PEXPIRE', stream, ttl)
  redis.call('PEXPIRE', epoch_key, ttl)
  redis.call('PUBLISH', channel, id .. ' ' .. epoch .. ' ' .. payload)
  return id
end
";

/// Helpers of the scripts that read a room's messages.
pub(super) const READ: &str = r"
-- A message entry with its latest change, if any, added as field 's'.
local function fold(entry, changes)
  if entry[2][1] == 'm' then
    local last = redis.call('HGET', changes, entry[1])
    if last then
      table.insert(entry[2], 's')
      table.insert(entry[2], last)
    end
  end
  return entry
end

-- Up to `count` (at least 1) messages before `cursor` ('+' or '(<id>'), none
-- older than `oldest` ms, newest first, in their current state; and 1 when
-- older messages remain, else 0. Changes in between are skipped.
local function messages_before(stream, changes, cursor, oldest, count)
  local found = {}
  while true do
    local batch = redis.call('XREVRANGE', stream, cursor, oldest, 'COUNT', count + 1)
    for _, entry in ipairs(batch) do
      if entry[2][1] == 'm' then
        if #found == count then return found, 1 end
        table.insert(found, fold(entry, changes))
      end
    end
    if #batch <= count then return found, 0 end
    cursor = '(' .. batch[#batch][1]
  end
end
";

/// Stores, trims and publishes one message; returns `{id}`. If the room was
/// sent the same client id within the dedupe window it publishes nothing and
/// returns `{original id, original envelope or '', its latest change or ''}`;
/// if the room, or the sender's address in it, is over its messages per
/// second, it publishes nothing and returns `{'', 'room' or 'address', ms
/// until that counter's window ends}`.
///
/// KEYS: the room's stream, its epoch, the client id's dedupe key, the room's
/// rate counter, the address's rate counter, the room's changes hash. ARGV:
/// the envelope, the most entries kept, the lifetime in ms, the room's
/// channel, the dedupe window in ms, the room's and the address's limit per
/// second (0: none), the sender's author key.
pub(super) const PUBLISH: &str = r"
local seen = redis.call('GET', KEYS[3])
if seen then
  local entry = redis.call('XRANGE', KEYS[1], seen, seen)[1]
  if entry then return {seen, entry[2][2], redis.call('HGET', KEYS[6], seen) or ''} end
  return {seen, '', ''}
end
local refusal = limited(KEYS[4], ARGV[6], KEYS[5], ARGV[7])
if refusal then return refusal end
local id = append(KEYS[1], KEYS[2], ARGV[2], ARGV[3], ARGV[4], ARGV[1], {'m', ARGV[1], 'a', ARGV[8]})
redis.call('SET', KEYS[3], id, 'PX', ARGV[5])
return {id}
";

/// Edits or deletes a message for its author, and publishes the change:
/// checks that the stream holds the message (not a change, not older than
/// the lifetime: else `{'', 'unknown'}`), that the author key stored with it
/// is the requester's (else `{'', 'forbidden'}`) and that it was not deleted
/// (else `{'', 'deleted'}`). An edit to the text the latest edit set
/// publishes nothing and returns `{that edit's id, 'repeat'}`. Then the send
/// limits apply as in [`PUBLISH`]. The change is appended and published
/// like a message, the message's latest change is set in the changes hash
/// (kept alive as long as the stream), and returns `{id}`. When the hash
/// has grown past twice the history's size, fields of messages that left
/// the stream are removed.
///
/// KEYS: the room's stream, its epoch, its changes hash, the room's rate
/// counter, the address's rate counter. ARGV: the message id, the
/// requester's author key, 'edit' or 'delete', the new text (or ''), the
/// change's JSON, the most entries kept, the lifetime in ms, the room's
/// channel, the room's and the address's limit per second.
pub(super) const CHANGE: &str = r"
local entry = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])[1]
if not entry or entry[2][1] ~= 'm' then return {'', 'unknown'} end
local now = redis.call('TIME')
local oldest = now_ms(now) - tonumber(ARGV[7])
if tonumber(string.match(ARGV[1], '^(%d+)-')) < oldest then return {'', 'unknown'} end
local author = false
for i = 3, #entry[2], 2 do
  if entry[2][i] == 'a' then author = entry[2][i + 1] end
end
if author ~= ARGV[2] then return {'', 'forbidden'} end
local last = redis.call('HGET', KEYS[3], ARGV[1])
if last then
  if string.sub(last, 1, 2) == 'd ' then return {'', 'deleted'} end
  local edit, text = string.match(last, '^e (%S+) (.*)$')
  if ARGV[3] == 'edit' and text == ARGV[4] then return {edit, 'repeat'} end
end
local refusal = limited(KEYS[4], ARGV[9], KEYS[5], ARGV[10])
if refusal then return refusal end
local id = append(KEYS[1], KEYS[2], ARGV[6], ARGV[7], ARGV[8], 'change ' .. ARGV[5], {'c', ARGV[5]})
local state = 'd ' .. id
if ARGV[3] == 'edit' then state = 'e ' .. id .. ' ' .. ARGV[4] end
redis.call('HSET', KEYS[3], ARGV[1], state)
redis.call('PEXPIRE', KEYS[3], ARGV[7])
if redis.call('HLEN', KEYS[3]) > 2 * tonumber(ARGV[6]) + 100 then
  local first = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)[1][1]
  local fm, fs = string.match(first, '^(%d+)-(%d+)$')
  fm, fs = tonumber(fm), tonumber(fs)
  for _, field in ipairs(redis.call('HKEYS', KEYS[3])) do
    local m, s = string.match(field, '^(%d+)-(%d+)$')
    m, s = tonumber(m), tonumber(s)
    if not m or m < oldest or m < fm or (m == fm and s < fs) then
      redis.call('HDEL', KEYS[3], field)
    end
  end
end
return {id}
";

/// Reads what a joining session gets: `{epoch, recovered, entries, end}`
/// where `recovered` is -1 (not asked), 0 or 1, `entries` are everything
/// after `since` when it is 1 (oldest first, messages and changes) or else
/// the most recent messages (newest first), and `end` is the last id the
/// stream minted. Messages come with their latest change. A room without
/// history starts one, so the epoch a client is given is the one its first
/// message will continue.
///
/// KEYS: the room's stream, its epoch, its changes hash. ARGV: the lifetime
/// in ms, how many recent messages, `since` or '', the client's epoch or '',
/// most entries to replay.
pub(super) const BACKLOG: &str = r"
local now = redis.call('TIME')
local fresh = now[1] .. '.' .. now[2]
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('XADD', KEYS[1], '*', 'o', '')
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
  local entries = redis.call('XRANGE', KEYS[1], '(' .. ARGV[3], '+', 'COUNT', ARGV[5])
  for _, entry in ipairs(entries) do fold(entry, KEYS[3]) end
  return {epoch, 1, entries, last}
end
if tonumber(ARGV[2]) == 0 then
  return {epoch, recovered, {}, last}
end
local oldest = now_ms(now) - tonumber(ARGV[1])
if oldest < 0 then oldest = 0 end
local found = messages_before(KEYS[1], KEYS[3], '+', oldest, tonumber(ARGV[2]))
return {epoch, recovered, found, last}
";

/// One page of messages before an id, newest first, in their current state:
/// `{messages, 1 if older ones remain else 0}`.
///
/// KEYS: the room's stream, its changes hash. ARGV: the id (exclusive), most
/// messages (at least 1), the lifetime in ms.
pub(super) const PAGE: &str = r"
local oldest = now_ms(redis.call('TIME')) - tonumber(ARGV[3])
if oldest < 0 then oldest = 0 end
local found, more = messages_before(KEYS[1], KEYS[2], '(' .. ARGV[1], oldest, tonumber(ARGV[2]))
return {found, more}
";

/// A script of `body` after the `COMMON` helpers and the given others.
pub(super) fn script(helpers: &str, body: &str) -> redis::Script {
    redis::Script::new(&format!("{COMMON}{helpers}{body}"))
}
