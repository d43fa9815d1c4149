//! Every bad input gets a clear 4xx with a stable code, and nothing is stored.

use std::io::{Read, Write};

use chrono::Duration;

use crate::fixtures;
use crate::helpers::*;

/// Nothing at all was stored for the case: no row, no object.
async fn assert_nothing_stored(app: &TestApp, case: &OpenCase) {
    let read = app.get_case(&case.id).await;
    assert_eq!(
        read["documents"],
        serde_json::json!([]),
        "a document was recorded"
    );
    assert!(app.stored_objects().is_empty(), "an object was written");
}

on_both_engines!(
    formats_other_than_jpeg_and_png_are_refused,
    |engine| async move {
        let app = spawn_app(engine).await;
        let case = app.open_default_case().await;
        for (name, bytes) in [
            ("pdf", fixtures::pdf()),
            ("gif", fixtures::gif()),
            ("heic", fixtures::heic()),
            ("webp", fixtures::webp()),
            ("empty", Vec::new()),
            ("text", b"just some text, named like a photo".to_vec()),
        ] {
            // Declared as a JPEG, as a phone or an attacker might.
            let response = app
                .upload(&case, "identity", "image/jpeg", bytes.clone())
                .await;
            assert_eq!(response.status(), 415, "{name}");
            assert_error(response, 415, "unsupported_format").await;
            let response = app
                .upload(&case, "identity", "application/octet-stream", bytes)
                .await;
            assert_error(response, 415, "unsupported_format").await;
        }
        // A text file named .jpg in a multipart form.
        let part = reqwest::multipart::Part::bytes(b"hello, I am not a photo".to_vec())
            .file_name("passport.jpg")
            .mime_str("image/jpeg")
            .unwrap();
        let response = app
            .client
            .post(app.url(&format!("/v1/cases/{}/documents/identity", case.id)))
            .bearer_auth(&case.upload_token)
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
            .await
            .unwrap();
        assert_error(response, 415, "unsupported_format").await;
        assert_nothing_stored(&app, &case).await;
        app.stop().await;
    }
);

on_both_engines!(
    broken_and_oversized_images_are_refused,
    |engine| async move {
        let app = spawn_app(engine).await;
        let case = app.open_default_case().await;
        let photo = fixtures::jpeg(7);
        let truncated = photo[..photo.len() / 2].to_vec();
        let response = app.upload(&case, "identity", "image/jpeg", truncated).await;
        assert_error(response, 422, "corrupt_image").await;

        let bomb = fixtures::png_header_claiming(100_000, 100_000);
        let response = app.upload(&case, "identity", "image/png", bomb).await;
        assert_error(response, 422, "image_too_large").await;

        let huge = vec![0xFFu8; 20 * 1024 * 1024];
        let response = app.upload(&case, "identity", "image/jpeg", huge).await;
        assert_error(response, 413, "file_too_large").await;

        // Declared as PNG, but the bytes are a JPEG.
        let response = app.upload(&case, "identity", "image/png", photo).await;
        assert_error(response, 415, "unsupported_format").await;
        assert_nothing_stored(&app, &case).await;
        app.stop().await;
    }
);

/// A body longer than the limit sent without a Content-Length is cut off
/// while streaming, not read to the end.
#[tokio::test]
async fn an_oversized_chunked_body_is_refused_while_streaming() {
    let app = spawn_app_with(kyc_store::Engine::Sqlite, |s| {
        s.max_upload_bytes = 1024 * 1024
    })
    .await;
    let case = app.open_default_case().await;
    let chunks = (0..40).map(|_| Ok::<_, std::io::Error>(vec![0xFFu8; 64 * 1024]));
    let body = reqwest::Body::wrap_stream(futures::stream::iter(chunks));
    let response = app
        .client
        .post(app.url(&format!("/v1/cases/{}/documents/card", case.id)))
        .bearer_auth(&case.upload_token)
        .header("content-type", "image/jpeg")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_error(response, 413, "file_too_large").await;
    assert_nothing_stored(&app, &case).await;
    app.stop().await;
}

/// A Content-Length that promises more than is sent: the connection ends
/// early, the upload is refused, nothing is kept.
#[tokio::test]
async fn a_lying_content_length_stores_nothing() {
    let app = spawn_app(kyc_store::Engine::Sqlite).await;
    let case = app.open_default_case().await;
    let photo = fixtures::jpeg(8);
    let address = app.address.trim_start_matches("http://").to_owned();
    let path = format!("/v1/cases/{}/documents/card", case.id);
    let token = case.upload_token.clone();
    let reply = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: image/jpeg\r\nContent-Length: {}\r\n\r\n",
            photo.len() * 2
        );
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(&photo).unwrap();
        stream.shutdown(std::net::Shutdown::Write).unwrap();
        let mut reply = String::new();
        let _ = stream.read_to_string(&mut reply);
        reply
    })
    .await
    .unwrap();
    // Either a 400 answer or a closed connection; never a success.
    assert!(!reply.starts_with("HTTP/1.1 2"), "{reply}");
    if !reply.is_empty() {
        assert!(reply.starts_with("HTTP/1.1 400"), "{reply}");
        assert!(reply.contains("incomplete_body"), "{reply}");
    }
    assert_nothing_stored(&app, &case).await;
    app.stop().await;
}

on_both_engines!(tokens_open_only_their_own_case, |engine| async move {
    let app = spawn_app(engine).await;
    let case = app.open_default_case().await;
    let other = app.open_default_case().await;
    let photo = fixtures::jpeg(9);
    let url = app.url(&format!("/v1/cases/{}/documents/identity", case.id));

    let missing = app
        .client
        .post(&url)
        .body(photo.clone())
        .send()
        .await
        .unwrap();
    assert_error(missing, 401, "unauthorized").await;
    let wrong = app
        .client
        .post(&url)
        .bearer_auth("kyc_up_nope")
        .body(photo.clone())
        .send()
        .await
        .unwrap();
    assert_error(wrong, 401, "unauthorized").await;
    let operator = app
        .client
        .post(&url)
        .bearer_auth(OPERATOR_TOKEN)
        .body(photo.clone())
        .send()
        .await
        .unwrap();
    assert_error(operator, 401, "unauthorized").await;
    let others = app
        .client
        .post(&url)
        .bearer_auth(&other.upload_token)
        .header("content-type", "image/jpeg")
        .body(photo.clone())
        .send()
        .await
        .unwrap();
    assert_error(others, 403, "forbidden").await;

    let unknown = app
        .client
        .post(app.url("/v1/cases/01a20404-0000-7000-8000-000000000000/documents/identity"))
        .bearer_auth(&case.upload_token)
        .body(photo.clone())
        .send()
        .await
        .unwrap();
    assert_error(unknown, 404, "not_found").await;
    let bad_kind = app
        .upload(&case, "passport", "image/jpeg", photo.clone())
        .await;
    assert_error(bad_kind, 422, "validation_failed").await;

    app.clock.advance(Duration::days(8));
    let expired = app.upload(&case, "identity", "image/jpeg", photo).await;
    assert_error(expired, 401, "unauthorized").await;
    assert_nothing_stored(&app, &case).await;
    assert_eq!(
        app.get_case(&other.id).await["documents"],
        serde_json::json!([])
    );
    app.stop().await;
});

on_both_engines!(
    a_kind_the_case_does_not_require_is_refused,
    |engine| async move {
        let app = spawn_app(engine).await;
        let body = app
            .open_case(serde_json::json!({"player_id": "p-7", "documents": ["card"]}))
            .await;
        let case = OpenCase {
            id: body["id"].as_str().unwrap().to_owned(),
            upload_token: body["upload_token"].as_str().unwrap().to_owned(),
        };
        let response = app
            .upload(&case, "identity", "image/jpeg", fixtures::jpeg(10))
            .await;
        assert_error(response, 422, "kind_not_required").await;
        assert_nothing_stored(&app, &case).await;
        app.stop().await;
    }
);
