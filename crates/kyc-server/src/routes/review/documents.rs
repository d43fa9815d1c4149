//! `GET /v1/review/documents/{id}` (metadata, check report, extracted
//! values, decisions) and `.../image` (the decrypted image, re-encoded
//! without metadata). Both are audited before anything is returned.

use std::io::Cursor;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::Response;
use axum::Json;
use bytes::Bytes;
use kyc_store::{DocumentRecord, NewAuditEntry};
use kyc_vault::{Envelope, ObjectKey};
use serde_json::{json, Value};

use super::{audit, conflict, document_id};
use crate::auth::Reviewer;
use crate::error::ApiError;
use crate::routes::views::DocumentView;
use crate::state::AppState;

async fn load(state: &AppState, id: &str) -> Result<DocumentRecord, ApiError> {
    let id = document_id(id)?;
    state
        .db
        .get_document(id)
        .await?
        .ok_or(ApiError::NotFound("document"))
}

/// A view of `part` of the document: viewing is activity, so the holder's
/// lease is renewed, and it is audited before anything is returned.
async fn record_view(
    state: &AppState,
    reviewer: &Reviewer,
    doc: &DocumentRecord,
    part: &str,
) -> Result<(), ApiError> {
    state
        .db
        .renew_claim(
            doc.case_id,
            &reviewer.0.id,
            state.review.claim_lease,
            state.clock.now(),
        )
        .await?;
    audit(
        state,
        NewAuditEntry::new(reviewer.0.actor(), "document_viewed")
            .case(doc.case_id)
            .document(doc.id)
            .detail(json!({"kind": doc.kind.as_str(), "part": part})),
    )
    .await
}

pub async fn view(
    reviewer: Reviewer,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let doc = load(&state, &id).await?;
    record_view(&state, &reviewer, &doc, "metadata").await?;
    let report: Value = serde_json::from_str(&doc.check_report).unwrap_or(Value::Null);
    let decisions: Vec<Value> = state
        .db
        .decisions_of_document(doc.id)
        .await?
        .into_iter()
        .map(|d| {
            json!({
                "decision": d.decision.as_str(),
                "reason": d.reason.map(|r| r.as_str()),
                "message": d.message,
                "note": d.note,
                "state": d.state,
                "by": d.reviewer_name,
                "confirmed_by": d.confirmed_by,
                "created_at": d.created_at,
                "settled_at": d.settled_at,
            })
        })
        .collect();
    Ok(Json(json!({
        "case_id": doc.case_id.to_string(),
        "document": DocumentView::new(&doc),
        "check": report,
        "extracted": report.get("extracted").cloned().unwrap_or(Value::Null),
        "decisions": decisions,
    })))
}

pub async fn image(
    reviewer: Reviewer,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let doc = load(&state, &id).await?;
    let Some(wrapped_key) = doc.wrapped_key.clone() else {
        return Err(conflict(
            "document_erased",
            "the document's key was destroyed; the image no longer exists",
        ));
    };
    record_view(&state, &reviewer, &doc, "image").await?;
    let internal = |what: &str, e: &dyn std::fmt::Display| {
        ApiError::Internal(anyhow::anyhow!("document {}: {what}: {e}", doc.id))
    };
    let envelope = Envelope::from_parts(&doc.key_id, wrapped_key, &doc.nonce)
        .map_err(|e| internal("envelope", &e))?;
    let key: ObjectKey = doc
        .object_key
        .parse()
        .map_err(|e| internal("object key", &e))?;
    let object = state.objects.get(&key).await?;
    let plain = state
        .keyring
        .open(&envelope, &object, doc.id.to_string().as_bytes())
        .map_err(|e| internal("decrypt", &e))?;
    let png = doc.content_type == "image/png";
    let clean = tokio::task::spawn_blocking(move || reencode(&plain, png))
        .await
        .map_err(|e| internal("re-encode task", &e))?
        .map_err(|e| internal("re-encode", &e))?;
    let content_type = if png { "image/png" } else { "image/jpeg" };
    // Streamed in chunks rather than as one body write.
    let chunks: Vec<Result<Bytes, std::io::Error>> = Bytes::from(clean)
        .chunks(64 * 1024)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    let mut response = Response::new(Body::from_stream(futures::stream::iter(chunks)));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}

/// Decodes and encodes again, so nothing but pixels leaves: no EXIF (GPS,
/// device), no comments, no trailing bytes. The EXIF orientation is applied
/// first so the picture still stands upright without it.
fn reencode(bytes: &[u8], png: bool) -> Result<Vec<u8>, image::ImageError> {
    use image::ImageDecoder;
    let mut decoder = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()?
        .into_decoder()?;
    let orientation = decoder.orientation()?;
    let mut img = image::DynamicImage::from_decoder(decoder)?;
    img.apply_orientation(orientation);
    let mut out = Cursor::new(Vec::new());
    if png {
        img.write_to(&mut out, image::ImageFormat::Png)?;
    } else {
        let rgb = img.to_rgb8();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 92).encode_image(&rgb)?;
    }
    Ok(out.into_inner())
}
