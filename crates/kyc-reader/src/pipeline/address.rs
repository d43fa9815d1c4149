//! Reading a proof of address: a quick first look (the page in `eng`,
//! then only its date rows in every language, see `bands`), and second
//! looks at the lines that look like a date but did not read as one
//! (`14/4ur/2017`, `Date : 04-00-/ 553,52`).
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
use crate::issue::{choose_issue_date, in_window, plausible, IssueDate};
use crate::prep::{crop_for_ocr, resize_to};
use crate::MACHINE_PRINT;

mod bands;
mod faint;

pub use faint::read_faint;

/// Rows of paper between two bands on a stack: about a line at the page
/// scale read (long side 1600–3000 px), so Tesseract keeps them apart.
const STACK_GAP: u32 = 24;

/// One quick reading of a page: its lines (the `eng` page with the date
/// rows replaced by their reading in every language), the date chosen on
/// them, and the date the `eng` page alone chose.
#[derive(Debug)]
pub struct Look {
    pub lines: Vec<Line>,
    pub chosen: Option<IssueDate>,
    pub eng: Option<IssueDate>,
}

/// The page in `eng` alone, then the rows that may hold a date, with their
/// label rows, in every language (`bands`), and the date-like lines among
/// them re-read larger. `None` when no row may hold a date.
pub fn look(
    ctx: &Context<'_>,
    page: &GrayImage,
    as_of: NaiveDate,
    window: Option<(NaiveDate, NaiveDate)>,
) -> Option<Look> {
    let first = recognise(ctx, page, &Pass::page(MACHINE_PRINT));
    let bands = bands::date_bands(&first, window, page.height());
    let stack = bands::Stack::new(page, &bands, STACK_GAP)?;
    let again = stack.to_page(recognise(ctx, &stack.image, &Pass::page(ctx.languages)));
    let mut lines = bands::merge(&first, &bands, again);
    reread_date_lines(ctx, page, &mut lines, window);
    let chosen = choose_issue_date(&lines, Some(as_of));
    let eng = choose_issue_date(&first, Some(as_of));
    Some(Look { lines, chosen, eng })
}

/// The issue date read the cheap way (`look`), when two readings back it
/// up: accepted when it is plausible and the `eng` page chose the same
/// date, or a close re-read of the date's own words finds it again.
/// `None` sends the page to the full reading: nothing found, an
/// implausible date, a date labelled as another kind (a due date or a
/// period's end wins only when the issue date was not read at all), or
/// no confirmation. A reader whose only language is
/// `eng` reads the page whole at once instead.
pub fn first_look(
    ctx: &Context<'_>,
    page: &GrayImage,
    as_of: NaiveDate,
    window: Option<(NaiveDate, NaiveDate)>,
) -> Option<IssueDate> {
    if ctx.languages == MACHINE_PRINT {
        return None;
    }
    let look = look(ctx, page, as_of, window)?;
    let found = look
        .chosen
        .filter(|f| f.score >= 0 && plausible(f.date, as_of))?;
    let settled = confirmed(ctx, page, &look.lines, found, look.eng, window)
        .filter(|f| plausible(f.date, as_of));
    tracing::debug!(confirmed = settled.is_some(), "first look");
    settled
}

/// The date at the chosen place once two readings agree on it: the rows
/// in every language (`found`), the page in `eng` when its choice is the
/// same date or sits at the same place, and close re-reads of the date's
/// own words at ~44 and ~66 px. A misread digit rarely repeats across
/// readings that differ in models, crop and scale.
fn confirmed(
    ctx: &Context<'_>,
    page: &GrayImage,
    lines: &[Line],
    found: IssueDate,
    eng: Option<IssueDate>,
    window: Option<(NaiveDate, NaiveDate)>,
) -> Option<IssueDate> {
    if eng.is_some_and(|e| e.date == found.date) {
        return Some(found);
    }
    let eng_here = eng.filter(|e| overlap(e.bbox, found.bbox)).map(|e| e.date);
    let words = words_within(lines, found.bbox);
    if words.is_empty() {
        return None;
    }
    let line = Line { words };
    for px in [REREAD_WORD_PX, REREAD_WORD_PX * 1.5] {
        let dates = reread_dates(ctx, page, &line, px, window);
        if dates.contains(&found.date) {
            return Some(found);
        }
        if let Some(date) = eng_here.filter(|d| dates.contains(d)) {
            return Some(IssueDate { date, ..found });
        }
    }
    None
}

/// The words of `lines` whose boxes lie inside `bbox` (x, y, w, h): a
/// chosen date's own words.
pub fn words_within(lines: &[Line], bbox: (u32, u32, u32, u32)) -> Vec<Word> {
    let (x, y, w, h) = bbox;
    lines
        .iter()
        .flat_map(|l| &l.words)
        .filter(|wd| wd.x >= x && wd.y >= y && wd.x + wd.w <= x + w && wd.y + wd.h <= y + h)
        .cloned()
        .collect()
}

/// Whether two boxes (x, y, w, h) share any pixel.
fn overlap(a: (u32, u32, u32, u32), b: (u32, u32, u32, u32)) -> bool {
    a.0 < b.0 + b.2 && b.0 < a.0 + a.2 && a.1 < b.1 + b.3 && b.1 < a.1 + a.3
}

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
    let mut budget = MAX_REREADS;
    for line in lines.iter_mut() {
        let text = line.text();
        if !looks_like_date(&text) || find_dates(&text).iter().any(|f| in_window(window, f.date)) {
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
        if !dates_read(&words, window).is_empty() {
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
    let pass = Pass {
        languages: if mostly_cyrillic(&line.text()) {
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

/// The dates in `window` that a re-read of `line` at `word_px` finds.
pub fn reread_dates(
    ctx: &Context<'_>,
    page: &GrayImage,
    line: &Line,
    word_px: f64,
    window: Option<(NaiveDate, NaiveDate)>,
) -> Vec<NaiveDate> {
    reread(ctx, page, line, word_px).map_or_else(Vec::new, |words| dates_read(&words, window))
}

/// The dates in `window` that `words`, read as one line, hold.
fn dates_read(words: &[Word], window: Option<(NaiveDate, NaiveDate)>) -> Vec<NaiveDate> {
    let joined: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
    find_dates(&joined.join(" "))
        .into_iter()
        .map(|f| f.date)
        .filter(|&d| in_window(window, d))
        .collect()
}

/// Whether a line's letters are mostly Cyrillic: a Cyrillic line is
/// re-read in every language, a Latin one in `eng` alone, even when a
/// misread glyph or two came out Cyrillic (`14/4шг/2017`).
fn mostly_cyrillic(text: &str) -> bool {
    let cyrillic = text
        .chars()
        .filter(|c| ('\u{0400}'..='\u{04FF}').contains(c))
        .count();
    let latin = text.chars().filter(char::is_ascii_alphabetic).count();
    cyrillic > latin
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
    let read = |px: f64| reread_dates(ctx, page, &line, px, window);
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

#[cfg(test)]
#[path = "address/tests.rs"]
mod tests;
