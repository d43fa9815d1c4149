//! `spawn_app`: a running service with its own data dir, database and clock.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use kyc_core::ManualClock;
use kyc_server::{Application, Settings};
use kyc_store::testing::TestDatabase;
use kyc_store::Engine;
use secrecy::SecretString;
use serde_json::{json, Value};

pub const OPERATOR_TOKEN: &str = "kyc_op_test_operator_token";

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub clock: ManualClock,
    pub data_dir: tempfile::TempDir,
    pub database: Option<TestDatabase>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

pub fn start_time() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-22T10:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

pub async fn spawn_app(engine: Engine) -> TestApp {
    spawn_app_with(engine, |_| {}).await
}

pub async fn spawn_app_with(engine: Engine, configure: impl FnOnce(&mut Settings)) -> TestApp {
    let data_dir = tempfile::tempdir().unwrap();
    let database = match engine {
        Engine::Sqlite => None,
        Engine::Postgres => Some(TestDatabase::postgres().await),
    };
    spawn_app_on(data_dir, database, configure).await
}

/// A service over an existing data dir and database, e.g. to restart one
/// kept by [`TestApp::stop_keeping_data`].
pub async fn spawn_app_on(
    data_dir: tempfile::TempDir,
    database: Option<TestDatabase>,
    configure: impl FnOnce(&mut Settings),
) -> TestApp {
    let mut settings = Settings {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: data_dir.path().to_owned(),
        database_url: database.as_ref().map(|d| d.url.clone()),
        operator_token: Some(SecretString::from(OPERATOR_TOKEN)),
        // Background OCR takes seconds per document on a shared CPU; tests
        // that are not about it read without Tesseract (`ocr_unavailable`).
        tesseract: "/nonexistent/tesseract".into(),
        ..Settings::default()
    };
    configure(&mut settings);
    let clock = ManualClock::new(start_time());
    let app = Application::build_with_clock(settings, Arc::new(clock.clone()))
        .await
        .expect("application builds");
    let address = format!("http://{}", app.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async move {
        let _ = rx.await;
    }));
    TestApp {
        address,
        client: reqwest::Client::new(),
        clock,
        data_dir,
        database,
        shutdown: Some(tx),
        server: Some(server),
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// Opens a case as the operator; returns the 201 body.
    pub async fn open_case(&self, body: Value) -> Value {
        let response = self
            .client
            .post(self.url("/v1/cases"))
            .bearer_auth(OPERATOR_TOKEN)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            201,
            "open case: {:?}",
            response.text().await
        );
        response.json().await.unwrap()
    }

    pub async fn open_default_case(&self) -> OpenCase {
        let body = self
            .open_case(json!({
                "player_id": "player-42",
                "documents": ["identity", "address", "card"],
                "card_last4": "4242",
                "priority": "blocked_account",
                "locale": "az"
            }))
            .await;
        OpenCase {
            id: body["id"].as_str().unwrap().to_owned(),
            upload_token: body["upload_token"].as_str().unwrap().to_owned(),
        }
    }

    pub async fn upload(
        &self,
        case: &OpenCase,
        kind: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> reqwest::Response {
        self.client
            .post(self.url(&format!("/v1/cases/{}/documents/{kind}", case.id)))
            .bearer_auth(&case.upload_token)
            .header("content-type", content_type)
            .body(bytes)
            .send()
            .await
            .unwrap()
    }

    pub async fn get_case(&self, id: &str) -> Value {
        let response = self
            .client
            .get(self.url(&format!("/v1/cases/{id}")))
            .bearer_auth(OPERATOR_TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    /// Every file under the object store's root, with its bytes.
    pub fn stored_objects(&self) -> Vec<(std::path::PathBuf, Vec<u8>)> {
        fn walk(dir: &std::path::Path, out: &mut Vec<(std::path::PathBuf, Vec<u8>)>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else {
                    let bytes = std::fs::read(&path).unwrap();
                    out.push((path, bytes));
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.data_dir.path().join("objects"), &mut out);
        // The store's own temp files (`.~tmp-*`) are never objects.
        out.retain(|(path, _)| {
            !path
                .file_name()
                .is_some_and(|name| name.to_string_lossy().starts_with(".~"))
        });
        out
    }

    /// Stops the service but keeps its data dir and database for a restart.
    pub async fn stop_keeping_data(mut self) -> (tempfile::TempDir, Option<TestDatabase>) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.unwrap().unwrap();
        }
        (
            std::mem::replace(&mut self.data_dir, tempfile::tempdir().unwrap()),
            self.database.take(),
        )
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.unwrap().unwrap();
        }
        if let Some(db) = self.database.take() {
            db.cleanup().await;
        }
    }
}

pub struct OpenCase {
    pub id: String,
    pub upload_token: String,
}

/// Asserts the error shape and code of a response.
pub async fn assert_error(response: reqwest::Response, status: u16, code: &str) {
    let actual = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(actual, status, "status for {code}: {body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "no message: {body}"
    );
}

/// Runs one async test body on SQLite and on PostgreSQL.
macro_rules! on_both_engines {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;

            #[tokio::test]
            async fn sqlite() {
                ($body)(kyc_store::Engine::Sqlite).await;
            }

            #[tokio::test]
            async fn postgres() {
                ($body)(kyc_store::Engine::Postgres).await;
            }
        }
    };
}
pub(crate) use on_both_engines;
