//! Master keys, their ids, and the keyring that holds the active key plus the
//! retired keys that may still unwrap older envelopes.

use std::fmt;
use std::str::FromStr;

use aws_lc_rs::{digest, rand};
use zeroize::Zeroizing;

use crate::VaultError;

/// Length of a master key and of a per-object data key (AES-256).
pub(crate) const KEY_LEN: usize = 32;
const KEY_ID_PREFIX: &str = "mk-";
/// Bytes of SHA-256 kept in a key id: enough to tell a handful of keys apart,
/// too few to help anyone guess the key.
const KEY_ID_HASH_BYTES: usize = 8;

/// Names a master key without revealing it: `mk-` + the first 8 bytes of
/// SHA-256(key) in lowercase hex. Stored in every envelope so `open` knows
/// which key to use and `kyc keys rotate` knows which rows to rewrap.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(String);

impl KeyId {
    fn derive(key: &[u8; KEY_LEN]) -> Self {
        let hash = digest::digest(&digest::SHA256, key);
        Self(format!(
            "{KEY_ID_PREFIX}{}",
            hex::encode(&hash.as_ref()[..KEY_ID_HASH_BYTES])
        ))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for KeyId {
    type Err = VaultError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let valid = s.strip_prefix(KEY_ID_PREFIX).is_some_and(|h| {
            h.len() == KEY_ID_HASH_BYTES * 2
                && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        });
        if valid {
            Ok(Self(s.to_owned()))
        } else {
            Err(VaultError::InvalidKey(format!(
                "key id must be `mk-` followed by {} lowercase hex digits",
                KEY_ID_HASH_BYTES * 2
            )))
        }
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({})", self.0)
    }
}

/// A 256-bit key-encryption key. It only ever wraps data keys (AES-KW); it
/// never touches document bytes directly. The bytes are zeroed on drop and
/// never printed.
#[derive(Clone)]
pub struct MasterKey {
    key: Zeroizing<[u8; KEY_LEN]>,
    id: KeyId,
}

impl MasterKey {
    /// A fresh key from the system CSPRNG.
    ///
    /// # Panics
    /// Only if the operating system's random number generator fails, which
    /// leaves nothing safe to do.
    pub fn generate() -> Self {
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        rand::fill(key.as_mut()).expect("system RNG unavailable");
        Self::from_bytes(key)
    }

    /// Parses the key file format: exactly 64 hex digits, surrounding
    /// whitespace (such as a trailing newline) ignored.
    pub fn from_hex(hex: &str) -> Result<Self, VaultError> {
        let hex = hex.trim();
        if hex.len() != KEY_LEN * 2 {
            return Err(VaultError::InvalidKey(format!(
                "expected {} hex digits, found {} characters",
                KEY_LEN * 2,
                hex.len()
            )));
        }
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        hex::decode_to_slice(hex, key.as_mut())
            .map_err(|_| VaultError::InvalidKey("not a hex string".to_owned()))?;
        Ok(Self::from_bytes(key))
    }

    /// Lowercase hex, the format `from_hex` reads back; for writing key files.
    pub fn to_hex(&self) -> String {
        hex::encode(self.key.as_ref())
    }

    pub fn id(&self) -> &KeyId {
        &self.id
    }

    pub(crate) fn bytes(&self) -> &[u8; KEY_LEN] {
        &self.key
    }

    fn from_bytes(key: Zeroizing<[u8; KEY_LEN]>) -> Self {
        let id = KeyId::derive(&key);
        Self { key, id }
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MasterKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// The active master key, which wraps every new data key, plus retired keys
/// kept only so envelopes written before a rotation can still be opened (and
/// rewrapped under the active key).
#[derive(Clone, Debug)]
pub struct Keyring {
    active: MasterKey,
    retired: Vec<MasterKey>,
}

impl Keyring {
    pub fn new(active: MasterKey) -> Self {
        Self {
            active,
            retired: Vec::new(),
        }
    }

    /// Adds a key that may unwrap but never wrap. Adding the active key or a
    /// duplicate is harmless.
    pub fn with_retired(mut self, key: MasterKey) -> Self {
        if key.id() != self.active.id() && self.retired.iter().all(|k| k.id() != key.id()) {
            self.retired.push(key);
        }
        self
    }

    /// A keyring with one random key, for tests and throwaway servers.
    pub fn for_testing() -> Self {
        Self::new(MasterKey::generate())
    }

    pub fn active_id(&self) -> &KeyId {
        self.active.id()
    }

    pub(crate) fn active(&self) -> &MasterKey {
        &self.active
    }

    pub(crate) fn find(&self, id: &KeyId) -> Result<&MasterKey, VaultError> {
        std::iter::once(&self.active)
            .chain(&self.retired)
            .find(|k| k.id() == id)
            .ok_or_else(|| VaultError::UnknownKey(id.clone()))
    }
}
