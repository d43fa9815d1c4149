//! The player's upload path, end to end.

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::fixtures;
use crate::helpers::*;

on_both_engines!(
    upload_is_hashed_encrypted_stored_and_shown,
    |engine| async move {
        let app = spawn_app(engine).await;
        let case = app.open_default_case().await;
        let photo = fixtures::jpeg(1);
        let response = app
            .upload(&case, "identity", "image/jpeg", photo.clone())
            .await;
        assert_eq!(response.status(), 201);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["sha256"], hex::encode(Sha256::digest(&photo)));
        assert_eq!(body["kind"], "identity");
        assert_eq!(body["content_type"], "image/jpeg");
        assert_eq!(body["case_status"], "awaiting_documents", "{body}");
        assert!(body["status"].is_string() && body["check"]["verdict"].is_string());

        let read = app.get_case(&case.id).await;
        assert_eq!(read["status"], "awaiting_documents");
        assert_eq!(read["documents"][0]["id"], body["id"]);
        assert_eq!(read["documents"][0]["byte_size"], photo.len());
        app.stop().await;
    }
);

#[tokio::test]
async fn the_bytes_at_rest_are_ciphertext() {
    let app = spawn_app(kyc_store::Engine::Sqlite).await;
    let case = app.open_default_case().await;
    let photo = fixtures::png(2);
    let response = app.upload(&case, "card", "image/png", photo.clone()).await;
    assert_eq!(response.status(), 201);
    let objects = app.stored_objects();
    assert_eq!(objects.len(), 1, "one object per document");
    let (path, stored) = &objects[0];
    assert!(
        stored.len() >= photo.len(),
        "{path:?} is shorter than the image"
    );
    // No 32-byte window of the image appears in what is stored.
    for window in photo.chunks(32).filter(|w| w.len() == 32).step_by(7) {
        assert!(
            !stored.windows(32).any(|s| s == window),
            "plaintext found in {path:?}"
        );
    }
    assert!(
        !stored.starts_with(b"\x89PNG"),
        "the stored object starts like a PNG"
    );
    app.stop().await;
}

on_both_engines!(
    the_same_bytes_twice_return_the_same_document,
    |engine| async move {
        let app = spawn_app(engine).await;
        let case = app.open_default_case().await;
        let photo = fixtures::jpeg(3);
        let first: Value = app
            .upload(&case, "identity", "image/jpeg", photo.clone())
            .await
            .json()
            .await
            .unwrap();
        let again = app.upload(&case, "identity", "image/jpeg", photo).await;
        assert_eq!(again.status(), 200);
        let again: Value = again.json().await.unwrap();
        assert_eq!(first["id"], again["id"]);
        assert_eq!(
            app.get_case(&case.id).await["documents"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        app.stop().await;
    }
);

on_both_engines!(
    multipart_uploads_work_and_every_document_starts_the_clock,
    |engine| async move {
        let app = spawn_app(engine).await;
        let case = app.open_default_case().await;
        for (kind, bytes) in [
            ("identity", fixtures::jpeg(4)),
            ("address", fixtures::png(5)),
        ] {
            let response = app
                .upload(&case, kind, "application/octet-stream", bytes)
                .await;
            assert_eq!(response.status(), 201, "{kind}");
        }
        let part = reqwest::multipart::Part::bytes(fixtures::jpeg(6))
            .file_name("card.jpg")
            .mime_str("image/jpeg")
            .unwrap();
        let form = reqwest::multipart::Form::new()
            .text("note", "front")
            .part("file", part);
        let response = app
            .client
            .post(app.url(&format!("/v1/cases/{}/documents/card", case.id)))
            .bearer_auth(&case.upload_token)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        let read = app.get_case(&case.id).await;
        for document in read["documents"].as_array().unwrap() {
            assert_eq!(document["status"], "pending_review", "{document}");
        }
        assert_eq!(read["status"], "in_review");
        assert_eq!(read["sla"]["standing"], "on_track");
        assert_eq!(read["target_at"], "2026-11-23T10:00:00Z");
        assert_eq!(read["due_at"], "2026-11-25T10:00:00Z");
        app.stop().await;
    }
);

on_both_engines!(
    a_photo_to_retake_is_explained_to_the_player_at_once,
    |engine| async move {
        let app = spawn_app(engine).await;
        // The default case's player reads Azerbaijani.
        let case = app.open_default_case().await;
        let response = app
            .upload(
                &case,
                "identity",
                "image/jpeg",
                fixtures::greyscale_copy(11),
            )
            .await;
        assert_eq!(response.status(), 201);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["verdict"], "retake", "{body}");
        assert_eq!(body["status"], "retake_requested");
        assert_eq!(body["case_status"], "action_required");
        let reason = &body["reasons"][0];
        assert_eq!(reason["code"], "black_and_white", "{body}");
        assert_eq!(
            reason["message"],
            kyc_core::ReasonCode::BlackAndWhite.message(kyc_core::Locale::Az)
        );
        // The report is stored with the document.
        let read = app.get_case(&case.id).await;
        assert_eq!(
            read["documents"][0]["reasons"][0]["code"],
            "black_and_white"
        );
        app.stop().await;
    }
);
