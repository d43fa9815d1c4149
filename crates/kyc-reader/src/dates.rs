//! Finding calendar dates in OCR text, in the five languages players send
//! documents in (az, ru, tr, kk, en), numeric or with month names.
//!
//! Matching runs on a folded copy of the text (lowercase, diacritics and
//! Kazakh letters mapped to their nearest base letter) because OCR drops
//! diacritics unpredictably: `Kasım` comes back as `Kasim`, `қазан` as
//! `казан`. Folding is one char to one char so match offsets map back to
//! the words they came from.

use std::sync::OnceLock;

use chrono::NaiveDate;
use regex::Regex;

/// A date found in a string, with the byte range of its text in the folded
/// string (same char positions as the original).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FoundDate {
    pub date: NaiveDate,
    pub start: usize,
    pub end: usize,
    /// True when day and month could be swapped (both <= 12, numeric).
    pub ambiguous: bool,
}

/// Lowercases and strips diacritics, one char in, one char out.
pub fn fold(text: &str) -> String {
    text.chars().map(fold_char).collect()
}

fn fold_char(c: char) -> char {
    match c {
        'İ' | 'I' | 'ı' | 'ì' | 'í' | 'î' | 'ï' => 'i',
        'Ə' | 'ə' | 'É' | 'é' | 'È' | 'è' | 'Ê' | 'ê' | 'Ë' | 'ë' => 'e',
        'Ş' | 'ş' | 'Š' | 'š' => 's',
        'Ç' | 'ç' | 'Č' | 'č' => 'c',
        'Ğ' | 'ğ' => 'g',
        'Ö' | 'ö' | 'Ó' | 'ó' | 'Ô' | 'ô' => 'o',
        'Ü' | 'ü' | 'Ú' | 'ú' | 'Û' | 'û' => 'u',
        'Á' | 'á' | 'À' | 'à' | 'Â' | 'â' | 'Ä' | 'ä' => 'a',
        'Қ' | 'қ' => 'к',
        'Ғ' | 'ғ' => 'г',
        'Ү' | 'ү' | 'Ұ' | 'ұ' => 'у',
        'Ө' | 'ө' => 'о',
        'Ә' | 'ә' => 'а',
        'І' | 'і' => 'и',
        'Ң' | 'ң' => 'н',
        'Һ' | 'һ' => 'х',
        'Ё' | 'ё' => 'е',
        _ => c.to_lowercase().next().unwrap_or(c),
    }
}

/// Full month names, folded, per month. A word names a month when it is a
/// prefix of one of these (at least 3 letters: `oct`, `сен`) or one of
/// these followed by a short suffix (`mart'ta`, `октябрь`).
const MONTHS: [&[&str]; 12] = [
    &["january", "yanvar", "ocak", "января", "январь", "кантар"],
    &["february", "fevral", "subat", "февраля", "февраль", "акпан"],
    &["march", "mart", "марта", "март", "наурыз"],
    &["april", "aprel", "nisan", "апреля", "апрель", "сауир"],
    &["may", "mayis", "мая", "май", "мамыр"],
    &["june", "iyun", "haziran", "июня", "июнь", "маусым"],
    &["july", "iyul", "temmuz", "июля", "июль", "шилде"],
    &["august", "avqust", "agustos", "августа", "август", "тамыз"],
    &[
        "september",
        "sentyabr",
        "eylul",
        "сентября",
        "сентябрь",
        "кыркуйек",
    ],
    &["october", "oktyabr", "ekim", "октября", "октябрь", "казан"],
    &["november", "noyabr", "kasim", "ноября", "ноябрь", "караша"],
    &[
        "december",
        "dekabr",
        "aralik",
        "декабря",
        "декабрь",
        "желтоксан",
    ],
];

/// The month a folded word names, if any.
pub fn month_of(word: &str) -> Option<u32> {
    let word: String = fold(word).chars().filter(|c| c.is_alphabetic()).collect();
    let len = word.chars().count();
    if len < 3 {
        return None;
    }
    for (i, names) in MONTHS.iter().enumerate() {
        for name in names.iter() {
            let name_len = name.chars().count();
            let prefix = name.starts_with(word.as_str());
            let suffixed = word.starts_with(name) && len <= name_len + 3;
            if prefix || suffixed {
                return Some(i as u32 + 1);
            }
        }
    }
    None
}

/// A three-letter month abbreviation with one letter misread (`14/lun/2017`
/// for `14/JUN/2017`), when exactly one month is that close. Used only
/// between a day and a year, where nothing but a month fits.
fn misread_month(word: &str) -> Option<u32> {
    const ABBREVIATIONS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let word: Vec<char> = word.trim_end_matches('.').chars().collect();
    if word.len() != 3 {
        return None;
    }
    let close: Vec<usize> = ABBREVIATIONS
        .iter()
        .enumerate()
        .filter(|(_, a)| a.chars().zip(&word).filter(|(x, y)| x != *y).count() == 1)
        .map(|(i, _)| i)
        .collect();
    match close.as_slice() {
        [i] => Some(*i as u32 + 1),
        _ => None,
    }
}

fn regexes() -> &'static [(Regex, Shape)] {
    static RES: OnceLock<Vec<(Regex, Shape)>> = OnceLock::new();
    RES.get_or_init(|| {
        let word = r"(\p{L}{3,}\.?)";
        let specs = [
            // 2026-10-15, 2026/10/15, 2026.10.15
            (r"(?:^|[^\d])(\d{4})[./-](\d{1,2})[./-](\d{1,2})(?:$|[^\d])", Shape::Ymd),
            // 15.10.2026, 15/10/26, 15-10-2026, 15. 10. 2026
            (r"(?:^|[^\d])(\d{1,2}) ?[./-] ?(\d{1,2}) ?[./-] ?(\d{4}|\d{2})(?:$|[^\d])", Shape::Dmy),
            // 20180304
            (r"(?:^|[^\d])((?:19|20)\d{2})(\d{2})(\d{2})(?:$|[^\d])", Shape::Ymd),
            // 15 October 2026, 15-JAN-2017, 14/JUN/2017, 28 MAR 18, «15» октября 2026 г.
            (&format!(r#"(?:^|[^\d])(\d{{1,2}})["'»”]?(?:[ ./-]+|\s*-?(?:ci|cu|cı|cü|th|st|nd|rd)\s+){word}[ ./,-]*(\d{{4}}|\d{{2}})(?:$|[^\d])"#), Shape::DMonY),
            // October 15, 2026; OCT 3, 2016
            (&format!(r"(?:^|[^\p{{L}}]){word}[ .]*(\d{{1,2}})(?:st|nd|rd|th)?,? +(\d{{4}})(?:$|[^\d])"), Shape::MonDY),
            // 2026 жылғы 15 қазан; 2026 ж. «15» қазан; 2026-cı il 15 oktyabr
            (&format!(r#"(?:^|[^\d])(\d{{4}})(?: ?-? ?(?:ci|cu|c1) )?(?: ?(?:жылгы|жыл|ж\.?|ил|il|yil|г\.?|года))? *["'«“]?(\d{{1,2}})["'»”]?[ .-]+{word}"#), Shape::YDMon),
        ];
        specs
            .iter()
            .filter_map(|(re, shape)| Regex::new(re).ok().map(|r| (r, *shape)))
            .collect()
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Ymd,
    Dmy,
    DMonY,
    MonDY,
    YDMon,
}

/// Turns a two-digit year into a four-digit one: documents are recent, so
/// 00–69 are 2000s and 70–99 are 1900s (a birth year on a bill is rare).
pub fn expand_year(y: i32, digits: usize) -> i32 {
    if digits == 4 {
        y
    } else if y < 70 {
        2000 + y
    } else {
        1900 + y
    }
}

/// OCR reads `0` as `O`/`o` and `1` as `l`/`I`/`|` inside dates; fixes
/// those in runs that already look numeric, one char for one char.
fn fix_digit_lookalikes(folded: &str) -> String {
    let chars: Vec<char> = folded.chars().collect();
    let is_datey = |c: char| c.is_ascii_digit() || matches!(c, '.' | '/' | '-');
    let mut out = chars.clone();
    for i in 0..chars.len() {
        if !matches!(chars[i], 'o' | 'l' | 'i' | '|') {
            continue;
        }
        let prev = if i > 0 { Some(chars[i - 1]) } else { None };
        let next = chars.get(i + 1).copied();
        let digit = |c: Option<char>| c.is_some_and(|c| c.is_ascii_digit());
        // The other neighbour must not be a letter: `l5` at a word start
        // is `15`, but `lo` in `hello` stays.
        let quiet =
            |c: Option<char>| c.is_none_or(|c| is_datey(c) || c.is_whitespace() || c == '(');
        if (digit(prev) && (digit(next) || quiet(next))) || (digit(next) && quiet(prev)) {
            out[i] = if chars[i] == 'o' { '0' } else { '1' };
        }
    }
    out.into_iter().collect()
}

/// Whether an OCR line looks like it holds a date, read or not: two
/// separators between short runs (`14/4ur/2017`, `04-00-/`), or a date
/// label followed by a digit (`Date : O4 06 2018`). Loose on purpose: it
/// only picks lines worth a second, closer look.
pub fn looks_like_date(text: &str) -> bool {
    static RES: OnceLock<Vec<Regex>> = OnceLock::new();
    let res = RES.get_or_init(|| {
        [
            r"\d{1,4} ?[./-] ?[\p{L}\d]{1,4} ?[./-]",
            r"(?:^|[^\p{L}])(?:date|dated|tarix|tarih|дата|куни)\p{L}*[^\d]{0,6}\d",
            // A month name misread with its first separator: `144lur/2017`.
            r"(?:^|\s)\d{1,3}\p{L}{2,4}[./-]\d{4}(?:$|\s)",
        ]
        .iter()
        .filter_map(|re| Regex::new(re).ok())
        .collect()
    });
    let folded = fix_digit_lookalikes(&fold(text));
    res.iter().any(|re| re.is_match(&folded))
}

/// Every date in `text` (one OCR line), in order of position. Offsets are
/// byte offsets into `fold(text)`.
pub fn find_dates(text: &str) -> Vec<FoundDate> {
    let folded = fix_digit_lookalikes(&fold(text));
    let mut found: Vec<FoundDate> = Vec::new();
    for (re, shape) in regexes() {
        // Each pattern eats one char of context after a date; searching on
        // from the date's own end lets `01.09.2026 30.09.2026` give both.
        let mut at = 0;
        while let Some(caps) = re.captures_at(&folded, at) {
            let (Some(a), Some(b), Some(c)) = (caps.get(1), caps.get(2), caps.get(3)) else {
                break;
            };
            let Some(date) = build(*shape, a.as_str(), b.as_str(), c.as_str()) else {
                // `#19- 21/05/2018` first matches `19- 21/05`, which is no
                // date: search again from the next char, not past it.
                let first = a.as_str().chars().next().map_or(1, char::len_utf8);
                at = a.start() + first;
                continue;
            };
            at = a.end().max(b.end()).max(c.end());
            let (start, end) = (a.start().min(b.start()), c.end().max(b.end()));
            if found.iter().any(|f| f.start < end && start < f.end) {
                continue;
            }
            found.push(FoundDate {
                date: date.0,
                start,
                end,
                ambiguous: date.1,
            });
        }
    }
    found.sort_by_key(|f| f.start);
    found
}

fn num(s: &str) -> Option<i32> {
    s.parse().ok()
}

fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    if !(1950..=2099).contains(&y) {
        return None;
    }
    NaiveDate::from_ymd_opt(y, m, d)
}

fn build(shape: Shape, a: &str, b: &str, c: &str) -> Option<(NaiveDate, bool)> {
    match shape {
        Shape::Ymd => Some((ymd(num(a)?, num(b)? as u32, num(c)? as u32)?, false)),
        Shape::Dmy => {
            let (x, y) = (num(a)? as u32, num(b)? as u32);
            let year = expand_year(num(c)?, c.len());
            // Day first is the convention in all five markets; month first
            // only when day first is impossible (a US-style 10/15/2026).
            match ymd(year, y, x) {
                Some(d) => Some((d, x <= 12 && y <= 12 && x != y)),
                None => Some((ymd(year, x, y)?, false)),
            }
        }
        Shape::DMonY => {
            let m = month_of(b).or_else(|| misread_month(b))?;
            Some((
                ymd(expand_year(num(c)?, c.len()), m, num(a)? as u32)?,
                false,
            ))
        }
        Shape::MonDY => {
            let m = month_of(a)?;
            Some((ymd(num(c)?, m, num(b)? as u32)?, false))
        }
        Shape::YDMon => {
            let m = month_of(c)?;
            Some((ymd(num(a)?, m, num(b)? as u32)?, false))
        }
    }
}

#[cfg(test)]
#[path = "dates/tests.rs"]
mod tests;
