//! The job queue and key rewrapping, on SQLite and on PostgreSQL alike.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use kyc_core::{
    CaseId, CaseReference, CaseStatus, DocumentId, DocumentKind, DocumentStatus, Locale, PlayerId,
    Priority, Sha256Digest, Verdict,
};
use kyc_store::testing::TestDatabase;
use kyc_store::{
    Database, Engine, InsertDocument, JobState, NewCase, NewDocument, NewJob, ReadingOutcome,
    ReadingUpdate,
};

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000, 0).unwrap() + Duration::seconds(secs)
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

async fn open_case(db: &Database, required: Vec<DocumentKind>) -> CaseId {
    let case = NewCase {
        id: CaseId::new(),
        reference: CaseReference::generate(),
        player_id: PlayerId::try_from("player-1".to_owned()).unwrap(),
        required,
        card_last4: None,
        priority: Priority::Normal,
        callback_url: None,
        locale: Locale::En,
        upload_token_hash: uuid::Uuid::new_v4().simple().to_string(),
        upload_token_expires_at: at(86_400),
        created_at: at(0),
    };
    db.insert_case(&case).await.unwrap();
    case.id
}

fn document(case_id: CaseId, kind: DocumentKind, fill: u8) -> NewDocument {
    NewDocument {
        id: DocumentId::new(),
        case_id,
        kind,
        sha256: Sha256Digest::from_bytes([fill; 32]),
        content_type: "image/png",
        byte_size: 10,
        width: 100,
        height: 100,
        object_key: format!("documents/{case_id}/{fill}"),
        key_id: "mk-0000000000000001".into(),
        wrapped_key: vec![fill; 40],
        nonce: vec![1; 12],
        status: DocumentStatus::PendingReview,
        verdict: Verdict::Accept,
        check_report: "{}".into(),
        created_at: at(0),
    }
}

fn simple_job(n: u32) -> NewJob {
    NewJob {
        id: uuid::Uuid::now_v7(),
        kind: "test".into(),
        payload: format!("{{\"n\":{n}}}"),
        subject: None,
        max_attempts: 2,
        run_after: at(0),
        created_at: at(0),
    }
}

#[tokio::test]
async fn a_document_and_its_job_are_recorded_together_and_only_once() {
    with_each_engine(|db| async move {
        let case = open_case(&db, vec![DocumentKind::Card]).await;
        let doc = document(case, DocumentKind::Card, 1);
        let job = NewJob::read_document(doc.id, at(0));
        let outcome = db
            .insert_document_with_jobs(&doc, std::slice::from_ref(&job))
            .await
            .unwrap();
        assert!(matches!(outcome, InsertDocument::Inserted { .. }));
        let jobs = db.jobs_for_subject(&doc.id.to_string()).await.unwrap();
        assert_eq!(jobs.len(), 1);
        assert_eq!(jobs[0].state, JobState::Queued);
        assert_eq!(jobs[0].kind, "read_document");
        assert!(jobs[0].payload.contains(&doc.id.to_string()));

        // The same bytes again: the existing document, and no second job.
        let mut again = document(case, DocumentKind::Card, 1);
        again.id = DocumentId::new();
        let outcome = db
            .insert_document_with_jobs(&again, &[NewJob::read_document(again.id, at(1))])
            .await
            .unwrap();
        assert!(matches!(outcome, InsertDocument::Existing(_)));
        assert!(db
            .jobs_for_subject(&again.id.to_string())
            .await
            .unwrap()
            .is_empty());
        let states = db.job_states_for_case(case, "read_document").await.unwrap();
        assert_eq!(states.get(&doc.id.to_string()), Some(&JobState::Queued));
        assert_eq!(states.len(), 1);
    })
    .await;
}

#[tokio::test]
async fn concurrent_claimers_never_share_a_job() {
    with_each_engine(|db| async move {
        for n in 0..30 {
            db.enqueue_job(&simple_job(n)).await.unwrap();
        }
        let claimers = (0..4).map(|w| {
            let db = db.clone();
            tokio::spawn(async move {
                let owner = format!("worker-{w}");
                let mut got = Vec::new();
                while let Some(job) = db
                    .claim_job(&owner, at(1), Duration::seconds(60))
                    .await
                    .unwrap()
                {
                    assert_eq!(job.lease_owner.as_deref(), Some(owner.as_str()));
                    got.push(job.id);
                }
                got
            })
        });
        let mut all = Vec::new();
        for claimer in claimers {
            all.extend(claimer.await.unwrap());
        }
        let unique: HashSet<_> = all.iter().collect();
        assert_eq!(all.len(), 30, "every job claimed once");
        assert_eq!(unique.len(), 30, "no job claimed twice");
        assert_eq!(db.job_counts().await.unwrap()[&JobState::Running], 30);
    })
    .await;
}

#[tokio::test]
async fn an_expired_lease_lets_another_worker_take_the_job_and_fences_the_first() {
    with_each_engine(|db| async move {
        let job = simple_job(1);
        db.enqueue_job(&job).await.unwrap();
        let lease = Duration::seconds(30);
        let first = db.claim_job("a", at(0), lease).await.unwrap().unwrap();
        assert_eq!(first.attempts, 1);
        assert!(db.claim_job("b", at(10), lease).await.unwrap().is_none());
        // "a" renews once, then dies.
        assert!(db.extend_lease(job.id, "a", at(40), at(10)).await.unwrap());
        assert!(db.claim_job("b", at(35), lease).await.unwrap().is_none());
        let second = db.claim_job("b", at(41), lease).await.unwrap().unwrap();
        assert_eq!(second.id, job.id);
        assert_eq!(second.attempts, 2);
        // The dead worker's late writes are refused; the live one's count.
        assert!(!db.extend_lease(job.id, "a", at(90), at(42)).await.unwrap());
        assert!(!db.complete_job(job.id, "a", at(42)).await.unwrap());
        assert_eq!(
            db.fail_job(job.id, "a", "late", false, at(42), at(42))
                .await
                .unwrap(),
            None
        );
        assert!(db.complete_job(job.id, "b", at(43)).await.unwrap());
        let done = db.get_job(job.id).await.unwrap().unwrap();
        assert_eq!(done.state, JobState::Done);
        assert_eq!(done.lease_owner, None);
        assert!(db.claim_job("c", at(1000), lease).await.unwrap().is_none());
    })
    .await;
}

#[tokio::test]
async fn failures_back_off_then_fail_for_good() {
    with_each_engine(|db| async move {
        let job = simple_job(1); // max 2 attempts
        db.enqueue_job(&job).await.unwrap();
        let lease = Duration::seconds(30);
        db.claim_job("a", at(0), lease).await.unwrap().unwrap();
        let state = db
            .fail_job(job.id, "a", "object store down", false, at(60), at(1))
            .await
            .unwrap();
        assert_eq!(state, Some(JobState::Queued));
        assert!(db.claim_job("a", at(59), lease).await.unwrap().is_none());
        let retry = db.claim_job("a", at(60), lease).await.unwrap().unwrap();
        assert_eq!(retry.attempts, 2);
        assert_eq!(retry.last_error.as_deref(), Some("object store down"));
        let state = db
            .fail_job(job.id, "a", "still down", false, at(120), at(61))
            .await
            .unwrap();
        assert_eq!(state, Some(JobState::Failed), "out of attempts");
        assert!(db
            .claim_job("a", at(10_000), lease)
            .await
            .unwrap()
            .is_none());

        // A permanent error fails at once, whatever the attempts left.
        let other = simple_job(2);
        db.enqueue_job(&other).await.unwrap();
        db.claim_job("a", at(0), lease).await.unwrap().unwrap();
        let state = db
            .fail_job(other.id, "a", "corrupt", true, at(0), at(1))
            .await
            .unwrap();
        assert_eq!(state, Some(JobState::Failed));
        assert_eq!(db.job_counts().await.unwrap()[&JobState::Failed], 2);
    })
    .await;
}

#[tokio::test]
async fn a_reading_moves_the_document_and_the_case_and_can_shred() {
    with_each_engine(|db| async move {
        let case = open_case(&db, vec![DocumentKind::Identity, DocumentKind::Card]).await;
        let id_doc = document(case, DocumentKind::Identity, 1);
        db.insert_document(&id_doc).await.unwrap();
        let card = document(case, DocumentKind::Card, 2);
        let job = NewJob::read_document(card.id, at(0));
        db.insert_document_with_jobs(&card, std::slice::from_ref(&job))
            .await
            .unwrap();
        assert_eq!(
            db.get_case(case).await.unwrap().unwrap().status,
            CaseStatus::InReview
        );
        let update = ReadingUpdate {
            document_id: card.id,
            check_report: "{\"verdict\":\"retake\"}".into(),
            verdict: Verdict::Retake,
            status: DocumentStatus::RetakeRequested,
            shred: true,
        };
        db.claim_job("a", at(1), Duration::seconds(30))
            .await
            .unwrap()
            .unwrap();
        // A worker without the lease writes nothing.
        let lost = db.apply_reading(job.id, "b", &update, at(2)).await.unwrap();
        assert!(matches!(lost, ReadingOutcome::LeaseLost));
        let untouched = db.get_document(card.id).await.unwrap().unwrap();
        assert_eq!(untouched.verdict, Verdict::Accept);
        assert!(untouched.wrapped_key.is_some());

        let ReadingOutcome::Applied {
            document,
            case: after,
        } = db.apply_reading(job.id, "a", &update, at(2)).await.unwrap()
        else {
            panic!("the lease holder's reading applies");
        };
        assert_eq!(document.status, DocumentStatus::RetakeRequested);
        assert_eq!(document.verdict, Verdict::Retake);
        assert_eq!(document.wrapped_key, None, "data key destroyed");
        assert_eq!(document.check_report, update.check_report);
        assert_eq!(after.status, CaseStatus::ActionRequired);
        assert!(after.sla.paused_since.is_some(), "waiting for the player");
        assert_eq!(
            db.get_job(job.id).await.unwrap().unwrap().state,
            JobState::Done
        );
    })
    .await;
}

#[tokio::test]
async fn rewrapping_swaps_envelopes_only_where_they_are_unchanged() {
    with_each_engine(|db| async move {
        let case = open_case(&db, vec![DocumentKind::Identity, DocumentKind::Card]).await;
        let a = document(case, DocumentKind::Identity, 1);
        let b = document(case, DocumentKind::Card, 2);
        db.insert_document(&a).await.unwrap();
        db.insert_document(&b).await.unwrap();
        let old = db.keys_not_under("mk-new", None, 10).await.unwrap();
        assert_eq!(old.len(), 2);
        let counts = db.wrapped_key_counts().await.unwrap();
        assert_eq!(counts.get("mk-0000000000000001"), Some(&2));

        let mut stale = old[1].clone();
        stale.key_id = "mk-someotherkey00".into();
        let updates = vec![
            (old[0].clone(), "mk-new".to_owned(), vec![9; 40]),
            (stale, "mk-new".to_owned(), vec![9; 40]),
        ];
        assert_eq!(db.replace_wrapped_keys(&updates, at(5)).await.unwrap(), 1);
        let left = db.keys_not_under("mk-new", None, 10).await.unwrap();
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].id, old[1].id);
        let rewrapped = db.get_document(old[0].id).await.unwrap().unwrap();
        assert_eq!(rewrapped.key_id, "mk-new");
        assert_eq!(rewrapped.wrapped_key, Some(vec![9; 40]));
    })
    .await;
}
