//! When the event loop draws: at once after the user's input, otherwise at most once a
//! [`FRAME`]. A scan sends a page every few milliseconds; drawing after each would spend
//! the client's CPU (which a local DynamoDB shares) on frames nobody can tell apart.

use std::time::{Duration, Instant};

/// The shortest time between two frames drawn for anything but the user's input.
pub const FRAME: Duration = Duration::from_millis(33);

/// The loop's frame clock.
#[derive(Debug, Default)]
pub struct Frames {
    /// When the last frame was drawn.
    last: Option<Instant>,
    /// A change is waiting to be drawn.
    pending: bool,
}

impl Frames {
    pub fn new() -> Self {
        Frames::default()
    }

    /// The app changed at `now` (`input`: by the user's key, mouse or resize): true if a frame
    /// is to be drawn now; otherwise one is pending, due at [`Frames::due`].
    pub fn changed(&mut self, now: Instant, input: bool) -> bool {
        let draw = input || self.last.is_none_or(|last| now >= last + FRAME);
        self.pending = !draw;
        draw
    }

    /// A frame was drawn at `now`.
    pub fn drawn(&mut self, now: Instant) {
        self.last = Some(now);
        self.pending = false;
    }

    /// When the pending frame is to be drawn (`None`: none is pending).
    pub fn due(&self) -> Option<Instant> {
        let last = self.last?;
        self.pending.then_some(last + FRAME)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_draws_at_once_and_other_changes_at_most_once_a_frame() {
        let t0 = Instant::now();
        let mut frames = Frames::new();
        // The first change draws.
        assert!(frames.changed(t0, false));
        frames.drawn(t0);
        assert_eq!(frames.due(), None);
        // A page 5 ms later waits for the frame's end; so does the next one.
        let page = t0 + Duration::from_millis(5);
        assert!(!frames.changed(page, false));
        assert!(!frames.changed(page + Duration::from_millis(5), false));
        assert_eq!(frames.due(), Some(t0 + FRAME));
        // A key press draws at once, and nothing is pending after it.
        let key = t0 + Duration::from_millis(12);
        assert!(frames.changed(key, true));
        frames.drawn(key);
        assert_eq!(frames.due(), None);
        // At the deadline the pending frame is drawn.
        assert!(!frames.changed(key + Duration::from_millis(1), false));
        assert_eq!(frames.due(), Some(key + FRAME));
        assert!(frames.changed(key + FRAME, false));
    }
}
