//! Reads what is printed on a document: the issue date of a proof of
//! address, the last four digits of a payment card, an identity MRZ.
//!
//! Placeholder API until the reader lands.

use image::RgbImage;
use kyc_checker::{CheckRequest, Report};

/// An OCR engine handle. Cheap to share between threads.
#[derive(Debug, Clone, Default)]
pub struct Reader {}

impl Reader {
    /// Finds the OCR engine; a reader without one still works and answers
    /// `ocr_unavailable` for the checks that need text.
    pub fn new() -> Self {
        Self {}
    }

    pub fn is_available(&self) -> bool {
        false
    }

    /// Reads the fields `request.kind` needs from the upright image and
    /// adds them, and any reasons, to `report`.
    pub fn read(&self, _image: &RgbImage, _request: &CheckRequest, _report: &mut Report) {}
}
