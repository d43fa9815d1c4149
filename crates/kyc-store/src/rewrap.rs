//! Master key rotation at the row level: find the data keys still wrapped
//! under an old master key and swap in their rewrapped form. Objects are
//! never touched; a crypto-shredded row (no wrapped key) is skipped.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use kyc_core::DocumentId;

use crate::time::to_millis;
use crate::{Database, StoreError};

/// One document's envelope columns.
#[derive(Debug, Clone)]
pub struct WrappedKeyRow {
    pub id: DocumentId,
    pub key_id: String,
    pub wrapped_key: Vec<u8>,
    pub nonce: Vec<u8>,
}

impl Database {
    /// Up to `limit` documents whose data key is wrapped under a master key
    /// other than `active_key_id`, in id order after `after` (for paging
    /// past rows that could not be rewrapped).
    pub async fn keys_not_under(
        &self,
        active_key_id: &str,
        after: Option<DocumentId>,
        limit: u32,
    ) -> Result<Vec<WrappedKeyRow>, StoreError> {
        let rows: Vec<(String, String, Vec<u8>, Vec<u8>)> = sqlx::query_as(
            "select id, key_id, wrapped_key, nonce from documents \
             where wrapped_key is not null and key_id <> $1 and id > $2 order by id limit $3",
        )
        .bind(active_key_id.to_owned())
        .bind(after.map(|a| a.to_string()).unwrap_or_default())
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await
        .map_err(StoreError::from_sqlx)?;
        rows.into_iter()
            .map(|(id, key_id, wrapped_key, nonce)| {
                Ok(WrappedKeyRow {
                    id: id
                        .parse()
                        .map_err(|_| StoreError::corrupt("documents.id"))?,
                    key_id,
                    wrapped_key,
                    nonce,
                })
            })
            .collect()
    }

    /// Replaces wrapped keys in one transaction. Each update only applies if
    /// the row still holds the old envelope (a concurrent shred or rotation
    /// wins); returns how many rows changed.
    pub async fn replace_wrapped_keys(
        &self,
        updates: &[(WrappedKeyRow, String, Vec<u8>)],
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let mut tx = self.pool().begin().await.map_err(StoreError::from_sqlx)?;
        let mut changed = 0;
        for (old, new_key_id, new_wrapped) in updates {
            let done = sqlx::query(
                "update documents set key_id = $1, wrapped_key = $2, updated_at = $3 \
                 where id = $4 and key_id = $5 and wrapped_key is not null",
            )
            .bind(new_key_id.clone())
            .bind(new_wrapped.clone())
            .bind(to_millis(now))
            .bind(old.id.to_string())
            .bind(old.key_id.clone())
            .execute(&mut *tx)
            .await
            .map_err(StoreError::from_sqlx)?;
            changed += done.rows_affected();
        }
        tx.commit().await.map_err(StoreError::from_sqlx)?;
        Ok(changed)
    }

    /// How many readable documents each master key wraps: a retired key may
    /// be destroyed once its count is zero.
    pub async fn wrapped_key_counts(&self) -> Result<HashMap<String, u64>, StoreError> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "select key_id, count(*) from documents where wrapped_key is not null group by key_id",
        )
        .fetch_all(self.pool())
        .await
        .map_err(StoreError::from_sqlx)?;
        Ok(rows
            .into_iter()
            .map(|(k, n)| (k, u64::try_from(n).unwrap_or(0)))
            .collect())
    }
}
