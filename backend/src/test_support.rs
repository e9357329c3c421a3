//! Helpers the unit tests of several modules share.

use std::time::{Duration, Instant};

/// Runs `work` on another thread while this one holds whatever the caller
/// holds (a room's lock), and returns its result. Fails if it has not
/// finished within 10 s: it waited for what is held.
pub(crate) fn finishes_meanwhile<T: Send>(what: &str, work: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| {
        let running = scope.spawn(work);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !running.is_finished() {
            assert!(Instant::now() < deadline, "{what} waited for what was held");
            std::thread::sleep(Duration::from_millis(1));
        }
        running.join().expect("the work did not panic")
    })
}
