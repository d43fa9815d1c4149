//! Glare calibration on a labelled folder, apart from the CLI (no OCR).
//!
//! `glare_cal dump DIR OUT`: for every photo in DIR/manifest.jsonl and two
//! synthetic-glare copies of it (as `kyc eval --synthesize` makes them),
//! runs the finder and saves the warped document region as OUT/<id>__<variant>.png
//! (alpha = inside the photo).
//! `glare_cal measure OUT`: measures glare on every saved region and prints
//! one line per region, so the glare measure can be tuned without re-running
//! the finder.

use std::path::Path;

use image::{Rgba, RgbaImage};
use kyc_checker::document::{self, Region};
use kyc_checker::synth::{self, Degradation};
use kyc_checker::{decode, quality, Corners, Limits};
use kyc_core::DocumentKind;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match (args.get(1).map(String::as_str), args.get(2), args.get(3)) {
        (Some("dump"), Some(dir), Some(out)) => dump(Path::new(dir), Path::new(out)),
        (Some("measure"), Some(out), _) => measure(Path::new(out)),
        _ => eprintln!("usage: glare_cal dump DIR OUT | glare_cal measure OUT"),
    }
}

fn dump(dir: &Path, out: &Path) {
    let manifest = std::fs::read_to_string(dir.join("manifest.jsonl")).expect("manifest");
    let limits = Limits::default();
    std::fs::create_dir_all(out).expect("out dir");
    for (r, line) in manifest.lines().enumerate() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let id = v["id"].as_str().unwrap_or("?").to_owned();
        let bytes = std::fs::read(dir.join(v["image"].as_str().unwrap_or(""))).expect("image");
        let quad: Option<Corners> = serde_json::from_value(v["quad"].clone()).ok();
        let full = decode::decode_full(&bytes, &limits).expect("decode");
        let variants = [
            ("original", None),
            (
                "glare3",
                Some(Degradation::Glare {
                    share: 0.03,
                    u: 0.3,
                    v: 0.4,
                }),
            ),
            (
                "glare15",
                Some(Degradation::Glare {
                    share: 0.015,
                    u: 0.7,
                    v: 0.6,
                }),
            ),
        ];
        for (name, d) in variants {
            let b = match d {
                None => bytes.clone(),
                Some(d) => {
                    synth::encode_jpeg(&synth::degrade(&full.image, quad.as_ref(), d, r as u64 + 1))
                }
            };
            let (analysis, _) = decode::decode_analysis(&b, &limits, 800, true).expect("decode");
            let region = document::find(&analysis.image, DocumentKind::Identity)
                .and_then(|f| document::warp(&analysis.image, &f.corners, 800.0))
                .unwrap_or_else(|| Region::whole(&analysis.image));
            let (w, h) = region.rgb.dimensions();
            let img = RgbaImage::from_fn(w, h, |x, y| {
                let p = region.rgb.get_pixel(x, y).0;
                let a = if region.valid[(y * w + x) as usize] {
                    255
                } else {
                    0
                };
                Rgba([p[0], p[1], p[2], a])
            });
            img.save(out.join(format!("{id}__{name}.png")))
                .expect("save");
        }
        eprintln!("{id}");
    }
}

fn measure(out: &Path) {
    let mut paths: Vec<_> = std::fs::read_dir(out)
        .expect("dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    paths.sort();
    for p in paths {
        let img = image::open(&p).expect("open").to_rgba8();
        let rgb = image::RgbImage::from_fn(img.width(), img.height(), |x, y| {
            let q = img.get_pixel(x, y).0;
            image::Rgb([q[0], q[1], q[2]])
        });
        let valid = img.pixels().map(|q| q.0[3] > 127).collect();
        let region = Region { rgb, valid };
        let m = quality::measure(&region);
        let n = region.valid.iter().filter(|&&v| v).count().max(1) as f64;
        let hot: u8 = std::env::var("HOT")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(230);
        for b in quality::blobs(&region, hot) {
            if b.size as f64 >= 0.0005 * n {
                println!(
                    "BLOB\t{}\t{:.5}\t{:.5}\t{}\t{:.1}",
                    p.file_stem().and_then(|s| s.to_str()).unwrap_or("?"),
                    b.size as f64 / n,
                    b.core as f64 / n,
                    u8::from(b.border),
                    b.mean
                );
            }
        }
        let name = p.file_stem().and_then(|s| s.to_str()).unwrap_or("?");
        let radius: usize = std::env::var("SOLID")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(quality::SOLID_RADIUS);
        println!(
            "{name}\t{:.5}\tsolid={:.5}\tpaper={:.3}\twhite={:.3}\tclipped={:.4}",
            m.glare,
            quality::glare_with(&region, radius),
            m.paper_level,
            m.white_level,
            m.clipped
        );
    }
}
