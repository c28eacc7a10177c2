//! Reading dates as people type them.
//!
//! Dates are written `YYYY-MM-DD`. County staff often type full-width digits and dashes
//! (`２０２０－１０－１５`, from a Chinese input method); those are read as their ASCII forms. An
//! impossible date is an error that says why (`2021-02-29`: 2021 is not a leap year).
//!
//! ```
//! use urrbmi::dates::parse_date;
//! assert_eq!(parse_date("２０２０－１０－１５").unwrap().to_string(), "2020-10-15");
//! let err = parse_date("2021-02-29").unwrap_err();
//! assert!(err.contains("2021 is not a leap year"), "{err}");
//! ```

use chrono::NaiveDate;
use serde::de::{self, Deserializer, Visitor};

/// Reads a `YYYY-MM-DD` date, accepting full-width digits and dashes. The error says what was
/// wrong and what is accepted.
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    let ascii = ascii_digits(text);
    let expected = "expected a date as YYYY-MM-DD, e.g. 2020-10-15";
    let mut parts = ascii.split('-');
    let (Some(y), Some(m), Some(d), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(format!("`{text}` is not a date; {expected}"));
    };
    let number = |s: &str, digits: usize| {
        (s.len() == digits && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    let (Some(year), Some(month), Some(day)) = (number(y, 4), number(m, 2), number(d, 2)) else {
        return Err(format!("`{text}` is not a date; {expected}"));
    };
    calendar_date(text, year, month, day, expected)
}

/// `text` trimmed, with full-width digits and dashes (from a Chinese input method) as ASCII.
pub(crate) fn ascii_digits(text: &str) -> String {
    text.trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => {
                char::from_u32(u32::from(c) - u32::from('０') + u32::from('0')).unwrap_or(c)
            }
            '－' | '—' | '–' => '-',
            other => other,
        })
        .collect()
}

/// The date `year-month-day`, or an error that says why there is none (read from `text`;
/// `expected` says what is accepted).
pub(crate) fn calendar_date(
    text: &str,
    year: u32,
    month: u32,
    day: u32,
    expected: &str,
) -> Result<NaiveDate, String> {
    let year = i32::try_from(year).map_err(|_| format!("`{text}` is not a date; {expected}"))?;
    NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| {
        let why = if !(1..=12).contains(&month) {
            format!("there is no month {month}")
        } else if month == 2 && day == 29 {
            format!("{year} is not a leap year")
        } else {
            format!("month {month} has no day {day}")
        };
        format!("`{text}` is not a calendar date ({why}); {expected}")
    })
}

/// Reads a date field with [`parse_date`].
pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<NaiveDate, D::Error> {
    deserializer.deserialize_any(DateVisitor)
}

/// Reads an optional date field with [`parse_date`] (`null` or absent is `None`).
pub(crate) fn deserialize_option<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<NaiveDate>, D::Error> {
    deserializer.deserialize_option(OptionDateVisitor)
}

struct DateVisitor;

impl<'de> Visitor<'de> for DateVisitor {
    type Value = NaiveDate;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a date as a \"YYYY-MM-DD\" string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<NaiveDate, E> {
        parse_date(v).map_err(E::custom)
    }

    /// A native TOML date (`from = 2020-09-01`, unquoted) arrives as a one-entry map holding
    /// its text.
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<NaiveDate, A::Error> {
        match map.next_entry::<String, String>()? {
            Some((_, text)) => parse_date(&text).map_err(de::Error::custom),
            None => Err(de::Error::custom(
                "an empty table is not a date; expected a date as YYYY-MM-DD",
            )),
        }
    }
}

struct OptionDateVisitor;

impl<'de> Visitor<'de> for OptionDateVisitor {
    type Value = Option<NaiveDate>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a date as a \"YYYY-MM-DD\" string, or null")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserialize(deserializer).map(Some)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        parse_date(v).map(Some).map_err(E::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::parse_date;

    #[test]
    fn says_why_a_date_is_impossible() {
        assert!(
            parse_date("2021-13-01")
                .unwrap_err()
                .contains("no month 13")
        );
        assert!(
            parse_date("2021-04-31")
                .unwrap_err()
                .contains("month 4 has no day 31")
        );
        assert!(parse_date("2024-02-29").is_ok());
        assert!(parse_date("20210101").unwrap_err().contains("YYYY-MM-DD"));
        assert!(parse_date("2021-1-5").unwrap_err().contains("YYYY-MM-DD"));
    }
}
