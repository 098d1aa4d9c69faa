//! What a polling log tail has already yielded.
//!
//! Cloud log APIs are read by time, and late events land slightly behind the newest one, so a
//! tail polls again from a little before the newest event it saw (the overlap). Events from
//! that window come back on the next poll; their ids recognise them. Ids are kept only while
//! they are inside the window, so a long tail's memory stays bounded.

use std::collections::{HashSet, VecDeque};

/// The ids seen within the overlap window, in arrival order with their times.
#[derive(Debug, Default)]
pub struct SeenEvents {
    ids: HashSet<String>,
    order: VecDeque<(i64, String)>,
}

impl SeenEvents {
    /// Whether the event `id` at `timestamp_ms` is new (to be yielded); remembered either way.
    /// An empty id cannot be recognised again, so it is always new; its time still counts.
    pub fn first_time(&mut self, id: String, timestamp_ms: i64) -> bool {
        if !id.is_empty() && !self.ids.insert(id.clone()) {
            return false;
        }
        self.order.push_back((timestamp_ms, id));
        true
    }

    /// The newest time seen (within the window).
    pub fn newest(&self) -> Option<i64> {
        self.order.iter().map(|(t, _)| *t).max()
    }

    /// Forgets the ids of events older than `ms`.
    pub fn forget_before(&mut self, ms: i64) {
        while let Some((t, _)) = self.order.front() {
            if *t >= ms {
                break;
            }
            if let Some((_, id)) = self.order.pop_front() {
                self.ids.remove(&id);
            }
        }
    }

    /// Where the next poll starts: `overlap_ms` before the newest event seen (never before
    /// `from_ms`); ids older than that are forgotten.
    pub fn next_start(&mut self, from_ms: i64, overlap_ms: i64) -> i64 {
        let next = from_ms.max(self.newest().unwrap_or(from_ms).saturating_sub(overlap_ms));
        self.forget_before(next);
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_seen_in_the_window_is_recognised_and_forgotten_after_it() {
        let mut seen = SeenEvents::default();
        assert!(seen.first_time("a".into(), 1_000));
        assert!(seen.first_time("b".into(), 5_000));
        assert!(!seen.first_time("a".into(), 1_000));
        // Events without ids are always new.
        assert!(seen.first_time(String::new(), 5_000));
        assert!(seen.first_time(String::new(), 5_000));
        let start = seen.next_start(0, 2_000);
        assert_eq!(start, 3_000);
        // `a` fell out of the window: a poll from 3,000 cannot return it, and it is forgotten.
        assert!(seen.first_time("a".into(), 1_000));
        assert!(!seen.first_time("b".into(), 5_000));
        // The start never moves back.
        assert_eq!(seen.next_start(4_000, 10_000), 4_000);
    }
}
