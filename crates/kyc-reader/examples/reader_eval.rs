//! Runs the reader over labelled dataset folders and prints its accuracy.
//!
//! `cargo run --release -p kyc-reader --example reader_eval -- DIR...`
//!
//! Each DIR holds images and a manifest.jsonl. The kind of evaluation is
//! chosen by the labels: `date_iso` (receipts/bills: issue date, 3-month
//! verdict), `last4` (cards: last 4, masked; plus copies turned 3 degrees
//! and masked copies made by painting over the number), `expected_mrz_valid_score` (MRZ: all check
//! digits valid on score-100 images). Card numbers are never printed.

use std::path::Path;
use std::time::Instant;

use chrono::{Months, NaiveDate};
use image::{Rgb, RgbImage};
use kyc_checker::{CheckRequest, Report};
use kyc_core::{DocumentKind, ReasonCode};
use kyc_reader::Reader;
use serde_json::Value;

fn main() {
    let dirs: Vec<String> = std::env::args().skip(1).collect();
    if dirs.is_empty() {
        eprintln!("usage: reader_eval DIR...");
        std::process::exit(2);
    }
    let reader = Reader::new();
    println!("self-test: {:?}", reader.self_test());
    for dir in dirs {
        let dir = Path::new(&dir);
        let manifest = match std::fs::read_to_string(dir.join("manifest.jsonl")) {
            Ok(m) => m,
            Err(e) => {
                eprintln!("{}: {e}", dir.display());
                continue;
            }
        };
        let rows: Vec<Value> = manifest
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        let Some(first) = rows.first() else { continue };
        println!("== {}", dir.display());
        if first.get("date_iso").is_some() {
            eval_dates(&reader, dir, &rows);
        } else if first.get("last4").is_some() {
            eval_cards(&reader, dir, &rows);
        } else if first.get("expected_mrz_valid_score").is_some()
            || first.get("mrz_fields").is_some()
        {
            eval_mrz(&reader, dir, &rows);
        } else {
            println!("no known labels");
        }
    }
}

fn load(dir: &Path, row: &Value) -> Option<RgbImage> {
    let name = row.get("image")?.as_str()?;
    match image::open(dir.join(name)) {
        Ok(img) => Some(img.to_rgb8()),
        Err(e) => {
            eprintln!("{name}: {e}");
            None
        }
    }
}

/// CPU seconds used by this process and its waited-for children, from
/// /proc (Linux); 0 elsewhere. The machine is shared, so CPU time says
/// more about the reader's cost than wall time.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the ")" that closes the command name: utime is the
    // 12th, stime, cutime, cstime follow.
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
        return 0.0;
    };
    let f: Vec<f64> = rest
        .split_whitespace()
        .skip(11)
        .take(4)
        .filter_map(|v| v.parse().ok())
        .collect();
    f.iter().sum::<f64>() / 100.0
}

fn run(reader: &Reader, img: &RgbImage, request: &CheckRequest) -> (Report, f64) {
    let mut report = Report::new(request.kind);
    let t = Instant::now();
    let cpu = cpu_seconds();
    reader.read(kyc_reader::Source::Rgb(img), request, &mut report);
    CPU.with(|c| c.set(c.get() + cpu_seconds() - cpu));
    (report, t.elapsed().as_secs_f64())
}

thread_local! {
    static CPU: std::cell::Cell<f64> = const { std::cell::Cell::new(0.0) };
}

/// CPU seconds spent in `run` since the last call.
fn take_cpu() -> f64 {
    CPU.with(|c| c.replace(0.0))
}

fn pct(n: usize, d: usize) -> String {
    format!("{n}/{d} = {:.1}%", 100.0 * n as f64 / d.max(1) as f64)
}

fn eval_dates(reader: &Reader, dir: &Path, rows: &[Value]) {
    let (mut n, mut exact, mut verdict_ok, mut verdicts, mut secs) = (0, 0, 0, 0, 0.0);
    let (mut found_ok, mut found_verdicts, mut cpu) = (0, 0, 0.0);
    let mut wrong = 0;
    for row in rows {
        let Some(want) = row["date_iso"]
            .as_str()
            .and_then(|s| s.parse::<NaiveDate>().ok())
        else {
            continue;
        };
        let Some(img) = load(dir, row) else { continue };
        // Fresh: as_of one month after the date; too old: four months after.
        let fresh_as_of = want.checked_add_months(Months::new(1)).unwrap_or(want);
        let old_as_of = want.checked_add_months(Months::new(4)).unwrap_or(want);
        let (report, s) = run(
            reader,
            &img,
            &CheckRequest::new(DocumentKind::Address, fresh_as_of),
        );
        n += 1;
        secs += s;
        let page_cpu = take_cpu();
        cpu += page_cpu;
        let got = report.extracted.issue_date;
        if got == Some(want) {
            exact += 1;
        }
        let fresh_ok = !report.has(ReasonCode::AddressDocumentTooOld) && got.is_some();
        let old_ok = got.is_some_and(|d| {
            kyc_reader::issue::age(d, old_as_of) == kyc_reader::issue::Age::TooOld
        });
        verdicts += 2;
        verdict_ok += usize::from(fresh_ok) + usize::from(old_ok);
        if got.is_some() {
            found_verdicts += 2;
            found_ok += usize::from(fresh_ok) + usize::from(old_ok);
        }
        wrong += usize::from(got.is_some_and(|d| d != want));
        println!(
            "{:<14} want {want} got {:<10} {:.2}s {:.2}s CPU {}",
            row["id"].as_str().unwrap_or("?"),
            got.map_or("-".into(), |d| d.to_string()),
            s,
            page_cpu,
            if got == Some(want) { "ok" } else { "MISS" }
        );
    }
    println!("wrong dates (a date read, not the right one): {wrong}/{n}");
    println!("issue date exact: {}", pct(exact, n));
    println!(
        "3-month verdict (fresh + too-old as_of): {}",
        pct(verdict_ok, verdicts)
    );
    println!(
        "3-month verdict where a date was found (a miss goes to review): {}",
        pct(found_ok, found_verdicts)
    );
    println!(
        "seconds per page: {:.2} wall, {:.2} CPU",
        secs / n.max(1) as f64,
        cpu / n.max(1) as f64
    );
}

/// Where the card number's digits other than the last four are, found
/// independently of the reader's own boxes: the strongest row of
/// vertical edges in the band where ID-1 cards print the number (40–72 %
/// of the height), split into blocks at wide column gaps; everything from
/// the first block to the start of the last one is the head of the number.
/// Falls back to the left three fifths of the band. Check the painted
/// copies by eye with READER_EVAL_DUMP. Returns (x0, y0, x1, y1) and how.
fn true_head_region(img: &RgbImage) -> ((u32, u32, u32, u32), &'static str) {
    let (w, h) = img.dimensions();
    let fallback = (
        (w * 3 / 100, h * 45 / 100, w * 60 / 100, h * 68 / 100),
        "geometry",
    );
    // At ~1000 px wide the digit strokes give sharp 1-px edges.
    let s = 1000.0 / f64::from(w.max(1));
    let gray = image::imageops::resize(
        &image::imageops::grayscale(img),
        1000,
        ((f64::from(h) * s).round() as u32).max(1),
        image::imageops::FilterType::Triangle,
    );
    let back = |v: u32| (f64::from(v) / s).round() as u32;
    let (w, h) = gray.dimensions();
    let (y_lo, y_hi) = (h * 40 / 100, h * 72 / 100);
    let edge = |x: u32, y: u32| {
        let a = i32::from(gray.get_pixel(x, y)[0]);
        let b = i32::from(gray.get_pixel(x + 1, y)[0]);
        (a - b).abs() > 40
    };
    if w < 40 || h < 40 {
        return fallback;
    }
    let rows: Vec<usize> = (y_lo..y_hi)
        .map(|y| (0..w - 1).filter(|&x| edge(x, y)).count())
        .collect();
    let Some((peak, &max)) = rows.iter().enumerate().max_by_key(|(_, &c)| c) else {
        return fallback;
    };
    let on = |i: usize| rows[i] * 10 >= max * 3;
    let (mut r0, mut r1) = (peak, peak);
    while r0 > 0 && on(r0 - 1) {
        r0 -= 1;
    }
    while r1 + 1 < rows.len() && on(r1 + 1) {
        r1 += 1;
    }
    let (ry0, ry1) = (y_lo + r0 as u32, y_lo + r1 as u32 + 1);
    let row_h = ry1 - ry0;
    if row_h < 4 {
        return fallback;
    }
    let ink: Vec<bool> = (0..w - 1).map(|x| (ry0..ry1).any(|y| edge(x, y))).collect();
    // Blocks: ink runs joined across gaps narrower than the glyph spacing.
    let mut blocks: Vec<(u32, u32)> = Vec::new();
    let join = (row_h * 6 / 10).max(2);
    for (x, &i) in ink.iter().enumerate() {
        let x = x as u32;
        if !i {
            continue;
        }
        match blocks.last_mut() {
            Some(b) if x - b.1 <= join => b.1 = x,
            _ => blocks.push((x, x)),
        }
    }
    // Number groups are several glyphs wide.
    let groups: Vec<(u32, u32)> = blocks
        .into_iter()
        .filter(|b| b.1 - b.0 >= row_h * 2)
        .collect();
    if groups.len() < 2 {
        return fallback;
    }
    let (first, last) = (groups[0], groups[groups.len() - 1]);
    // Card digits are fixed-pitch: in a 4x4 number with one-glyph gaps the
    // last group starts 15/19 of the way along. When the last block is the
    // last group alone, its own start is exact; when two groups ran
    // together, the proportion is further right.
    let span = last.1 - first.0;
    let by_pitch = first.0 + span * 15 / 19 - row_h / 5;
    let gap = last.0 - groups[groups.len() - 2].1;
    let x1 = by_pitch.max(last.0 - gap / 2);
    let pad = row_h / 3;
    (
        (
            back(first.0.saturating_sub(pad)),
            back(ry0.saturating_sub(pad)),
            back(x1),
            back((ry1 + pad).min(h)),
        ),
        "edges",
    )
}

/// Paints a rectangle with the colour just left of it, like a masked
/// copy where everything but the last four is covered.
fn paint_over(img: &RgbImage, (x0, y0, x1, y1): (u32, u32, u32, u32)) -> RgbImage {
    let mut out = img.clone();
    let (w, h) = img.dimensions();
    let border = img
        .get_pixel(x0.saturating_sub(2).min(w - 1), y0.min(h - 1))
        .0;
    for y in y0..y1.min(h) {
        for x in x0..x1.min(w) {
            out.put_pixel(x, y, Rgb(border));
        }
    }
    out
}

/// `img` turned `degrees` anticlockwise about its centre on a white
/// canvas large enough to hold it (bilinear).
fn rotated(img: &RgbImage, degrees: f64) -> RgbImage {
    let (w, h) = (f64::from(img.width()), f64::from(img.height()));
    let (sin, cos) = degrees.to_radians().sin_cos();
    let ow = (w * cos.abs() + h * sin.abs()).ceil();
    let oh = (w * sin.abs() + h * cos.abs()).ceil();
    RgbImage::from_fn(ow as u32, oh as u32, |x, y| {
        let (dx, dy) = (f64::from(x) + 0.5 - ow / 2.0, f64::from(y) + 0.5 - oh / 2.0);
        // Inverse rotation back into the source.
        let sx = cos * dx - sin * dy + w / 2.0 - 0.5;
        let sy = sin * dx + cos * dy + h / 2.0 - 0.5;
        if sx < 0.0 || sy < 0.0 || sx > w - 1.0 || sy > h - 1.0 {
            return Rgb([255, 255, 255]);
        }
        let (x0, y0) = (sx.floor() as u32, sy.floor() as u32);
        let (x1, y1) = (
            (x0 + 1).min(img.width() - 1),
            (y0 + 1).min(img.height() - 1),
        );
        let (fx, fy) = (sx - sx.floor(), sy - sy.floor());
        let mut out = [0u8; 3];
        for (c, o) in out.iter_mut().enumerate() {
            let p = |x: u32, y: u32| f64::from(img.get_pixel(x, y)[c]);
            let top = p(x0, y0) * (1.0 - fx) + p(x1, y0) * fx;
            let bottom = p(x0, y1) * (1.0 - fx) + p(x1, y1) * fx;
            *o = (top * (1.0 - fy) + bottom * fy).round().clamp(0.0, 255.0) as u8;
        }
        Rgb(out)
    })
}

fn eval_cards(reader: &Reader, dir: &Path, rows: &[Value]) {
    // READER_EVAL_DUMP=dir saves the painted copies for a look.
    let dump = std::env::var_os("READER_EVAL_DUMP").map(std::path::PathBuf::from);
    let as_of = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
    let request = CheckRequest::new(DocumentKind::Card, as_of);
    let (mut n, mut last4_ok, mut masked_ok, mut secs) = (0, 0, 0, 0.0);
    let (mut mn, mut m_last4_ok, mut m_masked_ok) = (0, 0, 0);
    let mut t_last4_ok = 0;
    for row in rows {
        let Some(want) = row["last4"].as_str() else {
            continue;
        };
        let Some(img) = load(dir, row) else { continue };
        let (report, s) = run(reader, &img, &request);
        n += 1;
        secs += s;
        let got = report.extracted.card_last4.as_deref();
        last4_ok += usize::from(got == Some(want));
        masked_ok += usize::from(report.extracted.card_number_masked == Some(false));
        let id = row["id"].as_str().unwrap_or("?");
        println!(
            "{id:<10} last4 {} masked {:?} {:.2}s",
            if got == Some(want) { "ok" } else { "MISS" },
            report.extracted.card_number_masked,
            s
        );
        // The same card turned 3 degrees, as a photo taken a little
        // askew whose corners were not found: the row must be followed
        // along its slope.
        let (report, _) = run(reader, &rotated(&img, 3.0), &request);
        let t_ok = report.extracted.card_last4.as_deref() == Some(want);
        t_last4_ok += usize::from(t_ok);
        println!(
            "{id:<10} (turned 3 degrees) last4 {}",
            if t_ok { "ok" } else { "MISS" }
        );
        mn += 1;
        if let Some(pan) = row["pan_ground_truth"].as_str().filter(|p| p.len() > 4) {
            let _ = pan;
            let (region, how) = true_head_region(&img);
            let masked = paint_over(&img, region);
            if let Some(out) = &dump {
                let _ = masked.save(out.join(format!("{id}_masked.png")));
            }
            let (report, _) = run(reader, &masked, &request);
            let got = report.extracted.card_last4.as_deref();
            m_last4_ok += usize::from(got == Some(want));
            m_masked_ok += usize::from(report.extracted.card_number_masked == Some(true));
            println!(
                "{id:<10} (masked copy, painted by {how}) last4 {} masked {:?}",
                if got == Some(want) { "ok" } else { "MISS" },
                report.extracted.card_number_masked
            );
        }
    }
    println!("card last4: {}", pct(last4_ok, n));
    println!(
        "turned copies (3 degrees, no corners given): last4 {}",
        pct(t_last4_ok, n)
    );
    println!("masked-or-not (all full PAN): {}", pct(masked_ok, n));
    println!(
        "masked copies: last4 {}, masked {}",
        pct(m_last4_ok, mn),
        pct(m_masked_ok, mn)
    );
    println!(
        "seconds per card: {:.2} wall, {:.2} CPU (full + turned + masked copies)",
        secs / n.max(1) as f64,
        take_cpu() / (2 * n + mn).max(1) as f64
    );
}

fn eval_mrz(reader: &Reader, dir: &Path, rows: &[Value]) {
    let as_of = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
    let request = CheckRequest::new(DocumentKind::Identity, as_of);
    let (mut n, mut valid, mut secs) = (0, 0, 0.0);
    for row in rows {
        let score = row.get("expected_mrz_valid_score").and_then(Value::as_i64);
        let fields = row.get("mrz_fields");
        if score != Some(100) && fields.is_none() {
            continue;
        }
        let Some(img) = load(dir, row) else { continue };
        let (report, s) = run(reader, &img, &request);
        n += 1;
        secs += s;
        let mrz = report
            .extracted
            .extra
            .get("mrz")
            .cloned()
            .unwrap_or(Value::Null);
        let ok = mrz.get("valid").and_then(Value::as_bool) == Some(true);
        valid += usize::from(ok);
        let number_ok = fields.map(|f| f["number"] == mrz["number"]);
        println!(
            "{:<22} valid {ok} failed {} number_match {:?} {:.2}s",
            row["id"].as_str().unwrap_or("?"),
            mrz.get("failed_checks")
                .map_or("-".into(), Value::to_string),
            number_ok,
            s
        );
    }
    println!(
        "MRZ all check digits valid (score-100 + specimen images): {}",
        pct(valid, n)
    );
    println!(
        "seconds per document: {:.2} wall, {:.2} CPU",
        secs / n.max(1) as f64,
        take_cpu() / n.max(1) as f64
    );
}
