//! The rows of a page worth reading in every language, cut out as
//! full-width bands and stacked into one small image.
//!
//! Reading a page in five languages costs about three times reading it in
//! one: Tesseract retries every stretch of text it is unsure of with each
//! other model, and receipts are mostly such stretches (prices, codes,
//! item names). The issue date only needs that care on the rows that hold
//! a date and on their labels, so the page is read once in `eng` to find
//! those rows, and only they go through all the models.
//!
//! Bands span the page's whole width: a label printed far left of its
//! value, and a ruling line under a row, stay whole.

use chrono::{Datelike, NaiveDate};
use image::{GrayImage, Luma};

use crate::dates::{find_dates, looks_like_date};
use crate::engine::{Line, Word};
use crate::issue::in_window;

/// How far above a date row, in that row's word heights, the row holding
/// its label may sit (bills print key fields as label row over value row;
/// `issue::choose_issue_date` looks up to about three lines up).
const LABEL_ROWS_ABOVE: f64 = 2.5;

/// A band's margin beyond its lines' boxes, as a share of the word height
/// (plus 2 px), never past the next line's box: room for strokes
/// Tesseract left out of a word's box.
const BAND_MARGIN: f64 = 0.15;

/// Whether an OCR line may hold a date: a date in `window`, something that
/// looks like a misread one, or a year in the window standing alone (a
/// date with a month name in a script the first reading does not know,
/// `«15» октября 2026 г.` read in `eng`, still shows its year).
pub fn may_hold_date(text: &str, window: Option<(NaiveDate, NaiveDate)>) -> bool {
    if find_dates(text).iter().any(|f| in_window(window, f.date)) || looks_like_date(text) {
        return true;
    }
    let years = window.map_or(1950..=2099, |(lo, hi)| lo.year()..=hi.year());
    text.split(|c: char| !c.is_ascii_digit())
        .filter(|run| run.len() == 4)
        .filter_map(|run| run.parse::<i32>().ok())
        .any(|y| years.contains(&y))
}

/// Vertical extent of a line: (top, bottom, median word height).
fn extent(line: &Line) -> Option<(u32, u32, u32)> {
    let top = line.words.iter().map(|w| w.y).min()?;
    let bottom = line.words.iter().map(|w| w.y + w.h).max()?;
    let mut heights: Vec<u32> = line.words.iter().map(|w| w.h).collect();
    heights.sort_unstable();
    Some((top, bottom, heights[heights.len() / 2].max(1)))
}

/// The bands (top, bottom) of the page, in page rows, to read again: each
/// line that may hold a date, with the nearest line above it when that is
/// close enough to be its label; grown to take in every line whose centre
/// falls inside, given a margin, and merged where they touch. Top to
/// bottom; empty when no line may hold a date.
pub fn date_bands(
    lines: &[Line],
    window: Option<(NaiveDate, NaiveDate)>,
    page_height: u32,
) -> Vec<(u32, u32)> {
    let extents: Vec<Option<(u32, u32, u32)>> = lines.iter().map(extent).collect();
    let mut bands: Vec<(u32, u32, u32)> = Vec::new();
    for (line, ext) in lines.iter().zip(&extents) {
        let Some((top, bottom, h)) = *ext else {
            continue;
        };
        if !may_hold_date(&line.text(), window) {
            continue;
        }
        let reach = f64::from(top) - LABEL_ROWS_ABOVE * f64::from(h);
        let above = extents
            .iter()
            .flatten()
            .filter(|(t, b, _)| {
                let centre = f64::from(t + b) / 2.0;
                centre < f64::from(top) && centre >= reach
            })
            .max_by_key(|(t, b, _)| t + b);
        let band_top = above.map_or(top, |&(t, _, _)| t.min(top));
        bands.push((band_top, bottom, h));
    }
    // A band takes in whole every line whose centre it holds.
    for band in &mut bands {
        loop {
            let (mut top, mut bottom) = (band.0, band.1);
            for &(t, b, _) in extents.iter().flatten() {
                let centre = (t + b) / 2;
                if (top..=bottom).contains(&centre) {
                    top = top.min(t);
                    bottom = bottom.max(b);
                }
            }
            if (top, bottom) == (band.0, band.1) {
                break;
            }
            (band.0, band.1) = (top, bottom);
        }
    }
    // The margin stops at the next line's box either side: a band that
    // cuts through a neighbour hands Tesseract half glyphs.
    let mut padded: Vec<(u32, u32)> = bands
        .iter()
        .map(|&(top, bottom, h)| {
            let margin = 2 + (BAND_MARGIN * f64::from(h)).round() as u32;
            let ceiling = extents
                .iter()
                .flatten()
                .filter(|(_, b, _)| *b <= top)
                .map(|(_, b, _)| *b)
                .max()
                .unwrap_or(0);
            let floor = extents
                .iter()
                .flatten()
                .filter(|(t, _, _)| *t >= bottom)
                .map(|(t, _, _)| *t)
                .min()
                .unwrap_or(page_height);
            (
                top.saturating_sub(margin).max(ceiling),
                (bottom + margin).min(floor).min(page_height),
            )
        })
        .filter(|(top, bottom)| bottom > top)
        .collect();
    padded.sort_unstable();
    let mut merged: Vec<(u32, u32)> = Vec::new();
    for (top, bottom) in padded {
        match merged.last_mut() {
            Some(last) if top <= last.1 => last.1 = last.1.max(bottom),
            _ => merged.push((top, bottom)),
        }
    }
    merged
}

/// Bands of a page stacked one under the other on paper-coloured gaps,
/// and the way back to page rows.
#[derive(Debug, Clone)]
pub struct Stack {
    pub image: GrayImage,
    /// (top in the stack, height, top in the page) of each band.
    strips: Vec<(u32, u32, u32)>,
}

impl Stack {
    /// `None` when there are no bands. Gaps are `gap` rows of the bands'
    /// own paper shade (their 90th percentile), so Tesseract's global
    /// threshold sees the same two tones as on the page.
    pub fn new(page: &GrayImage, bands: &[(u32, u32)], gap: u32) -> Option<Self> {
        let bands: Vec<(u32, u32)> = bands
            .iter()
            .map(|&(t, b)| (t.min(page.height()), b.min(page.height())))
            .filter(|(t, b)| b > t)
            .collect();
        if bands.is_empty() || page.width() == 0 {
            return None;
        }
        let width = page.width() as usize;
        let raw = page.as_raw();
        let mut shades: Vec<u8> = bands
            .iter()
            .flat_map(|&(t, b)| {
                raw[t as usize * width..b as usize * width]
                    .iter()
                    .step_by(3)
            })
            .copied()
            .collect();
        shades.sort_unstable();
        let paper = shades[shades.len() * 9 / 10];
        let height: u32 = bands.iter().map(|(t, b)| b - t + gap).sum::<u32>() + gap;
        let mut image = GrayImage::from_pixel(page.width(), height, Luma([paper]));
        let mut strips = Vec::with_capacity(bands.len());
        let mut at = gap;
        for &(t, b) in &bands {
            let (from, to) = (t as usize * width, b as usize * width);
            let dest = at as usize * width;
            let out: &mut [u8] = &mut image;
            out[dest..dest + (to - from)].copy_from_slice(&raw[from..to]);
            strips.push((at, b - t, t));
            at += b - t + gap;
        }
        Some(Self { image, strips })
    }

    /// Lines read on the stack, in page pixels: each word moves with the
    /// band its centre falls in; words in the gaps are dropped, and lines
    /// left empty with them.
    pub fn to_page(&self, lines: Vec<Line>) -> Vec<Line> {
        lines
            .into_iter()
            .map(|line| Line {
                words: line
                    .words
                    .into_iter()
                    .filter_map(|w| self.word_to_page(w))
                    .collect(),
            })
            .filter(|l| !l.words.is_empty())
            .collect()
    }

    fn word_to_page(&self, w: Word) -> Option<Word> {
        let centre = w.y + w.h / 2;
        let &(at, height, top) = self
            .strips
            .iter()
            .find(|&&(at, height, _)| (at..at + height).contains(&centre))?;
        let y = (w.y.max(at) - at) + top;
        let h = w.h.min(at + height - w.y.max(at));
        Some(Word { y, h, ..w })
    }
}

/// The page's lines with those inside `bands` (by their centre) replaced
/// by the lines read again there.
pub fn merge(first: &[Line], bands: &[(u32, u32)], again: Vec<Line>) -> Vec<Line> {
    let inside = |line: &Line| {
        extent(line).is_some_and(|(t, b, _)| {
            let centre = (t + b) / 2;
            bands.iter().any(|&(bt, bb)| (bt..bb).contains(&centre))
        })
    };
    first
        .iter()
        .filter(|l| !inside(l))
        .cloned()
        .chain(again)
        .collect()
}

#[cfg(test)]
#[path = "bands/tests.rs"]
mod tests;
