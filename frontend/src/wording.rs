//! Words for people: counts with the right plural ("1 room", "2 rooms").
//! Pure and unit-tested.

/// `count` followed by the noun, singular for exactly one: "1 room",
/// "0 rooms", "2 rooms".
pub fn count(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(count(1, "room", "rooms"), "1 room");
        assert_eq!(count(0, "room", "rooms"), "0 rooms");
        assert_eq!(count(2, "room", "rooms"), "2 rooms");
        assert_eq!(count(21, "person", "people"), "21 people");
        assert_eq!(count(1, "person", "people"), "1 person");
    }
}
