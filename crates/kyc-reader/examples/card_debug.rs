//! Per-glyph diagnostics of the card-number classifier on a labelled card
//! folder (a `manifest.jsonl` with `pan_ground_truth`).
//!
//! `cargo run --release -p kyc-reader --example card_debug -- DIR`
//!
//! For each card: the glyphs found, their groups, and for every glyph
//! whether the classifier's best class is right (`ok best/second` scores)
//! or the truth's rank and score (`R2:0.61<0.66`). Digits are never
//! printed. `CARD_DUMP=dir` saves each glyph's mask and grey patches and
//! the band's mask as PNG for a look.

use std::path::Path;

use kyc_reader::digits::{classify_row, glyph_patch};
use kyc_reader::glyphs::{number_row, split_groups};
use kyc_reader::prep::Prepared;
use serde_json::Value;

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: card_debug DIR");
        std::process::exit(2);
    };
    let dump = std::env::var_os("CARD_DUMP").map(std::path::PathBuf::from);
    let dir = Path::new(&dir);
    let Ok(manifest) = std::fs::read_to_string(dir.join("manifest.jsonl")) else {
        eprintln!("{}: no manifest.jsonl", dir.display());
        std::process::exit(2);
    };
    let (mut total, mut right) = (0, 0);
    for line in manifest.lines() {
        let Ok(row) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        let Some(name) = row["image"].as_str() else {
            continue;
        };
        let pan: Vec<char> = row["pan_ground_truth"]
            .as_str()
            .unwrap_or("")
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        let Ok(img) = image::open(dir.join(name)) else {
            eprintln!("{name}: unreadable");
            continue;
        };
        let prepared = Prepared::new(kyc_reader::Source::Rgb(&img.to_rgb8()), None, |w, _| {
            1012.0 / w.max(1.0)
        });
        let Some(nr) = number_row(&prepared.image) else {
            println!("{name}: no row");
            continue;
        };
        let groups: Vec<usize> = split_groups(&nr.glyphs).iter().map(Vec::len).collect();
        let scores = classify_row(&nr);
        let mut marks = String::new();
        if scores.len() == pan.len() {
            for (s, want) in scores.iter().zip(&pan) {
                total += 1;
                let Some(s) = s else {
                    marks.push_str(" none");
                    continue;
                };
                let rank = s.iter().position(|(c, _)| c == want).unwrap_or(99);
                let truth = s.iter().find(|(c, _)| c == want).map_or(0.0, |x| x.1);
                if rank == 0 {
                    right += 1;
                    let second = s.get(1).map_or(0.0, |x| x.1);
                    marks.push_str(&format!(" ok{truth:.2}/{second:.2}"));
                } else {
                    marks.push_str(&format!(" R{rank}:{truth:.2}<{:.2}", s[0].1));
                }
            }
        }
        println!(
            "{name}: light {} n {} groups {groups:?}{marks}",
            nr.light,
            nr.glyphs.len()
        );
        if let Some(out) = &dump {
            let stem = name.split('.').next().unwrap_or(name);
            let _ = nr.mask.save(out.join(format!("{stem}_mask.png")));
            for (i, g) in nr.glyphs.iter().enumerate() {
                for grey in [false, true] {
                    let (ink, w, h) = glyph_patch(&nr, g, grey);
                    let im = image::GrayImage::from_fn(w as u32, h as u32, |x, y| {
                        image::Luma([(ink[y as usize * w + x as usize] * 255.0) as u8])
                    });
                    let _ = im.save(out.join(format!("{stem}_{i:02}_{}.png", u8::from(grey))));
                }
            }
        }
    }
    println!("glyphs right {right}/{total} (on cards where the glyph count matches)");
}
