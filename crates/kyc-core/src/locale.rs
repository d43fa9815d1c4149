//! The languages players read their messages in.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A player-facing language. Unknown or missing locales fall back to English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    #[default]
    En,
    Az,
    Ru,
    Tr,
    Kk,
}

impl Locale {
    pub const ALL: &'static [Locale] =
        &[Locale::En, Locale::Az, Locale::Ru, Locale::Tr, Locale::Kk];

    pub fn as_str(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Az => "az",
            Locale::Ru => "ru",
            Locale::Tr => "tr",
            Locale::Kk => "kk",
        }
    }

    /// Reads a BCP 47 tag such as `ru-RU` or `az-Latn-AZ` by its language
    /// subtag; anything else falls back to English.
    pub fn from_tag(tag: &str) -> Locale {
        tag.split(['-', '_'])
            .next()
            .and_then(|lang| lang.to_ascii_lowercase().parse().ok())
            .unwrap_or_default()
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Locale {
    type Err = crate::InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Locale::ALL
            .iter()
            .copied()
            .find(|l| l.as_str() == s)
            .ok_or(crate::InvalidValue(
                "locale must be one of en, az, ru, tr, kk",
            ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_fall_back_to_english() {
        assert_eq!(Locale::from_tag("ru-RU"), Locale::Ru);
        assert_eq!(Locale::from_tag("az_Latn_AZ"), Locale::Az);
        assert_eq!(Locale::from_tag("KK"), Locale::Kk);
        assert_eq!(Locale::from_tag("de-DE"), Locale::En);
        assert_eq!(Locale::from_tag(""), Locale::En);
    }
}
