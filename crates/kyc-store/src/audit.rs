//! The audit trail: append-only and hash-chained.
//!
//! There is one chain for the whole system, not one per case. Entries that
//! belong to no case (reviewers added or disabled) need a chain too, a
//! deleted case would take a per-case chain with it unnoticed, and a single
//! chain verifies in one pass. The price is that appends are serialised
//! system-wide; they are a few small rows per request, and the head row is
//! locked only until the surrounding transaction commits.
//!
//! Each entry's hash is SHA-256 over its position, time, actor, action,
//! case, document, detail and the previous entry's hash (64 zeros before
//! the first). The head row remembers the last position and hash, so that
//! entries deleted from the end are noticed too.

use chrono::{DateTime, Utc};
use kyc_core::{CaseId, DocumentId};
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::time::{from_millis, to_millis};
use crate::{Database, StoreError};

/// The hash before the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An entry to append. `detail` is JSON; it never holds document bytes,
/// card numbers or free text a person typed (notes may hold personal data
/// and the trail cannot forget).
#[derive(Debug, Clone)]
pub struct NewAuditEntry {
    pub actor: String,
    pub action: &'static str,
    pub case_id: Option<CaseId>,
    pub document_id: Option<DocumentId>,
    pub detail: serde_json::Value,
}

impl NewAuditEntry {
    pub fn new(actor: impl Into<String>, action: &'static str) -> Self {
        Self {
            actor: actor.into(),
            action,
            case_id: None,
            document_id: None,
            detail: serde_json::Value::Object(Default::default()),
        }
    }

    pub fn case(mut self, id: CaseId) -> Self {
        self.case_id = Some(id);
        self
    }

    pub fn document(mut self, id: DocumentId) -> Self {
        self.document_id = Some(id);
        self
    }

    pub fn detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = detail;
        self
    }
}

/// An entry as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub case_id: Option<String>,
    pub document_id: Option<String>,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEntry {
    /// The hash this entry should carry, from its own fields.
    pub fn computed_hash(&self) -> String {
        entry_hash(
            &self.prev_hash,
            self.seq,
            to_millis(self.at),
            &self.actor,
            &self.action,
            self.case_id.as_deref(),
            self.document_id.as_deref(),
            &self.detail,
        )
    }
}

/// SHA-256 over length-prefixed fields, so no two different entries share
/// an encoding.
#[allow(clippy::too_many_arguments)]
pub fn entry_hash(
    prev_hash: &str,
    seq: i64,
    at_millis: i64,
    actor: &str,
    action: &str,
    case_id: Option<&str>,
    document_id: Option<&str>,
    detail: &str,
) -> String {
    let mut hasher = Sha256::new();
    let seq = seq.to_string();
    let at = at_millis.to_string();
    for field in [
        Some(prev_hash),
        Some(seq.as_str()),
        Some(at.as_str()),
        Some(actor),
        Some(action),
        case_id,
        document_id,
        Some(detail),
    ] {
        match field {
            Some(text) => {
                hasher.update(b"s");
                hasher.update((text.len() as u64).to_be_bytes());
                hasher.update(text.as_bytes());
            }
            None => hasher.update(b"n"),
        }
    }
    hex::encode(hasher.finalize())
}

/// What `verify_audit_chain` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    pub entries: u64,
    /// The hash of the last entry: publish it elsewhere to anchor the chain.
    pub head_hash: String,
    /// Every break found, in chain order; empty when the chain is intact.
    pub problems: Vec<String>,
}

impl ChainReport {
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty()
    }
}

const ENTRY_COLUMNS: &str = "seq, at, actor, action, case_id, document_id, detail, prev_hash, hash";

fn entry_from_row(row: &sqlx::any::AnyRow) -> Result<AuditEntry, StoreError> {
    let text = |c: &str| {
        row.try_get::<String, _>(c)
            .map_err(|_| StoreError::corrupt(format!("audit_log.{c}")))
    };
    let opt = |c: &str| {
        row.try_get::<Option<String>, _>(c)
            .map_err(|_| StoreError::corrupt(format!("audit_log.{c}")))
    };
    let int = |c: &str| {
        row.try_get::<i64, _>(c)
            .map_err(|_| StoreError::corrupt(format!("audit_log.{c}")))
    };
    Ok(AuditEntry {
        seq: int("seq")?,
        at: from_millis(int("at")?)?,
        actor: text("actor")?,
        action: text("action")?,
        case_id: opt("case_id")?,
        document_id: opt("document_id")?,
        detail: text("detail")?,
        prev_hash: text("prev_hash")?,
        hash: text("hash")?,
    })
}

/// Appends entries inside the caller's transaction, after locking the
/// chain's head. The lock is an UPDATE: on PostgreSQL it holds the head row
/// until commit, so a second server appending at the same time waits and
/// then sees the new head; on SQLite it takes the database's write lock.
pub(crate) async fn append_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    now: DateTime<Utc>,
    entries: &[NewAuditEntry],
) -> Result<(), StoreError> {
    if entries.is_empty() {
        return Ok(());
    }
    let at = to_millis(now);
    sqlx::query("update audit_head set updated_at = $1 where id = 1")
        .bind(at)
        .execute(&mut **tx)
        .await
        .map_err(StoreError::from_sqlx)?;
    let (mut seq, mut hash): (i64, String) =
        sqlx::query_as("select seq, hash from audit_head where id = 1")
            .fetch_one(&mut **tx)
            .await
            .map_err(StoreError::from_sqlx)?;
    for entry in entries {
        seq += 1;
        let case_id = entry.case_id.map(|c| c.to_string());
        let document_id = entry.document_id.map(|d| d.to_string());
        let detail = entry.detail.to_string();
        let next = entry_hash(
            &hash,
            seq,
            at,
            &entry.actor,
            entry.action,
            case_id.as_deref(),
            document_id.as_deref(),
            &detail,
        );
        sqlx::query(
            "insert into audit_log (seq, at, actor, action, case_id, document_id, detail, \
             prev_hash, hash) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(seq)
        .bind(at)
        .bind(entry.actor.clone())
        .bind(entry.action)
        .bind(case_id)
        .bind(document_id)
        .bind(detail)
        .bind(hash.clone())
        .bind(next.clone())
        .execute(&mut **tx)
        .await
        .map_err(StoreError::from_sqlx)?;
        hash = next;
    }
    sqlx::query("update audit_head set seq = $1, hash = $2 where id = 1")
        .bind(seq)
        .bind(hash)
        .execute(&mut **tx)
        .await
        .map_err(StoreError::from_sqlx)?;
    Ok(())
}

impl Database {
    /// Appends entries in their own transaction.
    pub async fn append_audit(
        &self,
        now: DateTime<Utc>,
        entries: &[NewAuditEntry],
    ) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await.map_err(StoreError::from_sqlx)?;
        append_in(&mut tx, now, entries).await?;
        tx.commit().await.map_err(StoreError::from_sqlx)
    }

    /// A case's entries, in chain order.
    pub async fn audit_of_case(&self, case_id: CaseId) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(&format!(
            "select {ENTRY_COLUMNS} from audit_log where case_id = $1 order by seq"
        ))
        .bind(case_id.to_string())
        .fetch_all(self.pool())
        .await
        .map_err(StoreError::from_sqlx)?;
        rows.iter().map(entry_from_row).collect()
    }

    /// Walks the whole chain and reports every edited, reordered or deleted
    /// entry: a position out of sequence (deleted or moved), a link that
    /// does not name its predecessor's hash (reordered), a hash that does
    /// not match the entry's fields (edited), or a head that does not match
    /// the last entry (deleted from the end).
    pub async fn verify_audit_chain(&self) -> Result<ChainReport, StoreError> {
        const PAGE: i64 = 1000;
        let mut problems = Vec::new();
        let mut expected_seq = 1i64;
        let mut prev_hash = GENESIS_HASH.to_owned();
        let mut last_seq = 0i64;
        let mut entries = 0u64;
        loop {
            let rows = sqlx::query(&format!(
                "select {ENTRY_COLUMNS} from audit_log where seq > $1 order by seq limit {PAGE}"
            ))
            .bind(last_seq)
            .fetch_all(self.pool())
            .await
            .map_err(StoreError::from_sqlx)?;
            if rows.is_empty() {
                break;
            }
            for row in &rows {
                let entry = entry_from_row(row)?;
                entries += 1;
                if entry.seq != expected_seq {
                    problems.push(format!(
                        "entry {} follows entry {}: entries are missing",
                        entry.seq,
                        expected_seq - 1
                    ));
                }
                if entry.prev_hash != prev_hash {
                    problems.push(format!(
                        "entry {} does not link to the entry before it (reordered or deleted)",
                        entry.seq
                    ));
                }
                if entry.computed_hash() != entry.hash {
                    problems.push(format!(
                        "entry {} ({}) was altered: its hash does not match its contents",
                        entry.seq, entry.action
                    ));
                }
                expected_seq = entry.seq + 1;
                prev_hash = entry.hash.clone();
                last_seq = entry.seq;
            }
        }
        let (head_seq, head_hash): (i64, String) =
            sqlx::query_as("select seq, hash from audit_head where id = 1")
                .fetch_one(self.pool())
                .await
                .map_err(StoreError::from_sqlx)?;
        if head_seq != last_seq || head_hash != prev_hash {
            problems.push(format!(
                "the chain ends at entry {last_seq} but its head records entry {head_seq}: \
                 entries were deleted or the head was altered"
            ));
        }
        Ok(ChainReport {
            entries,
            head_hash: prev_hash,
            problems,
        })
    }
}
