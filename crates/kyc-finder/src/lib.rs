//! Finds a document (ID card, passport page, licence, payment card, bill) in
//! a photo: its four corners, extrapolated outside the frame when the photo
//! cuts the document off, so the caller can tell "edges not visible".
//!
//! Method: Hough lines on a small gradient map (max over the colour
//! channels when given RGB), every pair of near-parallel pairs tried as a
//! quadrilateral and scored by edge support along its sides, an optional
//! aspect prior from the document kind, the best few re-scored by colour
//! contrast across their sides, then each side re-fitted to sub-pixel on
//! the caller's image. A calibrated confidence turns weak finds into `None`.
//! Prefer [`find_document_rgb_with`] with [`Options::expected_aspect`] set:
//! see FINDINGS.md for the calibration and measured accuracy.

mod cues;
pub mod geometry;
mod gradient;
mod lines;
mod quad;
mod refine;

use image::{GrayImage, RgbImage};

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

impl Detection {
    /// Signed distance in pixels from the frame edge to the corner nearest
    /// to (or furthest beyond) it: positive when every corner is inside a
    /// `width × height` image, negative when one lies outside.
    pub fn min_corner_margin(&self, width: u32, height: u32) -> f64 {
        let (w, h) = (f64::from(width), f64::from(height));
        self.corners
            .iter()
            .map(|c| c[0].min(c[1]).min(w - 1.0 - c[0]).min(h - 1.0 - c[1]))
            .fold(f64::INFINITY, f64::min)
    }
}

/// Knobs of the finder. The defaults are the calibrated ones; they are
/// public so evaluation tools can sweep them.
#[derive(Debug, Clone)]
pub struct Options {
    /// The line search runs on a copy whose long side is at most this.
    pub work_long_side: usize,
    /// Smallest Sobel magnitude (≈ half the grey step) of an edge pixel.
    pub edge_threshold: f32,
    /// Hough peaks kept (besides the four image borders).
    pub max_lines: usize,
    /// Smallest Hough vote of a line, as a share of the working long side.
    pub min_line_frac: f64,
    /// A quad is reported only if its score reaches this share of the
    /// working image's half-perimeter.
    pub min_score_frac: f64,
    /// Opposite sides may diverge by up to this angle (perspective).
    pub max_opposite_deg: f64,
    /// Weight of an unsupported visible pixel of a side against a supported one.
    pub miss_weight: f64,
    /// Score factor for a quad that needs an image border as one side.
    pub border_factor: f64,
    /// Weight of edge support on a side's line just beyond its corners.
    pub overshoot_weight: f64,
    /// How many sides may be image borders (0 disables cut-off search).
    pub max_border_sides: usize,
    /// The document's expected aspect (long side / short side) when the
    /// caller knows the kind: 1.586 for ID-1 cards (ID card, licence,
    /// payment card), 1.42 for a passport page, 1.414 for A4. A prior, not
    /// a rule: a clearly better quad of another shape still wins.
    pub expected_aspect: Option<f64>,
    /// Width of that prior in ln units (perspective bends the apparent aspect).
    pub aspect_sigma: f64,
    /// Score factor of a quad with no colour contrast across its sides
    /// (1 = contrast ignored).
    pub contrast_floor: f64,
    /// Each real side needs at least this share of its visible length
    /// backed by edge pixels.
    pub min_coverage: f64,
    /// Below this confidence the finder answers `None` (no document).
    pub min_confidence: f64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            work_long_side: 400,
            edge_threshold: 2.5,
            max_lines: 40,
            min_line_frac: 0.03,
            min_score_frac: 0.25,
            max_opposite_deg: 40.0,
            miss_weight: 1.0,
            border_factor: 1.0,
            overshoot_weight: 0.0,
            max_border_sides: 2,
            expected_aspect: None,
            aspect_sigma: 0.35,
            contrast_floor: 0.5,
            min_confidence: 0.1,
            min_coverage: 0.35,
        }
    }
}

/// Looks for one document in a grey image (typically downscaled to a long
/// side of ~800 px by the caller). Corners are in the pixels of `gray`.
pub fn find_document(gray: &GrayImage) -> Option<Detection> {
    find_document_with(gray, &Options::default())
}

/// [`find_document`] with explicit options.
pub fn find_document_with(gray: &GrayImage, opt: &Options) -> Option<Detection> {
    if gray.width() < 16 || gray.height() < 16 {
        return None;
    }
    find_in(Source::Grey(gradient::to_plane(gray)), opt)
}

/// Looks for one document in a colour image (typically downscaled to a
/// long side of ~800 px). Colour finds sides that grey misses: a card on a
/// desk of the same brightness but another hue. Corners are in the pixels
/// of `rgb`.
pub fn find_document_rgb(rgb: &RgbImage) -> Option<Detection> {
    find_document_rgb_with(rgb, &Options::default())
}

/// [`find_document_rgb`] with explicit options.
pub fn find_document_rgb_with(rgb: &RgbImage, opt: &Options) -> Option<Detection> {
    if rgb.width() < 16 || rgb.height() < 16 {
        return None;
    }
    let channels = gradient::rgb_planes(rgb, opt.work_long_side.max(32));
    find_in(Source::Colour(rgb, channels), opt)
}

/// What the finder searches: a grey plane, or a colour image with its
/// channels already downscaled to the working size.
enum Source<'a> {
    Grey(gradient::Plane),
    Colour(&'a RgbImage, [gradient::Plane; 3]),
}

/// The search, on the working-size planes, then refinement on the
/// caller's pixels.
fn find_in(source: Source<'_>, opt: &Options) -> Option<Detection> {
    let long = opt.work_long_side.max(32);
    // The working scale (working px per caller px); the grey plane is
    // downscaled only when it is all there is to search.
    let (colour, f): (Vec<gradient::Plane>, f64) = match &source {
        Source::Colour(rgb, ch) => (
            ch.iter().map(gradient::blur).collect(),
            ch[0].w as f64 / f64::from(rgb.width()),
        ),
        Source::Grey(full) => {
            let (small, f) = gradient::downscale(full, long);
            (vec![gradient::blur(&small)], f)
        }
    };
    let g = gradient::sobel_max(&colour)?;
    let (w, h) = (g.w as f64, g.h as f64);
    let min_votes = (opt.min_line_frac * w.max(h)) as f32;
    let found = lines::find_lines(&g, opt.edge_threshold, min_votes, opt.max_lines);
    let params = quad::QuadParams {
        max_opposite_deg: opt.max_opposite_deg,
        miss_weight: opt.miss_weight,
        border_factor: opt.border_factor,
        overshoot_weight: opt.overshoot_weight,
        max_border_sides: opt.max_border_sides,
        expected_aspect: opt.expected_aspect,
        aspect_sigma: opt.aspect_sigma,
        min_coverage: opt.min_coverage,
        ..quad::QuadParams::default()
    };
    let cands = quad::top_quads(&found, w, h, &params, 60);
    let cp = cues::CueParams {
        contrast_floor: opt.contrast_floor,
        ..cues::CueParams::default()
    };
    let judged = cues::judge(cands, &cues::Colour { planes: &colour }, &cp);
    let chosen = judged.into_iter().next()?;
    let (mut best, contrast) = (chosen.cand, chosen.contrast);
    if best.score < opt.min_score_frac * (w + h) {
        return None;
    }
    quad::extrapolate_border_sides(&mut best, w, h);

    // Back to the caller's pixels (pixel centres map as (x + ½)/f − ½).
    let up = |p: Point| [(p[0] + 0.5) / f - 0.5, (p[1] + 0.5) / f - 0.5];
    let coarse: [Point; 4] = best.corners.map(up);
    // Refinement reads the caller's pixels, blurred like the working copy
    // when that was smaller.
    let mut sharp: Box<dyn gradient::Sampler + '_> = match source {
        Source::Grey(full) if f < 1.0 => Box::new(gradient::blur(&full)),
        Source::Grey(full) => Box::new(full),
        Source::Colour(rgb, _) => Box::new(gradient::LazyLuma::new(rgb, f < 1.0)),
    };
    let reach = 1.5 / f + 1.5;
    let mut side_lines: [Option<geometry::Line>; 4] = [None; 4];
    for s in 0..4 {
        let (a, b) = (coarse[s], coarse[(s + 1) % 4]);
        side_lines[s] = if best.is_border[s] {
            None
        } else {
            refine::refine_side(sharp.as_mut(), a, b, reach)
        };
        if side_lines[s].is_none() {
            side_lines[s] = geometry::Line::through(a, b);
        }
    }
    let mut corners = coarse;
    for (s, c) in corners.iter_mut().enumerate() {
        if let (Some(a), Some(b)) = (side_lines[(s + 3) % 4], side_lines[s]) {
            if let Some(p) = geometry::intersect(&a, &b) {
                // A refit that moves a corner far is a wrong edge, not a fix.
                if geometry::distance(p, *c) < 4.0 * reach {
                    *c = p;
                }
            }
        }
    }
    let confidence = confidence(&best, contrast, w + h, &params);
    if confidence < opt.min_confidence {
        return None;
    }
    Some(Detection {
        corners: order_corners(corners),
        confidence,
    })
}

/// How sure the finder is that `best` is a document, 0..1: the product of
/// edge coverage of the real sides, colour contrast across them, strength
/// of the score against the image size, a document shape (after
/// extrapolation; unknown with two stand-ins), and 0.9 per border stand-in.
/// At the 0.1 gate no in-frame MIDV document is lost, more than half of
/// the quads found on document-free images are, and so are 24 of 315
/// synthetic cut-offs, mostly wrong quads (their mean IoU moves only
/// 0.785 → 0.774); see FINDINGS.md.
fn confidence(
    best: &quad::Candidate,
    contrast: f64,
    half_perimeter: f64,
    p: &quad::QuadParams,
) -> f64 {
    let ramp = |v: f64, lo: f64, hi: f64| ((v - lo) / (hi - lo)).clamp(0.0, 1.0);
    let borders = best.is_border.iter().filter(|&&b| b).count();
    let expected = p.expected_aspect.filter(|&e| e > 0.0).unwrap_or(1.5);
    let shape = if borders >= 2 {
        0.8
    } else {
        (-(quad::aspect(&best.corners) / expected).ln().powi(2) / 0.09).exp()
    };
    let strength = (best.score / (0.6 * half_perimeter)).clamp(0.0, 1.0);
    (ramp(best.coverage, 0.6, 0.95)
        * ramp(contrast, 0.5, 0.95)
        * strength
        * shape
        * 0.9f64.powi(borders as i32))
    .clamp(0.0, 1.0)
}

/// Clockwise (on screen), starting at the corner whose outgoing side runs
/// most nearly left-to-right, long sides preferred: the top-left of the
/// document as it would be read.
fn order_corners(mut c: [Point; 4]) -> [Point; 4] {
    if geometry::signed_area(&c) < 0.0 {
        c.reverse();
    }
    let len = |s: usize| geometry::distance(c[s], c[(s + 1) % 4]);
    let long = (len(0) + len(2)) >= (len(1) + len(3));
    let start = (0..4)
        .max_by(|&x, &y| {
            let key = |s: usize| {
                let (a, b) = (c[s], c[(s + 1) % 4]);
                let bonus = if (s & 1 == 0) == long { 0.3 } else { 0.0 };
                (b[0] - a[0]) / len(s).max(1e-9) + bonus
            };
            key(x).total_cmp(&key(y))
        })
        .unwrap_or(0);
    [
        c[start],
        c[(start + 1) % 4],
        c[(start + 2) % 4],
        c[(start + 3) % 4],
    ]
}
