//! The HTTP surface, one module per area.

mod cases;
mod documents;
mod health;
mod metrics;
mod review;
mod views;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;

use crate::state::AppState;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/v1/cases", post(cases::open_case))
        .route("/v1/cases/{id}", get(cases::get_case))
        .route(
            "/v1/cases/{id}/documents/{kind}",
            // The upload path enforces its own limit while streaming.
            post(documents::upload).layer(DefaultBodyLimit::disable()),
        )
        .route("/metrics", get(metrics::metrics))
        .route("/v1/review/queue", get(review::queue::queue))
        .route("/v1/review/cases/{id}", get(review::queue::case))
        .route("/v1/review/cases/{id}/claim", post(review::claims::claim))
        .route(
            "/v1/review/cases/{id}/release",
            post(review::claims::release),
        )
        .route(
            "/v1/review/cases/{id}/audit",
            get(review::audit::case_audit),
        )
        .route("/v1/review/documents/{id}", get(review::documents::view))
        .route(
            "/v1/review/documents/{id}/image",
            get(review::documents::image),
        )
        .route(
            "/v1/review/documents/{id}/decision",
            post(review::decisions::decide),
        )
        .route(
            "/v1/review/documents/{id}/decision/confirm",
            post(review::decisions::confirm),
        )
        .route(
            "/v1/review/documents/{id}/decision/decline",
            post(review::decisions::decline),
        )
        .fallback(|| async { crate::ApiError::NotFound("route") })
        .with_state(state)
}

/// Appends an audit entry after a change that is already committed (case
/// opening, uploads). Failing the request then would only invite a retry
/// that duplicates the case, so a failed append is logged as an error
/// instead; see docs/REVIEW.md.
pub(crate) async fn audit_best_effort(state: &AppState, entry: kyc_store::NewAuditEntry) {
    let action = entry.action;
    if let Err(err) = state.db.append_audit(state.clock.now(), &[entry]).await {
        tracing::error!(action, error = %err, "could not append to the audit trail");
    }
}
