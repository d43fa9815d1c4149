//! Finding a machine-readable zone without OCR: two or three long rows of
//! evenly spaced, same-height glyphs.
//!
//! Why: most identity photos (ID card fronts, driving licences) have no
//! MRZ, and an OCR pass to find that out costs about a second per photo,
//! where the whole check should take tens of milliseconds. An MRZ is
//! printed in a fixed-pitch font (OCR-B) with no spaces (`<` fills them),
//! 30, 36 or 44 characters to a row; ordinary text is proportional and
//! broken by word gaps. So rows whose glyph centres sit on a regular grid
//! over 26+ positions, stacked two or three high with the same pitch, are
//! an MRZ; anything else is not worth reading.

use image::GrayImage;

use crate::glyphs::{components, ink_mask, Glyph};
use crate::prep::sample_line;

/// A detected zone, in pixels of the image searched.
#[derive(Debug, Clone, PartialEq)]
pub struct Zone {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
    /// How many MRZ rows were found (2 or 3).
    pub rows: usize,
    /// Median glyph height, pixels.
    pub glyph_h: u32,
    /// The rows, top to bottom, each as the straight line its glyph
    /// centres follow: a skewed scan is read row by row along these.
    pub lines: Vec<ZoneRow>,
}

/// One MRZ row: its horizontal extent and the line through its glyph
/// centres, `y = y_at_0 + slope * x`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ZoneRow {
    pub x0: u32,
    pub x1: u32,
    pub y_at_0: f64,
    pub slope: f64,
    pub pitch: f64,
    pub glyph_h: u32,
    /// Grid positions the row spans (30, 36 or 44 when none were lost).
    pub positions: usize,
}

impl ZoneRow {
    /// The height of the row's centre line at `x`.
    pub fn centre_y(&self, x: f64) -> f64 {
        self.y_at_0 + self.slope * x
    }
}

/// One row of glyphs on a regular grid.
#[derive(Debug, Clone, Copy)]
struct GridRow {
    x0: u32,
    x1: u32,
    y0: u32,
    y1: u32,
    cy: f64,
    pitch: f64,
    glyph_h: u32,
    positions: usize,
    /// Centre line `y = y_at_0 + slope * x` (see [`ZoneRow`]).
    y_at_0: f64,
    slope: f64,
}

/// Fewest character positions in a row: a TD1 row is 30, less a few the
/// threshold loses at the ends.
const MIN_POSITIONS: usize = 24;
/// Most: a TD3 row is 44, plus a few specks the threshold adds.
const MAX_POSITIONS: usize = 52;

/// The MRZ-like zone of `gray` (dark print on a light document), the
/// lowest one when there are several; `None` when nothing looks like one.
pub fn find_zone(gray: &GrayImage) -> Option<Zone> {
    let (w, h) = gray.dimensions();
    if w < 64 || h < 32 {
        return None;
    }
    // A window a few glyphs wide: MRZ glyphs are 1–4 % of the width of a
    // document photo scaled to ~1400 px.
    let window = (w / 24).clamp(15, 81);
    let mask = ink_mask(gray, false, window, 12);
    let max_h = (w / 12).max(8);
    let glyphs: Vec<Glyph> = components(&mask)
        .into_iter()
        .filter(|g| g.h >= 6 && g.h <= max_h && g.w <= g.h * 2 && g.area >= 8)
        .collect();
    let rows: Vec<GridRow> = chains(&glyphs).iter().filter_map(|c| grid_row(c)).collect();
    stack(&rows, w, h)
}

/// One line per long chain of glyphs, with the grid test's verdict: for
/// tuning the detector on real images (see `examples/zone_debug.rs`).
pub fn debug_rows(gray: &GrayImage) -> Vec<String> {
    let w = gray.width();
    let mask = ink_mask(gray, false, (w / 24).clamp(15, 81), 12);
    let max_h = (w / 12).max(8);
    let glyphs: Vec<Glyph> = components(&mask)
        .into_iter()
        .filter(|g| g.h >= 6 && g.h <= max_h && g.w <= g.h * 2 && g.area >= 8)
        .collect();
    chains(&glyphs)
        .iter()
        .map(|c| {
            let (x, y) = (c[0].x, c[0].y);
            format!("chain n={} at ({x},{y}): {:?}", c.len(), grid_row(c))
        })
        .collect()
}

/// Groups glyphs into left-to-right chains: each next glyph starts within
/// about one glyph height of the previous one's end, at the same centre
/// height (a third of a glyph; this follows a slight skew), with a height
/// within a factor of two (`<` is shorter than letters).
fn chains(glyphs: &[Glyph]) -> Vec<Vec<Glyph>> {
    let mut sorted: Vec<Glyph> = glyphs.to_vec();
    sorted.sort_by_key(|g| g.x);
    let mut used = vec![false; sorted.len()];
    let mut out = Vec::new();
    for start in 0..sorted.len() {
        if used[start] {
            continue;
        }
        used[start] = true;
        let mut chain = vec![sorted[start]];
        let mut last = sorted[start];
        loop {
            let reach = last.x + last.w + last.h * 6 / 5 + 2;
            let cy = centre_y(&last);
            let from = sorted.partition_point(|g| g.x <= last.x);
            let next = (from..sorted.len())
                .take_while(|&i| sorted[i].x <= reach)
                .filter(|&i| {
                    let g = &sorted[i];
                    !used[i]
                        && (centre_y(g) - cy).abs() * 3.0 <= f64::from(last.h.max(g.h))
                        && g.h * 2 >= last.h
                        && g.h <= last.h * 2
                })
                .min_by_key(|&i| sorted[i].x);
            match next {
                Some(i) => {
                    used[i] = true;
                    last = sorted[i];
                    chain.push(last);
                }
                None => break,
            }
        }
        if chain.len() >= MIN_POSITIONS * 2 / 3 {
            out.push(chain);
        }
    }
    out
}

/// How many glyphs sit within a quarter pitch of the grid through
/// `anchor`, one per grid position, and how many positions those span.
fn on_grid(chain: &[Glyph], anchor: f64, pitch: f64) -> (usize, usize) {
    let mut ks: Vec<i64> = chain
        .iter()
        .filter_map(|g| {
            let k_f = (centre_x(g) - anchor) / pitch;
            let k = k_f.round();
            ((k_f - k).abs() <= 0.25).then_some(k as i64)
        })
        .collect();
    ks.dedup();
    match (ks.first(), ks.last()) {
        (Some(a), Some(b)) => (ks.len(), (b - a).unsigned_abs() as usize + 1),
        _ => (0, 0),
    }
}

/// The grid through `anchor` at `pitch` refitted by least squares to
/// the glyphs within a third of a pitch of it: (anchor, pitch).
fn refit(chain: &[Glyph], anchor: f64, pitch: f64) -> (f64, f64) {
    let pts: Vec<(f64, f64)> = chain
        .iter()
        .filter_map(|g| {
            let k_f = (centre_x(g) - anchor) / pitch;
            let k = k_f.round();
            ((k_f - k).abs() <= 0.34).then_some((k, centre_x(g)))
        })
        .collect();
    let Some((fitted_anchor, fitted)) = least_squares(&pts) else {
        return (anchor, pitch);
    };
    if fitted < 3.0 || (fitted - pitch).abs() > pitch * 0.1 {
        return (anchor, pitch);
    }
    (fitted_anchor, fitted)
}

/// The least-squares line `y = a + b x` through `pts`, as (a, b); `None`
/// with under 5 points or all at one x.
pub(crate) fn least_squares(pts: &[(f64, f64)]) -> Option<(f64, f64)> {
    if pts.len() < 5 {
        return None;
    }
    let n = pts.len() as f64;
    let (mx, my) = (
        pts.iter().map(|p| p.0).sum::<f64>() / n,
        pts.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    if sxx < 1e-6 {
        return None;
    }
    let b = sxy / sxx;
    Some((my - b * mx, b))
}

fn centre_y(g: &Glyph) -> f64 {
    f64::from(g.y) + f64::from(g.h) / 2.0
}

pub(crate) fn centre_x(g: &Glyph) -> f64 {
    f64::from(g.x) + f64::from(g.w) / 2.0
}

/// A chain as an MRZ row when its glyph centres sit on a regular grid
/// (fixed pitch) over MIN_POSITIONS..=MAX_POSITIONS positions, most of
/// them filled, and its tall glyphs share one height.
fn grid_row(chain: &[Glyph]) -> Option<GridRow> {
    let mut steps: Vec<f64> = chain
        .windows(2)
        .map(|p| centre_x(&p[1]) - centre_x(&p[0]))
        .collect();
    steps.sort_by(f64::total_cmp);
    let median = *steps.get(steps.len() / 2)?;
    if median < 3.0 {
        return None;
    }
    // The median step is rounded to whole pixels and a narrow glyph (`1`)
    // sits off its cell's centre, so over 44 cells it can drift a whole
    // pitch off; the mean step over the chain is the other guess. The
    // grid's phase is anchored on whichever of the first glyphs puts most
    // glyphs on it (a speck or a merged pair at the start would otherwise
    // put the whole row off grid), then the grid is refitted to the
    // glyphs it holds.
    let (first, last) = (chain.first()?, chain.last()?);
    let mean = (centre_x(last) - centre_x(first)) / (chain.len() - 1).max(1) as f64;
    let (on_grid, positions, pitch) = [median, mean]
        .into_iter()
        .filter(|&p| p >= 3.0)
        .flat_map(|p| {
            chain.iter().take(6).map(move |a| {
                let (anchor, pitch) = refit(chain, centre_x(a), p);
                let (n, span) = on_grid(chain, anchor, pitch);
                (n, span, pitch)
            })
        })
        .max_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)))?;
    if !(MIN_POSITIONS..=MAX_POSITIONS).contains(&positions) || on_grid * 10 < positions * 7 {
        return None;
    }
    let mut heights: Vec<u32> = chain.iter().map(|g| g.h).collect();
    heights.sort_unstable();
    // Letters and digits are the top half of heights (fillers are lower).
    let top = &heights[heights.len() / 2..];
    let glyph_h = top[top.len() / 2];
    let even = top
        .iter()
        .filter(|&&v| v * 100 >= glyph_h * 85 && v * 100 <= glyph_h * 115)
        .count();
    if even * 10 < top.len() * 8 {
        return None;
    }
    // Glyphs of a fixed-pitch font are narrower than the pitch, and the
    // pitch is about 0.6–1.2 glyph heights.
    let ratio = pitch / f64::from(glyph_h.max(1));
    if !(0.5..=1.3).contains(&ratio) {
        return None;
    }
    let x0 = chain.iter().map(|g| g.x).min()?;
    let x1 = chain.iter().map(|g| g.x + g.w).max()?;
    let y0 = chain.iter().map(|g| g.y).min()?;
    let y1 = chain.iter().map(|g| g.y + g.h).max()?;
    let cy = chain.iter().map(centre_y).sum::<f64>() / chain.len() as f64;
    // The centre line through the letters and digits (fillers are
    // centred too, but short glyphs include specks).
    let tall: Vec<&Glyph> = chain
        .iter()
        .filter(|g| g.h * 100 >= glyph_h * 85 && g.h * 100 <= glyph_h * 115)
        .collect();
    let (y_at_0, slope) = fit_line(&tall, f64::from(glyph_h) / 4.0).unwrap_or((cy, 0.0));
    Some(GridRow {
        x0,
        x1,
        y0,
        y1,
        cy,
        pitch,
        glyph_h,
        positions,
        y_at_0,
        slope,
    })
}

/// Least-squares line `y = a + b x` through the glyph centres, refitted
/// once without the glyphs more than `tolerance` off the first fit (a
/// merged pair or a speck would tilt it). `None` with under 5 glyphs or
/// all at one x.
fn fit_line(glyphs: &[&Glyph], tolerance: f64) -> Option<(f64, f64)> {
    let pts: Vec<(f64, f64)> = glyphs.iter().map(|g| (centre_x(g), centre_y(g))).collect();
    let (a, b) = least_squares(&pts)?;
    let kept: Vec<(f64, f64)> = pts
        .iter()
        .copied()
        .filter(|p| (p.1 - a - b * p.0).abs() <= tolerance)
        .collect();
    least_squares(&kept).or(Some((a, b)))
}

/// Two or three grid rows stacked: the same pitch (±12 %), starting
/// within two pitches of each other, 1.2–3 glyph heights apart. The
/// lowest such stack wins (the MRZ is at the bottom of the document).
fn stack(rows: &[GridRow], w: u32, h: u32) -> Option<Zone> {
    let mut rows: Vec<GridRow> = rows.to_vec();
    rows.sort_by(|a, b| a.cy.total_cmp(&b.cy));
    let mut best: Option<Zone> = None;
    // A row already in a stack does not start another (the lower two rows
    // of a TD1 zone are not a zone of their own).
    let mut taken = vec![false; rows.len()];
    for (i, top) in rows.iter().enumerate() {
        if taken[i] {
            continue;
        }
        let mut members = vec![*top];
        for (j, r) in rows.iter().enumerate().skip(i + 1) {
            let Some(last) = members.last() else { break };
            let gap = r.cy - last.cy;
            let gh = f64::from(last.glyph_h.max(r.glyph_h));
            let same_pitch = (r.pitch - top.pitch).abs() <= top.pitch * 0.12;
            let aligned = (f64::from(r.x0) - f64::from(top.x0)).abs() <= 2.0 * top.pitch;
            let similar = r.positions.abs_diff(top.positions) * 5 <= top.positions;
            if gap >= 1.2 * gh && gap <= 3.0 * gh && same_pitch && aligned && similar {
                members.push(*r);
                taken[j] = true;
                if members.len() == 3 {
                    break;
                }
            }
        }
        if members.len() < 2 {
            continue;
        }
        let x0 = members.iter().map(|r| r.x0).min()?;
        let x1 = members.iter().map(|r| r.x1).max()?.min(w);
        let y0 = members.iter().map(|r| r.y0).min()?;
        let y1 = members.iter().map(|r| r.y1).max()?.min(h);
        let mut hs: Vec<u32> = members.iter().map(|r| r.glyph_h).collect();
        hs.sort_unstable();
        let zone = Zone {
            x: x0,
            y: y0,
            w: x1.saturating_sub(x0),
            h: y1.saturating_sub(y0),
            rows: members.len(),
            glyph_h: hs[hs.len() / 2],
            lines: members
                .iter()
                .map(|r| ZoneRow {
                    x0: r.x0,
                    x1: r.x1,
                    y_at_0: r.y_at_0,
                    slope: r.slope,
                    pitch: r.pitch,
                    glyph_h: r.glyph_h,
                    positions: r.positions,
                })
                .collect(),
        };
        if zone.w > 0 && zone.h > 0 && best.as_ref().is_none_or(|b| zone.y >= b.y) {
            best = Some(zone);
        }
    }
    best
}

/// Half the height of a row strip, in glyph heights: rows sit 1.5–2
/// heights apart, so 0.9 keeps the glyphs whole and the neighbours out.
const STRIP_HALF: f64 = 0.9;

/// One MRZ row cut out along its own centre line, from document x
/// `x_from` to `x_to`, and scaled so its glyphs are `glyph_px` tall.
///
/// Why: Tesseract reads a skewed block as broken lines (a 5° scan puts the
/// end of row one beside the start of row two), and a single straight
/// line at a known glyph height is what its line recogniser reads best.
/// The strip is rotated, not sheared, so the glyphs stay upright.
pub fn straighten(
    gray: &GrayImage,
    row: &ZoneRow,
    x_from: f64,
    x_to: f64,
    glyph_px: f64,
) -> Option<GrayImage> {
    let gh = f64::from(row.glyph_h.max(1));
    let k = glyph_px / gh;
    let (s, c) = row.slope.atan().sin_cos();
    let length = (x_to - x_from) / c;
    let (out_w, out_h) = ((length * k).round(), (2.0 * STRIP_HALF * gh * k).round());
    if !(8.0..=8000.0).contains(&out_w) || !(8.0..=400.0).contains(&out_h) {
        return None;
    }
    let (ox, oy) = (x_from, row.centre_y(x_from));
    let mut out = GrayImage::new(out_w as u32, out_h as u32);
    let width = out_w as usize;
    for (v, row) in out.chunks_exact_mut(width).enumerate() {
        let along = 0.5 / k;
        let across = (v as f64 + 0.5) / k - STRIP_HALF * gh;
        let start = (ox + along * c - across * s, oy + along * s + across * c);
        sample_line(gray, start, (c / k, s / k), row);
    }
    Some(out)
}

#[cfg(test)]
#[path = "zone/tests.rs"]
mod tests;
