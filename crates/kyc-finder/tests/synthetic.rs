//! The finder on photos drawn in code: a light card on a dark textured
//! desk, rotated, in perspective, and cut off by the frame.

use image::{GrayImage, Luma};
use kyc_finder::geometry::{polygon_iou, signed_area};
use kyc_finder::{find_document, Point};

/// Deterministic pseudo-random numbers (xorshift), so fixtures never change.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 32) as u32
    }
}

fn inside(q: &[Point; 4], x: f64, y: f64) -> bool {
    (0..4).all(|s| {
        let (a, b) = (q[s], q[(s + 1) % 4]);
        (b[0] - a[0]) * (y - a[1]) - (b[1] - a[1]) * (x - a[0]) >= 0.0
    })
}

/// A dark, grainy desk with a few darker streaks, and a light card with
/// dark "text" bars on it (internal edges the finder must not take for sides).
fn scene(w: u32, h: u32, card: &[Point; 4], seed: u64) -> GrayImage {
    let mut rng = Rng(seed);
    let mut img = GrayImage::new(w, h);
    for (x, y, p) in img.enumerate_pixels_mut() {
        let streak = if (x / 37 + y / 53) % 5 == 0 { 15 } else { 0 };
        *p = Luma([(45 + rng.next() % 25 - streak) as u8]);
    }
    // Text bars in card coordinates (u, v in 0..1 along the sides).
    let bars = [
        (0.08, 0.15, 0.6, 0.22),
        (0.08, 0.35, 0.5, 0.4),
        (0.08, 0.5, 0.55, 0.55),
        (0.65, 0.2, 0.92, 0.75),
    ];
    let at = |u: f64, v: f64| {
        let top = [
            card[0][0] + u * (card[1][0] - card[0][0]),
            card[0][1] + u * (card[1][1] - card[0][1]),
        ];
        let bottom = [
            card[3][0] + u * (card[2][0] - card[3][0]),
            card[3][1] + u * (card[2][1] - card[3][1]),
        ];
        [
            top[0] + v * (bottom[0] - top[0]),
            top[1] + v * (bottom[1] - top[1]),
        ]
    };
    let bar_quads: Vec<[Point; 4]> = bars
        .iter()
        .map(|&(u0, v0, u1, v1)| [at(u0, v0), at(u1, v0), at(u1, v1), at(u0, v1)])
        .collect();
    for y in 0..h {
        for x in 0..w {
            let (fx, fy) = (f64::from(x) + 0.5, f64::from(y) + 0.5);
            if inside(card, fx, fy) {
                let dark = bar_quads.iter().any(|b| inside(b, fx, fy));
                let base = if dark { 90 } else { 205 };
                img.put_pixel(x, y, Luma([(base + rng.next() % 12) as u8]));
            }
        }
    }
    img
}

fn rotated_card(cx: f64, cy: f64, long: f64, deg: f64) -> [Point; 4] {
    let (hw, hh) = (long / 2.0, long / 1.586 / 2.0);
    let (c, s) = (deg.to_radians().cos(), deg.to_radians().sin());
    [[-hw, -hh], [hw, -hh], [hw, hh], [-hw, hh]]
        .map(|[x, y]| [cx + x * c - y * s, cy + x * s + y * c])
}

#[test]
fn finds_a_rotated_card_on_a_textured_desk() {
    let card = rotated_card(400.0, 300.0, 420.0, 17.0);
    let img = scene(800, 600, &card, 7);
    let det = find_document(&img).expect("card found");
    let iou = polygon_iou(&det.corners, &card);
    assert!(iou > 0.95, "IoU {iou}");
    assert!(det.min_corner_margin(800, 600) > 10.0);
    assert!(det.confidence > 0.5 && det.confidence <= 1.0);
}

#[test]
fn corners_run_clockwise_from_the_top_left() {
    let card = rotated_card(400.0, 300.0, 440.0, 4.0);
    let img = scene(800, 600, &card, 11);
    let det = find_document(&img).expect("card found");
    assert!(signed_area(&det.corners) > 0.0, "clockwise on screen");
    let d = (det.corners[0][0] - card[0][0]).hypot(det.corners[0][1] - card[0][1]);
    assert!(
        d < 6.0,
        "first corner {:?} vs top-left {:?}",
        det.corners[0],
        card[0]
    );
}

#[test]
fn finds_a_card_in_perspective() {
    // A card tilted away from the camera: its far side is shorter.
    let card = [
        [230.0, 170.0],
        [590.0, 185.0],
        [650.0, 430.0],
        [150.0, 420.0],
    ];
    let img = scene(800, 600, &card, 3);
    let det = find_document(&img).expect("card found");
    let iou = polygon_iou(&det.corners, &card);
    assert!(iou > 0.93, "IoU {iou}");
}

#[test]
fn extrapolates_a_card_cut_off_by_the_frame() {
    // Drawn on a wide canvas, then the right part is cropped away so the
    // card's right side (and both right corners) fall outside the photo.
    let card = rotated_card(560.0, 300.0, 460.0, 8.0);
    let canvas = scene(1000, 600, &card, 5);
    let img = image::imageops::crop_imm(&canvas, 0, 0, 700, 600).to_image();
    let det = find_document(&img).expect("card found");
    let margin = det.min_corner_margin(700, 600);
    assert!(margin < -15.0, "a corner must lie outside, margin {margin}");
    let iou = polygon_iou(&det.corners, &card);
    assert!(iou > 0.8, "IoU {iou}");
}

#[test]
fn extrapolates_a_card_cut_off_across_a_corner() {
    // The right side is wholly outside, the bottom side partly: two corners
    // out. (With both sides wholly outside, an internal edge of the card
    // can win instead; see FINDINGS.md.)
    let card = rotated_card(560.0, 400.0, 460.0, -6.0);
    let canvas = scene(1000, 800, &card, 9);
    let img = image::imageops::crop_imm(&canvas, 0, 0, 700, 550).to_image();
    let det = find_document(&img).expect("card found");
    let margin = det.min_corner_margin(700, 550);
    assert!(
        margin < -15.0,
        "margin {margin}, corners {:?} vs {card:?}",
        det.corners
    );
    assert!(polygon_iou(&det.corners, &card) > 0.6);
}

#[test]
fn empty_and_tiny_images_give_none() {
    assert!(find_document(&GrayImage::from_pixel(800, 600, Luma([128]))).is_none());
    assert!(find_document(&GrayImage::new(8, 8)).is_none());
    assert!(find_document(&GrayImage::new(0, 0)).is_none());
}

#[test]
fn plain_noise_gives_none() {
    let mut rng = Rng(42);
    let img = GrayImage::from_fn(640, 480, |_, _| Luma([(100 + rng.next() % 40) as u8]));
    assert!(find_document(&img).is_none());
}

/// A card whose colour differs from the desk's but whose brightness does
/// not: invisible in grey, plain in colour.
fn same_luma_scene(w: u32, h: u32, card: &[Point; 4], seed: u64) -> image::RgbImage {
    let mut rng = Rng(seed);
    image::RgbImage::from_fn(w, h, |x, y| {
        let n = (rng.next() % 9) as u8;
        let (fx, fy) = (f64::from(x) + 0.5, f64::from(y) + 0.5);
        // Desk (180, 110, 110) and card (90, 140, 80) both have luma ≈ 125.
        if inside(card, fx, fy) {
            image::Rgb([86 + n, 136 + n, 76 + n])
        } else {
            image::Rgb([176 + n, 106 + n, 106 + n])
        }
    })
}

#[test]
fn colour_finds_a_card_that_grey_cannot_see() {
    let card = rotated_card(400.0, 300.0, 430.0, 12.0);
    let rgb = same_luma_scene(800, 600, &card, 21);
    let det = kyc_finder::find_document_rgb(&rgb).expect("card found in colour");
    let iou = polygon_iou(&det.corners, &card);
    assert!(iou > 0.93, "IoU {iou}");
    assert!(det.confidence >= 0.1 && det.confidence <= 1.0);
    let gray = image::DynamicImage::ImageRgb8(rgb).to_luma8();
    let grey_iou = find_document(&gray).map_or(0.0, |d| polygon_iou(&d.corners, &card));
    assert!(grey_iou < 0.5, "grey should not see it, IoU {grey_iou}");
}

#[test]
fn the_shape_hint_keeps_the_card() {
    let card = rotated_card(400.0, 300.0, 420.0, -9.0);
    let img = scene(800, 600, &card, 13);
    let opt = kyc_finder::Options {
        expected_aspect: Some(1.586),
        ..kyc_finder::Options::default()
    };
    let det = kyc_finder::find_document_with(&img, &opt).expect("card found");
    assert!(polygon_iou(&det.corners, &card) > 0.95);
}

#[test]
fn a_desk_edge_without_a_document_gives_none() {
    // A table edge: one long straight step across the photo, grain on both
    // sides; a quad closed by image borders must not be taken for a document.
    let mut rng = Rng(77);
    let img = GrayImage::from_fn(800, 600, |x, y| {
        let base = if f64::from(y) > 250.0 + 0.2 * f64::from(x) {
            60
        } else {
            150
        };
        Luma([(base + rng.next() % 20) as u8])
    });
    assert!(find_document(&img).is_none());
    let rgb = image::DynamicImage::ImageLuma8(img).to_rgb8();
    assert!(kyc_finder::find_document_rgb(&rgb).is_none());
}

#[test]
fn the_shape_hint_picks_the_card_over_a_bigger_square_note() {
    // A large square note and a smaller ID-1 card, both light on a dark
    // desk. Without a hint the note's longer edges win (its 1.0 aspect is
    // only softly penalised); told to expect 1.586, the finder takes the card.
    // The note stays well away from the frame: next to it, a quad closed by
    // the border instead of the note's own side escapes the aspect prior
    // (see FINDINGS.md, "What fails").
    let note = [
        [120.0, 160.0],
        [440.0, 160.0],
        [440.0, 480.0],
        [120.0, 480.0],
    ];
    let card = rotated_card(620.0, 250.0, 260.0, 0.0);
    let mut rng = Rng(5);
    let img = GrayImage::from_fn(800, 600, |x, y| {
        let (fx, fy) = (f64::from(x) + 0.5, f64::from(y) + 0.5);
        let base = if inside(&note, fx, fy) || inside(&card, fx, fy) {
            200
        } else {
            50
        };
        Luma([(base + rng.next() % 15) as u8])
    });
    let plain = find_document(&img).expect("something found");
    assert!(
        polygon_iou(&plain.corners, &note) > 0.9,
        "no hint: the note"
    );
    let opt = kyc_finder::Options {
        expected_aspect: Some(1.586),
        ..kyc_finder::Options::default()
    };
    let hinted = kyc_finder::find_document_with(&img, &opt).expect("card found");
    let iou = polygon_iou(&hinted.corners, &card);
    assert!(iou > 0.9, "hint: the card, IoU {iou}, {:?}", hinted.corners);
}
