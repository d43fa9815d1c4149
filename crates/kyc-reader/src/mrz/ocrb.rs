//! Reading an MRZ without OCR: each glyph is matched against the 37 OCR-B
//! characters rendered from the font the zone is printed in.
//!
//! Why: an MRZ is the easiest text there is to read. ICAO 9303 prints it
//! in one font (OCR-B), at a fixed pitch, in 37 characters, and every
//! position has a known class (digits in dates and check digits, letters
//! in names and country codes). Tesseract's general LSTM reads it too,
//! but costs ~35 ms a row pass and loads for ~150 ms first; a template
//! match costs well under a millisecond a row. Tesseract stays the
//! fallback: a zone is taken from the templates only when every check
//! digit passes and every glyph matched clearly (see `identity`).
//!
//! The font is Debian's `fonts-ocr-b` (the public OCR-B digitisation),
//! loaded at run time like Tesseract's language data, never shipped.
//! Without it every zone goes to Tesseract, as before.

use std::path::PathBuf;
use std::sync::OnceLock;

use ab_glyph::{Font, FontVec, PxScale};
use image::GrayImage;

use super::{numeric_spans, parse, Format, Mrz};
use crate::digits::Shape;
use crate::glyphs::{components, ink_mask, Glyph};
use crate::zone::{centre_x, least_squares};

/// The characters an MRZ is printed in, in class order.
pub const CLASSES: &[u8; 37] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<";

/// Where Debian's `fonts-ocr-b` puts the regular weight. `KYC_OCRB_FONT`
/// overrides it.
const DEFAULT_FONT: &str = "/usr/share/fonts/opentype/ocr-b/OCRB.otf";

/// Cap height, in pixels, the templates are rendered at: enough detail
/// for the 12 x 18 comparison grid after the stroke is thickened.
const RENDER_CAP_PX: f32 = 48.0;

/// How much a template's ink height (over the cap height) may differ from
/// a glyph's before the match is marked down: a speck or a fragment cut to
/// its ink box can look like any glyph, but not at a glyph's height.
const HEIGHT_TOLERANCE: f32 = 0.2;
const HEIGHT_PENALTY: f32 = 0.3;

/// The rendered OCR-B characters.
#[derive(Debug)]
pub struct Templates {
    glyphs: Vec<Template>,
}

#[derive(Debug)]
struct Template {
    /// Index into [`CLASSES`].
    class: usize,
    shape: Shape,
    /// Ink height over the cap height.
    height: f32,
}

/// The templates from the installed OCR-B font, loaded once; `None` when
/// the font is not installed or does not load.
pub fn templates() -> Option<&'static Templates> {
    static TEMPLATES: OnceLock<Option<Templates>> = OnceLock::new();
    TEMPLATES
        .get_or_init(|| {
            let path = font_path();
            let loaded = std::fs::read(&path)
                .ok()
                .and_then(Templates::from_font);
            if loaded.is_none() {
                tracing::warn!(path = %path.display(), "OCR-B font not loaded: MRZs are read by OCR only");
            }
            loaded
        })
        .as_ref()
}

fn font_path() -> PathBuf {
    std::env::var_os("KYC_OCRB_FONT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_FONT))
}

impl Templates {
    /// Renders every class from an OpenType/TrueType font, at three
    /// stroke weights: photographed and thresholded print is bolder than
    /// the font's outline, by an amount that varies with focus and ink.
    pub fn from_font(bytes: Vec<u8>) -> Option<Templates> {
        let font = FontVec::try_from_vec(bytes).ok()?;
        // ab_glyph sizes by the font's ascent-descent height; measure the
        // cap height at a trial size to render capitals RENDER_CAP_PX tall.
        const TRIAL: f32 = 100.0;
        let trial_cap = rendered(&font, b'H', TRIAL)?.ink_h;
        let size = TRIAL * RENDER_CAP_PX / trial_cap.max(1) as f32;
        let mut glyphs = Vec::new();
        for (class, &c) in CLASSES.iter().enumerate() {
            let glyph = rendered(&font, c, size)?;
            let height = glyph.ink_h as f32 / RENDER_CAP_PX;
            for grow in 0..3 {
                let thick = dilate(&glyph.ink, glyph.w, glyph.h, grow);
                glyphs.push(Template {
                    class,
                    shape: Shape::from_ink(&thick, glyph.w, glyph.h)?,
                    height,
                });
            }
        }
        Some(Templates { glyphs })
    }

    /// Every class's best match with `shape` whose ink is `height` cap
    /// heights tall, marked down where the heights disagree.
    fn scores(&self, shape: &Shape, height: f32) -> CellScores {
        let mut best = [-1.0f32; 37];
        for t in &self.glyphs {
            let mut s = shape.correlation(&t.shape);
            if (height - t.height).abs() > HEIGHT_TOLERANCE {
                s -= HEIGHT_PENALTY;
            }
            best[t.class] = best[t.class].max(s);
        }
        best
    }
}

/// A character rendered as ink (1) on background (0), with a margin of
/// [`PAD`] pixels each side for the thickening.
struct Rendered {
    ink: Vec<f32>,
    w: usize,
    h: usize,
    /// Height of the ink itself, without the margins.
    ink_h: usize,
}

const PAD: usize = 3;

/// `c` at `size` pixels (the font's ascent-descent height), thresholded at
/// half coverage.
fn rendered(font: &FontVec, c: u8, size: f32) -> Option<Rendered> {
    let glyph = font.glyph_id(char::from(c)).with_scale(PxScale::from(size));
    let outlined = font.outline_glyph(glyph)?;
    let bounds = outlined.px_bounds();
    let (ink_w, ink_h) = (bounds.width() as usize, bounds.height() as usize);
    let (w, h) = (ink_w + 2 * PAD, ink_h + 2 * PAD);
    let mut ink = vec![0f32; w * h];
    outlined.draw(|x, y, v| {
        let (x, y) = (x as usize + PAD, y as usize + PAD);
        if x < w && y < h && v >= 0.5 {
            ink[y * w + x] = 1.0;
        }
    });
    Some(Rendered { ink, w, h, ink_h })
}

/// `ink` grown by `r` pixels (a square structuring element).
fn dilate(ink: &[f32], w: usize, h: usize, r: usize) -> Vec<f32> {
    if r == 0 {
        return ink.to_vec();
    }
    let mut out = vec![0f32; w * h];
    for y in 0..h {
        for x in 0..w {
            if ink[y * w + x] < 0.5 {
                continue;
            }
            for yy in y.saturating_sub(r)..(y + r + 1).min(h) {
                for xx in x.saturating_sub(r)..(x + r + 1).min(w) {
                    out[yy * w + xx] = 1.0;
                }
            }
        }
    }
    out
}

/// One glyph position's match with each of [`CLASSES`], -1..=1.
pub type CellScores = [f32; 37];

/// The scores of every glyph position of one straightened MRZ row, left
/// to right: `strip` as `zone::straighten` makes it (the row's centre line
/// across its middle, capitals about `glyph_px` tall), `pitch` the row's
/// glyph pitch in strip pixels.
///
/// The glyphs are cut by the pitch grid, not taken as connected
/// components: blur joins neighbours and thin print breaks a glyph in
/// two, but every glyph still sits in its own cell. `None` when the glyphs
/// do not sit on one grid or a cell holds no ink (an MRZ has no gaps).
pub fn read_row(
    strip: &GrayImage,
    glyph_px: f64,
    pitch: f64,
    templates: &Templates,
) -> Option<Vec<CellScores>> {
    let g = glyph_px;
    let mid = f64::from(strip.height()) / 2.0;
    let mask = ink_mask(strip, false, (g * 2.0) as u32, 10);
    let glyphs: Vec<Glyph> = components(&mask)
        .into_iter()
        .filter(|c| {
            let (h, w) = (f64::from(c.h), f64::from(c.w));
            let cy = f64::from(c.y) + h / 2.0;
            (0.3 * g..=1.5 * g).contains(&h)
                && (cy - mid).abs() <= 0.5 * g
                && w <= 3.0 * pitch
                && f64::from(c.area) >= 0.01 * g * g
        })
        .collect();
    // Capitals and digits: the row's band and its grid.
    let tall: Vec<&Glyph> = glyphs
        .iter()
        .filter(|c| f64::from(c.h) >= 0.75 * g)
        .collect();
    if tall.len() < 5 {
        return None;
    }
    let cap_h = median(tall.iter().map(|c| f64::from(c.h)));
    let top = median(tall.iter().map(|c| f64::from(c.y)));
    let bottom = median(tall.iter().map(|c| f64::from(c.y + c.h)));
    let singles: Vec<f64> = tall
        .iter()
        .filter(|c| f64::from(c.w) <= 1.2 * pitch)
        .map(|c| centre_x(c))
        .collect();
    let (origin, step) = fit_grid(&singles, pitch)?;
    let cell_of = |x: f64| ((x - origin) / step).round() as i64;
    let (mut first, mut last) = (i64::MAX, i64::MIN);
    for c in &glyphs {
        let (left, right) = (f64::from(c.x), f64::from(c.x + c.w));
        // A merged pair covers the cells of its two ends.
        let (a, b) = if f64::from(c.w) > 1.2 * step {
            (cell_of(left + step / 2.0), cell_of(right - step / 2.0))
        } else {
            let i = cell_of(centre_x(c));
            (i, i)
        };
        first = first.min(a);
        last = last.max(b);
    }
    if last < first || last - first >= 60 {
        return None;
    }
    let margin = 0.15 * cap_h;
    let y0 = (top - margin).max(0.0) as u32;
    let y1 = ((bottom + margin).ceil() as u32).min(mask.height());
    let mut cells = Vec::with_capacity((last - first + 1) as usize);
    for i in first..=last {
        let cx = origin + step * i as f64;
        let x0 = (cx - step / 2.0).round().max(0.0) as u32;
        let x1 = ((cx + step / 2.0).round().max(0.0) as u32).min(mask.width());
        let (w, h) = (
            x1.saturating_sub(x0) as usize,
            y1.saturating_sub(y0) as usize,
        );
        let mut ink = vec![0f32; w * h];
        let (mut ink_top, mut ink_bottom) = (usize::MAX, 0);
        for y in 0..h {
            for x in 0..w {
                if mask.get_pixel(x0 + x as u32, y0 + y as u32)[0] != 0 {
                    ink[y * w + x] = 1.0;
                    ink_top = ink_top.min(y);
                    ink_bottom = ink_bottom.max(y + 1);
                }
            }
        }
        let shape = Shape::from_ink(&ink, w, h)?;
        let height = (ink_bottom.saturating_sub(ink_top)) as f64 / cap_h;
        cells.push(templates.scores(&shape, height as f32));
    }
    Some(cells)
}

/// The grid `x = origin + step * i` through glyph centres `xs` spaced
/// about `pitch` apart, fitted by least squares (twice: the second fit
/// numbers the glyphs by the first). `None` with under 5 centres.
fn fit_grid(xs: &[f64], pitch: f64) -> Option<(f64, f64)> {
    let first = xs.iter().copied().fold(f64::INFINITY, f64::min);
    let (mut origin, mut step) = (first, pitch);
    for _ in 0..2 {
        let pts: Vec<(f64, f64)> = xs
            .iter()
            .map(|&x| (((x - origin) / step).round(), x))
            .collect();
        (origin, step) = least_squares(&pts)?;
        if !(0.7 * pitch..=1.3 * pitch).contains(&step) {
            return None;
        }
    }
    Some((origin, step))
}

fn median(values: impl Iterator<Item = f64>) -> f64 {
    let mut v: Vec<f64> = values.collect();
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// A zone read by template.
#[derive(Debug, Clone)]
pub struct TemplateReading {
    pub mrz: Mrz,
    /// The lowest best-match score of any glyph.
    pub weakest: f32,
    /// The smallest lead of a glyph's best class over its runner-up, among
    /// the classes its position allows, over the letter positions (names,
    /// country codes, sex): the ones no check digit covers.
    pub closest: f32,
}

/// What a position of a format may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Digits (and `<`, which an overflowing TD1 number puts in place of
    /// its check digit).
    Digit,
    /// Letters and `<`: names, country codes, the document code, the sex.
    Letter,
    Any,
}

/// Spans (line, start, end) of letter-only positions.
fn letter_spans(format: Format) -> &'static [(usize, usize, usize)] {
    match format {
        Format::Td3 | Format::MrvA => &[(0, 0, 44), (1, 10, 13), (1, 20, 21)],
        Format::Td2 | Format::MrvB => &[(0, 0, 36), (1, 10, 13), (1, 20, 21)],
        Format::Td1 => &[(0, 0, 5), (1, 7, 8), (1, 15, 18), (2, 0, 30)],
    }
}

fn class_at(format: Format, line: usize, pos: usize) -> Class {
    let within = |&&(l, s, e): &&(usize, usize, usize)| l == line && (s..e).contains(&pos);
    if numeric_spans(format).iter().any(|s| within(&s)) {
        Class::Digit
    } else if letter_spans(format).iter().any(|s| within(&s)) {
        Class::Letter
    } else {
        Class::Any
    }
}

fn allows(class: Class, c: u8) -> bool {
    match class {
        Class::Digit => c.is_ascii_digit() || c == b'<',
        Class::Letter => c.is_ascii_uppercase() || c == b'<',
        Class::Any => true,
    }
}

/// The MRZ in rows of cell scores (top to bottom): the format from the
/// row count and length, each position's best class among those it
/// allows, then the usual parse with its check digits.
pub fn read_zone(rows: &[Vec<CellScores>]) -> Option<TemplateReading> {
    let width = rows.first()?.len();
    if rows.iter().any(|r| r.len() != width) {
        return None;
    }
    let format = [Format::Td1, Format::Td2, Format::Td3]
        .into_iter()
        .find(|f| f.shape() == (rows.len(), width))?;
    let (mut weakest, mut closest) = (f32::INFINITY, f32::INFINITY);
    let mut lines = Vec::with_capacity(rows.len());
    for (li, row) in rows.iter().enumerate() {
        let mut line = String::with_capacity(width);
        for (pos, scores) in row.iter().enumerate() {
            let class = class_at(format, li, pos);
            let (mut best, mut second) = ((b'<', f32::NEG_INFINITY), f32::NEG_INFINITY);
            for (&c, &s) in CLASSES.iter().zip(scores) {
                if !allows(class, c) {
                    continue;
                }
                if s > best.1 {
                    second = best.1;
                    best = (c, s);
                } else if s > second {
                    second = s;
                }
            }
            weakest = weakest.min(best.1);
            // Letter positions are the ones no check digit covers.
            if class == Class::Letter {
                closest = closest.min(best.1 - second);
            }
            line.push(char::from(best.0));
        }
        lines.push(line);
    }
    // A zone whose document code starts with `V` is a visa of the same
    // size, with its own checks.
    let format = match (format, lines[0].as_bytes().first()) {
        (Format::Td3, Some(b'V')) => Format::MrvA,
        (Format::Td2, Some(b'V')) => Format::MrvB,
        (f, _) => f,
    };
    let mrz = parse(format, &lines)?;
    Some(TemplateReading {
        mrz,
        weakest,
        closest,
    })
}

#[cfg(test)]
#[path = "ocrb/tests.rs"]
mod tests;
