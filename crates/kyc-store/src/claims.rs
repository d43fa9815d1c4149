//! Claims: a reviewer takes a case for a lease that renews on activity and
//! lapses by itself, so a reviewer who walks away does not block a case.

use chrono::{DateTime, Duration, Utc};
use kyc_core::{CaseId, CaseStatus};
use serde_json::json;

use crate::audit::{append_in, NewAuditEntry};
use crate::reviewers::ReviewerRecord;
use crate::time::{from_millis, to_millis};
use crate::{Database, StoreError};

/// Who holds a case, until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub reviewer_id: String,
    pub reviewer_name: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimOutcome {
    /// Claimed now, or renewed by its holder.
    Claimed(Claim),
    HeldByOther(Claim),
    CaseClosed(CaseStatus),
    NotFound,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReleaseOutcome {
    Released,
    /// Nobody held the case (or the lease had lapsed).
    NotHeld,
    HeldByOther(Claim),
    NotFound,
}

const FINAL: [CaseStatus; 3] = [
    CaseStatus::Approved,
    CaseStatus::Rejected,
    CaseStatus::Expired,
];

impl Database {
    /// Claims a case for `lease`: free, lapsed and own claims are taken in
    /// one conditional UPDATE, so two reviewers racing get one winner.
    pub async fn claim_case(
        &self,
        case_id: CaseId,
        reviewer: &ReviewerRecord,
        lease: Duration,
        now: DateTime<Utc>,
    ) -> Result<ClaimOutcome, StoreError> {
        let expires_at = now + lease;
        let mut tx = self.pool().begin().await.map_err(StoreError::from_sqlx)?;
        let updated = sqlx::query(
            "update cases set claimed_by = $1, claim_expires_at = $2 \
             where id = $3 and status not in ($4, $5, $6) \
             and (claimed_by is null or claimed_by = $1 or claim_expires_at <= $7)",
        )
        .bind(reviewer.id.clone())
        .bind(to_millis(expires_at))
        .bind(case_id.to_string())
        .bind(FINAL[0].as_str())
        .bind(FINAL[1].as_str())
        .bind(FINAL[2].as_str())
        .bind(to_millis(now))
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from_sqlx)?;
        if updated.rows_affected() == 1 {
            let entry = NewAuditEntry::new(reviewer.actor(), "case_claimed")
                .case(case_id)
                .detail(json!({"until": expires_at.to_rfc3339()}));
            append_in(&mut tx, now, &[entry]).await?;
            tx.commit().await.map_err(StoreError::from_sqlx)?;
            return Ok(ClaimOutcome::Claimed(Claim {
                reviewer_id: reviewer.id.clone(),
                reviewer_name: reviewer.name.clone(),
                expires_at,
            }));
        }
        drop(tx);
        let Some(case) = self.get_case(case_id).await? else {
            return Ok(ClaimOutcome::NotFound);
        };
        if case.status.is_final() {
            return Ok(ClaimOutcome::CaseClosed(case.status));
        }
        match self.current_claim(case_id, now).await? {
            Some(claim) => Ok(ClaimOutcome::HeldByOther(claim)),
            // The holder released it between the two queries: try once more.
            None => Box::pin(self.claim_case(case_id, reviewer, lease, now)).await,
        }
    }

    /// Releases a claim held by `reviewer` (or by anyone, with `force`).
    pub async fn release_case(
        &self,
        case_id: CaseId,
        reviewer: &ReviewerRecord,
        force: bool,
        now: DateTime<Utc>,
    ) -> Result<ReleaseOutcome, StoreError> {
        let Some(claim) = self.current_claim(case_id, now).await? else {
            return Ok(if self.get_case(case_id).await?.is_some() {
                ReleaseOutcome::NotHeld
            } else {
                ReleaseOutcome::NotFound
            });
        };
        if claim.reviewer_id != reviewer.id && !force {
            return Ok(ReleaseOutcome::HeldByOther(claim));
        }
        let mut tx = self.pool().begin().await.map_err(StoreError::from_sqlx)?;
        let updated = sqlx::query(
            "update cases set claimed_by = null, claim_expires_at = null \
             where id = $1 and claimed_by = $2",
        )
        .bind(case_id.to_string())
        .bind(claim.reviewer_id.clone())
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from_sqlx)?;
        if updated.rows_affected() == 0 {
            return Ok(ReleaseOutcome::NotHeld);
        }
        let entry = NewAuditEntry::new(reviewer.actor(), "case_released")
            .case(case_id)
            .detail(json!({"holder": claim.reviewer_name}));
        append_in(&mut tx, now, &[entry]).await?;
        tx.commit().await.map_err(StoreError::from_sqlx)?;
        Ok(ReleaseOutcome::Released)
    }

    /// The live claim on a case, if any.
    pub async fn current_claim(
        &self,
        case_id: CaseId,
        now: DateTime<Utc>,
    ) -> Result<Option<Claim>, StoreError> {
        let row: Option<(String, String, i64)> = sqlx::query_as(
            "select r.id, r.name, c.claim_expires_at from cases c \
             join reviewers r on r.id = c.claimed_by \
             where c.id = $1 and c.claim_expires_at > $2",
        )
        .bind(case_id.to_string())
        .bind(to_millis(now))
        .fetch_optional(self.pool())
        .await
        .map_err(StoreError::from_sqlx)?;
        row.map(|(reviewer_id, reviewer_name, expires)| {
            Ok(Claim {
                reviewer_id,
                reviewer_name,
                expires_at: from_millis(expires)?,
            })
        })
        .transpose()
    }

    /// Extends the holder's lease on activity; false if they do not hold it.
    pub async fn renew_claim(
        &self,
        case_id: CaseId,
        reviewer_id: &str,
        lease: Duration,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let updated = sqlx::query(
            "update cases set claim_expires_at = $1 \
             where id = $2 and claimed_by = $3 and claim_expires_at > $4",
        )
        .bind(to_millis(now + lease))
        .bind(case_id.to_string())
        .bind(reviewer_id.to_owned())
        .bind(to_millis(now))
        .execute(self.pool())
        .await
        .map_err(StoreError::from_sqlx)?;
        Ok(updated.rows_affected() == 1)
    }
}
