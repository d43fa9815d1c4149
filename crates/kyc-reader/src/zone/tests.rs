use super::*;
use image::Luma;

/// Draws a hollow box (a glyph stand-in) with a 3 px stroke.
fn glyph(img: &mut GrayImage, x: u32, y: u32, w: u32, h: u32) {
    for yy in y..y + h {
        for xx in x..x + w {
            let edge = xx < x + 3 || xx >= x + w - 3 || yy < y + 3 || yy >= y + h - 3;
            if edge {
                img.put_pixel(xx, yy, Luma([20]));
            }
        }
    }
}

/// `rows` rows of `chars` fixed-pitch glyphs starting at `top`; every
/// fifth glyph is a short filler-like one.
fn mrz_like(img: &mut GrayImage, top: u32, rows: u32, chars: u32) {
    for r in 0..rows {
        let y = top + r * 44;
        for c in 0..chars {
            let x = 40 + c * 28;
            if c % 5 == 4 {
                glyph(img, x + 3, y + 6, 14, 16);
            } else {
                glyph(img, x, y, 18, 26);
            }
        }
    }
}

#[test]
fn finds_a_two_row_passport_zone_at_the_bottom() {
    let mut img = GrayImage::from_pixel(1400, 900, Luma([235]));
    mrz_like(&mut img, 780, 2, 44);
    let zone = find_zone(&img).expect("a zone");
    assert_eq!(zone.rows, 2);
    assert!(zone.y >= 770 && zone.y <= 790, "{zone:?}");
    assert!(zone.w >= 43 * 28, "{zone:?}");
    assert!((24..=28).contains(&zone.glyph_h), "{zone:?}");
}

#[test]
fn finds_three_rows_of_thirty() {
    let mut img = GrayImage::from_pixel(1400, 900, Luma([235]));
    mrz_like(&mut img, 700, 3, 30);
    assert_eq!(find_zone(&img).map(|z| z.rows), Some(3));
}

#[test]
fn one_row_is_not_a_zone() {
    let mut img = GrayImage::from_pixel(1400, 900, Luma([235]));
    mrz_like(&mut img, 780, 1, 44);
    assert_eq!(find_zone(&img), None);
}

#[test]
fn proportional_text_with_word_gaps_is_not_a_zone() {
    let mut img = GrayImage::from_pixel(1400, 900, Luma([235]));
    // Words of uneven glyph widths, a wide gap between words.
    let widths = [10u32, 22, 14, 18, 9, 24, 16, 12, 20, 11];
    for r in 0..3u32 {
        let y = 600 + r * 44;
        let mut x = 40;
        let mut i = r as usize;
        while x < 1300 {
            for _ in 0..(3 + i % 4) {
                let gw = widths[i % widths.len()];
                glyph(&mut img, x, y, gw, 26);
                x += gw + 4;
                i += 1;
            }
            x += 30;
        }
    }
    assert_eq!(find_zone(&img), None);
}

#[test]
fn blank_and_tiny_images_have_no_zone() {
    assert_eq!(
        find_zone(&GrayImage::from_pixel(1400, 900, Luma([235]))),
        None
    );
    assert_eq!(find_zone(&GrayImage::new(0, 0)), None);
    assert_eq!(find_zone(&GrayImage::new(10, 10)), None);
}

/// Two rows of 44 fixed-pitch glyphs whose baseline climbs `slope` px
/// per px (a scan a few degrees off).
fn slanted_zone(img: &mut GrayImage, top: u32, slope: f64) {
    for r in 0..2u32 {
        for c in 0..44u32 {
            let x = 40 + c * 28;
            let y = (f64::from(top + r * 44) + slope * f64::from(x)).round() as u32;
            if c % 5 == 4 {
                glyph(img, x + 3, y + 6, 14, 16);
            } else {
                glyph(img, x, y, 18, 26);
            }
        }
    }
}

#[test]
fn a_slanted_zone_is_found_with_its_slope_and_straightened_flat() {
    let slope = 0.08; // about 4.6 degrees
    let mut img = GrayImage::from_pixel(1400, 900, Luma([235]));
    slanted_zone(&mut img, 600, slope);
    let zone = find_zone(&img).expect("a zone");
    assert_eq!(zone.lines.len(), 2, "{zone:?}");
    for row in &zone.lines {
        assert!((row.slope - slope).abs() < 0.01, "{row:?}");
        assert_eq!(row.positions, 44, "{row:?}");
    }
    // The axis-aligned box spans the climb of both rows; each
    // straightened strip holds one flat row of 36 px glyphs.
    assert!(zone.h > 100, "{zone:?}");
    let row = &zone.lines[0];
    let strip = straighten(
        &img,
        row,
        f64::from(zone.x),
        f64::from(zone.x + zone.w),
        36.0,
    )
    .expect("a strip");
    let inked_rows = (0..strip.height())
        .filter(|&y| {
            (strip.width() / 10..strip.width() * 9 / 10).any(|x| strip.get_pixel(x, y)[0] < 128)
        })
        .count();
    assert!(
        (30..=44).contains(&inked_rows),
        "ink spans {inked_rows} rows of a {}-row strip",
        strip.height()
    );
}

#[test]
fn straighten_refuses_degenerate_strips() {
    let img = GrayImage::from_pixel(200, 100, Luma([235]));
    let row = ZoneRow {
        x0: 10,
        x1: 190,
        y_at_0: 50.0,
        slope: 0.0,
        pitch: 10.0,
        glyph_h: 12,
        positions: 18,
    };
    assert!(straighten(&img, &row, 100.0, 100.0, 36.0).is_none());
    assert!(straighten(&img, &row, 0.0, 200.0, 36.0).is_some());
}
