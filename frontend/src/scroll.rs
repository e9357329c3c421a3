//! When the message list follows new messages: only while the reader is at
//! (or very near) the bottom. Someone who scrolled up to read is left alone.

/// How close to the bottom, in CSS pixels, still counts as "at the bottom".
pub const STICK_THRESHOLD_PX: f64 = 48.0;

pub fn near_bottom(scroll_top: f64, scroll_height: f64, client_height: f64) -> bool {
    scroll_height - scroll_top - client_height <= STICK_THRESHOLD_PX
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bottom_and_a_little_above_it_stick() {
        assert!(near_bottom(600.0, 1000.0, 400.0), "exactly at the bottom");
        assert!(near_bottom(560.0, 1000.0, 400.0), "a line above");
        assert!(near_bottom(0.0, 300.0, 400.0), "content shorter than the view");
        assert!(!near_bottom(300.0, 1000.0, 400.0), "scrolled up to read");
    }
}
