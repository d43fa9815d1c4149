//! The kyc database. One `Database` handle over SQLite (the embedded
//! default) or PostgreSQL (production), chosen by the URL alone.
//!
//! Queries are written once, in the SQL both engines share, through sqlx's
//! `Any` driver; the few places where the engines differ go through
//! [`Engine`]. Times are stored as Unix milliseconds.

mod audit;
mod cases;
mod claims;
mod decisions;
mod documents;
mod error;
mod jobs;
mod queue;
mod reviewers;
mod rewrap;
mod time;
mod tokens;

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{install_default_drivers, AnyPoolOptions};
use sqlx::AnyPool;

pub use audit::{entry_hash, AuditEntry, ChainReport, NewAuditEntry, GENESIS_HASH};
pub use cases::{CaseRecord, NewCase};
pub use claims::{Claim, ClaimOutcome, ReleaseOutcome};
pub use decisions::{DecideOutcome, DecisionRecord, NewDecision, Refusal};
pub use documents::{DocumentRecord, InsertDocument, NewDocument};
pub use error::StoreError;
pub use jobs::{JobRecord, JobState, NewJob, ReadingOutcome, ReadingUpdate, READ_DOCUMENT};
pub use queue::{parse_standing, Assignee, CaseClock, QueueFilter, QueueRow, SlaRow};
pub use reviewers::{valid_reviewer_name, ReviewerRecord};
pub use rewrap::WrappedKeyRow;

/// Which database engine a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl FromStr for Engine {
    type Err = StoreError;
    fn from_str(url: &str) -> Result<Self, Self::Err> {
        if url.starts_with("sqlite:") {
            Ok(Engine::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Engine::Postgres)
        } else {
            Err(StoreError::Config(
                "database URL must start with sqlite: or postgres:".into(),
            ))
        }
    }
}

/// A connection pool and the engine behind it.
#[derive(Debug, Clone)]
pub struct Database {
    pool: AnyPool,
    engine: Engine,
}

impl Database {
    /// Connects without waiting long: an unreachable database is an error
    /// now, not a hang.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        install_default_drivers();
        let engine: Engine = url.parse()?;
        let mut options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(5));
        options = match engine {
            // One writer at a time is SQLite's nature; a small pool with WAL
            // keeps readers concurrent without lock storms.
            Engine::Sqlite => options.max_connections(8).after_connect(|conn, _| {
                Box::pin(async move {
                    use sqlx::Executor;
                    conn.execute("pragma journal_mode = wal; pragma synchronous = full; pragma foreign_keys = on; pragma busy_timeout = 5000;")
                        .await?;
                    Ok(())
                })
            }),
            Engine::Postgres => options.max_connections(16),
        };
        let pool = options.connect(url).await.map_err(StoreError::from_sqlx)?;
        Ok(Self { pool, engine })
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Applies the migrations of this engine (`migrations/<engine>`).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let migrator = match self.engine {
            Engine::Sqlite => sqlx::migrate!("../../migrations/sqlite"),
            Engine::Postgres => sqlx::migrate!("../../migrations/postgres"),
        };
        migrator
            .run(&self.pool)
            .await
            .map_err(|e| StoreError::Migration(e.to_string()))
    }

    /// Readiness: can a query round-trip now?
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("select 1")
            .execute(&self.pool)
            .await
            .map_err(StoreError::from_sqlx)?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }
}

#[cfg(feature = "testing")]
pub mod testing;
