//! Page geometry for labels: which words sit on the same visual row as a
//! date, and which sit above it in the same column.
//!
//! Tesseract's own lines follow its blocks: on a form whose labels and
//! values sit in two columns far apart it often returns every label as one
//! block and every value as another, so a value's line carries no label.
//! And bills print key fields as small tables (labels on one row, values
//! on the row below), where the label of a value is the cell above it,
//! not the whole line above.

use crate::engine::Word;
use crate::stats::median;

/// Words at one height across the page, left to right, from one or more
/// Tesseract lines.
#[derive(Debug, Clone, Default)]
pub struct Row {
    pub words: Vec<Word>,
    /// Deskewed centre height of the row, in pixels.
    cy: f64,
    /// Typical word height in the row, in pixels.
    h: f64,
}

/// One Tesseract line, measured.
struct Span<'a> {
    words: &'a [Word],
    cy: f64,
    h: f64,
    x0: u32,
    x1: u32,
}

fn centre(w: &Word) -> (f64, f64) {
    (
        f64::from(w.x) + f64::from(w.w) / 2.0,
        f64::from(w.y) + f64::from(w.h) / 2.0,
    )
}

/// The page's slope (dy/dx) from its long lines: a slightly rotated scan
/// puts the right column a line lower than the left one, so rows are
/// matched on heights with the slope taken out.
fn skew(lines: &[&[Word]]) -> f64 {
    let slopes: Vec<f64> = lines
        .iter()
        .filter_map(|words| {
            let (first, last) = (words.first()?, words.last()?);
            let ((x0, y0), (x1, y1)) = (centre(first), centre(last));
            let h = f64::from(first.h.max(last.h).max(1));
            (x1 - x0 > 8.0 * h).then(|| (y1 - y0) / (x1 - x0))
        })
        .collect();
    median(slopes).unwrap_or(0.0).clamp(-0.1, 0.1)
}

/// Groups Tesseract lines (each a list of words) into visual rows, top to
/// bottom: a line joins a row when their deskewed centres are within half
/// a word height and they do not overlap side by side.
pub fn rows(lines: &[&[Word]]) -> Vec<Row> {
    let slope = skew(lines);
    let mut spans: Vec<Span<'_>> = lines
        .iter()
        .filter_map(|words| {
            let cy = median(words.iter().map(|w| {
                let (x, y) = centre(w);
                y - slope * x
            }))?;
            let h = median(words.iter().map(|w| f64::from(w.h.max(1))))?;
            let x0 = words.iter().map(|w| w.x).min()?;
            let x1 = words.iter().map(|w| w.x + w.w).max()?;
            Some(Span {
                words,
                cy,
                h,
                x0,
                x1,
            })
        })
        .collect();
    spans.sort_by(|a, b| a.cy.total_cmp(&b.cy));
    // Each row keeps the horizontal extents of its lines.
    let mut rows: Vec<(Row, Vec<(u32, u32)>)> = Vec::new();
    for span in spans {
        let joins = rows.iter_mut().rev().take(3).find(|(row, extents)| {
            (span.cy - row.cy).abs() <= 0.5 * span.h.min(row.h)
                && extents.iter().all(|&(a, b)| span.x1 <= a || b <= span.x0)
        });
        match joins {
            Some((row, extents)) => {
                row.words.extend_from_slice(span.words);
                extents.push((span.x0, span.x1));
            }
            None => rows.push((
                Row {
                    words: span.words.to_vec(),
                    cy: span.cy,
                    h: span.h,
                },
                vec![(span.x0, span.x1)],
            )),
        }
    }
    rows.into_iter()
        .map(|(mut row, _)| {
            row.words.sort_by_key(|w| w.x);
            row
        })
        .collect()
}

/// The text of the cell above `x0..x1` of row `at`: the words of the
/// nearest row above (within about three lines) that overlap that column,
/// widened to neighbours closer than a word gap. `None` when nothing sits
/// above the column.
pub fn cell_above(rows: &[Row], at: usize, x0: u32, x1: u32) -> Option<String> {
    let here = rows.get(at)?;
    let pad = here.h / 2.0;
    let (lo, hi) = (f64::from(x0) - pad, f64::from(x1) + pad);
    for row in rows[..at].iter().rev() {
        if here.cy - row.cy > 3.5 * here.h {
            return None;
        }
        let words = &row.words;
        let over = |w: &Word| f64::from(w.x) < hi && f64::from(w.x + w.w) > lo;
        let (Some(mut a), Some(mut b)) =
            (words.iter().position(over), words.iter().rposition(over))
        else {
            continue;
        };
        let gap = 1.2 * row.h;
        let apart = |l: &Word, r: &Word| f64::from(r.x) - f64::from(l.x + l.w) > gap;
        while a > 0 && !apart(&words[a - 1], &words[a]) {
            a -= 1;
        }
        while b + 1 < words.len() && !apart(&words[b], &words[b + 1]) {
            b += 1;
        }
        let text: Vec<&str> = words[a..=b].iter().map(|w| w.text.as_str()).collect();
        return Some(text.join(" "));
    }
    None
}
