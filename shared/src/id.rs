//! Server-assigned message ids.
//!
//! An id is `<milliseconds>-<sequence>`, the shape of a Redis stream entry id:
//! the broker's clock when the message was accepted, and a counter that orders
//! messages accepted in the same millisecond. Within one room ids only grow, in
//! the order members receive the messages, so a client can treat the last id
//! it saw as its offset into the room; across rooms they are merely unique.
//! They survive a broker restart without repeating as long as its clock does
//! not run backwards.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MessageId {
    /// Milliseconds since the Unix epoch, by the broker's clock.
    pub ms: u64,
    /// Orders ids that share a millisecond, starting at 0.
    pub seq: u64,
}

impl MessageId {
    pub const fn new(ms: u64, seq: u64) -> Self {
        MessageId { ms, seq }
    }

    /// The smallest id that is greater than `self` and not older than `now_ms`:
    /// how an in-process broker mints the next id of a room.
    pub fn next_after(self, now_ms: u64) -> Self {
        if now_ms > self.ms {
            MessageId::new(now_ms, 0)
        } else {
            MessageId::new(self.ms, self.seq + 1)
        }
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("message id must look like <milliseconds>-<sequence>, got {0:?}")]
pub struct ParseIdError(String);

impl FromStr for MessageId {
    type Err = ParseIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let fail = || ParseIdError(s.chars().take(48).collect());
        let (ms, seq) = s.split_once('-').ok_or_else(fail)?;
        let digits = |part: &str| {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(fail());
            }
            part.parse::<u64>().map_err(|_| fail())
        };
        Ok(MessageId::new(digits(ms)?, digits(seq)?))
    }
}

impl Serialize for MessageId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for MessageId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_print_and_parse_like_stream_ids() {
        let id = MessageId::new(1_764_480_000_123, 7);
        assert_eq!(id.to_string(), "1764480000123-7");
        assert_eq!("1764480000123-7".parse::<MessageId>(), Ok(id));
        for bad in ["", "12", "-1", "1-", "a-1", "1-2-3", "+1-2", "99999999999999999999-0"] {
            assert!(bad.parse::<MessageId>().is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn ids_order_by_time_then_sequence() {
        let a = MessageId::new(10, 5);
        assert!(a < MessageId::new(10, 6));
        assert!(MessageId::new(10, 6) < MessageId::new(11, 0));
    }

    #[test]
    fn next_after_never_goes_backwards_even_if_the_clock_does() {
        let a = MessageId::new(100, 3);
        assert_eq!(a.next_after(100), MessageId::new(100, 4));
        assert_eq!(a.next_after(90), MessageId::new(100, 4));
        assert_eq!(a.next_after(101), MessageId::new(101, 0));
    }

    #[test]
    fn ids_are_json_strings() {
        let id = MessageId::new(5, 1);
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"5-1\"");
        assert_eq!(serde_json::from_str::<MessageId>("\"5-1\"").unwrap(), id);
        assert!(serde_json::from_str::<MessageId>("51").is_err());
    }
}
