//! STUB of the vault API for compiling the server; replaced by the real crate on merge.
//! It does NOT encrypt.
use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Mutex;

use bytes::Bytes;

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("invalid key")]
    InvalidKey(String),
    #[error("unknown key")]
    UnknownKey(KeyId),
    #[error("decrypt")]
    Decrypt,
}
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyId(String);
impl KeyId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl FromStr for KeyId {
    type Err = VaultError;
    fn from_str(s: &str) -> Result<Self, VaultError> {
        Ok(Self(s.into()))
    }
}
pub struct MasterKey(KeyId);
impl MasterKey {
    pub fn generate() -> Self {
        Self(KeyId("mk-stub".into()))
    }
    pub fn from_hex(_hex: &str) -> Result<Self, VaultError> {
        Ok(Self::generate())
    }
    pub fn to_hex(&self) -> String {
        "00".repeat(32)
    }
    pub fn id(&self) -> &KeyId {
        &self.0
    }
}
pub struct Keyring(MasterKey);
impl Keyring {
    pub fn new(active: MasterKey) -> Self {
        Self(active)
    }
    pub fn with_retired(self, _key: MasterKey) -> Self {
        self
    }
    pub fn for_testing() -> Self {
        Self(MasterKey::generate())
    }
    pub fn active_id(&self) -> &KeyId {
        self.0.id()
    }
    pub fn seal(&self, plaintext: &[u8], _aad: &[u8]) -> Result<Sealed, VaultError> {
        Ok(Sealed {
            envelope: Envelope {
                key_id: self.0.id().clone(),
                wrapped_key: vec![0; 40],
                nonce: [0; 12],
            },
            object: plaintext.to_vec(),
        })
    }
    pub fn open(&self, _e: &Envelope, object: &[u8], _aad: &[u8]) -> Result<Vec<u8>, VaultError> {
        Ok(object.to_vec())
    }
    pub fn rewrap(&self, e: &Envelope) -> Result<Envelope, VaultError> {
        Ok(e.clone())
    }
}
#[derive(Debug, Clone)]
pub struct Envelope {
    pub key_id: KeyId,
    pub wrapped_key: Vec<u8>,
    pub nonce: [u8; 12],
}
pub struct Sealed {
    pub envelope: Envelope,
    pub object: Vec<u8>,
}
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectKey(String);
impl ObjectKey {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl FromStr for ObjectKey {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self, StoreError> {
        Ok(Self(s.into()))
    }
}
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound(ObjectKey),
    #[error("unavailable")]
    Unavailable(String),
}
#[async_trait::async_trait]
pub trait ObjectStore: Send + Sync + fmt::Debug {
    async fn put(&self, key: &ObjectKey, bytes: Bytes) -> Result<(), StoreError>;
    async fn get(&self, key: &ObjectKey) -> Result<Bytes, StoreError>;
    async fn delete(&self, key: &ObjectKey) -> Result<(), StoreError>;
    async fn list(&self, prefix: &str) -> Result<Vec<ObjectKey>, StoreError>;
    async fn check(&self) -> Result<(), StoreError>;
}
#[derive(Debug, Default)]
pub struct MemoryStore(Mutex<HashMap<ObjectKey, Bytes>>);
#[async_trait::async_trait]
impl ObjectStore for MemoryStore {
    async fn put(&self, key: &ObjectKey, bytes: Bytes) -> Result<(), StoreError> {
        self.0.lock().unwrap().insert(key.clone(), bytes);
        Ok(())
    }
    async fn get(&self, key: &ObjectKey) -> Result<Bytes, StoreError> {
        self.0
            .lock()
            .unwrap()
            .get(key)
            .cloned()
            .ok_or(StoreError::NotFound(key.clone()))
    }
    async fn delete(&self, key: &ObjectKey) -> Result<(), StoreError> {
        self.0.lock().unwrap().remove(key);
        Ok(())
    }
    async fn list(&self, prefix: &str) -> Result<Vec<ObjectKey>, StoreError> {
        Ok(self
            .0
            .lock()
            .unwrap()
            .keys()
            .filter(|k| k.0.starts_with(prefix))
            .cloned()
            .collect())
    }
    async fn check(&self) -> Result<(), StoreError> {
        Ok(())
    }
}
#[derive(Debug)]
pub struct LocalDiskStore(MemoryStore);
impl LocalDiskStore {
    pub fn open(_root: impl Into<PathBuf>) -> Result<Self, StoreError> {
        Ok(Self(MemoryStore::default()))
    }
}
#[async_trait::async_trait]
impl ObjectStore for LocalDiskStore {
    async fn put(&self, key: &ObjectKey, bytes: Bytes) -> Result<(), StoreError> {
        self.0.put(key, bytes).await
    }
    async fn get(&self, key: &ObjectKey) -> Result<Bytes, StoreError> {
        self.0.get(key).await
    }
    async fn delete(&self, key: &ObjectKey) -> Result<(), StoreError> {
        self.0.delete(key).await
    }
    async fn list(&self, prefix: &str) -> Result<Vec<ObjectKey>, StoreError> {
        self.0.list(prefix).await
    }
    async fn check(&self) -> Result<(), StoreError> {
        Ok(())
    }
}
pub struct S3Config {
    pub bucket: String,
    pub endpoint: Option<String>,
    pub region: String,
    pub force_path_style: bool,
}
#[derive(Debug)]
pub struct S3Store(MemoryStore);
impl S3Store {
    pub async fn connect(_c: S3Config) -> Result<Self, StoreError> {
        Ok(Self(MemoryStore::default()))
    }
}
#[async_trait::async_trait]
impl ObjectStore for S3Store {
    async fn put(&self, key: &ObjectKey, bytes: Bytes) -> Result<(), StoreError> {
        self.0.put(key, bytes).await
    }
    async fn get(&self, key: &ObjectKey) -> Result<Bytes, StoreError> {
        self.0.get(key).await
    }
    async fn delete(&self, key: &ObjectKey) -> Result<(), StoreError> {
        self.0.delete(key).await
    }
    async fn list(&self, prefix: &str) -> Result<Vec<ObjectKey>, StoreError> {
        self.0.list(prefix).await
    }
    async fn check(&self) -> Result<(), StoreError> {
        Ok(())
    }
}
