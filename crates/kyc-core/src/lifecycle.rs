//! How a case's state follows from its documents. Pure, so the state
//! machine can be property-tested without a database.

use crate::kinds::{CaseStatus, DocumentKind, DocumentStatus};

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
