//! The HTTP surface, one module per area.

mod cases;
mod documents;
mod health;
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
        .fallback(|| async { crate::ApiError::NotFound("route") })
        .with_state(state)
}
