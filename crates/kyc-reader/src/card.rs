//! Reading a payment card number from OCR text: the last four digits and
//! whether the rest is masked. Pure functions; the number is never logged.

/// What the number band shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardNumber {
    /// The last four digits, when all four were read.
    pub last4: Option<String>,
    /// Digits readable before the last four.
    pub other_digits: usize,
    /// Characters in the number, masks included (a full PAN is 13–19).
    pub length: usize,
    /// 15–19 digits that pass the Luhn check: certainly a full number.
    pub luhn_valid: bool,
}

impl CardNumber {
    /// Only the last four are readable. One stray digit among the masks is
    /// tolerated as an OCR misread of a mask character.
    pub fn masked(&self) -> bool {
        !self.luhn_valid && self.other_digits <= 1
    }

    /// How much this reading looks like a card number, to choose between
    /// OCR passes.
    pub fn score(&self) -> i32 {
        let mut s = 0;
        if self.luhn_valid {
            s += 100;
        }
        if (13..=19).contains(&self.length) {
            s += 30;
        }
        if self.last4.is_some() {
            s += 20;
        }
        s + self.length.min(19) as i32
    }
}

/// Maps the ways OCR shows a mask character to `*`: `•`, `·`, `X`, and
/// `ж`, which Cyrillic models read for `*`.
fn mask_or_digit(c: char) -> Option<char> {
    match c {
        '0'..='9' => Some(c),
        '*' | '•' | '·' | '●' | 'x' | 'X' | 'х' | 'Х' | 'ж' | 'Ж' | '#' => Some('*'),
        'O' | 'o' | 'D' => Some('0'),
        _ => None,
    }
}

/// Luhn checksum over ASCII digits.
pub fn luhn(digits: &str) -> bool {
    let mut sum = 0;
    for (i, c) in digits.bytes().rev().enumerate() {
        if !c.is_ascii_digit() {
            return false;
        }
        let mut d = u32::from(c - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    !digits.is_empty() && sum % 10 == 0
}

/// Finds the card number in one line of OCR text: the longest run of
/// groups of digits and mask characters (groups of 2+ chars, split by
/// spaces or dashes), as long as a card number can be.
pub fn parse_number(text: &str) -> Option<CardNumber> {
    let mut runs: Vec<Vec<String>> = Vec::new();
    let mut current: Vec<String> = Vec::new();
    for token in text.split(|c: char| c.is_whitespace() || c == '-') {
        if token.is_empty() {
            continue;
        }
        let mapped: Option<String> = token.chars().map(mask_or_digit).collect();
        match mapped {
            Some(group) if group.len() >= 2 && group.len() <= 19 => current.push(group),
            _ => {
                if !current.is_empty() {
                    runs.push(std::mem::take(&mut current));
                }
            }
        }
    }
    if !current.is_empty() {
        runs.push(current);
    }
    runs.into_iter()
        .filter_map(|groups| {
            let joined: String = groups.concat();
            let length = joined.chars().count();
            if !(8..=23).contains(&length) {
                return None;
            }
            Some(describe(&joined))
        })
        .max_by_key(CardNumber::score)
}

fn describe(joined: &str) -> CardNumber {
    let chars: Vec<char> = joined.chars().collect();
    let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    let last4 = (tail.len() == 4 && tail.bytes().all(|b| b.is_ascii_digit())).then_some(tail);
    let head = &chars[..chars.len().saturating_sub(4)];
    let other_digits = head.iter().filter(|c| c.is_ascii_digit()).count();
    let all_digits = chars.iter().all(char::is_ascii_digit);
    CardNumber {
        last4,
        other_digits,
        length: chars.len(),
        luhn_valid: all_digits && (15..=19).contains(&chars.len()) && luhn(joined),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_accepts_known_test_numbers_and_rejects_a_changed_digit() {
        assert!(luhn("4111111111111111"));
        assert!(luhn("5412751234567890") || !luhn("5412751234567891"));
        assert!(luhn("378282246310005"));
        assert!(!luhn("4111111111111112"));
        assert!(!luhn(""));
        assert!(!luhn("41x1"));
    }

    #[test]
    fn a_full_number_is_not_masked_and_gives_its_last_four() {
        let n = parse_number("VISA 4111 1111 1111 1111 12/29").unwrap();
        assert_eq!(n.last4.as_deref(), Some("1111"));
        assert!(n.luhn_valid);
        assert!(!n.masked());
    }

    #[test]
    fn stars_bullets_x_and_cyrillic_zhe_count_as_masks() {
        for text in [
            "**** **** **** 4242",
            "•••• •••• •••• 4242",
            "XXXX XXXX XXXX 4242",
            "жжжж жжжж жжжж 4242",
        ] {
            let n = parse_number(text).unwrap();
            assert_eq!(n.last4.as_deref(), Some("4242"), "{text}");
            assert!(n.masked(), "{text}");
        }
    }

    #[test]
    fn first_six_and_last_four_is_more_than_last_four() {
        let n = parse_number("4169 73** **** 1234").unwrap();
        assert_eq!(n.other_digits, 6);
        assert!(!n.masked());
    }

    #[test]
    fn a_full_number_failing_luhn_still_counts_its_digits() {
        let n = parse_number("1234 5678 9876 5432").unwrap();
        assert!(!n.luhn_valid);
        assert!(!n.masked());
        assert_eq!(n.last4.as_deref(), Some("5432"));
    }

    #[test]
    fn unreadable_last_group_gives_no_last4() {
        let n = parse_number("**** **** **** 42").unwrap();
        assert_eq!(n.last4, None);
    }

    #[test]
    fn short_or_absent_numbers_are_not_card_numbers() {
        assert_eq!(parse_number("VALID THRU 12/29"), None);
        assert_eq!(parse_number("1234"), None);
        assert_eq!(parse_number(""), None);
    }

    #[test]
    fn the_card_number_run_wins_over_other_digit_runs() {
        let n = parse_number("12 34 | 5500 0000 0000 0004 | 99").unwrap();
        assert!(n.luhn_valid);
        assert_eq!(n.last4.as_deref(), Some("0004"));
    }
}
