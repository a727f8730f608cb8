//! Grading suite for the `threads` topic.
