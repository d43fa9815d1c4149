//! Identifiers. Each is a newtype so a case id can never be passed where a
//! document id is expected, and each is parsed once at the edge.

use std::fmt;
use std::str::FromStr;

use rand::Rng;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("not a valid {what}")]
pub struct ParseIdError {
    pub what: &'static str,
}

macro_rules! uuid_id {
    ($name:ident, $what:literal) => {
        #[doc = concat!("The id of a ", $what, ": a UUIDv7, so ids sort by creation time.")]
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = ParseIdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s)
                    .map(Self)
                    .map_err(|_| ParseIdError { what: $what })
            }
        }
    };
}

uuid_id!(CaseId, "case id");
uuid_id!(DocumentId, "document id");

/// A case reference a player can read out to support: `KYC-` and eight
/// characters from an alphabet without look-alikes (no 0/O, 1/I/L, U).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CaseReference(String);

impl CaseReference {
    /// Crockford's base 32 without `U`: 31 symbols, 8 of them give ~2^39
    /// references; uniqueness is still enforced by the database.
    const ALPHABET: &'static [u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    const LEN: usize = 8;

    pub fn generate() -> Self {
        let mut rng = rand::thread_rng();
        let body: String = (0..Self::LEN)
            .map(|_| {
                // Skip '0' and '1' too: players confuse them with O and I.
                let alphabet = &Self::ALPHABET[2..];
                alphabet[rng.gen_range(0..alphabet.len())] as char
            })
            .collect();
        Self(format!("KYC-{body}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CaseReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for CaseReference {
    type Err = ParseIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let upper = s.trim().to_ascii_uppercase();
        let body = upper.strip_prefix("KYC-").ok_or(ParseIdError {
            what: "case reference",
        })?;
        let valid = body.len() == Self::LEN && body.bytes().all(|b| Self::ALPHABET.contains(&b));
        if valid {
            Ok(Self(upper))
        } else {
            Err(ParseIdError {
                what: "case reference",
            })
        }
    }
}

impl TryFrom<String> for CaseReference {
    type Error = ParseIdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<CaseReference> for String {
    fn from(r: CaseReference) -> Self {
        r.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_text() {
        let id = CaseId::new();
        assert_eq!(id.to_string().parse::<CaseId>().unwrap(), id);
        assert!("not-a-uuid".parse::<DocumentId>().is_err());
    }

    #[test]
    fn references_are_readable_and_parse_back() {
        for _ in 0..200 {
            let r = CaseReference::generate();
            assert!(r.as_str().starts_with("KYC-"));
            assert_eq!(r.as_str().len(), 12);
            assert!(!r.as_str()[4..].contains(['0', '1', 'I', 'L', 'O', 'U']));
            assert_eq!(
                r.as_str().to_lowercase().parse::<CaseReference>().unwrap(),
                r
            );
        }
        assert!("KYC-SHORT".parse::<CaseReference>().is_err());
        assert!("ABC-7F3K9Q2M".parse::<CaseReference>().is_err());
    }
}
