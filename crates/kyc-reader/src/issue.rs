//! Choosing the issue (statement) date of a proof of address among all the
//! dates on it, by the label next to each date, and the three-month rule.
//!
//! A bill carries several dates: issue, due, billing period, contract,
//! meter reading. Order on the page is a poor guide, so each date is scored
//! by the label before it on the same line, or on the line above when its
//! own line has none.

use chrono::{Months, NaiveDate};

use crate::dates::{find_dates, fold};
use crate::engine::{Line, Word};

mod layout;

/// A date chosen on a page and where it was printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IssueDate {
    pub date: NaiveDate,
    /// The date's words, as (x, y, w, h) in the pixels of the OCR'd image.
    pub bbox: (u32, u32, u32, u32),
    /// Label evidence: +3 issue label, +2 generic, -3 another date's.
    pub score: i32,
}

/// Labels of the issue date itself: strongest evidence.
const ISSUE_LABELS: &[&str] = &[
    "statement date",
    "issue date",
    "date of issue",
    "invoice date",
    "bill date",
    "billing date",
    "date issued",
    "issued on",
    "printed on",
    "document date",
    "date of statement",
    "faktura tarixi",
    "verilme tarixi",
    "tertib tarixi",
    "hesab tarixi",
    "hesabin tarixi",
    "qaime tarixi",
    "fatura tarihi",
    "duzenleme tarihi",
    "belge tarihi",
    "tanzim tarihi",
    "kesim tarihi",
    "cap tarixi",
    "ekstre tarihi",
    "duzenlenme tarihi",
    "дата выдачи",
    "дата выставления",
    "дата счета",
    "дата документа",
    "дата формирования",
    "дата составления",
    "кужат куни",
    "берилген куни",
    "берилген",
    "курылган куни",
    "шот куни",
    "фактура куни",
];

/// Words that make any label another document's date, even an issue
/// label: "Next statement date", "Предыдущая дата выставления".
const NOT_THIS_ONE: &[&str] = &[
    "next",
    "previous",
    "last payment",
    "novbeti",
    "evvelki",
    "sonraki",
    "onceki",
    "следующ",
    "предыдущ",
    "келеси",
    "алдынгы",
];

/// Words that label some date (not necessarily the issue date).
const DATE_LABELS: &[&str] = &[
    "date", "dated", "tarix", "tarixi", "tarih", "tarihi", "дата", "куни", "от",
];

/// Labels of the other dates on a bill: due date, period, contract, birth,
/// reading, validity.
const OTHER_LABELS: &[&str] = &[
    "due",
    "pay by",
    "payment by",
    "deadline",
    "period",
    "from",
    "until",
    "valid",
    "expir",
    "contract",
    "agreement",
    "birth",
    "reading",
    "read date",
    "meter",
    "before",
    "disconnect",
    "start",
    "opened",
    "since",
    "payment",
    "son odenis",
    "son odeme",
    "odenis",
    "odeme",
    "dovr",
    "donem",
    "muqavile",
    "sozlesme",
    "dogum",
    "okuma",
    "oxunma",
    "sayac",
    "saygac",
    "gosterici",
    "baslangic",
    "abonelik",
    "baglanma",
    "qeden",
    "kadar",
    "срок",
    "оплатить",
    "оплаты",
    "период",
    "договор",
    "рождения",
    "показан",
    "снятия",
    "заключ",
    "начал",
    "последн",
    "действ",
    "до",
    "тoлеу",
    "толеу",
    "толем",
    "мерзим",
    "кезен",
    "келисим",
    "шарт",
    "туган",
    "корсеткиш",
    "жасалган",
];

/// Scores the label text before a date: +3 issue label, +2 generic date
/// label, -3 another date's label, 0 none. Another date's label wins over
/// a generic one ("Due date" is not an issue date).
pub fn label_score(label: &str) -> i32 {
    let label: String = fold(label)
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let words: Vec<Vec<char>> = label
        .split_whitespace()
        .map(|w| w.chars().collect())
        .collect();
    let has = |needle: &&str| has_label(&words, needle);
    if NOT_THIS_ONE.iter().any(has) {
        return -3;
    }
    if ISSUE_LABELS.iter().any(has) {
        return 3;
    }
    // "from" opens a billing period ("from 01.09 to 30.09").
    if OTHER_LABELS.iter().any(has) {
        return -3;
    }
    if DATE_LABELS.iter().any(has) {
        return 2;
    }
    0
}

/// Whether the label's words hold `needle`'s words in a row. Short
/// needles must match whole words ("от" is not "отчет"); longer ones end
/// in a word prefix ("expir" matches "expires"), their other words may
/// carry up to four more letters, and they tolerate one misread letter,
/// since OCR turns `Müqavilə` into `Mügavile`.
fn has_label(words: &[Vec<char>], needle: &str) -> bool {
    let parts: Vec<Vec<char>> = needle.split(' ').map(|p| p.chars().collect()).collect();
    let len: usize = parts.iter().map(Vec::len).sum();
    let short = len <= 3;
    let allowed = if len >= 6 { 1 } else { 0 };
    (0..words.len()).any(|start| {
        let mut misses = 0;
        parts.iter().enumerate().all(|(i, part)| {
            let Some(word) = words.get(start + i) else {
                return false;
            };
            // Inside a multi-word label a word may carry a case ending
            // (`Hesabın tarixi`, `Fakturanın tarixi`); the last one is a
            // prefix anyway.
            let last = i + 1 == parts.len();
            let fits = if short {
                word.len() == part.len()
            } else if last {
                word.len() >= part.len()
            } else {
                (part.len()..=part.len() + 4).contains(&word.len())
            };
            if !fits {
                return false;
            }
            misses += word.iter().zip(part).filter(|(a, b)| a != b).count();
            misses <= allowed
        })
    })
}

/// The dates an issue date can be on `as_of`: at most a year ahead (that
/// is already a review) and not decades old; anything further is a
/// misread number.
pub fn window(as_of: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    as_of
        .checked_sub_months(Months::new(12 * 15))
        .zip(as_of.checked_add_months(Months::new(12)))
}

/// Whether `date` lies in `window` (inclusive); no window takes any date.
pub fn in_window(window: Option<(NaiveDate, NaiveDate)>, date: NaiveDate) -> bool {
    window.is_none_or(|(lo, hi)| (lo..=hi).contains(&date))
}

/// Whether `date` is a plausible issue date on `as_of`: not after it and
/// at most two years before it. Proofs of address are sent within months
/// of issue; an older or future reading is more often a misread digit.
pub fn plausible(date: NaiveDate, as_of: NaiveDate) -> bool {
    date <= as_of && (as_of - date).num_days() <= 2 * 365
}

/// Picks the issue date from OCR lines. Returns the best-scored date;
/// ties go to the date highest on the page. Dates forming a range on one
/// row (`01.09.2026 - 30.09.2026`) are a billing period.
///
/// Lines are regrouped into visual rows first (see `layout`), so a value
/// printed far right of its label still gets it; a date with no words
/// before it on its row takes the label of the cell above it.
///
/// With `as_of`, dates outside [as_of - 15 y, as_of + 1 y] are ignored
/// (OCR noise such as `04-06-51` reads as a date decades away), and the
/// scores weigh plausibility: a date after `as_of` loses 2 (a due date, or
/// a misread), a date over two years older than the latest other date up
/// to `as_of` loses 1 (contract, connection and birth dates).
pub fn choose_issue_date(lines: &[Line], as_of: Option<NaiveDate>) -> Option<IssueDate> {
    let window = as_of.and_then(window);
    let spans: Vec<&[Word]> = lines
        .iter()
        .map(|l| l.words.as_slice())
        .filter(|w| !w.is_empty())
        .collect();
    let rows = layout::rows(&spans);
    let mut candidates: Vec<IssueDate> = Vec::new();
    for (ri, row) in rows.iter().enumerate() {
        let texts: Vec<&str> = row.words.iter().map(|w| w.text.as_str()).collect();
        let (folded, offsets) = join_folded(&texts);
        let found = find_dates(&folded);
        for (k, f) in found.iter().enumerate() {
            if window.is_some_and(|(lo, hi)| f.date < lo || f.date > hi) {
                continue;
            }
            let (from, to) = word_span(&offsets, f.start, f.end);
            let Some(bbox) = bounds(&row.words[from..to]) else {
                continue;
            };
            let label_start = if k == 0 { 0 } else { found[k - 1].end };
            let label = folded.get(label_start..f.start).unwrap_or("");
            let mut score = label_score(label);
            let own_label_has_text = label.chars().any(char::is_alphabetic);
            if score == 0 && !own_label_has_text {
                let above = layout::cell_above(&rows, ri, bbox.0, bbox.0 + bbox.2);
                if let Some(cell) = above.filter(|c| find_dates(c).is_empty()) {
                    score = label_score(&cell);
                }
            }
            let between_next = found
                .get(k + 1)
                .and_then(|n| folded.get(f.end..n.start))
                .map(|s| s.trim());
            let is_range_start = between_next.is_some_and(|s| RANGE_WORDS.contains(&s));
            let is_range_end = k > 0 && RANGE_WORDS.contains(&label.trim());
            if is_range_start || is_range_end {
                score -= 3;
            }
            candidates.push(IssueDate {
                date: f.date,
                bbox,
                score,
            });
        }
    }
    if let Some(as_of) = as_of {
        let latest = candidates
            .iter()
            .map(|c| c.date)
            .filter(|&d| d <= as_of)
            .max();
        for c in &mut candidates {
            if c.date > as_of {
                c.score -= 2;
            } else if latest.is_some_and(|l| (l - c.date).num_days() > 2 * 365) {
                c.score -= 1;
            }
        }
    }
    // Top to bottom: the first of equal scores wins.
    let mut best: Option<IssueDate> = None;
    for c in candidates {
        if best.is_none_or(|b| c.score > b.score) {
            best = Some(c);
        }
    }
    best
}

/// What joins the two ends of a date range.
const RANGE_WORDS: &[&str] = &[
    "-", "–", "—", "to", "до", "по", "-dek", "qeder", "kadar", "-den", "-dan",
];

/// The union of the words' boxes, as (x, y, w, h).
fn bounds(words: &[Word]) -> Option<(u32, u32, u32, u32)> {
    let x0 = words.iter().map(|w| w.x).min()?;
    let y0 = words.iter().map(|w| w.y).min()?;
    let x1 = words.iter().map(|w| w.x + w.w).max()?;
    let y1 = words.iter().map(|w| w.y + w.h).max()?;
    Some((x0, y0, x1 - x0, y1 - y0))
}

/// Folds and joins words with single spaces, returning each word's byte
/// offsets in the result (folding changes byte lengths, so offsets must be
/// taken after it).
fn join_folded(words: &[&str]) -> (String, Vec<(usize, usize)>) {
    let mut text = String::new();
    let mut offsets = Vec::with_capacity(words.len());
    for w in words {
        if !text.is_empty() {
            text.push(' ');
        }
        let start = text.len();
        text.push_str(&fold(w));
        offsets.push((start, text.len()));
    }
    (text, offsets)
}

/// The words `[from, to)` that a byte range of the joined text overlaps.
fn word_span(offsets: &[(usize, usize)], start: usize, end: usize) -> (usize, usize) {
    let from = offsets.iter().position(|&(_, e)| e > start).unwrap_or(0);
    let to = offsets
        .iter()
        .rposition(|&(s, _)| s < end)
        .map_or(offsets.len(), |i| i + 1);
    (from, to.max(from + 1).min(offsets.len().max(1)))
}

/// The verdict on an issue date under the contract's three-month rule:
/// on or after the same day three calendar months before `as_of` (month
/// ends clamp: 31 May looks back to 28/29 February).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Age {
    Fresh,
    TooOld,
    InFuture,
}

pub fn age(issue: NaiveDate, as_of: NaiveDate) -> Age {
    if issue > as_of {
        return Age::InFuture;
    }
    match as_of.checked_sub_months(Months::new(3)) {
        Some(limit) if issue < limit => Age::TooOld,
        _ => Age::Fresh,
    }
}

#[cfg(test)]
#[path = "issue/tests.rs"]
mod tests;
