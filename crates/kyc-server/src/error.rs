//! The API's one error type. Every client-caused failure has a stable code
//! and a 4xx status; anything else is a 500 that says only "internal
//! error" to the client and logs the cause.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("a valid bearer token is required")]
    Unauthorized,
    #[error("this token does not give access to that resource")]
    Forbidden,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Validation(String),
    #[error("{0}")]
    UnsupportedFormat(String),
    #[error("the file is larger than the limit of {limit} bytes")]
    FileTooLarge { limit: u64 },
    #[error("the image is {width}x{height} pixels, over the limit of {limit} pixels")]
    ImageTooLarge { width: u32, height: u32, limit: u64 },
    #[error("the image could not be decoded: {0}")]
    CorruptImage(String),
    #[error("the request body ended before its declared length or could not be read")]
    IncompleteBody,
    #[error("this case does not require a {0} document")]
    KindNotRequired(kyc_core::DocumentKind),
    #[error("this case is {0} and accepts no more uploads")]
    CaseClosed(kyc_core::CaseStatus),
    #[error("the {0} is unavailable; try again shortly")]
    Unavailable(&'static str),
    /// A request that conflicts with the state of a case or document
    /// (claimed by someone else, already decided, awaiting confirmation).
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthorized => "unauthorized",
            ApiError::Forbidden => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::Validation(_) => "validation_failed",
            ApiError::UnsupportedFormat(_) => "unsupported_format",
            ApiError::FileTooLarge { .. } => "file_too_large",
            ApiError::ImageTooLarge { .. } => "image_too_large",
            ApiError::CorruptImage(_) => "corrupt_image",
            ApiError::IncompleteBody => "incomplete_body",
            ApiError::KindNotRequired(_) => "kind_not_required",
            ApiError::CaseClosed(_) => "case_closed",
            ApiError::Unavailable("database") => "database_unavailable",
            ApiError::Unavailable(_) => "object_store_unavailable",
            ApiError::Conflict { code, .. } => code,
            ApiError::Internal(_) => "internal_error",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Validation(_) | ApiError::KindNotRequired(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::UnsupportedFormat(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::FileTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::ImageTooLarge { .. } | ApiError::CorruptImage(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::IncompleteBody => StatusCode::BAD_REQUEST,
            ApiError::CaseClosed(_) | ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(cause) = &self {
            tracing::error!(error = %format!("{cause:#}"), "internal error");
        } else if let ApiError::Unavailable(what) = &self {
            tracing::warn!(backend = what, "backend unavailable");
        }
        let body = json!({"error": {"code": self.code(), "message": self.to_string()}});
        let mut response = (self.status(), Json(body)).into_response();
        if matches!(self, ApiError::Unauthorized) {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        if matches!(self, ApiError::Unavailable(_)) {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("5"),
            );
        }
        response
    }
}

impl From<kyc_store::StoreError> for ApiError {
    fn from(err: kyc_store::StoreError) -> Self {
        match err {
            kyc_store::StoreError::Unavailable(_) => ApiError::Unavailable("database"),
            kyc_store::StoreError::NotFound => ApiError::NotFound("record"),
            other => ApiError::Internal(other.into()),
        }
    }
}

impl From<kyc_vault::StoreError> for ApiError {
    fn from(err: kyc_vault::StoreError) -> Self {
        match err {
            kyc_vault::StoreError::NotFound(_) => {
                ApiError::Internal(anyhow::anyhow!("object missing: {err}"))
            }
            _ => ApiError::Unavailable("object store"),
        }
    }
}

/// Rejections from axum's extractors (bad JSON, bad path) become our shape.
impl From<axum::extract::rejection::JsonRejection> for ApiError {
    fn from(rejection: axum::extract::rejection::JsonRejection) -> Self {
        ApiError::Validation(rejection.body_text())
    }
}
