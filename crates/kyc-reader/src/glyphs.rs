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
    let mut integral = vec![0u64; (wu + 1) * (hu + 1)];
    for y in 0..hu {
        let mut row = 0u64;
        for x in 0..wu {
            row += u64::from(gray.get_pixel(x as u32, y as u32)[0]);
            integral[(y + 1) * (wu + 1) + x + 1] = integral[y * (wu + 1) + x + 1] + row;
        }
    }
    let r = (window / 2).max(1) as usize;
    let mut out = GrayImage::new(w, h);
    for y in 0..hu {
        let (y0, y1) = (y.saturating_sub(r), (y + r + 1).min(hu));
        for x in 0..wu {
            let (x0, x1) = (x.saturating_sub(r), (x + r + 1).min(wu));
            let sum = integral[y1 * (wu + 1) + x1] + integral[y0 * (wu + 1) + x0]
                - integral[y0 * (wu + 1) + x1]
                - integral[y1 * (wu + 1) + x0];
            let mean = (sum / ((x1 - x0) * (y1 - y0)) as u64) as i32;
            let p = i32::from(gray.get_pixel(x as u32, y as u32)[0]);
            let ink = if light_text {
                p > mean + k
            } else {
                p < mean - k
            };
            if ink {
                out.put_pixel(x as u32, y as u32, Luma([255]));
            }
        }
    }
    out
}

/// 8-connected components of the ink (non-zero) pixels.
pub fn components(mask: &GrayImage) -> Vec<Glyph> {
    let (w, h) = mask.dimensions();
    let mut seen = vec![false; (w as usize) * (h as usize)];
    let idx = |x: u32, y: u32| (y as usize) * (w as usize) + x as usize;
    let mut out = Vec::new();
    let mut stack = Vec::new();
    for sy in 0..h {
        for sx in 0..w {
            if seen[idx(sx, sy)] || mask.get_pixel(sx, sy)[0] == 0 {
                continue;
            }
            seen[idx(sx, sy)] = true;
            stack.push((sx, sy));
            let (mut x0, mut y0, mut x1, mut y1, mut area) = (sx, sy, sx, sy, 0u32);
            while let Some((x, y)) = stack.pop() {
                area += 1;
                (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
                for dy in -1i64..=1 {
                    for dx in -1i64..=1 {
                        let (nx, ny) = (i64::from(x) + dx, i64::from(y) + dy);
                        if nx < 0 || ny < 0 || nx >= i64::from(w) || ny >= i64::from(h) {
                            continue;
                        }
                        let (nx, ny) = (nx as u32, ny as u32);
                        if !seen[idx(nx, ny)] && mask.get_pixel(nx, ny)[0] != 0 {
                            seen[idx(nx, ny)] = true;
                            stack.push((nx, ny));
                        }
                    }
                }
            }
            out.push(Glyph {
                x: x0,
                y: y0,
                w: x1 - x0 + 1,
                h: y1 - y0 + 1,
                area,
            });
        }
    }
    out
}

/// The components that could be digits `min_h`..=`max_h` pixels tall:
/// narrower than tall (a `1` is thin), not a solid block, not a speck.
pub fn digit_like(glyphs: &[Glyph], min_h: u32, max_h: u32) -> Vec<Glyph> {
    glyphs
        .iter()
        .copied()
        .filter(|g| {
            let fill = f64::from(g.area) / f64::from(g.w * g.h);
            (min_h..=max_h).contains(&g.h) && g.w * 10 <= g.h * 11 && g.w * 8 >= g.h && fill < 0.85
        })
        .collect()
}

/// The strongest horizontal row of glyphs of about one height: centres
/// within a third of the height, heights within 35 %, neighbours closer
/// than two heights. Rows are weighed by the sum of their glyph heights,
/// so four number digits (the largest print on a card face) beat a
/// five-glyph expiry date. Glyphs come back left to right.
pub fn longest_row(glyphs: &[Glyph]) -> Vec<Glyph> {
    let mut best: Vec<Glyph> = Vec::new();
    let mut best_key = (0u32, 0usize);
    for seed in glyphs {
        let mut row: Vec<Glyph> = glyphs
            .iter()
            .copied()
            .filter(|g| {
                (g.centre_y() - seed.centre_y()).abs() * 3.0 <= f64::from(seed.h)
                    && g.h * 100 >= seed.h * 65
                    && g.h * 65 <= seed.h * 100
            })
            .collect();
        row.sort_by_key(|g| g.x);
        // Split at wide gaps and keep the chain holding the seed.
        let mut chain: Vec<Glyph> = Vec::new();
        let mut found = Vec::new();
        for g in row {
            if let Some(last) = chain.last() {
                if g.x > last.right() + 2 * seed.h {
                    if chain.contains(seed) {
                        found = std::mem::take(&mut chain);
                    }
                    chain.clear();
                }
            }
            chain.push(g);
        }
        if chain.contains(seed) {
            found = chain;
        }
        let key = (found.iter().map(|g| g.h).sum::<u32>(), found.len());
        if key > best_key {
            best_key = key;
            best = found;
        }
    }
    best
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

fn median(values: impl Iterator<Item = u32>) -> u32 {
    let mut v: Vec<u32> = values.collect();
    v.sort_unstable();
    v.get(v.len() / 2).copied().unwrap_or(0)
}

#[cfg(test)]
#[path = "glyphs/tests.rs"]
mod tests;
