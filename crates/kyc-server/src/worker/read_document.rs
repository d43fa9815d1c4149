//! The `read_document` job: OCR of a stored document, off the request
//! path. Decrypts the object, decodes it, reads the fields its kind needs,
//! and merges them and their reasons into the report stored at upload.

use bytes::Bytes;
use kyc_checker::{CheckRequest, Report};
use kyc_core::{DocumentId, DocumentStatus, ReasonCode};
use kyc_store::{DocumentRecord, JobRecord, ReadingOutcome, ReadingUpdate};
use kyc_vault::{Envelope, ObjectKey, VaultError};
use serde::Deserialize;

use super::JobError;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
struct Payload {
    document_id: String,
}

pub(super) async fn run(state: &AppState, owner: &str, job: &JobRecord) -> Result<(), JobError> {
    let payload: Payload = serde_json::from_str(&job.payload)
        .map_err(|e| JobError::Permanent(format!("bad payload: {e}")))?;
    let document_id: DocumentId = payload
        .document_id
        .parse()
        .map_err(|_| JobError::Permanent("bad document id".into()))?;

    let Some(document) = state.db.get_document(document_id).await? else {
        return finish_without_reading(state, owner, job, "document is gone").await;
    };
    let Some(wrapped_key) = document.wrapped_key.clone() else {
        return finish_without_reading(state, owner, job, "document was shredded").await;
    };
    if document.status == DocumentStatus::Superseded {
        return finish_without_reading(state, owner, job, "document was superseded").await;
    }
    let case = state
        .db
        .get_case(document.case_id)
        .await?
        .ok_or_else(|| JobError::Permanent("the document's case is missing".into()))?;

    let plaintext = open_object(state, &document, wrapped_key).await?;
    let mut request = CheckRequest::new(document.kind, document.created_at.date_naive());
    request.card_last4 = case.card_last4;
    request.locale = case.locale;
    request.limits = state.limits;
    let stored: Report = serde_json::from_str(&document.check_report).unwrap_or_else(|_| {
        tracing::warn!(document_id = %document.id, "stored report unreadable; reading afresh");
        Report::new(document.kind)
    });

    let reader = state.reader.clone();
    let span = tracing::Span::current();
    let report = tokio::task::spawn_blocking(move || {
        let _entered = span.enter();
        read(&reader, &plaintext, &request, stored)
    })
    .await
    .map_err(|e| JobError::Retry(format!("reading task failed: {e}")))?;

    let shred = report.has(ReasonCode::CardNumberNotMasked);
    let status = DocumentStatus::after_check(report.verdict);
    let update = ReadingUpdate {
        document_id,
        check_report: serde_json::to_string(&report)
            .map_err(|e| JobError::Permanent(format!("report: {e}")))?,
        verdict: report.verdict,
        status,
        shred,
    };
    let now = state.clock.now();
    match state.db.apply_reading(job.id, owner, &update, now).await? {
        ReadingOutcome::LeaseLost => Err(JobError::LeaseLost),
        ReadingOutcome::Applied { document, case } => {
            tracing::info!(
                document_id = %document.id,
                verdict = %document.verdict,
                document_status = %document.status,
                case_status = %case.status,
                shredded = shred,
                "document read"
            );
            if shred {
                // The key is gone, so the ciphertext is already unreadable;
                // deleting it is tidiness, and a failure is only logged.
                if let Ok(key) = document.object_key.parse::<ObjectKey>() {
                    if let Err(err) = state.objects.delete(&key).await {
                        tracing::warn!(object_key = %key, error = %err, "cannot delete a shredded object");
                    }
                }
            }
            Ok(())
        }
    }
}

/// Nothing to read any more: complete the job as it is.
async fn finish_without_reading(
    state: &AppState,
    owner: &str,
    job: &JobRecord,
    why: &str,
) -> Result<(), JobError> {
    tracing::info!(job_id = %job.id, why, "nothing to read");
    if state
        .db
        .complete_job(job.id, owner, state.clock.now())
        .await?
    {
        Ok(())
    } else {
        Err(JobError::LeaseLost)
    }
}

async fn open_object(
    state: &AppState,
    document: &DocumentRecord,
    wrapped_key: Vec<u8>,
) -> Result<Bytes, JobError> {
    let key: ObjectKey = document
        .object_key
        .parse()
        .map_err(|_| JobError::Permanent("bad object key".into()))?;
    let object = state.objects.get(&key).await.map_err(|e| match e {
        kyc_vault::StoreError::NotFound(_) => JobError::Permanent("object is missing".into()),
        other => JobError::Retry(other.to_string()),
    })?;
    let envelope = Envelope::from_parts(&document.key_id, wrapped_key, &document.nonce)
        .map_err(|e| JobError::Permanent(e.to_string()))?;
    let plaintext = state
        .keyring
        .open(&envelope, &object, document.id.to_string().as_bytes())
        .map_err(|e| match e {
            // Mid-rotation, this instance may not hold the key yet.
            VaultError::UnknownKey(_) => JobError::Retry(e.to_string()),
            other => JobError::Permanent(other.to_string()),
        })?;
    Ok(Bytes::from(plaintext))
}

/// The CPU part: decode the upright image with the checker's own limited
/// decoders, as the check did (the quality checks and the document's
/// corners are already in the stored report), then OCR merged into
/// `report`.
fn read(
    reader: &kyc_reader::Reader,
    bytes: &[u8],
    request: &CheckRequest,
    mut report: Report,
) -> Report {
    match kyc_checker::decode_for_reading(bytes, request) {
        Ok(full) => reader.read((&full).into(), request, &mut report),
        Err(err) => tracing::warn!(error = %err, "stored document does not decode; nothing read"),
    }
    report
}
