use super::*;
use crate::glyphs::number_row;
use image::{GrayImage, Luma};

/// A small deterministic noise source (xorshift), so tests need no crate.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % 10_000) as f32 / 10_000.0
    }
}

/// `strokes` drawn `w` x `h` at `pen`, sheared by `skew` (x shift per
/// unit of height, italic when positive), with `gaps` horizontal cuts
/// through the strokes (the breaks of embossed card fonts), blurred by a
/// 3x3 box, plus uniform noise of `noise` amplitude.
fn degraded(
    strokes: &Strokes,
    (w, h): (usize, usize),
    pen: f32,
    skew: f32,
    gaps: &[f32],
    noise: f32,
    seed: u64,
) -> Vec<f32> {
    let sheared: Strokes = strokes
        .iter()
        .map(|pl| {
            pl.iter()
                .map(|&(x, y)| {
                    (
                        x * (1.0 - skew.abs()) + skew.max(0.0) * (1.0 - y) + (-skew).max(0.0) * y,
                        y,
                    )
                })
                .collect()
        })
        .collect();
    let mut ink = render(&sheared, w, h, pen);
    for &g in gaps {
        let y = (g * h as f32) as usize;
        for row in y..(y + 2).min(h) {
            for x in 0..w {
                ink[row * w + x] = 0.0;
            }
        }
    }
    let mut blurred = ink.clone();
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let mut s = 0.0;
            for dy in 0..3 {
                for dx in 0..3 {
                    s += ink[(y + dy - 1) * w + x + dx - 1];
                }
            }
            blurred[y * w + x] = s / 9.0;
        }
    }
    let mut rng = Noise(seed);
    blurred
        .iter()
        .map(|v| (v + (rng.next() - 0.5) * 2.0 * noise).clamp(0.0, 1.0))
        .collect()
}

fn shape_of(ink: &[f32], w: usize, h: usize) -> Shape {
    Shape::from_ink(ink, w, h).expect("ink")
}

#[test]
fn every_card_font_digit_drawn_in_code_classifies_as_itself() {
    for (class, strokes) in card_font() {
        let ink = render(&strokes, 30, 44, 0.15);
        let shape = shape_of(&ink, 30, 44);
        assert_eq!(classify(&shape)[0].0, class);
    }
}

#[test]
fn card_font_digits_survive_noise_blur_skew_and_broken_strokes() {
    let mut seed = 7;
    for (class, strokes) in card_font() {
        for (size, pen, skew, gaps) in [
            ((22, 32), 0.16, 0.0, vec![]),
            ((28, 40), 0.11, 0.06, vec![0.3]),
            ((34, 50), 0.2, -0.05, vec![0.62]),
            ((18, 26), 0.14, 0.03, vec![0.25, 0.75]),
        ] {
            seed += 1;
            let ink = degraded(&strokes, size, pen, skew, &gaps, 0.25, seed);
            let got = classify(&shape_of(&ink, size.0, size.1));
            assert_eq!(
                got[0].0, class,
                "{class} at {size:?} pen {pen} skew {skew}: {got:?}"
            );
        }
    }
}

#[test]
fn sans_digits_and_masks_classify_as_themselves() {
    let mut set = sans_font();
    set.extend(masks());
    for (i, (class, strokes)) in set.into_iter().enumerate() {
        let ink = degraded(&strokes, (26, 38), 0.12, 0.0, &[], 0.2, 100 + i as u64);
        let got = classify(&shape_of(&ink, 26, 38));
        assert_eq!(got[0].0, class, "{class}: {got:?}");
    }
}

#[test]
fn no_ink_or_a_solid_block_gives_no_shape() {
    assert!(Shape::from_ink(&[0.0; 100], 10, 10).is_none());
    assert!(Shape::from_ink(&[1.0; 100], 10, 10).is_none());
    assert!(Shape::from_ink(&[], 0, 0).is_none());
    assert!(Shape::from_ink(&[1.0; 4], 10, 10).is_none());
}

/// A light card face (1012x638, a gradient) with `number` drawn in the
/// card font, dark, 54 px tall, from 55 % of the height, the row rising
/// `slope` px per px (a card turned a little); spaces leave a glyph's gap
/// between groups, `•` is a filled dot a third of a digit tall (a
/// bullet's size in type).
fn card_with(number: &str, pen: f32, slope: f32) -> GrayImage {
    let (cw, ch) = (1012u32, 638u32);
    let mut img = GrayImage::from_fn(cw, ch, |x, y| Luma([170 + ((x + y) / 40) as u8]));
    let font = all_shapes();
    let (gw, gh) = (36usize, 54usize);
    let mut x0 = 90usize;
    let mut rng = Noise(99);
    for c in number.chars() {
        if c == ' ' {
            x0 += gw;
            continue;
        }
        let y0 = (350.0 - slope * x0 as f32) as usize;
        let ink = match font.iter().find(|(d, _)| *d == c) {
            Some((_, strokes)) => render(strokes, gw, gh, pen),
            None if c == '•' => render(&vec![vec![(0.5, 0.5)]], gw, gh, 0.25),
            None => continue,
        };
        for y in 0..gh {
            for x in 0..gw {
                let v = ink[y * gw + x];
                let (px, py) = ((x0 + x) as u32, (y0 + y) as u32);
                let bg = f32::from(img.get_pixel(px, py)[0]);
                let grey = bg * (1.0 - v) + 40.0 * v + (rng.next() - 0.5) * 30.0;
                img.put_pixel(px, py, Luma([grey.clamp(0.0, 255.0) as u8]));
            }
        }
        x0 += gw + 10;
    }
    img
}

fn read_back(img: &GrayImage) -> String {
    let row = number_row(img).expect("row");
    classify_row(&row)
        .iter()
        .map(|s| s.as_ref().map_or('?', |s| s[0].0))
        .collect()
}

#[test]
fn a_sixteen_digit_row_drawn_in_code_reads_back() {
    let img = card_with("4539 1488 0343 6467", 0.14, 0.0);
    assert_eq!(read_back(&img), "4539148803436467");
    let img = card_with("5678 9012 3456 7890", 0.18, 0.0);
    assert_eq!(read_back(&img), "5678901234567890");
}

#[test]
fn a_row_sloping_three_degrees_reads_back() {
    let img = card_with("4539 1488 0343 6467", 0.14, 0.05);
    assert_eq!(read_back(&img), "4539148803436467");
}

#[test]
fn a_masked_row_reads_its_masks_and_last_four() {
    let img = card_with("XXXX XXXX XXXX 1234", 0.14, 0.0);
    assert_eq!(read_back(&img), "XXXXXXXXXXXX1234");
}

#[test]
fn behind_dots_the_row_is_the_last_four_in_the_right_half() {
    let img = card_with("•••• •••• •••• 1234", 0.14, 0.0);
    let row = number_row(&img).expect("row");
    assert_eq!(row.glyphs.len(), 4, "{:?}", row.glyphs);
    assert!(row.glyphs[0].x > img.width() / 2);
    assert_eq!(read_back(&img), "1234");
}

#[test]
fn a_missing_digit_is_put_back_from_the_layout_and_read() {
    // The third glyph of the last group lost (broken into pieces, or
    // joined to a logo): the layout puts its box back where it was.
    let img = card_with("4539 1488 0343 6467", 0.14, 0.0);
    let row = number_row(&img).expect("row");
    let mut glyphs = row.glyphs.clone();
    glyphs.remove(14);
    let again = crate::glyphs::complete_row(&glyphs, img.width());
    assert_eq!(again.len(), 16);
    let dx = i64::from(again[14].x) - i64::from(row.glyphs[14].x);
    assert!(dx.abs() <= 4, "put back {dx} px off");
}

fn scores(best: char, top: f32, second: char, next: f32) -> Vec<(char, f32)> {
    vec![(best, top), (second, next), ('*', -1.0)]
}

#[test]
fn the_ocr_vote_breaks_a_near_tie_but_not_a_clear_answer() {
    let glyphs = vec![
        Some(scores('6', 0.70, '5', 0.66)),
        Some(scores('8', 0.90, '0', 0.60)),
    ];
    // Every OCR reading says "50".
    let ocr = vec![vec!['5', '0'], vec!['5', '0']];
    let combined = combine(&glyphs, &ocr, 0.1);
    assert_eq!(best_reading(&combined), "58");
    assert_eq!(best_reading(&combine(&glyphs, &[], 0.1)), "68");
}

#[test]
fn luhn_repair_takes_a_cheap_fix_and_leaves_clear_readings_alone() {
    // 4111 1111 1111 1111 passes Luhn; the last glyph read as 7 does not.
    let mut glyphs: Vec<Vec<(char, f32)>> = "411111111111111"
        .chars()
        .map(|c| scores(c, 0.9, '7', 0.5))
        .collect();
    glyphs.push(scores('7', 0.71, '1', 0.69));
    assert_eq!(
        luhn_repair(&glyphs, 0.04).as_deref(),
        Some("4111111111111111")
    );
    // The same 7 read clearly: a specimen number that fails Luhn stays.
    glyphs[15] = scores('7', 0.9, '1', 0.6);
    assert_eq!(luhn_repair(&glyphs, 0.04), None);
    // A valid reading needs no repair.
    glyphs[15] = scores('1', 0.9, '7', 0.6);
    assert_eq!(luhn_repair(&glyphs, 0.04), None);
}
