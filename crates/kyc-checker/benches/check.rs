//! `cargo bench -p kyc-checker --bench check`: the whole check, decode
//! included, single-threaded, on a 1080x1920 and a 12 MP JPEG drawn here.

use criterion::{criterion_group, criterion_main, Criterion};
use image::{Rgb, RgbImage};
use kyc_checker::{check, check_with, CheckOptions, CheckRequest, FullImage};
use kyc_core::DocumentKind;

/// A photo-like JPEG: a textured desk, a pale card with dark print, noise.
fn photo(w: u32, h: u32) -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let img = RgbImage::from_fn(w, h, |x, y| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let noise = (state % 7) as i32 - 3;
        let (cx, cy) = (x as f64 / w as f64, y as f64 / h as f64);
        let on_card = (0.1..0.9).contains(&cx) && (0.3..0.6).contains(&cy);
        let print = on_card && (y / 9) % 3 == 0 && (x / 5) % 4 != 0;
        let base = if print {
            [30, 30, 40]
        } else if on_card {
            [205, 222, 240]
        } else {
            let grain = ((x as f64 * 0.05).sin() * 12.0) as i32;
            [120 + grain, 82 + grain, 50]
        };
        Rgb(base.map(|c| (c + noise).clamp(0, 255) as u8))
    });
    kyc_checker::synth::encode_jpeg(&img)
}

fn bench(c: &mut Criterion) {
    let request = CheckRequest::new(
        DocumentKind::Identity,
        chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or_default(),
    );
    let quick = CheckOptions {
        full_image: FullImage::Never,
        ..CheckOptions::default()
    };
    let always = CheckOptions {
        full_image: FullImage::Always,
        ..CheckOptions::default()
    };
    for (name, w, h) in [("1080x1920", 1080, 1920), ("12MP_3000x4000", 3000, 4000)] {
        let bytes = photo(w, h);
        let mut group = c.benchmark_group(name);
        group.sample_size(20);
        group.bench_function("check", |b| b.iter(|| check(&bytes, &request)));
        group.bench_function("check_no_full_image", |b| {
            b.iter(|| check_with(&bytes, &request, &quick))
        });
        group.bench_function("check_full_image_always", |b| {
            b.iter(|| check_with(&bytes, &request, &always))
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
