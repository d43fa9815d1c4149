//! The review queue, the stored SLA standing the sweeper keeps, and the
//! figures behind `/metrics` and `kyc sla report`.

use chrono::{DateTime, Utc};
use kyc_core::{CaseId, CaseStatus, DocumentKind, DocumentStatus, SlaClock, SlaStanding};
use serde_json::json;
use sqlx::Row;

use crate::audit::{append_in, NewAuditEntry};
use crate::cases::{case_from_row, CaseRecord, CASE_COLUMNS};
use crate::time::{from_millis, opt_from_millis, to_millis};
use crate::{Database, StoreError};

/// Whose cases to list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Assignee {
    #[default]
    Anyone,
    /// Cases with no live claim.
    Nobody,
    /// Cases claimed (live) by this reviewer id.
    Reviewer(String),
}

#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    /// Empty means in review only.
    pub statuses: Vec<CaseStatus>,
    /// Only cases with a current document of this kind.
    pub kind: Option<DocumentKind>,
    pub assignee: Assignee,
    /// Only cases whose stored standing is one of these (empty: any).
    pub standings: Vec<SlaStanding>,
    /// Only cases with a rejection awaiting a supervisor.
    pub awaiting_confirmation: bool,
}

/// One case in the queue, unsorted: ordering needs the SLA policy.
#[derive(Debug, Clone)]
pub struct QueueRow {
    pub case: CaseRecord,
    pub standing: SlaStanding,
    pub claimed_by: Option<String>,
    pub claim_expires_at: Option<DateTime<Utc>>,
    pub awaiting_confirmation: i64,
}

pub fn parse_standing(text: &str) -> Option<SlaStanding> {
    [
        SlaStanding::NotStarted,
        SlaStanding::OnTrack,
        SlaStanding::AtRisk,
        SlaStanding::Breached,
    ]
    .into_iter()
    .find(|s| s.as_str() == text)
}

/// A case's clock and the standing last stored for it.
#[derive(Debug, Clone)]
pub struct CaseClock {
    pub id: CaseId,
    pub status: CaseStatus,
    pub standing: SlaStanding,
    pub sla: SlaClock,
}

/// What the SLA report is computed from.
#[derive(Debug, Clone)]
pub struct SlaRow {
    pub status: CaseStatus,
    pub sla: SlaClock,
    pub decided_at: Option<DateTime<Utc>>,
}

const FINAL: [&str; 3] = ["approved", "rejected", "expired"];

fn bad(c: &str) -> StoreError {
    StoreError::corrupt(format!("cases.{c}"))
}

fn standing_of(row: &sqlx::any::AnyRow) -> Result<SlaStanding, StoreError> {
    let text: String = row
        .try_get("sla_standing")
        .map_err(|_| bad("sla_standing"))?;
    parse_standing(&text).ok_or_else(|| bad("sla_standing"))
}

impl Database {
    /// Cases matching `filter`, with their claim and pending rejections.
    pub async fn review_queue(
        &self,
        filter: &QueueFilter,
        now: DateTime<Utc>,
    ) -> Result<Vec<QueueRow>, StoreError> {
        let statuses = if filter.statuses.is_empty() {
            vec![CaseStatus::InReview]
        } else {
            filter.statuses.clone()
        };
        let mut binds: Vec<String> = Vec::new();
        let param = |value: String, binds: &mut Vec<String>| {
            binds.push(value);
            format!("${}", binds.len() + 1)
        };
        // $1 is always `now`.
        let placeholders: Vec<String> = statuses
            .iter()
            .map(|s| param(s.as_str().to_owned(), &mut binds))
            .collect();
        let mut sql = format!(
            "select {CASE_COLUMNS}, sla_standing, \
             (select r.name from reviewers r where r.id = cases.claimed_by \
              and cases.claim_expires_at > $1) as claimed_by_name, \
             (case when claim_expires_at > $1 then claim_expires_at end) as live_claim_expires, \
             (select count(*) from decisions d where d.case_id = cases.id and d.state = 'pending') \
              as awaiting_confirmation \
             from cases where status in ({})",
            placeholders.join(", ")
        );
        if let Some(kind) = filter.kind {
            let k = param(kind.as_str().to_owned(), &mut binds);
            let s = param(DocumentStatus::Superseded.as_str().to_owned(), &mut binds);
            sql.push_str(&format!(
                " and exists (select 1 from documents d where d.case_id = cases.id \
                 and d.kind = {k} and d.status <> {s})"
            ));
        }
        match &filter.assignee {
            Assignee::Anyone => {}
            Assignee::Nobody => {
                sql.push_str(" and (claimed_by is null or claim_expires_at <= $1)");
            }
            Assignee::Reviewer(id) => {
                let p = param(id.clone(), &mut binds);
                sql.push_str(&format!(" and claimed_by = {p} and claim_expires_at > $1"));
            }
        }
        if !filter.standings.is_empty() {
            let ps: Vec<String> = filter
                .standings
                .iter()
                .map(|s| param(s.as_str().to_owned(), &mut binds))
                .collect();
            sql.push_str(&format!(" and sla_standing in ({})", ps.join(", ")));
        }
        if filter.awaiting_confirmation {
            sql.push_str(
                " and exists (select 1 from decisions d where d.case_id = cases.id \
                 and d.state = 'pending')",
            );
        }
        let mut query = sqlx::query(&sql).bind(to_millis(now));
        for value in binds {
            query = query.bind(value);
        }
        let rows = query
            .fetch_all(self.pool())
            .await
            .map_err(StoreError::from_sqlx)?;
        rows.iter()
            .map(|row| {
                Ok(QueueRow {
                    case: case_from_row(row)?,
                    standing: standing_of(row)?,
                    claimed_by: row
                        .try_get::<Option<String>, _>("claimed_by_name")
                        .map_err(|_| bad("claimed_by"))?,
                    claim_expires_at: opt_from_millis(
                        row.try_get::<Option<i64>, _>("live_claim_expires")
                            .map_err(|_| bad("claim_expires_at"))?,
                    )?,
                    awaiting_confirmation: row
                        .try_get::<i64, _>("awaiting_confirmation")
                        .map_err(|_| bad("awaiting_confirmation"))?,
                })
            })
            .collect()
    }

    /// Every open (not final) case's clock, for the sweeper.
    pub async fn open_case_clocks(&self) -> Result<Vec<CaseClock>, StoreError> {
        let rows = sqlx::query(
            "select id, status, sla_standing, sla_started_at, sla_paused_since, \
             sla_paused_total_secs from cases where status not in ($1, $2, $3)",
        )
        .bind(FINAL[0])
        .bind(FINAL[1])
        .bind(FINAL[2])
        .fetch_all(self.pool())
        .await
        .map_err(StoreError::from_sqlx)?;
        rows.iter()
            .map(|row| {
                let text = |c: &str| row.try_get::<String, _>(c).map_err(|_| bad(c));
                let opt = |c: &str| row.try_get::<Option<i64>, _>(c).map_err(|_| bad(c));
                Ok(CaseClock {
                    id: text("id")?.parse().map_err(|_| bad("id"))?,
                    status: text("status")?.parse().map_err(|_| bad("status"))?,
                    standing: standing_of(row)?,
                    sla: SlaClock {
                        started_at: opt_from_millis(opt("sla_started_at")?)?,
                        paused_since: opt_from_millis(opt("sla_paused_since")?)?,
                        paused_total_secs: row
                            .try_get::<i64, _>("sla_paused_total_secs")
                            .map_err(|_| bad("sla_paused_total_secs"))?,
                    },
                })
            })
            .collect()
    }

    /// Moves a case's stored standing from `from` to `to` and audits it.
    /// Conditional on `from`, so two sweepers (two servers) record each
    /// transition once. Returns whether this call made the change.
    pub async fn set_sla_standing(
        &self,
        case_id: CaseId,
        from: SlaStanding,
        to: SlaStanding,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool().begin().await.map_err(StoreError::from_sqlx)?;
        let updated =
            sqlx::query("update cases set sla_standing = $1 where id = $2 and sla_standing = $3")
                .bind(to.as_str())
                .bind(case_id.to_string())
                .bind(from.as_str())
                .execute(&mut *tx)
                .await
                .map_err(StoreError::from_sqlx)?;
        if updated.rows_affected() == 0 {
            return Ok(false);
        }
        let entry = NewAuditEntry::new("system:sweeper", "sla_standing_changed")
            .case(case_id)
            .detail(json!({"from": from.as_str(), "to": to.as_str()}));
        append_in(&mut tx, now, &[entry]).await?;
        tx.commit().await.map_err(StoreError::from_sqlx)?;
        Ok(true)
    }

    /// Documents ever uploaded.
    pub async fn count_documents(&self) -> Result<i64, StoreError> {
        let (n,): (i64,) = sqlx::query_as("select count(*) from documents")
            .fetch_one(self.pool())
            .await
            .map_err(StoreError::from_sqlx)?;
        Ok(n)
    }

    /// Decisions by (decision, state).
    pub async fn count_decisions(&self) -> Result<Vec<(String, String, i64)>, StoreError> {
        sqlx::query_as(
            "select decision, state, count(*) from decisions group by decision, state \
             order by decision, state",
        )
        .fetch_all(self.pool())
        .await
        .map_err(StoreError::from_sqlx)
    }

    /// Cases by (status, stored standing).
    pub async fn count_cases(&self) -> Result<Vec<(String, String, i64)>, StoreError> {
        sqlx::query_as(
            "select status, sla_standing, count(*) from cases group by status, sla_standing \
             order by status, sla_standing",
        )
        .fetch_all(self.pool())
        .await
        .map_err(StoreError::from_sqlx)
    }

    /// Every case whose clock started, for the SLA report.
    pub async fn sla_rows(&self) -> Result<Vec<SlaRow>, StoreError> {
        let rows = sqlx::query(
            "select status, sla_started_at, sla_paused_since, sla_paused_total_secs, decided_at \
             from cases where sla_started_at is not null",
        )
        .fetch_all(self.pool())
        .await
        .map_err(StoreError::from_sqlx)?;
        rows.iter()
            .map(|row| {
                let opt = |c: &str| row.try_get::<Option<i64>, _>(c).map_err(|_| bad(c));
                let status: String = row.try_get("status").map_err(|_| bad("status"))?;
                Ok(SlaRow {
                    status: status.parse().map_err(|_| bad("status"))?,
                    sla: SlaClock {
                        started_at: opt_from_millis(opt("sla_started_at")?)?,
                        paused_since: opt_from_millis(opt("sla_paused_since")?)?,
                        paused_total_secs: row
                            .try_get::<i64, _>("sla_paused_total_secs")
                            .map_err(|_| bad("sla_paused_total_secs"))?,
                    },
                    decided_at: opt("decided_at")?.map(from_millis).transpose()?,
                })
            })
            .collect()
    }
}
