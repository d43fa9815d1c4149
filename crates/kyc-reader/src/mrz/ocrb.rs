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
use crate::stats::median;
use crate::zone::{centre_x, least_squares};

/// The characters an MRZ is printed in, in class order.
pub const CLASSES: &[u8; 37] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<";

/// Where Debian's `fonts-ocr-b` puts the regular weight. `KYC_OCRB_FONT`
/// overrides it.
const DEFAULT_FONT: &str = "/usr/share/fonts/opentype/ocr-b/OCRB.otf";

/// Cap height, in pixels, the templates are rendered at: enough detail
/// for the 12 x 18 comparison grid after the stroke is thickened.
const RENDER_CAP_PX: f32 = 48.0;

/// How much, as a fraction, a glyph's ink height may differ from a
/// template's before the match is marked down: a speck or a fragment cut
/// to its ink box can look like any glyph, but not at a glyph's height.
const HEIGHT_TOLERANCE: f32 = 0.2;
const HEIGHT_PENALTY: f32 = 0.3;

/// OCR-B prints digits ~8 % taller than capitals, and that is what tells
/// `0` from `O` (the same width over height and nearly the same shape).
/// Once a row's cap height is known from the glyphs read (see
/// [`read_row`]), a template is marked down by `FINE_HEIGHT_WEIGHT` per
/// unit of fraction the glyph's height is off the template's, beyond the
/// tolerance (the measuring error, a pixel in 36). Measured on a PassportEye
/// specimen: without it, `000000000` read as `O000000O0`, which passes
/// its check digit (24 x 7 + 24 x 3 = 240).
const FINE_HEIGHT_TOLERANCE: f32 = 0.03;
const FINE_HEIGHT_WEIGHT: f32 = 1.0;

/// How many stroke weights each character is rendered at: its outline
/// grown by 0 to `WEIGHTS - 1` pixels at [`RENDER_CAP_PX`].
/// Photographed and thresholded print is bolder than the font's outline,
/// by an amount that varies with focus and ink; a blurred passport frame
/// (MIDV-500) needs the fourth.
const WEIGHTS: usize = 5;

/// A first-pass score at which a glyph counts as named (see
/// [`cap_height`]).
const CLEAR_GLYPH: f32 = 0.7;

/// The rendered OCR-B characters.
#[derive(Debug)]
pub struct Templates {
    /// Class-major: every weight of `A`, then of `B`, ...
    glyphs: Vec<Template>,
    /// Each class's ink height over the cap height.
    class_height: [f32; 37],
}

#[derive(Debug)]
struct Template {
    /// Index into [`CLASSES`].
    class: usize,
    /// How many pixels the outline was grown by, `0..WEIGHTS`.
    weight: usize,
    shape: Shape,
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
    /// Renders every class from an OpenType/TrueType font, at
    /// [`WEIGHTS`] stroke weights.
    pub fn from_font(bytes: Vec<u8>) -> Option<Templates> {
        let font = FontVec::try_from_vec(bytes).ok()?;
        // ab_glyph sizes by the font's ascent-descent height; measure the
        // cap height at a trial size to render capitals RENDER_CAP_PX tall.
        const TRIAL: f32 = 100.0;
        let trial_cap = rendered(&font, b'H', TRIAL)?.ink_h;
        let size = TRIAL * RENDER_CAP_PX / trial_cap.max(1) as f32;
        let mut glyphs = Vec::with_capacity(CLASSES.len() * WEIGHTS);
        let mut class_height = [1.0f32; 37];
        for (class, &c) in CLASSES.iter().enumerate() {
            let glyph = rendered(&font, c, size)?;
            class_height[class] = glyph.ink_h as f32 / RENDER_CAP_PX;
            for weight in 0..WEIGHTS {
                let thick = dilate(&glyph.ink, glyph.w, glyph.h, weight);
                glyphs.push(Template {
                    class,
                    weight,
                    shape: Shape::from_ink(&thick, glyph.w, glyph.h)?,
                });
            }
        }
        Some(Templates {
            glyphs,
            class_height,
        })
    }

    /// `shape`'s correlation with every template, in template order.
    fn correlations(&self, shape: &Shape) -> Vec<f32> {
        self.glyphs
            .iter()
            .map(|t| shape.correlation(&t.shape))
            .collect()
    }

    /// Every class's best match, from a glyph's `correlations` with the
    /// templates `scoring` takes, marked down where the glyph's ink,
    /// `height` cap heights tall, disagrees with the class's height.
    fn scores(&self, correlations: &[f32], height: f32, scoring: Scoring) -> CellScores {
        let mut best = [-1.0f32; 37];
        for (t, &r) in self.glyphs.iter().zip(correlations) {
            let fine = match scoring {
                Scoring::Rough => false,
                Scoring::Row { weight } if weight == t.weight => true,
                Scoring::Row { .. } => continue,
            };
            let off = (height / self.class_height[t.class] - 1.0).abs();
            let mut s = r;
            if off > HEIGHT_TOLERANCE {
                s -= HEIGHT_PENALTY;
            }
            if fine {
                s -= FINE_HEIGHT_WEIGHT * (off - FINE_HEIGHT_TOLERANCE).max(0.0);
            }
            best[t.class] = best[t.class].max(s);
        }
        best
    }
}

/// A character rendered as ink (1) on background (0), with a margin of
/// [`PAD`] pixels each side for the thickening (at least `WEIGHTS - 1`).
struct Rendered {
    ink: Vec<f32>,
    w: usize,
    h: usize,
    /// Height of the ink itself, without the margins.
    ink_h: usize,
}

const PAD: usize = WEIGHTS;

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

/// Which templates a glyph is scored against, and how closely its height
/// is held to its class's (see [`read_row`]).
#[derive(Debug, Clone, Copy)]
enum Scoring {
    /// Every stroke weight, the height held within [`HEIGHT_TOLERANCE`]
    /// only: the cap height is still a rough one.
    Rough,
    /// One stroke weight, the height also held within
    /// [`FINE_HEIGHT_TOLERANCE`] of the row's own cap height.
    Row { weight: usize },
}

/// One glyph position's match with each of [`CLASSES`], -1..=1.
pub type CellScores = [f32; 37];

/// One glyph position of a row, as cut by the grid.
struct Cell {
    /// Correlation with every template, in template order.
    correlations: Vec<f32>,
    /// Height of its ink, in strip pixels.
    ink_h: f32,
}

/// One straightened MRZ row cut into glyph cells: its ink, the pitch grid
/// its glyphs sit on, and the span of cells to read.
///
/// The glyphs are cut by the pitch grid (see [`Grid`]), not taken as
/// connected components: blur joins neighbours and thin print breaks a
/// glyph in two, but every glyph still sits in its own cell.
pub struct RowCells {
    mask: GrayImage,
    grid: Grid,
    /// First and last cell read (grid numbers), inclusive.
    span: (i64, i64),
    /// How many of the span's cells at its left and right end hold no
    /// glyph of the row's own (see [`align_rows`]).
    widened: (i64, i64),
    /// The rows of the strip the cells are cut from.
    band: (u32, u32),
    /// Median height of the row's capitals and digits, in strip pixels.
    tall_h: f64,
}

impl RowCells {
    /// The cells of a row: `strip` as `zone::straighten` makes it (the
    /// row's centre line across its middle, capitals about `glyph_px`
    /// tall), `pitch` the row's glyph pitch in strip pixels. The span
    /// runs from the first to the last cell holding a glyph. `None` when
    /// the glyphs do not sit on one grid.
    pub fn find(strip: &GrayImage, glyph_px: f64, pitch: f64) -> Option<RowCells> {
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
        let tall_h = median(tall.iter().map(|c| f64::from(c.h)))?;
        let top = median(tall.iter().map(|c| f64::from(c.y)))?;
        let bottom = median(tall.iter().map(|c| f64::from(c.y + c.h)))?;
        let singles: Vec<f64> = tall
            .iter()
            .filter(|c| f64::from(c.w) <= 1.2 * pitch)
            .map(|c| centre_x(c))
            .collect();
        let grid = Grid::fit(&singles, pitch)?;
        let (mut first, mut last) = (i64::MAX, i64::MIN);
        for c in &glyphs {
            let (left, right) = (f64::from(c.x), f64::from(c.x + c.w));
            let i = grid.cell_of(centre_x(c));
            let step = grid.step(i as f64);
            // A merged pair covers the cells of its two ends.
            let (a, b) = if f64::from(c.w) > 1.2 * step {
                (
                    grid.cell_of(left + step / 2.0),
                    grid.cell_of(right - step / 2.0),
                )
            } else {
                (i, i)
            };
            first = first.min(a);
            last = last.max(b);
        }
        if last < first || last - first >= MAX_CELLS {
            return None;
        }
        let margin = 0.15 * tall_h;
        let y0 = (top - margin).max(0.0) as u32;
        let y1 = ((bottom + margin).ceil() as u32).min(mask.height());
        Some(RowCells {
            mask,
            grid,
            span: (first, last),
            widened: (0, 0),
            band: (y0, y1),
            tall_h,
        })
    }

    /// Where the centres of the span's first and last cells are, in strip
    /// pixels.
    pub fn ends(&self) -> (f64, f64) {
        let (first, last) = self.span;
        (
            self.grid.centre(first as f64),
            self.grid.centre(last as f64),
        )
    }

    /// The span widened to the cells whose centres are nearest `left`
    /// and `right` (strip pixels), by at most `most` cells at each end;
    /// never narrower.
    fn widened_to(&self, left: f64, right: f64, most: i64) -> (i64, i64) {
        let (first, last) = self.span;
        (
            self.grid.cell_of(left).clamp(first - most, first),
            self.grid.cell_of(right).clamp(last, last + most),
        )
    }

    /// Cell `i`'s box in the strip: its origin and its size (w, h).
    fn cell_rect(&self, i: i64) -> ((u32, u32), (usize, usize)) {
        let (y0, y1) = self.band;
        let (cx, step) = (self.grid.centre(i as f64), self.grid.step(i as f64));
        let x0 = (cx - step / 2.0).round().max(0.0) as u32;
        let x1 = ((cx + step / 2.0).round().max(0.0) as u32).min(self.mask.width());
        let size = (
            x1.saturating_sub(x0) as usize,
            y1.saturating_sub(y0) as usize,
        );
        ((x0, y0), size)
    }

    /// Whether ink in cell `i`'s columns reaches both the strip's top and
    /// its bottom row: something runs across the whole strip there. A glyph
    /// never does: the strip reaches 0.9 glyph heights each side of the
    /// row's centre line, the glyph 0.5, and the neighbouring rows' glyphs
    /// stay outside it (rows sit 1.5-2 heights apart).
    fn crossed(&self, i: i64) -> bool {
        let ((x0, _), (w, _)) = self.cell_rect(i);
        let h = self.mask.height();
        let inked = |y: u32| (x0..x0 + w as u32).any(|x| self.mask.get_pixel(x, y)[0] != 0);
        h >= 2 && inked(0) && inked(h - 1)
    }

    /// Whether a cell the span was widened by is covered, given the row's
    /// `scores` from [`score_row`]: it matches no character (its best
    /// score under `bar`) and ink crosses the whole strip there (see
    /// [`RowCells::crossed`]). Both, because a glyph dropped for another
    /// reason (joined to a stain, thinned by glare) also matches badly,
    /// but stays within the row; a thumb or its shadow does not.
    pub fn covered(&self, scores: &[CellScores], bar: f32) -> bool {
        let (first, last) = self.span;
        let (left, right) = self.widened;
        let widened = (first..first + left).chain(last + 1 - right..=last);
        widened.into_iter().any(|i| {
            let score = usize::try_from(i - first)
                .ok()
                .and_then(|k| scores.get(k))
                .map(|s| best_class(s).1);
            score.is_some_and(|s| s < bar) && self.crossed(i)
        })
    }
}

/// Where a row's strip lies along the zone: pixel `u` of the strip's
/// centre line is `offset + scale * u` page pixels along the rows'
/// direction, from a point common to every row. Measured along the rows,
/// not as page x: on a skewed zone one column's glyphs sit further left or
/// right from row to row (by the rows' spacing times the skew's sine).
#[derive(Debug, Clone, Copy)]
pub struct RowFrame {
    pub offset: f64,
    pub scale: f64,
}

/// Brings the rows of a zone to one span, in place, where that gives
/// every row a format's width; `frames[r]` places row `r`'s strip.
///
/// Why: the rows of an MRZ start and end in the same columns (every row
/// is the format's full width, fillers included), so a glyph that one row
/// lacks at an end where another has one is there but was not seen: a
/// thumb over the page's corner, or its shadow merged with the glyph
/// (measured on a MIDV-500 passport frame: the first `X` of the second
/// row). Cutting its cell keeps the rows' columns aligned; without it the
/// rows differ in length and the zone is not read. A row is widened by at
/// most [`MOST_HIDDEN`] cells at each end, and only when every row then
/// has a format's width: a row that reaches past the others because of a
/// speck or the page's edge beside the zone (measured on PassportEye
/// scans: two such cells before a `P`) is no reason to widen the rest.
pub fn align_rows(rows: &mut [RowCells], frames: &[RowFrame]) {
    let ends = rows.iter().zip(frames).map(|(row, f)| {
        let (left, right) = row.ends();
        (f.offset + left * f.scale, f.offset + right * f.scale)
    });
    let (left, right) = ends.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, r), (a, b)| {
        (l.min(a), r.max(b))
    });
    let strip_px = |along: f64, f: &RowFrame| (along - f.offset) / f.scale;
    let Some(spans) = rows
        .iter()
        .zip(frames)
        .map(|(row, f)| {
            (f.scale > 0.0)
                .then(|| row.widened_to(strip_px(left, f), strip_px(right, f), MOST_HIDDEN))
        })
        .collect::<Option<Vec<_>>>()
    else {
        return;
    };
    let width = |&(first, last): &(i64, i64)| last - first + 1;
    let Some(w) = spans.first().map(width) else {
        return;
    };
    let one_format = [Format::Td1, Format::Td2, Format::Td3]
        .iter()
        .any(|f| f.shape() == (rows.len(), w as usize));
    if !one_format || spans.iter().any(|s| width(s) != w) {
        return;
    }
    for (row, (first, last)) in rows.iter_mut().zip(spans) {
        row.widened = (row.span.0 - first, last - row.span.1);
        row.span = (first, last);
    }
}

/// Most glyphs a row may be missing at each end for [`align_rows`] to
/// cut their cells.
const MOST_HIDDEN: i64 = 2;

/// Most cells a row may span: the longest MRZ row is 44.
const MAX_CELLS: i64 = 60;

/// The scores of every glyph position of one straightened MRZ row, left
/// to right (see [`RowCells::find`] for `strip`, `glyph_px` and `pitch`).
pub fn read_row(
    strip: &GrayImage,
    glyph_px: f64,
    pitch: f64,
    templates: &Templates,
) -> Option<Vec<CellScores>> {
    score_row(&RowCells::find(strip, glyph_px, pitch)?, templates)
}

/// The scores of the cells of `row`'s span, left to right.
///
/// Each cell is scored twice: first against every template, which names
/// most glyphs and so gives the row's cap height; then, with that height,
/// against the templates of the row's one stroke weight, marked down
/// where a template's height disagrees (see [`FINE_HEIGHT_TOLERANCE`]).
/// A row none of whose glyphs the first pass names clearly keeps the
/// first pass's scores (every weight, heights checked coarsely only); its
/// glyphs are then too weak to pass the bar for a reading without OCR.
/// `None` when a cell holds no ink (an MRZ has no gaps).
pub fn score_row(row: &RowCells, templates: &Templates) -> Option<Vec<CellScores>> {
    let (first, last) = row.span;
    let mut cells = Vec::with_capacity((last - first + 1) as usize);
    for i in first..=last {
        let (origin, size) = row.cell_rect(i);
        cells.push(cut_cell(&row.mask, origin, size, templates)?);
    }
    // First pass: every stroke weight, heights against the tall glyphs'
    // median, which mixes capitals with the taller digits.
    let tall_h = row.tall_h as f32;
    let first_pass: Vec<CellScores> = cells
        .iter()
        .map(|c| templates.scores(&c.correlations, c.ink_h / tall_h, Scoring::Rough))
        .collect();
    let Some(cap) = cap_height(&cells, &first_pass, templates) else {
        return Some(first_pass);
    };
    // A row is printed, focused and thresholded as one, so its glyphs
    // share one stroke weight: the one under which they match best.
    // Letting each glyph take its own lets a wrong class catch up by
    // being bolder or thinner (measured on PassportEye: an `M` read as
    // `N`, an `I` a hair from `Z`).
    let at_weight = |weight: usize| -> Vec<CellScores> {
        cells
            .iter()
            .map(|c| templates.scores(&c.correlations, c.ink_h / cap, Scoring::Row { weight }))
            .collect()
    };
    let total = |scores: &[CellScores]| -> f32 { scores.iter().map(|s| best_class(s).1).sum() };
    (0..WEIGHTS)
        .map(at_weight)
        .max_by(|a, b| total(a).total_cmp(&total(b)))
}

/// The cell of `mask` at `origin`, `size` (w, h) pixels, matched against
/// every template; `None` when it holds no ink.
fn cut_cell(
    mask: &GrayImage,
    (x0, y0): (u32, u32),
    (w, h): (usize, usize),
    templates: &Templates,
) -> Option<Cell> {
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
    Some(Cell {
        correlations: templates.correlations(&shape),
        ink_h: ink_bottom.saturating_sub(ink_top) as f32,
    })
}

/// The row's cap height in strip pixels: the median, over the glyphs the
/// first pass named clearly (not `<`, whose height is its own), of their
/// ink height over their class's height. `None` when no glyph was clear.
fn cap_height(cells: &[Cell], scores: &[CellScores], templates: &Templates) -> Option<f32> {
    let caps = cells.iter().zip(scores).filter_map(|(cell, scores)| {
        let (class, score) = best_class(scores);
        (CLASSES[class] != b'<' && score >= CLEAR_GLYPH)
            .then(|| f64::from(cell.ink_h / templates.class_height[class]))
    });
    median(caps).map(|cap| cap as f32)
}

/// The best class of a cell, and its score.
fn best_class(scores: &CellScores) -> (usize, f32) {
    scores
        .iter()
        .copied()
        .enumerate()
        .fold((0, f32::NEG_INFINITY), |best, (i, s)| {
            if s > best.1 {
                (i, s)
            } else {
                best
            }
        })
}

/// Where the glyphs of a row sit: the centre of cell `i` at
/// `a + b i + c i²`.
///
/// Why the square term: `zone::straighten` follows a row's slope, not the
/// perspective along it, so on a page seen at an angle the pitch shrinks
/// from one end of the row to the other. A straight grid fitted through
/// all 44 glyphs then lies a third of a cell off at the ends (measured on
/// a MIDV-500 passport frame: 10 px at a 36 px pitch, `P<U` read as
/// `FCL`); the square term follows the change of pitch.
#[derive(Debug, Clone, Copy)]
struct Grid {
    a: f64,
    b: f64,
    c: f64,
}

impl Grid {
    fn centre(&self, i: f64) -> f64 {
        self.a + self.b * i + self.c * i * i
    }

    /// The pitch at cell `i`.
    fn step(&self, i: f64) -> f64 {
        self.b + 2.0 * self.c * i
    }

    /// The cell whose centre is nearest `x`.
    fn cell_of(&self, x: f64) -> i64 {
        // Newton's method from the straight grid's answer: the square
        // term is small, two steps settle it.
        let mut i = (x - self.a) / self.b;
        for _ in 0..2 {
            i -= (self.centre(i) - x) / self.step(i);
        }
        // A degenerate grid (a step near 0) gives no sensible cell; keep
        // the answer finite and small enough to subtract (`fit` rejects
        // such a grid by its pitch).
        if i.is_finite() {
            i.round().clamp(-10_000.0, 10_000.0) as i64
        } else {
            0
        }
    }

    /// The grid through glyph centres `xs` spaced about `pitch` apart,
    /// fitted by least squares on their numbers from
    /// [`number_in_sequence`]; then once more on its own numbering, so a
    /// single glyph the walk numbered wrong is put right by the rest.
    /// `None` with under 5 centres, or a pitch at the first or last glyph
    /// more than 30 % off `pitch` (the pitch is linear in between).
    fn fit(xs: &[f64], pitch: f64) -> Option<Grid> {
        let mut xs = xs.to_vec();
        xs.sort_by(f64::total_cmp);
        let fitted = |numbered: &[(f64, f64)]| -> Option<Grid> {
            // The square term needs glyphs across the row to be told
            // from noise; a short row keeps the straight grid.
            if numbered.len() >= 10 {
                if let Some(curved) = quadratic_fit(numbered) {
                    return Some(curved);
                }
            }
            let (a, b) = least_squares(numbered)?;
            Some(Grid { a, b, c: 0.0 })
        };
        let grid = fitted(&number_in_sequence(&xs, pitch))?;
        let renumbered: Vec<(f64, f64)> = xs.iter().map(|&x| (grid.cell_of(x) as f64, x)).collect();
        let grid = fitted(&renumbered)?;
        let (lo, hi) = (grid.cell_of(xs[0]), grid.cell_of(xs[xs.len() - 1]));
        let steady = |i: i64| (0.7 * pitch..=1.3 * pitch).contains(&grid.step(i as f64));
        (steady(lo) && steady(hi)).then_some(grid)
    }
}

/// Sorted glyph centres `xs` numbered left to right, as (number, x): each
/// the previous one's number plus the gap between them in pitches, the
/// pitch being the median of the last few gaps within 30 % of it. Why a
/// walk and not one pitch for the row: along a row seen in perspective the
/// pitch drifts, and over 44 glyphs a few per cent add up to whole cells.
/// The fillers are among the centres, so the gaps are nearly all one cell.
fn number_in_sequence(xs: &[f64], pitch: f64) -> Vec<(f64, f64)> {
    const RECENT: usize = 5;
    let gaps = xs
        .windows(2)
        .map(|w| w[1] - w[0])
        .filter(|g| (0.7 * pitch..=1.3 * pitch).contains(g));
    let row_pitch = median(gaps).unwrap_or(pitch);
    // Seeded with the row's median gap, so one odd first gap (a glyph
    // split in two, a speck beside the row) cannot set the pitch alone.
    let mut recent: Vec<f64> = vec![row_pitch; RECENT / 2 + 1];
    let mut local = row_pitch;
    let mut number = 0.0;
    let mut numbered = Vec::with_capacity(xs.len());
    for (k, &x) in xs.iter().enumerate() {
        if k > 0 {
            let gap = x - xs[k - 1];
            let cells = (gap / local).round();
            number += cells;
            // Only gaps near the pitch move it.
            if (gap / local - 1.0).abs() < 0.3 {
                recent.push(gap);
                if recent.len() > RECENT {
                    recent.remove(0);
                }
                local = median(recent.iter().copied()).unwrap_or(local);
            }
        }
        numbered.push((number, x));
    }
    numbered
}

/// The least-squares parabola `y = a + b x + c x²` through `pts`; `None`
/// when the points do not fix one (under 3 distinct x).
fn quadratic_fit(pts: &[(f64, f64)]) -> Option<Grid> {
    // Normal equations, x centred on its mean for conditioning.
    let n = pts.len() as f64;
    let m = pts.iter().map(|p| p.0).sum::<f64>() / n;
    let (mut s, mut t) = ([0f64; 5], [0f64; 3]);
    for &(x, y) in pts {
        let u = x - m;
        let mut p = 1.0;
        for (k, sk) in s.iter_mut().enumerate() {
            *sk += p;
            if k < 3 {
                t[k] += p * y;
            }
            p *= u;
        }
    }
    let det3 = |m: [[f64; 3]; 3]| {
        m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
            - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    };
    let normal = [[s[0], s[1], s[2]], [s[1], s[2], s[3]], [s[2], s[3], s[4]]];
    let d = det3(normal);
    if d.abs() < 1e-9 * s[4].max(1.0) {
        return None;
    }
    // Cramer's rule: each coefficient with its column replaced by t.
    let solve = |col: usize| {
        let mut m = normal;
        for (row, &ti) in m.iter_mut().zip(&t) {
            row[col] = ti;
        }
        det3(m) / d
    };
    let (a, b, c) = (solve(0), solve(1), solve(2));
    // Back from u = x - m to x.
    Some(Grid {
        a: a - b * m + c * m * m,
        b: b - 2.0 * c * m,
        c,
    })
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
