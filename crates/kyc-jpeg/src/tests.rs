//! Checked against zune-jpeg (the general decoder the checker used before)
//! on JPEGs drawn and encoded here.

use super::*;
use jpeg_encoder::{ColorType, Encoder, SamplingFactor};
use zune_core::colorspace::ColorSpace;
use zune_core::options::DecoderOptions;

/// A photo-like test card: smooth colour gradients, sharp dark strokes
/// (text) and a saturated patch, so every coefficient band is exercised.
fn card(w: usize, h: usize) -> Vec<u8> {
    let mut rgb = Vec::with_capacity(w * h * 3);
    for y in 0..h {
        for x in 0..w {
            let stroke = (x / 3 + y / 5) % 7 == 0 && y % 11 < 6;
            let patch = x * 4 > w * 3 && y * 4 > h * 3;
            let px = if stroke {
                [20, 25, 30]
            } else if patch {
                [220, 30, 40]
            } else {
                [
                    (x * 255 / w.max(1)) as u8,
                    (y * 255 / h.max(1)) as u8,
                    (128 + (x + y) % 64) as u8,
                ]
            };
            rgb.extend_from_slice(&px);
        }
    }
    rgb
}

fn encode(
    w: usize,
    h: usize,
    sampling: SamplingFactor,
    setup: impl Fn(&mut Encoder<&mut Vec<u8>>),
) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = Encoder::new(&mut out, 92);
    enc.set_sampling_factor(sampling);
    setup(&mut enc);
    enc.encode(&card(w, h), w as u16, h as u16, ColorType::Rgb)
        .unwrap();
    out
}

fn zune(bytes: &[u8], colorspace: ColorSpace) -> Vec<u8> {
    let options = DecoderOptions::default().jpeg_set_out_colorspace(colorspace);
    zune_jpeg::JpegDecoder::new_with_options(std::io::Cursor::new(bytes), options)
        .decode()
        .unwrap()
}

fn max_difference(a: &[u8], b: &[u8]) -> u8 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| x.abs_diff(*y))
        .max()
        .unwrap_or(0)
}

const SIZES: [(usize, usize); 4] = [(64, 48), (67, 45), (9, 30), (1, 1)];

#[test]
fn luma_matches_the_general_decoder_for_every_subsampling_and_size() {
    for sampling in [
        SamplingFactor::F_1_1,
        SamplingFactor::F_2_1,
        SamplingFactor::F_1_2,
        SamplingFactor::F_2_2,
    ] {
        for (w, h) in SIZES {
            let bytes = encode(w, h, sampling, |_| {});
            let image = decode(&bytes, u64::MAX).unwrap();
            assert_eq!((image.width, image.height), (w, h));
            assert_eq!(image.planes.len(), 3);
            let y = &image.planes[0];
            assert_eq!((y.width, y.height), (w, h));
            let diff = max_difference(&y.data, &zune(&bytes, ColorSpace::Luma));
            // Two integer IDCTs may round a sample one level apart.
            assert!(diff <= 1, "{sampling:?} {w}x{h}: luma off by {diff}");
        }
    }
}

#[test]
fn chroma_is_kept_at_its_stored_size() {
    for (sampling, (sx, sy)) in [
        (SamplingFactor::F_1_1, (1, 1)),
        (SamplingFactor::F_2_1, (2, 1)),
        (SamplingFactor::F_1_2, (1, 2)),
        (SamplingFactor::F_2_2, (2, 2)),
    ] {
        for (w, h) in SIZES {
            let image = decode(&encode(w, h, sampling, |_| {}), u64::MAX).unwrap();
            for plane in &image.planes[1..] {
                assert_eq!(
                    (plane.width, plane.height),
                    (w.div_ceil(sx), h.div_ceil(sy))
                );
            }
            assert_eq!(image.subsampling[1], (sx, sy), "{sampling:?} {w}x{h}");
        }
    }
}

#[test]
fn full_size_chroma_matches_the_general_decoder() {
    let (w, h) = (67, 45);
    let bytes = encode(w, h, SamplingFactor::F_1_1, |_| {});
    let image = decode(&bytes, u64::MAX).unwrap();
    let ycbcr = zune(&bytes, ColorSpace::YCbCr);
    for (i, plane) in image.planes.iter().enumerate() {
        let theirs: Vec<u8> = ycbcr.iter().skip(i).step_by(3).copied().collect();
        let diff = max_difference(&plane.data, &theirs);
        assert!(diff <= 1, "plane {i} off by {diff}");
    }
}

#[test]
fn half_size_chroma_is_as_close_to_the_original_as_the_general_decoders() {
    // The stored chroma, unblended, against the general decoder's upsampled
    // chroma averaged back down, each compared with the original's chroma.
    // The original is flat over each 2x2 block, so however the encoder
    // subsampled, the truth is the same.
    let (w, h) = (64, 48);
    let fine = card(w, h);
    let original: Vec<u8> = (0..w * h)
        .flat_map(|i| {
            let at = ((i / w) & !1) * w + ((i % w) & !1);
            [fine[at * 3], fine[at * 3 + 1], fine[at * 3 + 2]]
        })
        .collect();
    let mut bytes = Vec::new();
    let mut enc = Encoder::new(&mut bytes, 92);
    enc.set_sampling_factor(SamplingFactor::F_2_2);
    enc.encode(&original, w as u16, h as u16, ColorType::Rgb)
        .unwrap();
    let image = decode(&bytes, u64::MAX).unwrap();
    let ycbcr = zune(&bytes, ColorSpace::YCbCr);
    let chroma = |p: &[u8], i: usize| {
        let [r, g, b] = [p[0], p[1], p[2]].map(f64::from);
        if i == 1 {
            128.0 - 0.168736 * r - 0.331264 * g + 0.5 * b
        } else {
            128.0 + 0.5 * r - 0.418688 * g - 0.081312 * b
        }
    };
    for i in 1..3 {
        let plane = &image.planes[i];
        let (mut ours, mut theirs) = (0.0, 0.0);
        for y in 0..plane.height {
            for x in 0..plane.width {
                let taps =
                    [(0, 0), (1, 0), (0, 1), (1, 1)].map(|(dx, dy)| (2 * y + dy) * w + 2 * x + dx);
                let truth = taps
                    .iter()
                    .map(|&t| chroma(&original[t * 3..], i))
                    .sum::<f64>()
                    / 4.0;
                let upsampled = taps
                    .iter()
                    .map(|&t| f64::from(ycbcr[t * 3 + i]))
                    .sum::<f64>()
                    / 4.0;
                ours += (f64::from(plane.data[y * plane.width + x]) - truth).abs();
                theirs += (upsampled - truth).abs();
            }
        }
        // Both carry the same quantisation error; blending neighbours in
        // smooths some of it away, so equal within 10 %.
        assert!(
            ours <= 1.1 * theirs,
            "plane {i}: ours {ours:.0}, general decoder {theirs:.0}"
        );
    }
}

#[test]
fn restart_intervals_change_nothing() {
    let plain = decode(&encode(67, 45, SamplingFactor::F_2_2, |_| {}), u64::MAX).unwrap();
    for interval in [1, 3, 7] {
        let bytes = encode(67, 45, SamplingFactor::F_2_2, |e| {
            e.set_restart_interval(interval)
        });
        let restarted = decode(&bytes, u64::MAX).unwrap();
        assert_eq!(plain.planes, restarted.planes, "interval {interval}");
    }
}

#[test]
fn greyscale_is_one_plane() {
    let (w, h) = (67, 45);
    let grey: Vec<u8> = card(w, h).chunks(3).map(|p| p[1]).collect();
    let mut bytes = Vec::new();
    Encoder::new(&mut bytes, 90)
        .encode(&grey, w as u16, h as u16, ColorType::Luma)
        .unwrap();
    let image = decode(&bytes, u64::MAX).unwrap();
    assert_eq!(image.planes.len(), 1);
    assert!(max_difference(&image.planes[0].data, &zune(&bytes, ColorSpace::Luma)) <= 1);
}

#[test]
fn the_exif_block_is_handed_back() {
    let exif = b"Exif\0\0MM\0*\0\0\0\x08";
    let bytes = encode(16, 16, SamplingFactor::F_2_2, |e| {
        e.add_app_segment(1, exif).unwrap()
    });
    let image = decode(&bytes, u64::MAX).unwrap();
    assert_eq!(image.exif.as_deref(), Some(&exif[6..]));
}

#[test]
fn progressive_and_cmyk_are_left_to_a_general_decoder() {
    let progressive = encode(32, 32, SamplingFactor::F_2_2, |e| e.set_progressive(true));
    assert!(matches!(
        decode(&progressive, u64::MAX),
        Err(Error::Unsupported(_))
    ));
    let mut cmyk = Vec::new();
    Encoder::new(&mut cmyk, 90)
        .encode(&[0u8; 16 * 16 * 4], 16, 16, ColorType::Cmyk)
        .unwrap();
    assert!(matches!(
        decode(&cmyk, u64::MAX),
        Err(Error::Unsupported(_))
    ));
}

#[test]
fn the_pixel_limit_is_checked_from_the_header() {
    let bytes = encode(64, 48, SamplingFactor::F_2_2, |_| {});
    assert_eq!(
        decode(&bytes, 64 * 48 - 1).unwrap_err(),
        Error::TooLarge {
            width: 64,
            height: 48
        }
    );
    assert!(decode(&bytes, 64 * 48).is_ok());
}

#[test]
fn damaged_files_give_errors_not_panics() {
    let good = encode(67, 45, SamplingFactor::F_2_2, |e| e.set_restart_interval(2));
    let mut seed = 7u64;
    let mut next = |n: usize| {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        (seed >> 33) as usize % n
    };
    let mut errors = 0;
    for round in 0..3000 {
        let mut bytes = good.clone();
        match round % 3 {
            0 => bytes.truncate(next(good.len())),
            1 => {
                for _ in 0..1 + next(4) {
                    let at = next(bytes.len());
                    bytes[at] = next(256) as u8;
                }
            }
            _ => {
                let at = next(bytes.len());
                bytes.insert(at, 0xFF);
            }
        }
        if decode(&bytes, 1 << 20).is_err() {
            errors += 1;
        }
    }
    // Most damage is noticed; the rest decodes to some picture.
    assert!(errors > 1000, "only {errors} of 3000 damaged files refused");
}
