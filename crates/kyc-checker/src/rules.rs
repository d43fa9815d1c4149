//! The thresholds that turn measures into reasons, in one place. Each value
//! was calibrated on real photos and degraded copies of them: see
//! docs/CHECKER.md for the data, the distributions and the resulting rates.

use kyc_core::{DocumentKind, Locale, ReasonCode};

use crate::quality::Measures;
use crate::report::Reason;

/// Decision thresholds. `Default` holds the calibrated values; evaluation
/// tools may sweep them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// `blurry` above this blur effect (0..1)...
    pub max_blur: f64,
    /// ...or above this mean edge width (pixels of the measured region).
    pub max_edge_width: f64,
    /// `too_dark` when the document's white level (95th luminance
    /// percentile) is below this: paper that should be white reads as grey.
    pub min_white_level: f64,
    /// `overexposed` when more than this share of the document is clipped...
    pub max_clipped: f64,
    /// ...or when even its darkest ink (5th percentile) is this light and
    /// some of it is clipped (a pale document alone is not overexposed).
    pub max_dark_level: f64,
    /// `glare` when the largest solid clipped patch covers more than this share
    /// of the document.
    pub max_glare: f64,
    /// `black_and_white` below this colourfulness.
    pub min_colourfulness: f64,
    /// `low_resolution` when the photo's short side is below this...
    pub min_photo_short_side: u32,
    /// ...or the document's long side (full-resolution pixels) is below this.
    pub min_document_long_side: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            max_blur: 0.50,
            max_edge_width: 9.5,
            min_white_level: 0.40,
            max_clipped: 0.50,
            max_dark_level: 0.70,
            max_glare: 0.005,
            min_colourfulness: 6.0,
            min_photo_short_side: 480,
            min_document_long_side: 450.0,
        }
    }
}

/// Whether a greyscale copy is refused for this kind. Identity documents and
/// cards are asked for as colour photos (a photocopy hides holograms and
/// tampering); bills and statements are often printed in black and white.
fn colour_required(kind: DocumentKind) -> bool {
    matches!(kind, DocumentKind::Identity | DocumentKind::Card)
}

/// `overexposed` for a page: less than this share of it is ink. SROIE
/// receipts measured a median of 5.5%, and the faintest legible thermal
/// print 0.1-0.2%; a washed-out page measures ~0.
const PAPER_MIN_INK: f64 = 0.0005;

/// A page whose 80th luminance percentile is at least this is white paper
/// at the clip level (a scan), where clipped patches cannot be reflections.
const PAPER_AT_CLIP: f64 = 0.99;

/// Proofs of address are pages (bills, statements), often scanned flat: the
/// page may fill the frame, and its white is clipped by design.
pub fn is_paper(kind: DocumentKind) -> bool {
    kind == DocumentKind::Address
}

/// The quality reasons for a region's measures, in contract order.
pub fn quality_reasons(
    m: &Measures,
    kind: DocumentKind,
    locale: Locale,
    t: &Thresholds,
) -> Vec<Reason> {
    let mut out = Vec::new();
    // Paper is meant to be white: a scanned bill is mostly clipped and still
    // perfectly readable, so a page is overexposed only when its ink is gone
    // (text covers a few percent of a page: too little for a percentile).
    let overexposed = if is_paper(kind) {
        m.ink < PAPER_MIN_INK && m.clipped > 0.1
    } else {
        m.clipped > t.max_clipped || (m.dark_level > t.max_dark_level && m.clipped > 0.1)
    };
    let too_dark = m.white_level < t.min_white_level;
    if m.blur > t.max_blur {
        out.push(Reason::measured(
            ReasonCode::Blurry,
            locale,
            round3(m.blur),
            t.max_blur,
        ));
    } else if m.edge_width > t.max_edge_width {
        out.push(Reason::measured(
            ReasonCode::Blurry,
            locale,
            round3(m.edge_width),
            t.max_edge_width,
        ));
    }
    if too_dark {
        out.push(Reason::measured(
            ReasonCode::TooDark,
            locale,
            round3(m.white_level),
            t.min_white_level,
        ));
    }
    if overexposed {
        out.push(Reason::measured(
            ReasonCode::Overexposed,
            locale,
            round3(m.clipped),
            t.max_clipped,
        ));
    }
    // A washed-out photo is clipped everywhere; calling that glare too
    // would send the player after a reflection that is not there. On a page
    // whose paper is itself at the clip (a flat scan: its 80th percentile is
    // white), a clipped patch is paper, not a reflection: measured on the 45
    // SROIE scans, 39 were called glare before this rule. A page's real
    // test is whether its text reads, which OCR answers.
    let white_paper = is_paper(kind) && m.paper_level >= PAPER_AT_CLIP;
    if m.glare > t.max_glare && !overexposed && !white_paper {
        out.push(Reason::measured(
            ReasonCode::Glare,
            locale,
            round3(m.glare),
            t.max_glare,
        ));
    }
    // Colour fades with light: on a too-dark photo it says nothing.
    if colour_required(kind) && !too_dark && m.colourfulness < t.min_colourfulness {
        out.push(Reason::measured(
            ReasonCode::BlackAndWhite,
            locale,
            round3(m.colourfulness),
            t.min_colourfulness,
        ));
    }
    out
}

pub fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}
