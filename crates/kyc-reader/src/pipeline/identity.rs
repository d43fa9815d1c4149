//! Identity documents: the MRZ found without OCR (see `zone`), then read
//! row by row along each row's own slope, in two binarisations, with the
//! check digits choosing between the readings field by field.

use std::borrow::Cow;

use image::GrayImage;
use kyc_checker::{Corners, FieldLocation, Reason, Report};
use kyc_core::{Locale, ReasonCode, Verdict};
use serde_json::{json, Value};

use super::{location_value, recognise, Context};
use crate::engine::{Line, Pass};
use crate::glyphs::ink_mask;
use crate::mrz::ocrb::{self, TemplateReading};
use crate::mrz::readings::{best_of, clean_row};
use crate::mrz::{age_on, birth_date, expiry_date, find_mrz, Mrz};
use crate::prep::{band_of, crop_for_ocr, quick_copy, resize_to, whole, Prepared};
use crate::zone::{find_zone, straighten, Zone, ZoneRow};

/// A box (x, y, width, height) in document pixels.
type Rect = (u32, u32, u32, u32);

const MRZ_CHARS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<";

/// Glyph height, in pixels, the MRZ is scaled to before OCR.
const MRZ_GLYPH_PX: f64 = 36.0;

/// How each straightened row is shown to Tesseract.
#[derive(Debug, Clone, Copy)]
enum View {
    /// The grey strip: Tesseract binarises it itself (Otsu).
    Grey,
    /// A local-mean threshold, black on white: keeps glyphs printed over
    /// a visa's guilloche or a gradient that a global threshold loses.
    Adaptive,
    /// The grey strip inside a border (see [`padded`]).
    Bordered,
}

/// Identity documents: an MRZ is looked for without OCR first (see
/// `zone`); a document without one costs no OCR at all. A found zone is
/// read by template (see `mrz::ocrb`), which settles most zones, and
/// finds the ones a thumb covers (see [`report_covered`]); the rest are
/// read by OCR row by row (see [`read_rows`]); if that gives no valid
/// MRZ, the zone is read as one block, then the bottom half of the page,
/// keeping the best.
pub fn read_identity(ctx: &Context<'_>, report: &mut Report) {
    let corners = report.document.corners.as_ref().map(widened);
    // Most identity photos have no MRZ: look for one on a quick copy of the
    // document's lower part first (a fraction of the reading copy's
    // pixels), so such a photo costs a few milliseconds; the reading copy
    // is made only when there is one. The MRZ is printed at the foot of
    // every ICAO layout (TD1 backs, TD2, TD3 pages).
    let lower = corners.as_ref().map(|c| lower_part(c, ZONE_SEARCH_FROM));
    let search = quick_copy(ctx.image, lower.as_ref(), |w, _| {
        zone_search_width(w) / w.max(1.0)
    });
    let Some((search, found)) = search.and_then(|s| find_zone(&s).map(|z| (s, z))) else {
        tracing::debug!("no MRZ-like zone: identity read without OCR");
        report.extracted.extra.insert("mrz".into(), Value::Null);
        return;
    };
    // Template matching first: a clear reading costs no OCR at all.
    let searched = lower.unwrap_or_else(|| whole(ctx.image));
    let (template, covered) = match read_band_by_template(ctx, &searched, search.height(), &found) {
        Some((zone, location)) => (zone.reading.map(|t| (t, location)), zone.covered),
        None => (None, false),
    };
    if let Some((t, location)) = template.as_ref().filter(|(t, _)| clear_reading(t)) {
        tracing::debug!(
            weakest = t.weakest,
            closest = t.closest,
            "MRZ read by template"
        );
        write_mrz(ctx, report, &t.mrz, Some(*location));
        return;
    }
    if covered {
        report_covered(report, ctx.request.locale);
        return;
    }
    if ctx.engine().is_none() {
        report.push(Reason::new(ReasonCode::OcrUnavailable, ctx.request.locale));
        return;
    }
    let prepared = Prepared::new(ctx.image, corners.as_ref(), |w, _| {
        READING_WIDTH / w.max(1.0)
    });
    let doc = &prepared.image;
    let Some(zone) = find_zone(doc) else {
        tracing::debug!("no MRZ-like zone: identity read without OCR");
        report.extracted.extra.insert("mrz".into(), Value::Null);
        return;
    };
    let mut best: Option<(Mrz, Option<FieldLocation>)> = None;
    // Keeps the better of `best` and a new reading; answers whether the
    // best is now valid (no further pass needed).
    let mut keep = |mrz: Mrz, location: Option<Rect>| {
        if best.as_ref().is_none_or(|(b, _)| mrz.rank() > b.rank()) {
            let location = location.map(|(x, y, w, h)| prepared.to_source(x, y, w, h));
            best = Some((mrz, location));
        }
        best.as_ref().is_some_and(|(m, _)| m.valid)
    };
    let valid = read_rows(ctx, doc, &zone)
        .is_some_and(|mrz| keep(mrz, Some((zone.x, zone.y, zone.w, zone.h))));
    if !valid {
        read_blocks(ctx, doc, &zone, &mut keep);
    }
    // A template reading that was not clear enough to take on its own
    // still wins where OCR found no better one (measured on PassportEye:
    // three zones that every OCR pass misreads pass all their checks by
    // template).
    if let Some((t, location)) = template {
        if best.as_ref().is_none_or(|(b, _)| t.mrz.rank() > b.rank()) {
            best = Some((t.mrz, Some(location)));
        }
    }
    let Some((mrz, location)) = best else {
        report.extracted.extra.insert("mrz".into(), Value::Null);
        return;
    };
    write_mrz(ctx, report, &mrz, location);
}

/// A zone whose row ends are covered (a thumb over the page's corner, its
/// shadow on the first glyphs: see [`ocrb::RowCells::covered`]) is not
/// read by OCR: no reader sees under a thumb, and OCR's readings of such a
/// zone pass their check digits by chance. Measured on the one covered
/// zone we have (MIDV-500 `45_ukr_passport_06`): Tesseract read it as a
/// valid MRZ with the wrong number, surname and country (`WRRO0000`,
/// `ACHENKO`, `RTK`), after 250-480 ms of OCR. The zone is reported as
/// covered, with no reading. A photo the player is already asked to
/// retake needs nothing more (the retake is read); otherwise a person
/// reads what is left (`mrz_invalid`, a review).
fn report_covered(report: &mut Report, locale: Locale) {
    tracing::debug!("MRZ covered at a row's end: not read");
    let extra = &mut report.extracted.extra;
    extra.insert("mrz".into(), Value::Null);
    extra.insert("mrz_covered".into(), Value::Bool(true));
    let retake = report
        .reasons
        .iter()
        .any(|r| r.code.verdict() == Verdict::Retake);
    if !retake {
        report.push(Reason::new(ReasonCode::MrzInvalid, locale));
    }
}

/// Lowest best-match score every glyph of a template reading must reach,
/// and lowest lead over the runner-up class, for the reading to be taken
/// without OCR (see [`clear_reading`]).
const TEMPLATE_MIN_SCORE: f32 = 0.6;
const TEMPLATE_MIN_LEAD: f32 = 0.05;

/// Whether a template reading is taken as it is: every check digit passes,
/// every glyph matched its class well, and every letter position (names,
/// codes: no check digit covers them) matched one letter clearly.
///
/// Calibrated on the 8 MIDV-500 passport frames and 38 PassportEye images
/// against what Tesseract read (session 7, one stroke weight a row and
/// digit heights): the 16 zones passing both are all read right, with
/// leads of 0.062-0.166; the valid readings below them that are wrong
/// (`CWONG` for `CHONG`, `MABQOUK`, `MLD` for `NLD`) have leads of
/// 0.003-0.007. The bar is 0.043 above the worst wrong lead and 0.012
/// below the lowest right one, on the same 46 images: a held-out set
/// would tell better. Check digits alone are not enough: no check digit
/// covers a name or a country code.
fn clear_reading(t: &TemplateReading) -> bool {
    t.mrz.valid && t.weakest >= TEMPLATE_MIN_SCORE && t.closest >= TEMPLATE_MIN_LEAD
}

/// The zone `found` on a copy `copy_h` pixels tall of the quad `searched`,
/// read by template (see [`read_by_template`]) on a reading copy of the
/// zone's band only, a zone height above and below it: not of the whole
/// page, most of whose pixels a template reading never looks at. With the
/// zone's box in source pixels. `None` without the font, before any copy
/// is made.
fn read_band_by_template(
    ctx: &Context<'_>,
    searched: &Corners,
    copy_h: u32,
    found: &Zone,
) -> Option<(TemplateZone, FieldLocation)> {
    let templates = ocrb::templates()?;
    let (top, height) = (f64::from(found.y), f64::from(found.h));
    let copy_h = f64::from(copy_h.max(1));
    let band = band_of(
        searched,
        ((top - height) / copy_h).max(0.0),
        ((top + 2.0 * height) / copy_h).min(1.0),
    )?;
    let prepared = Prepared::quick(ctx.image, &band, |w, _| READING_WIDTH / w.max(1.0));
    let zone = find_zone(&prepared.image)?;
    let reading = read_by_template(&prepared.image, &zone, templates)?;
    Some((reading, prepared.to_source(zone.x, zone.y, zone.w, zone.h)))
}

/// A zone as the templates read it.
struct TemplateZone {
    /// `None` when the rows do not give a zone of one format.
    reading: Option<TemplateReading>,
    /// Whether an end of a row is covered (see [`ocrb::RowCells::covered`]).
    covered: bool,
}

/// The zone read by matching its glyphs against the OCR-B `templates`,
/// row by row on the same straightened strips OCR reads, the rows brought
/// to the same columns first (see [`ocrb::align_rows`]); `None` when a row
/// does not split into its glyphs.
fn read_by_template(
    doc: &GrayImage,
    zone: &Zone,
    templates: &ocrb::Templates,
) -> Option<TemplateZone> {
    let mut rows = Vec::with_capacity(zone.lines.len());
    let mut frames = Vec::with_capacity(zone.lines.len());
    for row in &zone.lines {
        let strip = row_strip(doc, zone, row)?;
        rows.push(ocrb::RowCells::find(
            &strip.image,
            MRZ_GLYPH_PX,
            strip.pitch,
        )?);
        frames.push(strip.frame);
    }
    ocrb::align_rows(&mut rows, &frames);
    let scores = rows
        .iter()
        .map(|row| ocrb::score_row(row, templates))
        .collect::<Option<Vec<_>>>()?;
    let covered = rows
        .iter()
        .zip(&scores)
        .any(|(row, scores)| row.covered(scores, TEMPLATE_MIN_SCORE));
    Some(TemplateZone {
        reading: ocrb::read_zone(&scores),
        covered,
    })
}

/// A zone row straightened at [`MRZ_GLYPH_PX`].
struct RowStrip {
    image: GrayImage,
    /// The row's glyph pitch, in strip pixels.
    pitch: f64,
    /// Where the strip lies along the zone.
    frame: ocrb::RowFrame,
}

/// A zone row straightened at [`MRZ_GLYPH_PX`]. Every row spans the
/// zone's leftmost to rightmost glyph, plus a pitch and a half: a row
/// whose first or last glyphs the threshold lost is still read whole.
fn row_strip(doc: &GrayImage, zone: &Zone, row: &ZoneRow) -> Option<RowStrip> {
    let pitch = zone.lines.iter().map(|r| r.pitch).fold(0.0, f64::max);
    let x_from = f64::from(zone.x) - 1.5 * pitch;
    let x_to = f64::from(zone.x + zone.w) + 1.5 * pitch;
    let image = straighten(doc, row, x_from, x_to, MRZ_GLYPH_PX)?;
    let scale = MRZ_GLYPH_PX / f64::from(row.glyph_h.max(1));
    // The strip starts at (x_from, the row's centre there) and runs along
    // the row: its pixels are 1/scale page pixels apart, and its start
    // lies x_from cos + y sin along the row's direction.
    let (sin, cos) = row.slope.atan().sin_cos();
    Some(RowStrip {
        image,
        pitch: row.pitch * scale,
        frame: ocrb::RowFrame {
            offset: x_from * cos + row.centre_y(x_from) * sin,
            scale: 1.0 / scale,
        },
    })
}

/// Width of the copy searched for an MRZ zone: its glyphs are still
/// 12+ px tall there (a TD3 row spans ~90 % of the page in 44 glyphs).
const ZONE_SEARCH_WIDTH: f64 = 800.0;

/// Width of the copy MRZs are read from.
const READING_WIDTH: f64 = 1400.0;

/// Where, as a fraction of the widened quad's height from its top, the
/// MRZ search starts. The deepest zone, TD1's, takes the lowest ~35 % of a
/// card back (TD3 ~26 %); half of the quad widened by a tenth a side is
/// the lowest 50 % of the document, a margin of ~15 % of its height above
/// a TD1 zone for a quad that is a little off. Measured: the same MRZs
/// found as from 0.4 on the 8 MIDV-500 passport frames and 38 PassportEye
/// images, with a sixth less to copy and search on every identity photo.
const ZONE_SEARCH_FROM: f64 = 0.5;

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

/// The part of the quad `corners` (clockwise from top-left) below the
/// fraction `from` of its height, as a quad.
fn lower_part(corners: &Corners, from: f64) -> Corners {
    let at = |a: [f64; 2], b: [f64; 2]| [a[0] + (b[0] - a[0]) * from, a[1] + (b[1] - a[1]) * from];
    [
        at(corners[0], corners[3]),
        at(corners[1], corners[2]),
        corners[2],
        corners[3],
    ]
}

/// How far past each edge of the found document the identity read looks,
/// as a share of the document's size along that axis.
const WIDEN: f64 = 0.1;

/// The document's corners pushed out by [`WIDEN`] along its own sides.
///
/// Why: the MRZ runs along the bottom edge of a passport page, and a
/// finder quad a few percent short of that edge (measured on MIDV-500
/// passport frames: 3 of 8 quads end 60–90 px above the page's bottom)
/// cuts the zone out of the warped image. The margin costs a little more
/// search area, not another pass.
fn widened(c: &Corners) -> Corners {
    let push = |from: [f64; 2], to: [f64; 2]| {
        [
            to[0] + (to[0] - from[0]) * WIDEN,
            to[1] + (to[1] - from[1]) * WIDEN,
        ]
    };
    // Corners clockwise from top-left: 0 TL, 1 TR, 2 BR, 3 BL. Each
    // corner moves away from its neighbour across each of its two sides.
    let vertical = [
        push(c[3], c[0]),
        push(c[2], c[1]),
        push(c[1], c[2]),
        push(c[0], c[3]),
    ];
    [
        push(vertical[1], vertical[0]),
        push(vertical[0], vertical[1]),
        push(vertical[3], vertical[2]),
        push(vertical[2], vertical[3]),
    ]
}

/// Reads each zone row on its own, straightened and at [`MRZ_GLYPH_PX`]:
/// grey, then (until valid) thresholded, then grey inside a border; the
/// check digits pick and combine the readings (see `mrz::readings`).
/// Each view rescues different documents (measured on passporteye: the
/// border alone loses a TD1 that the plain strip reads, and the reverse).
fn read_rows(ctx: &Context<'_>, doc: &GrayImage, zone: &Zone) -> Option<Mrz> {
    let pass = Pass {
        languages: crate::MACHINE_PRINT,
        psm: 7,
        whitelist: MRZ_CHARS,
    };
    // Straightened once, shown in up to three views.
    let strips: Vec<Option<GrayImage>> = zone
        .lines
        .iter()
        .map(|row| row_strip(doc, zone, row).map(|strip| strip.image))
        .collect();
    let mut readings: Vec<Vec<String>> = vec![Vec::new(); zone.lines.len()];
    let mut best: Option<Mrz> = None;
    for view in [View::Grey, View::Adaptive, View::Bordered] {
        for (strip, found) in strips.iter().zip(readings.iter_mut()) {
            let Some(strip) = strip else {
                continue;
            };
            let shown = match view {
                View::Grey => Cow::Borrowed(strip),
                View::Adaptive => Cow::Owned(adaptive(strip)),
                View::Bordered => Cow::Owned(padded(strip)),
            };
            let text: Vec<String> = recognise(ctx, &shown, &pass)
                .iter()
                .map(|l| clean_row(&l.text()))
                .collect();
            found.push(text.concat());
        }
        best = best_of(&readings);
        if best.as_ref().is_some_and(|m| m.valid) {
            break;
        }
    }
    best
}

/// The strip inside a border of its own paper tone (its 75th percentile
/// grey), 0.6 glyph heights wide.
///
/// Why: Tesseract's line finder can drop or split the first glyph of a
/// line that starts near the image edge (measured: a TD1 row read `808175F…`
/// for `5808175F…`, and `ITAUSA` for `IAUSA`); with a border both read
/// right.
fn padded(strip: &GrayImage) -> GrayImage {
    let pad = (MRZ_GLYPH_PX * 0.6) as u32;
    let mut v: Vec<u8> = strip.pixels().map(|p| p[0]).collect();
    v.sort_unstable();
    let bg = v.get(v.len() * 3 / 4).copied().unwrap_or(255);
    let mut out = GrayImage::from_pixel(
        strip.width() + 2 * pad,
        strip.height() + 2 * pad,
        image::Luma([bg]),
    );
    image::imageops::replace(&mut out, strip, i64::from(pad), i64::from(pad));
    out
}

/// Black glyphs on white where a pixel is darker than the mean of a
/// window about two glyphs wide.
fn adaptive(strip: &GrayImage) -> GrayImage {
    let window = (MRZ_GLYPH_PX * 2.0) as u32;
    let mut mask = ink_mask(strip, false, window, 10);
    image::imageops::invert(&mut mask);
    mask
}

/// The older passes, kept for zones the row reading gets wrong: the zone
/// (± 1 glyph height, ± 2 heights) as one block at ~36 px glyphs, the
/// MRZ-looking lines of that block re-read at ~48 px a line, then the
/// bottom half of the page. Each MRZ goes to `keep` with its box in
/// document pixels; `keep` answers whether the best is now valid, which
/// ends the passes.
fn read_blocks(
    ctx: &Context<'_>,
    doc: &GrayImage,
    zone: &Zone,
    mut keep: impl FnMut(Mrz, Option<Rect>) -> bool,
) {
    let pass = Pass {
        languages: crate::MACHINE_PRINT,
        psm: 6,
        whitelist: MRZ_CHARS,
    };
    let (mx, my) = (zone.glyph_h * 2, zone.glyph_h);
    let offset = (zone.x.saturating_sub(mx), zone.y.saturating_sub(my));
    let scale = (MRZ_GLYPH_PX / f64::from(zone.glyph_h.max(1))).clamp(0.5, 3.0);
    let lines = crop_for_ocr(doc, offset.0, offset.1, zone.w + 2 * mx, zone.h + 2 * my)
        .map(|band| recognise(ctx, &resize_to(&band, scale), &pass))
        .unwrap_or_default();
    if let Some((mrz, location)) = mrz_in(&lines, offset, scale) {
        if keep(mrz, location) {
            return;
        }
    }
    // Re-read the MRZ-looking lines alone, at ~48 px per line.
    let boxes: Vec<Rect> = lines
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
        if let Some(crop) = crop_for_ocr(doc, cx, cy, bw + 2 * margin, bh + 2 * margin) {
            let lines = recognise(ctx, &resize_to(&crop, scale), &pass);
            if let Some((mrz, location)) = mrz_in(&lines, (cx, cy), scale) {
                if keep(mrz, location) {
                    return;
                }
            }
        }
    }
    // The zone crop can cut a line or read worse than the old page-half
    // pass; with a zone found, that pass is still worth its cost.
    let (w, h) = doc.dimensions();
    if let Some(bottom) = crop_for_ocr(doc, 0, h / 2, w, h - h / 2) {
        let lines = recognise(ctx, &bottom, &pass);
        if let Some((mrz, location)) = mrz_in(&lines, (0, h / 2), 1.0) {
            keep(mrz, location);
        }
    }
}

/// The MRZ among OCR lines read on a crop at `offset` scaled by `scale`,
/// with its box in document pixels.
fn mrz_in(lines: &[Line], offset: (u32, u32), scale: f64) -> Option<(Mrz, Option<Rect>)> {
    let texts: Vec<String> = lines.iter().map(Line::text).collect();
    let (mrz, start) = find_mrz(&texts)?;
    let rows = mrz.lines.len();
    let boxes: Vec<Rect> = lines[start..start + rows]
        .iter()
        .filter_map(|l| l.bbox(0, l.words.len()))
        .collect();
    let location = union(&boxes).map(|b| back_to_doc(b, offset, scale));
    Some((mrz, location))
}

/// A box in a crop at `offset` scaled by `scale`, in document pixels.
fn back_to_doc((x, y, w, h): Rect, offset: (u32, u32), scale: f64) -> Rect {
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

fn union(boxes: &[Rect]) -> Option<Rect> {
    let x0 = boxes.iter().map(|b| b.0).min()?;
    let y0 = boxes.iter().map(|b| b.1).min()?;
    let x1 = boxes.iter().map(|b| b.0 + b.2).max()?;
    let y1 = boxes.iter().map(|b| b.1 + b.3).max()?;
    Some((x0, y0, x1 - x0, y1 - y0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mrz_search_reaches_well_above_a_td1_zone() {
        // An ID-1 card, 85.6 x 54 mm at 10 px/mm. Its TD1 zone, the deepest
        // MRZ, takes the lowest 17.9 mm plus a 1 mm margin: 35 %.
        let card = [[0.0, 0.0], [856.0, 0.0], [856.0, 540.0], [0.0, 540.0]];
        let search = lower_part(&widened(&card), ZONE_SEARCH_FROM);
        let zone_top = 540.0 * (1.0 - 0.35);
        // Room for a finder quad a tenth of the card's height off.
        for corner in [search[0], search[1]] {
            assert!(corner[1] <= zone_top - 54.0, "search starts at {corner:?}");
        }
        for corner in [search[2], search[3]] {
            assert!(corner[1] >= 540.0, "search ends at {corner:?}");
        }
    }

    #[test]
    fn a_covered_zone_asks_a_person_only_when_no_retake_is_asked() {
        // A photo with nothing else wrong: the covered zone goes to a
        // person (`mrz_invalid`, a review).
        let mut clean = Report::new(kyc_core::DocumentKind::Identity);
        report_covered(&mut clean, Locale::En);
        assert!(clean.has(ReasonCode::MrzInvalid));
        assert_eq!(clean.verdict, Verdict::Review);
        assert_eq!(clean.extracted.extra["mrz"], Value::Null);
        assert_eq!(clean.extracted.extra["mrz_covered"], Value::Bool(true));
        // A photo the player must retake anyway (the thumb is over a
        // corner): the retake is read, nothing is added.
        let mut cut = Report::new(kyc_core::DocumentKind::Identity);
        cut.push(Reason::new(ReasonCode::EdgesNotVisible, Locale::En));
        report_covered(&mut cut, Locale::En);
        assert!(!cut.has(ReasonCode::MrzInvalid));
        assert_eq!(cut.verdict, Verdict::Retake);
        assert_eq!(cut.extracted.extra["mrz_covered"], Value::Bool(true));
    }

    #[test]
    fn widened_pushes_each_side_out_by_a_tenth() {
        let c = [[0.0, 0.0], [100.0, 0.0], [100.0, 50.0], [0.0, 50.0]];
        let w = widened(&c);
        let expect = [[-10.0, -5.0], [110.0, -5.0], [110.0, 55.0], [-10.0, 55.0]];
        for (got, want) in w.iter().zip(expect) {
            assert!(
                (got[0] - want[0]).abs() < 1e-9 && (got[1] - want[1]).abs() < 1e-9,
                "{w:?}"
            );
        }
    }
}
