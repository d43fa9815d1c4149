//! What every handler shares.

use std::sync::Arc;

use kyc_checker::Limits;
use kyc_core::{Clock, SlaPolicy};
use kyc_reader::Reader;
use kyc_store::Database;
use kyc_vault::{Keyring, ObjectStore};

#[derive(Clone)]
pub struct AppState {
    pub db: Database,
    pub objects: Arc<dyn ObjectStore>,
    pub keyring: Arc<Keyring>,
    pub clock: Arc<dyn Clock>,
    pub limits: Limits,
    pub sla: SlaPolicy,
    pub upload_token_ttl: chrono::Duration,
    /// Set when the operator token comes from configuration rather than the
    /// database: its SHA-256.
    pub operator_token_hash: Option<String>,
    pub reader: Reader,
    /// Wakes this instance's job worker when a job was just enqueued.
    pub worker_wake: Arc<tokio::sync::Notify>,
    pub review: ReviewConfig,
}

/// How review works here: the claim lease and the four-eyes rule.
#[derive(Debug, Clone, Copy)]
pub struct ReviewConfig {
    pub claim_lease: chrono::Duration,
    pub four_eyes_rejection: bool,
    pub sweep_interval: std::time::Duration,
}
