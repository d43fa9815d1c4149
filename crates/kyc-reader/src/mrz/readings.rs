//! Choosing an MRZ from several OCR readings of each row (different
//! binarisations, scales), and combining fields across them.
//!
//! Why: every field of an MRZ carries its own check digit, so a reading
//! that gets the birth date right and the number wrong is still worth its
//! birth date. Readings disagree on different characters, so taking each
//! field from a reading where its check passes, with the composite check
//! confirming the whole, reads zones that no single reading gets right.

use super::{checks, parse, Format, Mrz};

/// Most combinations of one reading per row that are parsed (3 rows of 4
/// readings is 64): bounds the work on pathological input.
const MAX_COMBINATIONS: usize = 128;

/// Cleans one row as OCR returned it for a known row: spaces dropped,
/// uppercase, `<` look-alikes mapped; other characters dropped. Unlike
/// [`super::clean_line`] a row needs no filler (a TD3 second row may have
/// none).
pub fn clean_row(raw: &str) -> String {
    raw.chars()
        .filter_map(|c| match c {
            '«' | '‹' | '(' | '{' | '[' => Some('<'),
            c if c.is_ascii_alphanumeric() || c == '<' => Some(c.to_ascii_uppercase()),
            _ => None,
        })
        .collect()
}

/// `line` brought to `width` characters by growing or shrinking its
/// longest run of fillers (a run may hold single look-alikes between
/// fillers, `<<K<<`), or `None` when it already fits or has no run.
///
/// Why: OCR drops or doubles fillers in a long `<<<<` run more than any
/// other glyph, and that shifts every later position (a TD1 composite
/// check digit read as the 27th character). Padding at the end only
/// repairs the last run.
pub fn fit_fillers(line: &str, width: usize) -> Option<String> {
    let b = line.as_bytes();
    if b.len() == width {
        return None;
    }
    let (mut start, mut len) = (0, 0);
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'<' {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        loop {
            if b.get(j) == Some(&b'<') {
                j += 1;
            } else if matches!(b.get(j), Some(b'K' | b'S' | b'C' | b'E' | b'X'))
                && b.get(j + 1) == Some(&b'<')
            {
                j += 2;
            } else {
                break;
            }
        }
        if j - i > len {
            (start, len) = (i, j - i);
        }
        i = j;
    }
    if len < 2 {
        return None;
    }
    let new_len = (len + width).checked_sub(b.len()).filter(|&n| n >= 1)?;
    let mut out = b[..start].to_vec();
    out.extend(std::iter::repeat_n(b'<', new_len));
    out.extend_from_slice(&b[start + len..]);
    String::from_utf8(out).ok()
}

/// The best MRZ from `readings[row]` (each row's readings, cleaned), or
/// `None` when no combination fits any format.
pub fn best_of(readings: &[Vec<String>]) -> Option<Mrz> {
    let best = best_without_drop(readings)?;
    if best.valid {
        return Some(best);
    }
    Some(drop_one(readings).unwrap_or(best))
}

/// A valid MRZ from the readings with one glyph taken out of a run of
/// equal glyphs in one row (then its filler run fitted to the width, as
/// usual), or `None`.
///
/// Why: OCR reads a run of equal glyphs one too long (`0000000` for
/// `000000`, seen on a MIDV passport), which shifts every later field by
/// one; filler fitting only repairs shifts inside filler runs. Only fully
/// valid results count, and of those the one needing the fewest
/// corrections, when it is alone: a deletion in the wrong place can
/// still pass after a one-character fix (a TD3 number's check and the
/// composite agree on any change to the number that keeps its check).
fn drop_one(readings: &[Vec<String>]) -> Option<Mrz> {
    let mut found: Vec<Mrz> = Vec::new();
    for (row, row_readings) in readings.iter().enumerate() {
        for reading in row_readings {
            let b = reading.as_bytes();
            for i in 1..b.len() {
                let second_of_run = b[i] == b[i - 1] && (i < 2 || b[i - 2] != b[i]);
                if !second_of_run || b[i] == b'<' {
                    continue;
                }
                let mut shorter = reading.clone();
                shorter.remove(i);
                let mut trial: Vec<Vec<String>> = readings.to_vec();
                trial[row] = vec![shorter];
                if let Some(m) = best_without_drop(&trial).filter(|m| m.valid) {
                    found.push(m);
                }
            }
        }
    }
    let fewest = found.iter().map(|m| m.corrections).min()?;
    let mut best = found.into_iter().filter(|m| m.corrections == fewest);
    let first = best.next()?;
    best.all(|m| m.lines == first.lines).then_some(first)
}

/// [`best_of`] without the one-deletion search.
fn best_without_drop(readings: &[Vec<String>]) -> Option<Mrz> {
    let rows = readings.len();
    if rows == 0 || readings.iter().any(Vec::is_empty) {
        return None;
    }
    let mut parsed: Vec<(Mrz, usize)> = Vec::new();
    for lines in combinations(readings) {
        for format in Format::ALL {
            let (format_rows, width) = format.shape();
            if format_rows != rows || !format.fits_document_code(lines[0].bytes().next()) {
                continue;
            }
            let misfit: usize = lines.iter().map(|l| l.len().abs_diff(width)).sum();
            let fits = |lines: &[String], min_share: usize| {
                lines
                    .iter()
                    .all(|l| l.len() * 5 >= width * min_share && l.len() <= width + 3)
            };
            if fits(&lines, 4) {
                if let Some(mrz) = parse(format, &lines) {
                    parsed.push((mrz, misfit));
                }
            }
            // The same lines with their filler runs stretched to the
            // format's width, when that changes any: a row that lost a
            // quarter of its fillers is still worth this.
            let fitted: Vec<String> = lines
                .iter()
                .map(|l| fit_fillers(l, width).unwrap_or_else(|| l.clone()))
                .collect();
            if fitted != lines && fits(&lines, 3) {
                if let Some(mrz) = parse(format, &fitted) {
                    parsed.push((mrz, misfit));
                }
            }
        }
    }
    let mut best = parsed
        .iter()
        .max_by_key(|(m, misfit)| rank(m, *misfit))?
        .0
        .clone();
    if !best.valid {
        if let Some(mixed) = mix(&best, &parsed) {
            if rank(&mixed, 0) > rank(&best, 0) {
                best = mixed;
            }
        }
    }
    Some(best)
}

/// Orders parses: by [`Mrz::rank`], then fewer characters added or cut
/// to fit the format.
fn rank(m: &Mrz, misfit: usize) -> ((bool, std::cmp::Reverse<usize>), std::cmp::Reverse<usize>) {
    (m.rank(), std::cmp::Reverse(misfit))
}

/// One field's cells (line, position), and the values it could take
/// (with its check digit), most frequent first.
type FieldChoices = (Vec<(usize, usize)>, Vec<Vec<u8>>);

/// `base` with its fields taken from the readings: for each field, every
/// distinct value (with its check digit) that passes its own check in
/// some parse of the same format is a candidate, and each choice of one
/// candidate per field is re-parsed so the composite check judges it.
/// A single reading's one-character fix can pass a field's check with the
/// wrong value (one chance in ten per try), so the composite, not the
/// first passing value, decides. The best-ranked mix is returned.
fn mix(base: &Mrz, parsed: &[(Mrz, usize)]) -> Option<Mrz> {
    let base_lines: Vec<Vec<u8>> = base.lines.iter().map(|l| l.as_bytes().to_vec()).collect();
    let mut fields: Vec<FieldChoices> = Vec::new();
    for check in checks(base.format) {
        if check.name == "composite" {
            continue;
        }
        let cells: Vec<(usize, usize)> = check
            .spans
            .iter()
            .flat_map(|&(li, s, e)| (s..e).map(move |p| (li, p)))
            .chain(std::iter::once(check.digit))
            .collect();
        let mut votes: Vec<(Vec<u8>, usize)> = Vec::new();
        for (m, _) in parsed {
            if m.format != base.format || m.failed_checks.contains(&check.name) {
                continue;
            }
            let value: Vec<u8> = cells
                .iter()
                .map(|&(li, p)| m.lines[li].as_bytes()[p])
                .collect();
            match votes.iter_mut().find(|(v, _)| *v == value) {
                Some((_, n)) => *n += 1,
                None => votes.push((value, 1)),
            }
        }
        votes.sort_by_key(|v| std::cmp::Reverse(v.1));
        let values: Vec<Vec<u8>> = votes.into_iter().map(|(v, _)| v).collect();
        if !values.is_empty() {
            fields.push((cells, values));
        }
    }
    let mut best: Option<Mrz> = None;
    for choice in combinations(&fields.iter().map(|(_, v)| v.clone()).collect::<Vec<_>>()) {
        let mut lines = base_lines.clone();
        for ((cells, _), value) in fields.iter().zip(&choice) {
            for (&(li, p), &c) in cells.iter().zip(value) {
                lines[li][p] = c;
            }
        }
        let text: Vec<String> = lines
            .iter()
            .map(|l| String::from_utf8_lossy(l).into_owned())
            .collect();
        let Some(mut mixed) = parse(base.format, &text) else {
            continue;
        };
        mixed.corrections += base.corrections;
        if best.as_ref().is_none_or(|b| rank(&mixed, 0) > rank(b, 0)) {
            best = Some(mixed);
        }
    }
    best
}

/// Every choice of one item per slot (one reading per row, one value
/// per field), at most [`MAX_COMBINATIONS`].
fn combinations<T: Clone>(slots: &[Vec<T>]) -> Vec<Vec<T>> {
    let mut out: Vec<Vec<T>> = vec![Vec::new()];
    for row in slots {
        let mut next = Vec::new();
        for prefix in &out {
            for reading in row {
                if next.len() >= MAX_COMBINATIONS {
                    break;
                }
                let mut lines = prefix.clone();
                lines.push(reading.clone());
                next.push(lines);
            }
        }
        out = next;
    }
    out
}

#[cfg(test)]
#[path = "readings/tests.rs"]
mod tests;
