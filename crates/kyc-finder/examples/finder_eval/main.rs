//! Measures the finder on a labelled dataset folder (a `manifest.jsonl` with
//! either a `quad` or a `visibility_label` per image), on cut-off and tight
//! crops made from the quad-labelled photos, and on document-free images
//! (strips of the same photos without the document, plus `--neg DIR`
//! folders of general scenes).
//!
//! Usage: finder_eval DIR [--neg DIR]... [--long 800] [--tol PX] [--grey]
//!        [--hint] [--folds] [--verbose] [--opt key=value]...
//! `--grey` runs the grey entry point (default: RGB); `--hint` passes the
//! document kind's aspect (passport 1.42, card 1.586); `--folds` also
//! reports the two halves of the MIDV document types separately.

mod cases;

use std::path::{Path, PathBuf};
use std::time::Instant;

use cases::{Case, Truth};
use image::{imageops, DynamicImage, GrayImage};
use kyc_finder::geometry::polygon_iou;
use kyc_finder::{find_document_rgb_with, find_document_with, Options, Point};

/// Half of the MIDV document types used for tuning; the rest is the check.
const FOLD_A: [&str; 4] = [
    "02_aut_drvlic_new",
    "14_deu_id_new",
    "33_mac_id",
    "43_tur_id",
];

#[derive(Default)]
struct Tally {
    n: usize,
    correct: usize,
    visible: usize,
    false_alarm: usize,
    cut: usize,
    missed_cut: usize,
    nodoc: usize,
    nodoc_found: usize,
    iou_sum: f64,
    iou_n: usize,
    ms: f64,
    runs: usize,
}

impl Tally {
    fn print(&self, title: &str) {
        let pct = |a: usize, b: usize| {
            if b == 0 {
                f64::NAN
            } else {
                100.0 * a as f64 / b as f64
            }
        };
        let mut s = format!(
            "{title:<24} n={:<4} acc {:5.1}%  FA(in-frame) {:5.1}% of {:<3} miss(cut) {:5.1}% of {:<3} IoU {:.3} (n={})",
            self.n,
            pct(self.correct, self.n),
            pct(self.false_alarm, self.visible),
            self.visible,
            pct(self.missed_cut, self.cut),
            self.cut,
            self.iou_sum / self.iou_n.max(1) as f64,
            self.iou_n,
        );
        if self.nodoc > 0 {
            s += &format!(
                "  no-doc found {:5.1}% of {}",
                pct(self.nodoc_found, self.nodoc),
                self.nodoc
            );
        }
        s += &format!("  {:.1} ms/img", self.ms / self.runs.max(1) as f64);
        println!("{s}");
    }
}

struct Setup {
    opt: Options,
    long: u32,
    tol: f64,
    verbose: bool,
    grey: bool,
    hint: bool,
    folds: bool,
    quick: bool,
}

/// Draws a closed quad (value `v`) onto `img`, for eyeballing failures.
fn draw(img: &mut GrayImage, q: &[Point; 4], v: u8) {
    for s in 0..4 {
        let (a, b) = (q[s], q[(s + 1) % 4]);
        let n = ((b[0] - a[0]).hypot(b[1] - a[1]) as usize).max(1);
        for k in 0..=n {
            let t = k as f64 / n as f64;
            let (x, y) = (a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]));
            for (dx, dy) in [(0, 0), (1, 0), (0, 1)] {
                let (xx, yy) = (x as i64 + dx, y as i64 + dy);
                if xx >= 0 && yy >= 0 && (xx as u32) < img.width() && (yy as u32) < img.height() {
                    img.put_pixel(xx as u32, yy as u32, image::Luma([v]));
                }
            }
        }
    }
}

fn run(cases: &[Case], title: &str, st: &Setup) {
    let dump = std::env::var("FINDER_DUMP").ok();
    let mut all = Tally::default();
    let mut fa = Tally::default();
    let mut fb = Tally::default();
    for c in cases {
        let rgb = c.image();
        let (w, h) = c.dims();
        let s = (f64::from(st.long) / f64::from(w.max(h))).min(1.0);
        let small = if s < 1.0 {
            imageops::thumbnail(
                &rgb,
                (f64::from(w) * s).round() as u32,
                (f64::from(h) * s).round() as u32,
            )
        } else {
            rgb
        };
        let (sx, sy) = (
            f64::from(w) / f64::from(small.width()),
            f64::from(h) / f64::from(small.height()),
        );
        let mut opt = st.opt.clone();
        if st.hint {
            opt.expected_aspect = c.aspect_hint();
        }
        let gray = st
            .grey
            .then(|| DynamicImage::ImageRgb8(small.clone()).to_luma8());
        let t0 = Instant::now();
        let det = match &gray {
            Some(g) => find_document_with(g, &opt),
            None => find_document_rgb_with(&small, &opt),
        };
        let ms = t0.elapsed().as_secs_f64() * 1000.0;
        if std::env::var("FINDER_FEAT").is_ok() {
            eprintln!("CASE {} {:?}", c.name, c.truth);
        }
        let corners = det.as_ref().map(|d| {
            d.corners
                .map(|p| [(p[0] + 0.5) * sx - 0.5, (p[1] + 0.5) * sy - 0.5])
        });
        let margin = corners.map(|q| {
            q.iter()
                .map(|p| {
                    p[0].min(p[1])
                        .min(f64::from(w) - 1.0 - p[0])
                        .min(f64::from(h) - 1.0 - p[1])
                })
                .fold(f64::INFINITY, f64::min)
        });
        let says_visible = margin.is_some_and(|m| m >= st.tol);
        let iou = match (c.quad, corners) {
            (Some(q), Some(p)) => Some(polygon_iou(&q, &p)),
            (Some(_), None) => Some(0.0),
            _ => None,
        };
        let ok = match c.truth {
            Truth::Visible => says_visible,
            Truth::CutOff => !says_visible,
            Truth::NoDocument => det.is_none(),
            Truth::Ambiguous => true,
        };
        let in_a = FOLD_A.contains(&c.doc_type.as_str());
        for t in [&mut all, if in_a { &mut fa } else { &mut fb }] {
            t.ms += ms;
            t.runs += 1;
            if let Some(i) = iou {
                t.iou_sum += i;
                t.iou_n += 1;
            }
            if c.truth != Truth::Ambiguous {
                t.n += 1;
                t.correct += usize::from(ok);
            }
            match c.truth {
                Truth::Visible => {
                    t.visible += 1;
                    t.false_alarm += usize::from(!ok);
                }
                Truth::CutOff => {
                    t.cut += 1;
                    t.missed_cut += usize::from(!ok);
                }
                Truth::NoDocument => {
                    t.nodoc += 1;
                    t.nodoc_found += usize::from(!ok);
                }
                Truth::Ambiguous => {}
            }
        }
        let bad = !ok || iou.is_some_and(|i| i < 0.85);
        if let (Some(dir), true) = (&dump, bad) {
            let mut img = DynamicImage::ImageRgb8(small.clone()).to_luma8();
            if let Some(q) = c.quad {
                draw(
                    &mut img,
                    &q.map(|p| [(p[0] + 0.5) / sx - 0.5, (p[1] + 0.5) / sy - 0.5]),
                    255,
                );
            }
            if let Some(d) = &det {
                draw(&mut img, &d.corners, 0);
            }
            let _ = img.save(Path::new(dir).join(format!("{}.png", c.name)));
        }
        if std::env::var("FINDER_FEAT").is_ok() {
            eprintln!("IOU {}", iou.unwrap_or(-1.0));
        }
        if st.verbose && bad {
            println!(
                "  {:<40} truth {:?} margin {:?} iou {:?} conf {:?}",
                c.name,
                c.truth,
                margin.map(|m| m.round()),
                iou.map(|i| (i * 1000.0).round() / 1000.0),
                det.map(|d| (d.confidence * 100.0).round() / 100.0)
            );
        }
    }
    all.print(title);
    if st.folds && fa.runs > 0 && fb.runs > 0 {
        fa.print(&format!("  {title} [A]"));
        fb.print(&format!("  {title} [B]"));
    }
}

fn parse_opt(opt: &mut Options, kv: &str) {
    let (k, v) = kv.split_once('=').expect("key=value");
    let f: f64 = v.parse().expect("number");
    match k {
        "work" => opt.work_long_side = f as usize,
        "edge" => opt.edge_threshold = f as f32,
        "lines" => opt.max_lines = f as usize,
        "minline" => opt.min_line_frac = f,
        "minscore" => opt.min_score_frac = f,
        "opp" => opt.max_opposite_deg = f,
        "miss" => opt.miss_weight = f,
        "border" => opt.border_factor = f,
        "over" => opt.overshoot_weight = f,
        "borders" => opt.max_border_sides = f as usize,
        "aspect" => opt.expected_aspect = (f > 0.0).then_some(f),
        "minconf" => opt.min_confidence = f,
        "asig" => opt.aspect_sigma = f,
        "cfloor" => opt.contrast_floor = f,
        "mincov" => opt.min_coverage = f,
        _ => panic!("unknown option {k}"),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mut dirs, mut negs) = (Vec::new(), Vec::new());
    let mut st = Setup {
        opt: Options::default(),
        long: 800,
        tol: 0.0,
        verbose: false,
        grey: false,
        hint: false,
        folds: false,
        quick: false,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--long" => st.long = it.next().and_then(|v| v.parse().ok()).expect("--long N"),
            "--tol" => st.tol = it.next().and_then(|v| v.parse().ok()).expect("--tol PX"),
            "--verbose" => st.verbose = true,
            "--grey" => st.grey = true,
            "--hint" => st.hint = true,
            "--folds" => st.folds = true,
            "--quick" => st.quick = true,
            "--neg" => negs.push(PathBuf::from(it.next().expect("--neg DIR"))),
            "--opt" => parse_opt(&mut st.opt, it.next().expect("--opt key=value")),
            d => dirs.push(PathBuf::from(d)),
        }
    }
    println!(
        "long side {}, tolerance {} px, {} entry point, hint {}",
        st.long,
        st.tol,
        if st.grey { "grey" } else { "RGB" },
        st.hint
    );
    for d in dirs {
        let cases = cases::load(&d, false);
        println!("{} ({} images)", d.display(), cases.len());
        run(&cases, "photos", &st);
        let syn = cases::synthetic(&cases);
        if !syn.is_empty() {
            let pick = |tag: &str| -> Vec<Case> {
                syn.iter()
                    .filter(|c| c.name.contains(tag))
                    .cloned()
                    .collect()
            };
            if !st.quick {
                run(&pick("_tight"), "synthetic tight crops", &st);
            }
            run(&pick("_cut"), "synthetic cut-offs", &st);
            run(&cases::negatives(&cases), "document-free strips", &st);
        }
    }
    for d in negs {
        let cases = cases::load(&d, true);
        run(&cases, &format!("no-doc {}", d.display()), &st);
    }
}
