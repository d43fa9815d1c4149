//! A fresh, empty database per test, on SQLite or PostgreSQL.
//!
//! PostgreSQL comes from `KYC_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`, the CI machine's trust
//! set-up). Each test gets its own database, dropped by `cleanup`.

use sqlx::any::AnyPoolOptions;

use crate::{Database, Engine};

const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A database made for one test.
pub struct TestDatabase {
    pub url: String,
    pub engine: Engine,
    postgres: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDatabase {
    pub async fn new(engine: Engine) -> Self {
        match engine {
            Engine::Sqlite => Self::sqlite(),
            Engine::Postgres => Self::postgres().await,
        }
    }

    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("kyc.db").display());
        Self {
            url,
            engine: Engine::Sqlite,
            postgres: None,
            _dir: Some(dir),
        }
    }

    /// Creates `kyc_test_<random>` on the test server. Panics with a clear
    /// message when no PostgreSQL answers: the suite needs the real thing.
    pub async fn postgres() -> Self {
        sqlx::any::install_default_drivers();
        let admin_url =
            std::env::var("KYC_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_ADMIN_URL.to_owned());
        let name = format!("kyc_test_{}", uuid::Uuid::new_v4().simple());
        let admin = AnyPoolOptions::new()
            .max_connections(1)
            .connect(&admin_url)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "PostgreSQL is needed at {admin_url} (set KYC_TEST_POSTGRES_URL; .ci/run starts one): {e}"
                )
            });
        sqlx::query(&format!("create database {name}"))
            .execute(&admin)
            .await
            .expect("create test database");
        admin.close().await;
        let base = admin_url
            .rsplit_once('/')
            .map(|(base, _)| base)
            .unwrap_or(&admin_url);
        Self {
            url: format!("{base}/{name}"),
            engine: Engine::Postgres,
            postgres: Some((admin_url, name)),
            _dir: None,
        }
    }

    /// Connected and migrated.
    pub async fn open(&self) -> Database {
        let db = Database::connect(&self.url).await.expect("connect");
        db.migrate().await.expect("migrate");
        db
    }

    /// Drops a PostgreSQL test database (SQLite's goes with its temp dir).
    pub async fn cleanup(self) {
        if let Some((admin_url, name)) = &self.postgres {
            if let Ok(admin) = AnyPoolOptions::new()
                .max_connections(1)
                .connect(admin_url)
                .await
            {
                let _ = sqlx::query(&format!("drop database if exists {name} with (force)"))
                    .execute(&admin)
                    .await;
                admin.close().await;
            }
        }
    }
}
