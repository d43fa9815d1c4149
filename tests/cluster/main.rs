//! Two real `kyc serve` processes sharing one PostgreSQL, one S3 bucket
//! (Garage) and one master key: uploads spread over both, one is SIGKILLed
//! while it holds a job, and the survivor finishes everything. A reviewer
//! decides cases on the instance that did not take their upload, and the
//! audit chain both instances wrote verifies.
//!
//! Needs `KYC_TEST_S3_ENDPOINT`, `KYC_TEST_S3_BUCKET` (and the AWS
//! credentials `scripts/garage.sh` prints); without them the test is
//! skipped, unless `CI` is set, where it fails.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kyc_store::testing::TestDatabase;
use kyc_store::{Database, JobState};
use kyc_vault::{Envelope, Keyring, MasterKey, ObjectStore, S3Config, S3Store};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const TOKEN: &str = "kyc_op_cluster_test_token";
const UPLOADS: usize = 8;

struct S3Env {
    endpoint: String,
    bucket: String,
    region: String,
}

fn s3_env() -> Option<S3Env> {
    let endpoint = std::env::var("KYC_TEST_S3_ENDPOINT").ok()?;
    let bucket = std::env::var("KYC_TEST_S3_BUCKET").ok()?;
    let region = std::env::var("KYC_TEST_S3_REGION").unwrap_or_else(|_| "garage".into());
    Some(S3Env {
        endpoint,
        bucket,
        region,
    })
}

struct Instance {
    child: Child,
    url: String,
    log: PathBuf,
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

fn start(name: &str, dir: &Path, db_url: &str, s3: &S3Env, key_file: &Path) -> Instance {
    let port = free_port();
    let log = dir.join(format!("{name}.log"));
    let data_dir = dir.join(name);
    let mut command = Command::new(env!("CARGO_BIN_EXE_kyc"));
    for (var, _) in std::env::vars().filter(|(n, _)| n.starts_with("KYC_")) {
        command.env_remove(var);
    }
    let child = command
        .arg("serve")
        .env("KYC_LISTEN", format!("127.0.0.1:{port}"))
        .env("KYC_DATA_DIR", &data_dir)
        .env("KYC_DATABASE_URL", db_url)
        .env("KYC_OBJECT_STORE", format!("s3://{}", s3.bucket))
        .env("KYC_S3_ENDPOINT", &s3.endpoint)
        .env("KYC_S3_REGION", &s3.region)
        .env("KYC_MASTER_KEY_FILE", key_file)
        .env("KYC_OPERATOR_TOKEN", TOKEN)
        .env("KYC_WORKERS", "1")
        .env("KYC_JOB_LEASE_SECS", "3")
        .env("KYC_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("kyc serve starts");
    Instance {
        child,
        url: format!("http://127.0.0.1:{port}"),
        log,
    }
}

/// Adds a reviewer with the real `kyc reviewer add`; returns its token (the
/// command's last line).
fn add_reviewer(db_url: &str, dir: &Path) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kyc"));
    for (var, _) in std::env::vars().filter(|(n, _)| n.starts_with("KYC_")) {
        command.env_remove(var);
    }
    let output = command
        .args(["reviewer", "add", "cluster-reviewer", "--role", "reviewer"])
        .env("KYC_DATABASE_URL", db_url)
        .env("KYC_DATA_DIR", dir.join("cli"))
        .output()
        .expect("kyc reviewer add runs");
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    stdout.lines().last().unwrap().trim().to_owned()
}

/// Claims the case and approves its document, through `instance`.
async fn approve(
    client: &reqwest::Client,
    instance: &Instance,
    token: &str,
    case_id: &str,
    document_id: &str,
) {
    let claim = client
        .post(format!("{}/v1/review/cases/{case_id}/claim", instance.url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert!(claim.status().is_success(), "claim: {}", claim.status());
    let decision = client
        .post(format!(
            "{}/v1/review/documents/{document_id}/decision",
            instance.url
        ))
        .bearer_auth(token)
        .json(&json!({"decision": "approve"}))
        .send()
        .await
        .unwrap();
    let status = decision.status();
    assert!(
        status.is_success(),
        "decision: {status} {:?}",
        decision.text().await
    );
}

async fn wait_healthy(client: &reqwest::Client, instance: &Instance) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(r) = client.get(format!("{}/readyz", instance.url)).send().await {
            if r.status() == 200 {
                return;
            }
        }
        assert!(
            Instant::now() < deadline,
            "{} never became ready",
            instance.url
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A drawn document photo, different per `seed`.
fn photo(seed: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(400, 260, |x, y| {
        let n = (x.wrapping_mul(7919) ^ y.wrapping_mul(104_729) ^ seed.wrapping_mul(31)) % 23;
        let card = (50..350).contains(&x) && (40..220).contains(&y);
        let line = card && (y - 40) % 30 < 6 && (x - 50) % 100 < 70;
        let c = if line {
            40
        } else if card {
            225
        } else {
            70 + n as u8
        };
        image::Rgb([c, c, c.saturating_sub(10)])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// Counts, per job id, the `message` events in a JSON log.
fn count_events(log: &Path, message: &str) -> HashMap<String, usize> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let mut counts = HashMap::new();
    for line in text.lines() {
        let Ok(event) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if event["fields"]["message"] == message {
            if let Some(id) = event["fields"]["job_id"].as_str() {
                *counts.entry(id.to_owned()).or_insert(0) += 1;
            }
        }
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_work_and_survive_a_sigkill() {
    let Some(s3) = s3_env() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs S3 (KYC_TEST_S3_*)"
        );
        println!("skipped: no S3 configured");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let key = MasterKey::generate();
    let key_file = dir.path().join("master.key");
    std::fs::write(&key_file, key.to_hex()).unwrap();
    let database = TestDatabase::postgres().await;
    let client = reqwest::Client::new();

    let mut a = start("a", dir.path(), &database.url, &s3, &key_file);
    let mut b = start("b", dir.path(), &database.url, &s3, &key_file);
    wait_healthy(&client, &a).await;
    wait_healthy(&client, &b).await;
    let db = Database::connect(&database.url).await.unwrap();
    let b_owner = format!("{}-", b.child.id());
    let reviewer = add_reviewer(&database.url, dir.path());
    let mut decided: Vec<String> = Vec::new();

    let mut acknowledged: Vec<(String, String, Vec<u8>)> = Vec::new();
    let mut b_alive = true;
    for i in 0..UPLOADS {
        let instance = if i % 2 == 1 && b_alive { &b } else { &a };
        let case: Value = client
            .post(format!("{}/v1/cases", instance.url))
            .bearer_auth(TOKEN)
            .json(&json!({"player_id": format!("p-{i}"), "documents": ["address"]}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let bytes = photo(i as u32);
        let response = client
            .post(format!(
                "{}/v1/cases/{}/documents/address",
                instance.url,
                case["id"].as_str().unwrap()
            ))
            .bearer_auth(case["upload_token"].as_str().unwrap())
            .header("content-type", "image/png")
            .body(bytes.clone())
            .send()
            .await;
        if let Ok(response) = response {
            if response.status() == 201 {
                let body: Value = response.json().await.unwrap();
                let document_id = body["id"].as_str().unwrap().to_owned();
                let case_id = case["id"].as_str().unwrap().to_owned();
                if b_alive && i < UPLOADS / 2 {
                    // Decided through the other instance than took the upload.
                    let other = if std::ptr::eq(instance, &a) { &b } else { &a };
                    approve(&client, other, &reviewer, &case_id, &document_id).await;
                    decided.push(case_id.clone());
                }
                acknowledged.push((document_id, case_id, bytes));
            }
        }
        if i == UPLOADS / 2 {
            // Kill B while it holds a job: its lease must expire and A take over.
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                let held = db.running_job_owners().await.unwrap();
                if held.iter().any(|o| o.starts_with(&b_owner)) {
                    break;
                }
                assert!(Instant::now() < deadline, "B never held a job");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            b.child.kill().unwrap(); // SIGKILL
            b.child.wait().unwrap();
            b_alive = false;
        }
    }
    assert!(
        acknowledged.len() >= UPLOADS - 1,
        "uploads failed: {}",
        acknowledged.len()
    );

    // The survivor finishes every job, the dead one's included.
    let deadline = Instant::now() + Duration::from_secs(240);
    loop {
        let counts = db.job_counts().await.unwrap();
        let open = counts.get(&JobState::Queued).copied().unwrap_or(0)
            + counts.get(&JobState::Running).copied().unwrap_or(0);
        if open == 0 {
            assert_eq!(counts.get(&JobState::Failed), None, "{counts:?}");
            break;
        }
        assert!(Instant::now() < deadline, "jobs left: {counts:?}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }

    let objects = S3Store::connect(S3Config {
        bucket: s3.bucket.clone(),
        endpoint: Some(s3.endpoint.clone()),
        region: s3.region.clone(),
        force_path_style: true,
    })
    .await
    .unwrap();
    let keyring = Keyring::new(key);
    let done_a = count_events(&a.log, "job done");
    let done_b = count_events(&b.log, "job done");
    let mut taken_over = 0;
    for (document_id, _case_id, bytes) in &acknowledged {
        let doc = db
            .get_document(document_id.parse().unwrap())
            .await
            .unwrap()
            .unwrap();
        let object = objects.get(&doc.object_key.parse().unwrap()).await.unwrap();
        assert!(object.starts_with(b"KYCE"), "{document_id} is not sealed");
        for window in bytes.chunks(32).filter(|w| w.len() == 32).step_by(5) {
            assert!(
                !object.windows(32).any(|s| s == window),
                "plaintext in {document_id}"
            );
        }
        let envelope =
            Envelope::from_parts(&doc.key_id, doc.wrapped_key.clone().unwrap(), &doc.nonce)
                .unwrap();
        let plain = keyring
            .open(&envelope, &object, document_id.as_bytes())
            .unwrap();
        assert_eq!(
            Sha256::digest(&plain),
            Sha256::digest(bytes),
            "{document_id} reads back"
        );

        let jobs = db.jobs_for_subject(document_id).await.unwrap();
        assert_eq!(jobs.len(), 1, "one job per document");
        assert_eq!(jobs[0].state, JobState::Done);
        let id = jobs[0].id.to_string();
        let executions = done_a.get(&id).unwrap_or(&0) + done_b.get(&id).unwrap_or(&0);
        assert_eq!(executions, 1, "job {id} completed {executions} times");
        if jobs[0].attempts > 1 {
            taken_over += 1;
        }
    }
    assert!(
        taken_over >= 1,
        "the killed instance's job was never taken over"
    );
    println!(
        "{} uploads acknowledged; A completed {} jobs, B {}; {taken_over} taken over after the kill",
        acknowledged.len(),
        done_a.len(),
        done_b.len()
    );

    // Decisions made through either instance hold, and the audit chain both
    // instances appended to is one unbroken chain.
    assert!(decided.len() >= 2, "decided {}", decided.len());
    for case_id in &decided {
        let case = db
            .get_case(case_id.parse().unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(case.status, kyc_core::CaseStatus::Approved, "{case_id}");
    }
    let chain = db.verify_audit_chain().await.unwrap();
    assert!(chain.is_intact(), "{:?}", chain.problems);
    assert!(chain.entries > (acknowledged.len() + decided.len()) as u64);

    // Nothing in the bucket but sealed objects.
    let keys = objects.list("").await.unwrap();
    assert!(keys.len() >= acknowledged.len());
    for key in &keys {
        let object = objects.get(key).await.unwrap();
        assert!(
            object.starts_with(b"KYCE"),
            "{key} in the bucket is not ciphertext"
        );
    }

    for (document_id, case_id, _) in &acknowledged {
        let _ = objects
            .delete(
                &format!("documents/{case_id}/{document_id}")
                    .parse()
                    .unwrap(),
            )
            .await;
    }
    a.child.kill().unwrap();
    a.child.wait().unwrap();
    db.close().await;
    database.cleanup().await;
}
