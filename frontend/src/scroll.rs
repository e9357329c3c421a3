//! The message list's scroll rules: it follows new messages only while the
//! reader is at (or very near) the bottom, so someone who scrolled up to read
//! is left alone; reaching the top asks for older messages; and lines added
//! or removed above the view never move what the reader is looking at.

/// How close to the bottom, in CSS pixels, still counts as "at the bottom".
pub const STICK_THRESHOLD_PX: f64 = 48.0;
/// How close to the top, in CSS pixels, asks for older messages: a little
/// before the very top, so they are often there before the reader is.
pub const LOAD_OLDER_THRESHOLD_PX: f64 = 120.0;

pub fn near_bottom(scroll_top: f64, scroll_height: f64, client_height: f64) -> bool {
    scroll_height - scroll_top - client_height <= STICK_THRESHOLD_PX
}

/// Whether a reader at `scroll_top` has reached the top of the list.
pub fn near_top(scroll_top: f64) -> bool {
    scroll_top <= LOAD_OLDER_THRESHOLD_PX
}

/// The scroll offset that keeps the view where it was after the content
/// above it grew (older messages) or shrank (the oldest pushed out) from
/// `old_height` to `new_height`: the same lines stay on screen.
pub fn keep_in_place(scroll_top: f64, old_height: f64, new_height: f64) -> f64 {
    (scroll_top + new_height - old_height).max(0.0)
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

    #[test]
    fn the_top_and_a_little_below_it_ask_for_older_messages() {
        assert!(near_top(0.0), "at the very top");
        assert!(near_top(LOAD_OLDER_THRESHOLD_PX), "a few lines below it");
        assert!(!near_top(LOAD_OLDER_THRESHOLD_PX + 1.0), "reading further down");
    }

    #[test]
    fn lines_added_above_the_view_push_the_offset_down_by_their_height() {
        assert_eq!(keep_in_place(0.0, 1000.0, 1800.0), 800.0, "a page arrived while at the top");
        assert_eq!(keep_in_place(40.0, 1000.0, 1800.0), 840.0, "wherever the reader was");
    }

    #[test]
    fn lines_removed_above_the_view_pull_it_up_but_never_past_the_top() {
        assert_eq!(keep_in_place(500.0, 2000.0, 1960.0), 460.0, "the oldest line went");
        assert_eq!(keep_in_place(10.0, 2000.0, 1960.0), 0.0);
    }
}
