//! The background worker: claims jobs from the database queue and runs
//! them, at most `concurrency` at a time, in every instance that has it
//! enabled. Any instance may run any job; the queue's leases make a dead
//! instance's jobs come back, and its fencing makes each job's effect commit
//! once.

mod read_document;

use std::sync::Arc;
use std::time::{Duration, Instant};

use kyc_store::{JobRecord, READ_DOCUMENT};
use tokio::sync::{watch, Notify, Semaphore};
use tokio::task::JoinSet;

use crate::state::AppState;

/// How the worker runs.
#[derive(Debug, Clone, Copy)]
pub struct WorkerConfig {
    /// Jobs run at once (each may hold one CPU in `spawn_blocking`); 0
    /// disables the worker in this instance.
    pub concurrency: usize,
    /// How long a claim holds before another instance may take the job;
    /// renewed every third of it while the job runs.
    pub lease: chrono::Duration,
    /// How often an idle worker looks for due jobs (retries, other
    /// instances' uploads); its own uploads wake it at once.
    pub poll: Duration,
}

impl WorkerConfig {
    /// One job per available CPU, a one-minute lease, one-second polling.
    pub fn from_settings(settings: &crate::Settings) -> Self {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self {
            concurrency: settings.workers.unwrap_or(cpus),
            lease: chrono::Duration::seconds(i64::try_from(settings.job_lease_secs).unwrap_or(60)),
            poll: Duration::from_secs(1),
        }
    }
}

/// Why a job did not complete.
#[derive(Debug)]
pub(crate) enum JobError {
    /// Worth another attempt later (a backend is down, a key not yet here).
    Retry(String),
    /// Will never succeed (bad payload, undecryptable object).
    Permanent(String),
    /// Another worker holds the job now: stop, write nothing.
    LeaseLost,
}

impl From<kyc_store::StoreError> for JobError {
    fn from(err: kyc_store::StoreError) -> Self {
        JobError::Retry(err.to_string())
    }
}

/// A running worker; `shutdown` stops claiming and waits for jobs in hand.
pub struct WorkerHandle {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl WorkerHandle {
    /// Stops claiming, then gives running jobs up to `grace` to finish.
    /// Jobs still running after that are abandoned: their leases expire
    /// and another worker (or this one after a restart) runs them again.
    pub async fn shutdown(self, grace: Duration) {
        let _ = self.stop.send(true);
        let mut task = self.task;
        if tokio::time::timeout(grace, &mut task).await.is_err() {
            task.abort();
        }
    }
}

/// Starts the worker loop on the current runtime.
pub fn spawn(state: AppState, config: WorkerConfig) -> Option<WorkerHandle> {
    if config.concurrency == 0 {
        return None;
    }
    let owner = format!("{}-{}", std::process::id(), uuid_fragment());
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(run(state, config, owner, stopped));
    Some(WorkerHandle { stop, task })
}

fn uuid_fragment() -> String {
    use rand::Rng;
    format!("{:08x}", rand::thread_rng().gen::<u32>())
}

async fn run(
    state: AppState,
    config: WorkerConfig,
    owner: String,
    mut stop: watch::Receiver<bool>,
) {
    tracing::info!(worker = %owner, concurrency = config.concurrency, "job worker started");
    let permits = Arc::new(Semaphore::new(config.concurrency));
    let mut running = JoinSet::new();
    let mut pause = config.poll;
    loop {
        while running.try_join_next().is_some() {}
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            _ = stop.changed() => break,
        };
        if *stop.borrow() {
            break;
        }
        match state
            .db
            .claim_job(&owner, state.clock.now(), config.lease)
            .await
        {
            Ok(Some(job)) => {
                pause = config.poll;
                let (state, owner) = (state.clone(), owner.clone());
                running.spawn(async move {
                    run_job(&state, &owner, config, job).await;
                    drop(permit);
                });
                continue;
            }
            Ok(None) => pause = config.poll,
            Err(err) => {
                tracing::warn!(error = %err, "cannot claim jobs; backing off");
                pause = (pause * 2).min(Duration::from_secs(30));
            }
        }
        drop(permit);
        tokio::select! {
            _ = state.worker_wake.notified() => {},
            _ = tokio::time::sleep(pause) => {},
            _ = stop.changed() => break,
        }
    }
    while running.join_next().await.is_some() {}
    tracing::info!(worker = %owner, "job worker stopped");
}

/// Runs one job with its lease renewed, and records how it ended.
async fn run_job(state: &AppState, owner: &str, config: WorkerConfig, job: JobRecord) {
    let started = Instant::now();
    tracing::info!(job_id = %job.id, kind = %job.kind, attempt = job.attempts, "job started");
    let result = if job.attempts > job.max_attempts {
        // Claimed again after its worker died each time: stop trying.
        Err(JobError::Permanent("out of attempts".into()))
    } else {
        tokio::select! {
            result = execute(state, owner, &job) => result,
            () = keep_lease(state, owner, &job, config.lease) => Err(JobError::LeaseLost),
        }
    };
    let elapsed_ms = started.elapsed().as_millis() as u64;
    let (message, permanent) = match result {
        Ok(()) => {
            tracing::info!(job_id = %job.id, kind = %job.kind, elapsed_ms, "job done");
            return;
        }
        Err(JobError::LeaseLost) => {
            tracing::warn!(job_id = %job.id, "job lease lost; another worker has it");
            return;
        }
        Err(JobError::Retry(message)) => (message, false),
        Err(JobError::Permanent(message)) => (message, true),
    };
    let now = state.clock.now();
    let retry_at = now + backoff(job.attempts);
    match state
        .db
        .fail_job(job.id, owner, &message, permanent, retry_at, now)
        .await
    {
        Ok(Some(kyc_store::JobState::Failed)) => {
            tracing::error!(job_id = %job.id, kind = %job.kind, error = %message, "job failed for good")
        }
        Ok(_) => {
            tracing::warn!(job_id = %job.id, error = %message, %retry_at, "job will be retried")
        }
        // The lease will expire and the job run again.
        Err(err) => tracing::warn!(job_id = %job.id, error = %err, "cannot record a job failure"),
    }
}

/// 5 s, doubling per attempt, at most 10 minutes.
fn backoff(attempts: u32) -> chrono::Duration {
    let secs = 5i64.saturating_mul(1i64 << attempts.saturating_sub(1).min(10));
    chrono::Duration::seconds(secs.min(600))
}

async fn execute(state: &AppState, owner: &str, job: &JobRecord) -> Result<(), JobError> {
    match job.kind.as_str() {
        READ_DOCUMENT => read_document::run(state, owner, job).await,
        other => Err(JobError::Permanent(format!("unknown job kind `{other}`"))),
    }
}

/// Renews the lease every third of its length; returns only once it is
/// lost. A database hiccup is tolerated: the next renewal may succeed
/// before the lease runs out.
async fn keep_lease(state: &AppState, owner: &str, job: &JobRecord, lease: chrono::Duration) {
    let every = (lease / 3).to_std().unwrap_or(Duration::from_secs(1));
    loop {
        tokio::time::sleep(every).await;
        let now = state.clock.now();
        match state.db.extend_lease(job.id, owner, now + lease, now).await {
            Ok(true) => {}
            Ok(false) => return,
            Err(err) => tracing::warn!(job_id = %job.id, error = %err, "cannot renew a job lease"),
        }
    }
}

/// Shared by the upload path: wake the local worker for a new job.
pub(crate) fn wake(notify: &Arc<Notify>) {
    notify.notify_one();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(1), chrono::Duration::seconds(5));
        assert_eq!(backoff(2), chrono::Duration::seconds(10));
        assert_eq!(backoff(4), chrono::Duration::seconds(40));
        assert_eq!(backoff(30), chrono::Duration::seconds(600));
    }
}
