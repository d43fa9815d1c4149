use super::*;

/// A light card face with a gradient, sixteen dark hollow "digits" in
/// four groups of four at y 40..64, and a shorter row of five below.
fn card() -> GrayImage {
    let mut img = GrayImage::from_fn(400, 120, |x, _| Luma([150 + (x / 8) as u8]));
    let mut glyph = |x0: u32, y0: u32, w: u32, h: u32| {
        for y in y0..y0 + h {
            for x in x0..x0 + w {
                let edge = x < x0 + 3 || x >= x0 + w - 3 || y < y0 + 3 || y >= y0 + h - 3;
                if edge {
                    img.put_pixel(x, y, Luma([30]));
                }
            }
        }
    };
    for group in 0..4 {
        for digit in 0..4 {
            glyph(20 + group * 90 + digit * 18, 40, 14, 24);
        }
    }
    for i in 0..5 {
        glyph(150 + i * 12, 85, 9, 14);
    }
    img
}

#[test]
fn the_number_row_is_found_and_split_into_groups_of_four() {
    let img = card();
    let mask = ink_mask(&img, false, 31, 20);
    let glyphs = digit_like(&components(&mask), 10, 40);
    let row = longest_row(&glyphs);
    assert_eq!(row.len(), 16);
    assert!(row.iter().all(|g| g.y >= 39 && g.y + g.h <= 65));
    let groups = split_groups(&row);
    assert_eq!(
        groups.iter().map(Vec::len).collect::<Vec<_>>(),
        [4, 4, 4, 4]
    );
    assert_eq!(bounds(&row), Some((20, 40, 338, 24)));
}

#[test]
fn light_text_needs_the_other_polarity() {
    let mut img = card();
    image::imageops::invert(&mut img);
    let dark = digit_like(&components(&ink_mask(&img, false, 31, 20)), 10, 40);
    assert!(longest_row(&dark).len() < 16);
    let light = digit_like(&components(&ink_mask(&img, true, 31, 20)), 10, 40);
    assert_eq!(longest_row(&light).len(), 16);
}

#[test]
fn specks_and_blocks_are_not_digits() {
    let glyphs = [
        Glyph {
            x: 0,
            y: 0,
            w: 2,
            h: 2,
            area: 4,
        },
        Glyph {
            x: 10,
            y: 0,
            w: 20,
            h: 20,
            area: 400,
        },
        Glyph {
            x: 40,
            y: 0,
            w: 12,
            h: 20,
            area: 90,
        },
    ];
    assert_eq!(digit_like(&glyphs, 10, 40), vec![glyphs[2]]);
}

#[test]
fn an_empty_image_has_no_row() {
    let mask = GrayImage::new(20, 20);
    assert!(components(&mask).is_empty());
    assert!(longest_row(&[]).is_empty());
    assert_eq!(bounds(&[]), None);
}

#[test]
fn card_layouts_are_known_and_broken_rows_are_not() {
    assert!(is_card_layout(&[4, 4, 4, 4]));
    assert!(is_card_layout(&[4, 6, 5]));
    assert!(is_card_layout(&[4]));
    assert!(!is_card_layout(&[4, 1, 4, 2, 4, 5]));
    assert!(!is_card_layout(&[4, 4, 4, 3]));
    assert!(!is_card_layout(&[]));
}

#[test]
fn a_line_one_pixel_wide_is_removed_and_strokes_stay() {
    let mut mask = GrayImage::new(60, 40);
    // A 6-px-wide stem and a 1-px diagonal line crossing it.
    for y in 5..35 {
        for x in 20..26 {
            mask.put_pixel(x, y, Luma([255]));
        }
    }
    for x in 0..60 {
        mask.put_pixel(x, x * 2 / 3, Luma([255]));
    }
    let clean = without_thin_lines(&mask, 3);
    assert_eq!(clean.get_pixel(22, 30)[0], 255);
    assert_eq!(clean.get_pixel(45, 30)[0], 0);
    assert_eq!(clean.get_pixel(3, 2)[0], 0);
    assert_eq!(components(&clean).len(), 1);
}

#[test]
fn the_ink_mask_compares_each_pixel_with_its_clamped_window_mean() {
    // The mask against the definition, pixel by pixel: windows clipped at
    // every edge, images narrower and shorter than the window too.
    for (w, h, window) in [(57u32, 31u32, 15u32), (9, 40, 15), (40, 6, 9)] {
        let img = GrayImage::from_fn(w, h, |x, y| Luma([((x * 37 + y * 91 + x * y) % 256) as u8]));
        for light_text in [false, true] {
            let mask = ink_mask(&img, light_text, window, 12);
            let r = (window / 2) as i64;
            for (x, y, m) in mask.enumerate_pixels() {
                let (mut sum, mut area) = (0i64, 0i64);
                for yy in (i64::from(y) - r).max(0)..=(i64::from(y) + r).min(i64::from(h) - 1) {
                    for xx in (i64::from(x) - r).max(0)..=(i64::from(x) + r).min(i64::from(w) - 1) {
                        sum += i64::from(img.get_pixel(xx as u32, yy as u32)[0]);
                        area += 1;
                    }
                }
                let (p, mean) = (i64::from(img.get_pixel(x, y)[0]), sum.div_euclid(area));
                let want = if light_text {
                    p > mean + 12
                } else {
                    p < mean - 12
                };
                assert_eq!(
                    m[0] == 255,
                    want,
                    "({x}, {y}) in {w}x{h}, light {light_text}"
                );
            }
        }
    }
}

#[test]
fn components_join_diagonal_neighbours_and_reach_the_image_edges() {
    // A diagonal stroke from the top-left corner, a bar along the right
    // edge and the bottom row, and a lone pixel: three components, in the
    // order of their first pixel.
    let mut img = GrayImage::new(8, 6);
    for i in 0..4 {
        img.put_pixel(i, i, Luma([255]));
    }
    for y in 0..6 {
        img.put_pixel(7, y, Luma([255]));
    }
    for x in 4..8 {
        img.put_pixel(x, 5, Luma([255]));
    }
    img.put_pixel(5, 2, Luma([255]));
    let found = components(&img);
    let boxes: Vec<_> = found.iter().map(|g| (g.x, g.y, g.w, g.h, g.area)).collect();
    assert_eq!(
        boxes,
        vec![(0, 0, 4, 4, 4), (4, 0, 4, 6, 9), (5, 2, 1, 1, 1)]
    );
}
