//! Where sealed objects live: a small trait with local-disk, S3 and
//! in-memory implementations, chosen by configuration.

use std::fmt;
use std::str::FromStr;

use bytes::Bytes;

mod local;
mod memory;
#[cfg(feature = "s3")]
mod s3;

pub use local::LocalDiskStore;
pub use memory::MemoryStore;
#[cfg(feature = "s3")]
pub use s3::{S3Config, S3Store};

/// Longest key accepted; S3 allows 1024 bytes, and half leaves room for a
/// bucket prefix while still being far longer than any key we generate.
pub const MAX_KEY_LEN: usize = 512;

/// A relative object key: segments of `[a-z0-9._-]` joined by `/`, with no
/// empty, `.` or `..` segment, at most [`MAX_KEY_LEN`] characters.
///
/// The alphabet is narrow on purpose: the same key is a file path under the
/// local store's root and an S3 key, so it must not be able to escape the
/// root, collide on case-insensitive file systems, or need URL escaping.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectKey(String);

impl ObjectKey {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The `/`-separated segments, each a safe file name.
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.0.split('/')
    }

    fn validate(s: &str) -> Result<(), String> {
        if s.is_empty() {
            return Err("object key is empty".to_owned());
        }
        if s.len() > MAX_KEY_LEN {
            return Err(format!("object key longer than {MAX_KEY_LEN} characters"));
        }
        for segment in s.split('/') {
            if !is_valid_segment(segment) {
                return Err(format!("invalid object key segment {segment:?}"));
            }
        }
        Ok(())
    }
}

/// One path segment: non-empty, not `.`/`..`, only `[a-z0-9._-]`.
pub(crate) fn is_valid_segment(segment: &str) -> bool {
    !segment.is_empty()
        && segment != "."
        && segment != ".."
        && segment
            .bytes()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'.' | b'_' | b'-'))
}

impl FromStr for ObjectKey {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::validate(s).map_err(StoreError::InvalidKey)?;
        Ok(Self(s.to_owned()))
    }
}

impl TryFrom<String> for ObjectKey {
    type Error = StoreError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::validate(&s).map_err(StoreError::InvalidKey)?;
        Ok(Self(s))
    }
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ObjectKey({})", self.0)
    }
}

/// Object store failures. Anything transient or environmental is
/// `Unavailable`, which the server answers with 503: the request may succeed
/// later and the client did nothing wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("object {0} not found")]
    NotFound(ObjectKey),
    /// I/O or network failure, timeout, or a backend refusing the request.
    #[error("object store unavailable: {0}")]
    Unavailable(String),
    /// A string that is not a valid [`ObjectKey`].
    #[error("{0}")]
    InvalidKey(String),
}

/// Storage of opaque (already encrypted) objects by key.
#[async_trait::async_trait]
pub trait ObjectStore: Send + Sync + std::fmt::Debug {
    /// Durable when it returns Ok: never a half-written object under `key`.
    /// Overwrites an existing object.
    async fn put(&self, key: &ObjectKey, bytes: Bytes) -> Result<(), StoreError>;
    /// [`StoreError::NotFound`] when absent.
    async fn get(&self, key: &ObjectKey) -> Result<Bytes, StoreError>;
    /// Idempotent: deleting an absent object is Ok.
    async fn delete(&self, key: &ObjectKey) -> Result<(), StoreError>;
    /// Keys whose string starts with `prefix` (plain string prefix, not
    /// segment-aware), in ascending order; for sweeps and tests.
    async fn list(&self, prefix: &str) -> Result<Vec<ObjectKey>, StoreError>;
    /// Readiness probe: Ok when the store can currently serve requests.
    async fn check(&self) -> Result<(), StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_typical_keys() {
        for ok in [
            "a",
            "docs/2026/11/0193.kyce",
            "a-b_c.d/e",
            ".hidden",
            "x..y",
        ] {
            let key: ObjectKey = ok.parse().unwrap();
            assert_eq!(key.as_str(), ok);
            assert_eq!(key.to_string(), ok);
        }
    }

    #[test]
    fn rejects_traversal_and_odd_characters() {
        for bad in [
            "",
            "/",
            "/abs",
            "trailing/",
            "a//b",
            ".",
            "..",
            "../etc/passwd",
            "a/../b",
            "a/./b",
            "Upper",
            "sp ace",
            "back\\slash",
            "nul\0",
            "é",
            "a/..",
        ] {
            assert!(
                matches!(bad.parse::<ObjectKey>(), Err(StoreError::InvalidKey(_))),
                "{bad:?} accepted"
            );
        }
    }

    #[test]
    fn enforces_length_limit() {
        let max = "a".repeat(MAX_KEY_LEN);
        assert!(max.parse::<ObjectKey>().is_ok());
        assert!(format!("{max}b").parse::<ObjectKey>().is_err());
        assert!(ObjectKey::try_from(format!("{max}b")).is_err());
    }
}
