//! The reviewer's path end to end: reviewers from the CLI, the queue,
//! claims, viewing, decisions, the four-eyes rule and the audit trail.

use std::process::Output;

use kyc_store::Engine;
use serde_json::{json, Value};

use crate::fixtures;
use crate::helpers::*;

/// Runs the real `kyc` binary against the app's data dir and database.
pub fn kyc(app: &TestApp, args: &[&str]) -> Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_kyc"));
    command
        .args(args)
        .arg("--data-dir")
        .arg(app.data_dir.path())
        .env_remove("KYC_DATABASE_URL")
        .env_remove("KYC_CONFIG")
        .env("RUST_LOG", "warn");
    if let Some(db) = &app.database {
        command.env("KYC_DATABASE_URL", &db.url);
    }
    command.output().expect("run kyc")
}

/// Adds a reviewer with the CLI; returns the token from its last line.
pub fn add_reviewer(app: &TestApp, name: &str, role: &str) -> String {
    let out = kyc(app, &["reviewer", "add", name, "--role", role]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = stdout.lines().last().unwrap().trim().to_owned();
    assert!(token.starts_with("kyc_rv_"), "{stdout}");
    token
}

pub async fn get(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

pub async fn post(app: &TestApp, path: &str, token: &str, body: Value) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

pub async fn ok_json(response: reqwest::Response) -> Value {
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{status}: {body}");
    body
}

/// Uploads one photo per required kind; returns document ids by kind.
pub async fn upload_all(app: &TestApp, case: &OpenCase, kinds: &[&str], seed: u32) -> Vec<String> {
    let mut ids = Vec::new();
    for (i, kind) in kinds.iter().enumerate() {
        let photo = fixtures::jpeg(seed + i as u32);
        let body = ok_json(app.upload(case, kind, "image/jpeg", photo).await).await;
        ids.push(body["id"].as_str().unwrap().to_owned());
    }
    ids
}

pub fn decision(d: &str) -> Value {
    match d {
        "approve" => json!({"decision": "approve"}),
        "retake" => json!({"decision": "retake", "reason": "blurry",
                           "message": "The photo is blurry: please take it again in good light."}),
        _ => json!({"decision": "reject", "reason": "underage", "note": "date of birth 2012"}),
    }
}

on_both_engines!(
    done_when_a_case_goes_from_upload_to_approved_with_a_verified_audit_chain,
    |engine| async move {
        let app = spawn_app(engine).await;
        let alice = add_reviewer(&app, "alice", "reviewer");
        let admin = add_reviewer(&app, "root", "admin");
        let kinds = ["identity", "address", "card"];

        let case = app.open_default_case().await;
        let docs = upload_all(&app, &case, &kinds, 10).await;
        // A later case has more time left, so ours leads the queue.
        app.clock.advance(chrono::Duration::hours(1));
        let later = app.open_default_case().await;
        upload_all(&app, &later, &kinds, 20).await;

        let queue = ok_json(
            get(
                &app,
                "/v1/review/queue?status=in_review,action_required",
                &alice,
            )
            .await,
        )
        .await;
        assert_eq!(queue["cases"][0]["case_id"], case.id.as_str(), "{queue}");
        assert_eq!(queue["cases"][1]["case_id"], later.id.as_str(), "{queue}");
        assert!(
            queue["cases"][0]["seconds_left"].as_i64().unwrap()
                < queue["cases"][1]["seconds_left"].as_i64().unwrap()
        );

        let claim = ok_json(
            post(
                &app,
                &format!("/v1/review/cases/{}/claim", case.id),
                &alice,
                json!({}),
            )
            .await,
        )
        .await;
        assert_eq!(claim["claimed_by"], "alice");

        for (doc, kind) in docs.iter().zip(kinds) {
            let view =
                ok_json(get(&app, &format!("/v1/review/documents/{doc}"), &alice).await).await;
            assert_eq!(view["document"]["kind"], kind);
            assert!(view["check"]["verdict"].is_string(), "{view}");
            let image = get(&app, &format!("/v1/review/documents/{doc}/image"), &alice).await;
            assert_eq!(image.status(), 200);
            assert_eq!(image.headers()["content-type"], "image/jpeg");
            let bytes = image.bytes().await.unwrap();
            let decoded = image::load_from_memory(&bytes).expect("a decodable image");
            assert_eq!((decoded.width(), decoded.height()), (800, 600));
        }
        let mut last = Value::Null;
        for doc in &docs {
            last = ok_json(
                post(
                    &app,
                    &format!("/v1/review/documents/{doc}/decision"),
                    &alice,
                    decision("approve"),
                )
                .await,
            )
            .await;
        }
        assert_eq!(last["case_status"], "approved", "{last}");
        assert_eq!(app.get_case(&case.id).await["status"], "approved");

        let audit =
            ok_json(get(&app, &format!("/v1/review/cases/{}/audit", case.id), &admin).await).await;
        let entries = audit["entries"].as_array().unwrap();
        let actions: Vec<&str> = entries
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        for expected in [
            "case_opened",
            "document_uploaded",
            "check_result",
            "case_claimed",
            "document_viewed",
            "document_decided",
            "case_status_changed",
        ] {
            assert!(
                actions.contains(&expected),
                "{expected} missing from {actions:?}"
            );
        }
        assert_eq!(
            actions.iter().filter(|a| **a == "document_viewed").count(),
            6
        );
        assert!(entries.iter().all(|e| e["intact"] == true));
        assert!(entries.iter().any(|e| e["detail"]["to"] == "approved"));

        let verify = kyc(&app, &["audit", "verify"]);
        assert!(
            verify.status.success(),
            "{}",
            String::from_utf8_lossy(&verify.stdout)
        );
        assert!(String::from_utf8_lossy(&verify.stdout).contains("intact"));
        app.stop().await;
    }
);

on_both_engines!(
    an_edited_audit_row_is_caught_by_kyc_audit_verify,
    |engine| async move {
        let app = spawn_app(engine).await;
        add_reviewer(&app, "alice", "reviewer");
        let case = app.open_default_case().await;
        upload_all(&app, &case, &["identity"], 30).await;
        assert!(kyc(&app, &["audit", "verify"]).status.success());

        let url = match &app.database {
            Some(db) => db.url.clone(),
            None => format!("sqlite://{}", app.data_dir.path().join("kyc.db").display()),
        };
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&url).await.unwrap();
        sqlx::query("update audit_log set actor = 'nobody' where action = 'document_uploaded'")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;

        let verify = kyc(&app, &["audit", "verify"]);
        let stdout = String::from_utf8_lossy(&verify.stdout);
        assert_eq!(verify.status.code(), Some(2), "{stdout}");
        assert!(stdout.contains("altered"), "{stdout}");
        app.stop().await;
    }
);

on_both_engines!(a_rejection_needs_a_second_supervisor, |engine| async move {
    let app = spawn_app(engine).await;
    let alice = add_reviewer(&app, "alice", "reviewer");
    let sue = add_reviewer(&app, "sue", "supervisor");
    let sam = add_reviewer(&app, "sam", "supervisor");
    let case = app
        .open_case(json!({"player_id": "p-7", "documents": ["identity"]}))
        .await;
    let case = OpenCase {
        id: case["id"].as_str().unwrap().into(),
        upload_token: case["upload_token"].as_str().unwrap().into(),
    };
    let doc = &upload_all(&app, &case, &["identity"], 40).await[0];
    let path = format!("/v1/review/documents/{doc}/decision");

    // Without the claim nobody decides; the holder does.
    assert_error(
        post(&app, &path, &alice, decision("reject")).await,
        409,
        "claim_required",
    )
    .await;
    ok_json(
        post(
            &app,
            &format!("/v1/review/cases/{}/claim", case.id),
            &alice,
            json!({}),
        )
        .await,
    )
    .await;
    assert_error(
        post(
            &app,
            &path,
            &alice,
            json!({"decision": "reject", "reason": "underage"}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_error(
        post(
            &app,
            &path,
            &alice,
            json!({"decision": "retake", "reason": "blurry"}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    let pending = post(&app, &path, &alice, decision("reject")).await;
    assert_eq!(pending.status(), 202);
    assert_error(
        post(&app, &path, &alice, decision("approve")).await,
        409,
        "awaiting_confirmation",
    )
    .await;
    assert_eq!(app.get_case(&case.id).await["status"], "in_review");
    let waiting = ok_json(
        get(
            &app,
            "/v1/review/queue?awaiting_confirmation=true&status=in_review,action_required",
            &sue,
        )
        .await,
    )
    .await;
    assert_eq!(waiting["cases"][0]["case_id"], case.id.as_str());

    // A reviewer cannot confirm; a supervisor can.
    assert_error(
        post(&app, &format!("{path}/confirm"), &alice, json!({})).await,
        403,
        "forbidden",
    )
    .await;
    let done = ok_json(post(&app, &format!("{path}/confirm"), &sue, json!({})).await).await;
    assert_eq!(done["case_status"], "rejected");
    assert_eq!(app.get_case(&case.id).await["status"], "rejected");

    // A supervisor's own rejection needs another supervisor.
    let other = app
        .open_case(json!({"player_id": "p-8", "documents": ["identity"]}))
        .await;
    let other = OpenCase {
        id: other["id"].as_str().unwrap().into(),
        upload_token: other["upload_token"].as_str().unwrap().into(),
    };
    let doc = &upload_all(&app, &other, &["identity"], 50).await[0];
    let path = format!("/v1/review/documents/{doc}/decision");
    ok_json(
        post(
            &app,
            &format!("/v1/review/cases/{}/claim", other.id),
            &sue,
            json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(
        post(&app, &path, &sue, decision("reject")).await.status(),
        202
    );
    assert_error(
        post(&app, &format!("{path}/confirm"), &sue, json!({})).await,
        409,
        "four_eyes_required",
    )
    .await;
    ok_json(post(&app, &format!("{path}/decline"), &sam, json!({})).await).await;
    let approved = ok_json(post(&app, &path, &sue, decision("approve")).await).await;
    assert_eq!(approved["case_status"], "approved");
    app.stop().await;
});

#[tokio::test]
async fn a_retake_waits_for_the_player_and_a_new_upload_resumes_review() {
    let app = spawn_app(Engine::Sqlite).await;
    let alice = add_reviewer(&app, "alice", "reviewer");
    let case = app
        .open_case(json!({"player_id": "p-9", "documents": ["identity", "address"]}))
        .await;
    let case = OpenCase {
        id: case["id"].as_str().unwrap().into(),
        upload_token: case["upload_token"].as_str().unwrap().into(),
    };
    let docs = upload_all(&app, &case, &["identity", "address"], 60).await;
    ok_json(
        post(
            &app,
            &format!("/v1/review/cases/{}/claim", case.id),
            &alice,
            json!({}),
        )
        .await,
    )
    .await;
    let retake = ok_json(
        post(
            &app,
            &format!("/v1/review/documents/{}/decision", docs[0]),
            &alice,
            decision("retake"),
        )
        .await,
    )
    .await;
    assert_eq!(retake["case_status"], "action_required");
    let read = app.get_case(&case.id).await;
    assert_eq!(read["sla"]["paused"], true);
    let left = read["sla"]["seconds_left"].as_i64().unwrap();
    app.clock.advance(chrono::Duration::hours(10));
    assert_eq!(
        app.get_case(&case.id).await["sla"]["seconds_left"],
        left,
        "the clock ran while paused"
    );

    let body = ok_json(
        app.upload(&case, "identity", "image/jpeg", fixtures::jpeg(69))
            .await,
    )
    .await;
    // The checker's own verdict on the new photo may ask for another retake.
    let waiting = body["status"] == "retake_requested";
    assert_eq!(
        body["case_status"],
        if waiting {
            "action_required"
        } else {
            "in_review"
        }
    );
    let read = app.get_case(&case.id).await;
    assert_eq!(read["sla"]["paused"], waiting);
    app.stop().await;
}

/// A JPEG with an EXIF segment carrying a marker string.
fn jpeg_with_exif(marker: &[u8]) -> Vec<u8> {
    let plain = fixtures::jpeg(70);
    let mut payload = b"Exif\0\0II*\0\x08\0\0\0\0\0\0\0\0\0".to_vec();
    payload.extend_from_slice(marker);
    let mut out = plain[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&plain[2..]);
    out
}

#[tokio::test]
async fn images_are_served_decrypted_without_their_metadata() {
    let app = spawn_app(Engine::Sqlite).await;
    let alice = add_reviewer(&app, "alice", "reviewer");
    let case = app.open_default_case().await;
    let marker = b"GPS 40.4093N 49.8671E";
    let photo = jpeg_with_exif(marker);
    assert!(photo.windows(marker.len()).any(|w| w == marker));
    let body = ok_json(app.upload(&case, "identity", "image/jpeg", photo).await).await;
    let png = ok_json(
        app.upload(&case, "card", "image/png", fixtures::png(71))
            .await,
    )
    .await;

    let image = get(
        &app,
        &format!(
            "/v1/review/documents/{}/image",
            body["id"].as_str().unwrap()
        ),
        &alice,
    )
    .await;
    assert_eq!(image.status(), 200);
    assert_eq!(image.headers()["cache-control"], "no-store");
    let bytes = image.bytes().await.unwrap();
    assert!(
        !bytes.windows(marker.len()).any(|w| w == marker),
        "metadata survived"
    );
    assert!(
        !bytes.windows(4).any(|w| w == b"Exif"),
        "an EXIF segment survived"
    );
    assert!(image::load_from_memory(&bytes).is_ok());

    let image = get(
        &app,
        &format!("/v1/review/documents/{}/image", png["id"].as_str().unwrap()),
        &alice,
    )
    .await;
    assert_eq!(image.headers()["content-type"], "image/png");
    let decoded = image::load_from_memory(&image.bytes().await.unwrap()).unwrap();
    assert_eq!(decoded.width(), 800);
    app.stop().await;
}
