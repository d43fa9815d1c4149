//! Times kyc-jpeg against zune-jpeg (RGB, and luma only) on the same
//! files in one process, alternating, and prints the ratio:
//!
//!   cargo run --release -p kyc-jpeg --example compare -- FILE.jpg...
use std::time::Instant;

use zune_core::colorspace::ColorSpace;
use zune_core::options::DecoderOptions;

fn zune(bytes: &[u8], colorspace: ColorSpace) -> usize {
    let options = DecoderOptions::default().jpeg_set_out_colorspace(colorspace);
    zune_jpeg::JpegDecoder::new_with_options(std::io::Cursor::new(bytes), options)
        .decode()
        .map_or(0, |v| v.len())
}

fn main() {
    let files: Vec<Vec<u8>> = std::env::args()
        .skip(1)
        .filter_map(|p| std::fs::read(p).ok())
        .collect();
    if files.is_empty() {
        eprintln!("usage: compare FILE.jpg...");
        return;
    }
    let n = files.len() as f64;
    let time = |f: &dyn Fn(&[u8]) -> usize| {
        let t = Instant::now();
        let total: usize = files.iter().map(|b| f(b)).sum();
        (t.elapsed().as_secs_f64() * 1000.0 / n, total)
    };
    for round in 0..5 {
        let (planes, _) = time(&|b| kyc_jpeg::decode(b, u64::MAX).map_or(0, |i| i.planes.len()));
        let (rgb, _) = time(&|b| zune(b, ColorSpace::RGB));
        let (luma, _) = time(&|b| zune(b, ColorSpace::Luma));
        println!(
            "round {round}: kyc-jpeg planes {planes:.2} ms, zune RGB {rgb:.2} ms, zune luma {luma:.2} ms a file; zune RGB / kyc-jpeg {:.2}x",
            rgb / planes
        );
    }
}
