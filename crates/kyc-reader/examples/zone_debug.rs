//! Prints the MRZ zone `zone::find_zone` finds on each image given, after
//! scaling it to 1400 px wide like the identity pipeline (no warp).
//!
//! `cargo run --release -p kyc-reader --example zone_debug -- FILE...`

use kyc_reader::{prep, zone};

fn main() {
    for path in std::env::args().skip(1) {
        let Ok(img) = image::open(&path) else {
            eprintln!("{path}: cannot open");
            continue;
        };
        let gray = prep::to_gray(&img.to_rgb8());
        let gray = prep::resize_to(&gray, 1400.0 / f64::from(gray.width().max(1)));
        let t = std::time::Instant::now();
        let found = zone::find_zone(&gray);
        println!(
            "{path}: {found:?} {:.1} ms",
            t.elapsed().as_secs_f64() * 1e3
        );
        if std::env::var_os("ZONE_DEBUG").is_some() {
            for row in zone::debug_rows(&gray) {
                println!("  {row}");
            }
        }
    }
}
