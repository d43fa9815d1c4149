//! Image-quality measures on a document region. Each is chosen to be
//! insensitive to what the document looks like (contrast, layout, colour
//! scheme) and sensitive to the one defect it stands for.

mod glare;

pub use glare::{blobs, glare_with, Blob, CLIPPED, SOLID_RADIUS};

use crate::document::Region;

/// Everything measured on one region.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Measures {
    /// 0..1, Crete et al.'s "blur effect": how little a further blur
    /// changes the image (0 = crisp, 1 = already as blurred as it gets).
    /// Contrast-invariant, and the worse of the two axes, so motion blur in
    /// either direction shows.
    pub blur: f64,
    /// Mean width in pixels of the strong edges along the worse axis.
    /// Catches long motion blur, which the blur effect underrates on fine
    /// print: the derivative of a box-blurred texture stays rough.
    pub edge_width: f64,
    /// Mean luminance, 0..1.
    pub brightness: f64,
    /// 5th / 95th luminance percentiles, 0..1: the document's ink and
    /// white levels.
    pub dark_level: f64,
    pub white_level: f64,
    /// 80th luminance percentile, 0..1: the document's paper, which glare
    /// (a minority of the area) does not move.
    pub paper_level: f64,
    /// Share of the region that is clipped to near-white.
    pub clipped: f64,
    /// Share of the region clearly darker than paper: print, text, a photo. On a
    /// page text covers a few percent, below what a percentile can see.
    pub ink: f64,
    /// Share of the region covered by the largest specular highlight: the
    /// biggest connected patch clipped in every channel (see `glare.rs`).
    pub glare: f64,
    /// Hasler and Süsstrunk's colourfulness (0 for grey, ~15 dull, 40+ vivid).
    pub colourfulness: f64,
}

pub fn measure(region: &Region) -> Measures {
    let luma = luminance(region);
    let (brightness, [dark_level, paper_level, white_level], clipped, ink) =
        exposure(&luma, &region.valid);
    Measures {
        blur: blur_effect(&luma, &region.valid, region.rgb.width() as usize),
        edge_width: edge_width(&luma, &region.valid, region.rgb.width() as usize),
        brightness,
        dark_level,
        white_level,
        paper_level,
        clipped,
        ink,
        glare: glare::glare(region),
        colourfulness: colourfulness(region),
    }
}

fn luminance(region: &Region) -> Vec<f32> {
    region
        .rgb
        .pixels()
        .map(|p| 0.299 * f32::from(p.0[0]) + 0.587 * f32::from(p.0[1]) + 0.114 * f32::from(p.0[2]))
        .collect()
}

/// Luminance (0..255) below which a pixel counts as ink: faint thermal
/// print on receipts reads around 130-150 and is still legible.
const INK_BELOW: usize = 170;

/// Mean, the 5th, 80th and 95th percentiles, the clipped and the ink shares.
fn exposure(luma: &[f32], valid: &[bool]) -> (f64, [f64; 3], f64, f64) {
    // Four histograms and eight sums, one per lane, merged at the end: a
    // single histogram made each pixel wait for the one before whenever
    // both fell in one bin (most of a page is one shade of paper), and a
    // single sum made every add wait. The counts are integers; the f64
    // sum of these f32 values moves, if at all, in its last bits with the
    // order (exact unless near-black pixels with sub-2^-13 bits meet a
    // total above 2^40), far below the brightness metric's third decimal.
    let mut hists = [[0u32; 256]; 4];
    let mut sums = [0.0f64; 8];
    for (ls, oks) in luma.chunks(8).zip(valid.chunks(8)) {
        for (lane, (&l, &ok)) in ls.iter().zip(oks).enumerate() {
            // Non-negative: adding a half and truncating is `round`, inlined.
            hists[lane % 4][((l + 0.5) as usize).min(255)] += u32::from(ok);
            sums[lane] += if ok { f64::from(l) } else { 0.0 };
        }
    }
    let mut hist = [0u64; 256];
    for part in &hists {
        for (total, &c) in hist.iter_mut().zip(part) {
            *total += u64::from(c);
        }
    }
    let sum: f64 = sums.iter().sum();
    let n: u64 = hist.iter().sum();
    if n == 0 {
        return (0.0, [0.0; 3], 0.0, 0.0);
    }
    let pct = |q: f64| {
        let target = (q * n as f64).ceil() as u64;
        let mut acc = 0;
        for (i, &c) in hist.iter().enumerate() {
            acc += c;
            if acc >= target {
                return i as f64 / 255.0;
            }
        }
        1.0
    };
    let clipped = hist[250..].iter().sum::<u64>() as f64 / n as f64;
    let ink = hist[..INK_BELOW].iter().sum::<u64>() as f64 / n as f64;
    (
        sum / n as f64 / 255.0,
        [pct(0.05), pct(0.80), pct(0.95)],
        clipped,
        ink,
    )
}

/// Crete, Dolmiere, Ladret, Nicolas (2007), "The blur effect": compares the
/// image with a copy blurred along each axis by a 9-tap box; a sharp image
/// loses much of its neighbour-difference energy, a blurred one little.
///
/// Both axes are walked row by row (columns keep their running sums side
/// by side), so the plane is read in memory order: walking down each column
/// cost as much as the rest of the quality measures together.
fn blur_effect(luma: &[f32], valid: &[bool], width: usize) -> f64 {
    if width < 12 || luma.len() < width * 12 {
        return 1.0;
    }
    let height = luma.len() / width;
    let ratio = |(s_f, s_v): (f64, f64)| {
        if s_f <= f64::EPSILON {
            1.0
        } else {
            (s_f - s_v) / s_f
        }
    };
    // Each neighbour pair adds its own difference and what the box blur
    // takes off it, into one pair of sums per column: the adds of a row
    // are independent of each other (vectorised), where a single running
    // sum made every pixel wait for the one before. A pair with a pixel
    // outside the photo is multiplied by zero rather than branched on.
    let pair = |ok: bool, d_f: f32, d_b: f32| {
        let m = f32::from(u8::from(ok));
        (d_f * m, (d_f - d_b).max(0.0) * m)
    };
    let (mut sum_f, mut sum_v) = (vec![0.0f64; width], vec![0.0f64; width]);
    let mut boxed = vec![0.0f32; width];
    for (line, ok) in luma.chunks_exact(width).zip(valid.chunks_exact(width)) {
        // Centred 9-tap box by a running sum; the first and last 4 stay 0.
        let mut acc: f32 = line[..9].iter().sum();
        boxed[4] = acc / 9.0;
        for k in 5..width - 4 {
            acc += line[k + 4] - line[k - 5];
            boxed[k] = acc / 9.0;
        }
        for k in 5..width - 4 {
            let (f, v) = pair(
                ok[k] && ok[k - 1],
                (line[k] - line[k - 1]).abs(),
                (boxed[k] - boxed[k - 1]).abs(),
            );
            sum_f[k] += f64::from(f);
            sum_v[k] += f64::from(v);
        }
    }
    let rows = totals(&sum_f, &sum_v);
    // Columns: one running sum per column, advanced a row at a time.
    sum_f
        .iter_mut()
        .chain(sum_v.iter_mut())
        .for_each(|s| *s = 0.0);
    let mut acc = vec![0.0f32; width];
    for y in 0..9 {
        for (a, &v) in acc.iter_mut().zip(&luma[y * width..(y + 1) * width]) {
            *a += v;
        }
    }
    let mut prev: Vec<f32> = acc.iter().map(|a| a / 9.0).collect();
    let mut cur = vec![0.0f32; width];
    for k in 5..height - 4 {
        let (ahead, behind) = ((k + 4) * width, (k - 5) * width);
        let (here, above) = (k * width, (k - 1) * width);
        for x in 0..width {
            acc[x] += luma[ahead + x] - luma[behind + x];
            cur[x] = acc[x] / 9.0;
            let (f, v) = pair(
                valid[here + x] && valid[above + x],
                (luma[here + x] - luma[above + x]).abs(),
                (cur[x] - prev[x]).abs(),
            );
            sum_f[x] += f64::from(f);
            sum_v[x] += f64::from(v);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    let cols = totals(&sum_f, &sum_v);
    ratio(rows).max(ratio(cols))
}

/// The totals of two arrays of per-column sums, each added in column
/// order (the measures that keep their sums column-wise end here).
fn totals(a: &[f64], b: &[f64]) -> (f64, f64) {
    (a.iter().sum(), b.iter().sum())
}

/// A monotone intensity run being followed along a row or a column.
#[derive(Debug, Clone, Copy, Default)]
struct Run {
    sign: i8,
    len: f32,
    rise: f32,
}

impl Run {
    /// Takes the next step `g`; a run that ends having climbed at least 40
    /// grey levels adds its rise-weighted length to `sums`.
    #[inline]
    fn step(&mut self, g: f32, sums: &mut (f64, f64)) {
        let (next, weighted, rise) = self.after(g);
        *self = next;
        sums.0 += f64::from(weighted);
        sums.1 += f64::from(rise);
    }

    /// The run after step `g`, and what the step adds to the sums: the
    /// ended run's rise-weighted length and its rise (both 0 unless a run
    /// of at least 40 grey levels ended).
    ///
    /// Written without branches on the data (selects only, `&` not `&&`):
    /// on print and texture the sign flips every few pixels, and
    /// mispredicted branches were most of this measure's cost.
    #[inline]
    fn after(self, g: f32) -> (Run, f32, f32) {
        let s = i8::from(g > 1.0) - i8::from(g < -1.0);
        let a = g.abs();
        let goes_on = (s != 0) & (s == self.sign);
        let ends = !goes_on & (self.sign != 0) & (self.rise >= 40.0);
        let (weighted, rise) = if ends {
            (self.rise * self.len, self.rise)
        } else {
            (0.0, 0.0)
        };
        let next = Run {
            sign: s,
            len: if goes_on { self.len + 1.0 } else { 1.0 },
            rise: if goes_on { self.rise + a } else { a },
        };
        (next, weighted, rise)
    }
}

/// The rise-weighted mean length of monotone intensity runs that climb at
/// least 40 grey levels, along rows and along columns; the larger of the
/// two. Columns are followed side by side, a row at a time (memory order).
fn edge_width(luma: &[f32], valid: &[bool], width: usize) -> f64 {
    if width < 4 || luma.len() < width * 4 {
        return 0.0;
    }
    let height = luma.len() / width;
    let step = |i: usize, j: usize| {
        if valid[i] && valid[j] {
            luma[i] - luma[j]
        } else {
            0.0
        }
    };
    let mean = |(weighted, total): (f64, f64)| {
        if total > 0.0 {
            weighted / total
        } else {
            0.0
        }
    };
    // Rows are followed `ROWS_AT_ONCE` at a time, interleaved, each with
    // its own sums: a run's step waits on the step before it, so a row
    // followed alone kept the core idle most of the time; interleaved, the
    // rows' independent steps overlap.
    const ROWS_AT_ONCE: usize = 8;
    let mut rows = (0.0f64, 0.0f64);
    for y0 in (0..height).step_by(ROWS_AT_ONCE) {
        let n = ROWS_AT_ONCE.min(height - y0);
        let mut runs = [Run::default(); ROWS_AT_ONCE];
        let mut sums = [(0.0f64, 0.0f64); ROWS_AT_ONCE];
        for x in 1..width {
            for r in 0..n {
                let i = (y0 + r) * width + x;
                runs[r].step(step(i, i - 1), &mut sums[r]);
            }
        }
        for (weighted, total) in &sums[..n] {
            rows.0 += weighted;
            rows.1 += total;
        }
    }
    // Columns side by side, a row at a time, their runs and sums held
    // column-wise (one array per field) so a row's steps, independent of
    // each other, are done several at a time.
    let mut sign = vec![0i8; width];
    let mut len = vec![0.0f32; width];
    let mut rise = vec![0.0f32; width];
    let (mut weighted, mut risen) = (vec![0.0f64; width], vec![0.0f64; width]);
    for y in 1..height {
        let (here, above) = (
            &luma[y * width..][..width],
            &luma[(y - 1) * width..][..width],
        );
        let (ok_here, ok_above) = (
            &valid[y * width..][..width],
            &valid[(y - 1) * width..][..width],
        );
        for x in 0..width {
            let run = Run {
                sign: sign[x],
                len: len[x],
                rise: rise[x],
            };
            // [`step`] on row slices (no bounds test per pixel).
            let g = if ok_here[x] & ok_above[x] {
                here[x] - above[x]
            } else {
                0.0
            };
            let (next, w_add, r_add) = run.after(g);
            (sign[x], len[x], rise[x]) = (next.sign, next.len, next.rise);
            weighted[x] += f64::from(w_add);
            risen[x] += f64::from(r_add);
        }
    }
    let cols = totals(&weighted, &risen);
    mean(rows).max(mean(cols))
}

/// Hasler and Süsstrunk (2003), on the opponent axes rg = R-G and
/// yb = (R+G)/2 - B.
fn colourfulness(region: &Region) -> f64 {
    // Integer sums, exact (as the float sums of these integers and halves
    // were), which the compiler can vectorise: yb is summed doubled.
    // Blocks of 4096 pixels in 32-bit sums (which they cannot overflow:
    // 510^2 * 4096 < 2^31), the blocks in 64-bit ones.
    let (mut count, mut s_rg, mut s_yb2, mut q_rg, mut q_yb2) = (0i64, 0i64, 0i64, 0i64, 0i64);
    let rgb = region.rgb.as_raw();
    for (pixels, valid) in rgb.chunks(3 * 4096).zip(region.valid.chunks(4096)) {
        let (mut n, mut a, mut b2, mut qa, mut qb2) = (0i32, 0i32, 0i32, 0i32, 0i32);
        for (p, &v) in pixels.chunks_exact(3).zip(valid) {
            let m = i32::from(v);
            let [r, g, b] = [p[0], p[1], p[2]].map(i32::from);
            let rg = (r - g) * m;
            let yb2 = (r + g - 2 * b) * m;
            n += m;
            a += rg;
            b2 += yb2;
            qa += rg * rg;
            qb2 += yb2 * yb2;
        }
        count += i64::from(n);
        s_rg += i64::from(a);
        s_yb2 += i64::from(b2);
        q_rg += i64::from(qa);
        q_yb2 += i64::from(qb2);
    }
    if count == 0 {
        return 0.0;
    }
    let n = count as f64;
    let (s_rg, s_yb) = (s_rg as f64, s_yb2 as f64 / 2.0);
    let (q_rg, q_yb) = (q_rg as f64, q_yb2 as f64 / 4.0);
    let (m_rg, m_yb) = (s_rg / n, s_yb / n);
    let var_rg = (q_rg / n - m_rg * m_rg).max(0.0);
    let var_yb = (q_yb / n - m_yb * m_yb).max(0.0);
    (var_rg + var_yb).sqrt() + 0.3 * (m_rg * m_rg + m_yb * m_yb).sqrt()
}
