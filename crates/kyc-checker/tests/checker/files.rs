//! File-level verdicts: format, limits, corrupt bytes, container variants.

use std::time::Instant;

use image::{DynamicImage, GrayAlphaImage, ImageBuffer, LumaA, Rgb};
use kyc_checker::{check, decode, header_dimensions, sniff, ImageFormat, Limits};
use kyc_core::{DocumentKind, ReasonCode, Verdict};

use crate::fixtures::*;

fn codes(bytes: &[u8], limits: Limits) -> Vec<ReasonCode> {
    let mut request = request(DocumentKind::Identity);
    request.limits = limits;
    check(bytes, &request)
        .report
        .reasons
        .iter()
        .map(|r| r.code)
        .collect()
}

#[test]
fn a_gif_or_text_is_unsupported_whatever_its_name() {
    for bytes in [
        &b"GIF89a\x01\x00\x01\x00"[..],
        b"%PDF-1.7",
        b"",
        b"\xFF\xD8",
    ] {
        let checked = check(bytes, &request(DocumentKind::Identity));
        assert_eq!(checked.report.verdict, Verdict::Reject);
        assert!(checked.report.has(ReasonCode::UnsupportedFormat));
        assert!(checked.image.is_none());
    }
    assert_eq!(sniff(&jpeg(&card_photo(1))), Some(ImageFormat::Jpeg));
}

#[test]
fn over_the_byte_limit_is_file_too_large() {
    let bytes = jpeg(&card_photo(1));
    let limits = Limits {
        max_bytes: bytes.len() as u64 - 1,
        ..Limits::default()
    };
    assert_eq!(codes(&bytes, limits), [ReasonCode::FileTooLarge]);
}

#[test]
fn a_huge_png_header_is_refused_before_any_decode() {
    let bytes = png_header_only(100_000, 100_000);
    assert_eq!(header_dimensions(&bytes), Ok((100_000, 100_000)));
    let started = Instant::now();
    // The file has no pixel data at all: reaching a decoder would answer
    // corrupt_image, so image_too_large proves the header check came first.
    assert_eq!(
        codes(&bytes, Limits::default()),
        [ReasonCode::ImageTooLarge]
    );
    assert!(started.elapsed().as_millis() < 50);
}

#[test]
fn a_jpeg_frame_header_over_the_pixel_limit_is_refused() {
    let mut bytes = jpeg(&card_photo(2));
    // Rewrite the SOF0 size to 60000 x 60000.
    let sof = bytes.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    bytes[sof + 5..sof + 9].copy_from_slice(&[0xEA, 0x60, 0xEA, 0x60]);
    assert_eq!(header_dimensions(&bytes), Ok((60_000, 60_000)));
    assert_eq!(
        codes(&bytes, Limits::default()),
        [ReasonCode::ImageTooLarge]
    );
}

#[test]
fn truncated_or_garbled_images_are_corrupt() {
    let jpg = jpeg(&card_photo(3));
    let png_bytes = png(&DynamicImage::ImageRgb8(card_photo(3)));
    let cases = [
        jpg[..jpg.len() / 3].to_vec(),
        jpg[..200].to_vec(),
        png_bytes[..png_bytes.len() / 2].to_vec(),
        [&png_bytes[..33], &[0u8; 64][..]].concat(),
    ];
    for bytes in cases {
        let checked = check(&bytes, &request(DocumentKind::Identity));
        assert_eq!(
            checked.report.reasons.len(),
            1,
            "{:?}",
            checked.report.reasons
        );
        assert!(
            checked.report.has(ReasonCode::CorruptImage),
            "{:?}",
            checked.report.reasons
        );
        assert!(checked.image.is_none());
    }
}

#[test]
fn cmyk_jpeg_decodes_to_the_right_colour() {
    // No ink is white; full yellow ink is yellow.
    let white = decode::decode_full(&cmyk_jpeg(32, 24, [0, 0, 0, 0]), &Limits::default()).unwrap();
    assert_eq!(white.image.dimensions(), (32, 24));
    let p = white.image.get_pixel(10, 10).0;
    assert!(p.iter().all(|&c| c > 240), "{p:?}");
    let yellow =
        decode::decode_full(&cmyk_jpeg(32, 24, [0, 0, 255, 0]), &Limits::default()).unwrap();
    let p = yellow.image.get_pixel(10, 10).0;
    assert!(p[0] > 200 && p[1] > 200 && p[2] < 60, "{p:?}");
    // And the scaled path (taken for big JPEGs) agrees.
    let big = decode::decode_analysis(
        &cmyk_jpeg(3400, 200, [0, 0, 255, 0]),
        &Limits::default(),
        800,
        true,
    )
    .unwrap();
    let p = big.0.image.get_pixel(100, 20).0;
    assert!(p[0] > 200 && p[1] > 200 && p[2] < 60, "{p:?}");
}

#[test]
fn sixteen_bit_grey_alpha_and_palette_pngs_decode() {
    let rgb16: ImageBuffer<Rgb<u16>, Vec<u16>> =
        ImageBuffer::from_fn(40, 30, |x, _| Rgb([x as u16 * 1000, 0, 65535]));
    let grey_alpha =
        GrayAlphaImage::from_fn(40, 30, |x, _| LumaA([100, if x < 20 { 0 } else { 255 }]));
    let inputs = [
        png(&DynamicImage::ImageRgb16(rgb16)),
        png(&DynamicImage::ImageLumaA8(grey_alpha)),
        palette_png(40, 30),
    ];
    for bytes in &inputs {
        let decoded = decode::decode_full(bytes, &Limits::default()).unwrap();
        assert_eq!(decoded.image.dimensions(), (40, 30));
    }
    // 16-bit: blue channel full; grey+alpha: transparent half is white paper.
    let d = decode::decode_full(&inputs[0], &Limits::default()).unwrap();
    assert_eq!(d.image.get_pixel(5, 5).0[2], 255);
    let d = decode::decode_full(&inputs[1], &Limits::default()).unwrap();
    assert_eq!(d.image.get_pixel(5, 5).0, [255, 255, 255]);
    assert_eq!(d.image.get_pixel(30, 5).0, [100, 100, 100]);
    let d = decode::decode_full(&inputs[2], &Limits::default()).unwrap();
    assert_eq!(d.image.get_pixel(5, 5).0, [255, 0, 0]);
    assert_eq!(d.image.get_pixel(35, 5).0, [0, 0, 255]);
}

#[test]
fn exif_orientation_is_applied() {
    // Red on the left half; orientation 6 means "rotate 90 clockwise to view",
    // so the left edge becomes the top.
    let img = image::RgbImage::from_fn(64, 32, |x, _| {
        if x < 32 {
            Rgb([255, 0, 0])
        } else {
            Rgb([0, 0, 255])
        }
    });
    let decoded = decode::decode_full(&jpeg_with_orientation(&img, 6), &Limits::default()).unwrap();
    assert_eq!(decoded.image.dimensions(), (32, 64));
    assert_eq!((decoded.full_width, decoded.full_height), (32, 64));
    let top = decoded.image.get_pixel(16, 4).0;
    let bottom = decoded.image.get_pixel(16, 60).0;
    assert!(top[0] > 200 && top[2] < 60, "{top:?}");
    assert!(bottom[2] > 200 && bottom[0] < 60, "{bottom:?}");
    // The report gives the upright size.
    let report = check(
        &jpeg_with_orientation(&img, 8),
        &request(DocumentKind::Identity),
    )
    .report;
    assert_eq!((report.metrics.width, report.metrics.height), (32, 64));
}

#[test]
fn the_planar_decode_agrees_with_the_general_one_and_turns_upright() {
    // A phone-sized photo (long side two to four times the analysis size):
    // decoded to its planes when asked, by zune-jpeg when not. Both turn
    // it upright and give the same picture.
    let img = image::RgbImage::from_fn(1000, 1700, |x, y| {
        let stripe = (x / 40 + y / 60) % 2 == 0;
        Rgb([
            (x * 255 / 1000) as u8,
            if stripe { 60 } else { 200 },
            (y * 255 / 1700) as u8,
        ])
    });
    let bytes = jpeg_with_orientation(&img, 6);
    let limits = Limits::default();
    let (planar, planar_full) = decode::decode_analysis(&bytes, &limits, 800, true).unwrap();
    let (general, general_full) = decode::decode_analysis(&bytes, &limits, 800, false).unwrap();
    assert_eq!(planar.image.dimensions(), (850, 500));
    assert_eq!(planar.image.dimensions(), general.image.dimensions());
    assert_eq!((planar.full_width, planar.full_height), (1700, 1000));
    let mean_difference = |a: &[u8], b: &[u8]| {
        a.iter()
            .zip(b)
            .map(|(p, q)| u64::from(p.abs_diff(*q)))
            .sum::<u64>() as f64
            / a.len() as f64
    };
    let colour = mean_difference(planar.image.as_raw(), general.image.as_raw());
    assert!(
        colour < 2.0,
        "analysis copies differ by {colour} on average"
    );
    let (Some(decode::FullPixels::Luma(luma)), Some(decode::FullPixels::Rgb(rgb))) =
        (planar_full, general_full)
    else {
        panic!("the planar path hands over luma, the general one colour");
    };
    assert_eq!(luma.dimensions(), (1700, 1000));
    assert_eq!(rgb.dimensions(), (1700, 1000));
    // The Y plane against the colour image's own BT.601 luma.
    let from_rgb: Vec<u8> = rgb
        .pixels()
        .map(|p| {
            let [r, g, b] = p.0.map(f64::from);
            (0.299 * r + 0.587 * g + 0.114 * b).round() as u8
        })
        .collect();
    let grey = mean_difference(luma.as_raw(), &from_rgb);
    assert!(grey < 1.0, "luma differs by {grey} on average");
    // Bills never take the planar path.
    let mut request = request(DocumentKind::Address);
    request.limits = limits;
    assert!(matches!(
        kyc_checker::decode_for_reading(&bytes, &request),
        Ok(decode::FullPixels::Rgb(_))
    ));
}
