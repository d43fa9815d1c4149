//! The SLA clock seen through the queue: the sweeper stores at-risk and
//! breached standings as the (manual) clock moves, and /metrics counts them.

use serde_json::json;

use crate::helpers::*;
use crate::review::{add_reviewer, get, ok_json, upload_all};

/// Polls the queue until `case_id` shows with `standing` (the sweeper runs
/// every 50 ms here).
async fn wait_for_standing(
    app: &TestApp,
    token: &str,
    query: &str,
    case_id: &str,
    standing: &str,
) -> serde_json::Value {
    for _ in 0..100 {
        let queue = ok_json(get(app, &format!("/v1/review/queue?{query}"), token).await).await;
        if let Some(entry) = queue["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["case_id"] == case_id)
        {
            if entry["standing"] == standing {
                return entry.clone();
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("case {case_id} never showed as {standing} for ?{query}");
}

on_both_engines!(
    a_case_moved_past_72_hours_shows_as_breached,
    |engine| async move {
        let app = spawn_app_with(engine, |s| s.sla_sweep_interval_ms = 50).await;
        let alice = add_reviewer(&app, "alice", "reviewer");
        let admin = add_reviewer(&app, "root", "admin");
        let opened = app
            .open_case(json!({"player_id": "p-1", "documents": ["identity"]}))
            .await;
        let case = OpenCase {
            id: opened["id"].as_str().unwrap().into(),
            upload_token: opened["upload_token"].as_str().unwrap().into(),
        };
        upload_all(&app, &case, &["identity"], 80).await;
        let statuses = "status=in_review,action_required";
        wait_for_standing(&app, &alice, statuses, &case.id, "on_track").await;

        app.clock.advance(chrono::Duration::hours(61));
        let entry = wait_for_standing(
            &app,
            &alice,
            &format!("{statuses}&at_risk=true"),
            &case.id,
            "at_risk",
        )
        .await;
        assert!(entry["seconds_left"].as_i64().unwrap() <= 11 * 3600);

        app.clock.advance(chrono::Duration::hours(12));
        let entry = wait_for_standing(
            &app,
            &alice,
            &format!("{statuses}&breached=true"),
            &case.id,
            "breached",
        )
        .await;
        assert!(entry["seconds_left"].as_i64().unwrap() < 0);
        let at_risk_only = ok_json(
            get(
                &app,
                &format!("/v1/review/queue?{statuses}&standing=at_risk"),
                &alice,
            )
            .await,
        )
        .await;
        assert_eq!(at_risk_only["total"], 0);

        // Each transition was audited by the sweeper, once.
        let audit =
            ok_json(get(&app, &format!("/v1/review/cases/{}/audit", case.id), &admin).await).await;
        let sweeps: Vec<&str> = audit["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "sla_standing_changed")
            .map(|e| e["detail"]["to"].as_str().unwrap())
            .collect();
        assert_eq!(sweeps, ["on_track", "at_risk", "breached"]);

        let metrics = app
            .client
            .get(app.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            metrics.contains("kyc_review_backlog{standing=\"breached\"} 1"),
            "{metrics}"
        );
        assert!(metrics.contains("kyc_uploads_total 1"), "{metrics}");
        app.stop().await;
    }
);
