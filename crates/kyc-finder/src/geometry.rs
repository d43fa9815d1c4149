//! Plane geometry the finder and its callers share: lines in normal form,
//! intersections, and polygon area / IoU (used to score the finder against
//! ground-truth quads).

use crate::Point;

/// A straight line `x·cos θ + y·sin θ = ρ`, the form the Hough transform
/// produces; θ in [0, π).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Line {
    pub theta: f64,
    pub rho: f64,
    /// (cos θ, sin θ), computed once: the quad search asks for them for
    /// every candidate pair of sides.
    normal: Point,
}

impl Line {
    pub fn new(theta: f64, rho: f64) -> Line {
        let (sin, cos) = theta.sin_cos();
        Line {
            theta,
            rho,
            normal: [cos, sin],
        }
    }

    /// Unit normal (cos θ, sin θ).
    pub fn normal(&self) -> Point {
        self.normal
    }

    /// Unit direction along the line, (−sin θ, cos θ).
    pub fn direction(&self) -> Point {
        [-self.normal[1], self.normal[0]]
    }

    /// The foot of the perpendicular from the origin: where `t = 0`.
    pub fn origin(&self) -> Point {
        let n = self.normal();
        [n[0] * self.rho, n[1] * self.rho]
    }

    /// Position of `p` along the line (projection on the direction).
    pub fn param(&self, p: Point) -> f64 {
        let d = self.direction();
        p[0] * d[0] + p[1] * d[1]
    }

    /// The point at parameter `t`.
    pub fn at(&self, t: f64) -> Point {
        let o = self.origin();
        let d = self.direction();
        [o[0] + t * d[0], o[1] + t * d[1]]
    }

    /// Line through two distinct points; `None` when they coincide.
    pub fn through(a: Point, b: Point) -> Option<Line> {
        let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
        let len = length(dx, dy);
        if len < 1e-9 {
            return None;
        }
        // Normal is the direction turned by 90°, folded so θ lands in [0, π).
        let mut theta = (-dx / len).atan2(dy / len);
        if theta < 0.0 {
            theta += std::f64::consts::PI;
        }
        if theta >= std::f64::consts::PI {
            theta -= std::f64::consts::PI;
        }
        let (ny, nx) = theta.sin_cos();
        Some(Line::new(theta, a[0] * nx + a[1] * ny))
    }

    /// Parameter range `[t0, t1]` of the part of the line inside the box
    /// `[0, w] × [0, h]`, or `None` when the line misses it.
    pub fn clip(&self, w: f64, h: f64) -> Option<(f64, f64)> {
        let o = self.origin();
        let d = self.direction();
        let mut lo = f64::NEG_INFINITY;
        let mut hi = f64::INFINITY;
        for (p, dp, max) in [(o[0], d[0], w), (o[1], d[1], h)] {
            if dp.abs() < 1e-12 {
                if p < 0.0 || p > max {
                    return None;
                }
            } else {
                let a = (0.0 - p) / dp;
                let b = (max - p) / dp;
                lo = lo.max(a.min(b));
                hi = hi.min(a.max(b));
            }
        }
        (hi > lo).then_some((lo, hi))
    }
}

/// The length of the vector (`dx`, `dy`). `f64::hypot` guards against
/// overflow and underflow that pixel coordinates never come near, at
/// several times the cost: it was 1.4 % of a whole check (quad scoring
/// measures every side of every candidate).
pub fn length(dx: f64, dy: f64) -> f64 {
    (dx * dx + dy * dy).sqrt()
}

/// The distance from `a` to `b` (see [`length`]).
pub fn distance(a: Point, b: Point) -> f64 {
    length(b[0] - a[0], b[1] - a[1])
}

/// Angle between two lines' directions, folded into [0, π/2].
///
/// Hough angles lie in [0, π), so their difference is almost always below
/// π already, where `% π` would return it unchanged: the remainder (a
/// library call, ~1 % of a check in `top_quads`) is taken only above.
pub fn angle_between(a: &Line, b: &Line) -> f64 {
    use std::f64::consts::PI;
    let mut d = (a.theta - b.theta).abs();
    if d >= PI {
        d %= PI;
    }
    d.min(PI - d)
}

/// Where two lines cross; `None` when they are (nearly) parallel.
pub fn intersect(a: &Line, b: &Line) -> Option<Point> {
    let [c1, s1] = a.normal;
    let [c2, s2] = b.normal;
    let det = c1 * s2 - s1 * c2;
    if det.abs() < 1e-6 {
        return None;
    }
    Some([
        (a.rho * s2 - b.rho * s1) / det,
        (c1 * b.rho - c2 * a.rho) / det,
    ])
}

/// Signed area (shoelace); positive when the vertices run clockwise in
/// image coordinates (y down).
pub fn signed_area(poly: &[Point]) -> f64 {
    let n = poly.len();
    let mut s = 0.0;
    for i in 0..n {
        let (a, b) = (poly[i], poly[(i + 1) % n]);
        s += a[0] * b[1] - b[0] * a[1];
    }
    s / 2.0
}

/// Clips polygon `subject` by the convex polygon `clip`
/// (Sutherland–Hodgman); both in the same winding.
pub fn clip_convex(subject: &[Point], clip: &[Point]) -> Vec<Point> {
    let orient = signed_area(clip).signum();
    let mut out: Vec<Point> = subject.to_vec();
    let n = clip.len();
    for i in 0..n {
        if out.is_empty() {
            break;
        }
        let (a, b) = (clip[i], clip[(i + 1) % n]);
        let side =
            |p: Point| orient * ((b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]));
        let input = std::mem::take(&mut out);
        for j in 0..input.len() {
            let (p, q) = (input[j], input[(j + 1) % input.len()]);
            let (sp, sq) = (side(p), side(q));
            if sp >= 0.0 {
                out.push(p);
            }
            if (sp >= 0.0) != (sq >= 0.0) {
                let t = sp / (sp - sq);
                out.push([p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])]);
            }
        }
    }
    out
}

/// Intersection over union of two convex quadrilaterals (any winding).
/// Returns 0 for degenerate input.
pub fn polygon_iou(a: &[Point; 4], b: &[Point; 4]) -> f64 {
    let fix = |q: &[Point; 4]| {
        let mut v = q.to_vec();
        if signed_area(&v) < 0.0 {
            v.reverse();
        }
        v
    };
    let (pa, pb) = (fix(a), fix(b));
    let (aa, ab) = (signed_area(&pa), signed_area(&pb));
    if aa <= 0.0 || ab <= 0.0 {
        return 0.0;
    }
    let inter = signed_area(&clip_convex(&pa, &pb)).max(0.0);
    let union = aa + ab - inter;
    if union <= 0.0 {
        0.0
    } else {
        inter / union
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn angle_between_matches_the_remainder_definition() {
        use std::f64::consts::PI;
        let definition = |a: f64, b: f64| {
            let d = (a - b).abs() % PI;
            d.min(PI - d)
        };
        let thetas: Vec<f64> = (-40..=40).map(|i| f64::from(i) * 0.157).collect();
        for &a in &thetas {
            for &b in &thetas {
                let got = angle_between(&Line::new(a, 0.0), &Line::new(b, 0.0));
                assert_eq!(got.to_bits(), definition(a, b).to_bits(), "{a} {b}");
            }
        }
        let folded = angle_between(&Line::new(0.1, 0.0), &Line::new(PI - 0.1, 0.0));
        assert!((folded - 0.2).abs() < 1e-12, "{folded}");
    }

    #[test]
    fn iou_of_identical_and_shifted_squares() {
        let a = [[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]];
        assert!((polygon_iou(&a, &a) - 1.0).abs() < 1e-9);
        let b = [[5.0, 0.0], [15.0, 0.0], [15.0, 10.0], [5.0, 10.0]];
        assert!((polygon_iou(&a, &b) - 50.0 / 150.0).abs() < 1e-9);
        let mut rev = b;
        rev.reverse();
        assert!((polygon_iou(&a, &rev) - 50.0 / 150.0).abs() < 1e-9);
        let far = [[50.0, 50.0], [60.0, 50.0], [60.0, 60.0], [50.0, 60.0]];
        assert_eq!(polygon_iou(&a, &far), 0.0);
    }

    #[test]
    fn line_through_points_and_intersection() {
        let l1 = Line::through([0.0, 5.0], [10.0, 5.0]).expect("line");
        let l2 = Line::through([3.0, -1.0], [3.0, 9.0]).expect("line");
        let p = intersect(&l1, &l2).expect("crossing");
        assert!((p[0] - 3.0).abs() < 1e-9 && (p[1] - 5.0).abs() < 1e-9);
        assert!((angle_between(&l1, &l2) - std::f64::consts::FRAC_PI_2).abs() < 1e-9);
        let (t0, t1) = l1.clip(10.0, 10.0).expect("inside");
        assert!(((t1 - t0) - 10.0).abs() < 1e-9);
        assert!(Line::through([1.0, 1.0], [1.0, 1.0]).is_none());
    }
}
