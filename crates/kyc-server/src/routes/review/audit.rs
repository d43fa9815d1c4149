//! `GET /v1/review/cases/{id}/audit`: a case's entries in chain order, each
//! with whether its hash still matches its contents. Supervisors and admins
//! only; `kyc audit verify` checks the links of the whole chain.

use axum::extract::{Path, State};
use axum::Json;
use kyc_core::ReviewerRole;
use serde_json::{json, Value};

use super::case_id;
use crate::auth::Reviewer;
use crate::error::ApiError;
use crate::state::AppState;

pub async fn case_audit(
    reviewer: Reviewer,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    reviewer.require(ReviewerRole::Supervisor)?;
    let id = case_id(&id)?;
    if state.db.get_case(id).await?.is_none() {
        return Err(ApiError::NotFound("case"));
    }
    let entries: Vec<Value> = state
        .db
        .audit_of_case(id)
        .await?
        .into_iter()
        .map(|e| {
            let intact = e.computed_hash() == e.hash;
            json!({
                "seq": e.seq,
                "at": e.at,
                "actor": e.actor,
                "action": e.action,
                "document_id": e.document_id,
                "detail": serde_json::from_str::<Value>(&e.detail).unwrap_or(Value::Null),
                "prev_hash": e.prev_hash,
                "hash": e.hash,
                "intact": intact,
            })
        })
        .collect();
    Ok(Json(json!({"case_id": id.to_string(), "entries": entries})))
}
