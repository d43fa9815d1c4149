//! Builders the unit tests of several modules share: dates, and OCR lines
//! laid out as Tesseract would return them for a given text.

use chrono::NaiveDate;

use crate::engine::{Line, Word};

pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// One OCR line whose first char is at `(x, y)`: each char 10 px wide,
/// words 20 px tall, so runs of spaces lay out columns.
pub fn line_at(text: &str, x: u32, y: u32) -> Line {
    let mut words = Vec::new();
    let mut start = None;
    let chars: Vec<char> = text.chars().collect();
    for i in 0..=chars.len() {
        let space = chars.get(i).is_none_or(|c| c.is_whitespace());
        match (start, space) {
            (None, false) => start = Some(i),
            (Some(s), true) => {
                words.push(Word {
                    text: chars[s..i].iter().collect(),
                    conf: 90.0,
                    x: x + s as u32 * 10,
                    y,
                    w: (i - s) as u32 * 10,
                    h: 20,
                });
                start = None;
            }
            _ => {}
        }
    }
    Line { words }
}
