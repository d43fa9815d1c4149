//! `GET /v1/review/queue` and `GET /v1/review/cases/{id}`.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::Json;
use chrono::{DateTime, Utc};
use kyc_core::{CaseStatus, DocumentKind, Priority, SlaStanding};
use kyc_store::{parse_standing, Assignee, NewAuditEntry, QueueFilter};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{audit, case_id};
use crate::auth::Reviewer;
use crate::error::ApiError;
use crate::routes::views::CaseView;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueQuery {
    /// Comma-separated case statuses (default `in_review`).
    status: Option<String>,
    /// Only cases with a current document of this kind.
    kind: Option<String>,
    /// `me`, `none` or a reviewer's name.
    assignee: Option<String>,
    /// Comma-separated stored standings, e.g. `at_risk,breached`.
    standing: Option<String>,
    at_risk: Option<bool>,
    breached: Option<bool>,
    awaiting_confirmation: Option<bool>,
    limit: Option<usize>,
}

#[derive(Debug, Serialize)]
pub struct QueueEntry {
    case_id: String,
    reference: String,
    status: &'static str,
    priority: &'static str,
    /// The standing the SLA sweeper last stored.
    standing: SlaStanding,
    /// Seconds left before the deadline now; negative once breached, null
    /// until every document is in.
    seconds_left: Option<i64>,
    due_at: Option<DateTime<Utc>>,
    paused: bool,
    claimed_by: Option<String>,
    claim_expires_at: Option<DateTime<Utc>>,
    awaiting_confirmation: i64,
    documents: Vec<serde_json::Value>,
    created_at: DateTime<Utc>,
}

fn list<T: std::str::FromStr>(text: &str, what: &str) -> Result<Vec<T>, ApiError> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse()
                .map_err(|_| ApiError::Validation(format!("unknown {what} `{s}`")))
        })
        .collect()
}

pub async fn queue(
    reviewer: Reviewer,
    State(state): State<AppState>,
    query: Result<Query<QueueQuery>, QueryRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::Validation(e.body_text()))?;
    let now = state.clock.now();
    let statuses: Vec<CaseStatus> = match &q.status {
        Some(text) => list(text, "case status")?,
        None => Vec::new(),
    };
    let kind: Option<DocumentKind> = q
        .kind
        .as_deref()
        .map(|k| {
            k.parse()
                .map_err(|_| ApiError::Validation(format!("unknown document kind `{k}`")))
        })
        .transpose()?;
    let assignee = match q.assignee.as_deref() {
        None | Some("") | Some("any") => Assignee::Anyone,
        Some("none") => Assignee::Nobody,
        Some("me") => Assignee::Reviewer(reviewer.0.id.clone()),
        Some(name) => match state.db.reviewer_by_name(name).await? {
            Some(r) => Assignee::Reviewer(r.id),
            None => return Err(ApiError::Validation(format!("no reviewer named `{name}`"))),
        },
    };
    let mut standings = Vec::new();
    if let Some(text) = &q.standing {
        for s in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            standings.push(
                parse_standing(s)
                    .ok_or_else(|| ApiError::Validation(format!("unknown standing `{s}`")))?,
            );
        }
    }
    if q.at_risk == Some(true) {
        standings.push(SlaStanding::AtRisk);
    }
    if q.breached == Some(true) {
        standings.push(SlaStanding::Breached);
    }
    let filter = QueueFilter {
        statuses,
        kind,
        assignee,
        standings,
        awaiting_confirmation: q.awaiting_confirmation == Some(true),
    };
    let mut rows = state.db.review_queue(&filter, now).await?;
    // Least time left first; blocked accounts first among equals; then the
    // oldest. Cases whose clock has not started go last.
    rows.sort_by_key(|row| {
        (
            state
                .sla
                .time_left(&row.case.sla, now)
                .map(|d| d.num_seconds())
                .unwrap_or(i64::MAX),
            row.case.priority != Priority::BlockedAccount,
            row.case.created_at,
        )
    });
    let total = rows.len();
    rows.truncate(q.limit.unwrap_or(50).clamp(1, 500));
    let mut entries = Vec::with_capacity(rows.len());
    for row in rows {
        let documents = state
            .db
            .documents_of_case(row.case.id)
            .await?
            .into_iter()
            .filter(|d| d.status != kyc_core::DocumentStatus::Superseded)
            .map(|d| {
                json!({"id": d.id.to_string(), "kind": d.kind.as_str(),
                       "status": d.status.as_str(), "verdict": d.verdict.as_str()})
            })
            .collect();
        entries.push(QueueEntry {
            case_id: row.case.id.to_string(),
            reference: row.case.reference.to_string(),
            status: row.case.status.as_str(),
            priority: row.case.priority.as_str(),
            standing: row.standing,
            seconds_left: state
                .sla
                .time_left(&row.case.sla, now)
                .map(|d| d.num_seconds()),
            due_at: state.sla.due_at(&row.case.sla, now),
            paused: row.case.sla.paused_since.is_some(),
            claimed_by: row.claimed_by,
            claim_expires_at: row.claim_expires_at,
            awaiting_confirmation: row.awaiting_confirmation,
            documents,
            created_at: row.case.created_at,
        });
    }
    Ok(Json(json!({"total": total, "cases": entries})))
}

/// A case as a reviewer sees it, with its claim; audited as a view.
pub async fn case(
    reviewer: Reviewer,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = case_id(&id)?;
    let now = state.clock.now();
    let case = state
        .db
        .get_case(id)
        .await?
        .ok_or(ApiError::NotFound("case"))?;
    let documents = state.db.documents_of_case(id).await?;
    let claim = state.db.current_claim(id, now).await?;
    if claim
        .as_ref()
        .is_some_and(|c| c.reviewer_id == reviewer.0.id)
    {
        state
            .db
            .renew_claim(id, &reviewer.0.id, state.review.claim_lease, now)
            .await?;
    }
    audit(
        &state,
        NewAuditEntry::new(reviewer.0.actor(), "case_viewed").case(id),
    )
    .await?;
    let mut body = serde_json::to_value(CaseView::new(&case, &documents, &state.sla, now))
        .map_err(|e| ApiError::Internal(e.into()))?;
    body["claim"] = match claim {
        Some(c) => json!({"reviewer": c.reviewer_name, "expires_at": c.expires_at}),
        None => serde_json::Value::Null,
    };
    Ok(Json(body))
}
