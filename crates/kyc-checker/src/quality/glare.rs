//! Specular highlights (glare) on a document region.
//!
//! A reflection clips the sensor in every channel over one compact patch.
//! Measured on MIDV-500 (docs/CHECKER.md): the earlier rule, "near-white and
//! brighter than the paper's 80th percentile", flagged 28.6% of the original
//! frames, mostly pale or bright-but-unclipped paper and scattered small
//! specks. White or pale paper reaches 235-250 in its darkest channel but is
//! rarely clipped to >= 252 over a solid connected area of more than ~0.5% of
//! the card, while a highlight big enough to hide a field is. Only the largest
//! patch counts: scattered clipped specks (security print, JPEG ringing on
//! white) add up without hiding anything.

use crate::document::Region;

/// One connected cluster of near-white, colourless pixels.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Blob {
    /// Pixels in the cluster.
    pub size: usize,
    /// Of them, clipped in every channel (darkest channel >= 250).
    pub core: usize,
    /// Whether it reaches the region's border or the part outside the photo.
    pub border: bool,
    /// Mean of the darkest channel over the cluster.
    pub mean: f64,
}

/// Darkest-channel level from which a pixel counts as clipped glare: all
/// three channels at the sensor's ceiling, so colourless by construction.
pub const CLIPPED: u8 = 252;

/// How far (pixels of the measured region, Chebyshev) a clipped pixel's
/// neighbourhood must be clipped too for it to count. Paper clipped around
/// print is perforated by the letters and falls apart; a reflection washes
/// the print out and stays solid.
pub const SOLID_RADIUS: usize = 2;

/// Share of the valid area covered by the largest 4-connected patch that
/// is clipped in every channel and solid (see [`SOLID_RADIUS`]). Blobs
/// touching the border are kept: real highlights on MIDV often run off the
/// card's edge.
pub fn glare(region: &Region) -> f64 {
    glare_with(region, SOLID_RADIUS)
}

/// [`glare`] with an explicit solidity radius (0 = every clipped pixel).
pub fn glare_with(region: &Region, radius: usize) -> f64 {
    let valid_n = region.valid.iter().filter(|&&v| v).count();
    let (w, h) = (region.rgb.width() as usize, region.rgb.height() as usize);
    if valid_n == 0 || w == 0 {
        return 0.0;
    }
    let clipped: Vec<bool> = region
        .rgb
        .pixels()
        .zip(&region.valid)
        .map(|(p, &v)| v && p.0.iter().all(|&c| c >= CLIPPED))
        .collect();
    // Most documents have no clipped pixel at all.
    if !clipped.contains(&true) {
        return 0.0;
    }
    let solid = erode(&erode(&clipped, w, h, radius, true), w, h, radius, false);
    let largest = components(&solid, w, h)
        .iter()
        .map(Vec::len)
        .max()
        .unwrap_or(0);
    largest as f64 / valid_n as f64
}

/// Keeps a pixel when every pixel within `r` along one axis is set: one
/// pass of a separable square erosion.
fn erode(mask: &[bool], w: usize, h: usize, r: usize, horizontal: bool) -> Vec<bool> {
    let mut out = vec![false; mask.len()];
    if horizontal {
        if w <= 2 * r {
            return out;
        }
        for (src, dst) in mask.chunks_exact(w).zip(out.chunks_exact_mut(w)) {
            for (x, o) in dst.iter_mut().enumerate().take(w - r).skip(r) {
                *o = src[x - r..=x + r].iter().all(|&m| m);
            }
        }
    } else {
        for y in r..h.saturating_sub(r) {
            for x in 0..w {
                out[y * w + x] = (y - r..=y + r).all(|k| mask[k * w + x]);
            }
        }
    }
    out
}

/// The 4-neighbours of pixel `i` of a `w` x `h` grid, `None` off its edge.
fn neighbours(i: usize, w: usize, h: usize) -> [Option<usize>; 4] {
    let (x, y) = (i % w, i / w);
    [
        (x > 0).then(|| i - 1),
        (x + 1 < w).then(|| i + 1),
        (y > 0).then(|| i - w),
        (y + 1 < h).then(|| i + w),
    ]
}

/// The 4-connected components of `mask`, each as its pixel indices, in the
/// order of their first pixel.
fn components(mask: &[bool], w: usize, h: usize) -> Vec<Vec<usize>> {
    let mut seen = vec![false; mask.len()];
    let mut out = Vec::new();
    let mut stack = Vec::new();
    for start in 0..mask.len() {
        if !mask[start] || seen[start] {
            continue;
        }
        seen[start] = true;
        stack.push(start);
        let mut pixels = Vec::new();
        while let Some(i) = stack.pop() {
            pixels.push(i);
            for j in neighbours(i, w, h).into_iter().flatten() {
                if mask[j] && !seen[j] {
                    seen[j] = true;
                    stack.push(j);
                }
            }
        }
        out.push(pixels);
    }
    out
}

/// Clusters of pixels whose darkest channel is at least `hot` (near-white
/// and colourless at once), 4-connected.
pub fn blobs(region: &Region, hot: u8) -> Vec<Blob> {
    let (w, h) = (region.rgb.width() as usize, region.rgb.height() as usize);
    let minch: Vec<u8> = region
        .rgb
        .pixels()
        .map(|p| p.0.iter().min().copied().unwrap_or(0))
        .collect();
    let is_hot: Vec<bool> = minch
        .iter()
        .zip(&region.valid)
        .map(|(&m, &v)| v && m >= hot)
        .collect();
    components(&is_hot, w, h)
        .into_iter()
        .map(|pixels| {
            let sum: u64 = pixels.iter().map(|&i| u64::from(minch[i])).sum();
            Blob {
                size: pixels.len(),
                core: pixels.iter().filter(|&&i| minch[i] >= 250).count(),
                border: pixels.iter().any(|&i| {
                    neighbours(i, w, h)
                        .iter()
                        .any(|n| n.is_none_or(|j| !region.valid[j]))
                }),
                mean: sum as f64 / pixels.len() as f64,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use image::{Rgb, RgbImage};

    use super::*;

    fn region(f: impl Fn(u32, u32) -> [u8; 3]) -> Region {
        Region::whole(&RgbImage::from_fn(200, 100, |x, y| Rgb(f(x, y))))
    }

    #[test]
    fn erosion_keeps_exactly_the_pixels_whose_window_is_set() {
        let (w, h, r) = (23, 17, 2);
        let mask: Vec<bool> = (0..w * h).map(|i| (i * 7919) % 13 != 0).collect();
        for horizontal in [true, false] {
            let eroded = erode(&mask, w, h, r, horizontal);
            for (i, &got) in eroded.iter().enumerate() {
                let (x, y) = (i % w, i / w);
                let (pos, len) = if horizontal { (x, w) } else { (y, h) };
                let want = pos >= r
                    && pos + r < len
                    && (pos - r..=pos + r)
                        .all(|k| mask[if horizontal { y * w + k } else { k * w + x }]);
                assert_eq!(got, want, "pixel ({x}, {y}), horizontal {horizontal}");
            }
            assert!(eroded.contains(&true) && eroded.contains(&false));
        }
    }

    #[test]
    fn bright_unclipped_paper_is_not_glare() {
        assert_eq!(glare(&region(|_, _| [248, 246, 244])), 0.0);
    }

    #[test]
    fn scattered_clipped_specks_do_not_add_up() {
        // 1 clipped pixel in 16, isolated: 6% of the area, no patch.
        let r = region(|x, y| {
            if x % 4 == 0 && y % 4 == 0 {
                [255; 3]
            } else {
                [200, 190, 180]
            }
        });
        assert!(glare(&r) < 0.001, "{}", glare(&r));
    }

    #[test]
    fn a_solid_clipped_patch_counts_by_its_eroded_area() {
        // A 20x20 clipped square on pink paper; erosion by the solidity
        // radius leaves (20 - 2r)^2 of it.
        let r = region(|x, y| {
            if (50..70).contains(&x) && (40..60).contains(&y) {
                [255; 3]
            } else {
                [255, 200, 210]
            }
        });
        let side = (20 - 2 * SOLID_RADIUS) as f64;
        assert!(
            (glare(&r) - side * side / 20000.0).abs() < 1e-9,
            "{}",
            glare(&r)
        );
        assert!((glare_with(&r, 0) - 0.02).abs() < 1e-9);
    }

    #[test]
    fn clipped_paper_perforated_by_print_is_not_glare() {
        // Clipped white paper with a dark text row every 4th line.
        let r = region(|_, y| if y % 4 == 0 { [30; 3] } else { [255; 3] });
        assert!(glare_with(&r, 0) > 0.005);
        assert_eq!(glare(&r), 0.0);
    }
}
