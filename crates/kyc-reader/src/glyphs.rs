//! Finding a row of printed or embossed glyphs without OCR: an adaptive
//! threshold in one polarity, connected components, and the row of
//! same-height components that a card number makes.
//!
//! Why: Tesseract's page layout misses or merges card digits on textured
//! card backgrounds, and reading the whole band mixes the number with the
//! expiry and the small BIN line. Locating the glyphs first lets OCR see
//! only the number, cleanly binarised, and tells how many glyphs there are
//! and how they group (4-4-4-4, 4-6-5), which checks what OCR returns.

use image::{GrayImage, Luma};

/// A connected component's bounding box, in pixels of the image it came
/// from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Glyph {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
    /// Ink pixels in the component.
    pub area: u32,
}

impl Glyph {
    fn right(&self) -> u32 {
        self.x + self.w
    }
    fn centre_y(&self) -> f64 {
        f64::from(self.y) + f64::from(self.h) / 2.0
    }
}

/// Ink pixels (255) where the image is darker (`light_text` false) or
/// lighter (`light_text` true) than the mean of the `window`-wide square
/// around it by more than `k` grey levels. A local mean copes with the
/// gradients and pictures behind card numbers.
pub fn ink_mask(gray: &GrayImage, light_text: bool, window: u32, k: i32) -> GrayImage {
    let (w, h) = gray.dimensions();
    let (wu, hu) = (w as usize, h as usize);
    let px = gray.as_raw();
    let stride = wu + 1;
    // The integral image in wrapping 32-bit sums: a window's sum, taken as
    // differences of them, is exact whenever the true sum fits in 32 bits
    // (255 x a window of at most 4095 x 4095, the limit below), however
    // far the integral itself has wrapped. Half the width of 64-bit sums,
    // and the comparisons below vectorise.
    let mut integral = vec![0u32; stride * (hu + 1)];
    for y in 0..hu {
        let mut row = 0u32;
        let (above, here) = integral[y * stride..(y + 2) * stride].split_at_mut(stride);
        for (x, &v) in px[y * wu..(y + 1) * wu].iter().enumerate() {
            row = row.wrapping_add(u32::from(v));
            here[x + 1] = above[x + 1].wrapping_add(row);
        }
    }
    let r = (window / 2).clamp(1, 2047) as usize;
    let k = i64::from(k);
    // `p` against the floored mean `sum / area`, without dividing:
    // p < mean - k  <=>  (p + k + 1) * area <= sum, and
    // p > mean + k  <=>  sum < (p - k) * area (for p - k >= 1).
    let is_ink = |p: u8, sum: u32, area: usize| {
        let (sum, p, area) = (i64::from(sum), i64::from(p), area as i64);
        if light_text {
            p - k >= 1 && sum < (p - k) * area
        } else {
            (p + k + 1) * area <= sum
        }
    };
    let mut out = vec![0u8; wu * hu];
    for y in 0..hu {
        let (y0, y1) = (y.saturating_sub(r), (y + r + 1).min(hu));
        let (top, bottom) = (&integral[y0 * stride..], &integral[y1 * stride..]);
        let line = &px[y * wu..(y + 1) * wu];
        let row = &mut out[y * wu..(y + 1) * wu];
        let window_sum = |x0: usize, x1: usize| {
            bottom[x1]
                .wrapping_add(top[x0])
                .wrapping_sub(top[x1])
                .wrapping_sub(bottom[x0])
        };
        // Where the window is whole (most of the row) its area is fixed and
        // nothing needs clamping; only the ends take the general path.
        let (inner_from, inner_to) = (r.min(wu), wu.saturating_sub(r + 1).max(r.min(wu)));
        for x in (0..inner_from).chain(inner_to..wu) {
            let (x0, x1) = (x.saturating_sub(r), (x + r + 1).min(wu));
            row[x] = 255 * u8::from(is_ink(line[x], window_sum(x0, x1), (x1 - x0) * (y1 - y0)));
        }
        let area = (2 * r + 1) * (y1 - y0);
        // Written as a select, not a branch: ink and paper alternate
        // every few pixels across print.
        for x in inner_from..inner_to {
            row[x] = 255 * u8::from(is_ink(line[x], window_sum(x - r, x + r + 1), area));
        }
    }
    GrayImage::from_raw(w, h, out).expect("w x h bytes")
}

/// 8-connected components of the ink (non-zero) pixels, in the order of
/// their first pixel (row-major).
pub fn components(mask: &GrayImage) -> Vec<Glyph> {
    let (w, h) = mask.dimensions();
    let (wu, hu) = (w as usize, h as usize);
    // Ink not yet taken into a component, with a one-pixel border of no
    // ink around it so a neighbour never needs a bounds test; taking a
    // pixel clears it.
    let stride = wu + 2;
    let mut ink = vec![false; stride * (hu + 2)];
    for (row, src) in ink[stride..]
        .chunks_exact_mut(stride)
        .zip(mask.as_raw().chunks_exact(wu.max(1)))
    {
        for (i, &v) in row[1..=wu].iter_mut().zip(src) {
            *i = v != 0;
        }
    }
    // Each neighbour as (padded-index offset, dx, dy).
    let neighbours: [(isize, isize, isize); 8] = {
        let s = stride as isize;
        [
            (-s - 1, -1, -1),
            (-s, 0, -1),
            (-s + 1, 1, -1),
            (-1, -1, 0),
            (1, 1, 0),
            (s - 1, -1, 1),
            (s, 0, 1),
            (s + 1, 1, 1),
        ]
    };
    let mut out = Vec::new();
    // (padded index, x, y): the pixel (x, y) is at (y + 1) * stride + x + 1.
    let mut stack: Vec<(usize, usize, usize)> = Vec::new();
    for sy in 0..hu {
        for sx in 0..wu {
            let start = (sy + 1) * stride + sx + 1;
            if !ink[start] {
                continue;
            }
            ink[start] = false;
            stack.push((start, sx, sy));
            let (mut x0, mut y0, mut x1, mut y1, mut area) = (sx, sy, sx, sy, 0u32);
            while let Some((i, x, y)) = stack.pop() {
                area += 1;
                (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
                for (d, dx, dy) in neighbours {
                    let j = i.wrapping_add_signed(d);
                    if ink[j] {
                        ink[j] = false;
                        // Inside the image: the border holds no ink.
                        stack.push((j, x.wrapping_add_signed(dx), y.wrapping_add_signed(dy)));
                    }
                }
            }
            out.push(Glyph {
                x: x0 as u32,
                y: y0 as u32,
                w: (x1 - x0 + 1) as u32,
                h: (y1 - y0 + 1) as u32,
                area,
            });
        }
    }
    out
}

/// The components that could be digits `min_h`..=`max_h` pixels tall:
/// narrower than tall, down to a twelfth of the height (a `1` drawn as a
/// bar, which may be solid), not a solid block, not a speck.
pub fn digit_like(glyphs: &[Glyph], min_h: u32, max_h: u32) -> Vec<Glyph> {
    glyphs
        .iter()
        .copied()
        .filter(|g| {
            let fill = f64::from(g.area) / f64::from(g.w * g.h);
            let bar = g.w * 4 < g.h;
            (min_h..=max_h).contains(&g.h)
                && g.w * 10 <= g.h * 11
                && g.w * 12 >= g.h
                && (fill < 0.85 || bar)
        })
        .collect()
}

/// The strongest row of glyphs of about one height: a chain grown from
/// each glyph to its nearest neighbour on either side whose centre is
/// within a third of the seed's height of the last one's (so the row may
/// slope a few degrees, as on a card photographed slightly turned), with
/// heights within 35 % of the seed's and gaps under two heights. Rows
/// are weighed by the sum of their glyph heights squared
/// ([`row_weight`]), so four number digits (the largest print on a card
/// face) beat a five-glyph expiry date a sixth smaller. Glyphs come back
/// left to right.
pub fn longest_row(glyphs: &[Glyph]) -> Vec<Glyph> {
    let mut best: Vec<Glyph> = Vec::new();
    let mut best_key = (0u64, 0usize);
    for seed in glyphs {
        let fits = |from: &Glyph, g: &Glyph| {
            (g.centre_y() - from.centre_y()).abs() * 3.0 <= f64::from(seed.h)
                && g.h * 100 >= seed.h * 65
                && g.h * 65 <= seed.h * 100
        };
        let mut found = vec![*seed];
        let mut last = *seed;
        while let Some(next) = glyphs
            .iter()
            .filter(|g| g.x > last.x && g.x <= last.right() + 2 * seed.h && fits(&last, g))
            .min_by_key(|g| g.x)
        {
            found.push(*next);
            last = *next;
        }
        let mut first = *seed;
        while let Some(prev) = glyphs
            .iter()
            .filter(|g| g.x < first.x && g.right() + 2 * seed.h >= first.x && fits(&first, g))
            .max_by_key(|g| g.x)
        {
            found.insert(0, *prev);
            first = *prev;
        }
        let key = (row_weight(&found), found.len());
        if key > best_key {
            best_key = key;
            best = found;
        }
    }
    best
}

/// The top and bottom edges of a row as straight lines, `(a, b)` for
/// `y = a + b x`: slopes are the median of the slopes between glyphs
/// four apart (or the ends), offsets the median of what is left. Medians
/// keep a broken or added glyph from tilting the line.
pub fn row_edges(glyphs: &[Glyph]) -> ((f64, f64), (f64, f64)) {
    let fit = |edge: &dyn Fn(&Glyph) -> f64| {
        let centre = |g: &Glyph| f64::from(g.x) + f64::from(g.w) / 2.0;
        let step = 4.min(glyphs.len().saturating_sub(1)).max(1);
        let mut slopes: Vec<f64> = glyphs
            .iter()
            .zip(glyphs.iter().skip(step))
            .filter(|(a, b)| centre(b) > centre(a))
            .map(|(a, b)| (edge(b) - edge(a)) / (centre(b) - centre(a)))
            .collect();
        slopes.sort_by(f64::total_cmp);
        let slope = slopes.get(slopes.len() / 2).copied().unwrap_or(0.0);
        let mut offsets: Vec<f64> = glyphs.iter().map(|g| edge(g) - slope * centre(g)).collect();
        offsets.sort_by(f64::total_cmp);
        (
            offsets.get(offsets.len() / 2).copied().unwrap_or(0.0),
            slope,
        )
    };
    (
        fit(&|g: &Glyph| f64::from(g.y)),
        fit(&|g: &Glyph| f64::from(g.y + g.h)),
    )
}

/// How much a row looks like the card number: the sum of its glyph
/// heights squared. The number is the largest print in the band, so
/// height counts for more than the number of glyphs.
pub fn row_weight(glyphs: &[Glyph]) -> u64 {
    glyphs.iter().map(|g| u64::from(g.h) * u64::from(g.h)).sum()
}

/// Splits a row (left to right) into groups at gaps wider than 45 % of
/// the glyph height: card numbers leave about one glyph between groups
/// and a fifth of one between digits.
pub fn split_groups(row: &[Glyph]) -> Vec<Vec<Glyph>> {
    let h = median(row.iter().map(|g| g.h));
    let mut groups: Vec<Vec<Glyph>> = Vec::new();
    for g in row {
        match groups.last_mut() {
            Some(group)
                if group
                    .last()
                    .is_some_and(|l| g.x <= l.right() + h * 45 / 100) =>
            {
                group.push(*g)
            }
            _ => groups.push(vec![*g]),
        }
    }
    groups
}

/// The bounding box (x, y, w, h) of some glyphs.
pub fn bounds(glyphs: &[Glyph]) -> Option<(u32, u32, u32, u32)> {
    let x0 = glyphs.iter().map(|g| g.x).min()?;
    let y0 = glyphs.iter().map(|g| g.y).min()?;
    let x1 = glyphs.iter().map(Glyph::right).max()?;
    let y1 = glyphs.iter().map(|g| g.y + g.h).max()?;
    Some((x0, y0, x1 - x0, y1 - y0))
}

/// The number row of a card face found by geometry: its glyphs in band
/// coordinates, the polarity it was found in, the band and its ink mask.
#[derive(Debug, Clone)]
pub struct NumberRow {
    pub glyphs: Vec<Glyph>,
    /// Light glyphs on a darker card (embossed or printed white).
    pub light: bool,
    /// The grey band the row was found in.
    pub band: GrayImage,
    /// The band's ink mask in the row's polarity (ink = 255), the one the
    /// row was found in (maybe without thin lines, see `number_row`).
    pub mask: GrayImage,
    /// Where the band starts on the card.
    pub band_y: u32,
}

/// Finds the number row in the band where ID-1 cards print the number
/// (38–78 % of the height of `card`, an upright card face), in both
/// polarities: embossed and printed digits are light on dark cards and
/// dark on light ones. `None` without a row of four or more glyphs.
pub fn number_row(card: &GrayImage) -> Option<NumberRow> {
    let (w, h) = card.dimensions();
    if w < 16 || h < 16 {
        return None;
    }
    let band_y = h * 38 / 100;
    let band = image::imageops::crop_imm(card, 0, band_y, w, h * 40 / 100).to_image();
    let (min_h, max_h) = (h * 35 / 1000, h * 12 / 100);
    let window = (h / 10) | 1;
    let mut best: Option<NumberRow> = None;
    for light in [true, false] {
        let raw = ink_mask(&band, light, window, 12);
        // A glyph touched by a thin line of the card's artwork (a swoosh
        // crossing the number) is one big component; the mask without its
        // thin lines gives it back. The plain mask is tried first and
        // wins ties.
        let cleaned = without_thin_lines(&raw, 3);
        for mask in [raw, cleaned] {
            // A component cut by the band's edge is not a whole glyph
            // (the chip, the contactless mark above the number).
            let whole: Vec<Glyph> = digit_like(&components(&mask), min_h, max_h)
                .into_iter()
                .filter(|g| g.y > 0 && g.y + g.h < mask.height())
                .collect();
            let found = longest_row(&whole);
            let glyphs = complete_row(&found, w);
            let better = best
                .as_ref()
                .is_none_or(|b| row_weight(&glyphs) > row_weight(&b.glyphs));
            if better && glyphs.len() >= 4 {
                best = Some(NumberRow {
                    glyphs,
                    light,
                    band: band.clone(),
                    mask,
                    band_y,
                });
            }
        }
    }
    best
}

/// The mask without ink that is at most `thin` pixels thick both across
/// and along (lines one or two pixels wide, at any slope); strokes of
/// digits are thicker one way or the other.
pub fn without_thin_lines(mask: &GrayImage, thin: u32) -> GrayImage {
    let (w, h) = mask.dimensions();
    let ink = |x: u32, y: u32| mask.get_pixel(x, y)[0] != 0;
    let mut hrun = vec![0u32; (w * h) as usize];
    for y in 0..h {
        for (start, end) in ink_runs(w, |x| ink(x, y)) {
            for i in start..end {
                hrun[(y * w + i) as usize] = end - start;
            }
        }
    }
    let mut out = mask.clone();
    for x in 0..w {
        for (start, end) in ink_runs(h, |y| ink(x, y)) {
            for i in start..end {
                if (end - start).min(hrun[(i * w + x) as usize]) <= thin {
                    out.put_pixel(x, i, Luma([0]));
                }
            }
        }
    }
    out
}

/// The maximal runs `[start, end)` of positions `0..len` where `ink` holds.
fn ink_runs(len: u32, ink: impl Fn(u32) -> bool) -> Vec<(u32, u32)> {
    let mut runs = Vec::new();
    let mut at = 0;
    while at < len {
        if !ink(at) {
            at += 1;
            continue;
        }
        let start = at;
        while at < len && ink(at) {
            at += 1;
        }
        runs.push((start, at));
    }
    runs
}

/// Group layouts card numbers are printed in: 16 digits in fours (Visa,
/// Mastercard, most others), 15 as 4-6-5 (Amex), 14 as 4-6-4 (Diners),
/// 19 as four fours and a three.
const LAYOUTS: [&[usize]; 4] = [&[4, 4, 4, 4], &[4, 6, 5], &[4, 6, 4], &[4, 4, 4, 4, 3]];

/// Most glyphs `complete_row` may add.
const MAX_MISSING: usize = 3;

/// Repairs a located number row against the fixed-pitch layouts card
/// numbers use: glyphs much shorter or taller than the row's median
/// (a logo, a hologram edge) are dropped, and glyph boxes are added where
/// a layout predicts a digit that the component search missed (a digit
/// broken into pieces too short to count, a `1` too thin to pass as a
/// glyph, a digit touching a logo). Card digits sit on a fixed pitch and
/// groups are split by a fixed gap, so the layout that places every found
/// glyph within a third of a pitch of a predicted position, missing the
/// fewest, tells where the missing ones are. Left as it is when no layout
/// fits (ordinary proportional type) or more than three would be added.
pub fn complete_row(glyphs: &[Glyph], width: u32) -> Vec<Glyph> {
    let h_med = median(glyphs.iter().map(|g| g.h));
    let kept: Vec<Glyph> = glyphs
        .iter()
        .copied()
        .filter(|g| g.h * 100 >= h_med * 82 && g.h * 100 <= h_med * 118)
        .collect();
    let groups = split_groups(&kept);
    let centre = |g: &Glyph| f64::from(g.x) + f64::from(g.w) / 2.0;
    let mut steps: Vec<f64> = groups
        .iter()
        .flat_map(|gr| gr.windows(2).map(|p| centre(&p[1]) - centre(&p[0])))
        .collect();
    let mut gaps: Vec<f64> = groups
        .windows(2)
        .filter_map(|p| Some(centre(p[1].first()?) - centre(p[0].last()?)))
        .collect();
    if steps.len() < 3 || gaps.is_empty() {
        return kept;
    }
    steps.sort_by(f64::total_cmp);
    gaps.sort_by(f64::total_cmp);
    let pitch = steps[steps.len() / 2];
    let gap = gaps[gaps.len() / 2];
    if pitch <= 0.0 || gap < pitch * 1.2 {
        return kept;
    }
    let centres: Vec<f64> = kept.iter().map(centre).collect();
    let tol = pitch / 3.0;
    // (missing, layout index, offset) of the best fit.
    let mut best: Option<(usize, usize, f64)> = None;
    for (li, layout) in LAYOUTS.iter().enumerate() {
        let expected = layout_positions(layout, pitch, gap);
        if expected.len() < kept.len() || expected.len() - kept.len() > MAX_MISSING {
            continue;
        }
        for &c in &centres {
            for &e in &expected {
                let offset = c - e;
                let Some(residual) = match_all(&centres, &expected, offset, tol) else {
                    continue;
                };
                let missing = expected.len() - kept.len();
                let offset = offset + residual;
                if best.is_none_or(|(m, _, _)| missing < m) {
                    best = Some((missing, li, offset));
                }
            }
        }
    }
    let Some((missing, li, offset)) = best else {
        return kept;
    };
    if missing == 0 {
        return kept;
    }
    let w_med = median(kept.iter().map(|g| g.w));
    let ((top_a, top_b), _) = row_edges(&kept);
    let mut out = kept.clone();
    for e in layout_positions(LAYOUTS[li], pitch, gap) {
        let c = e + offset;
        if centres.iter().any(|&k| (k - c).abs() <= tol) {
            continue;
        }
        let x = c - f64::from(w_med) / 2.0;
        if x < 0.0 || x + f64::from(w_med) > f64::from(width) {
            return kept;
        }
        out.push(Glyph {
            x: x.round() as u32,
            y: (top_a + top_b * c).round().max(0.0) as u32,
            w: w_med,
            h: h_med,
            area: 0,
        });
    }
    out.sort_by_key(|g| g.x);
    out
}

/// Whether groups of these sizes are a card-number layout (see
/// [`LAYOUTS`]) or a lone group of four (the last four, the rest masked
/// or covered).
pub fn is_card_layout(group_sizes: &[usize]) -> bool {
    group_sizes == [4] || LAYOUTS.contains(&group_sizes)
}

/// Glyph centres of a layout from the first one: `pitch` apart within a
/// group, `gap` from a group's last glyph to the next group's first.
fn layout_positions(layout: &[usize], pitch: f64, gap: f64) -> Vec<f64> {
    let mut out = Vec::new();
    let mut x = 0.0;
    for (k, &n) in layout.iter().enumerate() {
        if k > 0 {
            x += gap - pitch;
        }
        for _ in 0..n {
            out.push(x);
            x += pitch;
        }
    }
    out
}

/// Whether every centre lies within `tol` of its own expected position
/// (shifted by `offset`); the mean residual when it does.
fn match_all(centres: &[f64], expected: &[f64], offset: f64, tol: f64) -> Option<f64> {
    let mut used = vec![false; expected.len()];
    let mut residual = 0.0;
    for &c in centres {
        let (j, d) = expected
            .iter()
            .enumerate()
            .filter(|(j, _)| !used[*j])
            .map(|(j, &e)| (j, c - (e + offset)))
            .min_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))?;
        if d.abs() > tol {
            return None;
        }
        used[j] = true;
        residual += d;
    }
    Some(residual / centres.len().max(1) as f64)
}

fn median(values: impl Iterator<Item = u32>) -> u32 {
    let mut v: Vec<u32> = values.collect();
    v.sort_unstable();
    v.get(v.len() / 2).copied().unwrap_or(0)
}

#[cfg(test)]
#[path = "glyphs/tests.rs"]
mod tests;
