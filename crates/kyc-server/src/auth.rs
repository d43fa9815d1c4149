//! Bearer-token extractors. A handler that takes `Operator` or `Player`
//! cannot run without the right token.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use kyc_store::CaseRecord;

use crate::error::ApiError;
use crate::secrets::hash_token;
use crate::state::AppState;

mod reviewer;
pub use reviewer::Reviewer;

fn bearer(parts: &Parts) -> Result<&str, ApiError> {
    let value = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .ok_or(ApiError::Unauthorized)?
        .to_str()
        .map_err(|_| ApiError::Unauthorized)?;
    let (scheme, token) = value.split_once(' ').ok_or(ApiError::Unauthorized)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::Unauthorized);
    }
    Ok(token.trim())
}

/// The operator's platform, authenticated by the operator token.
#[derive(Debug)]
pub struct Operator;

impl FromRequestParts<AppState> for Operator {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let hash = hash_token(bearer(parts)?);
        let valid = match &state.operator_token_hash {
            Some(configured) => *configured == hash,
            None => state.db.operator_token_exists(&hash).await?,
        };
        if valid {
            Ok(Operator)
        } else {
            Err(ApiError::Unauthorized)
        }
    }
}

/// A player, authenticated by the upload token of exactly one case.
#[derive(Debug)]
pub struct Player {
    pub case: CaseRecord,
}

impl FromRequestParts<AppState> for Player {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let hash = hash_token(bearer(parts)?);
        let case = state
            .db
            .case_by_upload_token(&hash)
            .await?
            .ok_or(ApiError::Unauthorized)?;
        if case.upload_token_expires_at <= state.clock.now() {
            return Err(ApiError::Unauthorized);
        }
        Ok(Player { case })
    }
}
