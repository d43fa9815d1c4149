//! Faint print: thermal receipts faded to light grey, dot-matrix print
//! whose dots Tesseract's threshold leaves as specks, coloured ink on
//! coloured paper. Read only when nothing else found a date, on two views
//! of the page, and a date counts only when readings of different views,
//! or re-reads, agree on it.

use chrono::NaiveDate;
use image::GrayImage;

use super::{look, overlap, reread_dates, words_within, Context, Look, REREAD_WORD_PX};
use crate::engine::Line;

use crate::issue::IssueDate;

/// The issue date of a faint page, or `None`. Two views: the page
/// flattened (`flatten`), and the page blurred over 3x3 pixels then
/// flattened, which joins the dots of dot-matrix glyphs into strokes
/// Tesseract can segment. Each view is read the quick way (`look`). Both
/// must choose a date, at the same place and not one labelled as another
/// kind of date; then the readings of that place vote (`vote`): each
/// view's choice, each view's `eng` page where it read that place, and
/// re-reads of the place's words in both views at ~44 and ~66 px.
pub fn read_faint(
    ctx: &Context<'_>,
    page: &GrayImage,
    as_of: NaiveDate,
    window: Option<(NaiveDate, NaiveDate)>,
) -> Option<IssueDate> {
    let views = [flatten(page), flatten(&blur3(page))];
    let looks: Vec<Look> = views
        .iter()
        .filter_map(|v| look(ctx, v, as_of, window))
        .collect();
    let [first, second] = looks.as_slice() else {
        return None;
    };
    let (Some(place), Some(other)) = (first.chosen, second.chosen) else {
        return None;
    };
    if !overlap(place.bbox, other.bbox) || place.score < 0 || other.score < 0 {
        return None;
    }
    let mut readings: Vec<Vec<NaiveDate>> = vec![vec![place.date], vec![other.date]];
    readings.extend(
        looks
            .iter()
            .filter_map(|l| l.eng.filter(|e| overlap(e.bbox, place.bbox)))
            .map(|e| vec![e.date]),
    );
    let line = Line {
        words: words_within(&first.lines, place.bbox),
    };
    if !line.words.is_empty() {
        for view in &views {
            for px in [REREAD_WORD_PX, REREAD_WORD_PX * 1.5] {
                readings.push(reread_dates(ctx, view, &line, px, window));
            }
        }
    }
    let date = vote(&readings)?;
    tracing::debug!("faint print: a date two views agree on");
    Some(IssueDate { date, ..place })
}

/// The date held by more than half of the readings that hold any date in
/// the window, when at least two do and no other date is held as often.
/// Each reading counts a date once; an empty reading (a re-read that
/// found nothing) does not vote. Faint print
/// scatters misreadings (`2018-03-24`, `2010-03-20`, `2018-09-29` beside
/// two `2018-03-28`): only a majority is trusted.
pub fn vote(readings: &[Vec<NaiveDate>]) -> Option<NaiveDate> {
    let mut counts: Vec<(NaiveDate, usize)> = Vec::new();
    let mut voters = 0;
    for reading in readings.iter().filter(|r| !r.is_empty()) {
        voters += 1;
        let mut seen: Vec<NaiveDate> = Vec::new();
        for &d in reading {
            if seen.contains(&d) {
                continue;
            }
            seen.push(d);
            match counts.iter_mut().find(|(c, _)| *c == d) {
                Some((_, n)) => *n += 1,
                None => counts.push((d, 1)),
            }
        }
    }
    counts.sort_by_key(|c| std::cmp::Reverse(c.1));
    let (date, n) = *counts.first()?;
    let runner_up = counts.get(1).map_or(0, |c| c.1);
    (n >= 2 && 2 * n > voters && n > runner_up).then_some(date)
}

/// The mean over each pixel's 3x3 neighbourhood (clipped at the borders).
pub fn blur3(page: &GrayImage) -> GrayImage {
    let (w, h) = (page.width() as usize, page.height() as usize);
    let src: Vec<f32> = page.as_raw().iter().map(|&v| f32::from(v)).collect();
    let raw: Vec<u8> = box_mean(&src, w, h, 3)
        .iter()
        .map(|&v| v.round().clamp(0.0, 255.0) as u8)
        .collect();
    GrayImage::from_raw(page.width(), page.height(), raw).unwrap_or_else(|| page.clone())
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

#[cfg(test)]
#[path = "faint/tests.rs"]
mod tests;
