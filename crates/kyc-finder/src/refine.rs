//! Sub-pixel refinement of each found side on the caller's image: the
//! coarse search runs at a few hundred pixels, which alone would cost
//! several pixels of corner error at full size.

use crate::geometry::{self, Line};
use crate::gradient::Sampler;
use crate::Point;

/// Re-fits `line` (the side from `a` to `b`, in `img` pixels) to the
/// strongest step across it, within `reach` pixels. Returns `None` when too
/// few samples find an edge, so the caller keeps the coarse line.
pub(crate) fn refine_side(img: &mut dyn Sampler, a: Point, b: Point, reach: f64) -> Option<Line> {
    let (w, h) = img.size();
    let (w, h) = (w as f64, h as f64);
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len = geometry::length(dx, dy);
    if len < 10.0 {
        return None;
    }
    let u = [dx / len, dy / len];
    let n = [-u[1], u[0]];
    let samples = ((len / 3.0) as usize).clamp(8, 120);
    let margin = reach + 3.0;
    let mut pts: Vec<(Point, f32)> = Vec::with_capacity(samples);
    let steps = (2.0 * reach / 0.5) as usize;
    let mut prof = vec![0f32; steps + 1];
    for k in 0..samples {
        // Stay off the corners, where the neighbouring side interferes.
        let t = len * (0.06 + 0.88 * (k as f64 + 0.5) / samples as f64);
        let p = [a[0] + t * u[0], a[1] + t * u[1]];
        if p[0] < margin || p[1] < margin || p[0] > w - margin || p[1] > h - margin {
            continue;
        }
        for (si, v) in prof.iter_mut().enumerate() {
            let o = -reach + si as f64 * 0.5;
            let q = [p[0] + o * n[0], p[1] + o * n[1]];
            *v = (-1..=1)
                .map(|m| img.sample(q[0] + f64::from(m) * u[0], q[1] + f64::from(m) * u[1]))
                .sum::<f32>();
        }
        // Central difference over 1 px; keep the strongest.
        let mut best = (0usize, 0f32);
        for si in 1..steps {
            let d = (prof[si + 1] - prof[si - 1]).abs();
            if d > best.1 {
                best = (si, d);
            }
        }
        if best.1 < 12.0 || best.0 < 2 || best.0 > steps - 2 {
            continue;
        }
        // Parabola through the three derivative values around the peak.
        let d = |s: usize| (prof[s + 1] - prof[s - 1]).abs();
        let (l, c, r) = (d(best.0 - 1), best.1, d(best.0 + 1));
        let den = l - 2.0 * c + r;
        let off = if den.abs() > 1e-6 {
            (0.5 * (l - r) / den).clamp(-0.5, 0.5)
        } else {
            0.0
        };
        let o = -reach + (best.0 as f64 + f64::from(off)) * 0.5;
        pts.push(([p[0] + o * n[0], p[1] + o * n[1]], best.1));
    }
    let mut keep: Vec<bool> = vec![true; pts.len()];
    let mut line = None;
    for _ in 0..3 {
        let chosen: Vec<(Point, f32)> = pts
            .iter()
            .zip(&keep)
            .filter(|(_, &k)| k)
            .map(|(p, _)| *p)
            .collect();
        if chosen.len() < 8 || chosen.len() * 3 < samples {
            return line;
        }
        let fit = fit_line(&chosen)?;
        let nn = fit.normal();
        let resid: Vec<f64> = pts
            .iter()
            .map(|(p, _)| (p[0] * nn[0] + p[1] * nn[1] - fit.rho).abs())
            .collect();
        let mut sorted: Vec<f64> = resid
            .iter()
            .zip(&keep)
            .filter(|(_, &k)| k)
            .map(|(r, _)| *r)
            .collect();
        sorted.sort_by(f64::total_cmp);
        let tol = (2.5 * sorted[sorted.len() / 2]).max(0.75);
        keep = resid.iter().map(|&r| r <= tol).collect();
        line = Some(fit);
    }
    line
}

/// Weighted total-least-squares line through points.
fn fit_line(pts: &[(Point, f32)]) -> Option<Line> {
    let sw: f64 = pts.iter().map(|(_, w)| f64::from(*w)).sum();
    if sw <= 0.0 {
        return None;
    }
    let mx = pts.iter().map(|(p, w)| p[0] * f64::from(*w)).sum::<f64>() / sw;
    let my = pts.iter().map(|(p, w)| p[1] * f64::from(*w)).sum::<f64>() / sw;
    let (mut sxx, mut sxy, mut syy) = (0.0, 0.0, 0.0);
    for (p, w) in pts {
        let (x, y, w) = (p[0] - mx, p[1] - my, f64::from(*w));
        sxx += w * x * x;
        sxy += w * x * y;
        syy += w * y * y;
    }
    // Direction of largest spread.
    let ang = 0.5 * (2.0 * sxy).atan2(sxx - syy);
    Line::through([mx, my], [mx + ang.cos(), my + ang.sin()])
}
