//! `kyc bench upload`: upload throughput on the embedded default, measured
//! end to end over HTTP (receive, hash, check, encrypt, store, record).

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use kyc_server::{Application, Settings};
use secrecy::SecretString;
use serde_json::{json, Value};
use tokio::sync::Mutex;

#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    what: BenchWhat,
}

#[derive(Debug, clap::Subcommand)]
enum BenchWhat {
    /// Concurrent uploads of distinct JPEGs to a fresh in-process service.
    Upload(UploadArgs),
}

#[derive(Debug, clap::Args)]
struct UploadArgs {
    /// Concurrent clients.
    #[arg(long, default_value_t = 16)]
    clients: usize,
    /// Uploads in total.
    #[arg(long, default_value_t = 320)]
    uploads: usize,
    /// Approximate size of each JPEG, in MB.
    #[arg(long, default_value_t = 2.0)]
    size_mb: f64,
    /// Where the service keeps its data (default: a temporary directory).
    #[arg(long)]
    data_dir: Option<std::path::PathBuf>,
}

pub fn run(args: BenchArgs) -> anyhow::Result<ExitCode> {
    match args.what {
        BenchWhat::Upload(args) => {
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(bench_upload(args))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn bench_upload(args: UploadArgs) -> anyhow::Result<()> {
    let temp = tempfile::tempdir()?;
    let data_dir = args
        .data_dir
        .clone()
        .unwrap_or_else(|| temp.path().to_owned());
    let token = "kyc_op_bench";
    let settings = Settings {
        listen: "127.0.0.1:0".parse()?,
        data_dir,
        operator_token: Some(SecretString::from(token)),
        // An API-only instance: background reading (OCR) would compete with
        // the upload path for the same cores and blur what is measured.
        workers: Some(0),
        ..Settings::default()
    };
    let app = Application::build(settings).await?;
    let base = format!("http://{}", app.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));

    eprintln!(
        "making {} distinct JPEGs of ~{} MB...",
        args.uploads, args.size_mb
    );
    let base_photo = tokio::task::spawn_blocking({
        let size = args.size_mb;
        move || noisy_jpeg(size)
    })
    .await??;
    let client = reqwest::Client::new();
    // One case per upload, so each is a fresh document.
    let mut jobs = Vec::with_capacity(args.uploads);
    for i in 0..args.uploads {
        let case: Value = client
            .post(format!("{base}/v1/cases"))
            .bearer_auth(token)
            .json(&json!({"player_id": format!("bench-{i}"), "documents": ["identity"]}))
            .send()
            .await?
            .json()
            .await?;
        let id = case["id"].as_str().context("case id")?.to_owned();
        let upload = case["upload_token"].as_str().context("token")?.to_owned();
        jobs.push((id, upload, with_comment(&base_photo, i)));
    }
    let total_bytes: usize = jobs.iter().map(|(_, _, b)| b.len()).sum();
    let queue = Arc::new(Mutex::new(jobs));
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let failures = Arc::new(std::sync::atomic::AtomicUsize::new(0));

    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..args.clients {
        let (queue, latencies, failures) = (queue.clone(), latencies.clone(), failures.clone());
        let (client, base) = (client.clone(), base.clone());
        workers.push(tokio::spawn(async move {
            loop {
                let Some((id, upload, bytes)) = queue.lock().await.pop() else {
                    break;
                };
                let t = Instant::now();
                let response = client
                    .post(format!("{base}/v1/cases/{id}/documents/identity"))
                    .bearer_auth(upload)
                    .header("content-type", "image/jpeg")
                    .body(bytes)
                    .send()
                    .await;
                let ok = matches!(&response, Ok(r) if r.status() == 201);
                if !ok {
                    failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                latencies.lock().await.push(t.elapsed());
            }
        }));
    }
    for worker in workers {
        worker.await?;
    }
    let elapsed = started.elapsed();
    let _ = stop.send(());
    server.await??;

    let mut latencies = latencies.lock().await.clone();
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() - 1) as f64 * p) as usize];
    let secs = elapsed.as_secs_f64();
    let failures = failures.load(std::sync::atomic::Ordering::Relaxed);
    println!(
        "uploads={} clients={} avg_size={:.2}MB elapsed={:.2}s failures={}",
        args.uploads,
        args.clients,
        total_bytes as f64 / args.uploads as f64 / 1e6,
        secs,
        failures
    );
    println!(
        "throughput: {:.1} uploads/s, {:.1} MB/s; latency p50={:?} p90={:?} p99={:?}",
        args.uploads as f64 / secs,
        total_bytes as f64 / 1e6 / secs,
        round(pct(0.5)),
        round(pct(0.9)),
        round(pct(0.99)),
    );
    anyhow::ensure!(failures == 0, "{failures} uploads failed");
    Ok(())
}

fn round(d: Duration) -> Duration {
    Duration::from_millis(d.as_millis() as u64)
}

/// A photo-sized JPEG of a card on a noisy desk: noise keeps the JPEG as
/// large as a real phone photo of that resolution.
fn noisy_jpeg(size_mb: f64) -> anyhow::Result<Vec<u8>> {
    let mut side = 1000u32;
    loop {
        let (w, h) = (side * 3 / 4, side);
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let img = image::RgbImage::from_fn(w, h, |x, y| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let n = (state & 0x3f) as u8;
            let inside = x > w / 8 && x < w * 7 / 8 && y > h / 3 && y < h * 2 / 3;
            if inside {
                image::Rgb([200 + n / 2, 195 + n / 2, 180 + n / 2])
            } else {
                image::Rgb([40 + n, 60 + n, 50 + n])
            }
        });
        let mut out = std::io::Cursor::new(Vec::new());
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 92).encode_image(&img)?;
        let bytes = out.into_inner();
        if bytes.len() as f64 >= size_mb * 1e6 || side > 6000 {
            return Ok(bytes);
        }
        side = (side as f64 * (size_mb * 1e6 / bytes.len() as f64).sqrt() * 1.05) as u32;
    }
}

/// The same JPEG with a unique comment segment after SOI: distinct bytes
/// (a distinct SHA-256), identical pixels.
fn with_comment(jpeg: &[u8], n: usize) -> Vec<u8> {
    let text = format!("kyc bench upload {n}");
    let len = (text.len() + 2) as u16;
    let mut out = Vec::with_capacity(jpeg.len() + text.len() + 4);
    out.extend_from_slice(&jpeg[..2]);
    out.extend_from_slice(&[0xFF, 0xFE]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(text.as_bytes());
    out.extend_from_slice(&jpeg[2..]);
    out
}
