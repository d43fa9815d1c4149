//! Photos drawn in code: a card on a desk, a sheet of white paper, and
//! encoders for every container variant the checker must survive.

use image::{Rgb, RgbImage};
use kyc_checker::{CheckRequest, Corners};
use kyc_core::DocumentKind;
use rand::{Rng, SeedableRng};

pub const W: u32 = 1080;
pub const H: u32 = 1440;
/// Where the drawn document lies, clockwise from top-left.
pub const CARD: Corners = [
    [140.0, 420.0],
    [940.0, 420.0],
    [940.0, 925.0],
    [140.0, 925.0],
];

pub fn request(kind: DocumentKind) -> CheckRequest {
    CheckRequest::new(kind, chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap())
}

/// A pale-blue ID-1 card with a red band, a photo box and rows of dark
/// glyph-like strokes, on a textured brown desk.
pub fn card_photo(seed: u64) -> RgbImage {
    paper_photo(seed, Rgb([205, 222, 240]), true)
}

/// A sheet of white paper with black text rows: bright, not glare.
pub fn white_paper_photo(seed: u64) -> RgbImage {
    paper_photo(seed, Rgb([236, 236, 232]), false)
}

fn paper_photo(seed: u64, paper: Rgb<u8>, decorations: bool) -> RgbImage {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut img = RgbImage::from_fn(W, H, |x, y| {
        let grain = ((x as f64 * 0.05 + (y as f64 * 0.013).sin() * 3.0).sin() * 12.0) as i32;
        Rgb([
            (120 + grain) as u8,
            (82 + grain) as u8,
            (50 + grain / 2) as u8,
        ])
    });
    let [x0, y0] = CARD[0].map(|v| v as u32);
    let [x1, y1] = CARD[2].map(|v| v as u32);
    fill(&mut img, x0, y0, x1, y1, paper);
    if decorations {
        fill(&mut img, x0, y0, x1, y0 + 60, Rgb([190, 40, 50]));
        fill(
            &mut img,
            x0 + 30,
            y0 + 100,
            x0 + 230,
            y0 + 360,
            Rgb([150, 120, 100]),
        );
    }
    let text_x = if decorations { x0 + 260 } else { x0 + 40 };
    let mut y = y0 + 100;
    while y + 30 < y1 {
        let mut x = text_x;
        while x + 20 < x1 - 30 {
            let glyph_w = rng.gen_range(8..16);
            for s in 0..rng.gen_range(2..4) {
                let sx = x + s * glyph_w / 3;
                fill(&mut img, sx, y, sx + 2, y + 18, Rgb([25, 25, 35]));
            }
            fill(
                &mut img,
                x,
                y + rng.gen_range(0..16),
                x + glyph_w,
                y + 2 + rng.gen_range(0..3),
                Rgb([25, 25, 35]),
            );
            x += glyph_w + if rng.gen_bool(0.2) { 14 } else { 4 };
        }
        y += 36;
    }
    // Mild sensor noise, as every real photo has.
    for p in img.pixels_mut() {
        for c in p.0.iter_mut() {
            *c = (i32::from(*c) + rng.gen_range(-3..=3)).clamp(0, 255) as u8;
        }
    }
    img
}

fn fill(img: &mut RgbImage, x0: u32, y0: u32, x1: u32, y1: u32, c: Rgb<u8>) {
    for y in y0..y1.min(img.height()) {
        for x in x0..x1.min(img.width()) {
            img.put_pixel(x, y, c);
        }
    }
}

pub fn jpeg(img: &RgbImage) -> Vec<u8> {
    kyc_checker::synth::encode_jpeg(img)
}

pub fn png(img: &image::DynamicImage) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// A JPEG carrying an EXIF orientation tag.
pub fn jpeg_with_orientation(img: &RgbImage, orientation: u16) -> Vec<u8> {
    let mut tiff = b"Exif\0\0II*\0".to_vec();
    tiff.extend(8u32.to_le_bytes());
    tiff.extend(1u16.to_le_bytes());
    tiff.extend(0x0112u16.to_le_bytes());
    tiff.extend(3u16.to_le_bytes());
    tiff.extend(1u32.to_le_bytes());
    tiff.extend(orientation.to_le_bytes());
    tiff.extend([0, 0, 0, 0, 0, 0]);
    let mut out = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut out, 90);
    enc.add_app_segment(1, &tiff).unwrap();
    enc.encode(
        img.as_raw(),
        img.width() as u16,
        img.height() as u16,
        jpeg_encoder::ColorType::Rgb,
    )
    .unwrap();
    out
}

/// A CMYK JPEG (Adobe APP14), as print workflows and some scanners write.
pub fn cmyk_jpeg(w: u16, h: u16, cmyk: [u8; 4]) -> Vec<u8> {
    let data: Vec<u8> = (0..usize::from(w) * usize::from(h))
        .flat_map(|_| cmyk)
        .collect();
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 90)
        .encode(&data, w, h, jpeg_encoder::ColorType::Cmyk)
        .unwrap();
    out
}

/// A palette PNG, written with the png crate (the image crate cannot).
pub fn palette_png(w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Indexed);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_palette(vec![255, 0, 0, 0, 0, 255]);
        let mut writer = enc.write_header().unwrap();
        let data: Vec<u8> = (0..w * h).map(|i| u8::from(i % w >= w / 2)).collect();
        writer.write_image_data(&data).unwrap();
    }
    out
}

/// Just a PNG signature and an IHDR chunk claiming `w` x `h`: enough for a
/// header check, and a decoder would have to allocate to go further.
pub fn png_header_only(w: u32, h: u32) -> Vec<u8> {
    let mut out = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    out.extend(13u32.to_be_bytes());
    out.extend(b"IHDR");
    out.extend(w.to_be_bytes());
    out.extend(h.to_be_bytes());
    out.extend([8, 2, 0, 0, 0]);
    out.extend([0, 0, 0, 0]);
    out
}
