//! Second look at the best few quads, with cues that are too costly for
//! every candidate: colour contrast across each side, whether a side
//! replaced by the image border is justified, and a preference for a
//! document-shaped quad lying inside a bigger one (a card on a sheet).

use crate::geometry::{angle_between, intersect, signed_area};
use crate::gradient::Plane;
use crate::lines::SideLine;
use crate::quad::{aspect, aspect_factor, Candidate, QuadParams};
use crate::Point;

/// Knobs of the second look (see FINDINGS.md for how they were chosen).
#[derive(Debug, Clone)]
pub(crate) struct CueParams {
    /// Score factor of a quad whose sides show no colour contrast at all;
    /// full contrast gives 1.
    pub contrast_floor: f64,
    /// Smallest colour step (max over channels, grey levels) across a side
    /// for a sample to count as contrasted.
    pub contrast_step: f32,
    /// Score factor for each border stand-in whose neighbouring real sides
    /// show no edge where they meet the border.
    pub unjustified_border: f64,
    /// A nested quad wins over the one around it when its score reaches
    /// this share of the outer one's (0 disables).
    pub nested_ratio: f64,
    /// Score factor for each side with a strong parallel edge just inside
    /// it (a bigger rectangle around the card, or the frame border used
    /// instead of a real side a few pixels in).
    pub inner_edge: f64,
}

impl Default for CueParams {
    fn default() -> Self {
        CueParams {
            contrast_floor: 1.0,
            contrast_step: 12.0,
            unjustified_border: 1.0,
            nested_ratio: 0.0,
            inner_edge: 1.0,
        }
    }
}

/// A candidate after the second look.
pub(crate) struct Judged {
    pub cand: Candidate,
    /// Mean contrasted share of the real sides (0..1).
    pub contrast: f64,
    pub score: f64,
}

/// Colour planes of the working image, blurred.
pub(crate) struct Colour<'a> {
    pub planes: &'a [Plane],
}

impl Colour<'_> {
    fn step(&self, a: Point, b: Point) -> f32 {
        self.planes
            .iter()
            .map(|p| (p.sample(a[0], a[1]) - p.sample(b[0], b[1])).abs())
            .fold(0.0, f32::max)
    }
}

/// Share of the visible samples along side `a → b` where the colour just
/// inside (towards `centre`) differs from the colour just outside by at
/// least `step`. `None` when no sample is inside the image.
fn side_contrast(col: &Colour, a: Point, b: Point, centre: Point, step: f32) -> Option<f64> {
    let p0 = col.planes.first()?;
    let (w, h) = (p0.w as f64, p0.h as f64);
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len = dx.hypot(dy);
    if len < 4.0 {
        return None;
    }
    let mut n = [-dy / len, dx / len];
    let mid = [(a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0];
    if (centre[0] - mid[0]) * n[0] + (centre[1] - mid[1]) * n[1] < 0.0 {
        n = [-n[0], -n[1]];
    }
    const SAMPLES: usize = 32;
    let (mut seen, mut hit) = (0usize, 0usize);
    for k in 0..SAMPLES {
        let t = 0.08 + 0.84 * (k as f64 + 0.5) / SAMPLES as f64;
        let p = [a[0] + t * dx, a[1] + t * dy];
        let off = |d: f64| [p[0] + d * n[0], p[1] + d * n[1]];
        let (i, o) = (off(3.0), off(-3.0));
        let inside = |q: Point| q[0] >= 0.0 && q[1] >= 0.0 && q[0] <= w - 1.0 && q[1] <= h - 1.0;
        if !inside(i) || !inside(o) {
            continue;
        }
        seen += 1;
        hit += usize::from(col.step(i, o) >= step);
    }
    (seen > 0).then(|| hit as f64 / seen as f64)
}

/// Whether the real sides next to border stand-in `b` carry an edge where
/// they run into the border: a document cut off by the frame does, while a
/// quad that borrowed the border to skip a faint or occluded side does not.
fn border_justified(c: &Candidate, lines: &[SideLine], b: usize) -> bool {
    let mut seen = 0;
    let mut ok = 0;
    for (s, corner) in [((b + 3) % 4, b), ((b + 1) % 4, (b + 1) % 4)] {
        if c.is_border[s] {
            continue;
        }
        let sl = &lines[c.idx[s]];
        let far = if corner == s { (s + 1) % 4 } else { s };
        let (tc, tf) = (
            sl.line.param(c.corners[corner]),
            sl.line.param(c.corners[far]),
        );
        let reach = 0.2 * (tf - tc);
        let (sup, vis) = sl.support(tc, tc + reach);
        if vis >= 3.0 {
            seen += 1;
            ok += usize::from(sup >= 0.4 * vis);
        }
    }
    seen == 0 || ok > 0
}

/// Whether a real line runs parallel to side `s` just inside the quad,
/// across the whole span between the neighbouring sides, with at least the
/// support `need` (a fraction): then the side is probably not the
/// document's, and the inner line is.
fn inner_parallel(c: &Candidate, lines: &[SideLine], s: usize, need: f64) -> bool {
    let side = &c.lines[s];
    let (prev, next) = (&c.lines[(s + 3) % 4], &c.lines[(s + 1) % 4]);
    let n = side.normal();
    let dist = |p: Point| p[0] * n[0] + p[1] * n[1] - side.rho;
    let opp = (c.corners[(s + 2) % 4], c.corners[(s + 3) % 4]);
    let far = (dist(opp.0) + dist(opp.1)) / 2.0;
    if far.abs() < 1e-6 {
        return false;
    }
    lines.iter().enumerate().any(|(i, l)| {
        if l.is_border || c.idx.contains(&i) || angle_between(&l.line, side) > 6f64.to_radians() {
            return false;
        }
        let (Some(pa), Some(pb)) = (intersect(&l.line, prev), intersect(&l.line, next)) else {
            return false;
        };
        let (da, db) = (dist(pa) / far, dist(pb) / far);
        let band = inner_band();
        if !band.contains(&da) || !band.contains(&db) {
            return false;
        }
        let (sup, vis) = l.support(l.line.param(pa), l.line.param(pb));
        let span = (pb[0] - pa[0]).hypot(pb[1] - pa[1]);
        vis >= 0.3 * span && sup >= need * vis
    })
}

/// Where a parallel inner line counts, as a share of the distance to the
/// opposite side: nearer than 6 % it is the card's own bevel or shadow.
fn inner_band() -> std::ops::RangeInclusive<f64> {
    0.06..=0.25
}

fn centroid(q: &[Point; 4]) -> Point {
    let s = q.iter().fold([0.0, 0.0], |a, p| [a[0] + p[0], a[1] + p[1]]);
    [s[0] / 4.0, s[1] / 4.0]
}

/// Rescores the candidates and returns them best first.
pub(crate) fn judge(
    cands: Vec<Candidate>,
    lines: &[SideLine],
    col: &Colour,
    p: &CueParams,
) -> Vec<Judged> {
    let mut out: Vec<Judged> = cands
        .into_iter()
        .map(|c| {
            let centre = centroid(&c.corners);
            let (mut sum, mut n) = (0.0, 0usize);
            let mut score = c.score;
            for s in 0..4 {
                if p.inner_edge < 1.0 && c.is_border[s] {
                    let need = 0.6;
                    if inner_parallel(&c, lines, s, need) {
                        score *= p.inner_edge;
                    }
                }
                if c.is_border[s] {
                    if !border_justified(&c, lines, s) {
                        score *= p.unjustified_border;
                    }
                    continue;
                }
                let (a, b) = (c.corners[s], c.corners[(s + 1) % 4]);
                if let Some(v) = side_contrast(col, a, b, centre, p.contrast_step) {
                    sum += v;
                    n += 1;
                }
            }
            let contrast = if n > 0 { sum / n as f64 } else { 0.0 };
            score *= p.contrast_floor + (1.0 - p.contrast_floor) * contrast;
            Judged {
                cand: c,
                contrast,
                score,
            }
        })
        .collect();
    out.sort_by(|a, b| b.score.total_cmp(&a.score));
    out
}

fn contains(outer: &[Point; 4], p: Point, slack: f64) -> bool {
    let sign = signed_area(outer).signum();
    (0..4).all(|s| {
        let (a, b) = (outer[s], outer[(s + 1) % 4]);
        let len = (b[0] - a[0]).hypot(b[1] - a[1]).max(1e-9);
        let cross = (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]);
        sign * cross / len >= -slack
    })
}

/// Index of the quad to report: the best, unless a document-shaped quad
/// with four real, well-supported sides lies inside it and scores at least
/// `nested_ratio` of it. A card lying on a sheet of paper or a printed box
/// gives both; the card is what the caller wants.
pub(crate) fn pick(judged: &[Judged], qp: &QuadParams, p: &CueParams, long: f64) -> Option<usize> {
    let first = judged.first()?;
    if p.nested_ratio <= 0.0 {
        return Some(0);
    }
    let outer = &first.cand;
    let outer_area = signed_area(&outer.corners).abs();
    let mut best = 0;
    for (i, j) in judged.iter().enumerate().skip(1) {
        let c = &j.cand;
        if c.is_border.contains(&true) || c.coverage < 0.7 || j.score < p.nested_ratio * first.score
        {
            continue;
        }
        let area = signed_area(&c.corners).abs();
        if area > 0.8 * outer_area || area < 0.15 * outer_area {
            continue;
        }
        if aspect_factor(aspect(&c.corners), qp) < 0.5 {
            continue;
        }
        if !c
            .corners
            .iter()
            .all(|&q| contains(&outer.corners, q, 0.01 * long))
        {
            continue;
        }
        if best == 0 || j.score > judged[best].score {
            best = i;
        }
    }
    Some(best)
}
