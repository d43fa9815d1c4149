//! The gradient map the line search runs on: a downscaled, smoothed grey
//! copy with Sobel derivatives.

use image::{GrayImage, RgbImage};

/// A float grey image, row-major.
pub(crate) struct Plane {
    pub w: usize,
    pub h: usize,
    pub px: Vec<f32>,
}

impl Plane {
    /// Bilinear sample, clamped at the border.
    pub fn sample(&self, x: f64, y: f64) -> f32 {
        bilinear(self.w, self.h, x, y, |x, y| self.px[y * self.w + x])
    }
}

/// What sub-pixel refinement reads: a grey level anywhere in the image.
pub(crate) trait Sampler {
    /// Width and height in pixels.
    fn size(&self) -> (usize, usize);
    /// Bilinear sample, clamped at the border.
    fn sample(&mut self, x: f64, y: f64) -> f32;
}

impl Sampler for Plane {
    fn size(&self) -> (usize, usize) {
        (self.w, self.h)
    }

    fn sample(&mut self, x: f64, y: f64) -> f32 {
        Plane::sample(self, x, y)
    }
}

/// The bilinear interpolation of `p` (a `w` x `h` grid) at (`x`, `y`),
/// clamped at the border.
fn bilinear(w: usize, h: usize, x: f64, y: f64, mut p: impl FnMut(usize, usize) -> f32) -> f32 {
    let xf = x.clamp(0.0, (w - 1) as f64);
    let yf = y.clamp(0.0, (h - 1) as f64);
    // Clamped to be non-negative: truncation is the floor.
    let (x0, y0) = (xf as usize, yf as usize);
    let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
    let (fx, fy) = ((xf - x0 as f64) as f32, (yf - y0 as f64) as f32);
    let top = p(x0, y0) * (1.0 - fx) + p(x1, y0) * fx;
    let bottom = p(x0, y1) * (1.0 - fx) + p(x1, y1) * fx;
    top * (1.0 - fy) + bottom * fy
}

/// The luma of a colour image, blurred (see [`blur`]) when `blurred`,
/// computed tile by tile as refinement asks for it. Refinement reads a
/// narrow band along four sides, a few percent of the image: making and
/// blurring the whole full-size luma plane for it cost more than the rest
/// of the finder's work at that size. Every value is bit-identical to the
/// same pixel of `blur(luma plane)`: the same arithmetic in the same order.
pub(crate) struct LazyLuma<'a> {
    rgb: &'a RgbImage,
    blurred: bool,
    tiles_x: usize,
    tiles: Vec<Option<Box<[f32]>>>,
}

/// Side of a [`LazyLuma`] tile, in pixels.
const TILE: usize = 32;

impl<'a> LazyLuma<'a> {
    pub(crate) fn new(rgb: &'a RgbImage, blurred: bool) -> Self {
        let (w, h) = (rgb.width() as usize, rgb.height() as usize);
        let tiles_x = w.div_ceil(TILE);
        Self {
            rgb,
            blurred,
            tiles_x,
            tiles: vec![None; tiles_x * h.div_ceil(TILE)],
        }
    }

    fn size(&self) -> (usize, usize) {
        (self.rgb.width() as usize, self.rgb.height() as usize)
    }

    fn luma(&self, x: usize, y: usize) -> f32 {
        let w = self.rgb.width() as usize;
        let p = &self.rgb.as_raw()[(y * w + x) * 3..][..3];
        luma_of(p)
    }

    /// The value at pixel (`x`, `y`), making its tile when first needed.
    fn at(&mut self, x: usize, y: usize) -> f32 {
        let t = (y / TILE) * self.tiles_x + x / TILE;
        if self.tiles[t].is_none() {
            self.tiles[t] = Some(self.tile(x / TILE * TILE, y / TILE * TILE));
        }
        let tile = self.tiles[t].as_deref().expect("made above");
        tile[(y % TILE) * TILE + x % TILE]
    }

    /// The tile whose top-left pixel is (`x0`, `y0`): the row pass of
    /// [`blur`] on the rows the column pass needs, then the column pass.
    fn tile(&self, x0: usize, y0: usize) -> Box<[f32]> {
        let (w, h) = self.size();
        let (tw, th) = (TILE.min(w - x0), TILE.min(h - y0));
        let mut out = vec![0f32; TILE * TILE];
        if !self.blurred {
            for y in 0..th {
                for x in 0..tw {
                    out[y * TILE + x] = self.luma(x0 + x, y0 + y);
                }
            }
            return out.into_boxed_slice();
        }
        // Luma of the source columns x0-2 .. x0+tw+2 (clamped) of one row,
        // then that row's horizontal pass over the tile's columns.
        let (lo, hi) = (x0.saturating_sub(2), (x0 + tw + 2).min(w));
        let mut luma_row = vec![0f32; w];
        let row_pass = |y: usize, luma_row: &mut [f32]| -> Vec<f32> {
            for (x, l) in luma_row.iter_mut().enumerate().take(hi).skip(lo) {
                *l = self.luma(x, y);
            }
            (x0..x0 + tw).map(|x| row_tap(luma_row, x)).collect()
        };
        let clampi = |v: isize, n: usize| v.clamp(0, n as isize - 1) as usize;
        let first = clampi(y0 as isize - 2, h);
        let last = clampi((y0 + th) as isize + 1, h);
        let rows: Vec<Vec<f32>> = (first..=last).map(|y| row_pass(y, &mut luma_row)).collect();
        for y in 0..th {
            let out_row = &mut out[y * TILE..y * TILE + tw];
            for (k, kv) in BLUR.iter().enumerate() {
                let src = clampi((y0 + y) as isize + k as isize - 2, h) - first;
                for (o, &v) in out_row.iter_mut().zip(&rows[src]) {
                    *o += kv * v;
                }
            }
        }
        out.into_boxed_slice()
    }
}

impl Sampler for LazyLuma<'_> {
    fn size(&self) -> (usize, usize) {
        LazyLuma::size(self)
    }

    fn sample(&mut self, x: f64, y: f64) -> f32 {
        let (w, h) = self.size();
        bilinear(w, h, x, y, |x, y| self.at(x, y))
    }
}

/// BT.709 luma of one RGB pixel, as `image`'s grey conversion.
fn luma_of(p: &[u8]) -> f32 {
    0.2126 * f32::from(p[0]) + 0.7152 * f32::from(p[1]) + 0.0722 * f32::from(p[2])
}

/// Converts to float, keeping the size.
pub(crate) fn to_plane(gray: &GrayImage) -> Plane {
    Plane {
        w: gray.width() as usize,
        h: gray.height() as usize,
        px: gray.as_raw().iter().map(|&v| f32::from(v)).collect(),
    }
}

/// The luma of a colour image (ITU-R BT.709 weights, as `image`'s grey
/// conversion) at full size, and its three channels downscaled (area
/// average) to a long side of at most `long`, as floats. (`image`'s own
/// thumbnail cost more than the whole line search.) The channels are
/// averaged straight from the bytes in the same pass that makes the luma:
/// no full-size float copy of each channel is ever written.
pub(crate) fn rgb_planes(rgb: &RgbImage, long: usize) -> [Plane; 3] {
    let (w, h) = (rgb.width() as usize, rgb.height() as usize);
    let raw = rgb.as_raw();
    let (sw, sh) = scaled_size(w, h, long);
    let ranges = box_ranges(w, sw);
    // Every mean a span of `n` bytes can have, `sum as f32 / n as f32`
    // looked up rather than divided (three divisions per output pixel
    // were a third of this pass), bit for bit the same.
    // Spans wider than 16 (a photo far larger than the working size) are
    // divided, to keep the table small.
    let widest = ranges
        .iter()
        .map(|&(a, b)| b - a)
        .max()
        .unwrap_or(1)
        .min(16);
    let means: Vec<Vec<f32>> = (0..=widest)
        .map(|n| (0..=255 * n).map(|sum| sum as f32 / n as f32).collect())
        .collect();
    // Row pass: each output column's mean over its source columns, per channel.
    // Each span's sum is a difference of running sums along the row: the
    // spans' lengths alternate irregularly (3, 4, 3, ...), and looping over
    // each one mispredicted its end.
    let mut rows: [Vec<f32>; 3] = std::array::from_fn(|_| vec![0f32; sw * h]);
    let mut running = vec![[0usize; 3]; w + 1];
    for y in 0..h {
        let line = &raw[y * w * 3..(y + 1) * w * 3];
        let mut acc = [0usize; 3];
        for (r, p) in running[1..].iter_mut().zip(line.chunks_exact(3)) {
            acc = [
                acc[0] + usize::from(p[0]),
                acc[1] + usize::from(p[1]),
                acc[2] + usize::from(p[2]),
            ];
            *r = acc;
        }
        for (x, &(a, b)) in ranges.iter().enumerate() {
            let (to, from) = (running[b], running[a]);
            let sum = [to[0] - from[0], to[1] - from[1], to[2] - from[2]];
            let n = b - a;
            for c in 0..3 {
                rows[c][y * sw + x] = match means.get(n) {
                    Some(mean) => mean[sum[c]],
                    None => sum[c] as f32 / n as f32,
                };
            }
        }
    }
    rows.map(|tmp| column_average(&tmp, sw, h, sh))
}

/// The size `downscale` produces for a `w × h` image and a long side `long`.
pub(crate) fn scaled_size(w: usize, h: usize, long: usize) -> (usize, usize) {
    let big = w.max(h);
    if big <= long {
        return (w, h);
    }
    let f = big as f64 / long as f64;
    (
        ((w as f64 / f).round() as usize).max(1),
        ((h as f64 / f).round() as usize).max(1),
    )
}

/// The source span `[a, b)` each of `n` output cells averages over, for
/// `src` source cells.
fn box_ranges(src: usize, n: usize) -> Vec<(usize, usize)> {
    let f = src as f64 / n as f64;
    (0..n)
        .map(|i| {
            let a = (i as f64 * f) as usize;
            let b = (((i + 1) as f64 * f).ceil() as usize).clamp(a + 1, src);
            (a, b)
        })
        .collect()
}

/// The column pass of the separable box average: `tmp` (`w` × `src_h`,
/// rows already averaged) to `w` × `h`.
fn column_average(tmp: &[f32], w: usize, src_h: usize, h: usize) -> Plane {
    let mut px = vec![0f32; w * h];
    for (y, &(a, b)) in box_ranges(src_h, h).iter().enumerate() {
        let inv = 1.0 / (b - a) as f32;
        for yy in a..b {
            let row = &tmp[yy * w..(yy + 1) * w];
            for (o, &v) in px[y * w..(y + 1) * w].iter_mut().zip(row) {
                *o += v * inv;
            }
        }
    }
    Plane { w, h, px }
}

/// Area-average downscale so the long side is at most `long`; returns the
/// plane and the factor (working px per input px, ≤ 1).
pub(crate) fn downscale(src: &Plane, long: usize) -> (Plane, f64) {
    let big = src.w.max(src.h);
    if big <= long {
        return (
            Plane {
                w: src.w,
                h: src.h,
                px: src.px.clone(),
            },
            1.0,
        );
    }
    let (w, h) = scaled_size(src.w, src.h, long);
    // Separable box average: rows first, then columns.
    let xr = box_ranges(src.w, w);
    let mut tmp = vec![0f32; w * src.h];
    for y in 0..src.h {
        let row = &src.px[y * src.w..(y + 1) * src.w];
        for (x, &(a, b)) in xr.iter().enumerate() {
            tmp[y * w + x] = row[a..b].iter().sum::<f32>() / (b - a) as f32;
        }
    }
    (column_average(&tmp, w, src.h, h), w as f64 / src.w as f64)
}

/// The 5-tap binomial kernel of [`blur`].
const BLUR: [f32; 5] = [1.0 / 16.0, 4.0 / 16.0, 6.0 / 16.0, 4.0 / 16.0, 1.0 / 16.0];

/// [`blur`]'s horizontal pass at `x` of `row` (edge pixels repeat).
#[inline]
fn row_tap(row: &[f32], x: usize) -> f32 {
    let w = row.len();
    if x >= 2 && x + 2 < w {
        // Interior: no clamping (the bulk of the work).
        BLUR[0] * row[x - 2]
            + BLUR[1] * row[x - 1]
            + BLUR[2] * row[x]
            + BLUR[3] * row[x + 1]
            + BLUR[4] * row[x + 2]
    } else {
        let clampi = |v: isize| v.clamp(0, w as isize - 1) as usize;
        BLUR.iter()
            .enumerate()
            .map(|(k, kv)| kv * row[clampi(x as isize + k as isize - 2)])
            .sum()
    }
}

/// 5-tap binomial blur (σ ≈ 1): takes off sensor noise and paper texture
/// before differentiating.
pub(crate) fn blur(src: &Plane) -> Plane {
    let (w, h) = (src.w, src.h);
    let clampi = |v: isize, n: usize| v.clamp(0, n as isize - 1) as usize;
    let mut tmp = vec![0f32; w * h];
    for y in 0..h {
        let row = &src.px[y * w..(y + 1) * w];
        let out = &mut tmp[y * w..(y + 1) * w];
        for (x, o) in out.iter_mut().enumerate() {
            *o = row_tap(row, x);
        }
    }
    let mut px = vec![0f32; w * h];
    for y in 0..h {
        let rows: [usize; 5] = std::array::from_fn(|k| clampi(y as isize + k as isize - 2, h) * w);
        let out = &mut px[y * w..(y + 1) * w];
        for (k, kv) in BLUR.iter().enumerate() {
            let src_row = &tmp[rows[k]..rows[k] + w];
            for (o, &v) in out.iter_mut().zip(src_row) {
                *o += kv * v;
            }
        }
    }
    Plane { w, h, px }
}

/// Sobel derivatives, scaled by 1/8 so a step of Δ grey levels reads ≈ Δ/2.
pub(crate) struct Gradients {
    pub w: usize,
    pub h: usize,
    pub gx: Vec<f32>,
    pub gy: Vec<f32>,
    pub mag: Vec<f32>,
}

/// Colour gradient: per pixel, the Sobel derivatives of the channel with
/// the largest magnitude. A card on a desk of the same brightness but a
/// different hue has no grey edge, but one channel still steps.
pub(crate) fn sobel_max(planes: &[Plane]) -> Option<Gradients> {
    let mut it = planes.iter().map(sobel);
    let mut best = it.next()?;
    for g in it {
        for i in 0..best.mag.len().min(g.mag.len()) {
            if g.mag[i] > best.mag[i] {
                best.mag[i] = g.mag[i];
                best.gx[i] = g.gx[i];
                best.gy[i] = g.gy[i];
            }
        }
    }
    Some(best)
}

pub(crate) fn sobel(src: &Plane) -> Gradients {
    let (w, h) = (src.w, src.h);
    let mut gx = vec![0f32; w * h];
    let mut gy = vec![0f32; w * h];
    let mut mag = vec![0f32; w * h];
    if w >= 3 && h >= 3 {
        let p = &src.px;
        for y in 1..h - 1 {
            for x in 1..w - 1 {
                let i = y * w + x;
                let (a, b, c) = (p[i - w - 1], p[i - w], p[i - w + 1]);
                let (d, f) = (p[i - 1], p[i + 1]);
                let (g, hh, k) = (p[i + w - 1], p[i + w], p[i + w + 1]);
                let dx = ((c + 2.0 * f + k) - (a + 2.0 * d + g)) / 8.0;
                let dy = ((g + 2.0 * hh + k) - (a + 2.0 * b + c)) / 8.0;
                gx[i] = dx;
                gy[i] = dy;
                mag[i] = (dx * dx + dy * dy).sqrt();
            }
        }
    }
    Gradients { w, h, gx, gy, mag }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lazy_luma_is_bit_identical_to_the_whole_plane() {
        // Odd sizes: partial tiles on the right and bottom, and tiles
        // whose blur reaches past the image's edges.
        let rgb = RgbImage::from_fn(75, 41, |x, y| {
            image::Rgb([(x * 7 + y) as u8, (y * 13) as u8, ((x * y) % 251) as u8])
        });
        let (w, h) = (75, 41);
        let plane = Plane {
            w,
            h,
            px: rgb.as_raw().chunks_exact(3).map(luma_of).collect(),
        };
        for (blurred, whole) in [(true, blur(&plane)), (false, plane)] {
            let mut lazy = LazyLuma::new(&rgb, blurred);
            for y in 0..h {
                for x in 0..w {
                    let (a, b) = (lazy.at(x, y), whole.px[y * w + x]);
                    assert_eq!(a.to_bits(), b.to_bits(), "({x}, {y}), blurred {blurred}");
                }
            }
            // Off-grid points interpolate the same values.
            for (x, y) in [(3.3, 7.9), (-2.0, 40.5), (74.9, 0.2), (31.5, 32.5)] {
                assert_eq!(Sampler::sample(&mut lazy, x, y), whole.sample(x, y));
            }
        }
    }
}
