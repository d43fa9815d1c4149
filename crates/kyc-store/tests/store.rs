//! The repository suite, run on SQLite and on PostgreSQL alike.

use chrono::{DateTime, Duration, Utc};
use kyc_core::{
    CaseId, CaseReference, CaseStatus, DocumentId, DocumentKind, DocumentStatus, Locale, PlayerId,
    Priority, Sha256Digest, Verdict,
};
use kyc_store::testing::TestDatabase;
use kyc_store::{Database, Engine, InsertDocument, NewCase, NewDocument, StoreError};

fn at(hours: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000, 0).unwrap() + Duration::hours(hours)
}

fn new_case(required: Vec<DocumentKind>) -> NewCase {
    NewCase {
        id: CaseId::new(),
        reference: CaseReference::generate(),
        player_id: PlayerId::try_from("player-1".to_owned()).unwrap(),
        required,
        card_last4: Some("4242".parse().unwrap()),
        priority: Priority::BlockedAccount,
        callback_url: Some("https://operator.example/hook".into()),
        locale: Locale::Az,
        upload_token_hash: format!("{:064x}", rand_u64()),
        upload_token_expires_at: at(24),
        created_at: at(0),
    }
}

fn rand_u64() -> u64 {
    uuid::Uuid::new_v4().as_u64_pair().0
}

fn new_document(case_id: CaseId, kind: DocumentKind, fill: u8, when: i64) -> NewDocument {
    NewDocument {
        id: DocumentId::new(),
        case_id,
        kind,
        sha256: Sha256Digest::from_bytes([fill; 32]),
        content_type: "image/jpeg",
        byte_size: 1234,
        width: 1080,
        height: 1920,
        object_key: format!("documents/{case_id}/{fill}"),
        key_id: "mk-test".into(),
        wrapped_key: vec![7; 40],
        nonce: vec![9; 12],
        status: DocumentStatus::PendingReview,
        verdict: Verdict::Accept,
        check_report: "{}".into(),
        created_at: at(when),
    }
}

async fn with_each_engine<F, Fut>(test: F)
where
    F: Fn(Database) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for engine in [Engine::Sqlite, Engine::Postgres] {
        let test_db = TestDatabase::new(engine).await;
        let db = test_db.open().await;
        test(db.clone()).await;
        db.close().await;
        test_db.cleanup().await;
    }
}

#[tokio::test]
async fn cases_round_trip_with_every_field() {
    with_each_engine(|db| async move {
        let case = new_case(vec![DocumentKind::Identity, DocumentKind::Card]);
        let stored = db.insert_case(&case).await.unwrap();
        assert_eq!(stored.id, case.id);
        assert_eq!(stored.reference, case.reference);
        assert_eq!(stored.required, case.required);
        assert_eq!(stored.card_last4, case.card_last4);
        assert_eq!(stored.priority, Priority::BlockedAccount);
        assert_eq!(stored.locale, Locale::Az);
        assert_eq!(stored.status, CaseStatus::Open);
        assert_eq!(stored.upload_token_expires_at, at(24));
        assert_eq!(stored.sla.started_at, None);
        let by_token = db
            .case_by_upload_token(&case.upload_token_hash)
            .await
            .unwrap();
        assert_eq!(by_token.map(|c| c.id), Some(case.id));
        assert!(db.get_case(CaseId::new()).await.unwrap().is_none());
    })
    .await;
}

#[tokio::test]
async fn duplicate_references_are_conflicts() {
    with_each_engine(|db| async move {
        let first = new_case(vec![DocumentKind::Card]);
        db.insert_case(&first).await.unwrap();
        let mut second = new_case(vec![DocumentKind::Card]);
        second.reference = first.reference.clone();
        let err = db.insert_case(&second).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    })
    .await;
}

#[tokio::test]
async fn documents_move_the_case_and_start_the_clock() {
    with_each_engine(|db| async move {
        let case = new_case(vec![DocumentKind::Identity, DocumentKind::Card]);
        db.insert_case(&case).await.unwrap();

        let id_doc = new_document(case.id, DocumentKind::Identity, 1, 1);
        let InsertDocument::Inserted {
            case: after,
            document,
        } = db.insert_document(&id_doc).await.unwrap()
        else {
            panic!("first upload must insert");
        };
        assert_eq!(after.status, CaseStatus::AwaitingDocuments);
        assert_eq!(after.sla.started_at, None);
        assert_eq!(document.wrapped_key.as_deref(), Some(&[7u8; 40][..]));
        assert_eq!(document.nonce, vec![9u8; 12]);

        let card = new_document(case.id, DocumentKind::Card, 2, 3);
        let InsertDocument::Inserted { case: after, .. } = db.insert_document(&card).await.unwrap()
        else {
            panic!("second upload must insert");
        };
        assert_eq!(after.status, CaseStatus::InReview);
        assert_eq!(after.sla.started_at, Some(at(3)));

        // The same bytes again: nothing new is written.
        let mut again = new_document(case.id, DocumentKind::Card, 2, 4);
        again.object_key = "documents/other".into();
        match db.insert_document(&again).await.unwrap() {
            InsertDocument::Existing(existing) => assert_eq!(existing.id, card.id),
            other => panic!("expected the existing document, got {other:?}"),
        }

        // A newer card supersedes the older one.
        let newer = new_document(case.id, DocumentKind::Card, 3, 5);
        db.insert_document(&newer).await.unwrap();
        let docs = db.documents_of_case(case.id).await.unwrap();
        assert_eq!(docs.len(), 3);
        let old = docs.iter().find(|d| d.id == card.id).unwrap();
        assert_eq!(old.status, DocumentStatus::Superseded);
        assert_eq!(db.all_object_keys().await.unwrap().len(), 3);
    })
    .await;
}

#[tokio::test]
async fn a_retake_pauses_the_clock() {
    with_each_engine(|db| async move {
        let case = new_case(vec![DocumentKind::Card]);
        db.insert_case(&case).await.unwrap();
        db.insert_document(&new_document(case.id, DocumentKind::Card, 1, 1))
            .await
            .unwrap();
        let mut blurry = new_document(case.id, DocumentKind::Card, 2, 5);
        blurry.status = DocumentStatus::RetakeRequested;
        blurry.verdict = Verdict::Retake;
        let InsertDocument::Inserted { case: after, .. } =
            db.insert_document(&blurry).await.unwrap()
        else {
            panic!("must insert");
        };
        assert_eq!(after.status, CaseStatus::ActionRequired);
        assert_eq!(after.sla.started_at, Some(at(1)));
        assert_eq!(after.sla.paused_since, Some(at(5)));
    })
    .await;
}

#[tokio::test]
async fn operator_tokens_are_found_by_hash() {
    with_each_engine(|db| async move {
        assert!(!db.has_operator_token().await.unwrap());
        db.add_operator_token("abc", at(0)).await.unwrap();
        assert!(db.has_operator_token().await.unwrap());
        assert!(db.operator_token_exists("abc").await.unwrap());
        assert!(!db.operator_token_exists("abd").await.unwrap());
    })
    .await;
}
