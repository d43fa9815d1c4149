use ab_glyph::{point, ScaleFont};
use image::{GrayImage, Luma};

use super::*;
use crate::mrz::tests::{TD1, TD3};

/// Capital height and pitch of the strips `read_row` is given: ICAO 9303
/// prints 2.54 mm a character with capitals 2.0-2.4 mm tall, a pitch of
/// 1.06-1.27 cap heights.
const CAP: f64 = 36.0;
const PITCH: f64 = 40.0;

fn font() -> FontVec {
    let bytes = std::fs::read(font_path()).expect(
        "the OCR-B font (Debian's fonts-ocr-b, installed by scripts/deps.sh) is needed by these tests",
    );
    FontVec::try_from_vec(bytes).expect("font loads")
}

fn loaded() -> &'static Templates {
    templates().expect("templates load from the installed OCR-B font")
}

/// `text` drawn in OCR-B as `zone::straighten` would return a row: dark
/// grey print on light paper, capitals `CAP` tall on the strip's centre
/// line, one glyph per `PITCH`, a pitch of paper each side; then blurred
/// `blur` times with a 3x3 box, as a lens would.
fn strip(text: &str, blur: usize) -> GrayImage {
    strip_in_perspective(text, blur, 0.0)
}

/// As [`strip`], with the pitch shrinking along the row as on a page seen
/// at an angle: `shrink` of `PITCH` wider than `PITCH` at the first glyph,
/// as much narrower at the last, the mean pitch `PITCH`.
fn strip_in_perspective(text: &str, blur: usize, shrink: f64) -> GrayImage {
    let font = font();
    let trial = rendered(&font, b'H', 100.0).unwrap().ink_h as f32;
    let size = PxScale::from(100.0 * CAP as f32 / trial);
    let n = text.len() as f64;
    // Pitch at glyph i: PITCH * (1 + shrink - 2 shrink i / (n - 1)).
    let left_of = |i: f64| PITCH * (1.0 + i + shrink * i - shrink * i * (i - 1.0) / (n - 1.0));
    let w = ((n + 2.0) * PITCH) as u32;
    let h = (CAP * 1.8).round() as u32;
    let mut out = GrayImage::from_pixel(w, h, Luma([215]));
    let baseline = (f64::from(h) / 2.0 + CAP / 2.0) as f32;
    for (i, c) in text.bytes().enumerate() {
        let advance = font.as_scaled(size).h_advance(font.glyph_id(char::from(c)));
        let pitch = left_of(i as f64 + 1.0) - left_of(i as f64);
        let left = left_of(i as f64) as f32 + (pitch as f32 - advance) / 2.0;
        let glyph = font
            .glyph_id(char::from(c))
            .with_scale_and_position(size, point(left, baseline));
        let Some(outlined) = font.outline_glyph(glyph) else {
            continue;
        };
        let b = outlined.px_bounds();
        outlined.draw(|x, y, v| {
            let (x, y) = (b.min.x as i64 + i64::from(x), b.min.y as i64 + i64::from(y));
            if (0..i64::from(w)).contains(&x) && (0..i64::from(h)).contains(&y) {
                let p = out.get_pixel_mut(x as u32, y as u32);
                p[0] = (f32::from(p[0]) * (1.0 - v) + 40.0 * v) as u8;
            }
        });
    }
    for _ in 0..blur {
        out = image::imageops::blur(&out, 1.0);
    }
    out
}

/// `strip` made bolder, as a soft photo thresholds it: blurred (sigma 2)
/// and thresholded near the paper's grey, in print and paper grey.
fn thickened(strip: &GrayImage) -> GrayImage {
    let soft = image::imageops::blur(strip, 2.0);
    GrayImage::from_fn(soft.width(), soft.height(), |x, y| {
        Luma([if soft.get_pixel(x, y)[0] < 200 {
            40
        } else {
            215
        }])
    })
}

fn read(lines: &[&str], blur: usize) -> TemplateReading {
    let rows: Vec<Vec<CellScores>> = lines
        .iter()
        .map(|l| read_row(&strip(l, blur), CAP, PITCH, loaded()).expect("row splits into glyphs"))
        .collect();
    read_zone(&rows).expect("zone parses")
}

#[test]
fn every_class_renders_as_a_template() {
    let t = loaded();
    for (class, &c) in CLASSES.iter().enumerate() {
        assert!(
            t.glyphs.iter().filter(|g| g.class == class).count() == WEIGHTS,
            "{} does not have one template per stroke weight",
            char::from(c)
        );
    }
    // The filler is a little shorter than a capital (0.9 in this
    // digitisation); digits and letters a full one.
    let height = |c: u8| t.class_height[CLASSES.iter().position(|&k| k == c).unwrap()];
    assert!((0.8..0.95).contains(&height(b'<')), "{}", height(b'<'));
    assert!((height(b'E') - 1.0).abs() < 0.05, "{}", height(b'E'));
    // Digits stand taller than capitals: what tells `0` from `O`.
    assert!(
        height(b'0') > height(b'O') + 0.05,
        "{} {}",
        height(b'0'),
        height(b'O')
    );
}

#[test]
fn a_td3_zone_reads_exactly_with_every_check_passing() {
    let r = read(&TD3, 0);
    assert_eq!(r.mrz.lines, TD3.map(String::from));
    assert!(r.mrz.valid, "{:?}", r.mrz.failed_checks);
    assert_eq!(r.mrz.corrections, 0);
    assert_eq!(r.mrz.surname, "ERIKSSON");
    assert_eq!(r.mrz.format, Format::Td3);
}

#[test]
fn a_td1_zone_reads_exactly() {
    let r = read(&TD1, 0);
    assert_eq!(r.mrz.lines, TD1.map(String::from));
    assert!(r.mrz.valid, "{:?}", r.mrz.failed_checks);
    assert_eq!(r.mrz.format, Format::Td1);
}

#[test]
fn a_soft_print_still_reads_clearly() {
    let r = read(&TD3, 2);
    assert_eq!(r.mrz.lines, TD3.map(String::from));
    assert!(r.weakest > 0.6 && r.closest > 0.05, "{r:?}");
}

#[test]
fn a_row_in_perspective_reads_exactly() {
    // The pitch falls from 1.08 to 0.92 of the mean along the row: a
    // straight grid through all 44 glyphs would lie ~0.4 of a cell off at
    // the ends.
    let rows: Vec<Vec<CellScores>> = TD3
        .iter()
        .map(|l| read_row(&strip_in_perspective(l, 1, 0.08), CAP, PITCH, loaded()).unwrap())
        .collect();
    let r = read_zone(&rows).unwrap();
    assert_eq!(r.mrz.lines, TD3.map(String::from));
    assert!(r.weakest > 0.6 && r.closest > 0.05, "{r:?}");
}

#[test]
fn zero_and_capital_o_are_told_apart_in_bold_print() {
    // Unconstrained (no position class), by their heights: OCR-B's `0`
    // and `O` have the same width over height, and once the print is bold
    // their shapes alone no longer tell them apart.
    let text = "OO00O0O0O0UTO7408122F1204159ZE184226B<<<<<10";
    let cells = read_row(&thickened(&strip(text, 0)), CAP, PITCH, loaded()).unwrap();
    assert_eq!(cells.len(), text.len());
    for (i, (c, scores)) in text.bytes().zip(&cells).enumerate() {
        if c == b'O' || c == b'0' {
            let read = CLASSES[best_class(scores).0];
            assert_eq!(char::from(read), char::from(c), "glyph {i}");
        }
    }
}

#[test]
fn a_bold_row_still_reads() {
    // Print thickened as a blurred photo thresholds it: the font's own
    // outline no longer matches it (with one stroke weight this fails),
    // a heavier one does.
    let rows = vec![
        read_row(&strip(TD3[0], 0), CAP, PITCH, loaded()).unwrap(),
        read_row(&thickened(&strip(TD3[1], 0)), CAP, PITCH, loaded()).unwrap(),
    ];
    let r = read_zone(&rows).unwrap();
    assert_eq!(r.mrz.lines, TD3.map(String::from));
}

#[test]
fn an_odd_first_gap_does_not_set_the_pitch() {
    // A speck 0.55 of a pitch left of the row's first glyph: the walk
    // must not take that gap as the pitch and number every glyph twice.
    let p = PITCH;
    let mut xs = vec![100.0 - 0.55 * p];
    xs.extend((0..44).map(|i| 100.0 + p * f64::from(i)));
    let numbered = number_in_sequence(&xs, p);
    assert_eq!(
        numbered.last().unwrap().0 - numbered[1].0,
        43.0,
        "{numbered:?}"
    );
    let grid = Grid::fit(&xs, p).expect("a steady grid");
    assert!((grid.step(20.0) - p).abs() < 0.5, "{grid:?}");
}

#[test]
fn a_parabola_is_fitted_back_exactly() {
    let pts: Vec<(f64, f64)> = (0..44)
        .map(|i| {
            let i = f64::from(i);
            (i, 50.0 + 40.0 * i - 0.07 * i * i)
        })
        .collect();
    let g = quadratic_fit(&pts).unwrap();
    assert!(
        (g.a - 50.0).abs() < 1e-6 && (g.b - 40.0).abs() < 1e-6 && (g.c + 0.07).abs() < 1e-9,
        "{g:?}"
    );
    assert_eq!(g.cell_of(g.centre(30.0) + 0.4 * g.step(30.0)), 30);
}

#[test]
fn a_misprinted_digit_fails_its_check_digit() {
    // The birth date 740812 printed as 740813: the glyph reads clearly,
    // the check digit catches it.
    let line = TD3[1].replace("7408122", "7408132");
    let r = read(&[TD3[0], &line], 0);
    assert!(r.mrz.lines[1].contains("7408132"), "{:?}", r.mrz.lines);
    assert!(r.mrz.failed_checks.contains(&"birth") || r.mrz.corrections > 0);
}

#[test]
fn a_smudged_name_letter_is_not_read_clearly() {
    // A blot over the S of ERIKSSON: no check digit covers names, so the
    // glyph's own match is what must fail.
    let mut s = strip(TD3[0], 0);
    let x0 = (PITCH * (10.0 + 1.0)) as u32;
    let mid = s.height() / 2;
    for y in mid - 6..mid + 10 {
        for x in x0 + 4..x0 + 30 {
            s.put_pixel(x, y, Luma([40]));
        }
    }
    let rows = vec![
        read_row(&s, CAP, PITCH, loaded()).unwrap(),
        read_row(&strip(TD3[1], 0), CAP, PITCH, loaded()).unwrap(),
    ];
    let r = read_zone(&rows).unwrap();
    let clean = read(&TD3, 0);
    assert!(
        r.weakest < clean.weakest - 0.1 || r.closest < clean.closest,
        "blotted {r:?} against clean {clean:?}"
    );
}

#[test]
fn positions_keep_to_their_class() {
    // A name position never reads a digit, a date position never a letter,
    // whatever the glyph: the O of a name and the 0 of a date match the
    // same cell shape.
    assert_eq!(class_at(Format::Td3, 0, 20), Class::Letter);
    assert_eq!(class_at(Format::Td3, 1, 15), Class::Digit);
    assert_eq!(class_at(Format::Td3, 1, 0), Class::Any);
    assert_eq!(class_at(Format::Td1, 1, 16), Class::Letter);
    assert_eq!(class_at(Format::Td1, 0, 14), Class::Digit);
    assert!(!allows(Class::Letter, b'0') && !allows(Class::Digit, b'O'));
}

#[test]
fn a_row_with_a_gap_is_not_read() {
    // An MRZ has a glyph at every position; a missing one means the grid
    // is not the zone's, and OCR should have the row.
    let mut s = strip(TD3[1], 0);
    let x0 = (PITCH * 6.0) as u32;
    for y in 0..s.height() {
        for x in x0..x0 + PITCH as u32 {
            s.put_pixel(x, y, Luma([215]));
        }
    }
    assert!(read_row(&s, CAP, PITCH, loaded()).is_none());
}

#[test]
fn a_zone_of_the_wrong_size_has_no_format() {
    let row = vec![[0.0f32; 37]; 40];
    assert!(read_zone(&[row.clone(), row]).is_none());
}

/// Strips drawn by [`strip`] all start at the same place, at scale 1.
const SAME: RowFrame = RowFrame {
    offset: 0.0,
    scale: 1.0,
};

/// Row 2 of [`TD3`] with a thumb's shadow over its first glyph: a dark
/// patch from the strip's left edge to half way into the second cell,
/// taller than any glyph, so the first glyph is no component of its own.
fn shadowed_second_row() -> GrayImage {
    let mut s = strip(TD3[1], 0);
    let x1 = (PITCH * 1.5) as u32;
    for y in 0..s.height() {
        for x in 0..x1 {
            let p = s.get_pixel_mut(x, y);
            p[0] = p[0].min(90);
        }
    }
    s
}

#[test]
fn a_row_whose_first_glyph_is_shadowed_is_aligned_and_covered() {
    let mut rows = vec![
        RowCells::find(&strip(TD3[0], 0), CAP, PITCH).unwrap(),
        RowCells::find(&shadowed_second_row(), CAP, PITCH).unwrap(),
    ];
    let widths = |rows: &[RowCells]| {
        rows.iter()
            .map(|r| r.span.1 - r.span.0 + 1)
            .collect::<Vec<_>>()
    };
    assert_eq!(widths(&rows), [44, 43], "the shadowed glyph is not seen");
    align_rows(&mut rows, &[SAME; 2]);
    assert_eq!(widths(&rows), [44, 44]);
    assert_eq!(rows[1].widened, (1, 0));
    let (first, shadowed) = (rows[0].ends().0, rows[1].ends().0);
    assert!((first - shadowed).abs() < PITCH / 4.0, "{first} {shadowed}");
    let scores: Vec<_> = rows
        .iter()
        .map(|r| score_row(r, loaded()).unwrap())
        .collect();
    assert!(
        rows[1].covered(&scores[1], 0.6),
        "{:?}",
        best_class(&scores[1][0])
    );
    // Every other glyph of the row is in its own column.
    let read: String = scores[1][1..]
        .iter()
        .map(|s| char::from(CLASSES[best_class(s).0]))
        .collect();
    assert_eq!(read, TD3[1][1..]);
}

#[test]
fn rows_are_not_widened_past_a_format() {
    // Two specks' worth of glyphs before the first row (the page's edge
    // beside a scanned zone): widening the second row to match would give
    // 46 columns, no format's width.
    let mut rows = vec![
        RowCells::find(&strip(&format!("II{}", TD3[0]), 0), CAP, PITCH).unwrap(),
        RowCells::find(&strip(TD3[1], 0), CAP, PITCH).unwrap(),
    ];
    let before: Vec<_> = rows.iter().map(|r| r.span).collect();
    align_rows(&mut rows, &[SAME; 2]);
    assert_eq!(rows[1].widened, (0, 0));
    assert_eq!(rows.iter().map(|r| r.span).collect::<Vec<_>>(), before);
    assert_eq!(rows[1].span.1 - rows[1].span.0 + 1, 44);
}

#[test]
fn a_glyph_joined_to_a_stain_within_the_row_is_not_covered() {
    // A stain through the second row's first glyph, taller than a glyph
    // (so the pair is dropped as no glyph) but short of the strip's top
    // and bottom: the row is widened to the first row's columns, the cell
    // matches badly, but nothing crosses the strip, so it is no thumb.
    let mut s = strip(TD3[1], 0);
    let x0 = PITCH as u32 + 16;
    for y in 3..s.height() - 4 {
        for x in x0..x0 + 6 {
            s.put_pixel(x, y, Luma([40]));
        }
    }
    let mut rows = vec![
        RowCells::find(&strip(TD3[0], 0), CAP, PITCH).unwrap(),
        RowCells::find(&s, CAP, PITCH).unwrap(),
    ];
    align_rows(&mut rows, &[SAME; 2]);
    assert_eq!(
        rows[1].widened,
        (1, 0),
        "the stained glyph is dropped, then cut"
    );
    let scores = score_row(&rows[1], loaded()).unwrap();
    assert!(
        best_class(&scores[0]).1 < 0.6,
        "{:?}",
        best_class(&scores[0])
    );
    assert!(!rows[1].covered(&scores, 0.6));
}

#[test]
fn rows_are_compared_along_the_zone_not_by_strip_pixel() {
    // The second row's strip starts a pitch further along the zone (as on
    // a skewed page, where a row's start moves by the rows' spacing times
    // the skew's sine) and lacks its first glyph: placed by its frame, it
    // is missing a cell on the left. Taken pixel for pixel with the first
    // row it would seem to lack one on the right.
    let mut rows = vec![
        RowCells::find(&strip(TD3[0], 0), CAP, PITCH).unwrap(),
        RowCells::find(&strip(&TD3[1][1..], 0), CAP, PITCH).unwrap(),
    ];
    let shifted = RowFrame {
        offset: PITCH,
        scale: 1.0,
    };
    align_rows(&mut rows, &[SAME, shifted]);
    assert_eq!(rows[1].widened, (1, 0));
}
