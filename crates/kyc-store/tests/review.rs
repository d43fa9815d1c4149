//! Reviewers, claims, decisions and the audit chain, on SQLite and PostgreSQL.

use chrono::{DateTime, Duration, Utc};
use kyc_core::{
    CaseId, CaseReference, CaseStatus, Decision, DecisionInput, DocumentId, DocumentKind,
    DocumentStatus, Locale, PlayerId, Priority, ReasonCode, ReviewerRole, Sha256Digest,
    SlaStanding, Verdict,
};
use kyc_store::testing::TestDatabase;
use kyc_store::{
    ClaimOutcome, Database, DecideOutcome, Engine, NewAuditEntry, NewCase, NewDecision,
    NewDocument, QueueFilter, Refusal, ReviewerRecord,
};
use sqlx::any::AnyPoolOptions;

fn at(hours: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000, 0).unwrap() + Duration::hours(hours)
}

async fn with_each_engine<F, Fut>(test: F)
where
    F: Fn(Database, String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for engine in [Engine::Sqlite, Engine::Postgres] {
        let test_db = TestDatabase::new(engine).await;
        let db = test_db.open().await;
        test(db.clone(), test_db.url.clone()).await;
        db.close().await;
        test_db.cleanup().await;
    }
}

async fn raw(url: &str, sql: &str) {
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .unwrap();
    sqlx::query(sql).execute(&pool).await.unwrap();
    pool.close().await;
}

async fn reviewer(db: &Database, name: &str, role: ReviewerRole) -> ReviewerRecord {
    db.add_reviewer(name, role, &format!("hash-of-{name}"), "cli", at(0))
        .await
        .unwrap()
}

/// A case with an identity and an address document, both pending review.
async fn case_in_review(db: &Database) -> (CaseId, Vec<DocumentId>) {
    let id = CaseId::new();
    db.insert_case(&NewCase {
        id,
        reference: CaseReference::generate(),
        player_id: PlayerId::try_from("player-1".to_owned()).unwrap(),
        required: vec![DocumentKind::Identity, DocumentKind::Address],
        card_last4: None,
        priority: Priority::Normal,
        callback_url: None,
        locale: Locale::En,
        upload_token_hash: format!("{:032x}", uuid::Uuid::new_v4().as_u128()),
        upload_token_expires_at: at(100),
        created_at: at(0),
    })
    .await
    .unwrap();
    let mut docs = Vec::new();
    for (i, kind) in [DocumentKind::Identity, DocumentKind::Address]
        .into_iter()
        .enumerate()
    {
        let doc = DocumentId::new();
        db.insert_document(&NewDocument {
            id: doc,
            case_id: id,
            kind,
            sha256: Sha256Digest::from_bytes(
                [(i as u8).wrapping_add(id.as_uuid().as_bytes()[15]); 32],
            ),
            content_type: "image/jpeg",
            byte_size: 10,
            width: 10,
            height: 10,
            object_key: format!("documents/{id}/{doc}"),
            key_id: "mk".into(),
            wrapped_key: vec![1; 40],
            nonce: vec![2; 12],
            status: DocumentStatus::PendingReview,
            verdict: Verdict::Review,
            check_report: "{}".into(),
            created_at: at(1),
        })
        .await
        .unwrap();
        docs.push(doc);
    }
    (id, docs)
}

fn decision(doc: DocumentId, who: &ReviewerRecord, d: Decision, now: i64) -> NewDecision<'_> {
    NewDecision {
        document_id: doc,
        reviewer: who,
        input: DecisionInput {
            decision: d,
            reason: (d != Decision::Approve).then_some(ReasonCode::Blurry),
            message: Some("please retake".into()),
            note: Some("looks altered".into()),
        },
        four_eyes: true,
        lease: Duration::minutes(30),
        now: at(now),
    }
}

#[tokio::test]
async fn the_audit_chain_verifies_and_catches_edits_deletions_and_swaps() {
    with_each_engine(|db, url| async move {
        for i in 0..5 {
            db.append_audit(
                at(i),
                &[NewAuditEntry::new("cli", "test_entry").detail(serde_json::json!({"i": i}))],
            )
            .await
            .unwrap();
        }
        let report = db.verify_audit_chain().await.unwrap();
        assert!(report.is_intact(), "{:?}", report.problems);
        assert_eq!(report.entries, 5);

        // Edited.
        raw(&url, "update audit_log set actor = 'someone' where seq = 2").await;
        let report = db.verify_audit_chain().await.unwrap();
        assert!(
            report.problems.iter().any(|p| p.contains("entry 2")),
            "{report:?}"
        );
        raw(&url, "update audit_log set actor = 'cli' where seq = 2").await;
        assert!(db.verify_audit_chain().await.unwrap().is_intact());

        // Swapped: entries 3 and 4 trade places.
        raw(&url, "update audit_log set seq = -3 where seq = 3").await;
        raw(&url, "update audit_log set seq = 3 where seq = 4").await;
        raw(&url, "update audit_log set seq = 4 where seq = -3").await;
        let report = db.verify_audit_chain().await.unwrap();
        assert!(!report.is_intact());
        assert!(
            report.problems.iter().any(|p| p.contains("entry 3")),
            "{report:?}"
        );

        // Deleted from the middle, and from the end.
        raw(&url, "delete from audit_log where seq = 2").await;
        let report = db.verify_audit_chain().await.unwrap();
        assert!(
            report.problems.iter().any(|p| p.contains("missing")),
            "{report:?}"
        );
        raw(&url, "delete from audit_log where seq >= 2").await;
        let report = db.verify_audit_chain().await.unwrap();
        assert_eq!(report.entries, 1);
        assert!(
            report.problems.iter().any(|p| p.contains("head")),
            "{report:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn concurrent_appends_from_two_pools_never_fork_the_chain() {
    with_each_engine(|db, url| async move {
        // A second pool stands in for a second server on the same database.
        let other = Database::connect(&url).await.unwrap();
        let mut tasks = Vec::new();
        for i in 0..40 {
            let db = if i % 2 == 0 {
                db.clone()
            } else {
                other.clone()
            };
            tasks.push(tokio::spawn(async move {
                db.append_audit(at(0), &[NewAuditEntry::new("cli", "race")])
                    .await
                    .unwrap();
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let report = db.verify_audit_chain().await.unwrap();
        assert_eq!(report.entries, 40);
        assert!(report.is_intact(), "{:?}", report.problems);
        other.close().await;
    })
    .await;
}

#[tokio::test]
async fn one_claim_wins_and_only_the_holder_decides() {
    with_each_engine(|db, _| async move {
        let alice = reviewer(&db, "alice", ReviewerRole::Reviewer).await;
        let bob = reviewer(&db, "bob", ReviewerRole::Reviewer).await;
        let (case, docs) = case_in_review(&db).await;
        let lease = Duration::minutes(30);
        assert!(matches!(
            db.claim_case(case, &alice, lease, at(2)).await.unwrap(),
            ClaimOutcome::Claimed(_)
        ));
        match db.claim_case(case, &bob, lease, at(2)).await.unwrap() {
            ClaimOutcome::HeldByOther(claim) => assert_eq!(claim.reviewer_name, "alice"),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            db.decide(decision(docs[0], &bob, Decision::Approve, 2))
                .await
                .unwrap()
                .unwrap_err(),
            Refusal::NotClaimHolder
        );
        // The lease lapses by itself: bob may take the case an hour later.
        assert!(matches!(
            db.claim_case(case, &bob, lease, at(3)).await.unwrap(),
            ClaimOutcome::Claimed(_)
        ));
        assert_eq!(
            db.decide(decision(docs[0], &alice, Decision::Approve, 3))
                .await
                .unwrap()
                .unwrap_err(),
            Refusal::NotClaimHolder
        );
        let outcome = db
            .decide(decision(docs[0], &bob, Decision::Approve, 3))
            .await
            .unwrap()
            .unwrap();
        assert!(matches!(outcome, DecideOutcome::Applied { .. }));
        assert_eq!(
            db.decide(decision(docs[0], &bob, Decision::Approve, 3))
                .await
                .unwrap()
                .unwrap_err(),
            Refusal::NotDecidable(DocumentStatus::Approved)
        );
    })
    .await;
}

#[tokio::test]
async fn a_rejection_waits_for_a_second_supervisor() {
    with_each_engine(|db, _| async move {
        let sup = reviewer(&db, "sue", ReviewerRole::Supervisor).await;
        let other = reviewer(&db, "sam", ReviewerRole::Supervisor).await;
        let (case, docs) = case_in_review(&db).await;
        db.claim_case(case, &sup, Duration::minutes(30), at(2))
            .await
            .unwrap();
        let outcome = db
            .decide(decision(docs[0], &sup, Decision::Reject, 2))
            .await
            .unwrap()
            .unwrap();
        assert!(matches!(outcome, DecideOutcome::Pending(_)));
        assert_eq!(
            db.get_case(case).await.unwrap().unwrap().status,
            CaseStatus::InReview
        );
        let filter = QueueFilter {
            awaiting_confirmation: true,
            ..QueueFilter::default()
        };
        assert_eq!(db.review_queue(&filter, at(2)).await.unwrap().len(), 1);
        assert_eq!(
            db.settle_rejection(docs[0], &sup, true, at(2))
                .await
                .unwrap()
                .unwrap_err(),
            Refusal::SameReviewer
        );
        let settled = db
            .settle_rejection(docs[0], &other, true, at(3))
            .await
            .unwrap()
            .unwrap();
        let DecideOutcome::Applied { case: after, .. } = settled else {
            panic!("not applied");
        };
        assert_eq!(after.status, CaseStatus::Rejected);
        let actions: Vec<String> = db
            .audit_of_case(case)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert!(
            actions.contains(&"rejection_proposed".to_owned()),
            "{actions:?}"
        );
        assert!(
            actions.contains(&"rejection_confirmed".to_owned()),
            "{actions:?}"
        );
        assert!(db.verify_audit_chain().await.unwrap().is_intact());
    })
    .await;
}

#[tokio::test]
async fn a_retake_pauses_the_clock_and_standing_changes_are_recorded_once() {
    with_each_engine(|db, _| async move {
        let alice = reviewer(&db, "alice", ReviewerRole::Reviewer).await;
        let (case, docs) = case_in_review(&db).await;
        db.claim_case(case, &alice, Duration::minutes(30), at(2))
            .await
            .unwrap();
        db.decide(decision(docs[1], &alice, Decision::Retake, 2))
            .await
            .unwrap()
            .unwrap();
        let stored = db.get_case(case).await.unwrap().unwrap();
        assert_eq!(stored.status, CaseStatus::ActionRequired);
        assert_eq!(stored.sla.paused_since, Some(at(2)));

        assert!(db
            .set_sla_standing(case, SlaStanding::NotStarted, SlaStanding::OnTrack, at(2))
            .await
            .unwrap());
        assert!(!db
            .set_sla_standing(case, SlaStanding::NotStarted, SlaStanding::OnTrack, at(2))
            .await
            .unwrap());
        let clocks = db.open_case_clocks().await.unwrap();
        assert_eq!(clocks.len(), 1);
        assert_eq!(clocks[0].standing, SlaStanding::OnTrack);
    })
    .await;
}

#[tokio::test]
async fn disabled_reviewers_lose_their_token_and_their_claims() {
    with_each_engine(|db, _| async move {
        let alice = reviewer(&db, "alice", ReviewerRole::Reviewer).await;
        let (case, _) = case_in_review(&db).await;
        db.claim_case(case, &alice, Duration::minutes(30), at(2))
            .await
            .unwrap();
        assert!(db
            .reviewer_by_token("hash-of-alice")
            .await
            .unwrap()
            .is_some());
        let disabled = db
            .disable_reviewer("alice", "cli", at(2))
            .await
            .unwrap()
            .unwrap();
        assert!(disabled.disabled_at.is_some());
        assert!(db
            .reviewer_by_token("hash-of-alice")
            .await
            .unwrap()
            .is_none());
        assert!(db.current_claim(case, at(2)).await.unwrap().is_none());
        assert!(db
            .add_reviewer("Not A Name", ReviewerRole::Admin, "h", "cli", at(0))
            .await
            .is_err());
    })
    .await;
}
