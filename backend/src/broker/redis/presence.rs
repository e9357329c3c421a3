//! Presence and typing on Redis.
//!
//! Each room has a hash of who is in it, one field per node (its origin in
//! hex) holding that node's names and counts; a node rewrites its own field
//! and announces it on the room's channel (`p <origin> <names>`) in one
//! script call. A node that subscribes to a room reads the hash once. Every
//! node keeps a key alive while it runs; a node that dies stops refreshing
//! it, and the others, checking the nodes they know of at every probe, drop
//! its members within `PROBE_TIMEOUT` + `PROBE_INTERVAL`.
//!
//! Typing travels on the room's channel only (`t <typist>`), never stored.

use std::collections::HashMap;

use futures_util::FutureExt;
use redis::aio::MultiplexedConnection;
use redis::AsyncCommands;
use roomcast_protocol::RoomName;
use tracing::{debug, warn};

use super::super::{millis, BrokerError, Typist};
use super::{Deadline, Inner};
use crate::presence::Names;

/// Rewrites a node's part of a room's presence and announces it.
///
/// KEYS: the room's presence hash. ARGV: the node's origin in hex, its names
/// as JSON (`{}`: none left), the room's channel.
pub(super) const PUBLISH_PRESENCE: &str = r"
if ARGV[2] == '{}' then
  redis.call('HDEL', KEYS[1], ARGV[1])
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
end
redis.call('PUBLISH', ARGV[3], 'p ' .. ARGV[1] .. ' ' .. ARGV[2])
";

impl Inner {
    pub(super) async fn publish_presence(
        &self,
        room: &RoomName,
        origin: u64,
        names: &Names,
    ) -> Result<(), BrokerError> {
        let json =
            serde_json::to_string(names).map_err(|err| BrokerError::UnexpectedReply(err.to_string()))?;
        let json = json.as_str();
        self.with_connection(Deadline::Read, |mut conn| {
            async move {
                self.presence_script
                    .key(self.names.room_presence(room))
                    .arg(format!("{origin:016x}"))
                    .arg(json)
                    .arg(self.names.room_channel(room))
                    .invoke_async::<()>(&mut conn)
                    .await?;
                Ok(())
            }
            .boxed()
        })
        .await
    }

    pub(super) async fn publish_typing(
        &self,
        room: &RoomName,
        typist: &Typist<'_>,
    ) -> Result<(), BrokerError> {
        let json =
            serde_json::to_string(typist).map_err(|err| BrokerError::UnexpectedReply(err.to_string()))?;
        let json = json.as_str();
        self.with_connection(Deadline::Read, |mut conn| {
            async move {
                conn.publish::<_, _, ()>(self.names.room_channel(room), format!("t {json}")).await?;
                Ok(())
            }
            .boxed()
        })
        .await
    }

    /// Reads who of the other live nodes is in `room`, and forgets the
    /// parts of nodes that died.
    pub(super) async fn sync_presence(&self, room: &RoomName) -> Result<(), BrokerError> {
        let key = self.names.room_presence(room);
        let key = key.as_str();
        let call = |mut conn: MultiplexedConnection| {
            async move {
                let parts: HashMap<String, String> = conn.hgetall(key).await?;
                let mut live = Vec::new();
                for (origin_hex, json) in parts {
                    let Ok(origin) = u64::from_str_radix(&origin_hex, 16) else { continue };
                    if origin == self.origin {
                        continue;
                    }
                    if conn.exists::<_, bool>(self.names.node_alive(origin)).await? {
                        live.push((origin, json));
                    } else {
                        conn.hdel::<_, _, ()>(&key, &origin_hex).await?;
                    }
                }
                Ok::<_, BrokerError>(live)
            }
            .boxed()
        };
        for (origin, json) in self.with_connection(Deadline::Read, call).await? {
            match serde_json::from_str::<Names>(&json) {
                Ok(names) => self.handler.presence(room, origin, names),
                Err(err) => warn!(%room, cause = %err, "unreadable presence entry"),
            }
        }
        Ok(())
    }

    /// A presence or typing announcement from the room's channel.
    pub(super) fn handle_signal(&self, room: &RoomName, payload: &[u8]) {
        let Ok(text) = std::str::from_utf8(payload) else { return };
        match text.split_once(' ') {
            Some(("p", rest)) => {
                let Some((origin_hex, json)) = rest.split_once(' ') else { return };
                let Ok(origin) = u64::from_str_radix(origin_hex, 16) else { return };
                if origin == self.origin {
                    return;
                }
                match serde_json::from_str::<Names>(json) {
                    Ok(names) => self.handler.presence(room, origin, names),
                    Err(err) => warn!(%room, cause = %err, "unreadable presence announcement"),
                }
            }
            Some(("t", json)) => match serde_json::from_str::<Typist<'_>>(json) {
                Ok(typist) => self.handler.typing(room, &typist),
                Err(err) => debug!(%room, cause = %err, "unreadable typing announcement"),
            },
            _ => warn!(%room, "dropped an unreadable announcement"),
        }
    }

    /// Keeps this node's alive key fresh and drops the members of known
    /// nodes whose key expired. Runs beside the probe, off the subscription loop.
    pub(super) async fn heartbeat(&self) -> Result<(), BrokerError> {
        let ttl = millis(self.probe_timeout);
        let origins: Vec<u64> = self.handler.remote_origins().into_iter().collect();
        let origins = origins.as_slice();
        let call = |mut conn: MultiplexedConnection| {
            async move {
                conn.pset_ex::<_, _, ()>(self.names.node_alive(self.origin), 1, ttl).await?;
                let mut gone = Vec::new();
                for &origin in origins {
                    if !conn.exists::<_, bool>(self.names.node_alive(origin)).await? {
                        gone.push(origin);
                    }
                }
                Ok::<_, BrokerError>(gone)
            }
            .boxed()
        };
        for origin in self.with_connection(Deadline::Read, call).await? {
            warn!(node = format!("{origin:016x}"), "a node stopped without leaving; its members are gone");
            self.handler.node_gone(origin);
        }
        Ok(())
    }
}
