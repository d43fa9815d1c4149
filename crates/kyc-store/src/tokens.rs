//! Operator API tokens, kept only as SHA-256 hashes.

use chrono::{DateTime, Utc};

use crate::time::to_millis;
use crate::{Database, StoreError};

impl Database {
    /// Whether any operator token has been stored yet (first start).
    pub async fn has_operator_token(&self) -> Result<bool, StoreError> {
        let row: Option<(String,)> =
            sqlx::query_as("select token_hash from operator_tokens limit 1")
                .fetch_optional(self.pool())
                .await
                .map_err(StoreError::from_sqlx)?;
        Ok(row.is_some())
    }

    pub async fn add_operator_token(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query("insert into operator_tokens (token_hash, created_at) values ($1, $2)")
            .bind(token_hash.to_owned())
            .bind(to_millis(now))
            .execute(self.pool())
            .await
            .map_err(StoreError::from_sqlx)?;
        Ok(())
    }

    pub async fn operator_token_exists(&self, token_hash: &str) -> Result<bool, StoreError> {
        let row: Option<(String,)> =
            sqlx::query_as("select token_hash from operator_tokens where token_hash = $1")
                .bind(token_hash.to_owned())
                .fetch_optional(self.pool())
                .await
                .map_err(StoreError::from_sqlx)?;
        Ok(row.is_some())
    }
}
