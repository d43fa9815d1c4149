//! `POST /v1/review/documents/{id}/decision` (the claim holder decides) and
//! `.../decision/confirm` / `.../decision/decline` (a second supervisor
//! settles a rejection under the four-eyes rule).

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use kyc_core::{Decision, DecisionInput, ReasonCode, ReviewerRole};
use kyc_store::{DecideOutcome, DecisionRecord, NewDecision};
use serde::Deserialize;
use serde_json::{json, Value};

use super::document_id;
use crate::auth::Reviewer;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    decision: String,
    #[serde(default)]
    reason: Option<String>,
    /// Shown to the player.
    #[serde(default)]
    message: Option<String>,
    /// Internal only.
    #[serde(default)]
    note: Option<String>,
}

fn decision_json(d: &DecisionRecord) -> Value {
    json!({
        "decision": d.decision.as_str(),
        "reason": d.reason.map(|r| r.as_str()),
        "state": d.state,
        "by": d.reviewer_name,
        "confirmed_by": d.confirmed_by,
        "created_at": d.created_at,
    })
}

fn outcome_response(outcome: DecideOutcome) -> (StatusCode, Json<Value>) {
    match outcome {
        DecideOutcome::Applied {
            decision,
            document_status,
            case_before,
            case,
        } => (
            StatusCode::OK,
            Json(json!({
                "decision": decision_json(&decision),
                "document_status": document_status.as_str(),
                "case_status": case.status.as_str(),
                "case_status_before": case_before.as_str(),
            })),
        ),
        DecideOutcome::Pending(decision) => (
            StatusCode::ACCEPTED,
            Json(json!({
                "decision": decision_json(&decision),
                "awaiting_confirmation": true,
            })),
        ),
        DecideOutcome::Declined => (StatusCode::OK, Json(json!({"declined": true}))),
    }
}

pub async fn decide(
    reviewer: Reviewer,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<DecisionRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let document_id = document_id(&id)?;
    let Json(request) = body?;
    let decision: Decision = request
        .decision
        .parse()
        .map_err(|_| ApiError::Validation("decision must be approve, retake or reject".into()))?;
    let reason: Option<ReasonCode> = request
        .reason
        .as_deref()
        .map(|r| {
            r.parse()
                .map_err(|_| ApiError::Validation(format!("unknown reason code `{r}`")))
        })
        .transpose()?;
    let input = DecisionInput {
        decision,
        reason,
        message: request.message,
        note: request.note,
    }
    .validate()
    .map_err(|e| ApiError::Validation(e.to_string()))?;
    let outcome = state
        .db
        .decide(NewDecision {
            document_id,
            reviewer: &reviewer.0,
            input,
            four_eyes: state.review.four_eyes_rejection,
            lease: state.review.claim_lease,
            now: state.clock.now(),
        })
        .await??;
    Ok(outcome_response(outcome))
}

pub async fn confirm(
    reviewer: Reviewer,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    settle(reviewer, state, &id, true).await
}

pub async fn decline(
    reviewer: Reviewer,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    settle(reviewer, state, &id, false).await
}

async fn settle(
    reviewer: Reviewer,
    state: AppState,
    id: &str,
    confirm: bool,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    reviewer.require(ReviewerRole::Supervisor)?;
    let document_id = document_id(id)?;
    let outcome = state
        .db
        .settle_rejection(document_id, &reviewer.0, confirm, state.clock.now())
        .await??;
    Ok(outcome_response(outcome))
}
