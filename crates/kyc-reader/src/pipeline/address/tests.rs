//! The quick, whole-page and faint readings on pages drawn here with the
//! card module's digit strokes (no font rasteriser in the workspace), and
//! read by the installed Tesseract (`scripts/deps.sh`).

use super::*;
use crate::digits::{all_shapes, render, Strokes};
use crate::testing::day;
use crate::DEFAULT_LANGUAGES;
use image::Luma;
use kyc_checker::CheckRequest;
use kyc_core::DocumentKind;

/// The strokes of `c`: digits from the sans set (the last drawn of each),
/// and the three date separators.
fn strokes(c: char) -> Strokes {
    match c {
        '.' => vec![vec![(0.5, 0.95)]],
        '/' => vec![vec![(0.9, 0.0), (0.1, 1.0)]],
        '-' => vec![vec![(0.15, 0.55), (0.85, 0.55)]],
        _ => all_shapes()
            .into_iter()
            .filter(|(k, _)| *k == c)
            .map(|(_, s)| s)
            .next_back()
            .expect("a digit"),
    }
}

/// How glyphs are inked.
#[derive(Clone, Copy, PartialEq)]
enum Pen {
    Solid,
    /// Round dots on a grid a ninth of the glyph height apart, as a
    /// dot-matrix printer leaves them.
    Dots,
}

/// Draws `text` (digits, spaces, `.`, `/`, `-`) with its top left at
/// (x, y), glyphs `h` px tall, blending `ink` over the page.
fn draw(page: &mut GrayImage, text: &str, (x, y): (u32, u32), h: u32, ink: u8, pen: Pen) {
    let w = h * 6 / 10;
    let mut at = x;
    for c in text.chars() {
        if c == ' ' {
            at += w;
            continue;
        }
        let cw = if c == '.' { w / 2 } else { w };
        let patch = render(&strokes(c), cw as usize, h as usize, 0.12);
        let step = h as f32 / 9.0;
        let coverage = |px: u32, py: u32| -> f32 {
            let solid = patch[(py * cw + px) as usize];
            if pen == Pen::Solid {
                return solid;
            }
            let (gx, gy) = (
                ((px as f32 + 0.5) / step).round() * step,
                ((py as f32 + 0.5) / step).round() * step,
            );
            let (ix, iy) = ((gx as u32).min(cw - 1), (gy as u32).min(h - 1));
            if patch[(iy * cw + ix) as usize] < 0.5 {
                return 0.0;
            }
            let d = ((px as f32 + 0.5 - gx).powi(2) + (py as f32 + 0.5 - gy).powi(2)).sqrt();
            (0.42 * step + 0.5 - d).clamp(0.0, 1.0)
        };
        for py in 0..h {
            for px in 0..cw {
                let a = coverage(px, py);
                let p = page.get_pixel_mut(at + px, y + py);
                p.0[0] = (f32::from(p.0[0]) * (1.0 - a) + f32::from(ink) * a) as u8;
            }
        }
        at += cw + h / 8;
    }
}

/// A receipt-like page: numbers on five rows, the second holding the date
/// 28.03.2018 with a time after it.
fn receipt(paper: u8, ink: u8, pen: Pen) -> GrayImage {
    let mut page = GrayImage::from_pixel(1000, 1400, Luma([paper]));
    let rows = [
        "4410 2893 1120",
        "28.03.2018 1842",
        "12 950",
        "3 14.50 43.50",
        "17 208.10",
    ];
    for (i, row) in rows.iter().enumerate() {
        draw(&mut page, row, (80, 120 + 90 * i as u32), 34, ink, pen);
    }
    page
}

fn reader() -> crate::Reader {
    let reader = crate::Reader::with_languages("tesseract", DEFAULT_LANGUAGES);
    assert!(
        reader.is_available(),
        "Tesseract with eng rus tur kaz aze (scripts/deps.sh): {:?}",
        reader.self_test()
    );
    reader
}

fn as_of() -> NaiveDate {
    day(2018, 4, 10)
}

/// Runs `f` with a reading context for `page`.
fn with_context<T>(page: &GrayImage, f: impl FnOnce(&Context<'_>) -> T) -> T {
    with_languages(page, DEFAULT_LANGUAGES, f)
}

/// [`with_context`] for a reader of `languages`.
fn with_languages<T>(page: &GrayImage, languages: &str, f: impl FnOnce(&Context<'_>) -> T) -> T {
    let reader = reader();
    let request = CheckRequest::new(DocumentKind::Address, as_of());
    let ctx = Context {
        reader: &reader,
        languages,
        image: crate::prep::Source::Luma(page),
        request: &request,
    };
    f(&ctx)
}

#[test]
fn the_first_look_reads_a_clean_page_in_eng_and_its_date_row_in_every_language() {
    let page = receipt(255, 20, Pen::Solid);
    let window = crate::issue::window(as_of());
    let found = with_context(&page, |ctx| {
        let look = look(ctx, &page, as_of(), window).expect("a date row");
        assert_eq!(look.eng.map(|f| f.date), Some(day(2018, 3, 28)));
        first_look(ctx, &page, as_of(), window)
    });
    assert_eq!(found.map(|f| f.date), Some(day(2018, 3, 28)));
}

#[test]
fn a_reader_with_eng_alone_skips_the_first_look() {
    let page = receipt(255, 20, Pen::Solid);
    let window = crate::issue::window(as_of());
    let found = with_languages(&page, MACHINE_PRINT, |ctx| {
        first_look(ctx, &page, as_of(), window)
    });
    assert!(found.is_none());
}

/// Faint print beside a dark band down the page's edge (a coloured
/// margin, a scanner's shadow): Otsu's threshold falls between the band
/// and the paper, and the faint ink goes with the paper.
fn faint_beside_a_band() -> GrayImage {
    let mut page = receipt(235, 190, Pen::Solid);
    for (x, _, p) in page.enumerate_pixels_mut() {
        if x < 40 {
            p.0[0] = 90;
        }
    }
    page
}

#[test]
fn faint_print_beside_a_dark_band_is_read_on_the_flattened_views() {
    let page = faint_beside_a_band();
    let window = crate::issue::window(as_of());
    with_context(&page, |ctx| {
        assert!(first_look(ctx, &page, as_of(), window).is_none());
        let found = read_faint(ctx, &page, as_of(), window);
        assert_eq!(found.map(|f| f.date), Some(day(2018, 3, 28)));
    });
}

#[test]
fn a_dot_matrix_page_never_gets_a_wrong_date() {
    // Tesseract misreads these drawn dots many ways (28.03 as 03-24,
    // 03-20, 09-29...): a plurality of such readings once gave 03-24.
    for (paper, ink) in [(235, 175), (235, 120), (255, 60)] {
        let page = receipt(paper, ink, Pen::Dots);
        let mut report = kyc_checker::Report::new(DocumentKind::Address);
        with_context(&page, |ctx| super::super::read_address(ctx, &mut report));
        let got = report.extracted.issue_date;
        assert!(
            got.is_none() || got == Some(day(2018, 3, 28)),
            "ink {ink} on {paper}: {got:?}"
        );
    }
}

#[test]
fn a_line_is_reread_in_every_language_only_when_mostly_cyrillic() {
    assert!(mostly_cyrillic("Дата выдачи: 15.10.2026"));
    assert!(!mostly_cyrillic("CB: 78293158323 14/4шг/2017 08:34:22"));
    assert!(!mostly_cyrillic("15.10.2026"));
    assert!(!mostly_cyrillic("Date: 15.10.2026 г"));
}

#[test]
fn a_dates_words_are_the_words_inside_its_box() {
    let word = |text: &str, x: u32| Word {
        text: text.into(),
        conf: 90.0,
        x,
        y: 10,
        w: 40,
        h: 20,
    };
    let lines = vec![Line {
        words: vec![word("Date:", 0), word("28.03.2018", 50), word("18:42", 100)],
    }];
    let inside: Vec<String> = words_within(&lines, (45, 5, 50, 30))
        .into_iter()
        .map(|w| w.text)
        .collect();
    assert_eq!(inside, ["28.03.2018"]);
    assert!(overlap((0, 0, 10, 10), (9, 9, 5, 5)));
    assert!(!overlap((0, 0, 10, 10), (10, 0, 5, 5)));
}
