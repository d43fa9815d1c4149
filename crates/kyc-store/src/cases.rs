//! Cases: opened by the operator, followed by the player's uploads.

use chrono::{DateTime, Utc};
use kyc_core::{
    CardLast4, CaseId, CaseReference, CaseStatus, DocumentKind, Locale, PlayerId, Priority,
    SlaClock,
};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::time::{from_millis, opt_from_millis, to_millis};
use crate::{Database, StoreError};

/// What the operator asked for when opening a case.
#[derive(Debug, Clone)]
pub struct NewCase {
    pub id: CaseId,
    pub reference: CaseReference,
    pub player_id: PlayerId,
    pub required: Vec<DocumentKind>,
    pub card_last4: Option<CardLast4>,
    pub priority: Priority,
    pub callback_url: Option<String>,
    pub locale: Locale,
    pub upload_token_hash: String,
    pub upload_token_expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

/// A case as stored.
#[derive(Debug, Clone)]
pub struct CaseRecord {
    pub id: CaseId,
    pub reference: CaseReference,
    pub player_id: PlayerId,
    pub required: Vec<DocumentKind>,
    pub card_last4: Option<CardLast4>,
    pub priority: Priority,
    pub callback_url: Option<String>,
    pub locale: Locale,
    pub status: CaseStatus,
    pub upload_token_expires_at: DateTime<Utc>,
    pub sla: SlaClock,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub(crate) const CASE_COLUMNS: &str =
    "id, reference, player_id, required_kinds, card_last4, priority, \
     callback_url, locale, status, upload_token_expires_at, sla_started_at, sla_paused_since, \
     sla_paused_total_secs, created_at, updated_at";

fn parse<T: std::str::FromStr>(column: &str, text: &str) -> Result<T, StoreError> {
    text.parse()
        .map_err(|_| StoreError::corrupt(format!("cases.{column}")))
}

pub(crate) fn join_kinds(kinds: &[DocumentKind]) -> String {
    kinds
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

pub(crate) fn case_from_row(row: &AnyRow) -> Result<CaseRecord, StoreError> {
    let get = |c: &str| {
        row.try_get::<String, _>(c)
            .map_err(|_| StoreError::corrupt(c))
    };
    let get_opt = |c: &str| {
        row.try_get::<Option<String>, _>(c)
            .map_err(|_| StoreError::corrupt(c))
    };
    let get_i64 = |c: &str| row.try_get::<i64, _>(c).map_err(|_| StoreError::corrupt(c));
    let get_opt_i64 = |c: &str| {
        row.try_get::<Option<i64>, _>(c)
            .map_err(|_| StoreError::corrupt(c))
    };
    let required = get("required_kinds")?
        .split(',')
        .map(|k| parse("required_kinds", k))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(CaseRecord {
        id: parse("id", &get("id")?)?,
        reference: parse("reference", &get("reference")?)?,
        player_id: PlayerId::try_from(get("player_id")?)
            .map_err(|_| StoreError::corrupt("cases.player_id"))?,
        required,
        card_last4: get_opt("card_last4")?
            .map(|c| parse("card_last4", &c))
            .transpose()?,
        priority: parse("priority", &get("priority")?)?,
        callback_url: get_opt("callback_url")?,
        locale: parse("locale", &get("locale")?)?,
        status: parse("status", &get("status")?)?,
        upload_token_expires_at: from_millis(get_i64("upload_token_expires_at")?)?,
        sla: SlaClock {
            started_at: opt_from_millis(get_opt_i64("sla_started_at")?)?,
            paused_since: opt_from_millis(get_opt_i64("sla_paused_since")?)?,
            paused_total_secs: get_i64("sla_paused_total_secs")?,
        },
        created_at: from_millis(get_i64("created_at")?)?,
        updated_at: from_millis(get_i64("updated_at")?)?,
    })
}

impl Database {
    pub async fn insert_case(&self, case: &NewCase) -> Result<CaseRecord, StoreError> {
        let now = to_millis(case.created_at);
        sqlx::query(
            "insert into cases (id, reference, player_id, required_kinds, card_last4, priority, \
             callback_url, locale, status, upload_token_hash, upload_token_expires_at, \
             sla_paused_total_secs, created_at, updated_at) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, $12, $12)",
        )
        .bind(case.id.to_string())
        .bind(case.reference.as_str().to_owned())
        .bind(case.player_id.as_str().to_owned())
        .bind(join_kinds(&case.required))
        .bind(case.card_last4.map(|c| c.as_str().to_owned()))
        .bind(case.priority.as_str())
        .bind(case.callback_url.clone())
        .bind(case.locale.as_str())
        .bind(CaseStatus::Open.as_str())
        .bind(case.upload_token_hash.clone())
        .bind(to_millis(case.upload_token_expires_at))
        .bind(now)
        .execute(self.pool())
        .await
        .map_err(StoreError::from_sqlx)?;
        self.get_case(case.id).await?.ok_or(StoreError::NotFound)
    }

    pub async fn get_case(&self, id: CaseId) -> Result<Option<CaseRecord>, StoreError> {
        let row = sqlx::query(&format!("select {CASE_COLUMNS} from cases where id = $1"))
            .bind(id.to_string())
            .fetch_optional(self.pool())
            .await
            .map_err(StoreError::from_sqlx)?;
        row.as_ref().map(case_from_row).transpose()
    }

    /// The case an upload token belongs to, by the token's hash.
    pub async fn case_by_upload_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<CaseRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "select {CASE_COLUMNS} from cases where upload_token_hash = $1"
        ))
        .bind(token_hash.to_owned())
        .fetch_optional(self.pool())
        .await
        .map_err(StoreError::from_sqlx)?;
        row.as_ref().map(case_from_row).transpose()
    }
}

pub(crate) async fn get_case_in<'c>(
    tx: &mut sqlx::Transaction<'c, sqlx::Any>,
    id: CaseId,
) -> Result<CaseRecord, StoreError> {
    let row = sqlx::query(&format!("select {CASE_COLUMNS} from cases where id = $1"))
        .bind(id.to_string())
        .fetch_one(&mut **tx)
        .await
        .map_err(StoreError::from_sqlx)?;
    case_from_row(&row)
}

/// Writes a case's status and SLA clock.
pub(crate) async fn update_case_state<'c>(
    tx: &mut sqlx::Transaction<'c, sqlx::Any>,
    id: CaseId,
    status: CaseStatus,
    sla: &SlaClock,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "update cases set status = $1, sla_started_at = $2, sla_paused_since = $3, \
         sla_paused_total_secs = $4, updated_at = $5 where id = $6",
    )
    .bind(status.as_str())
    .bind(sla.started_at.map(to_millis))
    .bind(sla.paused_since.map(to_millis))
    .bind(sla.paused_total_secs)
    .bind(to_millis(now))
    .bind(id.to_string())
    .execute(&mut **tx)
    .await
    .map_err(StoreError::from_sqlx)?;
    Ok(())
}
