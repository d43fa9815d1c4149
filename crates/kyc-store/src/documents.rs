//! Documents: one row per uploaded image, pointing at its encrypted object.

use chrono::{DateTime, Utc};
use kyc_core::lifecycle::{case_status, CurrentDocument};
use kyc_core::{
    CaseId, CaseStatus, DocumentId, DocumentKind, DocumentStatus, Sha256Digest, Verdict,
};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::cases::{get_case_in, update_case_state, CaseRecord};
use crate::time::{from_millis, to_millis};
use crate::{Database, StoreError};

/// A document about to be recorded; its object is already durably stored.
#[derive(Debug, Clone)]
pub struct NewDocument {
    pub id: DocumentId,
    pub case_id: CaseId,
    pub kind: DocumentKind,
    pub sha256: Sha256Digest,
    pub content_type: &'static str,
    pub byte_size: u64,
    pub width: u32,
    pub height: u32,
    pub object_key: String,
    pub key_id: String,
    pub wrapped_key: Vec<u8>,
    pub nonce: Vec<u8>,
    pub status: DocumentStatus,
    pub verdict: Verdict,
    /// The checker's report as JSON.
    pub check_report: String,
    pub created_at: DateTime<Utc>,
}

/// A document as stored.
#[derive(Debug, Clone)]
pub struct DocumentRecord {
    pub id: DocumentId,
    pub case_id: CaseId,
    pub kind: DocumentKind,
    pub sha256: Sha256Digest,
    pub content_type: String,
    pub byte_size: u64,
    pub width: u32,
    pub height: u32,
    pub object_key: String,
    pub key_id: String,
    /// `None` once the data key was destroyed (crypto-shredded).
    pub wrapped_key: Option<Vec<u8>>,
    pub nonce: Vec<u8>,
    pub status: DocumentStatus,
    pub verdict: Verdict,
    pub check_report: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What recording an upload did.
#[derive(Debug, Clone)]
pub enum InsertDocument {
    /// A new document; the case as it stands after it.
    Inserted {
        document: DocumentRecord,
        case: CaseRecord,
    },
    /// The same bytes were already in this case: nothing was written.
    Existing(DocumentRecord),
}

const DOCUMENT_COLUMNS: &str =
    "id, case_id, kind, sha256, content_type, byte_size, width, height, \
     object_key, key_id, wrapped_key, nonce, status, verdict, check_report, created_at, updated_at";

fn parse<T: std::str::FromStr>(column: &str, text: &str) -> Result<T, StoreError> {
    text.parse()
        .map_err(|_| StoreError::corrupt(format!("documents.{column}")))
}

pub(crate) fn document_from_row(row: &AnyRow) -> Result<DocumentRecord, StoreError> {
    let text = |c: &str| {
        row.try_get::<String, _>(c)
            .map_err(|_| StoreError::corrupt(c))
    };
    let int = |c: &str| row.try_get::<i64, _>(c).map_err(|_| StoreError::corrupt(c));
    let count = |c: &str| -> Result<u32, StoreError> {
        u32::try_from(int(c)?).map_err(|_| StoreError::corrupt(c))
    };
    let verdict = match text("verdict")?.as_str() {
        "accept" => Verdict::Accept,
        "retake" => Verdict::Retake,
        "review" => Verdict::Review,
        "reject" => Verdict::Reject,
        _ => return Err(StoreError::corrupt("documents.verdict")),
    };
    Ok(DocumentRecord {
        id: parse("id", &text("id")?)?,
        case_id: parse("case_id", &text("case_id")?)?,
        kind: parse("kind", &text("kind")?)?,
        sha256: parse("sha256", &text("sha256")?)?,
        content_type: text("content_type")?,
        byte_size: u64::try_from(int("byte_size")?)
            .map_err(|_| StoreError::corrupt("byte_size"))?,
        width: count("width")?,
        height: count("height")?,
        object_key: text("object_key")?,
        key_id: text("key_id")?,
        wrapped_key: row
            .try_get::<Option<Vec<u8>>, _>("wrapped_key")
            .map_err(|_| StoreError::corrupt("wrapped_key"))?,
        nonce: row
            .try_get::<Vec<u8>, _>("nonce")
            .map_err(|_| StoreError::corrupt("nonce"))?,
        status: parse("status", &text("status")?)?,
        verdict,
        check_report: text("check_report")?,
        created_at: from_millis(int("created_at")?)?,
        updated_at: from_millis(int("updated_at")?)?,
    })
}

impl Database {
    pub async fn get_document(&self, id: DocumentId) -> Result<Option<DocumentRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "select {DOCUMENT_COLUMNS} from documents where id = $1"
        ))
        .bind(id.to_string())
        .fetch_optional(self.pool())
        .await
        .map_err(StoreError::from_sqlx)?;
        row.as_ref().map(document_from_row).transpose()
    }

    pub async fn find_document_by_hash(
        &self,
        case_id: CaseId,
        sha256: &Sha256Digest,
    ) -> Result<Option<DocumentRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "select {DOCUMENT_COLUMNS} from documents where case_id = $1 and sha256 = $2"
        ))
        .bind(case_id.to_string())
        .bind(sha256.to_hex())
        .fetch_optional(self.pool())
        .await
        .map_err(StoreError::from_sqlx)?;
        row.as_ref().map(document_from_row).transpose()
    }

    /// Every document of a case, oldest first.
    pub async fn documents_of_case(
        &self,
        case_id: CaseId,
    ) -> Result<Vec<DocumentRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "select {DOCUMENT_COLUMNS} from documents where case_id = $1 order by created_at, id"
        ))
        .bind(case_id.to_string())
        .fetch_all(self.pool())
        .await
        .map_err(StoreError::from_sqlx)?;
        rows.iter().map(document_from_row).collect()
    }

    /// Every object key the database refers to (for sweeps and checks).
    pub async fn all_object_keys(&self) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> = sqlx::query_as("select object_key from documents")
            .fetch_all(self.pool())
            .await
            .map_err(StoreError::from_sqlx)?;
        Ok(rows.into_iter().map(|(k,)| k).collect())
    }

    /// Records an uploaded document, supersedes the older one of its kind and
    /// moves the case (status and SLA clock) in one transaction.
    ///
    /// The insert is the transaction's first statement so that SQLite takes
    /// its write lock up front instead of failing to upgrade a read lock.
    pub async fn insert_document(&self, doc: &NewDocument) -> Result<InsertDocument, StoreError> {
        self.insert_document_with_jobs(doc, &[]).await
    }

    /// As [`Database::insert_document`], and enqueues `jobs` in the same
    /// transaction, so a recorded document never lacks its follow-up work
    /// (and a duplicate upload enqueues nothing).
    pub async fn insert_document_with_jobs(
        &self,
        doc: &NewDocument,
        jobs: &[crate::jobs::NewJob],
    ) -> Result<InsertDocument, StoreError> {
        let mut tx = self.pool().begin().await.map_err(StoreError::from_sqlx)?;
        let now = doc.created_at;
        let inserted = sqlx::query(
            "insert into documents (id, case_id, kind, sha256, content_type, byte_size, width, \
             height, object_key, key_id, wrapped_key, nonce, status, verdict, check_report, \
             created_at, updated_at) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16)",
        )
        .bind(doc.id.to_string())
        .bind(doc.case_id.to_string())
        .bind(doc.kind.as_str())
        .bind(doc.sha256.to_hex())
        .bind(doc.content_type)
        .bind(i64::try_from(doc.byte_size).unwrap_or(i64::MAX))
        .bind(i64::from(doc.width))
        .bind(i64::from(doc.height))
        .bind(doc.object_key.clone())
        .bind(doc.key_id.clone())
        .bind(doc.wrapped_key.clone())
        .bind(doc.nonce.clone())
        .bind(doc.status.as_str())
        .bind(doc.verdict.as_str())
        .bind(doc.check_report.clone())
        .bind(to_millis(now))
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from_sqlx);
        match inserted {
            Ok(_) => {}
            Err(StoreError::Conflict(_)) => {
                drop(tx);
                return self
                    .find_document_by_hash(doc.case_id, &doc.sha256)
                    .await?
                    .map(InsertDocument::Existing)
                    .ok_or(StoreError::NotFound);
            }
            Err(e) => return Err(e),
        }
        for job in jobs {
            crate::jobs::insert_job(&mut *tx, job).await?;
        }

        sqlx::query(
            "update documents set status = $1, updated_at = $2 \
             where case_id = $3 and kind = $4 and id <> $5 and status <> $1",
        )
        .bind(DocumentStatus::Superseded.as_str())
        .bind(to_millis(now))
        .bind(doc.case_id.to_string())
        .bind(doc.kind.as_str())
        .bind(doc.id.to_string())
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from_sqlx)?;

        let case = get_case_in(&mut tx, doc.case_id).await?;
        let current = current_documents_in(&mut tx, doc.case_id).await?;
        let status = case_status(case.status, &case.required, &current);
        let mut sla = case.sla;
        match status {
            CaseStatus::InReview => {
                sla.start(now);
                sla.resume(now);
            }
            CaseStatus::ActionRequired => sla.pause(now),
            _ => {}
        }
        update_case_state(&mut tx, doc.case_id, status, &sla, now).await?;
        let document = get_document_in(&mut tx, doc.id).await?;
        let case = get_case_in(&mut tx, doc.case_id).await?;
        tx.commit().await.map_err(StoreError::from_sqlx)?;
        Ok(InsertDocument::Inserted { document, case })
    }
}

pub(crate) async fn get_document_in<'c>(
    tx: &mut sqlx::Transaction<'c, sqlx::Any>,
    id: DocumentId,
) -> Result<DocumentRecord, StoreError> {
    let row = sqlx::query(&format!(
        "select {DOCUMENT_COLUMNS} from documents where id = $1"
    ))
    .bind(id.to_string())
    .fetch_one(&mut **tx)
    .await
    .map_err(StoreError::from_sqlx)?;
    document_from_row(&row)
}

pub(crate) async fn current_documents_in<'c>(
    tx: &mut sqlx::Transaction<'c, sqlx::Any>,
    case_id: CaseId,
) -> Result<Vec<CurrentDocument>, StoreError> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("select kind, status from documents where case_id = $1 and status <> $2")
            .bind(case_id.to_string())
            .bind(DocumentStatus::Superseded.as_str())
            .fetch_all(&mut **tx)
            .await
            .map_err(StoreError::from_sqlx)?;
    rows.iter()
        .map(|(kind, status)| {
            Ok(CurrentDocument {
                kind: parse("kind", kind)?,
                status: parse("status", status)?,
            })
        })
        .collect()
}
