//! The operator's case API.

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use chrono::{DateTime, Utc};
use kyc_core::{CardLast4, CaseId, CaseReference, DocumentKind, Locale, PlayerId, Priority};
use kyc_store::{NewCase, StoreError};
use serde::{Deserialize, Serialize};

use super::views::CaseView;
use crate::auth::Operator;
use crate::error::ApiError;
use crate::secrets::{generate_token, hash_token};
use crate::state::AppState;

/// `POST /v1/cases`, as the operator sends it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenCaseRequest {
    player_id: String,
    documents: Vec<String>,
    #[serde(default)]
    card_last4: Option<String>,
    #[serde(default)]
    priority: Option<String>,
    #[serde(default)]
    callback_url: Option<String>,
    #[serde(default)]
    locale: Option<String>,
}

/// The request, parsed into domain values.
struct ValidCase {
    player_id: PlayerId,
    required: Vec<DocumentKind>,
    card_last4: Option<CardLast4>,
    priority: Priority,
    callback_url: Option<String>,
    locale: Locale,
}

impl TryFrom<OpenCaseRequest> for ValidCase {
    type Error = ApiError;

    fn try_from(req: OpenCaseRequest) -> Result<Self, ApiError> {
        let invalid = |m: &str| ApiError::Validation(m.to_owned());
        let player_id = PlayerId::try_from(req.player_id).map_err(|e| invalid(e.0))?;
        if req.documents.is_empty() {
            return Err(invalid(
                "documents must name at least one of identity, address, card",
            ));
        }
        let mut required = Vec::new();
        for kind in &req.documents {
            let kind: DocumentKind = kind.parse().map_err(|_| {
                invalid(&format!(
                    "unknown document kind `{kind}`: use identity, address or card"
                ))
            })?;
            if required.contains(&kind) {
                return Err(invalid(&format!("document kind `{kind}` is listed twice")));
            }
            required.push(kind);
        }
        let card_last4 = req
            .card_last4
            .map(|c| c.parse::<CardLast4>().map_err(|e| invalid(e.0)))
            .transpose()?;
        let priority = match req.priority.as_deref() {
            None => Priority::Normal,
            Some(p) => p
                .parse()
                .map_err(|_| invalid("priority must be blocked_account or normal"))?,
        };
        let callback_url = req
            .callback_url
            .map(|raw| match url::Url::parse(&raw) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(raw),
                _ => Err(invalid(
                    "callback_url must be an absolute http or https URL",
                )),
            })
            .transpose()?;
        let locale = req
            .locale
            .as_deref()
            .map(Locale::from_tag)
            .unwrap_or_default();
        Ok(ValidCase {
            player_id,
            required,
            card_last4,
            priority,
            callback_url,
            locale,
        })
    }
}

#[derive(Debug, Serialize)]
pub struct OpenedCase {
    #[serde(flatten)]
    case: CaseView,
    /// The player's bearer token for uploads to this case; shown only now.
    upload_token: String,
    upload_token_expires_at: DateTime<Utc>,
}

pub async fn open_case(
    _operator: Operator,
    State(state): State<AppState>,
    body: Result<Json<OpenCaseRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let Json(request) = body?;
    let valid = ValidCase::try_from(request)?;
    let now = state.clock.now();
    let expires_at = now + state.upload_token_ttl;

    // A reference collision is astronomically rare; try a fresh one.
    let mut attempt = 0;
    let (record, upload_token) = loop {
        attempt += 1;
        let upload_token = generate_token("kyc_up");
        let new_case = NewCase {
            id: CaseId::new(),
            reference: CaseReference::generate(),
            player_id: valid.player_id.clone(),
            required: valid.required.clone(),
            card_last4: valid.card_last4,
            priority: valid.priority,
            callback_url: valid.callback_url.clone(),
            locale: valid.locale,
            upload_token_hash: hash_token(&upload_token),
            upload_token_expires_at: expires_at,
            created_at: now,
        };
        match state.db.insert_case(&new_case).await {
            Ok(record) => break (record, upload_token),
            Err(StoreError::Conflict(_)) if attempt < 3 => continue,
            Err(e) => return Err(e.into()),
        }
    };
    tracing::info!(case_id = %record.id, reference = %record.reference, "case opened");
    crate::routes::audit_best_effort(
        &state,
        kyc_store::NewAuditEntry::new("operator", "case_opened")
            .case(record.id)
            .detail(serde_json::json!({
                "reference": record.reference.as_str(),
                "required": record.required.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
                "priority": record.priority.as_str(),
            })),
    )
    .await;
    let location = format!("/v1/cases/{}", record.id);
    let body = OpenedCase {
        case: CaseView::new(&record, &[], &state.sla, now),
        upload_token,
        upload_token_expires_at: expires_at,
    };
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(body),
    ))
}

pub async fn get_case(
    _operator: Operator,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<CaseView>, ApiError> {
    let id: CaseId = id.parse().map_err(|_| ApiError::NotFound("case"))?;
    let case = state
        .db
        .get_case(id)
        .await?
        .ok_or(ApiError::NotFound("case"))?;
    // Job states before documents: a reading stores its report and completes
    // its job in one transaction, so a reading seen as done here is always
    // shown with the report it wrote (the other order can pair "done" with
    // the report from before the reading).
    let readings = state
        .db
        .job_states_for_case(id, kyc_store::READ_DOCUMENT)
        .await?;
    let documents = state.db.documents_of_case(id).await?;
    let mut view = CaseView::new(&case, &documents, &state.sla, state.clock.now());
    view.set_readings(&readings);
    Ok(Json(view))
}
