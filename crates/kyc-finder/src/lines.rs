//! Straight edges: a Hough transform on thinned gradient edges, voting only
//! near each pixel's own gradient direction (cheap and sharp peaks), then an
//! edge-support profile along every line found so that any stretch of it can
//! be scored in O(1).

use crate::geometry::Line;
use crate::gradient::Gradients;

/// Hough angle bins over [0, π).
const THETA_BINS: usize = 180;
/// A pixel votes for angles within this many bins of its gradient angle.
const VOTE_SPREAD: isize = 2;
/// cos of the largest angle between a pixel's gradient and a line's normal
/// for the pixel to count as support for that line (≈ 20°).
const SUPPORT_COS: f32 = 0.94;

/// A candidate side line with its support profile.
pub(crate) struct SideLine {
    pub line: Line,
    /// Start of the part inside the working image (parameter along the line).
    pub t0: f64,
    /// `pos[k]` / `neg[k]` = supported 1-px samples among the first `k`
    /// whose gradient points along / against the normal. Kept apart because
    /// a real document side has one polarity (the document is brighter, or
    /// darker, than what lies beyond it) while clutter mixes both.
    pos: Vec<u32>,
    neg: Vec<u32>,
    /// True for the image borders, offered as stand-ins for a document side
    /// that lies outside the photo.
    pub is_border: bool,
}

impl SideLine {
    /// `(supported, visible)` sample counts between parameters `a` and `b`,
    /// counting only the dominant polarity as supported.
    pub fn support(&self, a: f64, b: f64) -> (f64, f64) {
        let n = self.pos.len() - 1;
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        let ka = ((lo - self.t0).max(0.0).floor() as usize).min(n);
        let kb = ((hi - self.t0).max(0.0).floor() as usize).min(n);
        let p = self.pos[kb] - self.pos[ka];
        let q = self.neg[kb] - self.neg[ka];
        (f64::from(p.max(q)), (kb - ka) as f64)
    }
}

/// Thins edges to one pixel across (non-maximum suppression along the
/// gradient) and keeps those above `thr`, as (index, x, y).
fn thin_edges(g: &Gradients, thr: f32) -> Vec<(usize, usize, usize)> {
    let (w, h) = (g.w, g.h);
    let mut out = Vec::new();
    for y in 1..h.saturating_sub(1) {
        for x in 1..w.saturating_sub(1) {
            let i = y * w + x;
            let m = g.mag[i];
            if m < thr {
                continue;
            }
            let (ax, ay) = (g.gx[i].abs(), g.gy[i].abs());
            // Neighbour offset along the gradient, quantised to 45°.
            let off: isize = if ay < 0.414 * ax {
                1
            } else if ax < 0.414 * ay {
                w as isize
            } else if (g.gx[i] > 0.0) == (g.gy[i] > 0.0) {
                w as isize + 1
            } else {
                w as isize - 1
            };
            let a = g.mag[(i as isize + off) as usize];
            let b = g.mag[(i as isize - off) as usize];
            if m >= a && m > b {
                out.push((i, x, y));
            }
        }
    }
    out
}

/// Finds up to `max_lines` straight lines, strongest first, plus the four
/// image borders.
pub(crate) fn find_lines(
    g: &Gradients,
    edge_thr: f32,
    min_votes: f32,
    max_lines: usize,
) -> Vec<SideLine> {
    let (w, h) = (g.w, g.h);
    let diag = ((w * w + h * h) as f64).sqrt().ceil() as usize + 1;
    let rho_bins = 2 * diag + 1;
    let trig: Vec<(f32, f32)> = (0..THETA_BINS)
        .map(|b| {
            let t = b as f64 * std::f64::consts::PI / THETA_BINS as f64;
            (t.cos() as f32, t.sin() as f32)
        })
        .collect();
    let mut acc = vec![0f32; THETA_BINS * rho_bins];
    for (i, x, y) in thin_edges(g, edge_thr) {
        let (x, y) = (x as f32, y as f32);
        let mut ang = g.gy[i].atan2(g.gx[i]);
        if ang < 0.0 {
            ang += std::f32::consts::PI;
        }
        let centre = (ang / std::f32::consts::PI * THETA_BINS as f32).round() as isize;
        for d in -VOTE_SPREAD..=VOTE_SPREAD {
            let b = (centre + d).rem_euclid(THETA_BINS as isize) as usize;
            let (c, s) = trig[b];
            let r = (x * c + y * s).round() as isize + diag as isize;
            if r >= 0 && (r as usize) < rho_bins {
                acc[b * rho_bins + r as usize] += 1.0;
            }
        }
    }
    // Whether cell (`b`, `r`) holding `v` votes is beaten by a neighbour
    // within (`reach_b`, `reach_r`). Ties go to the lower index so a flat
    // peak yields one line.
    let beaten = |b: usize, r: usize, v: f32, reach_b: isize, reach_r: isize| {
        (-reach_b..=reach_b).any(|db| {
            let bb = (b as isize + db).rem_euclid(THETA_BINS as isize) as usize;
            (-reach_r..=reach_r).any(|dr| {
                let rr = r as isize + dr;
                if rr < 0 || rr as usize >= rho_bins || (db == 0 && dr == 0) {
                    return false;
                }
                let u = acc[bb * rho_bins + rr as usize];
                u > v || (u == v && (bb, rr as usize) < (b, r))
            })
        })
    };
    let mut peaks: Vec<(f32, usize, usize)> = Vec::new();
    // Most cells have too few votes: a block of 16 of them is passed over
    // with one (vectorised) test before any cell is looked at alone.
    const BLOCK: usize = 16;
    for (b, row) in acc.chunks_exact(rho_bins).enumerate() {
        for (block, cells) in row.chunks(BLOCK).enumerate() {
            if cells.iter().all(|&v| v < min_votes) {
                continue;
            }
            for (k, &v) in cells.iter().enumerate() {
                let r = block * BLOCK + k;
                // The adjacent cells first: most cells that are not a peak
                // lose to one of them, before the whole window is read.
                if v >= min_votes && !beaten(b, r, v, 1, 1) && !beaten(b, r, v, 3, 4) {
                    peaks.push((v, b, r));
                }
            }
        }
    }
    peaks.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut lines: Vec<SideLine> = Vec::new();
    for &(_, b, r) in &peaks {
        if lines.len() >= max_lines {
            break;
        }
        let line = Line::new(
            b as f64 * std::f64::consts::PI / THETA_BINS as f64,
            r as f64 - diag as f64,
        );
        if lines
            .iter()
            .any(|l| near_duplicate(&l.line, &line, w as f64, h as f64))
        {
            continue;
        }
        if let Some(sl) = profile(g, line, edge_thr * 0.6, false) {
            lines.push(sl);
        }
    }
    let (wf, hf) = ((w - 1) as f64, (h - 1) as f64);
    let half_pi = std::f64::consts::FRAC_PI_2;
    for line in [
        Line::new(0.0, 0.0),
        Line::new(0.0, wf),
        Line::new(half_pi, 0.0),
        Line::new(half_pi, hf),
    ] {
        if let Some(sl) = profile(g, line, f32::INFINITY, true) {
            lines.push(sl);
        }
    }
    lines
}

/// Two lines that stay within a few pixels of each other across the image.
fn near_duplicate(a: &Line, b: &Line, w: f64, h: f64) -> bool {
    if crate::geometry::angle_between(a, b) > 3f64.to_radians() {
        return false;
    }
    let Some((t0, t1)) = a.clip(w, h) else {
        return false;
    };
    [a.at(t0), a.at(t1)].iter().all(|p| {
        let n = b.normal();
        (p[0] * n[0] + p[1] * n[1] - b.rho).abs() < 4.0
    })
}

/// Samples the line every pixel inside the image; a sample is supported when
/// a pixel within one pixel across has a strong gradient along the normal.
fn profile(g: &Gradients, line: Line, thr: f32, is_border: bool) -> Option<SideLine> {
    let (w, h) = (g.w, g.h);
    let (t0, t1) = line.clip((w - 1) as f64, (h - 1) as f64)?;
    let n = (t1 - t0).floor() as usize;
    let nrm = line.normal();
    let (nx, ny) = (nrm[0] as f32, nrm[1] as f32);
    let mut pos = Vec::with_capacity(n + 1);
    let mut neg = Vec::with_capacity(n + 1);
    pos.push(0u32);
    neg.push(0u32);
    let (mut cp, mut cn) = (0u32, 0u32);
    for k in 0..n {
        let p = line.at(t0 + k as f64 + 0.5);
        let mut sign = 0i8;
        for o in [0.0f64, -1.0, 1.0] {
            let x = (p[0] + o * nrm[0]).round();
            let y = (p[1] + o * nrm[1]).round();
            if x < 0.0 || y < 0.0 || x >= w as f64 || y >= h as f64 {
                continue;
            }
            let i = y as usize * w + x as usize;
            let m = g.mag[i];
            let along = g.gx[i] * nx + g.gy[i] * ny;
            if m >= thr && along.abs() >= SUPPORT_COS * m {
                sign = if along > 0.0 { 1 } else { -1 };
                break;
            }
        }
        cp += u32::from(sign > 0);
        cn += u32::from(sign < 0);
        pos.push(cp);
        neg.push(cn);
    }
    Some(SideLine {
        line,
        t0,
        pos,
        neg,
        is_border,
    })
}
