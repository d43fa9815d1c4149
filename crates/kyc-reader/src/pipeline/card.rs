//! Payment cards: locate the row of number glyphs on the card face,
//! classify each glyph against card-font shapes, read the row clean with
//! OCR as a vote, and check the reading against the glyph count and Luhn.

use image::GrayImage;
use kyc_checker::FieldLocation;

use super::{recognise, Context};
use crate::card::{parse_number, CardNumber};
use crate::digits::{best_reading, classify_row, combine, luhn_repair};
use crate::engine::{Line, Pass};
use crate::glyphs::{bounds, is_card_layout, number_row, split_groups, Glyph, NumberRow as Row};
use crate::prep::{crop, invert, resize_to, stretch, Prepared};

/// The best card-number reading, with where it was read.
pub struct CardReading {
    pub number: CardNumber,
    /// In the pixels of the image given to the reader.
    pub location: Option<FieldLocation>,
    /// The last four digits' own box, when the glyphs were located.
    pub last4_location: Option<FieldLocation>,
}

/// Weight of the OCR vote against the glyph classifier's correlation
/// (0..1): a unanimous OCR reading adds this much to its class.
const OCR_WEIGHT: f32 = 0.1;

/// Most score a Luhn repair may give up at one glyph (see
/// `digits::luhn_repair`).
const LUHN_MAX_LOSS: f32 = 0.04;

/// Most score a Luhn-valid OCR reading may be below the classifier's best
/// at any glyph to be taken over it.
const OCR_LUHN_MAX_LOSS: f32 = 0.1;

/// Digit height OCR reads best at, in pixels.
const GLYPH_PX: f64 = 40.0;

/// Dark-on-light crops of `rect` (band coordinates) scaled to GLYPH_PX
/// glyphs: the binarised mask, and the contrast-stretched grey.
fn views(row: &Row, rect: (u32, u32, u32, u32), glyph_h: u32) -> Vec<GrayImage> {
    let pad = glyph_h / 2;
    let (x, y) = (rect.0.saturating_sub(pad), rect.1.saturating_sub(pad));
    let (w, h) = (rect.2 + 2 * pad, rect.3 + 2 * pad);
    let scale = (GLYPH_PX / f64::from(glyph_h.max(1))).clamp(0.5, 4.0);
    let mask = invert(&crop(&row.mask, x, y, w, h));
    let gray = stretch(&crop(&row.band, x, y, w, h));
    let gray = if row.light { invert(&gray) } else { gray };
    vec![resize_to(&mask, scale), resize_to(&gray, scale)]
}

fn read_text(ctx: &Context<'_>, img: &GrayImage, psm: u8) -> String {
    let pass = Pass {
        languages: crate::MACHINE_PRINT,
        psm,
        whitelist: "0123456789X*",
    };
    let lines: Vec<Line> = recognise(ctx, img, &pass);
    let words: Vec<String> = lines.iter().map(Line::text).collect();
    words.join(" ")
}

fn compact(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The glyphs of `row` pasted on a white canvas with even spacing (a
/// glyph's width between digits, three between groups), dark on light,
/// from the binarised mask (`view` 0) or the stretched grey (1). Even
/// spacing stops OCR merging or dropping the narrow glyphs of card fonts.
fn respaced(row: &Row, groups: &[Vec<Glyph>], glyph_h: u32, view: usize) -> GrayImage {
    let scale = (GLYPH_PX / f64::from(glyph_h.max(1))).clamp(0.5, 4.0);
    let source = respaced_source(row, view);
    let (gap, group_gap, margin) = (glyph_h / 2, glyph_h * 3 / 2, glyph_h);
    let top = row.glyphs.iter().map(|g| g.y).min().unwrap_or(0);
    let bottom = row.glyphs.iter().map(|g| g.y + g.h).max().unwrap_or(0);
    let width: u32 = groups
        .iter()
        .map(|gr| gr.iter().map(|g| g.w + gap).sum::<u32>())
        .sum::<u32>()
        + group_gap * groups.len() as u32
        + 2 * margin;
    let height = bottom - top + 2 * margin;
    let mut canvas = GrayImage::from_pixel(width, height, image::Luma([255]));
    let mut x = margin;
    for group in groups {
        for g in group {
            let piece = crop(&source, g.x, top, g.w, bottom - top);
            image::imageops::overlay(&mut canvas, &piece, i64::from(x), i64::from(margin));
            x += g.w + gap;
        }
        x += group_gap;
    }
    resize_to(&canvas, scale)
}

/// The band dark on light: the binarised mask (`view` 0) or the
/// stretched grey (1).
fn respaced_source(row: &Row, view: usize) -> GrayImage {
    if view == 0 {
        invert(&row.mask)
    } else {
        let g = stretch(&row.band);
        if row.light {
            invert(&g)
        } else {
            g
        }
    }
}

/// Reads the located row: every glyph classified against the card-font
/// templates (see `digits`), Tesseract's readings of several views that
/// give one character per glyph as a light vote, the Luhn check to settle
/// near-ties; returns candidate texts, best first (then the raw OCR
/// readings, for rows whose glyphs could not be classified).
fn read_row(ctx: &Context<'_>, row: &Row) -> Vec<String> {
    let groups = split_groups(&row.glyphs);
    let glyph_h = {
        let mut hs: Vec<u32> = row.glyphs.iter().map(|g| g.h).collect();
        hs.sort_unstable();
        hs[hs.len() / 2]
    };
    let n = row.glyphs.len();
    let mut readings: Vec<String> = Vec::new();
    for view in 0..2 {
        readings.push(read_text(ctx, &respaced(row, &groups, glyph_h, view), 7));
    }
    // Card fonts break their strokes (the gaps in 6, 8, 9): a blur joins
    // them before Tesseract's own threshold.
    for sigma in [1.5f32, 2.5] {
        let img = image::imageops::blur(&respaced(row, &groups, glyph_h, 0), sigma);
        readings.push(read_text(ctx, &img, 7));
    }
    if let Some(rect) = bounds(&row.glyphs) {
        for img in views(row, rect, glyph_h) {
            readings.push(read_text(ctx, &img, 7));
        }
    }
    let exact: Vec<Vec<char>> = readings
        .iter()
        .map(|t| compact(t).chars().collect::<Vec<char>>())
        .filter(|c| c.len() == n)
        .collect();
    let mut out: Vec<String> = Vec::new();
    // The glyph classifier, with the OCR readings as a vote (see digits).
    let combined = combine(&classify_row(row), &exact, OCR_WEIGHT);
    let best = best_reading(&combined);
    let full = |text: &str| {
        (13..=19).contains(&n)
            && text.bytes().all(|b| b.is_ascii_digit())
            && crate::card::luhn(text)
    };
    if !full(&best) {
        if let Some(fixed) = luhn_repair(&combined, LUHN_MAX_LOSS) {
            out.push(regroup(&fixed, &groups));
        } else {
            // A Luhn-valid OCR reading the glyph scores do not contradict
            // (each of its characters near its glyph's best score).
            let agrees = |r: &Vec<char>| {
                r.iter().zip(&combined).all(|(c, s)| {
                    let top = s.first().map_or(0.0, |x| x.1);
                    s.iter()
                        .any(|(d, v)| d == c && top - v <= OCR_LUHN_MAX_LOSS)
                })
            };
            let valid = exact
                .iter()
                .filter(|r| agrees(r))
                .map(|r| r.iter().collect::<String>())
                .find(|text| full(text));
            if let Some(text) = valid {
                out.push(regroup(&text, &groups));
            }
        }
    }
    out.push(regroup(&best, &groups));
    // Glyphs that do not group like a card number (a proportional font
    // broken into pieces, say) make the per-glyph reading suspect: the
    // whole-row OCR readings go first then.
    let sizes: Vec<usize> = groups.iter().map(Vec::len).collect();
    if is_card_layout(&sizes) {
        out.extend(readings);
    } else {
        out.splice(0..0, readings);
    }
    out
}

/// Puts the group spaces back into a one-char-per-glyph reading.
fn regroup(chars: &str, groups: &[Vec<Glyph>]) -> String {
    let mut it = chars.chars();
    let parts: Vec<String> = groups
        .iter()
        .map(|g| it.by_ref().take(g.len()).collect())
        .collect();
    parts.join(" ")
}

/// The last group alone on the number line (the rest masked or covered):
/// four digits in the right half of the card.
fn last_four_only(text: &str, row: &Row, card_w: u32) -> Option<CardNumber> {
    let digits = compact(text);
    let right_half = row.glyphs.first().is_some_and(|g| g.x > card_w * 45 / 100);
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) || !right_half {
        return None;
    }
    Some(CardNumber {
        last4: Some(digits),
        other_digits: 0,
        length: 4,
        luhn_valid: false,
    })
}

/// Reads the card number by locating its glyphs; `None` when no row of
/// glyphs was found or none of its readings parse.
pub fn read_located(ctx: &Context<'_>, prepared: &Prepared) -> Option<CardReading> {
    let card = &prepared.image;
    let row = number_row(card)?;
    let texts = read_row(ctx, &row);
    let groups = split_groups(&row.glyphs);
    let number = texts.iter().find_map(|t| {
        parse_number(t).or_else(|| {
            (groups.len() == 1)
                .then(|| last_four_only(t, &row, card.width()))
                .flatten()
        })
    })?;
    // A row that does not group like a card number read without a Luhn-valid
    // result: the band passes may do better (whole lines of ordinary
    // type, which the per-glyph route cuts into pieces).
    let sizes: Vec<usize> = groups.iter().map(Vec::len).collect();
    if !is_card_layout(&sizes) && !number.luhn_valid {
        if let Some(band) = read_band(ctx, prepared).filter(|b| b.number.luhn_valid) {
            return Some(band);
        }
    }
    let to_source = |glyphs: &[Glyph]| {
        bounds(glyphs).map(|(x, y, w, h)| prepared.to_source(x, y + row.band_y, w, h))
    };
    Some(CardReading {
        number,
        location: to_source(&row.glyphs),
        last4_location: groups.last().and_then(|g| to_source(g)),
    })
}

/// The earlier band passes, for cards where no glyph row was found: the
/// band digits-only stretched, then inverted, then the whole card sparse.
pub fn read_band(ctx: &Context<'_>, prepared: &Prepared) -> Option<CardReading> {
    let card = &prepared.image;
    let (w, h) = card.dimensions();
    let (band_x, band_y) = (w * 2 / 100, h * 40 / 100);
    let band = crop(card, band_x, band_y, w * 96 / 100, h * 38 / 100);
    let digits = Pass {
        languages: crate::MACHINE_PRINT,
        psm: 6,
        whitelist: "0123456789*X",
    };
    let sparse = Pass {
        languages: crate::MACHINE_PRINT,
        psm: 11,
        whitelist: "",
    };
    let stretched = stretch(&band);
    let variants: [(GrayImage, &Pass<'_>, (u32, u32)); 3] = [
        (stretched.clone(), &digits, (band_x, band_y)),
        (invert(&stretched), &digits, (band_x, band_y)),
        (stretch(card), &sparse, (0, 0)),
    ];
    let mut best: Option<CardReading> = None;
    for (img, pass, offset) in &variants {
        for line in recognise(ctx, img, pass) {
            let Some(number) = parse_number(&line.text()) else {
                continue;
            };
            let location = line
                .bbox(0, line.words.len())
                .map(|(x, y, bw, bh)| prepared.to_source(x + offset.0, y + offset.1, bw, bh));
            if best
                .as_ref()
                .is_none_or(|b| number.score() > b.number.score())
            {
                best = Some(CardReading {
                    number,
                    location,
                    last4_location: None,
                });
            }
        }
        if best.as_ref().is_some_and(|b| b.number.luhn_valid) {
            break;
        }
    }
    best
}
