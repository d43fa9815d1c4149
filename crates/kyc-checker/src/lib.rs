//! The checker: from an image's bytes and a request to a report with a
//! verdict, player-facing reasons, the measured metrics, the document's
//! corners and the fields read from it.
//!
//! Pure and synchronous: no network, no database, no clock of its own.

pub mod report;

pub use report::{
    CheckRequest, Corners, Extracted, FieldLocation, Limits, Metrics, Reason, Report,
};

/// The checker's answer plus the decoded, upright image, so later stages
/// (OCR) do not decode the file twice. `image` is `None` when the bytes
/// could not be decoded.
#[derive(Debug, Clone)]
pub struct Checked {
    pub report: Report,
    pub image: Option<image::RgbImage>,
}

/// Runs every image check that applies to `request.kind` on `bytes`.
///
/// Placeholder until the checker lands: reports the kind and nothing else.
pub fn check(_bytes: &[u8], request: &CheckRequest) -> Checked {
    Checked {
        report: Report::new(request.kind),
        image: None,
    }
}
