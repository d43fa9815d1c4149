//! `kyc check`: see docs/check-contract.md.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Instant;

use anyhow::Context;
use chrono::NaiveDate;
use kyc_checker::{CheckOptions, CheckRequest, Reason, Report};
use kyc_core::{CardLast4, DocumentKind, Locale, ReasonCode};
use kyc_reader::Reader;
use serde::Serialize;

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Which rules apply: identity, address or card.
    #[arg(long)]
    pub kind: DocumentKind,
    /// The day the age of a proof of address is measured from (default: today).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<NaiveDate>,
    /// The last four digits of the card on the player's account.
    #[arg(long, value_name = "NNNN")]
    pub card_last4: Option<CardLast4>,
    /// Language of the player messages (en, az, ru, tr, kk).
    #[arg(long, default_value = "en", value_parser = |s: &str| Ok::<_, String>(Locale::from_tag(s)))]
    pub locale: Locale,
    /// One JSON object per file, one per line, in input order.
    #[arg(long)]
    pub json: bool,
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

/// One line of `--json` output: the file name first, then the report.
#[derive(Serialize)]
struct Line<'a> {
    file: &'a str,
    #[serde(flatten)]
    report: &'a Report,
}

pub fn run(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let as_of = args
        .as_of
        .unwrap_or_else(|| chrono::Local::now().date_naive());
    let mut request = CheckRequest::new(args.kind, as_of);
    request.card_last4 = args.card_last4;
    request.locale = args.locale;
    let reader = Reader::for_kind("tesseract", args.kind);
    let json = args.json;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    run_files(&args.files, &request, &reader, |path, report| {
        let text = if json {
            let file = path.to_string_lossy();
            serde_json::to_string(&Line {
                file: &file,
                report,
            })? + "\n"
        } else {
            human(path, report)
        };
        out.write_all(text.as_bytes())?;
        out.flush()?;
        Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Checks `files` on up to one thread per core and hands each report to
/// `emit` in input order, as soon as it and all before it are done.
pub fn run_files(
    files: &[PathBuf],
    request: &CheckRequest,
    reader: &Reader,
    mut emit: impl FnMut(&Path, &Report) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(files.len())
        .max(1);
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel::<(usize, Report)>();
        for _ in 0..workers {
            let tx = tx.clone();
            let next = &next;
            scope.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(path) = files.get(i) else { break };
                if tx.send((i, check_file(path, request, reader))).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        let mut pending = BTreeMap::new();
        let mut printed = 0;
        for (i, report) in rx {
            pending.insert(i, report);
            while let Some(report) = pending.remove(&printed) {
                emit(&files[printed], &report)?;
                printed += 1;
            }
        }
        if printed < files.len() {
            anyhow::bail!("the checker failed on {}", files[printed].display());
        }
        Ok(())
    })
}

/// The whole pipeline for one file: read, check, then OCR when the checker
/// returned a readable image. A file that cannot be read is a verdict.
pub fn check_file(path: &Path, request: &CheckRequest, reader: &Reader) -> Report {
    let started = Instant::now();
    let bytes = match read_limited(path, request.limits.max_bytes) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return refused(request, ReasonCode::FileTooLarge),
        Err(err) => {
            tracing::warn!(file = %path.display(), error = %err, "cannot read the file");
            return refused(request, ReasonCode::CorruptImage);
        }
    };
    let mut report = check_bytes(&bytes, request, reader, &CheckOptions::default());
    report.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    report
}

/// Check then OCR, on bytes already read.
pub fn check_bytes(
    bytes: &[u8],
    request: &CheckRequest,
    reader: &Reader,
    options: &CheckOptions,
) -> Report {
    let checked = kyc_checker::check_with(bytes, request, options);
    let mut report = checked.report;
    if let Some(image) = &checked.image {
        reader.read(image.into(), request, &mut report);
    }
    report
}

/// Reads the file unless its size is over the limit (`Ok(None)`), so an
/// oversized file is refused without being read into memory.
fn read_limited(path: &Path, max_bytes: u64) -> anyhow::Result<Option<Vec<u8>>> {
    let len = std::fs::metadata(path).context("stat")?.len();
    if len > max_bytes {
        return Ok(None);
    }
    Ok(Some(std::fs::read(path).context("read")?))
}

fn refused(request: &CheckRequest, code: ReasonCode) -> Report {
    let mut report = Report::new(request.kind);
    report.push(Reason::new(code, request.locale));
    report
}

fn human(path: &Path, r: &Report) -> String {
    let mut s = format!(
        "{}: {}\n",
        path.display(),
        r.verdict.as_str().to_uppercase()
    );
    for reason in &r.reasons {
        s += &format!("  - {}: {}", reason.code, reason.message);
        if let (Some(v), Some(t)) = (reason.value, reason.threshold) {
            s += &format!(" (measured {v}, limit {t})");
        }
        s.push('\n');
    }
    let m = &r.metrics;
    if m.width > 0 {
        let opt = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.3}"));
        s += &format!(
            "  {}x{} px, sharpness {}, brightness {}, glare {}\n",
            m.width,
            m.height,
            opt(m.sharpness),
            opt(m.brightness),
            opt(m.glare)
        );
    }
    if let Some(c) = r.document.corners {
        let pts: Vec<String> = c.iter().map(|[x, y]| format!("({x:.0}, {y:.0})")).collect();
        s += &format!("  document corners: {}\n", pts.join(" "));
    }
    let e = &r.extracted;
    if let Some(d) = e.issue_date {
        s += &format!("  issue date: {d}\n");
    }
    if let Some(l4) = &e.card_last4 {
        s += &format!("  card last 4: {l4} (masked: {:?})\n", e.card_number_masked);
    }
    s += &format!("  {} ms\n", r.elapsed_ms);
    s
}
