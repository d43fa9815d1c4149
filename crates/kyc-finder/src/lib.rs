//! Finds a document in a photo: its four corners, possibly outside the
//! frame when the photo cuts it off.
//!
//! Placeholder API, to be replaced by the real finder.

use image::GrayImage;

/// A point in pixels of the image given to the finder.
pub type Point = [f64; 2];

/// A document found in the photo.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    /// Clockwise from the document's top-left corner; may lie outside the image.
    pub corners: [Point; 4],
    /// 0..1: how sure the finder is that this is a document.
    pub confidence: f64,
}

/// Looks for one document in a grey image (typically downscaled to a long
/// side of ~800 px by the caller).
pub fn find_document(_gray: &GrayImage) -> Option<Detection> {
    None
}
