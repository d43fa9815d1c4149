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
        let Some(words) = reread(ctx, page, line) else {
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

/// One line cropped with a margin, scaled to ~44 px words and read as a
/// single line. Latin-only lines use `eng` alone (digits and Latin month
/// names; several times cheaper than five models). Boxes come back in
/// page pixels.
fn reread(ctx: &Context<'_>, page: &GrayImage, line: &Line) -> Option<Vec<Word>> {
    let (x, y, w, h) = line.bbox(0, line.words.len())?;
    let mut heights: Vec<u32> = line.words.iter().map(|w| w.h).collect();
    heights.sort_unstable();
    let word_h = f64::from(heights[heights.len() / 2].max(1));
    let (mx, my) = (h.max(8), h / 2 + 4);
    let (cx, cy) = (x.saturating_sub(mx), y.saturating_sub(my));
    let crop = crop_for_ocr(page, cx, cy, w + 2 * mx, h + 2 * my)?;
    let scale = (REREAD_WORD_PX / word_h).clamp(1.0, 4.0);
    let cyrillic = line
        .text()
        .chars()
        .any(|c| ('\u{0400}'..='\u{04FF}').contains(&c));
    let pass = Pass {
        languages: if cyrillic { ctx.languages } else { "eng" },
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
