//! The reviewer extractor: a handler that takes `Reviewer` runs only for an
//! active reviewer's token, and knows their role.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use kyc_core::ReviewerRole;
use kyc_store::ReviewerRecord;

use super::bearer;
use crate::error::ApiError;
use crate::secrets::hash_token;
use crate::state::AppState;

/// An authenticated, enabled reviewer (of any role).
#[derive(Debug, Clone)]
pub struct Reviewer(pub ReviewerRecord);

impl Reviewer {
    /// Refuses (403) unless the reviewer's role includes `role`.
    pub fn require(&self, role: ReviewerRole) -> Result<(), ApiError> {
        if self.0.role.includes(role) {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }
}

impl FromRequestParts<AppState> for Reviewer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let hash = hash_token(bearer(parts)?);
        state
            .db
            .reviewer_by_token(&hash)
            .await?
            .map(Reviewer)
            .ok_or(ApiError::Unauthorized)
    }
}
