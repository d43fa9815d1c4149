//! Bearer tokens: random, prefixed by purpose, stored only as SHA-256.

use rand::RngCore;
use sha2::{Digest, Sha256};

/// A new token: a purpose prefix (so a leaked token says what it opens)
/// and 32 random bytes in hex.
pub fn generate_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("{prefix}_{}", hex::encode(bytes))
}

/// What the database keeps instead of the token.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_prefixed_and_hash_stably() {
        let a = generate_token("kyc_up");
        let b = generate_token("kyc_up");
        assert_ne!(a, b);
        assert!(a.starts_with("kyc_up_") && a.len() == 7 + 64);
        assert_eq!(hash_token(&a), hash_token(&a));
        assert_ne!(hash_token(&a), hash_token(&b));
        assert_eq!(hash_token(&a).len(), 64);
    }
}
