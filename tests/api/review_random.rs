//! One randomised run through the API: uploads, claims, decisions and
//! confirmations in a seeded random order, checking after every step that
//! the case moved only as docs/CASE_STATES.md allows and agrees with its
//! documents.

use kyc_core::lifecycle::is_legal_transition;
use kyc_core::CaseStatus;
use kyc_store::Engine;
use serde_json::{json, Value};

use crate::fixtures;
use crate::helpers::*;
use crate::review::{add_reviewer, decision, get, post};

/// xorshift: deterministic, no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[tokio::test]
async fn a_random_walk_through_the_api_never_reaches_an_illegal_state() {
    let app = spawn_app(Engine::Sqlite).await;
    let rita = add_reviewer(&app, "rita", "reviewer");
    let sue = add_reviewer(&app, "sue", "supervisor");
    let seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut rng = Rng(seed);
    let kinds = ["identity", "address"];
    for round in 0..3 {
        let opened = app
            .open_case(json!({"player_id": format!("p-{round}"), "documents": kinds}))
            .await;
        let case = OpenCase {
            id: opened["id"].as_str().unwrap().into(),
            upload_token: opened["upload_token"].as_str().unwrap().into(),
        };
        let mut status: CaseStatus = "open".parse().unwrap();
        let mut photo = 1000 * (round + 1);
        for step in 0..25 {
            let read = app.get_case(&case.id).await;
            let current: Vec<&Value> = read["documents"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| d["status"] != "superseded")
                .collect();
            match rng.next(5) {
                0 | 1 => {
                    photo += 1;
                    let kind = kinds[rng.next(2) as usize];
                    let _ = app
                        .upload(&case, kind, "image/jpeg", fixtures::jpeg(photo))
                        .await;
                }
                2 => {
                    let _ = post(
                        &app,
                        &format!("/v1/review/cases/{}/claim", case.id),
                        &rita,
                        json!({}),
                    )
                    .await;
                }
                3 if !current.is_empty() => {
                    let doc = current[rng.next(current.len() as u64) as usize]["id"]
                        .as_str()
                        .unwrap()
                        .to_owned();
                    let d = ["approve", "approve", "retake", "reject"][rng.next(4) as usize];
                    let _ = post(
                        &app,
                        &format!("/v1/review/documents/{doc}/decision"),
                        &rita,
                        decision(d),
                    )
                    .await;
                }
                _ if !current.is_empty() => {
                    let doc = current[rng.next(current.len() as u64) as usize]["id"]
                        .as_str()
                        .unwrap()
                        .to_owned();
                    let _ = post(
                        &app,
                        &format!("/v1/review/documents/{doc}/decision/confirm"),
                        &sue,
                        json!({}),
                    )
                    .await;
                }
                _ => {}
            }
            let after = app.get_case(&case.id).await;
            let next: CaseStatus = after["status"].as_str().unwrap().parse().unwrap();
            assert!(
                is_legal_transition(status, next),
                "seed {seed:x} round {round} step {step}: {status} -> {next}"
            );
            let docs: Vec<&Value> = after["documents"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| d["status"] != "superseded")
                .collect();
            match next {
                CaseStatus::Approved => assert!(
                    docs.len() == kinds.len() && docs.iter().all(|d| d["status"] == "approved"),
                    "{after}"
                ),
                CaseStatus::Rejected => {
                    assert!(docs.iter().any(|d| d["status"] == "rejected"), "{after}")
                }
                CaseStatus::InReview => assert_eq!(after["sla"]["paused"], false, "{after}"),
                CaseStatus::ActionRequired => assert!(
                    docs.iter().any(|d| d["status"] == "retake_requested"),
                    "{after}"
                ),
                _ => {}
            }
            status = next;
        }
    }
    let queue = get(&app, "/v1/review/queue", &rita).await;
    assert_eq!(queue.status(), 200);
    app.stop().await;
}
