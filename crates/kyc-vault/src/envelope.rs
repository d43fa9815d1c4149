//! Sealing and opening documents: one fresh data key per object, wrapped
//! under the keyring's master key. The byte format is documented at the
//! crate root.

use std::fmt;

use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use aws_lc_rs::key_wrap::{AesKek, KeyWrap, AES_256};
use aws_lc_rs::rand;
use zeroize::Zeroizing;

use crate::keys::{KeyId, Keyring, MasterKey, KEY_LEN};
use crate::VaultError;

/// First bytes of every stored object, so a stray plaintext file or a
/// foreign blob is rejected as `Format` instead of failing as `Decrypt`.
pub const MAGIC: [u8; 4] = *b"KYCE";
/// Bumped if the layout or algorithms ever change; `open` rejects others.
pub const FORMAT_VERSION: u8 = 1;
/// Magic + version + nonce.
pub const HEADER_LEN: usize = MAGIC.len() + 1 + NONCE_LEN;
/// AES-GCM authentication tag.
pub const TAG_LEN: usize = 16;
/// AES-KW (RFC 3394) adds one 8-byte integrity block to the wrapped key.
pub const WRAPPED_KEY_LEN: usize = KEY_LEN + 8;

/// What the database row records next to the object key. The wrapped data
/// key lives here rather than in the object so that rotation rewrites a few
/// bytes per row, not every object, and deleting the row crypto-shreds the
/// object even if a backup of the store survives.
#[derive(Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The master key that wrapped `wrapped_key`.
    pub key_id: KeyId,
    /// The object's data key under AES-KW, [`WRAPPED_KEY_LEN`] bytes.
    pub wrapped_key: Vec<u8>,
    /// The AES-GCM nonce; also written in the object header, and the two
    /// must agree.
    pub nonce: [u8; NONCE_LEN],
}

impl Envelope {
    /// Rebuilds an envelope from its database columns, checking lengths so a
    /// corrupt row fails here as `Format` rather than later as `Decrypt`.
    pub fn from_parts(
        key_id: &str,
        wrapped_key: Vec<u8>,
        nonce: &[u8],
    ) -> Result<Self, VaultError> {
        let key_id = key_id
            .parse()
            .map_err(|_| VaultError::Format(format!("bad key id {key_id:?}")))?;
        if wrapped_key.len() != WRAPPED_KEY_LEN {
            return Err(VaultError::Format(format!(
                "wrapped key is {} bytes, expected {WRAPPED_KEY_LEN}",
                wrapped_key.len()
            )));
        }
        let nonce = nonce.try_into().map_err(|_| {
            VaultError::Format(format!(
                "nonce is {} bytes, expected {NONCE_LEN}",
                nonce.len()
            ))
        })?;
        Ok(Self {
            key_id,
            wrapped_key,
            nonce,
        })
    }
}

impl fmt::Debug for Envelope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Envelope")
            .field("key_id", &self.key_id)
            .field("wrapped_key", &hex::encode(&self.wrapped_key))
            .field("nonce", &hex::encode(self.nonce))
            .finish()
    }
}

/// The result of sealing: the envelope for the DB and the bytes for the store.
#[derive(Clone, PartialEq, Eq)]
pub struct Sealed {
    pub envelope: Envelope,
    /// Header + ciphertext + tag, exactly as the object store keeps it.
    pub object: Vec<u8>,
}

impl fmt::Debug for Sealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sealed")
            .field("envelope", &self.envelope)
            .field("object_len", &self.object.len())
            .finish()
    }
}

type DataKey = Zeroizing<[u8; KEY_LEN]>;

impl Keyring {
    /// Encrypts `plaintext` under a fresh data key. `aad` (the document id)
    /// is authenticated but not stored: `open` must be given the same bytes,
    /// so an object copied onto another record will not open.
    pub fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Result<Sealed, VaultError> {
        let mut data_key: DataKey = Zeroizing::new([0u8; KEY_LEN]);
        rand::fill(data_key.as_mut()).map_err(|_| VaultError::Crypto("random data key"))?;
        let mut nonce = [0u8; NONCE_LEN];
        rand::fill(&mut nonce).map_err(|_| VaultError::Crypto("random nonce"))?;

        let mut object = Vec::with_capacity(HEADER_LEN + plaintext.len() + TAG_LEN);
        object.extend_from_slice(&MAGIC);
        object.push(FORMAT_VERSION);
        object.extend_from_slice(&nonce);
        object.extend_from_slice(plaintext);
        let tag = aead_key(&data_key)?
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad),
                &mut object[HEADER_LEN..],
            )
            .map_err(|_| VaultError::Crypto("AES-GCM seal"))?;
        object.extend_from_slice(tag.as_ref());

        let envelope = Envelope {
            key_id: self.active_id().clone(),
            wrapped_key: wrap(self.active(), &data_key)?,
            nonce,
        };
        Ok(Sealed { envelope, object })
    }

    /// Decrypts an object produced by [`Keyring::seal`], with the envelope
    /// from its record and the same `aad`.
    pub fn open(
        &self,
        envelope: &Envelope,
        object: &[u8],
        aad: &[u8],
    ) -> Result<Vec<u8>, VaultError> {
        let body = parse_header(object, &envelope.nonce)?;
        let data_key = unwrap(self.find(&envelope.key_id)?, &envelope.wrapped_key)?;
        let mut in_out = body.to_vec();
        let len = aead_key(&data_key)?
            .open_in_place(
                Nonce::assume_unique_for_key(envelope.nonce),
                Aad::from(aad),
                &mut in_out,
            )
            .map_err(|_| VaultError::Decrypt)?
            .len();
        in_out.truncate(len);
        Ok(in_out)
    }

    /// Re-wraps the same data key under the active master key. The object is
    /// untouched (its nonce and ciphertext do not depend on the master key),
    /// so rotation only updates the DB row; once every row is rewrapped the
    /// retired key can be destroyed.
    pub fn rewrap(&self, envelope: &Envelope) -> Result<Envelope, VaultError> {
        let data_key = unwrap(self.find(&envelope.key_id)?, &envelope.wrapped_key)?;
        Ok(Envelope {
            key_id: self.active_id().clone(),
            wrapped_key: wrap(self.active(), &data_key)?,
            nonce: envelope.nonce,
        })
    }
}

/// Checks magic, version and nonce; returns ciphertext||tag.
fn parse_header<'a>(object: &'a [u8], nonce: &[u8; NONCE_LEN]) -> Result<&'a [u8], VaultError> {
    if object.len() < HEADER_LEN + TAG_LEN {
        return Err(VaultError::Format(format!(
            "object is {} bytes, shorter than header and tag",
            object.len()
        )));
    }
    let (header, body) = object.split_at(HEADER_LEN);
    if header[..MAGIC.len()] != MAGIC {
        return Err(VaultError::Format("missing KYCE magic".to_owned()));
    }
    let version = header[MAGIC.len()];
    if version != FORMAT_VERSION {
        return Err(VaultError::Format(format!(
            "unsupported format version {version}"
        )));
    }
    if header[MAGIC.len() + 1..] != nonce[..] {
        return Err(VaultError::Format(
            "object nonce does not match the envelope".to_owned(),
        ));
    }
    Ok(body)
}

fn aead_key(data_key: &DataKey) -> Result<LessSafeKey, VaultError> {
    UnboundKey::new(&AES_256_GCM, data_key.as_ref())
        .map(LessSafeKey::new)
        .map_err(|_| VaultError::Crypto("AES-GCM key"))
}

fn wrap(master: &MasterKey, data_key: &DataKey) -> Result<Vec<u8>, VaultError> {
    let kek = AesKek::new(&AES_256, master.bytes()).map_err(|_| VaultError::Crypto("KEK"))?;
    let mut out = vec![0u8; WRAPPED_KEY_LEN];
    kek.wrap(data_key.as_ref(), &mut out)
        .map_err(|_| VaultError::Crypto("AES-KW wrap"))?;
    Ok(out)
}

fn unwrap(master: &MasterKey, wrapped: &[u8]) -> Result<DataKey, VaultError> {
    if wrapped.len() != WRAPPED_KEY_LEN {
        return Err(VaultError::Format(format!(
            "wrapped key is {} bytes, expected {WRAPPED_KEY_LEN}",
            wrapped.len()
        )));
    }
    let kek = AesKek::new(&AES_256, master.bytes()).map_err(|_| VaultError::Crypto("KEK"))?;
    let mut data_key: DataKey = Zeroizing::new([0u8; KEY_LEN]);
    // AES-KW's integrity check fails when the key id matches but the key
    // material does not (or the wrapped bytes were altered).
    kek.unwrap(wrapped, data_key.as_mut())
        .map_err(|_| VaultError::Decrypt)?;
    Ok(data_key)
}
