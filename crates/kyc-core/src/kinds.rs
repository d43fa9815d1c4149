//! The closed sets of the domain: document kinds, case and document states,
//! priorities. Each has one text form, used in JSON, in the database and on
//! the command line alike.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ids::ParseIdError;

/// Declares an enum whose text form is the same everywhere.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = ParseIdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(ParseIdError { what: $what }),
                }
            }
        }
    };
}

text_enum!(
    /// What a document proves.
    DocumentKind, "document kind" {
        /// Passport, ID card or driving licence: identity and age.
        Identity = "identity",
        /// Utility bill or bank statement from the last three months.
        Address = "address",
        /// Payment card with only the last four digits visible.
        Card = "card",
    }
);

text_enum!(
    /// Why the case was opened; blocked accounts go first among equals.
    Priority, "priority" {
        BlockedAccount = "blocked_account",
        Normal = "normal",
    }
);

text_enum!(
    /// Where a case is in its life. See docs/CASE_STATES.md.
    CaseStatus, "case status" {
        /// Opened by the operator, nothing uploaded yet.
        Open = "open",
        /// Some, not all, required documents are in.
        AwaitingDocuments = "awaiting_documents",
        /// Every required document is in; the SLA clock runs.
        InReview = "in_review",
        /// The player must act (a retake was asked for); the clock pauses.
        ActionRequired = "action_required",
        Approved = "approved",
        Rejected = "rejected",
        /// Closed without a decision (the player never finished).
        Expired = "expired",
    }
);

impl CaseStatus {
    /// Final states accept no further uploads or decisions.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Approved | Self::Rejected | Self::Expired)
    }
}

text_enum!(
    /// Where one uploaded document is in its life.
    DocumentStatus, "document status" {
        /// Stored; waiting for a reviewer.
        PendingReview = "pending_review",
        /// The player must send a new photo (automatic check or reviewer).
        RetakeRequested = "retake_requested",
        Approved = "approved",
        Rejected = "rejected",
        /// Replaced by a newer upload of the same kind.
        Superseded = "superseded",
    }
);

impl DocumentStatus {
    /// Where a document stands after the automatic checks: a retake goes
    /// back to the player, a final rejection is final, anything else waits
    /// for a reviewer (the automatic verdict is advice to them).
    pub fn after_check(verdict: crate::Verdict) -> DocumentStatus {
        match verdict {
            crate::Verdict::Retake => DocumentStatus::RetakeRequested,
            crate::Verdict::Reject => DocumentStatus::Rejected,
            crate::Verdict::Accept | crate::Verdict::Review => DocumentStatus::PendingReview,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_forms_round_trip_and_match_json() {
        for kind in DocumentKind::ALL {
            assert_eq!(kind.as_str().parse::<DocumentKind>().unwrap(), *kind);
            let json = serde_json::to_string(kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
        }
        for status in CaseStatus::ALL {
            assert_eq!(status.as_str().parse::<CaseStatus>().unwrap(), *status);
        }
        assert!("passport".parse::<DocumentKind>().is_err());
    }

    #[test]
    fn only_decided_or_expired_cases_are_final() {
        let finals: Vec<_> = CaseStatus::ALL.iter().filter(|s| s.is_final()).collect();
        assert_eq!(
            finals,
            [
                &CaseStatus::Approved,
                &CaseStatus::Rejected,
                &CaseStatus::Expired
            ]
        );
    }
}
