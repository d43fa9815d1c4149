//! No sequence of API-level operations reaches an illegal case state.
//!
//! The model applies what the API does (uploads with any automatic verdict,
//! reviewer decisions, the four-eyes rejection and its confirmation, expiry)
//! through the same pure rules the store uses, and checks after every step
//! that the move was in the table and the case agrees with its documents.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use kyc_core::lifecycle::{advance_sla, case_status, is_legal_transition, CurrentDocument};
use kyc_core::review::is_decidable;
use kyc_core::{CaseStatus, Decision, DocumentKind, DocumentStatus, SlaClock};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    /// The player uploads; the checker says pending review, retake or reject.
    Upload(DocumentKind, DocumentStatus),
    /// A reviewer decides the current document of a kind.
    Decide(DocumentKind, Decision),
    /// A supervisor confirms the pending rejection of a kind.
    Confirm(DocumentKind),
    Expire,
    Wait(i64),
}

struct Model {
    required: Vec<DocumentKind>,
    status: CaseStatus,
    docs: HashMap<DocumentKind, DocumentStatus>,
    pending_rejection: Vec<DocumentKind>,
    sla: SlaClock,
    now: DateTime<Utc>,
    four_eyes: bool,
}

impl Model {
    fn current(&self) -> Vec<CurrentDocument> {
        self.docs
            .iter()
            .map(|(kind, status)| CurrentDocument {
                kind: *kind,
                status: *status,
            })
            .collect()
    }

    /// Applies one operation as the API would, refusing what it refuses.
    fn apply(&mut self, op: &Op) {
        match op {
            Op::Upload(kind, auto) => {
                if self.status.is_final() || !self.required.contains(kind) {
                    return;
                }
                self.docs.insert(*kind, *auto);
                self.pending_rejection.retain(|k| k != kind);
            }
            Op::Decide(kind, decision) => {
                let Some(status) = self.docs.get(kind).copied() else {
                    return;
                };
                if self.status.is_final()
                    || !is_decidable(status)
                    || self.pending_rejection.contains(kind)
                {
                    return;
                }
                if *decision == Decision::Reject && self.four_eyes {
                    self.pending_rejection.push(*kind);
                    return;
                }
                self.docs.insert(*kind, decision.document_status());
            }
            Op::Confirm(kind) => {
                if self.status.is_final() || !self.pending_rejection.contains(kind) {
                    return;
                }
                self.pending_rejection.retain(|k| k != kind);
                self.docs.insert(*kind, DocumentStatus::Rejected);
            }
            Op::Expire => {
                if !self.status.is_final() {
                    self.status = CaseStatus::Expired;
                }
                return;
            }
            Op::Wait(hours) => {
                self.now += Duration::hours(*hours);
                return;
            }
        }
        let next = case_status(self.status, &self.required, &self.current());
        assert!(
            is_legal_transition(self.status, next),
            "{:?} -> {next:?} after {op:?}",
            self.status
        );
        self.status = next;
        self.sla = advance_sla(next, self.sla, self.now);
    }

    fn check_invariants(&self) {
        let of = |k: &DocumentKind| self.docs.get(k).copied();
        match self.status {
            CaseStatus::Approved => assert!(self
                .required
                .iter()
                .all(|k| of(k) == Some(DocumentStatus::Approved))),
            CaseStatus::Rejected => assert!(self
                .required
                .iter()
                .any(|k| of(k) == Some(DocumentStatus::Rejected))),
            CaseStatus::InReview => {
                assert!(self.required.iter().all(|k| of(k).is_some()));
                assert!(self.sla.started_at.is_some(), "in review, clock stopped");
                assert!(self.sla.paused_since.is_none(), "in review, clock paused");
            }
            CaseStatus::ActionRequired => {
                assert!(self
                    .required
                    .iter()
                    .any(|k| of(k) == Some(DocumentStatus::RetakeRequested)));
                assert!(
                    self.sla.started_at.is_none() || self.sla.paused_since.is_some(),
                    "waiting for the player, clock running"
                );
            }
            CaseStatus::Open => assert!(self.required.iter().all(|k| of(k).is_none())),
            CaseStatus::AwaitingDocuments => {
                assert!(self.required.iter().any(|k| of(k).is_none()));
                assert!(self.sla.started_at.is_none() || self.sla.paused_since.is_some());
            }
            CaseStatus::Expired => {}
        }
        // No rejection is pending on a case that is already closed by it.
        if self.status == CaseStatus::Rejected {
            assert!(self.docs.values().any(|s| *s == DocumentStatus::Rejected));
        }
    }
}

fn kind() -> impl Strategy<Value = DocumentKind> {
    prop::sample::select(DocumentKind::ALL.to_vec())
}

fn op() -> impl Strategy<Value = Op> {
    let auto = prop::sample::select(vec![
        DocumentStatus::PendingReview,
        DocumentStatus::PendingReview,
        DocumentStatus::RetakeRequested,
        DocumentStatus::Rejected,
    ]);
    prop_oneof![
        4 => (kind(), auto).prop_map(|(k, s)| Op::Upload(k, s)),
        4 => (kind(), prop::sample::select(Decision::ALL.to_vec())).prop_map(|(k, d)| Op::Decide(k, d)),
        1 => kind().prop_map(Op::Confirm),
        1 => (0i64..30).prop_map(Op::Wait),
        1 => Just(Op::Expire).prop_filter("rare", |_| true),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn no_operation_sequence_reaches_an_illegal_state(
        required in prop::sample::subsequence(DocumentKind::ALL.to_vec(), 1..=3),
        four_eyes in any::<bool>(),
        ops in prop::collection::vec(op(), 0..40),
    ) {
        let mut model = Model {
            required,
            status: CaseStatus::Open,
            docs: HashMap::new(),
            pending_rejection: Vec::new(),
            sla: SlaClock::default(),
            now: DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
            four_eyes,
        };
        let mut was_final = false;
        for op in &ops {
            let before = model.status;
            model.apply(op);
            model.check_invariants();
            if was_final {
                prop_assert_eq!(model.status, before, "a final case moved");
            }
            was_final = model.status.is_final();
        }
    }
}
