//! Machine-readable zones (ICAO 9303): finding the MRZ lines in OCR
//! output, correcting single misreads with the check digits, parsing the
//! fields.
//!
//! OCR of OCR-B text reads the `<` filler as `K`, `S` or `C` and confuses
//! `0`/`O`, `1`/`I`, `8`/`B`, `5`/`S`. Positions that must be digits (dates,
//! check digits) are mapped back to digits first; then a field whose check
//! digit fails gets every single-character confusion tried, and the fix is
//! kept only when exactly one makes the check pass.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

pub mod ocrb;
pub mod readings;

/// The MRZ formats: ID-1 cards (3x30), ID-2 (2x36), passports (2x44),
/// and the visas (MRV-A 2x44, MRV-B 2x36), whose document code starts
/// with `V` and which have no composite check (their optional data has
/// none either).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Format {
    Td1,
    Td2,
    Td3,
    MrvA,
    MrvB,
}

impl Format {
    const ALL: [Format; 5] = [
        Format::Td3,
        Format::Td2,
        Format::Td1,
        Format::MrvA,
        Format::MrvB,
    ];

    fn shape(self) -> (usize, usize) {
        match self {
            Format::Td1 => (3, 30),
            Format::Td2 | Format::MrvB => (2, 36),
            Format::Td3 | Format::MrvA => (2, 44),
        }
    }

    /// Whether a zone whose first line starts with `first` can be this
    /// format: visas start with `V`, passports and ID cards never do.
    fn fits_document_code(self, first: Option<u8>) -> bool {
        let visa = matches!(self, Format::MrvA | Format::MrvB);
        visa == (first == Some(b'V'))
    }
}

/// A parsed MRZ. Dates stay as printed (`YYMMDD`); the century depends on
/// the day the document is checked (see [`birth_date`], [`expiry_date`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mrz {
    pub format: Format,
    pub lines: Vec<String>,
    pub document_type: String,
    pub country: String,
    pub surname: String,
    pub given_names: String,
    pub number: String,
    pub nationality: String,
    pub birth: String,
    pub sex: String,
    pub expiry: String,
    /// Every check digit valid (after correction).
    pub valid: bool,
    /// Names of the checks that fail.
    pub failed_checks: Vec<&'static str>,
    /// How many characters the check digits corrected.
    pub corrections: usize,
}

impl Mrz {
    /// How good a reading is, for choosing between readings of one zone:
    /// valid first, then fewer failing checks.
    pub fn rank(&self) -> (bool, std::cmp::Reverse<usize>) {
        (self.valid, std::cmp::Reverse(self.failed_checks.len()))
    }
}

/// ICAO 9303 check digit: weights 7, 3, 1 repeating; `<` = 0, `0-9` their
/// value, `A-Z` = 10–35. `None` on any other character.
pub fn check_digit(field: &[u8]) -> Option<u8> {
    let mut sum: u32 = 0;
    for (i, &c) in field.iter().enumerate() {
        let v = match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'A'..=b'Z' => u32::from(c - b'A') + 10,
            b'<' => 0,
            _ => return None,
        };
        sum += v * [7, 3, 1][i % 3];
    }
    Some((sum % 10) as u8)
}

/// Whether putting `c` at `pos` mends a character of the wrong kind:
/// both neighbours are digits (or both letters), the character there is
/// not, and `c` is. A digit between letters or a letter between digits
/// is the likelier misread.
fn fits_neighbours(line: &[u8], pos: usize, c: u8) -> bool {
    let before = pos.checked_sub(1).and_then(|p| line.get(p));
    let after = line.get(pos + 1);
    let Some((&a, &b, &was)) = before
        .zip(after)
        .zip(line.get(pos))
        .map(|((a, b), w)| (a, b, w))
    else {
        return false;
    };
    let kind = |x: u8| (x.is_ascii_digit(), x.is_ascii_uppercase());
    kind(a) == kind(b) && a != b'<' && kind(was) != kind(a) && kind(c) == kind(a)
}

/// A span of one MRZ line: (line, start, end).
type Span = (usize, usize, usize);

/// One check: the spans it covers, and where its digit is.
#[derive(Clone, Copy)]
struct Check {
    name: &'static str,
    spans: &'static [Span],
    digit: (usize, usize),
    /// Optional-data fields may leave their check digit as `<` when empty.
    may_be_empty: bool,
}

/// A mandatory field with its check digit right after it.
macro_rules! field {
    ($name:literal, $line:literal, $start:literal, $end:literal) => {
        Check {
            name: $name,
            spans: &[($line, $start, $end)],
            digit: ($line, $end),
            may_be_empty: false,
        }
    };
}

/// The second-row fields TD3 passports, TD2 cards and both visa formats
/// share: document number, birth date, expiry date.
const ROW2_NUMBER: Check = field!("number", 1, 0, 9);
const ROW2_BIRTH: Check = field!("birth", 1, 13, 19);
const ROW2_EXPIRY: Check = field!("expiry", 1, 21, 27);

fn checks(format: Format) -> &'static [Check] {
    match format {
        Format::Td3 => &[
            ROW2_NUMBER,
            ROW2_BIRTH,
            ROW2_EXPIRY,
            Check {
                name: "personal_number",
                spans: &[(1, 28, 42)],
                digit: (1, 42),
                may_be_empty: true,
            },
            Check {
                name: "composite",
                spans: &[(1, 0, 10), (1, 13, 20), (1, 21, 43)],
                digit: (1, 43),
                may_be_empty: false,
            },
        ],
        Format::Td2 => &[
            ROW2_NUMBER,
            ROW2_BIRTH,
            ROW2_EXPIRY,
            Check {
                name: "composite",
                spans: &[(1, 0, 10), (1, 13, 20), (1, 21, 35)],
                digit: (1, 35),
                may_be_empty: false,
            },
        ],
        Format::MrvA | Format::MrvB => &[ROW2_NUMBER, ROW2_BIRTH, ROW2_EXPIRY],
        Format::Td1 => &[
            field!("number", 0, 5, 14),
            field!("birth", 1, 0, 6),
            field!("expiry", 1, 8, 14),
            Check {
                name: "composite",
                spans: &[(0, 5, 30), (1, 0, 7), (1, 8, 15), (1, 18, 29)],
                digit: (1, 29),
                may_be_empty: false,
            },
        ],
    }
}

/// Positions that can only hold digits: dates and check digits.
fn numeric_spans(format: Format) -> &'static [Span] {
    match format {
        Format::Td3 => &[(1, 9, 10), (1, 13, 20), (1, 21, 28), (1, 43, 44)],
        Format::Td2 => &[(1, 9, 10), (1, 13, 20), (1, 21, 28), (1, 35, 36)],
        Format::MrvA | Format::MrvB => &[(1, 9, 10), (1, 13, 20), (1, 21, 28)],
        Format::Td1 => &[(0, 14, 15), (1, 0, 7), (1, 8, 15), (1, 29, 30)],
    }
}

fn to_digit(c: u8) -> u8 {
    match c {
        b'O' | b'Q' | b'D' | b'U' => b'0',
        b'I' | b'L' | b'J' => b'1',
        b'Z' => b'2',
        b'S' => b'5',
        b'G' => b'6',
        b'T' => b'7',
        b'B' => b'8',
        b'A' => b'4',
        _ => c,
    }
}

/// Characters OCR confuses with `c` in OCR-B.
fn confusions(c: u8) -> &'static [u8] {
    match c {
        b'0' => b"OQD",
        b'O' | b'Q' | b'D' => b"0",
        b'1' => b"I7L",
        b'I' | b'L' => b"1",
        b'7' => b"1T",
        b'8' => b"B63",
        b'B' => b"8",
        b'6' => b"G85",
        b'G' => b"6",
        b'5' => b"S6",
        b'S' => b"5<",
        b'2' => b"Z",
        b'Z' => b"2",
        b'3' => b"8",
        b'4' => b"A",
        b'9' => b"0",
        b'<' => b"KSC",
        b'K' | b'C' | b'E' => b"<",
        _ => b"",
    }
}

/// Cleans one OCR line: uppercase, spaces dropped, look-alikes of `<`
/// (`«`, `‹`) mapped to it. `None` when it does not look like MRZ text.
pub fn clean_line(raw: &str) -> Option<String> {
    let mut out = String::new();
    for c in raw.chars() {
        match c {
            ' ' | '\t' => {}
            '«' | '‹' | '(' | '{' | '[' => out.push('<'),
            c if c.is_ascii_alphanumeric() || c == '<' => out.push(c.to_ascii_uppercase()),
            _ => return None,
        }
    }
    (out.len() >= 26 && out.contains('<')).then_some(out)
}

/// Finds an MRZ among OCR lines (raw text, top to bottom), corrects and
/// parses it. Prefers the format whose checks pass.
pub fn find_mrz(raw_lines: &[String]) -> Option<(Mrz, usize)> {
    let cleaned: Vec<Option<String>> = raw_lines.iter().map(|l| clean_line(l)).collect();
    let mut best: Option<(Mrz, usize)> = None;
    for format in Format::ALL {
        let (rows, width) = format.shape();
        for start in 0..cleaned.len() {
            let Some(group) = cleaned.get(start..start + rows) else {
                break;
            };
            let fits = group.iter().all(|l| {
                l.as_ref()
                    .is_some_and(|l| l.len() * 5 >= width * 4 && l.len() <= width + 3)
            });
            if !fits {
                continue;
            }
            let lines: Vec<String> = group.iter().flatten().cloned().collect();
            if !format.fits_document_code(lines[0].bytes().next()) {
                continue;
            }
            let Some(mrz) = parse(format, &lines) else {
                continue;
            };
            let better = match &best {
                None => true,
                Some((b, _)) => mrz.rank() > b.rank(),
            };
            if better {
                best = Some((mrz, start));
            }
        }
    }
    best
}

/// Parses MRZ lines of a known format, padding or trimming each line at the
/// end to the format's width (OCR drops or adds trailing fillers).
pub fn parse(format: Format, lines: &[String]) -> Option<Mrz> {
    let (rows, width) = format.shape();
    if lines.len() != rows {
        return None;
    }
    let mut g: Vec<Vec<u8>> = lines
        .iter()
        .map(|l| {
            let mut b: Vec<u8> = l.bytes().take(width).collect();
            b.resize(width, b'<');
            b
        })
        .collect();
    for &(li, s, e) in numeric_spans(format) {
        for c in &mut g[li][s..e] {
            *c = to_digit(*c);
        }
    }
    fix_filler_runs(&mut g);
    let mut corrections = 0;
    let all = checks(format);
    let composite = all.iter().find(|c| c.name == "composite");
    let fields = all.iter().filter(|c| c.name != "composite");
    let mut ambiguous = Vec::new();
    for check in fields {
        if passes(&g, check) || (check.name == "number" && overflow_number(format, &g).is_some()) {
            continue;
        }
        // Letters read inside a digit run first: the commonest misread,
        // and one that single changes get wrong (`CAOO01234` passes as
        // `CAOOQ1234`, and the TD3 composite cannot tell, since the
        // number sits at its start with the same weights).
        if let Some(fixed) = digits_in_digit_runs(&mut g, check) {
            corrections += fixed;
            continue;
        }
        match correct(format, &g, check).as_slice() {
            [(li, pos, c)] => {
                g[*li][*pos] = *c;
                corrections += 1;
            }
            [] => {}
            many => ambiguous.push(many.to_vec()),
        }
    }
    // A field with several one-character fixes keeps the one that also
    // makes the composite check pass, when exactly one does.
    for candidates in ambiguous {
        let fitting: Vec<&(usize, usize, u8)> = candidates
            .iter()
            .filter(|&&(li, pos, c)| {
                let mut trial = g.clone();
                trial[li][pos] = c;
                composite.is_none_or(|composite| passes(&trial, composite))
            })
            .collect();
        // Still several: a letter read inside digits (`9O2`) is a likelier
        // misread than one digit for another, so it wins if it is alone.
        let chosen = match fitting.as_slice() {
            [one] => Some(**one),
            many => {
                let top = many
                    .iter()
                    .map(|&&(li, pos, c)| plausibility(g[li][pos], c))
                    .max();
                let best: Vec<_> = many
                    .iter()
                    .filter(|&&&(li, pos, c)| Some(plausibility(g[li][pos], c)) == top)
                    .collect();
                match best.as_slice() {
                    [one] => Some(***one),
                    _ => None,
                }
            }
        };
        if let Some((li, pos, c)) = chosen {
            g[li][pos] = c;
            corrections += 1;
        }
    }
    if let Some(composite) = composite.filter(|c| !passes(&g, c)) {
        // A fix must not break a field check that passes; of several,
        // the one that matches its neighbours (`L1N` → `LIN`) is taken
        // when it is alone in doing so.
        let fixes: Vec<(usize, usize, u8)> = correct(format, &g, composite)
            .into_iter()
            .filter(|&(li, pos, c)| {
                let mut trial = g.clone();
                trial[li][pos] = c;
                all.iter()
                    .filter(|f| f.name != "composite" && passes(&g, f))
                    .all(|f| passes(&trial, f))
            })
            .collect();
        let fitting: Vec<(usize, usize, u8)> = fixes
            .iter()
            .copied()
            .filter(|&(li, pos, c)| fits_neighbours(&g[li], pos, c))
            .collect();
        let chosen = match (fixes.as_slice(), fitting.as_slice()) {
            ([one], _) | (_, [one]) => Some(*one),
            _ => None,
        };
        if let Some((li, pos, c)) = chosen {
            g[li][pos] = c;
            corrections += 1;
        }
    }
    let overflow = overflow_number(format, &g);
    let failed: Vec<&'static str> = all
        .iter()
        .filter(|c| match (c.name, &overflow) {
            ("number", Some((_, ok))) => !ok,
            _ => !passes(&g, c),
        })
        .map(|c| c.name)
        .collect();
    let text = |li: usize, s: usize, e: usize| String::from_utf8_lossy(&g[li][s..e]).into_owned();
    let trimmed = |li: usize, s: usize, e: usize| text(li, s, e).trim_end_matches('<').to_owned();
    let (names, number, nationality, birth, sex, expiry) = match format {
        Format::Td3 | Format::Td2 | Format::MrvA | Format::MrvB => (
            text(0, 5, width),
            trimmed(1, 0, 9),
            trimmed(1, 10, 13),
            text(1, 13, 19),
            text(1, 20, 21),
            text(1, 21, 27),
        ),
        Format::Td1 => (
            text(2, 0, 30),
            trimmed(0, 5, 14),
            trimmed(1, 15, 18),
            text(1, 0, 6),
            text(1, 7, 8),
            text(1, 8, 14),
        ),
    };
    let number = overflow.map_or(number, |(whole, _)| whole);
    let (surname, given) = names.split_once("<<").unwrap_or((names.as_str(), ""));
    let words = |s: &str| {
        s.split('<')
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    };
    Some(Mrz {
        format,
        lines: g
            .iter()
            .map(|l| String::from_utf8_lossy(l).into_owned())
            .collect(),
        document_type: trimmed(0, 0, 2),
        country: trimmed(0, 2, 5),
        surname: words(surname),
        given_names: words(given),
        number,
        nationality,
        birth,
        sex,
        expiry,
        valid: failed.is_empty(),
        failed_checks: failed,
        corrections,
    })
}

/// A document number longer than nine characters (ICAO 9303 TD1 and
/// TD2): its check digit position holds `<`, and the number goes on in
/// the optional data up to the first filler, the last character before
/// it being the check digit (over the whole number). Returns the whole
/// number and whether its check passes; `None` when it does not overflow.
fn overflow_number(format: Format, g: &[Vec<u8>]) -> Option<(String, bool)> {
    let (li, head, optional) = match format {
        Format::Td1 => (0, 5..14, 15..30),
        Format::Td2 => (1, 0..9, 28..35),
        _ => return None,
    };
    let line = g.get(li)?;
    if line.get(head.end) != Some(&b'<') || line.get(optional.start) == Some(&b'<') {
        return None;
    }
    let end = optional
        .clone()
        .find(|&p| line.get(p) == Some(&b'<'))
        .unwrap_or(optional.end);
    if end < optional.start + 2 {
        return None;
    }
    let mut number: Vec<u8> = line.get(head)?.to_vec();
    number.extend_from_slice(line.get(optional.start..end - 1)?);
    let digit = *line.get(end - 1)?;
    let ok = digit.is_ascii_digit() && check_digit(&number) == Some(digit - b'0');
    Some((String::from_utf8_lossy(&number).into_owned(), ok))
}

/// A run of filler look-alikes running to the end of a line, starting
/// with and holding real fillers, is fillers: `<<KKKK<<` → `<<<<<<<<`.
fn fix_filler_runs(g: &mut [Vec<u8>]) {
    for line in g.iter_mut() {
        let mut start = line.len();
        while start > 0 && matches!(line[start - 1], b'<' | b'K' | b'S' | b'C' | b'E' | b'X') {
            start -= 1;
        }
        // The run starts at a real filler, so a name ending in `E`, `K`,
        // `S` or `C` keeps its last letter.
        while start < line.len() && line[start] != b'<' {
            start += 1;
        }
        let run = &line[start..];
        let fillers = run.iter().filter(|&&c| c == b'<').count();
        if run.len() >= 3 && fillers >= 2 {
            for c in &mut line[start..] {
                *c = b'<';
            }
        }
    }
}

/// A failing field with its `O`/`Q`/`D`/`U` (read for `0`) and `I` (for
/// `1`) next to digits made digits, repeatedly so a run like `CAOO0000`
/// becomes `CA000000`: applied to `g` when that makes the field's check
/// pass, returning how many characters changed. OCR reads a run of zeros
/// as letters several at a time, which single changes cannot repair;
/// letters away from digits (`L898`, `CA`) are left alone.
fn digits_in_digit_runs(g: &mut [Vec<u8>], check: &Check) -> Option<usize> {
    let mut trial: Vec<Vec<u8>> = g.to_vec();
    let mut changed = 0;
    for &(li, s, e) in check.spans {
        let field = &mut trial[li][s..e];
        loop {
            let next = (0..field.len()).find(|&i| {
                let near_digit = (i > 0 && field[i - 1].is_ascii_digit())
                    || field.get(i + 1).is_some_and(u8::is_ascii_digit);
                matches!(field[i], b'O' | b'Q' | b'D' | b'U' | b'I') && near_digit
            });
            let Some(i) = next else { break };
            field[i] = to_digit(field[i]);
            changed += 1;
        }
    }
    if changed == 0 || !passes(&trial, check) {
        return None;
    }
    g.clone_from_slice(&trial);
    Some(changed)
}

fn field_bytes(g: &[Vec<u8>], spans: &[Span]) -> Vec<u8> {
    spans
        .iter()
        .flat_map(|&(li, s, e)| g[li][s..e].iter().copied())
        .collect()
}

fn passes(g: &[Vec<u8>], check: &Check) -> bool {
    let field = field_bytes(g, check.spans);
    let digit = g[check.digit.0][check.digit.1];
    if check.may_be_empty && digit == b'<' && field.iter().all(|&c| c == b'<') {
        return true;
    }
    digit.is_ascii_digit() && check_digit(&field) == Some(digit - b'0')
}

/// How likely OCR made this substitution: letter for digit (or a filler
/// look-alike) is a class error OCR makes often; digit for digit less so.
fn plausibility(from: u8, to: u8) -> u8 {
    match (from.is_ascii_digit(), to.is_ascii_digit()) {
        (false, true) => 2,
        _ if from == b'<' || to == b'<' => 2,
        (true, false) => 1,
        _ => 0,
    }
}

/// Every single-character change in a check's field or digit that makes
/// it pass.
fn correct(format: Format, g: &[Vec<u8>], check: &Check) -> Vec<(usize, usize, u8)> {
    // Dates and check digits are digits: a fix never puts a letter there.
    let numeric = |li: usize, pos: usize| {
        numeric_spans(format)
            .iter()
            .any(|&(l, s, e)| l == li && (s..e).contains(&pos))
    };
    let mut positions: Vec<(usize, usize)> = check
        .spans
        .iter()
        .flat_map(|&(li, s, e)| (s..e).map(move |p| (li, p)))
        .collect();
    positions.push(check.digit);
    let mut found = Vec::new();
    let mut trial: Vec<Vec<u8>> = g.to_vec();
    for (li, pos) in positions {
        let original = g[li][pos];
        for &alt in confusions(original) {
            if numeric(li, pos) && !alt.is_ascii_digit() {
                continue;
            }
            trial[li][pos] = alt;
            if passes(&trial, check) {
                found.push((li, pos, alt));
            }
        }
        trial[li][pos] = original;
    }
    found
}

fn yymmdd(s: &str) -> Option<(i32, u32, u32)> {
    if s.len() != 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((
        s[0..2].parse().ok()?,
        s[2..4].parse().ok()?,
        s[4..6].parse().ok()?,
    ))
}

/// The birth date, in the latest century that puts it on or before `as_of`.
pub fn birth_date(yymmdd_text: &str, as_of: NaiveDate) -> Option<NaiveDate> {
    let (yy, m, d) = yymmdd(yymmdd_text)?;
    let this = as_of.year() / 100 * 100;
    let date = NaiveDate::from_ymd_opt(this + yy, m, d)?;
    if date <= as_of {
        Some(date)
    } else {
        NaiveDate::from_ymd_opt(this - 100 + yy, m, d)
    }
}

/// The expiry date: documents are valid at most a few decades ahead, so the
/// century is the one that puts it within 50 years around `as_of`.
pub fn expiry_date(yymmdd_text: &str, as_of: NaiveDate) -> Option<NaiveDate> {
    let (yy, m, d) = yymmdd(yymmdd_text)?;
    let this = as_of.year() / 100 * 100;
    let mut year = this + yy;
    if year > as_of.year() + 50 {
        year -= 100;
    } else if year < as_of.year() - 50 {
        year += 100;
    }
    NaiveDate::from_ymd_opt(year, m, d)
}

/// Whole years between `birth` and `as_of`.
pub fn age_on(birth: NaiveDate, as_of: NaiveDate) -> i32 {
    let mut years = as_of.year() - birth.year();
    if (as_of.month(), as_of.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years
}

#[cfg(test)]
#[path = "mrz/tests.rs"]
mod tests;
