//! Domain types shared by every kyc crate: identifiers, document kinds,
//! verdicts and reason codes, case states, and the SLA arithmetic.
//!
//! Nothing here does I/O, so every rule in this crate is cheap to test.

pub mod clock;
pub mod ids;
pub mod kinds;
pub mod lifecycle;
pub mod locale;
pub mod reasons;
pub mod review;
pub mod sla;
pub mod values;

pub use clock::{Clock, ManualClock, SystemClock};
pub use ids::{CaseId, CaseReference, DocumentId, ParseIdError};
pub use kinds::{CaseStatus, DocumentKind, DocumentStatus, Priority};
pub use locale::Locale;
pub use reasons::{ReasonCode, Verdict};
pub use review::{Decision, DecisionError, DecisionInput, ReviewerRole};
pub use sla::{SlaClock, SlaPolicy, SlaStanding};
pub use values::{CardLast4, InvalidValue, PlayerId, Sha256Digest};
