//! Backend outages: requests fail fast with 503 and a code saying which
//! backend is down, nothing is half-written, and service resumes by itself.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kyc_store::testing::TestDatabase;
use serde_json::Value;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;
use tokio::task::JoinSet;

use crate::fixtures;
use crate::helpers::*;
use crate::jobs::wait_for_readings;

/// Replaces the local object store's directory with a file, so every write
/// fails; `restore` puts it back.
struct BrokenStore {
    root: std::path::PathBuf,
    aside: std::path::PathBuf,
}

impl BrokenStore {
    fn break_it(data_dir: &std::path::Path) -> Self {
        let root = data_dir.join("objects");
        let aside = data_dir.join("objects.aside");
        std::fs::rename(&root, &aside).unwrap();
        std::fs::write(&root, b"not a directory").unwrap();
        Self { root, aside }
    }

    fn restore(self) {
        std::fs::remove_file(&self.root).unwrap();
        std::fs::rename(&self.aside, &self.root).unwrap();
    }
}

on_both_engines!(
    object_store_down_answers_503_writes_nothing_and_recovers,
    |engine| async move {
        let app = spawn_app(engine).await;
        let case = app.open_default_case().await;
        let broken = BrokenStore::break_it(app.data_dir.path());
        let started = Instant::now();
        let response = app
            .upload(&case, "identity", "image/jpeg", fixtures::jpeg(21))
            .await;
        assert!(started.elapsed() < Duration::from_secs(5), "not fast");
        assert_eq!(response.headers()["retry-after"], "5");
        assert_error(response, 503, "object_store_unavailable").await;
        let read = app.get_case(&case.id).await;
        assert_eq!(
            read["documents"],
            serde_json::json!([]),
            "no row without its object"
        );
        assert_eq!(read["status"], "open");

        broken.restore();
        let response = app
            .upload(&case, "identity", "image/jpeg", fixtures::jpeg(21))
            .await;
        assert_eq!(response.status(), 201);
        assert_eq!(app.stored_objects().len(), 1);
        app.stop().await;
    }
);

#[tokio::test]
async fn an_unreachable_s3_endpoint_answers_503_quickly() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let app = spawn_app_with(kyc_store::Engine::Sqlite, |s| {
        s.object_store = "s3://kyc-docs".into();
        s.s3_endpoint = Some(format!("http://127.0.0.1:{port}"));
        s.s3_region = "garage".into();
    })
    .await;
    let case = app.open_default_case().await;
    let started = Instant::now();
    let response = app
        .upload(&case, "card", "image/png", fixtures::png(22))
        .await;
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "not fast: {:?}",
        started.elapsed()
    );
    assert_error(response, 503, "object_store_unavailable").await;
    let read = app.get_case(&case.id).await;
    assert_eq!(read["documents"], serde_json::json!([]));
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 503);
    app.stop().await;
}

#[tokio::test]
async fn a_reading_retries_through_an_object_store_outage() {
    let app = spawn_app_with(kyc_store::Engine::Sqlite, |s| s.workers = Some(0)).await;
    let case = app.open_default_case().await;
    let response = app
        .upload(&case, "address", "image/jpeg", fixtures::jpeg(23))
        .await;
    assert_eq!(response.status(), 201);
    let (data_dir, database) = app.stop_keeping_data().await;
    // The stored object becomes a symlink to itself: reading it fails with
    // an I/O error (not "absent"), as a failing disk or share would.
    let object = walk_files(&data_dir.path().join("objects")).remove(0);
    let aside = object.with_extension("aside");
    std::fs::rename(&object, &aside).unwrap();
    std::os::unix::fs::symlink(&object, &object).unwrap();

    let app = spawn_app_on(data_dir, database, |_| {}).await;
    let db = kyc_store::Database::connect(&format!(
        "sqlite://{}",
        app.data_dir.path().join("kyc.db").display()
    ))
    .await
    .unwrap();
    let document_id = app.get_case(&case.id).await["documents"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // The worker tries, fails, and puts the job back with a backoff.
    let deadline = Instant::now() + Duration::from_secs(20);
    let job = loop {
        let jobs = db.jobs_for_subject(&document_id).await.unwrap();
        if jobs[0].last_error.is_some() {
            break jobs[0].clone();
        }
        assert!(Instant::now() < deadline, "the job never ran");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(job.state, kyc_store::JobState::Queued);
    assert_eq!(job.attempts, 1);
    assert!(job.run_after > start_time(), "retried later, not at once");
    assert_eq!(
        app.get_case(&case.id).await["documents"][0]["reading"],
        "pending"
    );

    std::fs::remove_file(&object).unwrap();
    std::fs::rename(&aside, &object).unwrap();
    app.clock.advance(chrono::Duration::minutes(10));
    let read = wait_for_readings(&app, &case.id).await;
    assert_eq!(read["documents"][0]["reading"], "done");
    let job = db.get_job(job.id).await.unwrap().unwrap();
    assert_eq!(job.attempts, 2);
    db.close().await;
    app.stop().await;
}

/// A TCP proxy to PostgreSQL that the test can cut and restore: cutting
/// drops every open connection and refuses new ones, as a network
/// partition or a database restart would.
struct Proxy {
    port: u16,
    down: Arc<AtomicBool>,
    connections: Arc<Mutex<JoinSet<()>>>,
    _accept: tokio::task::JoinHandle<()>,
}

impl Proxy {
    async fn start(upstream: &'static str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let down = Arc::new(AtomicBool::new(false));
        let connections = Arc::new(Mutex::new(JoinSet::new()));
        let accept = {
            let (down, connections) = (down.clone(), connections.clone());
            tokio::spawn(async move {
                while let Ok((mut client, _)) = listener.accept().await {
                    if down.load(Ordering::SeqCst) {
                        drop(client);
                        continue;
                    }
                    connections.lock().await.spawn(async move {
                        if let Ok(mut server) = TcpStream::connect(upstream).await {
                            let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                        }
                    });
                }
            })
        };
        Self {
            port,
            down,
            connections,
            _accept: accept,
        }
    }

    async fn cut(&self) {
        self.down.store(true, Ordering::SeqCst);
        self.connections.lock().await.abort_all();
    }

    fn restore(&self) {
        self.down.store(false, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn database_down_answers_503_writes_nothing_and_recovers() {
    let proxy = Proxy::start("127.0.0.1:5432").await;
    let database = TestDatabase::postgres().await;
    let via_proxy = database
        .url
        .replacen(":5432/", &format!(":{}/", proxy.port), 1);
    assert_ne!(via_proxy, database.url, "the URL goes through the proxy");
    let app = spawn_app_on(tempfile::tempdir().unwrap(), Some(database), |s| {
        s.database_url = Some(via_proxy);
    })
    .await;
    let case = app.open_default_case().await;

    proxy.cut().await;
    let started = Instant::now();
    let response = app
        .upload(&case, "identity", "image/jpeg", fixtures::jpeg(24))
        .await;
    let elapsed = started.elapsed();
    assert_error(response, 503, "database_unavailable").await;
    assert!(elapsed < Duration::from_secs(8), "not fast: {elapsed:?}");
    let response = app
        .client
        .get(app.url(&format!("/v1/cases/{}", case.id)))
        .bearer_auth(OPERATOR_TOKEN)
        .send()
        .await
        .unwrap();
    assert_error(response, 503, "database_unavailable").await;
    assert!(app.stored_objects().is_empty(), "no object without its row");

    proxy.restore();
    let deadline = Instant::now() + Duration::from_secs(20);
    let response = loop {
        let response = app
            .upload(&case, "identity", "image/jpeg", fixtures::jpeg(24))
            .await;
        if response.status() != 503 || Instant::now() > deadline {
            break response;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(response.status(), 201, "service resumes by itself");
    let body: Value = app.get_case(&case.id).await;
    assert_eq!(body["documents"].as_array().map(Vec::len), Some(1));
    assert_eq!(app.stored_objects().len(), 1);
    app.stop().await;
}

fn walk_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk_files(&path));
        } else {
            out.push(path);
        }
    }
    out
}
