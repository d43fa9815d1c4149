//! The no-panic fallback for the cargo-fuzz target: random bit flips,
//! truncations and splices of valid seeds must always give a verdict.

use image::DynamicImage;
use kyc_checker::{check, decode, Limits};
use kyc_core::DocumentKind;
use rand::{Rng, SeedableRng};

use crate::fixtures::*;

fn seeds() -> Vec<Vec<u8>> {
    let small = image::imageops::thumbnail(&card_photo(20), 120, 160);
    vec![
        jpeg(&small),
        png(&DynamicImage::ImageRgb8(small.clone())),
        jpeg_with_orientation(&small, 6),
        cmyk_jpeg(48, 32, [10, 200, 30, 5]),
        palette_png(24, 16),
    ]
}

#[test]
fn mutated_images_never_panic() {
    let iterations: usize = std::env::var("KYC_FUZZ_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x6b79_6321);
    let request = request(DocumentKind::Identity);
    let limits = Limits {
        max_pixels: 4_000_000,
        ..Limits::default()
    };
    let seeds = seeds();
    for i in 0..iterations {
        let mut bytes = seeds[i % seeds.len()].clone();
        match rng.gen_range(0..4) {
            0 => {
                for _ in 0..rng.gen_range(1..8) {
                    let at = rng.gen_range(0..bytes.len());
                    bytes[at] ^= 1 << rng.gen_range(0..8);
                }
            }
            1 => bytes.truncate(rng.gen_range(0..bytes.len())),
            2 => {
                let at = rng.gen_range(0..bytes.len());
                let len = rng.gen_range(1..64).min(bytes.len() - at);
                bytes[at..at + len].fill(rng.gen());
            }
            _ => {
                // Header bytes (sizes, lengths) are where parsers go wrong.
                let at = rng.gen_range(0..bytes.len().min(64));
                bytes[at] = rng.gen();
            }
        }
        let _ = decode::header_dimensions(&bytes);
        let _ = decode::decode_full(&bytes, &limits);
        // The seeds' long side (160) is two to four times 50: the planar
        // decode, where the file is one it takes.
        let _ = decode::decode_for_reading(&bytes, &limits, 50, true);
        let _ = decode::decode_analysis(&bytes, &limits, 50, true);
        let checked = check(&bytes, &request);
        assert!(
            !checked.report.reasons.is_empty()
                || checked.image.is_some()
                || checked.report.metrics.width > 0
        );
    }
}
