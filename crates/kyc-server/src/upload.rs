//! Receiving an upload: the byte limit enforced while streaming, SHA-256
//! computed on the way, raw bodies and multipart `file` fields alike.

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use bytes::{Bytes, BytesMut};
use futures::{Stream, StreamExt};
use kyc_core::Sha256Digest;
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::state::AppState;

/// An upload received in full, under the byte limit.
#[derive(Debug)]
pub struct ReceivedFile {
    pub bytes: Bytes,
    pub sha256: Sha256Digest,
    /// The media type the client declared, if any (never trusted for the
    /// format, only compared against what the bytes are).
    pub declared_type: Option<String>,
}

/// Reads the body of an upload request: raw (`image/jpeg`, `image/png`,
/// `application/octet-stream`, or no type) or `multipart/form-data` with a
/// `file` field. Answers 413 as soon as the limit is passed, and before
/// reading anything when the declared length is already over it.
pub async fn receive(request: Request, state: &AppState) -> Result<ReceivedFile, ApiError> {
    let limit = state.limits.max_bytes;
    let declared_length = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let content_type = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });

    match content_type.as_deref() {
        Some("multipart/form-data") => {
            // The multipart envelope adds a little around the file itself.
            if declared_length.is_some_and(|n| n > limit + 64 * 1024) {
                return Err(ApiError::FileTooLarge { limit });
            }
            let mut multipart = Multipart::from_request(request, state)
                .await
                .map_err(|e| ApiError::Validation(e.body_text()))?;
            while let Some(field) = multipart
                .next_field()
                .await
                .map_err(|_| ApiError::IncompleteBody)?
            {
                if field.name() != Some("file") {
                    continue;
                }
                let declared = field.content_type().map(|t| t.to_ascii_lowercase());
                check_declared_type(declared.as_deref())?;
                let chunks = futures::stream::unfold(field, |mut field| async move {
                    match field.chunk().await {
                        Ok(Some(chunk)) => Some((Ok(chunk), field)),
                        Ok(None) => None,
                        Err(_) => Some((Err(ApiError::IncompleteBody), field)),
                    }
                });
                let (bytes, sha256) = collect_limited(std::pin::pin!(chunks), limit).await?;
                return Ok(ReceivedFile {
                    bytes,
                    sha256,
                    declared_type: declared,
                });
            }
            Err(ApiError::Validation(
                "the multipart body has no `file` field".into(),
            ))
        }
        declared => {
            check_declared_type(declared)?;
            if declared_length.is_some_and(|n| n > limit) {
                return Err(ApiError::FileTooLarge { limit });
            }
            let stream = request
                .into_body()
                .into_data_stream()
                .map(|chunk| chunk.map_err(|_| ApiError::IncompleteBody));
            let (bytes, sha256) = collect_limited(stream, limit).await?;
            Ok(ReceivedFile {
                bytes,
                sha256,
                declared_type: declared.map(str::to_owned),
            })
        }
    }
}

/// Only image types, or no claim at all, are acceptable declarations.
fn check_declared_type(declared: Option<&str>) -> Result<(), ApiError> {
    match declared {
        None | Some("image/jpeg" | "image/jpg" | "image/png" | "application/octet-stream") => {
            Ok(())
        }
        Some(other) => Err(ApiError::UnsupportedFormat(format!(
            "`{other}` is not accepted: send a JPEG or PNG photo"
        ))),
    }
}

/// Refuses a body whose declared image type differs from what its bytes are.
pub fn check_declared_matches(
    declared: Option<&str>,
    actual: &'static str,
) -> Result<(), ApiError> {
    let declared = match declared {
        Some("image/jpg") => Some("image/jpeg"),
        other => other,
    };
    match declared {
        Some(d @ ("image/jpeg" | "image/png")) if d != actual => Err(ApiError::UnsupportedFormat(
            format!("the request says {d} but the file is {actual}"),
        )),
        _ => Ok(()),
    }
}

async fn collect_limited(
    mut chunks: impl Stream<Item = Result<Bytes, ApiError>> + Unpin,
    limit: u64,
) -> Result<(Bytes, Sha256Digest), ApiError> {
    let mut buffer = BytesMut::new();
    let mut hasher = Sha256::new();
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk?;
        if (buffer.len() + chunk.len()) as u64 > limit {
            return Err(ApiError::FileTooLarge { limit });
        }
        hasher.update(&chunk);
        buffer.extend_from_slice(&chunk);
    }
    let digest = Sha256Digest::from_bytes(hasher.finalize().into());
    Ok((buffer.freeze(), digest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sniff_mime(bytes: &[u8]) -> Option<&'static str> {
        kyc_checker::sniff(bytes).map(kyc_checker::ImageFormat::mime)
    }

    #[tokio::test]
    async fn limit_is_enforced_while_streaming_and_digest_matches() {
        let chunks = futures::stream::iter(vec![
            Ok(Bytes::from_static(b"abc")),
            Ok(Bytes::from_static(b"def")),
        ]);
        let (bytes, digest) = collect_limited(chunks, 6).await.unwrap();
        assert_eq!(&bytes[..], b"abcdef");
        assert_eq!(
            digest.to_hex(),
            "bef57ec7f53a6d40beb640a780a639c83bc29ac8a9816f1fc6c5c6dcd93c4721"
        );
        let chunks = futures::stream::iter(vec![
            Ok(Bytes::from_static(b"abc")),
            Ok(Bytes::from_static(b"defg")),
        ]);
        let err = collect_limited(chunks, 6).await.unwrap_err();
        assert_eq!(err.code(), "file_too_large");
    }

    #[test]
    fn magic_numbers_decide_and_declarations_must_agree() {
        assert_eq!(sniff_mime(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff_mime(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff_mime(b"%PDF-1.7"), None);
        assert_eq!(sniff_mime(b"GIF89a"), None);
        assert!(check_declared_matches(Some("image/png"), "image/jpeg").is_err());
        assert!(check_declared_matches(Some("image/jpg"), "image/jpeg").is_ok());
        assert!(check_declared_matches(None, "image/png").is_ok());
        assert!(check_declared_type(Some("text/plain")).is_err());
        assert!(check_declared_type(Some("application/pdf")).is_err());
    }
}
