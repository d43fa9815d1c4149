//! Opening and reading cases as the operator.

use serde_json::{json, Value};

use crate::helpers::*;

on_both_engines!(
    open_case_returns_reference_token_and_sla,
    |engine| async move {
        let app = spawn_app(engine).await;
        let body = app
            .open_case(json!({
                "player_id": "player-42",
                "documents": ["identity", "card"],
                "card_last4": "0042",
                "priority": "blocked_account",
                "callback_url": "https://operator.example/kyc",
                "locale": "ru-RU"
            }))
            .await;
        assert!(body["id"].as_str().unwrap().len() == 36);
        let reference = body["reference"].as_str().unwrap();
        assert!(
            reference.starts_with("KYC-") && reference.len() == 12,
            "{reference}"
        );
        assert_eq!(body["status"], "open");
        assert_eq!(body["locale"], "ru");
        assert_eq!(body["documents_required"], json!(["identity", "card"]));
        assert!(body["upload_token"]
            .as_str()
            .unwrap()
            .starts_with("kyc_up_"));
        assert_eq!(body["upload_token_expires_at"], "2026-11-29T10:00:00Z");
        // The SLA clock starts when every required document is in.
        assert_eq!(body["target_at"], Value::Null);
        assert_eq!(body["due_at"], Value::Null);
        assert_eq!(body["sla"]["standing"], "not_started");

        let read = app.get_case(body["id"].as_str().unwrap()).await;
        assert_eq!(read["reference"], body["reference"]);
        assert_eq!(read["documents"], json!([]));
        assert!(
            read.get("upload_token").is_none(),
            "the token is shown only once"
        );
        app.stop().await;
    }
);

on_both_engines!(
    invalid_cases_are_refused_with_their_reason,
    |engine| async move {
        let app = spawn_app(engine).await;
        let cases = [
            json!({"documents": ["identity"]}),
            json!({"player_id": "", "documents": ["identity"]}),
            json!({"player_id": "p", "documents": []}),
            json!({"player_id": "p", "documents": ["passport"]}),
            json!({"player_id": "p", "documents": ["card", "card"]}),
            json!({"player_id": "p", "documents": ["card"], "card_last4": "12345"}),
            json!({"player_id": "p", "documents": ["card"], "priority": "urgent"}),
            json!({"player_id": "p", "documents": ["card"], "callback_url": "ftp://x"}),
            json!({"player_id": "p", "documents": ["card"], "surprise": true}),
        ];
        for body in cases {
            let response = app
                .client
                .post(app.url("/v1/cases"))
                .bearer_auth(OPERATOR_TOKEN)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_error(response, 422, "validation_failed").await;
        }
        let not_json = app
            .client
            .post(app.url("/v1/cases"))
            .bearer_auth(OPERATOR_TOKEN)
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert!(not_json.status().is_client_error());
        app.stop().await;
    }
);

on_both_engines!(
    operator_endpoints_need_the_operator_token,
    |engine| async move {
        let app = spawn_app(engine).await;
        let case = app.open_default_case().await;
        let no_token = app
            .client
            .post(app.url("/v1/cases"))
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_error(no_token, 401, "unauthorized").await;
        let wrong = app
            .client
            .get(app.url(&format!("/v1/cases/{}", case.id)))
            .bearer_auth("kyc_op_wrong")
            .send()
            .await
            .unwrap();
        assert_error(wrong, 401, "unauthorized").await;
        // A player's upload token is not an operator token.
        let player = app
            .client
            .get(app.url(&format!("/v1/cases/{}", case.id)))
            .bearer_auth(&case.upload_token)
            .send()
            .await
            .unwrap();
        assert_error(player, 401, "unauthorized").await;
        let unknown = app
            .client
            .get(app.url("/v1/cases/01a20404-0000-7000-8000-000000000000"))
            .bearer_auth(OPERATOR_TOKEN)
            .send()
            .await
            .unwrap();
        assert_error(unknown, 404, "not_found").await;
        app.stop().await;
    }
);

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = spawn_app(kyc_store::Engine::Sqlite).await;
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let ready: Value = app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        ready,
        json!({"status": "ok", "database": "ok", "object_store": "ok"})
    );
    let missing = app.client.get(app.url("/nope")).send().await.unwrap();
    assert_error(missing, 404, "not_found").await;
    app.stop().await;
}
