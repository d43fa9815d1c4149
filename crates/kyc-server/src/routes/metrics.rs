//! `GET /metrics`: Prometheus text format, written by hand. The figures come
//! from the database, so every server behind a load balancer reports the
//! same totals and they survive restarts. Counts only: no personal data.

use std::fmt::Write;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

use crate::error::ApiError;
use crate::state::AppState;

pub async fn metrics(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let uploads = state.db.count_documents().await?;
    let decisions = state.db.count_decisions().await?;
    let cases = state.db.count_cases().await?;
    let mut out = String::new();
    let _ = writeln!(out, "# HELP kyc_uploads_total Documents uploaded.");
    let _ = writeln!(out, "# TYPE kyc_uploads_total counter");
    let _ = writeln!(out, "kyc_uploads_total {uploads}");
    let _ = writeln!(
        out,
        "# HELP kyc_decisions_total Reviewer decisions by decision and state."
    );
    let _ = writeln!(out, "# TYPE kyc_decisions_total counter");
    for (decision, st, n) in &decisions {
        let _ = writeln!(
            out,
            "kyc_decisions_total{{decision=\"{decision}\",state=\"{st}\"}} {n}"
        );
    }
    let _ = writeln!(out, "# HELP kyc_cases Cases by status.");
    let _ = writeln!(out, "# TYPE kyc_cases gauge");
    let mut by_status = std::collections::BTreeMap::new();
    let mut backlog = std::collections::BTreeMap::new();
    for standing in ["not_started", "on_track", "at_risk", "breached"] {
        backlog.insert(standing.to_owned(), 0i64);
    }
    for (status, standing, n) in &cases {
        *by_status.entry(status.clone()).or_insert(0i64) += n;
        let open = status
            .parse::<kyc_core::CaseStatus>()
            .is_ok_and(|s| !s.is_final());
        if open {
            *backlog.entry(standing.clone()).or_insert(0) += n;
        }
    }
    for (status, n) in &by_status {
        let _ = writeln!(out, "kyc_cases{{status=\"{status}\"}} {n}");
    }
    let _ = writeln!(
        out,
        "# HELP kyc_review_backlog Open cases by SLA standing (as last swept)."
    );
    let _ = writeln!(out, "# TYPE kyc_review_backlog gauge");
    for (standing, n) in &backlog {
        let _ = writeln!(out, "kyc_review_backlog{{standing=\"{standing}\"}} {n}");
    }
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    ))
}
