//! Runs the reader over labelled dataset folders and prints its accuracy.
//!
//! `cargo run --release -p kyc-reader --example reader_eval -- DIR...`
//!
//! Each DIR holds images and a manifest.jsonl. The kind of evaluation is
//! chosen by the labels: `date_iso` (receipts/bills: issue date, 3-month
//! verdict), `last4` (cards: last 4, masked; plus masked copies made by
//! painting over the number), `expected_mrz_valid_score` (MRZ: all check
//! digits valid on score-100 images). Card numbers are never printed.

use std::path::Path;
use std::time::Instant;

use chrono::{Months, NaiveDate};
use image::{Rgb, RgbImage};
use kyc_checker::{CheckRequest, FieldLocation, Report};
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

fn run(reader: &Reader, img: &RgbImage, request: &CheckRequest) -> (Report, f64) {
    let mut report = Report::new(request.kind);
    let t = Instant::now();
    reader.read(img, request, &mut report);
    (report, t.elapsed().as_secs_f64())
}

fn pct(n: usize, d: usize) -> String {
    format!("{n}/{d} = {:.1}%", 100.0 * n as f64 / d.max(1) as f64)
}

fn eval_dates(reader: &Reader, dir: &Path, rows: &[Value]) {
    let (mut n, mut exact, mut verdict_ok, mut verdicts, mut secs) = (0, 0, 0, 0, 0.0);
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
        println!(
            "{:<14} want {want} got {:<10} {:.2}s {}",
            row["id"].as_str().unwrap_or("?"),
            got.map_or("-".into(), |d| d.to_string()),
            s,
            if got == Some(want) { "ok" } else { "MISS" }
        );
    }
    println!("issue date exact: {}", pct(exact, n));
    println!(
        "3-month verdict (fresh + too-old as_of): {}",
        pct(verdict_ok, verdicts)
    );
    println!("seconds per page: {:.2}", secs / n.max(1) as f64);
}

/// Paints the number box except its right quarter (the last four) with
/// the box border's mean colour, like a masked statement copy.
fn paint_over(img: &RgbImage, loc: FieldLocation) -> RgbImage {
    let mut out = img.clone();
    let x1 = (loc.x + loc.width * 3 / 4).min(img.width());
    let y0 = loc.y.saturating_sub(4);
    let y1 = (loc.y + loc.height + 4).min(img.height());
    let x0 = loc.x.saturating_sub(4);
    let border = img
        .get_pixel(x0.min(img.width() - 1), y0.min(img.height() - 1))
        .0;
    for y in y0..y1 {
        for x in x0..x1 {
            out.put_pixel(x, y, Rgb(border));
        }
    }
    out
}

fn eval_cards(reader: &Reader, dir: &Path, rows: &[Value]) {
    let as_of = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
    let request = CheckRequest::new(DocumentKind::Card, as_of);
    let (mut n, mut last4_ok, mut masked_ok, mut secs) = (0, 0, 0, 0.0);
    let (mut mn, mut m_last4_ok, mut m_masked_ok) = (0, 0, 0);
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
        let loc = report
            .extracted
            .extra
            .get("card_number_location")
            .and_then(|v| serde_json::from_value::<FieldLocation>(v.clone()).ok());
        mn += 1;
        if let Some(loc) = loc {
            let masked = paint_over(&img, loc);
            let (report, _) = run(reader, &masked, &request);
            let got = report.extracted.card_last4.as_deref();
            m_last4_ok += usize::from(got == Some(want));
            m_masked_ok += usize::from(report.extracted.card_number_masked == Some(true));
            println!(
                "{id:<10} (masked copy) last4 {} masked {:?}",
                if got == Some(want) { "ok" } else { "MISS" },
                report.extracted.card_number_masked
            );
        }
    }
    println!("card last4: {}", pct(last4_ok, n));
    println!("masked-or-not (all full PAN): {}", pct(masked_ok, n));
    println!(
        "masked copies: last4 {}, masked {}",
        pct(m_last4_ok, mn),
        pct(m_masked_ok, mn)
    );
    println!("seconds per card: {:.2}", secs / n.max(1) as f64);
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
    println!("seconds per document: {:.2}", secs / n.max(1) as f64);
}
