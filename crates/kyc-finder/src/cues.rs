//! Second look at the best few quads, with a cue too costly for every
//! candidate: colour contrast across each side. (Two more cues, a penalty
//! for border stand-ins not backed by edges running into the border and one
//! for a real edge just inside a stand-in, were measured and dropped: see
//! FINDINGS.md.)

use crate::geometry;
use crate::gradient::Plane;
use crate::quad::Candidate;
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
}

impl Default for CueParams {
    fn default() -> Self {
        CueParams {
            contrast_floor: 1.0,
            contrast_step: 12.0,
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
    let len = geometry::length(dx, dy);
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

fn centroid(q: &[Point; 4]) -> Point {
    let s = q.iter().fold([0.0, 0.0], |a, p| [a[0] + p[0], a[1] + p[1]]);
    [s[0] / 4.0, s[1] / 4.0]
}

/// Rescores the candidates and returns them best first.
pub(crate) fn judge(cands: Vec<Candidate>, col: &Colour, p: &CueParams) -> Vec<Judged> {
    let mut out: Vec<Judged> = cands
        .into_iter()
        .map(|c| {
            let centre = centroid(&c.corners);
            let (mut sum, mut n) = (0.0, 0usize);
            let mut score = c.score;
            for s in 0..4 {
                if c.is_border[s] {
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
