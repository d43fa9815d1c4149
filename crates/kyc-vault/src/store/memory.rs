use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};

use bytes::Bytes;

use super::{ObjectKey, ObjectStore, StoreError};

/// Objects in a map, for tests and for `kyc` runs that must not touch disk.
/// Everything is lost when it is dropped.
#[derive(Default)]
pub struct MemoryStore {
    objects: Mutex<BTreeMap<ObjectKey, Bytes>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn objects(&self) -> MutexGuard<'_, BTreeMap<ObjectKey, Bytes>> {
        // The map is never left half-updated (every critical section is a
        // single map operation), so a poisoned lock is still consistent.
        self.objects.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("objects", &self.objects().len())
            .finish()
    }
}

#[async_trait::async_trait]
impl ObjectStore for MemoryStore {
    async fn put(&self, key: &ObjectKey, bytes: Bytes) -> Result<(), StoreError> {
        self.objects().insert(key.clone(), bytes);
        Ok(())
    }

    async fn get(&self, key: &ObjectKey) -> Result<Bytes, StoreError> {
        self.objects()
            .get(key)
            .cloned()
            .ok_or_else(|| StoreError::NotFound(key.clone()))
    }

    async fn delete(&self, key: &ObjectKey) -> Result<(), StoreError> {
        self.objects().remove(key);
        Ok(())
    }

    async fn list(&self, prefix: &str) -> Result<Vec<ObjectKey>, StoreError> {
        Ok(self
            .objects()
            .keys()
            .filter(|k| k.as_str().starts_with(prefix))
            .cloned()
            .collect())
    }

    async fn check(&self) -> Result<(), StoreError> {
        Ok(())
    }
}
