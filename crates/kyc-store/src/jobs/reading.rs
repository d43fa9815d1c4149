//! Applying a finished OCR reading: the merged report, the verdict, the
//! document's and the case's status, an optional crypto-shred and the job's
//! completion, all in one transaction fenced on the job's lease.

use chrono::{DateTime, Utc};
use kyc_core::lifecycle::case_status;
use kyc_core::{CaseStatus, DocumentId, DocumentStatus, Verdict};
use uuid::Uuid;

use super::complete_job_in;
use crate::cases::{get_case_in, update_case_state, CaseRecord};
use crate::documents::{current_documents_in, get_document_in};
use crate::time::to_millis;
use crate::{Database, DocumentRecord, StoreError};

/// What a reading found, to be written over the upload-time check.
#[derive(Debug, Clone)]
pub struct ReadingUpdate {
    pub document_id: DocumentId,
    /// The merged report as JSON.
    pub check_report: String,
    pub verdict: Verdict,
    /// The status the verdict implies. Applied only while the document is
    /// still `pending_review`: a reviewer's decision, a retake already
    /// asked for, or a newer upload always wins over a late reading.
    pub status: DocumentStatus,
    /// Destroy the data key (the image showed a full card number): the row
    /// keeps its hash and reasons, the object becomes unreadable for good.
    pub shred: bool,
}

#[derive(Debug, Clone)]
pub enum ReadingOutcome {
    Applied {
        document: Box<DocumentRecord>,
        case: Box<CaseRecord>,
    },
    /// The job's lease was lost to another worker: nothing was written.
    LeaseLost,
}

impl Database {
    /// Writes `update` and completes job `job_id` of `owner`, or nothing at
    /// all when `owner` no longer holds the job.
    pub async fn apply_reading(
        &self,
        job_id: Uuid,
        owner: &str,
        update: &ReadingUpdate,
        now: DateTime<Utc>,
    ) -> Result<ReadingOutcome, StoreError> {
        let mut tx = self.pool().begin().await.map_err(StoreError::from_sqlx)?;
        // The fence first: it is also the write that takes SQLite's lock.
        if !complete_job_in(&mut tx, job_id, owner, now).await? {
            return Ok(ReadingOutcome::LeaseLost);
        }
        let id = update.document_id.to_string();
        sqlx::query(
            "update documents set check_report = $1, verdict = $2, \
             status = case when status = $3 then $4 else status end, updated_at = $5 \
             where id = $6",
        )
        .bind(update.check_report.clone())
        .bind(update.verdict.as_str())
        .bind(DocumentStatus::PendingReview.as_str())
        .bind(update.status.as_str())
        .bind(to_millis(now))
        .bind(id.clone())
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from_sqlx)?;
        if update.shred {
            sqlx::query("update documents set wrapped_key = null where id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::from_sqlx)?;
        }

        let document = get_document_in(&mut tx, update.document_id).await?;
        let case = get_case_in(&mut tx, document.case_id).await?;
        let current = current_documents_in(&mut tx, document.case_id).await?;
        let status = case_status(case.status, &case.required, &current);
        if status != case.status {
            let mut sla = case.sla;
            match status {
                CaseStatus::InReview => {
                    sla.start(now);
                    sla.resume(now);
                }
                CaseStatus::ActionRequired => sla.pause(now),
                _ => {}
            }
            update_case_state(&mut tx, case.id, status, &sla, now).await?;
        }
        let case = get_case_in(&mut tx, document.case_id).await?;
        tx.commit().await.map_err(StoreError::from_sqlx)?;
        Ok(ReadingOutcome::Applied {
            document: Box::new(document),
            case: Box::new(case),
        })
    }
}
