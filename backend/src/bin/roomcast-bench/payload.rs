//! The text of every message the bench sends, and the `client_id` of its
//! `send`: which step and publisher it belongs to, its place in that
//! publisher's sequence and when it was due, padded to the payload size.

/// What a receiver learns from a message's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// The ramp step (0 for a single run), so stragglers of an earlier step are
    /// not counted in a later one.
    pub step: u32,
    pub publisher: u32,
    /// 0, 1, 2, … per publisher and step.
    pub seq: u64,
    /// When the send was due, in µs on the bench's own clock ([`crate::clock`]).
    /// The due time, not the time the socket took it: a publisher that falls
    /// behind shows up as latency instead of hiding it.
    pub due_us: u64,
}

/// The text starts with this marker; messages without it are not the bench's.
const MARKER: &str = "rcb";

impl Stamp {
    /// The text: the stamp, then `.` up to `size` bytes (the stamp alone when
    /// it is longer than `size`). Only ASCII, so bytes = characters.
    pub fn encode(&self, size: usize) -> String {
        let mut text = format!("{MARKER} {} {} {} {} ", self.step, self.publisher, self.seq, self.due_us);
        let padding = size.saturating_sub(text.len());
        text.extend(std::iter::repeat_n('.', padding));
        text
    }

    pub fn parse(text: &str) -> Option<Stamp> {
        let mut words = text.split(' ');
        if words.next()? != MARKER {
            return None;
        }
        Some(Stamp {
            step: words.next()?.parse().ok()?,
            publisher: words.next()?.parse().ok()?,
            seq: words.next()?.parse().ok()?,
            due_us: words.next()?.parse().ok()?,
        })
    }
}

/// The `client_id` of one send: the publisher's random 64-bit prefix (so ids
/// never repeat across runs, as the protocol asks), then step and sequence.
pub fn client_id(prefix: u64, step: u32, seq: u64) -> String {
    format!("b-{prefix:016x}-{step}-{seq}")
}

/// Step and sequence number back from a `client_id` made by [`client_id`].
pub fn parse_client_id(id: &str) -> Option<(u32, u64)> {
    let mut parts = id.rsplit('-');
    let seq = parts.next()?.parse().ok()?;
    let step = parts.next()?.parse().ok()?;
    Some((step, seq))
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAMP: Stamp = Stamp { step: 3, publisher: 7, seq: 1234, due_us: 987_654_321 };

    #[test]
    fn a_stamp_survives_the_text_padded_to_the_payload_size() {
        let text = STAMP.encode(100);
        assert_eq!(text.len(), 100);
        assert_eq!(Stamp::parse(&text), Some(STAMP));
    }

    #[test]
    fn a_payload_smaller_than_the_stamp_still_carries_the_whole_stamp() {
        let text = STAMP.encode(4);
        assert!(text.len() > 4);
        assert_eq!(Stamp::parse(&text), Some(STAMP));
    }

    #[test]
    fn texts_that_are_not_the_benchs_are_not_stamps() {
        for text in ["hello", "rcb 1 2", "rcb a b c d ", "xyz 1 2 3 4 ", ""] {
            assert_eq!(Stamp::parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn a_client_id_is_valid_for_the_protocol_and_gives_back_step_and_sequence() {
        let id = client_id(u64::MAX, u32::MAX, u64::MAX);
        assert!(roomcast_protocol::ClientMsgId::parse(&id).is_ok(), "{id}");
        assert_eq!(parse_client_id(&id), Some((u32::MAX, u64::MAX)));
        assert_eq!(parse_client_id(&client_id(0xabc, 2, 41)), Some((2, 41)));
        assert_eq!(parse_client_id("c-1"), None);
    }
}
