//! The player's upload path: receive, judge by the bytes, check, encrypt,
//! store, record.

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::Json;
use bytes::Bytes;
use kyc_checker::{CheckRequest, Report};
use kyc_core::{CaseId, DocumentId, DocumentKind, DocumentStatus, ReasonCode};
use kyc_store::{InsertDocument, NewDocument, NewJob};
use kyc_vault::ObjectKey;
use serde::Serialize;
use tracing::Instrument;

use super::views::DocumentView;
use crate::auth::Player;
use crate::error::ApiError;
use crate::state::AppState;
use crate::upload::{check_declared_matches, receive};

#[derive(Debug, Serialize)]
pub struct UploadView {
    #[serde(flatten)]
    document: DocumentView,
    /// The case's status after this upload.
    case_status: &'static str,
    /// The full automatic check report (see docs/check-contract.md).
    check: serde_json::Value,
}

pub async fn upload(
    State(state): State<AppState>,
    Path((case_id, kind)): Path<(String, String)>,
    player: Player,
    request: Request,
) -> Result<(StatusCode, Json<UploadView>), ApiError> {
    let case_id: CaseId = case_id.parse().map_err(|_| ApiError::NotFound("case"))?;
    if case_id != player.case.id {
        return Err(match state.db.get_case(case_id).await? {
            Some(_) => ApiError::Forbidden,
            None => ApiError::NotFound("case"),
        });
    }
    let case = player.case;
    let player_status = case.status;
    let kind: DocumentKind = kind.parse().map_err(|_| {
        ApiError::Validation(format!(
            "unknown document kind `{kind}`: use identity, address or card"
        ))
    })?;
    if !case.required.contains(&kind) {
        return Err(ApiError::KindNotRequired(kind));
    }
    if case.status.is_final() {
        return Err(ApiError::CaseClosed(case.status));
    }

    let file = receive(request, &state).await?;
    let content_type = kyc_checker::sniff(&file.bytes)
        .map(kyc_checker::ImageFormat::mime)
        .ok_or_else(|| ApiError::UnsupportedFormat("the file is not a JPEG or PNG image".into()))?;
    check_declared_matches(file.declared_type.as_deref(), content_type)?;

    if let Some(existing) = state
        .db
        .find_document_by_hash(case.id, &file.sha256)
        .await?
    {
        return Ok((StatusCode::OK, Json(upload_view(&existing, case.status))));
    }

    let mut request = CheckRequest::new(kind, state.clock.now().date_naive());
    request.card_last4 = case.card_last4;
    request.locale = case.locale;
    request.limits = state.limits;
    let report = run_checker(file.bytes.clone(), request).await?;
    refuse_unreadable(&report, &state.limits)?;

    let document_id = DocumentId::new();
    let status = DocumentStatus::after_check(report.verdict);
    let object_key: ObjectKey = format!("documents/{}/{}", case.id, document_id)
        .parse()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("object key: {e}")))?;
    let sealed = state
        .keyring
        .seal(&file.bytes, document_id.to_string().as_bytes())
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("sealing failed: {e}")))?;
    state
        .objects
        .put(&object_key, Bytes::from(sealed.object))
        .await?;

    let new_document = NewDocument {
        id: document_id,
        case_id: case.id,
        kind,
        sha256: file.sha256,
        content_type,
        byte_size: file.bytes.len() as u64,
        width: report.metrics.width,
        height: report.metrics.height,
        object_key: object_key.to_string(),
        key_id: sealed.envelope.key_id.to_string(),
        wrapped_key: sealed.envelope.wrapped_key,
        nonce: sealed.envelope.nonce.to_vec(),
        status,
        verdict: report.verdict,
        check_report: serde_json::to_string(&report).map_err(|e| ApiError::Internal(e.into()))?,
        created_at: state.clock.now(),
    };
    // No row without an object: if recording fails, the object goes too.
    // OCR runs later, in a job recorded with the document itself.
    let read_job = NewJob::read_document(document_id, new_document.created_at);
    let outcome = match state
        .db
        .insert_document_with_jobs(&new_document, &[read_job])
        .await
    {
        Ok(outcome) => outcome,
        Err(err) => {
            remove_orphan(&state, &object_key).await;
            return Err(err.into());
        }
    };
    match outcome {
        InsertDocument::Inserted { document, case } => {
            crate::worker::wake(&state.worker_wake);
            audit_upload(&state, &document, player_status, case.status, &report).await;
            tracing::info!(
                case_id = %case.id,
                document_id = %document.id,
                kind = %kind,
                verdict = %document.verdict,
                case_status = %case.status,
                "document stored"
            );
            let mut view = upload_view(&document, case.status);
            view.document = view
                .document
                .with_reading(Some(kyc_store::JobState::Queued));
            Ok((StatusCode::CREATED, Json(view)))
        }
        InsertDocument::Existing(existing) => {
            // A concurrent upload of the same bytes won the race.
            remove_orphan(&state, &object_key).await;
            Ok((StatusCode::OK, Json(upload_view(&existing, case.status))))
        }
    }
}

/// Upload, check result and any case move, in the audit trail.
async fn audit_upload(
    state: &AppState,
    document: &kyc_store::DocumentRecord,
    before: kyc_core::CaseStatus,
    after: kyc_core::CaseStatus,
    report: &Report,
) {
    use kyc_store::NewAuditEntry;
    use serde_json::json;
    let mut entries = vec![
        NewAuditEntry::new("player", "document_uploaded")
            .case(document.case_id)
            .document(document.id)
            .detail(json!({
                "kind": document.kind.as_str(),
                "sha256": document.sha256.to_hex(),
                "bytes": document.byte_size,
                "content_type": document.content_type,
            })),
        NewAuditEntry::new("system:checker", "check_result")
            .case(document.case_id)
            .document(document.id)
            .detail(json!({
                "verdict": report.verdict.as_str(),
                "reasons": report.reasons.iter().map(|r| r.code.as_str()).collect::<Vec<_>>(),
            })),
    ];
    if before != after {
        entries.push(
            NewAuditEntry::new("player", "case_status_changed")
                .case(document.case_id)
                .detail(json!({"from": before.as_str(), "to": after.as_str()})),
        );
    }
    for entry in entries {
        crate::routes::audit_best_effort(state, entry).await;
    }
}

fn upload_view(doc: &kyc_store::DocumentRecord, case_status: kyc_core::CaseStatus) -> UploadView {
    UploadView {
        document: DocumentView::new(doc),
        case_status: case_status.as_str(),
        check: serde_json::from_str(&doc.check_report).unwrap_or(serde_json::Value::Null),
    }
}

/// Decoding and analysis are CPU work: off the async runtime, in the
/// request's span.
async fn run_checker(bytes: Bytes, request: CheckRequest) -> Result<Report, ApiError> {
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || {
        let _entered = span.enter();
        kyc_checker::check(&bytes, &request).report
    })
    .instrument(tracing::Span::current())
    .await
    .map_err(|e| ApiError::Internal(anyhow::anyhow!("checker task failed: {e}")))
}

/// Files the checker could not read at all are refused, not stored.
fn refuse_unreadable(report: &Report, limits: &kyc_checker::Limits) -> Result<(), ApiError> {
    for reason in &report.reasons {
        match reason.code {
            ReasonCode::UnsupportedFormat => {
                return Err(ApiError::UnsupportedFormat(reason.message.clone()))
            }
            ReasonCode::CorruptImage => {
                return Err(ApiError::CorruptImage(
                    "the file is damaged or incomplete".into(),
                ))
            }
            ReasonCode::ImageTooLarge => {
                return Err(ApiError::ImageTooLarge {
                    width: report.metrics.width,
                    height: report.metrics.height,
                    limit: limits.max_pixels,
                })
            }
            ReasonCode::FileTooLarge => {
                return Err(ApiError::FileTooLarge {
                    limit: limits.max_bytes,
                })
            }
            _ => {}
        }
    }
    Ok(())
}

async fn remove_orphan(state: &AppState, key: &ObjectKey) {
    if let Err(err) = state.objects.delete(key).await {
        // Left for the orphan sweeper; never a row without an object.
        tracing::warn!(object_key = %key, error = %err, "could not remove an orphaned object");
    }
}
