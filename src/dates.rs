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

use chrono::{Datelike, Days, Months, NaiveDate};
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

/// `months` calendar months after `date`: the same day of the month, or that month's last day
/// when the day does not exist (urrbmi reading M1: 2025-11-30 + 3 months = 2026-02-28). `None`
/// when the result leaves the calendar.
///
/// Month arithmetic is not reversible, and months do not add up like days: read the examples.
///
/// ```
/// use chrono::NaiveDate;
/// use urrbmi::dates::add_months;
/// let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
/// assert_eq!(add_months(d(2025, 1, 1), 3), Some(d(2025, 4, 1)));      // H5: paid 1 Jan, from 1 Apr
/// assert_eq!(add_months(d(2025, 11, 30), 3), Some(d(2026, 2, 28)));   // no 30 February
/// assert_eq!(add_months(d(2024, 2, 29), 12), Some(d(2025, 2, 28)));
/// // Not reversible: 31 March + 3 months is 30 June, and 30 June - 3 months is 30 March.
/// assert_eq!(add_months(d(2026, 3, 31), 3), Some(d(2026, 6, 30)));
/// // Not additive: (+1 then +1) is not always +2.
/// assert_eq!(add_months(add_months(d(2026, 1, 31), 1).unwrap(), 1), Some(d(2026, 3, 28)));
/// assert_eq!(add_months(d(2026, 1, 31), 2), Some(d(2026, 3, 31)));
/// ```
pub fn add_months(date: NaiveDate, months: u32) -> Option<NaiveDate> {
    // chrono's `checked_add_months` keeps the day or clamps it to the month's last day: M1.
    date.checked_add_months(Months::new(months))
}

/// `days` days after `date`, `None` when the result leaves the calendar.
pub fn add_days(date: NaiveDate, days: u32) -> Option<NaiveDate> {
    date.checked_add_days(Days::new(u64::from(days)))
}

/// The first day of the month after `date` (从缴费的下个月起: the day after 31 January is in
/// February), `None` past the calendar's end.
///
/// ```
/// use chrono::NaiveDate;
/// use urrbmi::dates::first_of_next_month;
/// let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
/// assert_eq!(first_of_next_month(d(2020, 12, 31)), Some(d(2021, 1, 1)));
/// ```
pub fn first_of_next_month(date: NaiveDate) -> Option<NaiveDate> {
    let (year, month) = if date.month() == 12 {
        (date.year().checked_add(1)?, 1)
    } else {
        (date.year(), date.month() + 1)
    };
    NaiveDate::from_ymd_opt(year, month, 1)
}

/// A count of days to `date` from a fixed day long before any date chrono can hold, so that
/// the difference of two day numbers is the number of days between the dates (what
/// `payment - event` counts, in fewer steps). The count starts 400,000 years (1,000 whole
/// Gregorian cycles) before year 1, which keeps every number positive and every leap year
/// where it is.
#[inline]
pub(crate) fn day_number(date: NaiveDate) -> i64 {
    // Unsigned division by a constant is a multiplication: the reason for counting this way.
    let years = (i64::from(date.year()) + 399_999).unsigned_abs();
    (years * 365 + years / 4 - years / 100 + years / 400) as i64 + i64::from(date.ordinal())
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
    use super::{day_number, first_of_next_month, parse_date};
    use chrono::NaiveDate;

    #[test]
    fn day_numbers_count_the_days_between_dates_as_chrono_does() {
        let start = NaiveDate::from_ymd_opt(1899, 12, 25).expect("valid date");
        let dates: Vec<NaiveDate> = (0..60_000u64)
            .step_by(7)
            .map(|d| start + chrono::Days::new(d * 3))
            .collect();
        for pair in dates.windows(40).step_by(13) {
            let (a, b) = (pair[0], pair[39]);
            assert_eq!(
                day_number(b) - day_number(a),
                (b - a).num_days(),
                "{a}..{b}"
            );
            assert_eq!(
                day_number(a) - day_number(b),
                (a - b).num_days(),
                "{b}..{a}"
            );
        }
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).expect("valid date");
        assert_eq!(day_number(d(2021, 3, 1)) - day_number(d(2020, 12, 1)), 90);
        assert_eq!(day_number(d(2000, 3, 1)) - day_number(d(2000, 2, 28)), 2);
        assert_eq!(day_number(d(1900, 3, 1)) - day_number(d(1900, 2, 28)), 1);
        for (a, b) in [
            (NaiveDate::MIN, NaiveDate::MAX),
            (d(-1, 12, 31), d(1, 1, 1)),
        ] {
            assert_eq!(day_number(b) - day_number(a), (b - a).num_days());
        }
    }

    #[test]
    fn next_month_rolls_over_month_and_year_ends() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).expect("valid date");
        assert_eq!(first_of_next_month(d(2021, 1, 31)), Some(d(2021, 2, 1)));
        assert_eq!(first_of_next_month(d(2020, 12, 31)), Some(d(2021, 1, 1)));
        assert_eq!(first_of_next_month(d(2024, 2, 29)), Some(d(2024, 3, 1)));
        assert_eq!(first_of_next_month(NaiveDate::MAX), None);
    }

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
