//! Envelope encryption for KYC documents and the object stores that keep the
//! ciphertext. Nothing outside this crate ever sees a data key.
//!
//! # Scheme
//!
//! [`Keyring::seal`] draws a fresh random 32-byte **data key** and 12-byte
//! **nonce** for every object and encrypts with AES-256-GCM (via `aws-lc-rs`).
//! The caller's AAD (the document id) is authenticated but not stored, so an
//! object only opens on the record it was sealed for. The data key is then
//! wrapped with AES-KW (RFC 3394, no padding) under the keyring's active
//! 256-bit **master key**, giving 40 bytes.
//!
//! The [`Envelope`] (master key id, wrapped data key, nonce) is stored in the
//! database row; the object bytes go to an [`ObjectStore`]. Consequences:
//! rotating the master key ([`Keyring::rewrap`]) rewrites 40 bytes per row and
//! never touches objects, and deleting the row crypto-shreds the object even
//! where the store (or its backups) keeps the ciphertext.
//!
//! # Stored object format, version 1
//!
//! | offset | length | content                                   |
//! |-------:|-------:|-------------------------------------------|
//! | 0      | 4      | magic `KYCE` (`4b 59 43 45`)              |
//! | 4      | 1      | format version, `0x01`                    |
//! | 5      | 12     | AES-GCM nonce, equal to `Envelope::nonce` |
//! | 17     | n      | AES-256-GCM ciphertext of the n-byte plaintext |
//! | 17 + n | 16     | AES-GCM tag                               |
//!
//! GCM's AAD is exactly the caller's `aad` bytes. [`Keyring::open`] rejects
//! (as [`VaultError::Format`]) an object shorter than 33 bytes, a wrong magic
//! or version, or a header nonce that differs from the envelope's; it returns
//! [`VaultError::Decrypt`] when the wrapped key or the tag does not verify.
//!
//! # Master keys
//!
//! A master key file holds 64 hex digits ([`MasterKey::from_hex`]). Its
//! [`KeyId`] is `mk-` followed by the first 8 bytes of SHA-256(key) in hex,
//! so envelopes name their key without revealing it.
//!
//! # Testing against S3
//!
//! The S3 conformance test runs when `KYC_TEST_S3_ENDPOINT` and
//! `KYC_TEST_S3_BUCKET` are set (`eval "$(scripts/garage.sh)"` starts a local
//! Garage and prints them); without them it is skipped, unless `CI` is set,
//! where it fails.

mod envelope;
mod error;
mod keys;
mod store;

pub use envelope::{Envelope, Sealed, FORMAT_VERSION, HEADER_LEN, MAGIC, TAG_LEN, WRAPPED_KEY_LEN};
pub use error::VaultError;
pub use keys::{KeyId, Keyring, MasterKey};
pub use store::{LocalDiskStore, MemoryStore, ObjectKey, ObjectStore, StoreError, MAX_KEY_LEN};
#[cfg(feature = "s3")]
pub use store::{S3Config, S3Store};
