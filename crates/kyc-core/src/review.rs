//! The reviewer's side of the domain: roles, decisions and the rules a
//! decision must meet before it is recorded. Pure, like the rest of the crate.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ids::ParseIdError;
use crate::kinds::DocumentStatus;
use crate::reasons::ReasonCode;

/// What a reviewer may do. Roles are ordered: each includes the ones before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewerRole {
    /// Claims cases, views documents, decides documents of claimed cases.
    Reviewer,
    /// Also confirms (four-eyes) final rejections and reads the audit trail.
    Supervisor,
    /// Everything a supervisor may do; the role for operations staff.
    Admin,
}

impl ReviewerRole {
    pub const ALL: &'static [ReviewerRole] = &[Self::Reviewer, Self::Supervisor, Self::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reviewer => "reviewer",
            Self::Supervisor => "supervisor",
            Self::Admin => "admin",
        }
    }

    /// Whether this role includes `other` (an admin is also a supervisor).
    pub fn includes(self, other: ReviewerRole) -> bool {
        self >= other
    }
}

impl fmt::Display for ReviewerRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ReviewerRole {
    type Err = ParseIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|r| r.as_str() == s)
            .ok_or(ParseIdError {
                what: "reviewer role",
            })
    }
}

/// A reviewer's decision on one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve,
    /// The player must send a new photo; the case waits for them.
    Retake,
    /// Final: the case is rejected (after a supervisor's confirmation when
    /// the four-eyes rule is on).
    Reject,
}

impl Decision {
    pub const ALL: &'static [Decision] = &[Self::Approve, Self::Retake, Self::Reject];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approve => "approve",
            Self::Retake => "retake",
            Self::Reject => "reject",
        }
    }

    /// The document's status once the decision takes effect.
    pub fn document_status(self) -> DocumentStatus {
        match self {
            Self::Approve => DocumentStatus::Approved,
            Self::Retake => DocumentStatus::RetakeRequested,
            Self::Reject => DocumentStatus::Rejected,
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Decision {
    type Err = ParseIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|d| d.as_str() == s)
            .ok_or(ParseIdError { what: "decision" })
    }
}

/// A decision with what must accompany it, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionInput {
    pub decision: Decision,
    pub reason: Option<ReasonCode>,
    /// Shown to the player (required for a retake).
    pub message: Option<String>,
    /// Internal only (required for a rejection).
    pub note: Option<String>,
}

/// Why a decision was refused before anything was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecisionError {
    #[error("a {0} needs a reason code")]
    ReasonRequired(Decision),
    #[error("a retake needs a message for the player")]
    MessageRequired,
    #[error("a rejection needs an internal note")]
    NoteRequired,
    #[error("{0} is too long (at most {1} characters)")]
    TooLong(&'static str, usize),
}

/// Longest player message or internal note, in characters.
pub const MAX_TEXT_CHARS: usize = 2000;

impl DecisionInput {
    /// Checks the companions a decision requires: a retake tells the player
    /// why and what to do; a rejection tells the next reviewer why.
    pub fn validate(self) -> Result<Self, DecisionError> {
        let blank = |s: &Option<String>| s.as_deref().is_none_or(|t| t.trim().is_empty());
        for (what, text) in [("message", &self.message), ("note", &self.note)] {
            if text
                .as_deref()
                .is_some_and(|t| t.chars().count() > MAX_TEXT_CHARS)
            {
                return Err(DecisionError::TooLong(what, MAX_TEXT_CHARS));
            }
        }
        match self.decision {
            Decision::Approve => {}
            Decision::Retake => {
                if self.reason.is_none() {
                    return Err(DecisionError::ReasonRequired(Decision::Retake));
                }
                if blank(&self.message) {
                    return Err(DecisionError::MessageRequired);
                }
            }
            Decision::Reject => {
                if self.reason.is_none() {
                    return Err(DecisionError::ReasonRequired(Decision::Reject));
                }
                if blank(&self.note) {
                    return Err(DecisionError::NoteRequired);
                }
            }
        }
        Ok(self)
    }
}

/// Whether a reviewer may decide a document in this status. The automatic
/// verdict is advice: a document the checker asked to retake may still be
/// approved by a person. Decided and superseded documents are not decided
/// again.
pub fn is_decidable(status: DocumentStatus) -> bool {
    matches!(
        status,
        DocumentStatus::PendingReview | DocumentStatus::RetakeRequested
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(decision: Decision) -> DecisionInput {
        DecisionInput {
            decision,
            reason: None,
            message: None,
            note: None,
        }
    }

    #[test]
    fn roles_include_lower_roles_and_round_trip() {
        assert!(ReviewerRole::Admin.includes(ReviewerRole::Supervisor));
        assert!(ReviewerRole::Supervisor.includes(ReviewerRole::Reviewer));
        assert!(!ReviewerRole::Reviewer.includes(ReviewerRole::Supervisor));
        for role in ReviewerRole::ALL {
            assert_eq!(role.as_str().parse::<ReviewerRole>().unwrap(), *role);
        }
        assert!("root".parse::<ReviewerRole>().is_err());
    }

    #[test]
    fn retake_needs_reason_and_message_reject_needs_reason_and_note() {
        assert!(input(Decision::Approve).validate().is_ok());
        assert_eq!(
            input(Decision::Retake).validate(),
            Err(DecisionError::ReasonRequired(Decision::Retake))
        );
        let mut retake = input(Decision::Retake);
        retake.reason = Some(ReasonCode::Blurry);
        retake.message = Some("  ".into());
        assert_eq!(
            retake.clone().validate(),
            Err(DecisionError::MessageRequired)
        );
        retake.message = Some("Please retake it in daylight".into());
        assert!(retake.validate().is_ok());

        let mut reject = input(Decision::Reject);
        reject.reason = Some(ReasonCode::Underage);
        reject.message = Some("shown".into());
        assert_eq!(reject.clone().validate(), Err(DecisionError::NoteRequired));
        reject.note = Some("born 2011 per MRZ".into());
        assert!(reject.validate().is_ok());
    }

    #[test]
    fn only_undecided_current_documents_are_decidable() {
        assert!(is_decidable(DocumentStatus::PendingReview));
        assert!(is_decidable(DocumentStatus::RetakeRequested));
        assert!(!is_decidable(DocumentStatus::Approved));
        assert!(!is_decidable(DocumentStatus::Rejected));
        assert!(!is_decidable(DocumentStatus::Superseded));
    }
}
