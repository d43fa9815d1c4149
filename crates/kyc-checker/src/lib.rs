//! The checker: from an image's bytes and a request to a report with a
//! verdict, player-facing reasons, the measured metrics, the document's
//! corners and the fields read from it.
//!
//! Pure and synchronous: no network, no database, no clock of its own.

pub mod decode;
pub mod document;
pub mod quality;
pub mod report;
pub mod rules;
pub mod synth;

use std::time::Instant;

use kyc_core::{DocumentKind, ReasonCode};

pub use decode::{header_dimensions, sniff, DecodeError, FullPixels, ImageFormat};
pub use report::{
    CheckRequest, Corners, Extracted, FieldLocation, Limits, Metrics, Reason, Report,
};
pub use rules::Thresholds;

/// The analysis copy's long side is at least this (and below twice it):
/// enough for 1-2 px strokes of ID-card print to survive, small enough that
/// every measure runs in a few milliseconds.
pub const ANALYSIS_LONG_SIDE: u32 = 800;

/// Reasons after which OCR is pointless. A low-resolution photo is still
/// read: a full card number legible in it must be found (and shredded),
/// and the reader upscales what it reads.
const UNREADABLE: [ReasonCode; 3] = [
    ReasonCode::Blurry,
    ReasonCode::TooDark,
    ReasonCode::Overexposed,
];

/// The document region is measured at most this large.
const REGION_LONG_SIDE: f64 = 800.0;

/// The checker's answer plus the decoded, upright image, so later stages
/// (OCR) do not decode the file twice. `image` is `None` when the bytes
/// could not be decoded.
#[derive(Debug, Clone)]
pub struct Checked {
    pub report: Report,
    /// Full-resolution pixels, upright, for the reader.
    pub image: Option<FullPixels>,
}

/// When to decode the full-resolution image for OCR.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FullImage {
    /// Never: the fastest answer, for instant feedback during an upload.
    Never,
    /// Only when the photo is readable (no blur, exposure or resolution
    /// reason): an unreadable photo is not worth OCR, and skipping the full
    /// decode is most of the cost of checking it. A missing or cut-off
    /// document, glare or a greyscale copy still get read, for the reviewer.
    #[default]
    WhenUsable,
    /// Always, e.g. so a reviewer sees what was read even on a poor photo.
    Always,
}

/// How to run [`check_with`]. The default is what [`check`] does.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    pub full_image: FullImage,
    /// The document's corners in upright full-resolution pixels when already
    /// known (evaluation against labelled corners); skips the finder.
    pub known_document: Option<Corners>,
    pub thresholds: Thresholds,
}

/// Runs every image check that applies to `request.kind` on `bytes`.
///
/// The analysis uses a reduced-scale decode; the full-resolution upright
/// image is decoded only when the photo is readable (see
/// [`FullImage::WhenUsable`]).
pub fn check(bytes: &[u8], request: &CheckRequest) -> Checked {
    check_with(bytes, request, &CheckOptions::default())
}

/// [`check`] with explicit options.
pub fn check_with(bytes: &[u8], request: &CheckRequest, options: &CheckOptions) -> Checked {
    let started = Instant::now();
    let mut report = Report::new(request.kind);
    let locale = request.locale;
    let planar_ok = planar(request.kind);
    let (analysis, full) =
        match decode::decode_analysis(bytes, &request.limits, ANALYSIS_LONG_SIDE, planar_ok) {
            Ok(decoded) => decoded,
            Err(err) => {
                tracing::debug!(error = %err, "image refused");
                report.push(Reason::new(decode_reason(&err), locale));
                report.elapsed_ms = elapsed_ms(started);
                return Checked {
                    report,
                    image: None,
                };
            }
        };
    analyse(&analysis, request, options, &mut report);

    let wanted = match options.full_image {
        FullImage::Never => false,
        FullImage::Always => true,
        FullImage::WhenUsable => !report.reasons.iter().any(|r| UNREADABLE.contains(&r.code)),
    };
    let image = if !wanted {
        None
    } else if let Some(full) = full {
        Some(full)
    } else if analysis.scale() <= 1.0 {
        Some(FullPixels::Rgb(analysis.image))
    } else {
        match decode_for_reading(bytes, request) {
            Ok(full) => Some(full),
            Err(err) => {
                report.push(Reason::new(decode_reason(&err), locale));
                None
            }
        }
    };
    report.elapsed_ms = elapsed_ms(started);
    Checked { report, image }
}

/// Whether a kind's photos may take the planar decode (see
/// `decode::use_planes`): not bills, whose OCR was tuned on colour.
fn planar(kind: DocumentKind) -> bool {
    kind != DocumentKind::Address
}

/// The full-resolution pixels [`check`] hands the reader, decoded on their
/// own: for a stored document read after its check.
pub fn decode_for_reading(bytes: &[u8], request: &CheckRequest) -> Result<FullPixels, DecodeError> {
    decode::decode_for_reading(
        bytes,
        &request.limits,
        ANALYSIS_LONG_SIDE,
        planar(request.kind),
    )
}

fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

fn decode_reason(err: &DecodeError) -> ReasonCode {
    match err {
        DecodeError::UnsupportedFormat => ReasonCode::UnsupportedFormat,
        DecodeError::FileTooLarge => ReasonCode::FileTooLarge,
        DecodeError::ImageTooLarge { .. } => ReasonCode::ImageTooLarge,
        DecodeError::Corrupt(_) => ReasonCode::CorruptImage,
    }
}

/// The document and quality checks on the analysis copy.
fn analyse(
    analysis: &decode::Decoded,
    request: &CheckRequest,
    options: &CheckOptions,
    report: &mut Report,
) {
    let locale = request.locale;
    let t = &options.thresholds;
    let scale = analysis.scale();
    let (full_w, full_h) = (analysis.full_width, analysis.full_height);
    report.metrics.width = full_w;
    report.metrics.height = full_h;

    let found = match options.known_document {
        Some(c) => Some(document::Found {
            corners: c.map(|[x, y]| [x / scale, y / scale]),
            confidence: 1.0,
        }),
        None => document::find(&analysis.image, request.kind),
    };
    let extra = &mut report.metrics.extra;
    let mut reasons = Vec::new();
    if full_w.min(full_h) < t.min_photo_short_side {
        reasons.push(Reason::measured(
            ReasonCode::LowResolution,
            locale,
            f64::from(full_w.min(full_h)),
            f64::from(t.min_photo_short_side),
        ));
    }
    let region = match &found {
        Some(doc) => {
            let full: Corners = doc
                .corners
                .map(|[x, y]| [round1(x * scale), round1(y * scale)]);
            report.document.corners = Some(full);
            let (dw, dh) = document::quad_size(&full);
            let long = dw.max(dh);
            extra.insert("document_long_side".into(), rules::round3(long).into());
            extra.insert(
                "document_confidence".into(),
                rules::round3(doc.confidence).into(),
            );
            if long < t.min_document_long_side {
                reasons.push(Reason::measured(
                    ReasonCode::LowResolution,
                    locale,
                    rules::round3(long),
                    t.min_document_long_side,
                ));
            }
            // Four visible edges prove an identity document or card is
            // whole; a bill's page may fill the frame, and what matters on
            // it (the date) is read, not measured.
            if !rules::is_paper(request.kind) && !document::edges_visible(&full, full_w, full_h) {
                reasons.push(Reason::new(ReasonCode::EdgesNotVisible, locale));
            }
            document::warp(&analysis.image, &doc.corners, REGION_LONG_SIDE)
        }
        None => {
            if !rules::is_paper(request.kind) {
                reasons.push(Reason::new(ReasonCode::NoDocument, locale));
            }
            None
        }
    };
    extra.insert(
        "measured_on".into(),
        if region.is_some() {
            "document"
        } else {
            "photo"
        }
        .into(),
    );
    let region = region.unwrap_or_else(|| document::Region::whole(&analysis.image));
    let m = quality::measure(&region);
    report.metrics.sharpness = Some(rules::round3((1.0 - m.blur) * 100.0));
    report.metrics.brightness = Some(rules::round3(m.brightness));
    report.metrics.glare = Some(rules::round3(m.glare.min(1.0)));
    let extra = &mut report.metrics.extra;
    extra.insert("blur".into(), rules::round3(m.blur).into());
    extra.insert("edge_width".into(), rules::round3(m.edge_width).into());
    extra.insert("white_level".into(), rules::round3(m.white_level).into());
    extra.insert("dark_level".into(), rules::round3(m.dark_level).into());
    extra.insert("clipped".into(), rules::round3(m.clipped).into());
    extra.insert("ink".into(), rules::round3(m.ink).into());
    extra.insert(
        "colourfulness".into(),
        rules::round3(m.colourfulness).into(),
    );
    reasons.extend(rules::quality_reasons(&m, request.kind, locale, t));
    // Contract order: resolution, quality, then the document.
    reasons.sort_by_key(|r| order(r.code));
    for r in reasons {
        report.push(r);
    }
}

fn order(code: ReasonCode) -> usize {
    ReasonCode::ALL
        .iter()
        .position(|&c| c == code)
        .unwrap_or(usize::MAX)
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}
