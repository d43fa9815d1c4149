//! `kyc eval DIR`: scores the checker on a labelled folder (a
//! `manifest.jsonl` with one JSON object per image, as in the shared
//! datasets), running the same pipeline as `kyc check`.

mod score;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use anyhow::Context;
use chrono::{Days, NaiveDate};
use kyc_checker::synth::{self, Degradation};
use kyc_checker::{CheckOptions, CheckRequest, Corners, Report};
use kyc_core::{CardLast4, DocumentKind};
use kyc_reader::Reader;
use serde_json::Value;

use super::check::check_bytes;

#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// A folder holding manifest.jsonl and the images it names.
    pub dir: PathBuf,
    /// Print the scores as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Use only the first N records.
    #[arg(long)]
    pub limit: Option<usize>,
    /// Also score degraded copies (blur, motion, dark, glare, greyscale,
    /// cut-off) made with known amounts.
    #[arg(long)]
    pub synthesize: bool,
    /// Measure quality on the labelled document corners instead of the
    /// finder's, to calibrate the quality checks apart from the finder.
    #[arg(long)]
    pub oracle_quads: bool,
    /// Also print one line per run: id, variant, codes, key metrics.
    #[arg(long)]
    pub details: bool,
}

/// One labelled image.
#[derive(Debug, Clone)]
pub struct Record {
    pub id: String,
    pub path: PathBuf,
    pub truth: Value,
    pub kind: DocumentKind,
}

impl Record {
    pub fn quad(&self) -> Option<Corners> {
        serde_json::from_value(self.truth.get("quad")?.clone()).ok()
    }
}

/// What was run on a record: the photo itself or a degraded copy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Variant {
    Original,
    /// A copy with one defect, and the reason code it should raise.
    Degraded(&'static str, Degradation),
}

/// The outcome of one run.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub record: usize,
    pub variant: Variant,
    pub report: Report,
    /// The labelled corners, in the pixels of the image that was checked
    /// (a cut-off copy keeps the origin, so they stay valid).
    pub quad: Option<Corners>,
    pub as_of: NaiveDate,
}

pub fn run(args: EvalArgs) -> anyhow::Result<ExitCode> {
    let records = load(&args.dir, args.limit)?;
    let variants = if args.synthesize {
        synthetic_variants()
    } else {
        vec![Variant::Original]
    };
    let jobs: Vec<(usize, Variant)> = (0..records.len())
        .flat_map(|r| variants.iter().map(move |&v| (r, v)))
        .collect();
    let reader = Reader::new();
    let started = Instant::now();
    let outcomes = par_map(&jobs, |&(r, v)| {
        run_one(&records, r, v, &reader, args.oracle_quads)
    });
    let wall = started.elapsed().as_secs_f64();
    let outcomes: Vec<Option<Outcome>> = outcomes.into_iter().collect::<anyhow::Result<_>>()?;
    let outcomes: Vec<Outcome> = outcomes.into_iter().flatten().collect();
    if args.details {
        for o in &outcomes {
            let m = &o.report.metrics;
            let codes: Vec<&str> = o.report.reasons.iter().map(|r| r.code.as_str()).collect();
            let variant = match o.variant {
                Variant::Original => "original".to_owned(),
                Variant::Degraded(code, d) => format!("{code}:{d:?}"),
            };
            let num = |k: &str| m.extra.get(k).and_then(Value::as_f64).unwrap_or(f64::NAN);
            eprintln!(
                "{}\t{variant}\t{}\tblur={:.3} ew={:.2} white={:.3} dark={:.3} clipped={:.3} glare={:.4} colour={:.1}",
                records[o.record].id,
                codes.join(","),
                num("blur"),
                num("edge_width"),
                num("white_level"),
                num("dark_level"),
                num("clipped"),
                m.glare.unwrap_or(f64::NAN),
                num("colourfulness"),
            );
        }
    }
    let summary = score::summarise(&records, &outcomes, wall);
    if args.json {
        println!("{}", serde_json::to_string(&summary)?);
    } else {
        print!("{}", score::human(&summary));
    }
    Ok(ExitCode::SUCCESS)
}

/// The degradations and their amounts; see docs/CHECKER.md for why these.
fn synthetic_variants() -> Vec<Variant> {
    use Degradation::*;
    vec![
        Variant::Original,
        Variant::Degraded("blurry", Defocus { sigma: 0.006 }),
        Variant::Degraded(
            "blurry",
            Motion {
                length: 0.03,
                angle_deg: 20.0,
            },
        ),
        Variant::Degraded(
            "blurry",
            Motion {
                length: 0.03,
                angle_deg: 100.0,
            },
        ),
        Variant::Degraded(
            "too_dark",
            Dark {
                gain: 1.0 / 16.0,
                noise: 3.0,
            },
        ),
        Variant::Degraded(
            "glare",
            Glare {
                share: 0.03,
                u: 0.3,
                v: 0.4,
            },
        ),
        Variant::Degraded(
            "glare",
            Glare {
                share: 0.015,
                u: 0.7,
                v: 0.6,
            },
        ),
        Variant::Degraded("black_and_white", Greyscale),
        Variant::Degraded("edges_not_visible", CutOff { keep: 0.8 }),
    ]
}

fn load(dir: &Path, limit: Option<usize>) -> anyhow::Result<Vec<Record>> {
    let manifest = dir.join("manifest.jsonl");
    let text = std::fs::read_to_string(&manifest)
        .with_context(|| format!("reading {}", manifest.display()))?;
    let mut records = Vec::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let truth: Value = serde_json::from_str(line)
            .with_context(|| format!("{}:{}", manifest.display(), n + 1))?;
        let image = truth
            .get("image")
            .and_then(Value::as_str)
            .context("a record without \"image\"")?;
        let id = truth
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or(image)
            .to_owned();
        records.push(Record {
            id,
            path: dir.join(image),
            kind: infer_kind(&truth),
            truth,
        });
    }
    records.truncate(limit.unwrap_or(usize::MAX));
    Ok(records)
}

/// The kind whose rules the labels test.
fn infer_kind(truth: &Value) -> DocumentKind {
    let has = |k: &str| truth.get(k).is_some_and(|v| !v.is_null());
    if has("date_iso") {
        DocumentKind::Address
    } else if has("last4") || has("pan_ground_truth") {
        DocumentKind::Card
    } else {
        // quad, expected_mrz_valid_score, is_blurry, visibility_label.
        DocumentKind::Identity
    }
}

/// Proofs of address are checked on a day 80 or 100 days after their
/// labelled date (alternating), so both 3-month verdicts get tested.
fn as_of_for(record: usize, truth: &Value) -> NaiveDate {
    let date = truth
        .get("date_iso")
        .and_then(Value::as_str)
        .and_then(|s| s.parse::<NaiveDate>().ok());
    match date {
        Some(d) => d + Days::new(if record.is_multiple_of(2) { 80 } else { 100 }),
        None => NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default(),
    }
}

/// Checks one record or a degraded copy of it; `None` when the copy cannot
/// be made (an undecodable original, a cut-off without labelled corners).
fn run_one(
    records: &[Record],
    r: usize,
    variant: Variant,
    reader: &Reader,
    oracle: bool,
) -> anyhow::Result<Option<Outcome>> {
    let record = &records[r];
    let as_of = as_of_for(r, &record.truth);
    let mut request = CheckRequest::new(record.kind, as_of);
    request.card_last4 = record
        .truth
        .get("last4")
        .and_then(Value::as_str)
        .and_then(|s| s.parse::<CardLast4>().ok());
    let original = std::fs::read(&record.path)
        .with_context(|| format!("reading {}", record.path.display()))?;
    let quad = record.quad();
    let bytes = match variant {
        Variant::Original => original,
        Variant::Degraded(_, d) => {
            let Ok(decoded) = kyc_checker::decode::decode_full(&original, &request.limits) else {
                return Ok(None);
            };
            if quad.is_none() && matches!(d, Degradation::CutOff { .. }) {
                return Ok(None);
            }
            synth::encode_jpeg(&synth::degrade(
                &decoded.image,
                quad.as_ref(),
                d,
                r as u64 + 1,
            ))
        }
    };
    let options = CheckOptions {
        known_document: if oracle { quad } else { None },
        ..CheckOptions::default()
    };
    let started = Instant::now();
    let mut report = check_bytes(&bytes, &request, reader, &options);
    report.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    Ok(Some(Outcome {
        record: r,
        variant,
        report,
        quad,
        as_of,
    }))
}

/// Runs `f` over `items` on one thread per core, keeping the order.
fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, R)>> = Mutex::new(Vec::with_capacity(items.len()));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let r = f(item);
                results
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((i, r));
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}
