//! Classifying the glyphs of a card number without OCR, against digit
//! shapes drawn in code.
//!
//! Why: Tesseract's `eng` model misreads card fonts. Embossed numbers use
//! Farrington 7B and printed ones mostly its OCR-A-like cousins, which
//! draw digits from straight, squared strokes with gaps (a 6 is a `b`, an
//! 8 a small box on a big one) that `eng` drops or reads as other digits.
//! Those fonts are few and fixed, so each digit's shape is described here
//! as strokes in a unit box, rasterised at a few stroke widths, and a
//! glyph is scored by correlation with every template after both are
//! normalised the same way: cropped to their ink, scaled to a small grid,
//! blurred a little (card fonts break their strokes; a blur joins them),
//! zero mean, unit length. A seven-segment set covers squared display
//! type and a plain sans set printed numbers in ordinary type. The shapes
//! were drawn by hand from the fonts' published forms (the public-domain
//! OCR-A of Debian's `fonts-ocr-a` was looked at, not shipped or
//! rasterised), never cut from dataset images. The OCR vote and the Luhn
//! check are combined with the scores in `combine` and `luhn_repair`.

use std::sync::OnceLock;

use crate::card::luhn;
use crate::glyphs::{row_edges, Glyph, NumberRow};

/// Width and height of the grid a glyph is compared on.
pub const CELL_W: usize = 12;
pub const CELL_H: usize = 18;

/// Narrowest ink box, as width over height, a glyph is compared at.
const MIN_ASPECT: f32 = 0.4;

/// The classes a glyph can take: the ten digits and the two mask
/// characters printed in place of hidden digits (`X`, `*`).
pub const CLASSES: [char; 12] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'X', '*'];

/// A glyph normalised for comparison: `CELL_W` x `CELL_H` values with zero
/// mean and unit length, so the dot product of two shapes is their
/// correlation (1 = identical).
#[derive(Debug, Clone)]
pub struct Shape {
    values: Vec<f32>,
    /// Width over height of the ink box, before scaling.
    pub aspect: f32,
}

impl Shape {
    /// From ink values (0 = background, 1 = ink) of a `w` x `h` patch,
    /// row-major. The patch is cropped to the pixels at 0.5 or more, so
    /// where the glyph sits in the patch does not matter. `None` when
    /// there is no ink or the ink is a uniform block.
    pub fn from_ink(ink: &[f32], w: usize, h: usize) -> Option<Shape> {
        if w == 0 || h == 0 || ink.len() < w * h {
            return None;
        }
        let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
        for y in 0..h {
            for x in 0..w {
                if ink[y * w + x] >= 0.5 {
                    (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
                }
            }
        }
        if x0 == usize::MAX {
            return None;
        }
        let (bw, bh) = ((x1 - x0 + 1) as f32, (y1 - y0 + 1) as f32);
        // A thin glyph (a `1` drawn as a bar) keeps its thinness: the box
        // is widened about its centre to at least MIN_ASPECT, rather than
        // the bar being stretched into a solid block.
        let sample_w = bw.max(MIN_ASPECT * bh);
        let left = x0 as f32 + bw / 2.0 - sample_w / 2.0;
        // Area sampling: 4x4 points per grid cell, nearest pixel each.
        const S: usize = 4;
        let mut grid = vec![0f32; CELL_W * CELL_H];
        for cy in 0..CELL_H {
            for cx in 0..CELL_W {
                let mut sum = 0.0;
                for sy in 0..S {
                    for sx in 0..S {
                        let fx = (cx as f32 + (sx as f32 + 0.5) / S as f32) / CELL_W as f32;
                        let fy = (cy as f32 + (sy as f32 + 0.5) / S as f32) / CELL_H as f32;
                        let px = (left + fx * sample_w).floor();
                        let py = (y0 + (fy * bh) as usize).min(y1);
                        if px >= x0 as f32 && px <= x1 as f32 {
                            sum += ink[py * w + px as usize].clamp(0.0, 1.0);
                        }
                    }
                }
                grid[cy * CELL_W + cx] = sum / (S * S) as f32;
            }
        }
        let grid = blur121(&grid);
        let mean = grid.iter().sum::<f32>() / grid.len() as f32;
        let mut values: Vec<f32> = grid.iter().map(|v| v - mean).collect();
        let norm = values.iter().map(|v| v * v).sum::<f32>().sqrt();
        if norm < 1e-3 {
            return None;
        }
        for v in &mut values {
            *v /= norm;
        }
        Some(Shape {
            values,
            aspect: bw / bh,
        })
    }

    /// Correlation with another shape, -1..=1.
    pub fn correlation(&self, other: &Shape) -> f32 {
        // Eight running sums, not one: a single float sum is a chain of
        // dependent adds the compiler may not reorder, so it runs one add
        // at a time; eight lanes vectorise (the MRZ template reader makes
        // ~16 000 of these a zone, measured at 3.2 ms with one sum).
        const LANES: usize = 8;
        let (a, b) = (&self.values, &other.values);
        let n = a.len().min(b.len());
        let mut sums = [0f32; LANES];
        for (ca, cb) in a[..n].chunks_exact(LANES).zip(b[..n].chunks_exact(LANES)) {
            for ((s, x), y) in sums.iter_mut().zip(ca).zip(cb) {
                *s += x * y;
            }
        }
        let tail = n - n % LANES;
        let rest: f32 = a[tail..n].iter().zip(&b[tail..n]).map(|(x, y)| x * y).sum();
        sums.iter().sum::<f32>() + rest
    }
}

/// A separable [1 2 1] / 4 blur on the grid, edges repeated.
fn blur121(grid: &[f32]) -> Vec<f32> {
    let at = |g: &[f32], x: isize, y: isize| {
        let x = x.clamp(0, CELL_W as isize - 1) as usize;
        let y = y.clamp(0, CELL_H as isize - 1) as usize;
        g[y * CELL_W + x]
    };
    let mut tmp = vec![0f32; grid.len()];
    for y in 0..CELL_H as isize {
        for x in 0..CELL_W as isize {
            tmp[y as usize * CELL_W + x as usize] =
                (at(grid, x - 1, y) + 2.0 * at(grid, x, y) + at(grid, x + 1, y)) / 4.0;
        }
    }
    let mut out = vec![0f32; grid.len()];
    for y in 0..CELL_H as isize {
        for x in 0..CELL_W as isize {
            out[y as usize * CELL_W + x as usize] =
                (at(&tmp, x, y - 1) + 2.0 * at(&tmp, x, y) + at(&tmp, x, y + 1)) / 4.0;
        }
    }
    out
}

/// Polylines in a unit box: x 0..=1 left to right, y 0..=1 top to bottom.
pub type Strokes = Vec<Vec<(f32, f32)>>;

/// Points along an elliptical arc (centre, radii, from `a0` to `a1`
/// degrees; 0 = right, 90 = down).
fn arc(cx: f32, cy: f32, rx: f32, ry: f32, a0: f32, a1: f32) -> Vec<(f32, f32)> {
    let steps = (((a1 - a0).abs() / 15.0).ceil() as usize).max(2);
    (0..=steps)
        .map(|i| {
            let a = (a0 + (a1 - a0) * i as f32 / steps as f32).to_radians();
            (cx + rx * a.cos(), cy + ry * a.sin())
        })
        .collect()
}

fn line(points: &[(f32, f32)]) -> Vec<(f32, f32)> {
    points.to_vec()
}

/// The card-font digits (OCR-A and Farrington 7B share these forms):
/// squared strokes, a `1` with a flag and a foot to the right, a `6`
/// like `b`, an `8` with a narrow box on a wide one, a `7` whose stem
/// drops from the middle. The fonts and their renderings differ in where
/// the middle bar sits (0.45–0.6 of the height), whether the 4's right
/// stem starts at the top, how far the 5's tail reaches left, so each
/// digit comes in the few forms that span those differences.
fn card_font() -> Vec<(char, Strokes)> {
    let mut out: Vec<(char, Strokes)> = vec![
        (
            '0',
            vec![line(&[
                (0.0, 0.0),
                (1.0, 0.0),
                (1.0, 1.0),
                (0.0, 1.0),
                (0.0, 0.0),
            ])],
        ),
        (
            '0',
            vec![line(&[
                (0.2, 0.0),
                (0.8, 0.0),
                (1.0, 0.15),
                (1.0, 0.85),
                (0.8, 1.0),
                (0.2, 1.0),
                (0.0, 0.85),
                (0.0, 0.15),
                (0.2, 0.0),
            ])],
        ),
        (
            '1',
            vec![line(&[
                (0.0, 0.15),
                (0.0, 0.0),
                (0.45, 0.0),
                (0.45, 1.0),
                (1.0, 1.0),
            ])],
        ),
        (
            '3',
            vec![
                line(&[(0.0, 0.12), (0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]),
                line(&[(0.3, 0.47), (1.0, 0.47)]),
            ],
        ),
        (
            '7',
            vec![line(&[
                (0.0, 0.12),
                (0.0, 0.0),
                (1.0, 0.0),
                (1.0, 0.2),
                (0.45, 0.55),
                (0.45, 1.0),
            ])],
        ),
    ];
    for m in [0.45f32, 0.55] {
        out.push((
            '2',
            vec![line(&[
                (0.0, 0.12),
                (0.0, 0.0),
                (1.0, 0.0),
                (1.0, m),
                (0.0, m),
                (0.0, 1.0),
                (1.0, 1.0),
            ])],
        ));
        // The 6 is a `b`; its bowl starts at the middle bar.
        out.push((
            '6',
            vec![line(&[
                (0.0, 0.0),
                (0.0, 1.0),
                (1.0, 1.0),
                (1.0, m),
                (0.0, m),
            ])],
        ));
        out.push((
            '9',
            vec![line(&[
                (1.0, m),
                (0.0, m),
                (0.0, 0.0),
                (1.0, 0.0),
                (1.0, 1.0),
                (0.75, 1.0),
            ])],
        ));
        // The 8: a narrow box on a wide one, or two boxes of one width.
        out.push((
            '8',
            vec![
                line(&[(0.3, 0.0), (0.75, 0.0), (0.75, m), (0.3, m), (0.3, 0.0)]),
                line(&[(0.0, m), (1.0, m), (1.0, 1.0), (0.0, 1.0), (0.0, m)]),
            ],
        ));
        out.push((
            '8',
            vec![
                line(&[(0.1, 0.0), (0.9, 0.0), (0.9, m), (0.1, m), (0.1, 0.0)]),
                line(&[(0.0, m), (1.0, m), (1.0, 1.0), (0.0, 1.0), (0.0, m)]),
            ],
        ));
        // The 5's stem at the left edge or set in, its tail reaching left.
        for stem in [0.0f32, 0.2] {
            out.push((
                '5',
                vec![line(&[
                    (1.0, 0.0),
                    (stem, 0.0),
                    (stem, m),
                    (1.0, m),
                    (1.0, 1.0),
                    (0.1, 1.0),
                    (0.0, 0.88),
                ])],
            ));
        }
    }
    // The 4: cross bar high or low, right stem from the top or the bar.
    for (bar, stem_top) in [(0.62f32, 0.0f32), (0.62, 0.35), (0.45, 0.0)] {
        out.push((
            '4',
            vec![
                line(&[(0.0, 0.0), (0.0, bar), (1.0, bar)]),
                line(&[(0.75, stem_top), (0.75, 1.0)]),
            ],
        ));
    }
    out
}

/// Digits built from the seven segments of a squared display font (bold
/// printed card numbers often use one): a 7 is a bar and a full right
/// stem, a 6 and a 9 have both end bars.
fn segment_font() -> Vec<(char, Strokes)> {
    let seg = |name: char| -> Vec<(f32, f32)> {
        match name {
            'a' => line(&[(0.0, 0.0), (1.0, 0.0)]),
            'b' => line(&[(1.0, 0.0), (1.0, 0.5)]),
            'c' => line(&[(1.0, 0.5), (1.0, 1.0)]),
            'd' => line(&[(0.0, 1.0), (1.0, 1.0)]),
            'e' => line(&[(0.0, 0.5), (0.0, 1.0)]),
            'f' => line(&[(0.0, 0.0), (0.0, 0.5)]),
            _ => line(&[(0.0, 0.5), (1.0, 0.5)]),
        }
    };
    [
        ('0', "abcdef"),
        ('2', "abged"),
        ('3', "abgcd"),
        ('4', "fgbc"),
        ('5', "afgcd"),
        ('6', "afgecd"),
        ('7', "abc"),
        ('8', "abcdefg"),
        ('9', "abcdfg"),
    ]
    .into_iter()
    .map(|(c, segments)| (c, segments.chars().map(seg).collect()))
    .collect()
}

/// Digits in plain sans type (printed numbers on flat cards): round
/// bowls, a diagonal 7, a 1 with a flag.
fn sans_font() -> Vec<(char, Strokes)> {
    vec![
        ('0', vec![arc(0.5, 0.5, 0.5, 0.5, 0.0, 360.0)]),
        ('1', vec![line(&[(0.1, 0.25), (0.6, 0.0), (0.6, 1.0)])]),
        ('1', vec![line(&[(0.5, 0.0), (0.5, 1.0)])]),
        (
            '1',
            vec![
                line(&[(0.35, 0.0), (0.65, 0.0)]),
                line(&[(0.5, 0.0), (0.5, 1.0)]),
                line(&[(0.35, 1.0), (0.65, 1.0)]),
            ],
        ),
        (
            '1',
            vec![
                line(&[(0.15, 0.2), (0.5, 0.0), (0.5, 1.0)]),
                line(&[(0.1, 1.0), (0.9, 1.0)]),
            ],
        ),
        (
            '2',
            vec![
                arc(0.5, 0.28, 0.47, 0.28, 180.0, 390.0),
                line(&[(0.9, 0.42), (0.0, 1.0), (1.0, 1.0)]),
            ],
        ),
        (
            '3',
            vec![
                arc(0.5, 0.25, 0.45, 0.25, 200.0, 450.0),
                arc(0.5, 0.73, 0.5, 0.27, 270.0, 520.0),
            ],
        ),
        (
            '4',
            vec![line(&[(0.72, 1.0), (0.72, 0.0), (0.0, 0.7), (1.0, 0.7)])],
        ),
        (
            '5',
            vec![
                line(&[(0.9, 0.0), (0.15, 0.0), (0.08, 0.47)]),
                arc(0.5, 0.68, 0.48, 0.32, 215.0, 500.0),
            ],
        ),
        (
            '6',
            vec![
                line(&[
                    (0.85, 0.08),
                    (0.5, 0.0),
                    (0.15, 0.15),
                    (0.02, 0.5),
                    (0.03, 0.7),
                ]),
                arc(0.5, 0.7, 0.47, 0.3, 0.0, 360.0),
            ],
        ),
        ('7', vec![line(&[(0.0, 0.0), (1.0, 0.0), (0.35, 1.0)])]),
        (
            '8',
            vec![
                arc(0.5, 0.24, 0.4, 0.24, 0.0, 360.0),
                arc(0.5, 0.72, 0.48, 0.28, 0.0, 360.0),
            ],
        ),
        (
            '9',
            vec![
                arc(0.5, 0.3, 0.47, 0.3, 0.0, 360.0),
                line(&[
                    (0.97, 0.3),
                    (0.95, 0.7),
                    (0.8, 0.95),
                    (0.5, 1.0),
                    (0.15, 0.92),
                ]),
            ],
        ),
    ]
}

/// Mask characters printed instead of hidden digits.
fn masks() -> Vec<(char, Strokes)> {
    vec![
        (
            'X',
            vec![
                line(&[(0.0, 0.0), (1.0, 1.0)]),
                line(&[(1.0, 0.0), (0.0, 1.0)]),
            ],
        ),
        (
            '*',
            vec![
                line(&[(0.5, 0.0), (0.5, 1.0)]),
                line(&[(0.07, 0.25), (0.93, 0.75)]),
                line(&[(0.93, 0.25), (0.07, 0.75)]),
            ],
        ),
    ]
}

/// Every stroke description, by class.
pub fn all_shapes() -> Vec<(char, Strokes)> {
    let mut out = card_font();
    out.extend(segment_font());
    out.extend(sans_font());
    out.extend(masks());
    out
}

/// Rasterises strokes into a `w` x `h` ink patch (0..=1, anti-aliased),
/// the unit box inset by half the stroke so round caps stay inside.
/// `stroke` is the pen width as a fraction of `h`.
pub fn render(strokes: &Strokes, w: usize, h: usize, stroke: f32) -> Vec<f32> {
    let r = stroke * h as f32 / 2.0;
    let pad = r + 1.0;
    let sx = (w as f32 - 2.0 * pad).max(1.0);
    let sy = (h as f32 - 2.0 * pad).max(1.0);
    let segments: Vec<((f32, f32), (f32, f32))> = strokes
        .iter()
        .flat_map(|pl| {
            let pts: Vec<(f32, f32)> = pl
                .iter()
                .map(|&(u, v)| (pad + u * sx, pad + v * sy))
                .collect();
            let single = (pts.len() == 1).then(|| (pts[0], pts[0]));
            pts.windows(2)
                .map(|p| (p[0], p[1]))
                .chain(single)
                .collect::<Vec<_>>()
        })
        .collect();
    let mut ink = vec![0f32; w * h];
    for y in 0..h {
        for x in 0..w {
            let p = (x as f32 + 0.5, y as f32 + 0.5);
            let d = segments
                .iter()
                .map(|&(a, b)| segment_distance(p, a, b))
                .fold(f32::MAX, f32::min);
            ink[y * w + x] = (r + 0.5 - d).clamp(0.0, 1.0);
        }
    }
    ink
}

fn segment_distance(p: (f32, f32), a: (f32, f32), b: (f32, f32)) -> f32 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (qx, qy) = (a.0 + t * dx, a.1 + t * dy);
    ((p.0 - qx).powi(2) + (p.1 - qy).powi(2)).sqrt()
}

/// One rendered template.
struct Template {
    class: char,
    shape: Shape,
}

/// Pen widths (fraction of the glyph height) the templates are drawn
/// at: thin printed type to bold embossing.
const STROKES: [f32; 3] = [0.08, 0.13, 0.19];

/// All templates, rendered once (46 shapes at 3 pens: 138 small grids).
fn templates() -> &'static [Template] {
    static T: OnceLock<Vec<Template>> = OnceLock::new();
    T.get_or_init(|| {
        let (w, h) = (36, 52);
        let mut out = Vec::new();
        for (class, strokes) in all_shapes() {
            for stroke in STROKES {
                if let Some(shape) = Shape::from_ink(&render(&strokes, w, h, stroke), w, h) {
                    out.push(Template { class, shape });
                }
            }
        }
        out
    })
}

/// Each class's best correlation with `shape`, best first.
pub fn classify(shape: &Shape) -> Vec<(char, f32)> {
    let mut best: Vec<(char, f32)> = CLASSES.iter().map(|&c| (c, -1.0)).collect();
    for t in templates() {
        let s = shape.correlation(&t.shape);
        if let Some(entry) = best.iter_mut().find(|(c, _)| *c == t.class) {
            entry.1 = entry.1.max(s);
        }
    }
    best.sort_by(|a, b| b.1.total_cmp(&a.1));
    best
}

/// The vertical extent a glyph of `row` is cut at: the row's top and
/// bottom lines at the glyph's centre (see `glyphs::row_edges`), widened
/// to the glyph's own box, so a glyph that broke into pieces (only one of
/// which was kept in the row) is still cut whole, on a sloping row too.
fn glyph_span(glyphs: &[Glyph], g: &Glyph) -> (u32, u32) {
    let ((ta, tb), (ba, bb)) = row_edges(glyphs);
    let x = f64::from(g.x) + f64::from(g.w) / 2.0;
    let top = (ta + tb * x).round().max(0.0) as u32;
    let bottom = (ba + bb * x).round().max(0.0) as u32;
    (top.min(g.y), bottom.max(g.y + g.h).max(top + 1))
}

/// The ink of one glyph of `row` as a patch (0..=1, row-major) with its
/// size: from the binarised mask (`grey` false) or from the grey band
/// stretched between the patch's 5th and 95th percentiles (`grey` true),
/// ink = the row's polarity.
pub fn glyph_patch(row: &NumberRow, g: &Glyph, grey: bool) -> (Vec<f32>, usize, usize) {
    let (y0, y1) = glyph_span(&row.glyphs, g);
    let y1 = y1.min(row.mask.height());
    let x1 = (g.x + g.w).min(row.mask.width());
    let (w, h) = (
        (x1.saturating_sub(g.x)) as usize,
        (y1.saturating_sub(y0)) as usize,
    );
    let mut ink = vec![0f32; w * h];
    if grey {
        let mut values: Vec<u8> = Vec::with_capacity(w * h);
        for y in y0..y1 {
            for x in g.x..x1 {
                values.push(row.band.get_pixel(x, y)[0]);
            }
        }
        let mut sorted = values.clone();
        sorted.sort_unstable();
        let lo = f32::from(sorted.get(sorted.len() / 20).copied().unwrap_or(0));
        let hi = f32::from(sorted.get(sorted.len() * 19 / 20).copied().unwrap_or(255));
        let span = (hi - lo).max(1.0);
        for (i, v) in values.iter().enumerate() {
            let t = ((f32::from(*v) - lo) / span).clamp(0.0, 1.0);
            ink[i] = if row.light { t } else { 1.0 - t };
        }
    } else {
        for y in y0..y1 {
            for x in g.x..x1 {
                if row.mask.get_pixel(x, y)[0] != 0 {
                    ink[(y - y0) as usize * w + (x - g.x) as usize] = 1.0;
                }
            }
        }
    }
    (ink, w, h)
}

/// Each glyph of `row` scored against every class (best first), from its
/// mask and grey patches: a class's score is the better of the two.
/// `None` for a glyph with no usable ink.
pub fn classify_row(row: &NumberRow) -> Vec<Option<Vec<(char, f32)>>> {
    row.glyphs
        .iter()
        .map(|g| {
            let mut best: Option<Vec<(char, f32)>> = None;
            for grey in [false, true] {
                let (ink, w, h) = glyph_patch(row, g, grey);
                let Some(shape) = Shape::from_ink(&ink, w, h) else {
                    continue;
                };
                let scores = classify(&shape);
                best = Some(match best {
                    None => scores,
                    Some(prev) => merge_max(&prev, &scores),
                });
            }
            best
        })
        .collect()
}

/// Per class, the higher of two score lists; best first.
fn merge_max(a: &[(char, f32)], b: &[(char, f32)]) -> Vec<(char, f32)> {
    let mut out: Vec<(char, f32)> = a
        .iter()
        .map(|&(c, s)| {
            let other = b.iter().find(|(d, _)| *d == c).map_or(-1.0, |x| x.1);
            (c, s.max(other))
        })
        .collect();
    out.sort_by(|x, y| y.1.total_cmp(&x.1));
    out
}

/// Per glyph, the classifier's scores plus `ocr_weight` times the share
/// of OCR readings (one character per glyph, aligned) that saw each
/// class there; best first. A glyph the classifier could not score gets
/// the OCR share alone. Why both: the templates know the card fonts,
/// Tesseract knows ordinary type; where they agree the answer is firm.
pub fn combine(
    scores: &[Option<Vec<(char, f32)>>],
    ocr: &[Vec<char>],
    ocr_weight: f32,
) -> Vec<Vec<(char, f32)>> {
    scores
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut out: Vec<(char, f32)> = CLASSES
                .iter()
                .map(|&c| {
                    let own = s
                        .as_ref()
                        .and_then(|s| s.iter().find(|(d, _)| *d == c))
                        .map_or(0.0, |x| x.1);
                    let seen = ocr.iter().filter(|r| r.get(i) == Some(&c)).count();
                    let share = if ocr.is_empty() {
                        0.0
                    } else {
                        seen as f32 / ocr.len() as f32
                    };
                    (c, own + ocr_weight * share)
                })
                .collect();
            out.sort_by(|a, b| b.1.total_cmp(&a.1));
            out
        })
        .collect()
}

/// The best class of every glyph, as a string.
pub fn best_reading(combined: &[Vec<(char, f32)>]) -> String {
    combined
        .iter()
        .map(|s| s.first().map_or('?', |x| x.0))
        .collect()
}

/// A full number (13–19 digits) that fails Luhn but passes with one
/// glyph changed to its second-best digit, where that costs at most
/// `max_loss` of score: the cheapest such change. A real PAN always
/// passes Luhn, so a near-tie resolved by the checksum is a better bet
/// than the top score; a clear winner is never overruled (specimen
/// cards print numbers that fail Luhn).
pub fn luhn_repair(combined: &[Vec<(char, f32)>], max_loss: f32) -> Option<String> {
    let best = best_reading(combined);
    let n = best.chars().count();
    if !(13..=19).contains(&n) || !best.bytes().all(|b| b.is_ascii_digit()) || luhn(&best) {
        return None;
    }
    let mut fix: Option<(f32, String)> = None;
    for (i, s) in combined.iter().enumerate() {
        let Some(&(_, top)) = s.first() else { continue };
        for &(c, score) in s.iter().skip(1).take(2) {
            let loss = top - score;
            if !c.is_ascii_digit() || loss > max_loss {
                continue;
            }
            let candidate: String = best
                .chars()
                .enumerate()
                .map(|(j, d)| if j == i { c } else { d })
                .collect();
            if luhn(&candidate) && fix.as_ref().is_none_or(|(l, _)| loss < *l) {
                fix = Some((loss, candidate));
            }
        }
    }
    fix.map(|(_, s)| s)
}

#[cfg(test)]
#[path = "digits/tests.rs"]
mod tests;
