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
        let xf = x.clamp(0.0, (self.w - 1) as f64);
        let yf = y.clamp(0.0, (self.h - 1) as f64);
        // Clamped to be non-negative: truncation is the floor.
        let (x0, y0) = (xf as usize, yf as usize);
        let (x1, y1) = ((x0 + 1).min(self.w - 1), (y0 + 1).min(self.h - 1));
        let (fx, fy) = ((xf - x0 as f64) as f32, (yf - y0 as f64) as f32);
        let p = |x: usize, y: usize| self.px[y * self.w + x];
        let top = p(x0, y0) * (1.0 - fx) + p(x1, y0) * fx;
        let bottom = p(x0, y1) * (1.0 - fx) + p(x1, y1) * fx;
        top * (1.0 - fy) + bottom * fy
    }
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
pub(crate) fn rgb_planes(rgb: &RgbImage, long: usize) -> (Plane, [Plane; 3]) {
    let (w, h) = (rgb.width() as usize, rgb.height() as usize);
    let raw = rgb.as_raw();
    let luma: Vec<f32> = raw
        .chunks_exact(3)
        .map(|p| 0.2126 * f32::from(p[0]) + 0.7152 * f32::from(p[1]) + 0.0722 * f32::from(p[2]))
        .collect();
    let (sw, sh) = scaled_size(w, h, long);
    let ranges = box_ranges(w, sw);
    // Row pass: each output column's mean over its source columns, per channel.
    let mut rows: [Vec<f32>; 3] = std::array::from_fn(|_| vec![0f32; sw * h]);
    for y in 0..h {
        let line = &raw[y * w * 3..(y + 1) * w * 3];
        for (x, &(a, b)) in ranges.iter().enumerate() {
            let mut sum = [0u32; 3];
            for p in line[a * 3..b * 3].chunks_exact(3) {
                sum[0] += u32::from(p[0]);
                sum[1] += u32::from(p[1]);
                sum[2] += u32::from(p[2]);
            }
            let n = (b - a) as f32;
            for c in 0..3 {
                rows[c][y * sw + x] = sum[c] as f32 / n;
            }
        }
    }
    let channels = rows.map(|tmp| column_average(&tmp, sw, h, sh));
    (Plane { w, h, px: luma }, channels)
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

/// 5-tap binomial blur (σ ≈ 1): takes off sensor noise and paper texture
/// before differentiating.
pub(crate) fn blur(src: &Plane) -> Plane {
    const K: [f32; 5] = [1.0 / 16.0, 4.0 / 16.0, 6.0 / 16.0, 4.0 / 16.0, 1.0 / 16.0];
    let (w, h) = (src.w, src.h);
    let clampi = |v: isize, n: usize| v.clamp(0, n as isize - 1) as usize;
    let mut tmp = vec![0f32; w * h];
    for y in 0..h {
        let row = &src.px[y * w..(y + 1) * w];
        let out = &mut tmp[y * w..(y + 1) * w];
        for x in 0..w {
            out[x] = if x >= 2 && x + 2 < w {
                // Interior: no clamping (the bulk of the work).
                K[0] * row[x - 2]
                    + K[1] * row[x - 1]
                    + K[2] * row[x]
                    + K[3] * row[x + 1]
                    + K[4] * row[x + 2]
            } else {
                K.iter()
                    .enumerate()
                    .map(|(k, kv)| kv * row[clampi(x as isize + k as isize - 2, w)])
                    .sum()
            };
        }
    }
    let mut px = vec![0f32; w * h];
    for y in 0..h {
        let rows: [usize; 5] = std::array::from_fn(|k| clampi(y as isize + k as isize - 2, h) * w);
        let out = &mut px[y * w..(y + 1) * w];
        for (k, kv) in K.iter().enumerate() {
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
