//! The report, shaped exactly as the `kyc check --json` contract prints it
//! (see docs/check-contract.md). Fields may be added, never renamed or dropped.

use chrono::NaiveDate;
use kyc_core::{CardLast4, DocumentKind, Locale, ReasonCode, Verdict};
use serde::{Deserialize, Serialize};

/// Hard limits applied before any decode allocates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_bytes: u64,
    pub max_pixels: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_bytes: 15 * 1024 * 1024,
            max_pixels: 50_000_000,
        }
    }
}

/// What to check an image for.
#[derive(Debug, Clone)]
pub struct CheckRequest {
    pub kind: DocumentKind,
    /// The day the age of a proof of address is measured from.
    pub as_of: NaiveDate,
    /// The card on the player's account, when known.
    pub card_last4: Option<CardLast4>,
    pub locale: Locale,
    pub limits: Limits,
}

impl CheckRequest {
    pub fn new(kind: DocumentKind, as_of: NaiveDate) -> Self {
        Self {
            kind,
            as_of,
            card_last4: None,
            locale: Locale::En,
            limits: Limits::default(),
        }
    }
}

/// One failed check: a stable code, the player's message, and optionally the
/// measured value and threshold behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    pub code: ReasonCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
}

impl Reason {
    pub fn new(code: ReasonCode, locale: Locale) -> Self {
        Self {
            code,
            message: code.message(locale).to_owned(),
            value: None,
            threshold: None,
        }
    }

    pub fn measured(code: ReasonCode, locale: Locale, value: f64, threshold: f64) -> Self {
        Self {
            value: Some(value),
            threshold: Some(threshold),
            ..Self::new(code, locale)
        }
    }
}

/// The measured values behind the quality decisions. The first five are
/// required by the contract; the rest are optional extras.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub width: u32,
    pub height: u32,
    pub sharpness: Option<f64>,
    pub brightness: Option<f64>,
    pub glare: Option<f64>,
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// Four corners in image pixels, clockwise from the document's top-left.
/// They may lie outside the image: that is how a cut-off document shows.
pub type Corners = [[f64; 2]; 4];

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DocumentFound {
    pub corners: Option<Corners>,
}

/// Where on the image a value was read, so a reviewer can see it:
/// an axis-aligned box in image pixels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FieldLocation {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

/// Values read from the document. The three contract fields are always
/// present (null when not applicable); more may be added.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Extracted {
    pub issue_date: Option<NaiveDate>,
    pub card_last4: Option<String>,
    pub card_number_masked: Option<bool>,
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// The checker's answer for one image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub kind: DocumentKind,
    pub verdict: Verdict,
    pub reasons: Vec<Reason>,
    pub metrics: Metrics,
    pub document: DocumentFound,
    pub extracted: Extracted,
    pub elapsed_ms: u64,
}

impl Report {
    /// An empty, accepting report to fill in.
    pub fn new(kind: DocumentKind) -> Self {
        Self {
            kind,
            verdict: Verdict::Accept,
            reasons: Vec::new(),
            metrics: Metrics::default(),
            document: DocumentFound::default(),
            extracted: Extracted::default(),
            elapsed_ms: 0,
        }
    }

    /// Adds a reason (once per code) and keeps the verdict the most severe.
    pub fn push(&mut self, reason: Reason) {
        if self.reasons.iter().any(|r| r.code == reason.code) {
            return;
        }
        self.reasons.push(reason);
        self.verdict = Verdict::of(self.reasons.iter().map(|r| r.code));
    }

    pub fn has(&self, code: ReasonCode) -> bool {
        self.reasons.iter().any(|r| r.code == code)
    }
}
