//! The reviewer API under `/v1/review`: the queue, claims, viewing
//! documents, decisions and the audit trail. Every handler takes a
//! `Reviewer`, so none runs without an active reviewer's token; views,
//! claims and decisions are audited.

pub mod audit;
pub mod claims;
pub mod decisions;
pub mod documents;
pub mod queue;

use kyc_core::{CaseId, DocumentId};
use kyc_store::{NewAuditEntry, Refusal};

use crate::error::ApiError;
use crate::state::AppState;

pub(crate) fn case_id(text: &str) -> Result<CaseId, ApiError> {
    text.parse().map_err(|_| ApiError::NotFound("case"))
}

pub(crate) fn document_id(text: &str) -> Result<DocumentId, ApiError> {
    text.parse().map_err(|_| ApiError::NotFound("document"))
}

pub(crate) fn conflict(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::Conflict {
        code,
        message: message.into(),
    }
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::NotFound => ApiError::NotFound("document"),
            Refusal::NotClaimHolder => conflict(
                "claim_required",
                "claim the case before deciding its documents (or your claim has lapsed)",
            ),
            Refusal::CaseClosed(status) => ApiError::CaseClosed(status),
            Refusal::NotDecidable(status) => conflict(
                "not_decidable",
                format!("the document is {status} and cannot be decided"),
            ),
            Refusal::AwaitingConfirmation => conflict(
                "awaiting_confirmation",
                "a rejection of this document awaits a supervisor's confirmation",
            ),
            Refusal::NoPendingRejection => conflict(
                "no_pending_rejection",
                "no rejection of this document awaits confirmation",
            ),
            Refusal::SameReviewer => conflict(
                "four_eyes_required",
                "a rejection must be confirmed by a supervisor other than its decider",
            ),
        }
    }
}

/// Appends to the audit trail in its own transaction. A read is audited
/// before its data is returned: no entry, no data.
pub(crate) async fn audit(state: &AppState, entry: NewAuditEntry) -> Result<(), ApiError> {
    state
        .db
        .append_audit(state.clock.now(), &[entry])
        .await
        .map_err(ApiError::from)
}
