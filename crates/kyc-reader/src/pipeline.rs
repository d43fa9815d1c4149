//! The three reading pipelines: image preparation, OCR passes, and the
//! pure text functions, writing into the report.

use chrono::Months;
use image::{GrayImage, RgbImage};
use kyc_checker::{CheckRequest, FieldLocation, Reason, Report};
use kyc_core::ReasonCode;
use serde_json::{json, Value};

use crate::engine::{Engine, Line, Pass};
use crate::issue::{age, choose_issue_date, Age};
use crate::mrz::{age_on, birth_date, expiry_date, find_mrz, Mrz};
use crate::prep::{crop_for_ocr, ocr_sized, quick_copy, resize_to, Prepared};
use crate::zone::find_zone;

mod card;

pub struct Context<'a> {
    pub engine: &'a Engine,
    pub languages: &'a str,
    pub image: &'a RgbImage,
    pub request: &'a CheckRequest,
}

fn location_value(loc: FieldLocation) -> Value {
    serde_json::to_value(loc).unwrap_or(Value::Null)
}

/// One OCR pass; an image too small to hold text is not passed to
/// Tesseract at all (leptonica fails on it, see `prep::MIN_OCR_SIDE`).
fn recognise(ctx: &Context<'_>, image: &GrayImage, pass: &Pass<'_>) -> Vec<Line> {
    if !ocr_sized(image) {
        tracing::debug!(
            width = image.width(),
            height = image.height(),
            "image too small to OCR: skipped"
        );
        return Vec::new();
    }
    match ctx.engine.recognise(image, pass) {
        Ok(lines) => lines,
        Err(e) => {
            tracing::warn!(error = %e, "OCR pass failed");
            Vec::new()
        }
    }
}

/// Proofs of address: one full-page pass in every bill language, then the
/// labelled issue date and the three-month rule.
pub fn read_address(ctx: &Context<'_>, report: &mut Report) {
    // Bills photographed whole are 1–4k px tall; text reads best with the
    // long side between 1600 and 3000 (about 200–300 dpi for A4).
    // A page is read whole: OCR copes with the background, while a quad that
    // misses part of the page (a fold, a stamp's box) would cut text off.
    let prepared = Prepared::new(ctx.image, None, |w, h| {
        let long = w.max(h).max(1.0);
        long.clamp(1600.0, 3000.0) / long
    });
    let pass = Pass {
        languages: ctx.languages,
        psm: 3,
        whitelist: "",
    };
    let lines = recognise(ctx, &prepared.image, &pass);
    let words: Vec<Vec<String>> = lines
        .iter()
        .map(|l| l.words.iter().map(|w| w.text.clone()).collect())
        .collect();
    let locale = ctx.request.locale;
    // An issue date is at most a year ahead (that is already a review) and
    // not decades old; anything further is a misread number.
    let as_of = ctx.request.as_of;
    let window = as_of
        .checked_sub_months(Months::new(12 * 15))
        .zip(as_of.checked_add_months(Months::new(12)));
    let Some(found) = choose_issue_date(&words, window) else {
        report.push(Reason::new(ReasonCode::IssueDateNotFound, locale));
        return;
    };
    report.extracted.issue_date = Some(found.date);
    if let Some((x, y, w, h)) = lines
        .get(found.line)
        .and_then(|l| l.bbox(found.words.0, found.words.1))
    {
        report.extracted.extra.insert(
            "issue_date_location".into(),
            location_value(prepared.to_source(x, y, w, h)),
        );
    }
    match age(found.date, ctx.request.as_of) {
        Age::Fresh => {}
        Age::TooOld => report.push(Reason::new(ReasonCode::AddressDocumentTooOld, locale)),
        Age::InFuture => report.push(Reason::new(ReasonCode::IssueDateInFuture, locale)),
    }
}

/// Payment cards: the card flattened to ID-1 at ~300 dpi (1012x638), the
/// number located by its glyphs and read clean (see `card`); the older
/// band passes when no glyph row is found, or when only a last group was
/// found, to make sure no fuller number is visible elsewhere.
pub fn read_card(ctx: &Context<'_>, report: &mut Report) {
    let prepared = Prepared::new(ctx.image, report.document.corners.as_ref(), |w, _| {
        1012.0 / w.max(1.0)
    });
    let best = match card::read_located(ctx, &prepared) {
        Some(located) if located.number.masked() => match card::read_band(ctx, &prepared) {
            Some(band) if band.number.other_digits >= 6 => Some(band),
            _ => Some(located),
        },
        Some(located) => Some(located),
        None => card::read_band(ctx, &prepared),
    };
    let locale = ctx.request.locale;
    let Some(best) = best else {
        report.push(Reason::new(ReasonCode::CardLast4NotReadable, locale));
        return;
    };
    report.extracted.card_number_masked = Some(best.number.masked());
    if let Some(loc) = best.location {
        report
            .extracted
            .extra
            .insert("card_number_location".into(), location_value(loc));
        // Without located glyphs, the last four are the right end of the
        // number: a quarter of its box for a 16-digit number.
        let last4 = best.last4_location.unwrap_or(FieldLocation {
            x: loc.x + loc.width * 3 / 4,
            width: loc.width - loc.width * 3 / 4,
            ..loc
        });
        report
            .extracted
            .extra
            .insert("card_last4_location".into(), location_value(last4));
    }
    if !best.number.masked() {
        report.push(Reason::new(ReasonCode::CardNumberNotMasked, locale));
    }
    match &best.number.last4 {
        None => report.push(Reason::new(ReasonCode::CardLast4NotReadable, locale)),
        Some(last4) => {
            if let Some(expected) = &ctx.request.card_last4 {
                if expected.as_str() != last4 {
                    report.push(Reason::new(ReasonCode::CardLast4Mismatch, locale));
                }
            }
            report.extracted.card_last4 = Some(last4.clone());
        }
    }
}

const MRZ_CHARS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<";

/// Glyph height, in pixels, the MRZ band is scaled to before OCR.
const MRZ_GLYPH_PX: f64 = 36.0;

/// Width of the copy searched for an MRZ zone: its glyphs are still
/// 12+ px tall there (a TD3 row spans ~90 % of the page in 44 glyphs).
const ZONE_SEARCH_WIDTH: f64 = 800.0;

/// Width of the copy MRZs are read from.
const READING_WIDTH: f64 = 1400.0;

/// The search width for a document `width` source pixels wide. A document
/// already smaller than the search width (a small scan) is enlarged to
/// the reading width instead: that costs little at its size, and its
/// glyphs, often touching at their native size, only separate there
/// (measured: 3 of 23 PassportEye scans, 570-600 px wide, were missed at
/// 800 px and found at 1400 px).
fn zone_search_width(width: f64) -> f64 {
    if width < ZONE_SEARCH_WIDTH {
        READING_WIDTH
    } else {
        ZONE_SEARCH_WIDTH
    }
}

/// Where, as a fraction of the document's height from the top, the MRZ
/// search starts: TD1 zones take the lowest ~35 % of a card back.
const ZONE_SEARCH_FROM: f64 = 0.4;

/// Identity documents: an MRZ is looked for without OCR first (see
/// `zone`); a document without one costs no OCR at all. When a zone is
/// found it is read at ~36 px glyphs; if that gives no valid MRZ, the
/// MRZ-looking lines are re-read alone, then the bottom half of the page,
/// keeping the best.
pub fn read_identity(ctx: &Context<'_>, report: &mut Report) {
    let corners = report.document.corners.as_ref();
    // Most identity photos have no MRZ: look for one on a small copy first
    // (a quarter of the pixels of the reading copy), so such a photo costs
    // a few milliseconds; the reading copy is made only when there is one.
    // Only the lower part of an upright document is searched: the MRZ is
    // printed at the foot of every ICAO layout (TD1 backs, TD2, TD3 pages).
    let lower = corners.map(|c| lower_part(c, ZONE_SEARCH_FROM));
    let search = quick_copy(ctx.image, lower.as_ref(), |w, _| {
        zone_search_width(w) / w.max(1.0)
    });
    if search.as_ref().and_then(find_zone).is_none() {
        tracing::debug!("no MRZ-like zone: identity read without OCR");
        report.extracted.extra.insert("mrz".into(), Value::Null);
        return;
    }
    let prepared = Prepared::new(ctx.image, corners, |w, _| READING_WIDTH / w.max(1.0));
    let doc = &prepared.image;
    let Some(zone) = find_zone(doc) else {
        tracing::debug!("no MRZ-like zone: identity read without OCR");
        report.extracted.extra.insert("mrz".into(), Value::Null);
        return;
    };
    let pass = Pass {
        languages: "eng",
        psm: 6,
        whitelist: MRZ_CHARS,
    };
    let mut best: Option<(Mrz, Option<FieldLocation>)> = None;
    // `lines` are in pixels of a crop at `offset` scaled by `scale`.
    let consider = |lines: &[Line],
                    offset: (u32, u32),
                    scale: f64,
                    best: &mut Option<(Mrz, Option<FieldLocation>)>| {
        let texts: Vec<String> = lines.iter().map(Line::text).collect();
        let Some((mrz, start)) = find_mrz(&texts) else {
            return;
        };
        let rows = mrz.lines.len();
        let boxes: Vec<(u32, u32, u32, u32)> = lines[start..start + rows]
            .iter()
            .filter_map(|l| l.bbox(0, l.words.len()))
            .collect();
        let location = union(&boxes).map(|b| back_to_doc(b, offset, scale));
        let better = best.as_ref().is_none_or(|(b, _)| {
            (mrz.valid, std::cmp::Reverse(mrz.failed_checks.len()))
                > (b.valid, std::cmp::Reverse(b.failed_checks.len()))
        });
        if better {
            *best = Some((
                mrz,
                location.map(|(x, y, bw, bh)| prepared.to_source(x, y, bw, bh)),
            ));
        }
    };
    let (mx, my) = (zone.glyph_h * 2, zone.glyph_h);
    let offset = (zone.x.saturating_sub(mx), zone.y.saturating_sub(my));
    let scale = (MRZ_GLYPH_PX / f64::from(zone.glyph_h.max(1))).clamp(0.5, 3.0);
    let mut lines = Vec::new();
    if let Some(band) = crop_for_ocr(doc, offset.0, offset.1, zone.w + 2 * mx, zone.h + 2 * my) {
        lines = recognise(ctx, &resize_to(&band, scale), &pass);
        consider(&lines, offset, scale, &mut best);
    }
    if !best.as_ref().is_some_and(|(m, _)| m.valid) {
        // Re-read the MRZ-looking lines alone, at ~48 px per line.
        let boxes: Vec<(u32, u32, u32, u32)> = lines
            .iter()
            .filter(|l| crate::mrz::clean_line(&l.text()).is_some())
            .filter_map(|l| l.bbox(0, l.words.len()))
            .map(|b| back_to_doc(b, offset, scale))
            .collect();
        if let Some((x, y, bw, bh)) = union(&boxes) {
            let margin = bh / 4 + 8;
            let (cx, cy) = (x.saturating_sub(margin), y.saturating_sub(margin));
            let rows = boxes.len().max(1) as f64;
            let scale = (48.0 * rows / f64::from(bh.max(1))).clamp(0.5, 3.0);
            if let Some(zone) = crop_for_ocr(doc, cx, cy, bw + 2 * margin, bh + 2 * margin) {
                let zone_lines = recognise(ctx, &resize_to(&zone, scale), &pass);
                consider(&zone_lines, (cx, cy), scale, &mut best);
            }
        }
    }
    // The zone crop can cut a line or read worse than the old page-half
    // pass; with a zone found, that pass is still worth its cost.
    if !best.as_ref().is_some_and(|(m, _)| m.valid) {
        let (w, h) = doc.dimensions();
        if let Some(bottom) = crop_for_ocr(doc, 0, h / 2, w, h - h / 2) {
            let lines = recognise(ctx, &bottom, &pass);
            consider(&lines, (0, h / 2), 1.0, &mut best);
        }
    }
    let Some((mrz, location)) = best else {
        report.extracted.extra.insert("mrz".into(), Value::Null);
        return;
    };
    write_mrz(ctx, report, &mrz, location);
}

/// The part of the quad `corners` (clockwise from top-left) below the
/// fraction `from` of its height, as a quad.
fn lower_part(corners: &kyc_checker::Corners, from: f64) -> kyc_checker::Corners {
    let at = |a: [f64; 2], b: [f64; 2]| [a[0] + (b[0] - a[0]) * from, a[1] + (b[1] - a[1]) * from];
    [
        at(corners[0], corners[3]),
        at(corners[1], corners[2]),
        corners[2],
        corners[3],
    ]
}

/// A box in a crop at `offset` scaled by `scale`, in document pixels.
fn back_to_doc(
    (x, y, w, h): (u32, u32, u32, u32),
    offset: (u32, u32),
    scale: f64,
) -> (u32, u32, u32, u32) {
    let back = |v: u32| (f64::from(v) / scale).round() as u32;
    (back(x) + offset.0, back(y) + offset.1, back(w), back(h))
}

fn write_mrz(ctx: &Context<'_>, report: &mut Report, mrz: &Mrz, location: Option<FieldLocation>) {
    let locale = ctx.request.locale;
    let as_of = ctx.request.as_of;
    let birth = (!mrz.failed_checks.contains(&"birth"))
        .then(|| birth_date(&mrz.birth, as_of))
        .flatten();
    let expiry = (!mrz.failed_checks.contains(&"expiry"))
        .then(|| expiry_date(&mrz.expiry, as_of))
        .flatten();
    report.extracted.extra.insert(
        "mrz".into(),
        json!({
            "format": mrz.format,
            "valid": mrz.valid,
            "failed_checks": mrz.failed_checks,
            "corrections": mrz.corrections,
            "document_type": mrz.document_type,
            "country": mrz.country,
            "surname": mrz.surname,
            "given_names": mrz.given_names,
            "number": mrz.number,
            "nationality": mrz.nationality,
            "birth_date": birth,
            "sex": mrz.sex,
            "expiry_date": expiry,
        }),
    );
    if let Some(loc) = location {
        report
            .extracted
            .extra
            .insert("mrz_location".into(), location_value(loc));
    }
    if !mrz.valid {
        report.push(Reason::new(ReasonCode::MrzInvalid, locale));
    }
    if birth.is_some_and(|b| age_on(b, as_of) < 18) {
        report.push(Reason::new(ReasonCode::Underage, locale));
    }
    if expiry.is_some_and(|e| e < as_of) {
        report.push(Reason::new(ReasonCode::DocumentExpired, locale));
    }
}

fn union(boxes: &[(u32, u32, u32, u32)]) -> Option<(u32, u32, u32, u32)> {
    let x0 = boxes.iter().map(|b| b.0).min()?;
    let y0 = boxes.iter().map(|b| b.1).min()?;
    let x1 = boxes.iter().map(|b| b.0 + b.2).max()?;
    let y1 = boxes.iter().map(|b| b.1 + b.3).max()?;
    Some((x0, y0, x1 - x0, y1 - y0))
}
