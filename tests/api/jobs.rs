//! OCR off the request path: the upload answers at once, a job reads the
//! document in the background, and the case shows the result.

use std::time::Duration;

use serde_json::Value;

use crate::fixtures;
use crate::helpers::*;

/// Polls the case until every document's reading is `done`.
pub async fn wait_for_readings(app: &TestApp, case_id: &str) -> Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    loop {
        let case = app.get_case(case_id).await;
        let docs = case["documents"].as_array().cloned().unwrap_or_default();
        if !docs.is_empty() && docs.iter().all(|d| d["reading"] == "done") {
            return case;
        }
        assert!(
            docs.iter().all(|d| d["reading"] != "failed"),
            "a reading failed: {case}"
        );
        assert!(
            std::time::Instant::now() < deadline,
            "readings not done in time: {case}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn reasons(doc: &Value) -> Vec<String> {
    doc["reasons"]
        .as_array()
        .map(|r| {
            r.iter()
                .filter_map(|r| r["code"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

on_both_engines!(
    the_upload_answers_pending_and_the_reading_completes_in_the_background,
    |engine| async move {
        let app = spawn_app_with(engine, |s| s.tesseract = "tesseract".into()).await;
        let case = app.open_default_case().await;
        let response = app
            .upload(&case, "address", "image/jpeg", fixtures::jpeg(3))
            .await;
        assert_eq!(response.status(), 201);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["reading"], "pending");

        let read = wait_for_readings(&app, &case.id).await;
        let doc = &read["documents"][0];
        assert_eq!(doc["reading"], "done");
        // The reading ran: a drawn card has no issue date for Tesseract to
        // find (or, without Tesseract, OCR is unavailable). The upload-time
        // check had no reason; the stored report now carries the reading's.
        assert_eq!(body["reasons"], serde_json::json!([]));
        let found = reasons(doc);
        assert!(
            found.contains(&"issue_date_not_found".to_owned())
                || found.contains(&"ocr_unavailable".to_owned()),
            "the reading added no reason: {doc}"
        );
        assert_eq!(doc["verdict"], "review", "{doc}");
        app.stop().await;
    }
);

on_both_engines!(
    without_tesseract_the_reading_records_ocr_unavailable_and_review,
    |engine| async move {
        let app = spawn_app_with(engine, |s| {
            s.tesseract = "/nonexistent/tesseract".into();
        })
        .await;
        let case = app.open_default_case().await;
        let response = app
            .upload(&case, "address", "image/png", fixtures::png(4))
            .await;
        assert_eq!(response.status(), 201);
        let read = wait_for_readings(&app, &case.id).await;
        let doc = &read["documents"][0];
        assert!(
            reasons(doc).contains(&"ocr_unavailable".to_owned()),
            "{doc}"
        );
        assert_eq!(doc["verdict"], "review");
        assert_eq!(doc["status"], "pending_review");
        app.stop().await;
    }
);

on_both_engines!(a_queued_reading_survives_a_restart, |engine| async move {
    // An API-only instance: it records the job but never runs it.
    let app = spawn_app_with(engine, |s| {
        s.workers = Some(0);
        s.tesseract = "/nonexistent/tesseract".into();
    })
    .await;
    let case = app.open_default_case().await;
    let response = app
        .upload(&case, "card", "image/jpeg", fixtures::jpeg(5))
        .await;
    assert_eq!(response.status(), 201);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = app.get_case(&case.id).await;
    assert_eq!(before["documents"][0]["reading"], "pending");
    let (data_dir, database) = app.stop_keeping_data().await;

    let app = spawn_app_on(data_dir, database, |s| {
        s.tesseract = "/nonexistent/tesseract".into();
    })
    .await;
    let after = wait_for_readings(&app, &case.id).await;
    assert_eq!(after["documents"][0]["id"], before["documents"][0]["id"]);
    assert!(reasons(&after["documents"][0]).contains(&"ocr_unavailable".to_owned()));
    app.stop().await;
});
