//! The SLA sweeper: a background task that stores each open case's standing
//! (on track, at risk, breached) so the queue can filter on it and metrics
//! can count it, and records every change in the audit trail.
//!
//! Time comes from the injected clock; only the pace of the sweeps is wall
//! time. Changes are conditional on the standing read, so two servers
//! sweeping the same database record each transition once.

use kyc_store::StoreError;

use crate::state::AppState;

pub async fn run(state: AppState) {
    let mut interval = tokio::time::interval(state.review.sweep_interval);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        match sweep_once(&state).await {
            Ok(0) => {}
            Ok(changed) => tracing::info!(changed, "SLA standings updated"),
            Err(err) => tracing::warn!(error = %err, "SLA sweep failed; retrying next tick"),
        }
    }
}

/// One pass over the open cases; returns how many standings changed.
pub async fn sweep_once(state: &AppState) -> Result<usize, StoreError> {
    let now = state.clock.now();
    let mut changed = 0;
    for case in state.db.open_case_clocks().await? {
        let standing = state.sla.standing(&case.sla, now);
        if standing != case.standing
            && state
                .db
                .set_sla_standing(case.id, case.standing, standing, now)
                .await?
        {
            changed += 1;
        }
    }
    Ok(changed)
}
