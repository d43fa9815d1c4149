//! Reviewers: named people with a role and a bearer token kept only as its
//! SHA-256.

use chrono::{DateTime, Utc};
use kyc_core::ReviewerRole;
use serde_json::json;
use sqlx::Row;

use crate::audit::{append_in, NewAuditEntry};
use crate::time::{from_millis, opt_from_millis, to_millis};
use crate::{Database, StoreError};

/// A reviewer as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewerRecord {
    pub id: String,
    pub name: String,
    pub role: ReviewerRole,
    pub disabled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl ReviewerRecord {
    /// How the reviewer appears in the audit trail.
    pub fn actor(&self) -> String {
        format!("reviewer:{}", self.name)
    }
}

/// Names are short and plain so they can be typed on a command line and
/// shown in the audit trail without escaping.
pub fn valid_reviewer_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

const REVIEWER_COLUMNS: &str = "id, name, role, disabled_at, created_at";

fn reviewer_from_row(row: &sqlx::any::AnyRow) -> Result<ReviewerRecord, StoreError> {
    let text = |c: &str| {
        row.try_get::<String, _>(c)
            .map_err(|_| StoreError::corrupt(format!("reviewers.{c}")))
    };
    Ok(ReviewerRecord {
        id: text("id")?,
        name: text("name")?,
        role: text("role")?
            .parse()
            .map_err(|_| StoreError::corrupt("reviewers.role"))?,
        disabled_at: opt_from_millis(
            row.try_get::<Option<i64>, _>("disabled_at")
                .map_err(|_| StoreError::corrupt("reviewers.disabled_at"))?,
        )?,
        created_at: from_millis(
            row.try_get::<i64, _>("created_at")
                .map_err(|_| StoreError::corrupt("reviewers.created_at"))?,
        )?,
    })
}

impl Database {
    /// Adds a reviewer; `Conflict` if the name is taken.
    pub async fn add_reviewer(
        &self,
        name: &str,
        role: ReviewerRole,
        token_hash: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<ReviewerRecord, StoreError> {
        if !valid_reviewer_name(name) {
            return Err(StoreError::Config(
                "a reviewer name is 1 to 64 of a-z, 0-9, '.', '_', '-'".into(),
            ));
        }
        let id = uuid::Uuid::now_v7().to_string();
        let mut tx = self.pool().begin().await.map_err(StoreError::from_sqlx)?;
        sqlx::query(
            "insert into reviewers (id, name, role, token_hash, created_at) \
             values ($1, $2, $3, $4, $5)",
        )
        .bind(id.clone())
        .bind(name.to_owned())
        .bind(role.as_str())
        .bind(token_hash.to_owned())
        .bind(to_millis(now))
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from_sqlx)?;
        let entry = NewAuditEntry::new(actor, "reviewer_added")
            .detail(json!({"reviewer": name, "role": role.as_str()}));
        append_in(&mut tx, now, &[entry]).await?;
        tx.commit().await.map_err(StoreError::from_sqlx)?;
        self.reviewer_by_name(name)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Disables a reviewer (their token stops working at once) and releases
    /// the cases they held. `None` if there is no such reviewer.
    pub async fn disable_reviewer(
        &self,
        name: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<ReviewerRecord>, StoreError> {
        let mut tx = self.pool().begin().await.map_err(StoreError::from_sqlx)?;
        let updated = sqlx::query(
            "update reviewers set disabled_at = $1 where name = $2 and disabled_at is null",
        )
        .bind(to_millis(now))
        .bind(name.to_owned())
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from_sqlx)?;
        if updated.rows_affected() == 1 {
            sqlx::query(
                "update cases set claimed_by = null, claim_expires_at = null \
                 where claimed_by = (select id from reviewers where name = $1)",
            )
            .bind(name.to_owned())
            .execute(&mut *tx)
            .await
            .map_err(StoreError::from_sqlx)?;
            let entry =
                NewAuditEntry::new(actor, "reviewer_disabled").detail(json!({"reviewer": name}));
            append_in(&mut tx, now, &[entry]).await?;
        }
        tx.commit().await.map_err(StoreError::from_sqlx)?;
        self.reviewer_by_name(name).await
    }

    pub async fn reviewer_by_name(&self, name: &str) -> Result<Option<ReviewerRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "select {REVIEWER_COLUMNS} from reviewers where name = $1"
        ))
        .bind(name.to_owned())
        .fetch_optional(self.pool())
        .await
        .map_err(StoreError::from_sqlx)?;
        row.as_ref().map(reviewer_from_row).transpose()
    }

    /// The active reviewer a token belongs to, by the token's hash.
    pub async fn reviewer_by_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<ReviewerRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "select {REVIEWER_COLUMNS} from reviewers where token_hash = $1 and disabled_at is null"
        ))
        .bind(token_hash.to_owned())
        .fetch_optional(self.pool())
        .await
        .map_err(StoreError::from_sqlx)?;
        row.as_ref().map(reviewer_from_row).transpose()
    }

    pub async fn list_reviewers(&self) -> Result<Vec<ReviewerRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "select {REVIEWER_COLUMNS} from reviewers order by name"
        ))
        .fetch_all(self.pool())
        .await
        .map_err(StoreError::from_sqlx)?;
        rows.iter().map(reviewer_from_row).collect()
    }
}
