//! Prints the MRZ zone `zone::find_zone` finds on each image given, after
//! scaling it to 1400 px wide like the identity pipeline (no warp).
//!
//! `cargo run --release -p kyc-reader --example zone_debug -- FILE...`
//! With `ZONE_DEBUG=1`, every chain's grid verdict too; with
//! `ZONE_DUMP=DIR`, each row's straightened strip as `DIR/<file>-<row>.png`
//! (what the identity pipeline gives OCR); with `ZONE_CORNERS=FILE.jsonl`
//! (`kyc check --json` output) the files listed there, warped with their
//! corners instead of the arguments; with `ZONE_BAND=y0,y1`, the ink
//! components in that band of rows (for threshold tuning).

use std::path::Path;

use kyc_reader::{prep, zone};

fn main() {
    let dump = std::env::var_os("ZONE_DUMP");
    // With `ZONE_CORNERS=FILE.jsonl` (the output of `kyc check --json`),
    // each file is warped with the corners the checker found, as
    // `kyc check` does before reading.
    let corners: Vec<(String, Option<kyc_checker::Corners>)> = match std::env::var("ZONE_CORNERS") {
        Ok(f) => std::fs::read_to_string(f)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .map(|v| {
                let c = serde_json::from_value(v["document"]["corners"].clone()).ok();
                (v["file"].as_str().unwrap_or_default().to_owned(), c)
            })
            .collect(),
        Err(_) => std::env::args().skip(1).map(|p| (p, None)).collect(),
    };
    for (path, quad) in corners {
        let Ok(img) = image::open(&path) else {
            eprintln!("{path}: cannot open");
            continue;
        };
        let prepared = prep::Prepared::new(
            kyc_reader::Source::Rgb(&img.to_rgb8()),
            quad.as_ref(),
            |w, _| 1400.0 / w.max(1.0),
        );
        let gray = prepared.image;
        let t = std::time::Instant::now();
        let found = zone::find_zone(&gray);
        println!(
            "{path}: {found:?} {:.1} ms",
            t.elapsed().as_secs_f64() * 1e3
        );
        if let Ok(b) = std::env::var("ZONE_BAND") {
            let v: Vec<u32> = b.split(',').filter_map(|s| s.parse().ok()).collect();
            band(&gray, v[0], v[1]);
        }
        if std::env::var_os("ZONE_DEBUG").is_some() {
            for row in zone::debug_rows(&gray) {
                println!("  {row}");
            }
        }
        if let (Some(dir), Some(z)) = (&dump, &found) {
            let stem = Path::new(&path)
                .file_stem()
                .map_or("image".into(), |s| s.to_string_lossy().into_owned());
            let pitch = z.lines.iter().map(|r| r.pitch).fold(0.0, f64::max);
            let (from, to) = (
                f64::from(z.x) - 1.5 * pitch,
                f64::from(z.x + z.w) + 1.5 * pitch,
            );
            for (i, row) in z.lines.iter().enumerate() {
                if let Some(strip) = zone::straighten(&gray, row, from, to, 36.0) {
                    let out = Path::new(dir).join(format!("{stem}-{i}.png"));
                    if let Err(e) = strip.save(&out) {
                        eprintln!("{}: {e}", out.display());
                    }
                }
            }
        }
    }
}

/// Prints the threshold's components lying within rows `y0..y1`.
fn band(gray: &image::GrayImage, y0: u32, y1: u32) {
    let w = gray.width();
    let mask = kyc_reader::glyphs::ink_mask(gray, false, (w / 24).clamp(15, 81), 12);
    let mut g: Vec<_> = kyc_reader::glyphs::components(&mask)
        .into_iter()
        .filter(|g| g.y >= y0 && g.y + g.h <= y1 && g.h >= 4)
        .collect();
    g.sort_by_key(|g| g.x);
    for c in g {
        print!("[{} {} {}x{} a{}] ", c.x, c.y, c.w, c.h, c.area);
    }
    println!();
}
