//! The JSON shapes of cases and documents.

use chrono::{DateTime, Utc};
use kyc_checker::Reason;
use kyc_core::{SlaPolicy, SlaStanding};
use kyc_store::{CaseRecord, DocumentRecord};
use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Serialize)]
pub struct CaseView {
    pub id: String,
    pub reference: String,
    pub status: &'static str,
    pub player_id: String,
    pub documents_required: Vec<&'static str>,
    pub priority: &'static str,
    pub locale: &'static str,
    pub card_last4: Option<String>,
    pub callback_url: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When the case should be decided: 24 h after every document is in,
    /// plus time spent waiting for the player. Null until the clock starts.
    pub target_at: Option<DateTime<Utc>>,
    /// When the case must be decided (72 h, likewise).
    pub due_at: Option<DateTime<Utc>>,
    pub sla: SlaView,
    pub documents: Vec<DocumentView>,
}

#[derive(Debug, Serialize)]
pub struct SlaView {
    pub standing: SlaStanding,
    pub started_at: Option<DateTime<Utc>>,
    pub paused: bool,
    /// Seconds left before the deadline; negative once breached.
    pub seconds_left: Option<i64>,
}

#[derive(Debug, Serialize)]
pub struct DocumentView {
    pub id: String,
    pub kind: &'static str,
    pub status: &'static str,
    pub verdict: &'static str,
    pub sha256: String,
    pub content_type: String,
    pub byte_size: u64,
    pub width: u32,
    pub height: u32,
    pub reasons: Vec<Reason>,
    pub created_at: DateTime<Utc>,
    /// The background OCR: `pending` until it has run, then `done` (or
    /// `failed`); absent for documents that have no reading job.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reading: Option<&'static str>,
}

impl CaseView {
    pub fn new(
        case: &CaseRecord,
        documents: &[DocumentRecord],
        policy: &SlaPolicy,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id: case.id.to_string(),
            reference: case.reference.to_string(),
            status: case.status.as_str(),
            player_id: case.player_id.as_str().to_owned(),
            documents_required: case.required.iter().map(|k| k.as_str()).collect(),
            priority: case.priority.as_str(),
            locale: case.locale.as_str(),
            card_last4: case.card_last4.map(|c| c.to_string()),
            callback_url: case.callback_url.clone(),
            created_at: case.created_at,
            updated_at: case.updated_at,
            target_at: policy.target_at(&case.sla, now),
            due_at: policy.due_at(&case.sla, now),
            sla: SlaView {
                standing: if case.status.is_final() {
                    SlaStanding::NotStarted
                } else {
                    policy.standing(&case.sla, now)
                },
                started_at: case.sla.started_at,
                paused: case.sla.paused_since.is_some(),
                seconds_left: policy.time_left(&case.sla, now).map(|d| d.num_seconds()),
            },
            documents: documents.iter().map(DocumentView::new).collect(),
        }
    }
}

impl DocumentView {
    pub fn new(doc: &DocumentRecord) -> Self {
        let reasons = serde_json::from_str::<Value>(&doc.check_report)
            .ok()
            .and_then(|report| report.get("reasons").cloned())
            .and_then(|reasons| serde_json::from_value(reasons).ok())
            .unwrap_or_default();
        Self {
            id: doc.id.to_string(),
            kind: doc.kind.as_str(),
            status: doc.status.as_str(),
            verdict: doc.verdict.as_str(),
            sha256: doc.sha256.to_hex(),
            content_type: doc.content_type.clone(),
            byte_size: doc.byte_size,
            width: doc.width,
            height: doc.height,
            reasons,
            created_at: doc.created_at,
            reading: None,
        }
    }

    pub fn with_reading(mut self, job: Option<kyc_store::JobState>) -> Self {
        self.reading = job.map(reading_word);
        self
    }
}

fn reading_word(state: kyc_store::JobState) -> &'static str {
    use kyc_store::JobState;
    match state {
        JobState::Queued | JobState::Running => "pending",
        JobState::Done => "done",
        JobState::Failed => "failed",
    }
}

impl CaseView {
    /// Adds each document's reading state, by document id.
    pub fn set_readings(
        &mut self,
        readings: &std::collections::HashMap<String, kyc_store::JobState>,
    ) {
        for doc in &mut self.documents {
            doc.reading = readings.get(&doc.id).copied().map(reading_word);
        }
    }
}
