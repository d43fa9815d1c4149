//! The document in the photo: the one call into the finder, the "all four
//! edges visible" rule, and the warp that turns the document region into an
//! upright rectangle so quality is measured on the document, not the desk.

use image::RgbImage;
use kyc_core::DocumentKind;

use crate::report::Corners;

/// Finder answers below this confidence count as "no document".
pub const MIN_CONFIDENCE: f64 = 0.3;

/// A document found in the analysis image (analysis pixels).
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub corners: Corners,
    pub confidence: f64,
}

/// The only place that knows the finder's API: if it starts taking colour,
/// or returns several candidates, only this function changes.
pub fn find(analysis: &RgbImage, kind: DocumentKind) -> Option<Found> {
    let options = kyc_finder::Options {
        expected_aspect: expected_aspect(kind),
        ..kyc_finder::Options::default()
    };
    kyc_finder::find_document_rgb_with(analysis, &options)
        .filter(|d| d.confidence >= MIN_CONFIDENCE)
        .filter(|d| d.corners.iter().flatten().all(|v| v.is_finite()))
        .map(|d| Found {
            corners: d.corners,
            confidence: d.confidence,
        })
}

/// The shape the finder should prefer, as a soft prior: identity documents
/// and payment cards are mostly ID-1 (85.60 x 53.98 mm; a passport page's
/// 1.42 is still within the prior's width); a proof of address has no
/// typical shape once photographed.
fn expected_aspect(kind: DocumentKind) -> Option<f64> {
    match kind {
        DocumentKind::Identity | DocumentKind::Card => Some(1.586),
        DocumentKind::Address => None,
    }
}

/// How far outside the frame a corner may lie and still count as visible:
/// finder and labels are only accurate to a few pixels, and the datasets'
/// rule of thumb is "10+ px inside is visible, 15+ px outside is cut off".
pub fn edge_tolerance(width: u32, height: u32) -> f64 {
    (f64::from(width.max(height)) * 0.004).max(3.0)
}

/// Whether all four corners (full-resolution pixels) are inside the frame,
/// within [`edge_tolerance`].
pub fn edges_visible(corners: &Corners, width: u32, height: u32) -> bool {
    let tol = edge_tolerance(width, height);
    let (w, h) = (f64::from(width), f64::from(height));
    corners
        .iter()
        .all(|&[x, y]| x >= -tol && y >= -tol && x <= w - 1.0 + tol && y <= h - 1.0 + tol)
}

/// The longer of each pair of opposite sides: the document's size in pixels.
pub fn quad_size(c: &Corners) -> (f64, f64) {
    let d = |a: [f64; 2], b: [f64; 2]| ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt();
    let w = d(c[0], c[1]).max(d(c[3], c[2]));
    let h = d(c[0], c[3]).max(d(c[1], c[2]));
    (w, h)
}

/// Twice the signed area, positive when clockwise in image coordinates.
pub fn quad_area(c: &Corners) -> f64 {
    let mut a = 0.0;
    for i in 0..4 {
        let (p, q) = (c[i], c[(i + 1) % 4]);
        a += p[0] * q[1] - q[0] * p[1];
    }
    a.abs() / 2.0
}

/// A document region: upright pixels and which of them lie inside the photo
/// (a cut-off document has a part with no pixels at all).
#[derive(Debug, Clone)]
pub struct Region {
    pub rgb: RgbImage,
    pub valid: Vec<bool>,
}

impl Region {
    pub fn whole(image: &RgbImage) -> Self {
        Self {
            rgb: image.clone(),
            valid: vec![true; (image.width() * image.height()) as usize],
        }
    }
}

/// Warps the quad to an upright rectangle of its own size, shrunk to at most
/// `max_long` on the long side (never enlarged: enlarging would add blur
/// that is not in the photo). Returns `None` for degenerate quads.
pub fn warp(image: &RgbImage, corners: &Corners, max_long: f64) -> Option<Region> {
    let (qw, qh) = quad_size(corners);
    if !(qw >= 8.0 && qh >= 8.0) {
        return None;
    }
    let s = (max_long / qw.max(qh)).min(1.0);
    let (w, h) = ((qw * s).round() as u32, (qh * s).round() as u32);
    let (wf, hf) = (f64::from(w), f64::from(h));
    let m = homography([[0.0, 0.0], [wf, 0.0], [wf, hf], [0.0, hf]], *corners)?;
    let mut rgb = vec![0u8; (w * h * 3) as usize];
    let mut valid = vec![false; (w * h) as usize];
    let (iw, ih) = (image.width() as usize, image.height() as usize);
    if iw == 0 || ih == 0 {
        return None;
    }
    let (max_x, max_y) = ((iw - 1) as f64, (ih - 1) as f64);
    let src = image.as_raw();
    // The source position is mapped exactly every `SPAN` pixels of a row
    // and stepped linearly between: perspective bends an 8-pixel stretch
    // by a tiny fraction of a pixel, and the two divisions per pixel of an
    // exact mapping were most of the warp's cost.
    const SPAN: usize = 8;
    let map = |x: f64, y: f64| {
        let z = m[6] * x + m[7] * y + 1.0;
        (
            (m[0] * x + m[1] * y + m[2]) / z - 0.5,
            (m[3] * x + m[4] * y + m[5]) / z - 0.5,
        )
    };
    // Inside by a margin far above the rounding of the fixed-point steps
    // (at most SPAN half-units of 1/65536 px).
    const MARGIN: f64 = 1e-3;
    let well_inside =
        |x: f64, y: f64| x >= MARGIN && y >= MARGIN && x <= max_x - MARGIN && y <= max_y - MARGIN;
    for (y, (out, ok)) in rgb
        .chunks_exact_mut(w as usize * 3)
        .zip(valid.chunks_exact_mut(w as usize))
        .enumerate()
    {
        let v = y as f64 + 0.5;
        // A span's end is the next span's start (both sums are exact in
        // f64): one mapped point per span.
        let mut start = map(0.5, v);
        for (block, (out, ok)) in out
            .chunks_mut(SPAN * 3)
            .zip(ok.chunks_mut(SPAN))
            .enumerate()
        {
            let x0 = (block * SPAN) as f64 + 0.5;
            let (mut sx, mut sy) = start;
            let (ex, ey) = map(x0 + SPAN as f64, v);
            start = (ex, ey);
            let (dx, dy) = ((ex - sx) / SPAN as f64, (ey - sy) / SPAN as f64);
            // Both ends well inside: every pixel between is too, and
            // needs no test.
            let last = (ok.len() - 1) as f64;
            if well_inside(sx, sy) && well_inside(sx + last * dx, sy + last * dy) {
                ok.fill(true);
                // Stepped in 16.16 fixed point: no float-to-integer
                // conversion per pixel (four of them were a third of the
                // warp's cost).
                let fixed = |v: f64| (v * 65536.0).round() as i64;
                let (mut p, mut q) = (fixed(sx), fixed(sy));
                let (dp, dq) = (fixed(dx), fixed(dy));
                for px in out.chunks_exact_mut(3) {
                    bilinear_inside_fixed(src, iw, p, q, px);
                    p += dp;
                    q += dq;
                }
                continue;
            }
            for (px, ok) in out.chunks_exact_mut(3).zip(ok.iter_mut()) {
                if sx >= 0.0 && sy >= 0.0 && sx <= max_x && sy <= max_y {
                    *ok = true;
                    bilinear_into(src, iw, ih, sx, sy, px);
                }
                sx += dx;
                sy += dy;
            }
        }
    }
    let rgb = RgbImage::from_raw(w, h, rgb)?;
    Some(Region { rgb, valid })
}

/// The colour at (`x`, `y`), both non-negative and inside the image,
/// interpolated between the four nearest pixels, into `out`. Weights are
/// in 1/256ths (integer arithmetic, at most one grey level from the exact
/// interpolation).
fn bilinear_into(src: &[u8], width: usize, height: usize, x: f64, y: f64, out: &mut [u8]) {
    let (x0, y0, fx, fy) = split(x, y);
    let (x1, y1) = ((x0 + 1).min(width - 1), (y0 + 1).min(height - 1));
    let (r0, r1) = (y0 * width, y1 * width);
    let at = |i: usize| [src[i * 3], src[i * 3 + 1], src[i * 3 + 2]];
    let taps = [at(r0 + x0), at(r0 + x1), at(r1 + x0), at(r1 + x1)];
    lerp_into(taps, fx, fy, out);
}

/// [`bilinear_into`] at a 16.16 fixed-point position (`p`, `q`) at least
/// a hair inside the last pixel centre on both axes: the right and lower
/// neighbours exist, so there is nothing to clamp.
#[inline]
fn bilinear_inside_fixed(src: &[u8], width: usize, p: i64, q: i64, out: &mut [u8]) {
    let (x0, y0) = ((p >> 16) as usize, (q >> 16) as usize);
    let (fx, fy) = (((p >> 8) & 255) as u32, ((q >> 8) & 255) as u32);
    // The upper and lower source rows, two pixels each, indexed byte by
    // byte: sub-slices' range checks kept the loop from overlapping its
    // loads (measured in kyc-reader's copies: 12 -> 4.5 ns a pixel).
    let (u, l) = ((y0 * width + x0) * 3, ((y0 + 1) * width + x0) * 3);
    let px = |i: usize| [src[i], src[i + 1], src[i + 2]];
    let taps = [px(u), px(u + 3), px(l), px(l + 3)];
    lerp_into(taps, fx, fy, out);
}

/// The pixel left of and above (`x`, `y`), both non-negative (truncation
/// is the floor), and the position's fractions past it in 1/256ths.
#[inline]
fn split(x: f64, y: f64) -> (usize, usize, u32, u32) {
    let (x0, y0) = (x as usize, y as usize);
    let fx = ((x - x0 as f64) * 256.0) as u32;
    let fy = ((y - y0 as f64) * 256.0) as u32;
    (x0, y0, fx, fy)
}

/// The colour between four pixels (top-left, top-right, bottom-left,
/// bottom-right) at fractions `fx`, `fy` (1/256ths), into `out`.
#[inline]
fn lerp_into([a, b, c, d]: [[u8; 3]; 4], fx: u32, fy: u32, out: &mut [u8]) {
    for i in 0..3 {
        let top = u32::from(a[i]) * (256 - fx) + u32::from(b[i]) * fx;
        let bottom = u32::from(c[i]) * (256 - fx) + u32::from(d[i]) * fx;
        out[i] = ((top * (256 - fy) + bottom * fy + (1 << 15)) >> 16) as u8;
    }
}

/// The projective map taking `from[i]` to `to[i]`, as the 8 free entries
/// of a 3x3 matrix with the last entry 1. `None` if the points are degenerate.
pub fn homography(from: Corners, to: Corners) -> Option<[f64; 8]> {
    let mut a = [[0.0f64; 9]; 8];
    for i in 0..4 {
        let ([x, y], [u, v]) = (from[i], to[i]);
        a[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
        a[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
    }
    // Gaussian elimination with partial pivoting.
    for col in 0..8 {
        let pivot = (col..8).max_by(|&p, &q| a[p][col].abs().total_cmp(&a[q][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        for row in 0..8 {
            if row != col {
                let f = a[row][col] / a[col][col];
                let pivot_row = a[col];
                for (v, p) in a[row].iter_mut().zip(pivot_row).skip(col) {
                    *v -= f * p;
                }
            }
        }
    }
    let h: [f64; 8] = std::array::from_fn(|i| a[i][8] / a[i][i]);
    h.iter().all(|v| v.is_finite()).then_some(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corners_a_few_pixels_out_are_visible_but_far_out_are_not() {
        let inside = [[2.0, 3.0], [1077.0, 1.0], [1079.0, 1900.0], [0.0, 1919.0]];
        assert!(edges_visible(&inside, 1080, 1920));
        let grazing = [[-4.0, 3.0], [1082.0, 1.0], [1079.0, 1900.0], [0.0, 1923.0]];
        assert!(edges_visible(&grazing, 1080, 1920));
        let cut = [[-40.0, 3.0], [1000.0, 1.0], [1000.0, 1900.0], [0.0, 1900.0]];
        assert!(!edges_visible(&cut, 1080, 1920));
    }

    #[test]
    fn the_stepped_warp_matches_the_exact_mapping_up_to_the_image_edges() {
        // Quads whose corners lie on the image's edges (the whole image,
        // and one in perspective): the fixed-point steps must neither read
        // past a row or the buffer nor stray from the exactly mapped
        // interpolation by more than a level.
        // Smooth ramps (no wrap-around), steep enough that a tap one
        // pixel off shows: 2, 4 and 1+1 levels a pixel.
        let image = RgbImage::from_fn(97, 61, |x, y| {
            image::Rgb([(x * 2) as u8, (y * 4) as u8, (x + y) as u8])
        });
        let quads = [
            [[0.0, 0.0], [97.0, 0.0], [97.0, 61.0], [0.0, 61.0]],
            [[0.0, 3.0], [97.0, 0.0], [90.0, 61.0], [5.0, 55.0]],
        ];
        for quad in quads {
            let region = warp(&image, &quad, 800.0).unwrap();
            let (w, h) = region.rgb.dimensions();
            let (wf, hf) = (f64::from(w), f64::from(h));
            let m = homography([[0.0, 0.0], [wf, 0.0], [wf, hf], [0.0, hf]], quad).unwrap();
            for (x, y, p) in region.rgb.enumerate_pixels() {
                let (u, v) = (f64::from(x) + 0.5, f64::from(y) + 0.5);
                let z = m[6] * u + m[7] * v + 1.0;
                let sx = (m[0] * u + m[1] * v + m[2]) / z - 0.5;
                let sy = (m[3] * u + m[4] * v + m[5]) / z - 0.5;
                if sx < 0.0 || sy < 0.0 || sx > 96.0 || sy > 60.0 {
                    continue;
                }
                let mut exact = [0u8; 3];
                bilinear_into(image.as_raw(), 97, 61, sx, sy, &mut exact);
                for c in 0..3 {
                    let d = (i16::from(p[c]) - i16::from(exact[c])).abs();
                    assert!(
                        d <= 1,
                        "pixel ({x}, {y}) channel {c}: {p:?} against {exact:?}"
                    );
                }
            }
            assert!(region.valid.iter().filter(|&&v| v).count() > (w * h) as usize * 9 / 10);
        }
    }

    #[test]
    fn the_fixed_point_interpolation_reaches_the_last_pixel_pair() {
        // The furthest position the stepped warp may sample (just short of
        // the last pixel centre on both axes): its taps are the last two
        // columns and rows, in bounds, and it agrees with the clamped
        // interpolation there.
        let image = RgbImage::from_fn(9, 7, |x, y| {
            image::Rgb([(x * 20) as u8, (y * 30) as u8, 99])
        });
        let (p, q) = ((8 << 16) - 1, (6 << 16) - 1);
        let mut fixed = [0u8; 3];
        bilinear_inside_fixed(image.as_raw(), 9, p, q, &mut fixed);
        let mut clamped = [0u8; 3];
        let (x, y) = (p as f64 / 65536.0, q as f64 / 65536.0);
        bilinear_into(image.as_raw(), 9, 7, x, y, &mut clamped);
        for c in 0..3 {
            assert!(
                (i16::from(fixed[c]) - i16::from(clamped[c])).abs() <= 1,
                "{fixed:?} {clamped:?}"
            );
        }
        assert!(fixed[0] > 150 && fixed[1] > 170, "{fixed:?}");
    }

    #[test]
    fn homography_maps_the_corners() {
        let from = [[0.0, 0.0], [100.0, 0.0], [100.0, 50.0], [0.0, 50.0]];
        let to = [[10.0, 20.0], [200.0, 5.0], [220.0, 130.0], [0.0, 110.0]];
        let m = homography(from, to).unwrap();
        for i in 0..4 {
            let [x, y] = from[i];
            let z = m[6] * x + m[7] * y + 1.0;
            assert!(((m[0] * x + m[1] * y + m[2]) / z - to[i][0]).abs() < 1e-6);
            assert!(((m[3] * x + m[4] * y + m[5]) / z - to[i][1]).abs() < 1e-6);
        }
        assert!(homography(from, [[0.0, 0.0]; 4]).is_none());
    }
}
