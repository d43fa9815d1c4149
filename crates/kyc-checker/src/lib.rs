//! The checker: from an image's bytes and a request to a report with a
//! verdict, player-facing reasons, the measured metrics, the document's
//! corners and the fields read from it.
//!
//! Pure and synchronous: no network, no database, no clock of its own.

pub mod report;

pub use report::{CheckRequest, Corners, Extracted, FieldLocation, Limits, Metrics, Reason, Report};
