//! How a case's state follows from its documents. Pure, so the state
//! machine can be property-tested without a database.

use chrono::{DateTime, Utc};

use crate::kinds::{CaseStatus, DocumentKind, DocumentStatus};
use crate::sla::SlaClock;

/// The current (non-superseded) document of one kind, as the rule sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CurrentDocument {
    pub kind: DocumentKind,
    pub status: DocumentStatus,
}

/// The state a case is in, given the documents it requires and the current
/// document of each kind. Final states never change here: a decided or
/// expired case stays so.
pub fn case_status(
    previous: CaseStatus,
    required: &[DocumentKind],
    current: &[CurrentDocument],
) -> CaseStatus {
    if previous.is_final() {
        return previous;
    }
    let status_of = |kind: DocumentKind| {
        current
            .iter()
            .filter(|d| d.kind == kind && d.status != DocumentStatus::Superseded)
            .map(|d| d.status)
            .next()
    };
    let statuses: Vec<Option<DocumentStatus>> = required.iter().map(|k| status_of(*k)).collect();

    if statuses.contains(&Some(DocumentStatus::Rejected)) {
        return CaseStatus::Rejected;
    }
    if !statuses.is_empty()
        && statuses
            .iter()
            .all(|s| *s == Some(DocumentStatus::Approved))
    {
        return CaseStatus::Approved;
    }
    if statuses.contains(&Some(DocumentStatus::RetakeRequested)) {
        return CaseStatus::ActionRequired;
    }
    if statuses.iter().all(Option::is_some) {
        return CaseStatus::InReview;
    }
    if statuses.iter().any(Option::is_some) {
        CaseStatus::AwaitingDocuments
    } else {
        CaseStatus::Open
    }
}

/// Whether a case may move from `from` to `to` in one step (staying put is
/// always allowed). This is the table of docs/CASE_STATES.md; the stores
/// check every change they make against it, and property tests check that
/// `case_status` never produces anything else.
pub fn is_legal_transition(from: CaseStatus, to: CaseStatus) -> bool {
    use CaseStatus::*;
    if from == to {
        return true;
    }
    match from {
        // Uploads add documents (never take them away) and a person or the
        // checker may reject any of them.
        Open => matches!(
            to,
            AwaitingDocuments | InReview | ActionRequired | Rejected | Expired
        ),
        AwaitingDocuments => matches!(to, InReview | ActionRequired | Rejected | Expired),
        InReview => matches!(to, ActionRequired | Approved | Rejected | Expired),
        // A retake arrives (back to review), or the waiting document is
        // decided by a person after all; if other documents were never sent
        // the case then waits for them.
        ActionRequired => matches!(
            to,
            AwaitingDocuments | InReview | Approved | Rejected | Expired
        ),
        Approved | Rejected | Expired => false,
    }
}

/// The SLA clock after the case moved to `status` at `now`: it starts (once)
/// and runs while the case is in review, and pauses while the player must
/// act. Final states leave it as it was; the decision time is kept apart.
pub fn advance_sla(status: CaseStatus, mut sla: SlaClock, now: DateTime<Utc>) -> SlaClock {
    match status {
        CaseStatus::InReview => {
            sla.start(now);
            sla.resume(now);
        }
        CaseStatus::ActionRequired => sla.pause(now),
        _ => {}
    }
    sla
}

#[cfg(test)]
mod tests {
    use super::*;
    use DocumentKind::*;
    use DocumentStatus::*;

    fn doc(kind: DocumentKind, status: DocumentStatus) -> CurrentDocument {
        CurrentDocument { kind, status }
    }

    #[test]
    fn follows_the_documents() {
        let req = [Identity, Address];
        assert_eq!(case_status(CaseStatus::Open, &req, &[]), CaseStatus::Open);
        let one = [doc(Identity, PendingReview)];
        assert_eq!(
            case_status(CaseStatus::Open, &req, &one),
            CaseStatus::AwaitingDocuments
        );
        let both = [doc(Identity, PendingReview), doc(Address, PendingReview)];
        assert_eq!(
            case_status(CaseStatus::AwaitingDocuments, &req, &both),
            CaseStatus::InReview
        );
        let retake = [doc(Identity, RetakeRequested), doc(Address, Approved)];
        assert_eq!(
            case_status(CaseStatus::InReview, &req, &retake),
            CaseStatus::ActionRequired
        );
        let approved = [doc(Identity, Approved), doc(Address, Approved)];
        assert_eq!(
            case_status(CaseStatus::InReview, &req, &approved),
            CaseStatus::Approved
        );
        let rejected = [doc(Identity, Rejected), doc(Address, Approved)];
        assert_eq!(
            case_status(CaseStatus::InReview, &req, &rejected),
            CaseStatus::Rejected
        );
    }

    #[test]
    fn documents_of_other_kinds_and_superseded_ones_do_not_count() {
        let req = [Card];
        let docs = [doc(Identity, Approved), doc(Card, Superseded)];
        assert_eq!(case_status(CaseStatus::Open, &req, &docs), CaseStatus::Open);
    }

    #[test]
    fn transitions_follow_the_table() {
        use CaseStatus as S;
        assert!(is_legal_transition(S::Open, S::AwaitingDocuments));
        assert!(is_legal_transition(S::InReview, S::Approved));
        assert!(is_legal_transition(S::ActionRequired, S::InReview));
        assert!(!is_legal_transition(S::Open, S::Approved));
        assert!(!is_legal_transition(S::InReview, S::Open));
        assert!(!is_legal_transition(S::Approved, S::InReview));
        assert!(!is_legal_transition(S::Rejected, S::Approved));
        for s in S::ALL {
            assert!(is_legal_transition(*s, *s));
        }
    }

    #[test]
    fn the_clock_runs_in_review_and_pauses_for_the_player() {
        let t0 = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let t1 = t0 + chrono::Duration::hours(2);
        let t2 = t1 + chrono::Duration::hours(5);
        let sla = advance_sla(CaseStatus::AwaitingDocuments, SlaClock::default(), t0);
        assert_eq!(sla.started_at, None);
        let sla = advance_sla(CaseStatus::InReview, sla, t0);
        assert_eq!(sla.started_at, Some(t0));
        let sla = advance_sla(CaseStatus::ActionRequired, sla, t1);
        assert_eq!(sla.paused_since, Some(t1));
        let sla = advance_sla(CaseStatus::InReview, sla, t2);
        assert_eq!(sla.paused_since, None);
        assert_eq!(sla.paused_total_secs, 5 * 3600);
    }

    #[test]
    fn final_states_stay() {
        let docs = [doc(Card, PendingReview)];
        assert_eq!(
            case_status(CaseStatus::Expired, &[Card], &docs),
            CaseStatus::Expired
        );
        assert_eq!(
            case_status(CaseStatus::Approved, &[Card], &docs),
            CaseStatus::Approved
        );
    }
}
