use crate::KeyId;

/// Everything that can go wrong sealing or opening a document.
///
/// `Decrypt` deliberately carries no detail: whether the tag, the AAD or the
/// wrapped key was wrong is exactly what an attacker probing us would like to
/// learn, and the operator cannot act on the difference either.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VaultError {
    /// A master key (or key id) could not be parsed.
    #[error("invalid master key: {0}")]
    InvalidKey(String),
    /// The envelope names a master key the keyring does not hold.
    #[error("unknown master key {0}")]
    UnknownKey(KeyId),
    /// Authentication failed: wrong key, wrong AAD or tampered bytes.
    #[error("decryption failed")]
    Decrypt,
    /// The stored object or envelope is not in the format this crate writes.
    #[error("bad envelope format: {0}")]
    Format(String),
    /// The crypto library refused an operation that should not fail
    /// (e.g. the system RNG is unavailable).
    #[error("crypto failure: {0}")]
    Crypto(&'static str),
}
