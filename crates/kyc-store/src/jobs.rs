//! The durable job queue: work taken off the request path and done by any
//! instance's worker.
//!
//! A job is claimed under a *lease*: the claimer's name and an expiry. A
//! worker that dies (SIGKILL, lost host) simply stops renewing its lease and
//! the job becomes claimable again once it expires. Every state change after
//! the claim is fenced on `lease_owner`, so a worker that lost its lease can
//! no longer complete or retry the job: a job's effect commits at most once.
//!
//! Claiming differs by engine: PostgreSQL locks the chosen row with
//! `FOR UPDATE SKIP LOCKED` so concurrent claimers pass over each other's
//! rows; SQLite has a single writer, so one `UPDATE ... WHERE id = (SELECT
//! ... LIMIT 1) RETURNING` is already atomic.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;
use uuid::Uuid;

use crate::time::{from_millis, opt_from_millis, to_millis};
use crate::{Database, Engine, StoreError};

mod reading;

pub use reading::{ReadingOutcome, ReadingUpdate};

/// The kind of the OCR job enqueued with every upload.
pub const READ_DOCUMENT: &str = "read_document";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobState {
    Queued,
    Running,
    Done,
    Failed,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
        }
    }

    fn parse(text: &str) -> Result<Self, StoreError> {
        Ok(match text {
            "queued" => JobState::Queued,
            "running" => JobState::Running,
            "done" => JobState::Done,
            "failed" => JobState::Failed,
            _ => return Err(StoreError::corrupt("jobs.state")),
        })
    }
}

/// A job to enqueue.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub id: Uuid,
    pub kind: String,
    /// JSON text.
    pub payload: String,
    /// What the job is about (e.g. a document id), for progress views.
    pub subject: Option<String>,
    pub max_attempts: u32,
    pub run_after: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

impl NewJob {
    /// The OCR job for a freshly uploaded document, due at once.
    pub fn read_document(document_id: kyc_core::DocumentId, now: DateTime<Utc>) -> Self {
        Self {
            id: Uuid::now_v7(),
            kind: READ_DOCUMENT.to_owned(),
            payload: format!("{{\"document_id\":\"{document_id}\"}}"),
            subject: Some(document_id.to_string()),
            max_attempts: 10,
            run_after: now,
            created_at: now,
        }
    }
}

/// A job as stored.
#[derive(Debug, Clone)]
pub struct JobRecord {
    pub id: Uuid,
    pub kind: String,
    pub payload: String,
    pub subject: Option<String>,
    pub state: JobState,
    pub attempts: u32,
    pub max_attempts: u32,
    pub run_after: DateTime<Utc>,
    pub lease_owner: Option<String>,
    pub lease_expires_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const JOB_COLUMNS: &str = "id, kind, payload, subject, state, attempts, max_attempts, run_after, \
     lease_owner, lease_expires_at, last_error, created_at, updated_at";

fn job_from_row(row: &AnyRow) -> Result<JobRecord, StoreError> {
    let text = |c: &str| {
        row.try_get::<String, _>(c)
            .map_err(|_| StoreError::corrupt(format!("jobs.{c}")))
    };
    let opt_text = |c: &str| {
        row.try_get::<Option<String>, _>(c)
            .map_err(|_| StoreError::corrupt(format!("jobs.{c}")))
    };
    let int = |c: &str| {
        row.try_get::<i64, _>(c)
            .map_err(|_| StoreError::corrupt(format!("jobs.{c}")))
    };
    let count = |c: &str| u32::try_from(int(c)?).map_err(|_| StoreError::corrupt(c));
    Ok(JobRecord {
        id: text("id")?
            .parse()
            .map_err(|_| StoreError::corrupt("jobs.id"))?,
        kind: text("kind")?,
        payload: text("payload")?,
        subject: opt_text("subject")?,
        state: JobState::parse(&text("state")?)?,
        attempts: count("attempts")?,
        max_attempts: count("max_attempts")?,
        run_after: from_millis(int("run_after")?)?,
        lease_owner: opt_text("lease_owner")?,
        lease_expires_at: opt_from_millis(
            row.try_get::<Option<i64>, _>("lease_expires_at")
                .map_err(|_| StoreError::corrupt("jobs.lease_expires_at"))?,
        )?,
        last_error: opt_text("last_error")?,
        created_at: from_millis(int("created_at")?)?,
        updated_at: from_millis(int("updated_at")?)?,
    })
}

/// Inserts `job` through any executor, so it can share a transaction with
/// the row it is about.
pub(crate) async fn insert_job<'e, E>(executor: E, job: &NewJob) -> Result<(), StoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(
        "insert into jobs (id, kind, payload, subject, state, attempts, max_attempts, \
         run_after, created_at, updated_at) values ($1, $2, $3, $4, $5, 0, $6, $7, $8, $8)",
    )
    .bind(job.id.to_string())
    .bind(job.kind.clone())
    .bind(job.payload.clone())
    .bind(job.subject.clone())
    .bind(JobState::Queued.as_str())
    .bind(i64::from(job.max_attempts))
    .bind(to_millis(job.run_after))
    .bind(to_millis(job.created_at))
    .execute(executor)
    .await
    .map_err(StoreError::from_sqlx)?;
    Ok(())
}

/// Claimable: queued and due, or running with an expired lease (its worker
/// died). Oldest due first.
const CLAIMABLE: &str = "select id from jobs \
     where (state = 'queued' and run_after <= $3) \
        or (state = 'running' and lease_expires_at <= $3) \
     order by run_after, created_at limit 1";

impl Database {
    /// Enqueues a job on its own.
    pub async fn enqueue_job(&self, job: &NewJob) -> Result<(), StoreError> {
        insert_job(self.pool(), job).await
    }

    /// Takes the next claimable job for `owner` until `now + lease`, or
    /// `None` when nothing is due. Counts the claim as an attempt.
    pub async fn claim_job(
        &self,
        owner: &str,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<Option<JobRecord>, StoreError> {
        let pick = match self.engine() {
            Engine::Postgres => format!("{CLAIMABLE} for update skip locked"),
            Engine::Sqlite => CLAIMABLE.to_owned(),
        };
        let row = sqlx::query(&format!(
            "update jobs set state = 'running', attempts = attempts + 1, lease_owner = $1, \
             lease_expires_at = $2, updated_at = $3 where id = ({pick}) returning {JOB_COLUMNS}"
        ))
        .bind(owner.to_owned())
        .bind(to_millis(now + lease))
        .bind(to_millis(now))
        .fetch_optional(self.pool())
        .await
        .map_err(StoreError::from_sqlx)?;
        row.as_ref().map(job_from_row).transpose()
    }

    /// Renews `owner`'s lease; false when the lease was lost (it expired and
    /// another worker took the job), in which case the work must stop.
    pub async fn extend_lease(
        &self,
        id: Uuid,
        owner: &str,
        until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "update jobs set lease_expires_at = $1, updated_at = $2 \
             where id = $3 and lease_owner = $4 and state = 'running'",
        )
        .bind(to_millis(until))
        .bind(to_millis(now))
        .bind(id.to_string())
        .bind(owner.to_owned())
        .execute(self.pool())
        .await
        .map_err(StoreError::from_sqlx)?;
        Ok(done.rows_affected() == 1)
    }

    /// Marks `owner`'s job done; false when the lease was lost.
    pub async fn complete_job(
        &self,
        id: Uuid,
        owner: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut conn = self.pool().acquire().await.map_err(StoreError::from_sqlx)?;
        complete_job_in(&mut conn, id, owner, now).await
    }

    /// Records a failed attempt: back to `queued` until `retry_at`, or
    /// `failed` for good when `permanent` or out of attempts. False when the
    /// lease was lost. Returns the state the job is now in.
    pub async fn fail_job(
        &self,
        id: Uuid,
        owner: &str,
        error: &str,
        permanent: bool,
        retry_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Option<JobState>, StoreError> {
        let row: Option<(String,)> = sqlx::query_as(
            "update jobs set \
               state = case when $1 = 1 or attempts >= max_attempts then 'failed' else 'queued' end, \
               run_after = $2, last_error = $3, lease_owner = null, lease_expires_at = null, \
               updated_at = $4 \
             where id = $5 and lease_owner = $6 and state = 'running' returning state",
        )
        .bind(i64::from(permanent))
        .bind(to_millis(retry_at))
        .bind(error.chars().take(500).collect::<String>())
        .bind(to_millis(now))
        .bind(id.to_string())
        .bind(owner.to_owned())
        .fetch_optional(self.pool())
        .await
        .map_err(StoreError::from_sqlx)?;
        row.map(|(s,)| JobState::parse(&s)).transpose()
    }

    pub async fn get_job(&self, id: Uuid) -> Result<Option<JobRecord>, StoreError> {
        let row = sqlx::query(&format!("select {JOB_COLUMNS} from jobs where id = $1"))
            .bind(id.to_string())
            .fetch_optional(self.pool())
            .await
            .map_err(StoreError::from_sqlx)?;
        row.as_ref().map(job_from_row).transpose()
    }

    /// Jobs about `subject`, oldest first.
    pub async fn jobs_for_subject(&self, subject: &str) -> Result<Vec<JobRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "select {JOB_COLUMNS} from jobs where subject = $1 order by created_at, id"
        ))
        .bind(subject.to_owned())
        .fetch_all(self.pool())
        .await
        .map_err(StoreError::from_sqlx)?;
        rows.iter().map(job_from_row).collect()
    }

    /// The state of the newest `kind` job of each document of a case, by
    /// document id (for "reading: pending|done" in the case view).
    pub async fn job_states_for_case(
        &self,
        case_id: kyc_core::CaseId,
        kind: &str,
    ) -> Result<HashMap<String, JobState>, StoreError> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "select j.subject, j.state from jobs j join documents d on d.id = j.subject \
             where d.case_id = $1 and j.kind = $2 order by j.created_at",
        )
        .bind(case_id.to_string())
        .bind(kind.to_owned())
        .fetch_all(self.pool())
        .await
        .map_err(StoreError::from_sqlx)?;
        rows.into_iter()
            .map(|(subject, state)| Ok((subject, JobState::parse(&state)?)))
            .collect()
    }

    /// Who holds the running jobs' leases (one entry per job).
    pub async fn running_job_owners(&self) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "select lease_owner from jobs where state = 'running' and lease_owner is not null",
        )
        .fetch_all(self.pool())
        .await
        .map_err(StoreError::from_sqlx)?;
        Ok(rows.into_iter().map(|(o,)| o).collect())
    }

    /// How many jobs are in each state: the queue's depth and its failures,
    /// for monitoring.
    pub async fn job_counts(&self) -> Result<HashMap<JobState, u64>, StoreError> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("select state, count(*) from jobs group by state")
                .fetch_all(self.pool())
                .await
                .map_err(StoreError::from_sqlx)?;
        rows.into_iter()
            .map(|(state, n)| Ok((JobState::parse(&state)?, u64::try_from(n).unwrap_or(0))))
            .collect()
    }
}

/// The fenced completion, usable inside a transaction.
pub(crate) async fn complete_job_in(
    conn: &mut sqlx::AnyConnection,
    id: Uuid,
    owner: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "update jobs set state = 'done', lease_owner = null, lease_expires_at = null, \
         last_error = null, updated_at = $1 where id = $2 and lease_owner = $3 and state = 'running'",
    )
    .bind(to_millis(now))
    .bind(id.to_string())
    .bind(owner.to_owned())
    .execute(&mut *conn)
    .await
    .map_err(StoreError::from_sqlx)?;
    Ok(done.rows_affected() == 1)
}
