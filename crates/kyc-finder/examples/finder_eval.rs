//! Measures the finder on a labelled dataset folder (a `manifest.jsonl` with
//! either a `quad` or a `visibility_label` per image), and on cut-off and
//! tight crops made from the quad-labelled photos.
//!
//! Usage: finder_eval DIR [--long 800] [--tol PX] [--verbose] [--opt key=value]...
//! Options keys: work, edge, lines, minline, minscore, opp, miss, border.

use std::path::{Path, PathBuf};
use std::time::Instant;

use image::{imageops, GrayImage};
use kyc_finder::geometry::polygon_iou;
use kyc_finder::{find_document_with, Options, Point};

/// Ground truth for "all four edges visible".
#[derive(Clone, Copy, PartialEq, Debug)]
enum Truth {
    Visible,
    CutOff,
    /// A corner within the tolerance band around the frame edge.
    Ambiguous,
    NoDocument,
}

struct Case {
    name: String,
    gray: GrayImage,
    quad: Option<[Point; 4]>,
    truth: Truth,
}

#[derive(Default)]
struct Tally {
    n: usize,
    correct: usize,
    visible: usize,
    false_alarm: usize,
    cut: usize,
    missed_cut: usize,
    iou_sum: f64,
    iou_n: usize,
    ms: f64,
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
        println!(
            "{title:<22} n={:<4} edges-visible acc {:5.1}%  false alarm (in-frame) {:5.1}% of {}  miss (cut-off) {:5.1}% of {}  mean IoU {:.3} (n={})  {:.1} ms/img",
            self.n,
            pct(self.correct, self.n),
            pct(self.false_alarm, self.visible),
            self.visible,
            pct(self.missed_cut, self.cut),
            self.cut,
            self.iou_sum / self.iou_n.max(1) as f64,
            self.iou_n,
            self.ms / self.n.max(1) as f64
        );
    }
}

fn truth_from_quad(q: &[Point; 4], w: u32, h: u32) -> Truth {
    let (w, h) = (f64::from(w), f64::from(h));
    let m = q
        .iter()
        .map(|c| c[0].min(c[1]).min(w - 1.0 - c[0]).min(h - 1.0 - c[1]))
        .fold(f64::INFINITY, f64::min);
    if m >= 10.0 {
        Truth::Visible
    } else if m <= -15.0 {
        Truth::CutOff
    } else {
        Truth::Ambiguous
    }
}

fn parse_quad(v: &serde_json::Value) -> Option<[Point; 4]> {
    let a = v.as_array()?;
    let mut q = [[0.0; 2]; 4];
    for (i, p) in a.iter().take(4).enumerate() {
        q[i] = [p.get(0)?.as_f64()?, p.get(1)?.as_f64()?];
    }
    (a.len() == 4).then_some(q)
}

fn load(dir: &Path) -> Vec<Case> {
    let text = std::fs::read_to_string(dir.join("manifest.jsonl")).expect("manifest.jsonl");
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).expect("json line");
        let file: PathBuf = dir.join(v["image"].as_str().expect("image"));
        let gray = match image::open(&file) {
            Ok(i) => i.to_luma8(),
            Err(e) => {
                eprintln!("skip {}: {e}", file.display());
                continue;
            }
        };
        let quad = parse_quad(&v["quad"]);
        let truth = match (&quad, v["visibility_label"].as_str()) {
            (Some(q), _) => truth_from_quad(q, gray.width(), gray.height()),
            (None, Some("FULL_VISIBILITY")) => Truth::Visible,
            (None, Some("PARTIAL_VISIBILITY")) => Truth::CutOff,
            (None, Some(_)) => Truth::NoDocument,
            (None, None) => continue,
        };
        out.push(Case {
            name: v["id"].as_str().unwrap_or("?").to_string(),
            gray,
            quad,
            truth,
        });
    }
    out
}

/// Tight crops (document fully in, small margin) and cut-off crops (one side
/// or one corner outside), with the quad moved into the crop's pixels.
fn synthetic(cases: &[Case]) -> Vec<Case> {
    let mut out = Vec::new();
    for c in cases {
        let Some(q) = c.quad else { continue };
        let (w, h) = (f64::from(c.gray.width()), f64::from(c.gray.height()));
        let xs = q.map(|p| p[0]);
        let ys = q.map(|p| p[1]);
        let (x0, x1) = (
            xs.iter().cloned().fold(f64::INFINITY, f64::min),
            xs.iter().cloned().fold(f64::NEG_INFINITY, f64::max),
        );
        let (y0, y1) = (
            ys.iter().cloned().fold(f64::INFINITY, f64::min),
            ys.iter().cloned().fold(f64::NEG_INFINITY, f64::max),
        );
        let (dw, dh) = (x1 - x0, y1 - y0);
        let pad = 0.05 * dw.max(dh);
        let crops = [
            ("tight", x0 - pad, y0 - pad, x1 + pad, y1 + pad),
            ("cutL", x0 + 0.15 * dw, 0.0, w, h),
            ("cutR", 0.0, 0.0, x1 - 0.2 * dw, h),
            ("cutT", 0.0, y0 + 0.25 * dh, w, h),
            ("cutB", 0.0, 0.0, w, y1 - 0.12 * dh),
            ("cutTL", x0 + 0.1 * dw, y0 + 0.1 * dh, w, h),
        ];
        for (tag, a, b, cc, d) in crops {
            let (a, b) = (a.max(0.0).round(), b.max(0.0).round());
            let (cc, d) = (cc.min(w).round(), d.min(h).round());
            if cc - a < 64.0 || d - b < 64.0 {
                continue;
            }
            let gray =
                imageops::crop_imm(&c.gray, a as u32, b as u32, (cc - a) as u32, (d - b) as u32)
                    .to_image();
            let quad = q.map(|p| [p[0] - a, p[1] - b]);
            let truth = truth_from_quad(&quad, gray.width(), gray.height());
            out.push(Case {
                name: format!("{}_{tag}", c.name),
                gray,
                quad: Some(quad),
                truth,
            });
        }
    }
    out
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

fn run(cases: &[Case], title: &str, opt: &Options, long: u32, tol: f64, verbose: bool) {
    let dump = std::env::var("FINDER_DUMP").ok();
    let mut t = Tally::default();
    for c in cases {
        let (w, h) = c.gray.dimensions();
        let s = (f64::from(long) / f64::from(w.max(h))).min(1.0);
        let small = if s < 1.0 {
            imageops::thumbnail(
                &c.gray,
                (f64::from(w) * s).round() as u32,
                (f64::from(h) * s).round() as u32,
            )
        } else {
            c.gray.clone()
        };
        let (sx, sy) = (
            f64::from(w) / f64::from(small.width()),
            f64::from(h) / f64::from(small.height()),
        );
        let t0 = Instant::now();
        let det = find_document_with(&small, opt);
        t.ms += t0.elapsed().as_secs_f64() * 1000.0;
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
        let says_visible = margin.is_some_and(|m| m >= tol);
        let iou = match (c.quad, corners) {
            (Some(q), Some(p)) => Some(polygon_iou(&q, &p)),
            (Some(_), None) => Some(0.0),
            _ => None,
        };
        if let Some(i) = iou {
            t.iou_sum += i;
            t.iou_n += 1;
        }
        let ok = match c.truth {
            Truth::Visible => says_visible,
            Truth::CutOff | Truth::NoDocument => !says_visible,
            Truth::Ambiguous => true,
        };
        if c.truth != Truth::Ambiguous {
            t.n += 1;
            t.correct += usize::from(ok);
        }
        if c.truth == Truth::Visible {
            t.visible += 1;
            t.false_alarm += usize::from(!ok);
        }
        if c.truth == Truth::CutOff {
            t.cut += 1;
            t.missed_cut += usize::from(!ok);
        }
        if let (Some(dir), true) = (&dump, !ok || iou.is_some_and(|i| i < 0.85)) {
            let mut img = small.clone();
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
        if verbose && (!ok || iou.is_some_and(|i| i < 0.85)) {
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
    t.print(title);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut dirs = Vec::new();
    let mut opt = Options::default();
    let (mut long, mut tol, mut verbose) = (800u32, 0.0f64, false);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--long" => long = it.next().and_then(|v| v.parse().ok()).expect("--long N"),
            "--tol" => tol = it.next().and_then(|v| v.parse().ok()).expect("--tol PX"),
            "--verbose" => verbose = true,
            "--opt" => {
                let kv = it.next().expect("--opt key=value");
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
                    _ => panic!("unknown option {k}"),
                }
            }
            d => dirs.push(PathBuf::from(d)),
        }
    }
    for d in dirs {
        let cases = load(&d);
        println!(
            "{} ({} images, long side {long}, tolerance {tol} px)",
            d.display(),
            cases.len()
        );
        run(&cases, "photos", &opt, long, tol, verbose);
        let syn = synthetic(&cases);
        if !syn.is_empty() {
            let cut: Vec<Case> = syn
                .iter()
                .filter(|c| c.name.contains("_cut"))
                .map(clone_case)
                .collect();
            let tight: Vec<Case> = syn
                .iter()
                .filter(|c| c.name.ends_with("_tight"))
                .map(clone_case)
                .collect();
            run(&tight, "synthetic tight crops", &opt, long, tol, verbose);
            run(&cut, "synthetic cut-offs", &opt, long, tol, verbose);
            run(&syn, "synthetic all", &opt, long, tol, false);
        }
    }
}

fn clone_case(c: &Case) -> Case {
    Case {
        name: c.name.clone(),
        gray: c.gray.clone(),
        quad: c.quad,
        truth: c.truth,
    }
}
