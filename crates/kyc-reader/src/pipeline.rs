//! The three reading pipelines: image preparation, OCR passes, and the
//! pure text functions, writing into the report.

use image::GrayImage;
use kyc_checker::{CheckRequest, FieldLocation, Reason, Report};
use kyc_core::ReasonCode;
use serde_json::Value;

use crate::engine::{Engine, Line, Pass};
use crate::issue::{age, choose_issue_date, plausible, Age};
use crate::prep::{ocr_sized, Prepared};

mod address;
mod card;
mod identity;

pub use identity::read_identity;

pub struct Context<'a> {
    pub reader: &'a crate::Reader,
    pub languages: &'a str,
    pub image: crate::prep::Source<'a>,
    pub request: &'a CheckRequest,
}

impl Context<'_> {
    /// The OCR engine, loaded on first use; `None` when OCR is unavailable.
    pub fn engine(&self) -> Option<&Engine> {
        self.reader.engine()
    }
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
    let Some(engine) = ctx.engine() else {
        return Vec::new();
    };
    let started = std::time::Instant::now();
    let result = engine.recognise(image, pass);
    tracing::debug!(
        psm = pass.psm,
        languages = pass.languages,
        width = image.width(),
        height = image.height(),
        ms = started.elapsed().as_millis() as u64,
        "OCR pass"
    );
    match result {
        Ok(lines) => lines,
        Err(e) => {
            tracing::warn!(error = %e, "OCR pass failed");
            Vec::new()
        }
    }
}

/// Proofs of address: a quick first look (the page in `eng`, its date rows
/// in every bill language, see `address::first_look`), else the page read
/// whole in every language; then the three-month rule.
pub fn read_address(ctx: &Context<'_>, report: &mut Report) {
    // Bills photographed whole are 1–4k px tall; text reads best with the
    // long side between 1600 and 3000 (about 200–300 dpi for A4).
    // A page is read whole: OCR copes with the background, while a quad that
    // misses part of the page (a fold, a stamp's box) would cut text off.
    let prepared = Prepared::new(ctx.image, None, |w, h| {
        let long = w.max(h).max(1.0);
        long.clamp(1600.0, 3000.0) / long
    });
    let page = &prepared.image;
    let locale = ctx.request.locale;
    let as_of = ctx.request.as_of;
    let window = crate::issue::window(as_of);
    let found = address::first_look(ctx, page, as_of, window)
        .or_else(|| read_whole_page(ctx, page, as_of, window))
        // Faint print (thermal receipts, dot-matrix, coloured paper).
        .or_else(|| address::read_faint(ctx, page, as_of, window));
    let Some(found) = found else {
        report.push(Reason::new(ReasonCode::IssueDateNotFound, locale));
        return;
    };
    report.extracted.issue_date = Some(found.date);
    let (x, y, w, h) = found.bbox;
    report.extracted.extra.insert(
        "issue_date_location".into(),
        location_value(prepared.to_source(x, y, w, h)),
    );
    match age(found.date, as_of) {
        Age::Fresh => {}
        Age::TooOld => report.push(Reason::new(ReasonCode::AddressDocumentTooOld, locale)),
        Age::InFuture => report.push(Reason::new(ReasonCode::IssueDateInFuture, locale)),
    }
}

/// The page read whole in every language: one pass, the lines that look
/// like dates re-read larger, the labelled date chosen and, when it is
/// implausible, settled by close re-reads.
fn read_whole_page(
    ctx: &Context<'_>,
    page: &GrayImage,
    as_of: chrono::NaiveDate,
    window: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
) -> Option<crate::issue::IssueDate> {
    let mut lines = recognise(ctx, page, &Pass::page(ctx.languages));
    address::reread_date_lines(ctx, page, &mut lines, window);

    // A date read on the page is kept, unless it is implausible for a
    // proof of address (future, or years old) and two close re-reads agree
    // on a plausible one (`2017` read as `2011` on the page). The re-reads
    // use one model on one crop, so they can share a misreading: they do
    // not overrule a plausible page reading.
    choose_issue_date(&lines, Some(as_of)).map(|mut f| {
        if !plausible(f.date, as_of) {
            let settled = address::settle(ctx, page, f.bbox, f.date, window);
            if let Some(d) = settled.filter(|&d| plausible(d, as_of)) {
                f.date = d;
            }
        }
        f
    })
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
