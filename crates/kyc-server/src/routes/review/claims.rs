//! `POST /v1/review/cases/{id}/claim` and `.../release`.

use axum::extract::{Path, State};
use axum::Json;
use kyc_core::ReviewerRole;
use kyc_store::{ClaimOutcome, ReleaseOutcome};
use serde_json::{json, Value};

use super::{case_id, conflict};
use crate::auth::Reviewer;
use crate::error::ApiError;
use crate::state::AppState;

/// Claims the case for the configured lease, or renews the caller's claim.
pub async fn claim(
    reviewer: Reviewer,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = case_id(&id)?;
    let now = state.clock.now();
    match state
        .db
        .claim_case(id, &reviewer.0, state.review.claim_lease, now)
        .await?
    {
        ClaimOutcome::Claimed(claim) => Ok(Json(json!({
            "case_id": id.to_string(),
            "claimed_by": claim.reviewer_name,
            "expires_at": claim.expires_at,
        }))),
        ClaimOutcome::HeldByOther(claim) => Err(conflict(
            "claimed_by_other",
            format!(
                "the case is claimed by {} until {}",
                claim.reviewer_name,
                claim.expires_at.to_rfc3339()
            ),
        )),
        ClaimOutcome::CaseClosed(status) => Err(ApiError::CaseClosed(status)),
        ClaimOutcome::NotFound => Err(ApiError::NotFound("case")),
    }
}

/// Releases the caller's claim; a supervisor may release anyone's.
pub async fn release(
    reviewer: Reviewer,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = case_id(&id)?;
    let force = reviewer.0.role.includes(ReviewerRole::Supervisor);
    match state
        .db
        .release_case(id, &reviewer.0, force, state.clock.now())
        .await?
    {
        ReleaseOutcome::Released => Ok(Json(json!({"case_id": id.to_string(), "released": true}))),
        ReleaseOutcome::NotHeld => Err(conflict("not_claimed", "nobody holds this case")),
        ReleaseOutcome::HeldByOther(claim) => Err(conflict(
            "claimed_by_other",
            format!("the case is claimed by {}", claim.reviewer_name),
        )),
        ReleaseOutcome::NotFound => Err(ApiError::NotFound("case")),
    }
}
