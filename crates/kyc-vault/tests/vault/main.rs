//! Integration tests, compiled as one binary so the suite links once.

mod conformance;
mod crypto;
#[cfg(feature = "s3")]
mod s3;
mod stores;
