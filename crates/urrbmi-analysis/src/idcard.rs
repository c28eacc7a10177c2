//! Resident ID numbers (公民身份号码, GB 11643-1999): the check character and the birth date.
//!
//! An 18-character ID number is six digits of address code, eight of birth date (`YYYYMMDD`),
//! three of sequence code and one check character. The check character is worked out from the
//! first seventeen digits by ISO 7064 MOD 11-2: each digit is multiplied by its weight
//! (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2), the products are summed, and the sum
//! modulo 11 selects one of `1 0 X 9 8 7 6 5 4 3 2`.
//!
//! ```
//! use chrono::NaiveDate;
//! use urrbmi_analysis::idcard::{birth_date, IdNumberError};
//!
//! // The example number of GB 11643-1999 itself.
//! assert_eq!(birth_date("11010519491231002X")?, NaiveDate::from_ymd_opt(1949, 12, 31).unwrap());
//! // One digit changed: the check character no longer matches.
//! assert!(matches!(
//!     birth_date("11010519491231003X"),
//!     Err(IdNumberError::CheckCharacter { expected: '8', found: 'X' })
//! ));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Only the form of the number is checked: a number can pass and still not have been issued.
//! The older 15-digit numbers (no check character, two-digit year) are not accepted by
//! [`birth_date`]; [`upgrade`] turns one into its 18-character form as GB 11643-1999 does
//! (the year gains `19`, the check character is added).

use chrono::NaiveDate;

/// The weights of the first seventeen digits (GB 11643-1999, 7.2).
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/// The check character for each value of the weighted sum modulo 11.
const CHECK: [u8; 11] = *b"10X98765432";

/// Why a string is not a well-formed 18-character ID number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberError {
    /// Not 18 characters long.
    #[error(
        "an ID number has 18 characters (17 digits and a check digit or X); this one has {length}"
    )]
    Length {
        /// The number of characters given.
        length: usize,
    },
    /// A character that is not a digit where a digit must be.
    #[error(
        "character {position} of the ID number is `{found}`; the first 17 characters are digits and the last is a digit or X"
    )]
    NotDigit {
        /// 1-based position.
        position: usize,
        /// The character found.
        found: char,
    },
    /// The check character does not match the first seventeen digits.
    #[error(
        "the check character is `{found}` but the first 17 digits give `{expected}` (GB 11643-1999); a digit is probably mistyped"
    )]
    CheckCharacter {
        /// What the first seventeen digits give.
        expected: char,
        /// What the number ends with.
        found: char,
    },
    /// Characters 7–14 are not a calendar date.
    #[error("characters 7-14 of the ID number, `{digits}`, are not a date of birth (YYYYMMDD)")]
    BirthDate {
        /// The eight characters.
        digits: String,
    },
}

/// The check character (`0`–`9` or `X`) for the first seventeen digits of an ID number.
///
/// Returns `None` unless `first17` is exactly seventeen ASCII digits.
///
/// ```
/// assert_eq!(urrbmi_analysis::idcard::check_character("11010519491231002"), Some('X'));
/// assert_eq!(urrbmi_analysis::idcard::check_character("1101051949123100"), None);
/// ```
pub fn check_character(first17: &str) -> Option<char> {
    let bytes = first17.as_bytes();
    if bytes.len() != 17 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = bytes
        .iter()
        .zip(WEIGHTS)
        .map(|(digit, weight)| u32::from(digit - b'0') * weight)
        .sum();
    CHECK.get((sum % 11) as usize).map(|&c| char::from(c))
}

/// Checks an 18-character ID number and returns the date of birth it carries.
///
/// Surrounding whitespace is ignored and a lowercase `x` is read as `X`.
pub fn birth_date(id_number: &str) -> Result<NaiveDate, IdNumberError> {
    let id = id_number.trim();
    let length = id.chars().count();
    if length != 18 {
        return Err(IdNumberError::Length { length });
    }
    // 18 characters and 18 bytes at once means all ASCII; otherwise report the first non-digit.
    if id.len() != 18 {
        let (position, found) = id
            .chars()
            .enumerate()
            .find(|(_, c)| !c.is_ascii())
            .map_or((1, '?'), |(i, c)| (i + 1, c));
        return Err(IdNumberError::NotDigit { position, found });
    }
    let (first17, last) = id.split_at(17);
    if let Some((i, c)) = first17
        .chars()
        .enumerate()
        .find(|(_, c)| !c.is_ascii_digit())
    {
        return Err(IdNumberError::NotDigit {
            position: i + 1,
            found: c,
        });
    }
    let found = last.chars().next().map_or('?', |c| c.to_ascii_uppercase());
    if !(found.is_ascii_digit() || found == 'X') {
        return Err(IdNumberError::NotDigit {
            position: 18,
            found,
        });
    }
    let expected = check_character(first17).unwrap_or('?');
    if expected != found {
        return Err(IdNumberError::CheckCharacter { expected, found });
    }
    // The birth date as the crate reads any date (YYYYMMDD, a year from 1000): year 0000 or
    // 2021-02-29 is no birth date.
    let digits = first17.get(6..14).unwrap_or_default();
    urrbmi::dates::parse_date(digits).map_err(|_| IdNumberError::BirthDate {
        digits: digits.to_string(),
    })
}

/// The 18-character form of a 15-digit ID number (GB 11643-1999: `19` is put before the
/// two-digit year and the check character is added), or `None` if `old` is not 15 digits or
/// its birth date is not a date.
///
/// ```
/// assert_eq!(
///     urrbmi_analysis::idcard::upgrade("110105491231002").as_deref(),
///     Some("11010519491231002X")
/// );
/// ```
pub fn upgrade(old: &str) -> Option<String> {
    let old = old.trim();
    if old.len() != 15 || !old.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let first17 = format!("{}19{}", old.get(..6)?, old.get(6..)?);
    let check = check_character(&first17)?;
    let new = format!("{first17}{check}");
    birth_date(&new).ok()?;
    Some(new)
}

/// Builds a well-formed ID number from an address code, a birth date and a sequence number,
/// adding the check character. For synthetic rosters and tests.
///
/// Returns `None` if `address` is not six digits, `sequence` exceeds 999 or the year is not
/// four digits.
///
/// ```
/// use chrono::NaiveDate;
/// let born = NaiveDate::from_ymd_opt(1949, 12, 31).unwrap();
/// assert_eq!(urrbmi_analysis::idcard::make("110105", born, 2).as_deref(), Some("11010519491231002X"));
/// ```
pub fn make(address: &str, born: NaiveDate, sequence: u16) -> Option<String> {
    use chrono::Datelike;
    if address.len() != 6 || !address.bytes().all(|b| b.is_ascii_digit()) || sequence > 999 {
        return None;
    }
    if !(1000..=9999).contains(&born.year()) {
        return None;
    }
    let first17 = format!(
        "{address}{:04}{:02}{:02}{sequence:03}",
        born.year(),
        born.month(),
        born.day()
    );
    let check = check_character(&first17)?;
    Some(format!("{first17}{check}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_single_digit_change_is_caught() {
        let good = "11010519491231002X";
        assert!(birth_date(good).is_ok());
        for position in 0..17 {
            for digit in b'0'..=b'9' {
                let mut bytes = good.as_bytes().to_vec();
                if bytes[position] == digit {
                    continue;
                }
                bytes[position] = digit;
                let changed = String::from_utf8(bytes).expect("ascii");
                // MOD 11-2 catches every single-digit substitution, and the check character is
                // checked before the date.
                assert!(
                    matches!(
                        birth_date(&changed),
                        Err(IdNumberError::CheckCharacter { .. })
                    ),
                    "{changed} passed"
                );
            }
        }
    }

    #[test]
    fn made_numbers_round_trip() {
        let born = NaiveDate::from_ymd_opt(2020, 2, 29).expect("date");
        for sequence in [0, 1, 17, 999] {
            let id = make("430902", born, sequence).expect("valid parts");
            assert_eq!(birth_date(&id), Ok(born), "{id}");
        }
        assert_eq!(make("43090", born, 1), None);
        assert_eq!(make("430902", born, 1000), None);
    }

    #[test]
    fn a_birth_date_of_year_0000_is_refused() {
        let number = |date: &str| {
            let first17 = format!("430102{date}123");
            let check = check_character(&first17).expect("17 digits");
            format!("{first17}{check}")
        };
        assert!(birth_date(&number("19800115")).is_ok());
        for date in ["00000115", "09991231", "20210229", "19801301"] {
            assert!(
                matches!(
                    birth_date(&number(date)),
                    Err(IdNumberError::BirthDate { .. })
                ),
                "{date}"
            );
        }
    }

    #[test]
    fn malformed_numbers_say_what_is_wrong() {
        assert_eq!(
            birth_date("1101051949123100"),
            Err(IdNumberError::Length { length: 16 })
        );
        assert_eq!(
            birth_date("1101051949123100AX"),
            Err(IdNumberError::NotDigit {
                position: 17,
                found: 'A'
            })
        );
        assert_eq!(
            birth_date("11010519491231002x").map(|d| d.to_string()),
            Ok("1949-12-31".to_string())
        );
        // A valid check character over an impossible date (31 February).
        let first17 = "43090219490231001";
        let id = format!("{first17}{}", check_character(first17).expect("digits"));
        assert_eq!(
            birth_date(&id),
            Err(IdNumberError::BirthDate {
                digits: "19490231".into()
            })
        );
    }
}
