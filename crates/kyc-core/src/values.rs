//! Validated values: once constructed, always valid.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct InvalidValue(pub &'static str);

/// The operator's own identifier for the player: 1 to 128 printable
/// characters. Opaque to kyc; it is personal data, so it is never logged.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PlayerId(String);

impl PlayerId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PlayerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PlayerId(..)")
    }
}

impl TryFrom<String> for PlayerId {
    type Error = InvalidValue;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        let len = s.chars().count();
        if len == 0 || len > 128 || s.chars().any(char::is_control) || s.trim() != s {
            return Err(InvalidValue(
                "player_id must be 1 to 128 printable characters without surrounding spaces",
            ));
        }
        Ok(Self(s))
    }
}

impl From<PlayerId> for String {
    fn from(p: PlayerId) -> Self {
        p.0
    }
}

/// The last four digits of a payment card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CardLast4([u8; 4]);

impl CardLast4 {
    pub fn as_str(&self) -> &str {
        // Constructed from ASCII digits only.
        std::str::from_utf8(&self.0).unwrap_or("????")
    }
}

impl fmt::Display for CardLast4 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CardLast4 {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bytes: [u8; 4] = s
            .as_bytes()
            .try_into()
            .map_err(|_| InvalidValue("card_last4 must be exactly four digits"))?;
        if bytes.iter().all(u8::is_ascii_digit) {
            Ok(Self(bytes))
        } else {
            Err(InvalidValue("card_last4 must be exactly four digits"))
        }
    }
}

impl TryFrom<String> for CardLast4 {
    type Error = InvalidValue;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<CardLast4> for String {
    fn from(c: CardLast4) -> Self {
        c.as_str().to_owned()
    }
}

/// A SHA-256 digest, shown as 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Sha256Digest([u8; 32]);

impl Sha256Digest {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Debug for Sha256Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha256Digest({})", self.to_hex())
    }
}

impl fmt::Display for Sha256Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl FromStr for Sha256Digest {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(s, &mut out)
            .map_err(|_| InvalidValue("a SHA-256 digest is 64 hex digits"))?;
        Ok(Self(out))
    }
}

impl TryFrom<String> for Sha256Digest {
    type Error = InvalidValue;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Sha256Digest> for String {
    fn from(d: Sha256Digest) -> Self {
        d.to_hex()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_last4_takes_exactly_four_digits() {
        assert_eq!("0042".parse::<CardLast4>().unwrap().as_str(), "0042");
        for bad in ["", "123", "12345", "12a4", "١٢٣٤"] {
            assert!(bad.parse::<CardLast4>().is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn player_id_rejects_empty_long_and_control_text() {
        assert!(PlayerId::try_from("player-42".to_owned()).is_ok());
        assert!(PlayerId::try_from(String::new()).is_err());
        assert!(PlayerId::try_from("a".repeat(129)).is_err());
        assert!(PlayerId::try_from("a\nb".to_owned()).is_err());
        assert!(PlayerId::try_from(" padded".to_owned()).is_err());
        assert_eq!(
            format!("{:?}", PlayerId::try_from("secret".to_owned()).unwrap()),
            "PlayerId(..)"
        );
    }

    #[test]
    fn digest_round_trips_through_hex() {
        let d = Sha256Digest::from_bytes([0xab; 32]);
        assert_eq!(d.to_hex().parse::<Sha256Digest>().unwrap(), d);
        assert!("abc".parse::<Sha256Digest>().is_err());
    }
}
