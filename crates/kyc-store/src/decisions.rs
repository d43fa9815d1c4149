//! Reviewer decisions on documents, and the case moves they cause.
//!
//! Every decision runs in one transaction whose first statement renews the
//! decider's lease on the case: it proves the claim, takes the case row's
//! lock (PostgreSQL) or the write lock (SQLite) before anything is read, and
//! so serialises decisions on one case. The document, the case, its SLA
//! clock and the audit entries then change together or not at all.

use chrono::{DateTime, Duration, Utc};
use kyc_core::lifecycle::{advance_sla, case_status, is_legal_transition};
use kyc_core::review::is_decidable;
use kyc_core::{
    CaseId, CaseStatus, Decision, DecisionInput, DocumentId, DocumentStatus, ReasonCode,
};
use serde_json::json;
use sqlx::Row;

use crate::audit::{append_in, NewAuditEntry};
use crate::cases::{get_case_in, update_case_state, CaseRecord};
use crate::documents::{current_documents_in, get_document_in, DocumentRecord};
use crate::reviewers::ReviewerRecord;
use crate::time::{from_millis, opt_from_millis, to_millis};
use crate::{Database, StoreError};

/// A decision as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionRecord {
    pub id: String,
    pub document_id: DocumentId,
    pub case_id: CaseId,
    pub reviewer_name: String,
    pub decision: Decision,
    pub reason: Option<ReasonCode>,
    pub message: Option<String>,
    pub note: Option<String>,
    /// `final`, `pending` (awaiting a supervisor) or `declined`.
    pub state: String,
    pub confirmed_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub settled_at: Option<DateTime<Utc>>,
}

/// Why a decision or confirmation was refused; nothing was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    NotFound,
    /// The reviewer does not hold a live claim on the case.
    NotClaimHolder,
    CaseClosed(CaseStatus),
    NotDecidable(DocumentStatus),
    /// A rejection of this document awaits a supervisor.
    AwaitingConfirmation,
    NoPendingRejection,
    /// Four eyes: the decider cannot confirm their own rejection.
    SameReviewer,
}

#[derive(Debug, Clone)]
pub enum DecideOutcome {
    /// The document changed, and the case with it.
    Applied {
        decision: DecisionRecord,
        document_status: DocumentStatus,
        case_before: CaseStatus,
        case: CaseRecord,
    },
    /// A rejection recorded under the four-eyes rule: nothing moves until a
    /// supervisor confirms it.
    Pending(DecisionRecord),
    /// A supervisor declined a pending rejection; the document is
    /// decidable again.
    Declined,
}

pub struct NewDecision<'a> {
    pub document_id: DocumentId,
    pub reviewer: &'a ReviewerRecord,
    pub input: DecisionInput,
    pub four_eyes: bool,
    pub lease: Duration,
    pub now: DateTime<Utc>,
}

const DECISION_COLUMNS: &str = "d.id, d.document_id, d.case_id, r.name as reviewer_name, \
     d.decision, d.reason, d.message, d.note, d.state, \
     (select name from reviewers x where x.id = d.confirmed_by) as confirmed_by_name, \
     d.created_at, d.settled_at";

fn decision_from_row(row: &sqlx::any::AnyRow) -> Result<DecisionRecord, StoreError> {
    let text = |c: &str| {
        row.try_get::<String, _>(c)
            .map_err(|_| StoreError::corrupt(format!("decisions.{c}")))
    };
    let opt = |c: &str| {
        row.try_get::<Option<String>, _>(c)
            .map_err(|_| StoreError::corrupt(format!("decisions.{c}")))
    };
    fn parse<T: std::str::FromStr>(c: &str, v: String) -> Result<T, StoreError> {
        v.parse()
            .map_err(|_| StoreError::corrupt(format!("decisions.{c}")))
    }
    Ok(DecisionRecord {
        id: text("id")?,
        document_id: parse("document_id", text("document_id")?)?,
        case_id: parse("case_id", text("case_id")?)?,
        reviewer_name: text("reviewer_name")?,
        decision: text("decision")?
            .parse()
            .map_err(|_| StoreError::corrupt("decisions.decision"))?,
        reason: opt("reason")?
            .map(|r| r.parse())
            .transpose()
            .map_err(|_| StoreError::corrupt("decisions.reason"))?,
        message: opt("message")?,
        note: opt("note")?,
        state: text("state")?,
        confirmed_by: opt("confirmed_by_name")?,
        created_at: from_millis(
            row.try_get::<i64, _>("created_at")
                .map_err(|_| StoreError::corrupt("decisions.created_at"))?,
        )?,
        settled_at: opt_from_millis(
            row.try_get::<Option<i64>, _>("settled_at")
                .map_err(|_| StoreError::corrupt("decisions.settled_at"))?,
        )?,
    })
}

impl Database {
    /// Records a reviewer's decision on a document of a case they hold.
    pub async fn decide(
        &self,
        new: NewDecision<'_>,
    ) -> Result<Result<DecideOutcome, Refusal>, StoreError> {
        let now = new.now;
        let Some(doc) = self.get_document(new.document_id).await? else {
            return Ok(Err(Refusal::NotFound));
        };
        let mut tx = self.pool().begin().await.map_err(StoreError::from_sqlx)?;
        let held = sqlx::query(
            "update cases set claim_expires_at = $1 \
             where id = $2 and claimed_by = $3 and claim_expires_at > $4",
        )
        .bind(to_millis(now + new.lease))
        .bind(doc.case_id.to_string())
        .bind(new.reviewer.id.clone())
        .bind(to_millis(now))
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from_sqlx)?;
        let case = get_case_in(&mut tx, doc.case_id).await?;
        if case.status.is_final() {
            return Ok(Err(Refusal::CaseClosed(case.status)));
        }
        if held.rows_affected() == 0 {
            return Ok(Err(Refusal::NotClaimHolder));
        }
        let doc = get_document_in(&mut tx, doc.id).await?;
        if !is_decidable(doc.status) {
            return Ok(Err(Refusal::NotDecidable(doc.status)));
        }
        if pending_in(&mut tx, doc.id).await? {
            return Ok(Err(Refusal::AwaitingConfirmation));
        }
        let input = new.input;
        let pending = input.decision == Decision::Reject && new.four_eyes;
        let id = uuid::Uuid::now_v7().to_string();
        sqlx::query(
            "insert into decisions (id, document_id, case_id, reviewer_id, decision, reason, \
             message, note, state, created_at, settled_at) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(id.clone())
        .bind(doc.id.to_string())
        .bind(doc.case_id.to_string())
        .bind(new.reviewer.id.clone())
        .bind(input.decision.as_str())
        .bind(input.reason.map(|r| r.as_str()))
        .bind(input.message.clone())
        .bind(input.note.clone())
        .bind(if pending { "pending" } else { "final" })
        .bind(to_millis(now))
        .bind(if pending { None } else { Some(to_millis(now)) })
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from_sqlx)?;
        let detail = json!({
            "decision": input.decision.as_str(),
            "reason": input.reason.map(|r| r.as_str()),
            "kind": doc.kind.as_str(),
        });
        let outcome = if pending {
            let entry = NewAuditEntry::new(new.reviewer.actor(), "rejection_proposed")
                .case(doc.case_id)
                .document(doc.id)
                .detail(detail);
            append_in(&mut tx, now, &[entry]).await?;
            None
        } else {
            let entry = NewAuditEntry::new(new.reviewer.actor(), "document_decided")
                .case(doc.case_id)
                .document(doc.id)
                .detail(detail);
            let status = input.decision.document_status();
            Some(apply_in(&mut tx, &case, &doc, status, entry, now).await?)
        };
        tx.commit().await.map_err(StoreError::from_sqlx)?;
        let decision = self.decision_by_id(&id).await?;
        Ok(Ok(match outcome {
            None => DecideOutcome::Pending(decision),
            Some(case_after) => DecideOutcome::Applied {
                decision,
                document_status: input.decision.document_status(),
                case_before: case.status,
                case: case_after,
            },
        }))
    }

    /// A supervisor settles a pending rejection: `confirm` applies it (the
    /// case is rejected), otherwise it is declined and the document can be
    /// decided again. The decider cannot settle their own rejection.
    pub async fn settle_rejection(
        &self,
        document_id: DocumentId,
        supervisor: &ReviewerRecord,
        confirm: bool,
        now: DateTime<Utc>,
    ) -> Result<Result<DecideOutcome, Refusal>, StoreError> {
        let Some(doc) = self.get_document(document_id).await? else {
            return Ok(Err(Refusal::NotFound));
        };
        let mut tx = self.pool().begin().await.map_err(StoreError::from_sqlx)?;
        let settled = sqlx::query(
            "update decisions set state = $1, confirmed_by = $2, settled_at = $3 \
             where document_id = $4 and state = 'pending' and reviewer_id <> $2",
        )
        .bind(if confirm { "final" } else { "declined" })
        .bind(supervisor.id.clone())
        .bind(to_millis(now))
        .bind(doc.id.to_string())
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from_sqlx)?;
        if settled.rows_affected() == 0 {
            let own = pending_in(&mut tx, doc.id).await?;
            return Ok(Err(if own {
                Refusal::SameReviewer
            } else {
                Refusal::NoPendingRejection
            }));
        }
        let case = get_case_in(&mut tx, doc.case_id).await?;
        if case.status.is_final() {
            return Ok(Err(Refusal::CaseClosed(case.status)));
        }
        let doc = get_document_in(&mut tx, doc.id).await?;
        if !is_decidable(doc.status) {
            return Ok(Err(Refusal::NotDecidable(doc.status)));
        }
        let action = if confirm {
            "rejection_confirmed"
        } else {
            "rejection_declined"
        };
        let entry = NewAuditEntry::new(supervisor.actor(), action)
            .case(doc.case_id)
            .document(doc.id)
            .detail(json!({"kind": doc.kind.as_str()}));
        let outcome = if confirm {
            let after =
                apply_in(&mut tx, &case, &doc, DocumentStatus::Rejected, entry, now).await?;
            let decision = latest_decision_in(&mut tx, doc.id).await?;
            DecideOutcome::Applied {
                decision,
                document_status: DocumentStatus::Rejected,
                case_before: case.status,
                case: after,
            }
        } else {
            append_in(&mut tx, now, &[entry]).await?;
            DecideOutcome::Declined
        };
        tx.commit().await.map_err(StoreError::from_sqlx)?;
        Ok(Ok(outcome))
    }

    /// A document's decisions, oldest first.
    pub async fn decisions_of_document(
        &self,
        document_id: DocumentId,
    ) -> Result<Vec<DecisionRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "select {DECISION_COLUMNS} from decisions d join reviewers r on r.id = d.reviewer_id \
             where d.document_id = $1 order by d.created_at, d.id"
        ))
        .bind(document_id.to_string())
        .fetch_all(self.pool())
        .await
        .map_err(StoreError::from_sqlx)?;
        rows.iter().map(decision_from_row).collect()
    }

    async fn decision_by_id(&self, id: &str) -> Result<DecisionRecord, StoreError> {
        let row = sqlx::query(&format!(
            "select {DECISION_COLUMNS} from decisions d join reviewers r on r.id = d.reviewer_id \
             where d.id = $1"
        ))
        .bind(id.to_owned())
        .fetch_one(self.pool())
        .await
        .map_err(StoreError::from_sqlx)?;
        decision_from_row(&row)
    }
}

async fn pending_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    document_id: DocumentId,
) -> Result<bool, StoreError> {
    let row: Option<(String,)> =
        sqlx::query_as("select id from decisions where document_id = $1 and state = 'pending'")
            .bind(document_id.to_string())
            .fetch_optional(&mut **tx)
            .await
            .map_err(StoreError::from_sqlx)?;
    Ok(row.is_some())
}

async fn latest_decision_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    document_id: DocumentId,
) -> Result<DecisionRecord, StoreError> {
    let row = sqlx::query(&format!(
        "select {DECISION_COLUMNS} from decisions d join reviewers r on r.id = d.reviewer_id \
         where d.document_id = $1 order by d.created_at desc, d.id desc limit 1"
    ))
    .bind(document_id.to_string())
    .fetch_one(&mut **tx)
    .await
    .map_err(StoreError::from_sqlx)?;
    decision_from_row(&row)
}

/// Sets the document's status and moves the case (status, SLA clock,
/// decision time, claim) accordingly, with the audit entries; refuses to
/// write a move outside the table of docs/CASE_STATES.md.
async fn apply_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    case: &CaseRecord,
    doc: &DocumentRecord,
    status: DocumentStatus,
    decided: NewAuditEntry,
    now: DateTime<Utc>,
) -> Result<CaseRecord, StoreError> {
    sqlx::query("update documents set status = $1, updated_at = $2 where id = $3")
        .bind(status.as_str())
        .bind(to_millis(now))
        .bind(doc.id.to_string())
        .execute(&mut **tx)
        .await
        .map_err(StoreError::from_sqlx)?;
    let current = current_documents_in(tx, case.id).await?;
    let next = case_status(case.status, &case.required, &current);
    if !is_legal_transition(case.status, next) {
        return Err(StoreError::Other(format!(
            "refused an illegal case move {} -> {next}",
            case.status
        )));
    }
    let sla = advance_sla(next, case.sla, now);
    update_case_state(tx, case.id, next, &sla, now).await?;
    if next.is_final() {
        sqlx::query(
            "update cases set decided_at = $1, claimed_by = null, claim_expires_at = null \
             where id = $2",
        )
        .bind(to_millis(now))
        .bind(case.id.to_string())
        .execute(&mut **tx)
        .await
        .map_err(StoreError::from_sqlx)?;
    }
    let actor = decided.actor.clone();
    let mut entries = vec![decided];
    if next != case.status {
        entries.push(
            NewAuditEntry::new(actor, "case_status_changed")
                .case(case.id)
                .detail(json!({"from": case.status.as_str(), "to": next.as_str()})),
        );
    }
    append_in(tx, now, &entries).await?;
    get_case_in(tx, case.id).await
}
