//! Second looks at the lines of a proof of address that look like a date
//! but did not read as one (`14/4ur/2017`, `Date : 04-00-/ 553,52`).
//!
//! The full-page pass reads small receipt print at whatever size the page
//! has; a line re-read alone, scaled to large glyphs, as one line (psm 7)
//! often comes back clean. Only lines without a date are re-read, and a
//! re-read replaces a line only when it yields a date: a line that already
//! reads as a date is never overwritten.

use chrono::NaiveDate;
use image::GrayImage;

use super::{recognise, Context};
use crate::dates::{find_dates, looks_like_date};
use crate::engine::{Line, Pass, Word};
use crate::prep::{crop_for_ocr, resize_to};

/// At most this many lines are re-read per page: each costs a psm-7
/// pass, and a page with more date-like lines than this is a table of
/// numbers, not a bill with one unread date.
const MAX_REREADS: usize = 6;

/// Word box height, in pixels, a re-read line is scaled to (glyphs of
/// about 30–35 px, what Tesseract's models were trained on).
const REREAD_WORD_PX: f64 = 44.0;

/// Re-reads the date-like lines that hold no date in `window`, replacing
/// a line's words when the re-read finds one.
pub fn reread_date_lines(
    ctx: &Context<'_>,
    page: &GrayImage,
    lines: &mut [Line],
    window: Option<(NaiveDate, NaiveDate)>,
) {
    let in_window = |d: NaiveDate| window.is_none_or(|(lo, hi)| (lo..=hi).contains(&d));
    let mut budget = MAX_REREADS;
    for line in lines.iter_mut() {
        let text = line.text();
        if !looks_like_date(&text) || find_dates(&text).iter().any(|f| in_window(f.date)) {
            continue;
        }
        if budget == 0 {
            tracing::debug!("re-read budget spent");
            break;
        }
        budget -= 1;
        let Some(words) = reread(ctx, page, line, REREAD_WORD_PX) else {
            continue;
        };
        let joined: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
        if find_dates(&joined.join(" "))
            .iter()
            .any(|f| in_window(f.date))
        {
            tracing::debug!("date line re-read gave a date");
            line.words = words;
        }
    }
}

/// One line cropped with a margin, scaled to `word_px` words and read as a
/// single line. Latin-only lines use `eng` alone (digits and Latin month
/// names; several times cheaper than five models). Boxes come back in
/// page pixels.
fn reread(ctx: &Context<'_>, page: &GrayImage, line: &Line, word_px: f64) -> Option<Vec<Word>> {
    let (x, y, w, h) = line.bbox(0, line.words.len())?;
    let mut heights: Vec<u32> = line.words.iter().map(|w| w.h).collect();
    heights.sort_unstable();
    let word_h = f64::from(heights[heights.len() / 2].max(1));
    let (mx, my) = (h.max(8), h / 2 + 4);
    let (cx, cy) = (x.saturating_sub(mx), y.saturating_sub(my));
    let crop = crop_for_ocr(page, cx, cy, w + 2 * mx, h + 2 * my)?;
    let scale = (word_px / word_h).clamp(1.0, 4.0);
    let cyrillic = line
        .text()
        .chars()
        .any(|c| ('\u{0400}'..='\u{04FF}').contains(&c));
    let pass = Pass {
        languages: if cyrillic {
            ctx.languages
        } else {
            crate::MACHINE_PRINT
        },
        psm: 7,
        whitelist: "",
    };
    let back = |v: u32| (f64::from(v) / scale).round() as u32;
    let words: Vec<Word> = recognise(ctx, &resize_to(&crop, scale), &pass)
        .into_iter()
        .flat_map(|l| l.words)
        .map(|w| Word {
            x: cx + back(w.x),
            y: cy + back(w.y),
            w: back(w.w),
            h: back(w.h),
            ..w
        })
        .collect();
    (!words.is_empty()).then_some(words)
}

/// The date two of three readings agree on: `first` (from the page
/// pass) and close re-reads of its own words at ~44 px and ~66 px (the
/// second only when the first re-read disagrees). `None` when no two
/// agree. Faint or small print misreads one digit at a time
/// (`2016` as `2015`), rarely the same way twice.
pub fn settle(
    ctx: &Context<'_>,
    page: &GrayImage,
    bbox: (u32, u32, u32, u32),
    first: NaiveDate,
    window: Option<(NaiveDate, NaiveDate)>,
) -> Option<NaiveDate> {
    let (x, y, w, h) = bbox;
    let words = vec![Word {
        text: String::new(),
        conf: 0.0,
        x,
        y,
        w,
        h,
    }];
    let line = Line { words };
    let read = |px: f64| -> Vec<NaiveDate> {
        let Some(words) = reread(ctx, page, &line, px) else {
            return Vec::new();
        };
        let joined: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
        find_dates(&joined.join(" "))
            .into_iter()
            .map(|f| f.date)
            .filter(|&d| window.is_none_or(|(lo, hi)| (lo..=hi).contains(&d)))
            .collect()
    };
    let second = read(REREAD_WORD_PX);
    if second.contains(&first) {
        return Some(first);
    }
    let third = read(REREAD_WORD_PX * 1.5);
    if third.contains(&first) {
        return Some(first);
    }
    second.into_iter().find(|d| third.contains(d))
}

/// Side of the window, in pixels, over which the paper's own brightness
/// is estimated: wider than any glyph stroke at the page scale used
/// (1600–3000 px long side), narrower than a shadow or a coloured band.
const PAPER_WINDOW: usize = 25;

/// The page with the paper flattened to white and faint print darkened:
/// each pixel divided by the local paper brightness (a running maximum
/// then mean over `PAPER_WINDOW`), the darkest 1 % made black, and a
/// gamma of 2 on the rest. Thermal receipts fade to light grey that
/// Tesseract's global threshold drops; on the flattened page it reads.
pub fn flatten(page: &GrayImage) -> GrayImage {
    let (w, h) = (page.width() as usize, page.height() as usize);
    if w == 0 || h == 0 {
        return page.clone();
    }
    let src: Vec<f32> = page.as_raw().iter().map(|&v| f32::from(v)).collect();
    let paper = box_mean(&running_max(&src, w, h, PAPER_WINDOW), w, h, PAPER_WINDOW);
    let ratio: Vec<f32> = src
        .iter()
        .zip(&paper)
        .map(|(&v, &p)| (v / p.max(1.0)).min(1.0))
        .collect();
    let mut sorted: Vec<f32> = ratio.iter().step_by(7).copied().collect();
    sorted.sort_by(f32::total_cmp);
    let lo = sorted
        .get(sorted.len() / 100)
        .copied()
        .unwrap_or(0.0)
        .min(0.9);
    let raw: Vec<u8> = ratio
        .iter()
        .map(|&r| {
            let n = ((r - lo) / (1.0 - lo)).clamp(0.0, 1.0);
            (255.0 * n * n).round() as u8
        })
        .collect();
    GrayImage::from_raw(page.width(), page.height(), raw).unwrap_or_else(|| page.clone())
}

/// Maximum over a `k`x`k` window centred on each pixel (separable).
fn running_max(src: &[f32], w: usize, h: usize, k: usize) -> Vec<f32> {
    let r = k / 2;
    let mut rows = vec![0.0f32; src.len()];
    for y in 0..h {
        let row = &src[y * w..(y + 1) * w];
        for x in 0..w {
            let (a, b) = (x.saturating_sub(r), (x + r + 1).min(w));
            rows[y * w + x] = row[a..b].iter().copied().fold(0.0, f32::max);
        }
    }
    let mut out = vec![0.0f32; src.len()];
    for x in 0..w {
        for y in 0..h {
            let (a, b) = (y.saturating_sub(r), (y + r + 1).min(h));
            out[y * w + x] = (a..b).map(|yy| rows[yy * w + x]).fold(0.0, f32::max);
        }
    }
    out
}

/// Mean over a `k`x`k` window centred on each pixel (separable, running
/// sums), windows clipped at the borders.
fn box_mean(src: &[f32], w: usize, h: usize, k: usize) -> Vec<f32> {
    let r = k / 2;
    let pass = |src: &[f32], len: usize, count: usize, at: &dyn Fn(usize, usize) -> usize| {
        let mut out = vec![0.0f32; src.len()];
        for line in 0..count {
            let mut prefix = vec![0.0f64; len + 1];
            for i in 0..len {
                prefix[i + 1] = prefix[i] + f64::from(src[at(line, i)]);
            }
            for i in 0..len {
                let (a, b) = (i.saturating_sub(r), (i + r + 1).min(len));
                out[at(line, i)] = ((prefix[b] - prefix[a]) / (b - a) as f64) as f32;
            }
        }
        out
    };
    let horizontal = pass(src, w, h, &|y, x| y * w + x);
    pass(&horizontal, h, w, &|x, y| y * w + x)
}
