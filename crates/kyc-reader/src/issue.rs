//! Choosing the issue (statement) date of a proof of address among all the
//! dates on it, by the label next to each date, and the three-month rule.
//!
//! A bill carries several dates: issue, due, billing period, contract,
//! meter reading. Order on the page is a poor guide, so each date is scored
//! by the label before it on the same line, or on the line above when its
//! own line has none.

use chrono::{Months, NaiveDate};

use crate::dates::{find_dates, fold};

/// A date chosen on a page: which line and which words it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IssueDate {
    pub date: NaiveDate,
    pub line: usize,
    /// Word range `[from, to)` in the line.
    pub words: (usize, usize),
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
    "verilme tarixi",
    "tertib tarixi",
    "hesab tarixi",
    "qaime tarixi",
    "fatura tarihi",
    "duzenleme tarihi",
    "belge tarihi",
    "дата выдачи",
    "дата выставления",
    "дата счета",
    "дата документа",
    "дата формирования",
    "берилген куни",
    "берилген",
    "курылган куни",
    "шот куни",
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
    "son odenis",
    "son odeme",
    "odenis",
    "odeme",
    "dovr",
    "donem",
    "muqavile",
    "sozlesme",
    "dogum",
    "dogum",
    "qeden",
    "kadar",
    "срок",
    "оплатить",
    "оплаты",
    "период",
    "договор",
    "рождения",
    "показан",
    "действ",
    "до",
    "тoлеу",
    "толеу",
    "мерзим",
    "кезен",
    "келисим",
    "шарт",
    "туган",
];

/// Scores the label text before a date: +3 issue label, +2 generic date
/// label, -3 another date's label, 0 none. Another date's label wins over
/// a generic one ("Due date" is not an issue date).
pub fn label_score(label: &str) -> i32 {
    let label: String = fold(label)
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let label = format!(
        " {} ",
        label.split_whitespace().collect::<Vec<_>>().join(" ")
    );
    // Short words must match whole ("от" is not "отчет"); longer ones as a
    // word prefix ("expir" matches "expires", "expiry").
    let has = |needle: &str| {
        if needle.chars().count() <= 3 {
            label.contains(&format!(" {needle} "))
        } else {
            label.contains(&format!(" {needle}"))
        }
    };
    if ISSUE_LABELS.iter().any(|l| has(l)) {
        return 3;
    }
    // "from" opens a billing period ("from 01.09 to 30.09").
    if OTHER_LABELS.iter().any(|l| has(l)) {
        return -3;
    }
    if DATE_LABELS.iter().any(|l| has(l)) {
        return 2;
    }
    0
}

/// Picks the issue date from OCR lines (each a list of words). Returns the
/// best-scored date; ties go to the date highest on the page. Dates forming
/// a range on one line (`01.09.2026 - 30.09.2026`) are a billing period.
/// Dates outside `window` (inclusive) are ignored: OCR noise such as
/// `04-06-51` reads as a date decades away from any plausible issue day.
pub fn choose_issue_date(
    lines: &[Vec<String>],
    window: Option<(NaiveDate, NaiveDate)>,
) -> Option<IssueDate> {
    let mut best: Option<IssueDate> = None;
    for (li, words) in lines.iter().enumerate() {
        let (folded, offsets) = join_folded(words);
        let found = find_dates(&folded);
        for (k, f) in found.iter().enumerate() {
            if window.is_some_and(|(lo, hi)| f.date < lo || f.date > hi) {
                continue;
            }
            let label_start = if k == 0 { 0 } else { found[k - 1].end };
            let label = folded.get(label_start..f.start).unwrap_or("");
            let mut score = label_score(label);
            let own_label_has_text = label.chars().any(char::is_alphabetic);
            if score == 0 && !own_label_has_text && li > 0 {
                let above = lines[li - 1].join(" ");
                if find_dates(&above).is_empty() {
                    score = label_score(&above).min(2) - 1;
                    if score == -1 {
                        score = 0;
                    }
                }
            }
            let between_next = found
                .get(k + 1)
                .and_then(|n| folded.get(f.end..n.start))
                .map(|s| s.trim());
            let is_range_start = matches!(
                between_next,
                Some("-" | "–" | "—" | "to" | "до" | "-dek" | "qeder")
            );
            let is_range_end = k > 0 && matches!(label.trim(), "-" | "–" | "—" | "to" | "до");
            if is_range_start || is_range_end {
                score -= 3;
            }
            let words = word_span(&offsets, f.start, f.end);
            let cand = IssueDate {
                date: f.date,
                line: li,
                words,
                score,
            };
            if best.is_none_or(|b| cand.score > b.score) {
                best = Some(cand);
            }
        }
    }
    best
}

/// Folds and joins words with single spaces, returning each word's byte
/// offsets in the result (folding changes byte lengths, so offsets must be
/// taken after it).
fn join_folded(words: &[String]) -> (String, Vec<(usize, usize)>) {
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
