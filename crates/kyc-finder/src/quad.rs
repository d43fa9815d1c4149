//! Groups side lines into quadrilaterals and keeps the one whose sides are
//! best backed by image edges; a side lying outside the photo is stood in
//! for by the image border, then pushed out by the ID-1 aspect ratio.

use crate::geometry::{self, angle_between, intersect, Line};
use crate::lines::SideLine;
use crate::Point;

/// ID-1 (ID cards, licences, payment cards): 85.60 × 53.98 mm.
const ID1_ASPECT: f64 = 1.586;

/// Tuning of the quad search; the defaults were calibrated on MIDV-500
/// frames (see FINDINGS.md).
#[derive(Debug, Clone)]
pub(crate) struct QuadParams {
    /// Opposite sides may diverge by up to this angle (perspective).
    pub max_opposite_deg: f64,
    /// Adjacent sides must meet at least at this angle.
    pub min_corner_deg: f64,
    /// Smallest distance between opposite sides, as a share of the long
    /// image side.
    pub min_side_frac: f64,
    /// Weight of an unsupported visible pixel against a supported one.
    pub miss_weight: f64,
    /// Score factor for a quad that uses an image border as a side.
    pub border_factor: f64,
    /// Plausible aspect ratios of documents (before the soft penalty).
    pub aspect_range: (f64, f64),
    /// How many sides may be image borders: two (adjacent, since a pair
    /// never holds two borders) covers a document cut off across a corner.
    pub max_border_sides: usize,
    /// Weight of edge support found on a side's line just beyond its
    /// corners: a document's edge stops at its corner, clutter lines run on.
    pub overshoot_weight: f64,
    /// Each real side must have at least this share of its visible length
    /// supported.
    pub min_coverage: f64,
    /// The caller's expected aspect (long/short) of the document, if any:
    /// replaces the generic range by a log-normal prior around it.
    pub expected_aspect: Option<f64>,
    /// Width (in ln units) of that prior: perspective changes the apparent
    /// aspect of a tilted card by 10–20 %.
    pub aspect_sigma: f64,
}

impl Default for QuadParams {
    fn default() -> Self {
        QuadParams {
            max_opposite_deg: 40.0,
            min_corner_deg: 55.0,
            min_side_frac: 0.08,
            miss_weight: 1.0,
            border_factor: 1.0,
            aspect_range: (1.2, 1.9),
            min_coverage: 0.35,
            overshoot_weight: 0.0,
            max_border_sides: 2,
            expected_aspect: None,
            aspect_sigma: 0.35,
        }
    }
}

/// The winning quad in working-image pixels.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    /// Side lines in order; side `s` runs from `corners[s]` to `corners[s+1]`.
    pub lines: [Line; 4],
    pub is_border: [bool; 4],
    pub corners: [Point; 4],
    pub score: f64,
    /// Supported share of the visible length of the real sides.
    pub coverage: f64,
}

/// Tries every pair of near-parallel pairs of lines; returns the best
/// `keep` quads, best first.
pub(crate) fn top_quads(
    lines: &[SideLine],
    w: f64,
    h: f64,
    p: &QuadParams,
    keep: usize,
) -> Vec<Candidate> {
    let min_sep = p.min_side_frac * w.max(h);
    let max_opp = p.max_opposite_deg.to_radians();
    let min_corner = p.min_corner_deg.to_radians();
    let mut pairs = Vec::new();
    for i in 0..lines.len() {
        for j in i + 1..lines.len() {
            let (a, b) = (&lines[i], &lines[j]);
            if (a.is_border && b.is_border) || angle_between(&a.line, &b.line) > max_opp {
                continue;
            }
            let Some((t0, t1)) = a.line.clip(w, h) else {
                continue;
            };
            let m = a.line.at((t0 + t1) / 2.0);
            let n = b.line.normal();
            if (m[0] * n[0] + m[1] * n[1] - b.line.rho).abs() >= min_sep {
                pairs.push((i, j));
            }
        }
    }
    let mut all: Vec<Candidate> = Vec::new();
    for (pi, &(i, j)) in pairs.iter().enumerate() {
        for &(k, l) in &pairs[pi + 1..] {
            let borders = [i, j, k, l].iter().filter(|&&x| lines[x].is_border).count();
            if borders > p.max_border_sides || k == i || k == j || l == i || l == j {
                continue;
            }
            let ok = [(i, k), (i, l), (j, k), (j, l)]
                .iter()
                .all(|&(a, b)| angle_between(&lines[a].line, &lines[b].line) >= min_corner);
            if !ok {
                continue;
            }
            if let Some(c) = score_quad(lines, [i, l, j, k], w, h, p) {
                all.push(c);
            }
        }
    }
    all.sort_by(|a, b| b.score.total_cmp(&a.score));
    all.truncate(keep);
    all
}

/// The long/short ratio of the mean lengths of opposite sides.
pub(crate) fn aspect(corners: &[Point; 4]) -> f64 {
    let len = |s: usize| geometry::distance(corners[s], corners[(s + 1) % 4]);
    let (l02, l13) = ((len(0) + len(2)) / 2.0, (len(1) + len(3)) / 2.0);
    l02.max(l13) / l02.min(l13).max(1e-9)
}

/// Score factor for a quad's shape: a soft range of document aspects, or a
/// log-normal prior around the caller's expected aspect.
pub(crate) fn aspect_factor(r: f64, p: &QuadParams) -> f64 {
    match p.expected_aspect {
        Some(e) if e > 0.0 => (-((r / e).ln() / p.aspect_sigma).powi(2)).exp(),
        _ => {
            let (lo, hi) = p.aspect_range;
            let d = if r < lo { lo - r } else { (r - hi).max(0.0) };
            (-(d / 0.35).powi(2)).exp()
        }
    }
}

/// Scores the quad whose sides lie on `idx` in cyclic order.
fn score_quad(
    lines: &[SideLine],
    idx: [usize; 4],
    w: f64,
    h: f64,
    p: &QuadParams,
) -> Option<Candidate> {
    let mut corners = [[0.0; 2]; 4];
    for s in 0..4 {
        // Corner s is where side s-1 meets side s.
        corners[s] = intersect(&lines[idx[(s + 3) % 4]].line, &lines[idx[s]].line)?;
    }
    // The quad must be convex and mostly near the frame.
    let mut sign = 0.0;
    for s in 0..4 {
        let (a, b, c) = (corners[s], corners[(s + 1) % 4], corners[(s + 2) % 4]);
        let cr = (b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0]);
        if cr.abs() < 1e-6 || (sign != 0.0 && cr.signum() != sign) {
            return None;
        }
        sign = cr.signum();
    }
    if corners
        .iter()
        .any(|c| c[0] < -0.5 * w || c[0] > 1.5 * w || c[1] < -0.5 * h || c[1] > 1.5 * h)
    {
        return None;
    }
    let len = |s: usize| geometry::distance(corners[s], corners[(s + 1) % 4]);
    let mut score = 0.0;
    let (mut sup_all, mut vis_all) = (0.0, 0.0);
    let mut borders = 0;
    for s in 0..4 {
        let sl = &lines[idx[s]];
        if sl.is_border {
            borders += 1;
            continue;
        }
        let (a, b) = (corners[s], corners[(s + 1) % 4]);
        let (ta, tb) = (sl.line.param(a), sl.line.param(b));
        let (sup, vis) = sl.support(ta, tb);
        if vis < 0.25 * len(s) || vis < 8.0 || sup < p.min_coverage * vis {
            return None;
        }
        // Overshoot is off by default (weight 0): skip measuring it then,
        // which was half of all support lookups.
        let over = if p.overshoot_weight == 0.0 {
            0.0
        } else {
            let ext = 0.15 * len(s) * (tb - ta).signum();
            sl.support(ta - ext, ta).0 + sl.support(tb, tb + ext).0
        };
        score += sup - p.miss_weight * (vis - sup) - p.overshoot_weight * over;
        sup_all += sup;
        vis_all += vis;
    }
    if score <= 0.0 {
        return None;
    }
    if borders > 0 {
        score *= p.border_factor.powi(borders);
    } else {
        score *= aspect_factor(aspect(&corners), p);
    }
    Some(Candidate {
        lines: idx.map(|i| lines[i].line),
        is_border: idx.map(|i| lines[i].is_border),
        corners,
        score,
        coverage: sup_all / vis_all.max(1.0),
    })
}

/// Moves the border stand-in sides out of the frame: to where an ID-1
/// document would end given the opposite side's length, or just past the
/// border when that is unknown (two stand-ins) or already exceeded.
pub(crate) fn extrapolate_border_sides(c: &mut Candidate, w: f64, h: f64) {
    let count = c.is_border.iter().filter(|&&x| x).count();
    for b in 0..4 {
        if c.is_border[b] {
            push_side_out(c, b, count == 1, w.max(h));
        }
    }
}

fn push_side_out(c: &mut Candidate, b: usize, use_aspect: bool, long: f64) {
    let o = (b + 2) % 4;
    // Side b runs corners[b] → corners[b+1]; the opposite side runs
    // corners[o] → corners[o+1], so corners[b] pairs with corners[o+1].
    let (cb1, cb2) = (c.corners[b], c.corners[(b + 1) % 4]);
    let (co1, co2) = (c.corners[(o + 1) % 4], c.corners[o]);
    let opposite = geometry::distance(co1, co2);
    let (e1, e2) = (geometry::distance(co1, cb1), geometry::distance(co2, cb2));
    if e1 < 1e-6 || e2 < 1e-6 {
        return;
    }
    let extent = (e1 + e2) / 2.0;
    let margin = (0.035 * long).max(3.0);
    let aspect_guess = [opposite / ID1_ASPECT, opposite * ID1_ASPECT]
        .into_iter()
        .find(|&e| use_aspect && e > extent + margin);
    let gain = aspect_guess.unwrap_or(extent + margin) / extent;
    let push = |from: Point, to: Point| {
        [
            from[0] + (to[0] - from[0]) * gain,
            from[1] + (to[1] - from[1]) * gain,
        ]
    };
    let (n1, n2) = (push(co1, cb1), push(co2, cb2));
    c.corners[b] = n1;
    c.corners[(b + 1) % 4] = n2;
    if let Some(l) = Line::through(n1, n2) {
        c.lines[b] = l;
    }
}
