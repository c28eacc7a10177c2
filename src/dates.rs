//! Dates: reading them as people type them, and counting days and months.
//!
//! [`parse_date`] is the one date reader of the crate (residents in JSON and TOML, policy files,
//! and the analysis crate's rosters all use it). It reads `YYYY-MM-DD` and the forms county
//! rosters use: `YYYY/M/D`, `YYYY.M.D`, `YYYYMMDD` and `YYYY年M月D日`, with ASCII or full-width
//! digits (`２０２０－１０－１５`, from a Chinese input method). It is strict otherwise: one kind
//! of separator, no sign, nothing doubled, a four-digit year from 1000; an impossible date is an
//! error that says why (`2021-02-29`: 2021 is not a leap year).
//!
//! ```
//! use urrbmi::dates::parse_date;
//! assert_eq!(parse_date("２０２０－１０－１５")?.to_string(), "2020-10-15");
//! assert_eq!(parse_date("2020年9月1日")?.to_string(), "2020-09-01");
//! let err = parse_date("2021-02-29").unwrap_err();
//! assert!(err.to_string().contains("2021 is not a leap year"), "{err}");
//! assert!(parse_date("-2020-10-15").is_err());
//! assert!(parse_date("2020//10//15").is_err());
//! # Ok::<(), urrbmi::dates::DateError>(())
//! ```

use chrono::{Datelike, Days, Months, NaiveDate};
use serde::de::{self, Deserializer, Visitor};

use crate::error::shown;

/// The forms [`parse_date`] accepts, as error messages state them.
pub const ACCEPTED_FORMS: &str =
    "a date as YYYY-MM-DD (also YYYY/M/D, YYYY.M.D, YYYYMMDD or YYYY年M月D日), e.g. 2020-10-15";

/// Text that is not a date [`parse_date`] reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is {problem}; expected {ACCEPTED_FORMS}")]
pub struct DateError {
    /// The text given (cut to 60 characters).
    pub text: String,
    /// What is wrong with it.
    pub problem: DateProblem,
}

/// What is wrong with a date's text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DateProblem {
    /// The text is in none of the accepted forms.
    #[error("not a date")]
    NotADate,
    /// The year is not a four-digit year from 1000.
    #[error("not a date (the year {0} is not a four-digit year from 1000)")]
    Year(u32),
    /// There is no such month.
    #[error("not a calendar date (there is no month {0})")]
    Month(u32),
    /// 29 February of a year that is not a leap year.
    #[error("not a calendar date ({0} is not a leap year)")]
    NotLeapYear(i32),
    /// The month has no such day.
    #[error("not a calendar date (month {month} has no day {day})")]
    Day {
        /// The month.
        month: u32,
        /// The day given.
        day: u32,
    },
}

/// Reads a date in one of the [`ACCEPTED_FORMS`] (see the module docs).
///
/// # Errors
///
/// A [`DateError`] naming the text and what is wrong with it.
pub fn parse_date(text: &str) -> Result<NaiveDate, DateError> {
    // The fast path: exactly `YYYY-MM-DD` in ASCII digits.
    let b = text.as_bytes();
    let number = |range: std::ops::Range<usize>| {
        b.get(range).and_then(|digits| {
            digits.iter().try_fold(0u32, |n, c| {
                c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
            })
        })
    };
    if b.len() == 10
        && b.get(4) == Some(&b'-')
        && b.get(7) == Some(&b'-')
        && let (Some(year), Some(month), Some(day)) = (number(0..4), number(5..7), number(8..10))
        && year >= 1000
        && let Some(date) = i32::try_from(year)
            .ok()
            .and_then(|year| NaiveDate::from_ymd_opt(year, month, day))
    {
        return Ok(date);
    }
    let (year, month, day) = split_date(&ascii_digits(text)).ok_or_else(|| DateError {
        text: shown(text),
        problem: DateProblem::NotADate,
    })?;
    calendar_date(text, year, month, day)
}

/// The year, month and day of a date in one of the accepted forms, `None` otherwise.
fn split_date(ascii: &str) -> Option<(u32, u32, u32)> {
    let digits = |s: &str, lengths: std::ops::RangeInclusive<usize>| {
        (lengths.contains(&s.len()) && s.bytes().all(|c| c.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    if let Some(rest) = ascii.strip_suffix('日').or(Some(ascii))
        && let Some((year, rest)) = rest.split_once('年')
        && let Some((month, day)) = rest.split_once('月')
    {
        // 2020年9月1日 (the final 日 may be left out).
        return Some((
            digits(year, 4..=4)?,
            digits(month, 1..=2)?,
            digits(day, 1..=2)?,
        ));
    }
    if ascii.len() == 8 && ascii.bytes().all(|c| c.is_ascii_digit()) {
        // 20200901
        let part = |r: std::ops::Range<usize>| ascii.get(r).and_then(|s| digits(s, 2..=4));
        return Some((part(0..4)?, part(4..6)?, part(6..8)?));
    }
    // 2020-9-1, 2020/09/01, 2020.9.1: one kind of separator, twice.
    let separator = ascii.chars().find(|c| !c.is_ascii_digit())?;
    if !['-', '/', '.'].contains(&separator) {
        return None;
    }
    let mut parts = ascii.split(separator);
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    Some((
        digits(year, 4..=4)?,
        digits(month, 1..=2)?,
        digits(day, 1..=2)?,
    ))
}

/// `text` trimmed, with full-width digits, dashes, slashes and dots (from a Chinese input method)
/// as ASCII.
pub fn ascii_digits(text: &str) -> String {
    text.trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => {
                char::from_u32(u32::from(c) - u32::from('０') + u32::from('0')).unwrap_or(c)
            }
            '－' | '—' | '–' => '-',
            '／' => '/',
            '．' => '.',
            other => other,
        })
        .collect()
}

/// The date `year-month-day`, or an error that says why there is none (read from `text`).
fn calendar_date(text: &str, year: u32, month: u32, day: u32) -> Result<NaiveDate, DateError> {
    let error = |problem| DateError {
        text: shown(text),
        problem,
    };
    if !(1000..=9999).contains(&year) {
        return Err(error(DateProblem::Year(year)));
    }
    let year = i32::try_from(year).map_err(|_| error(DateProblem::Year(year)))?;
    NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| {
        error(if !(1..=12).contains(&month) {
            DateProblem::Month(month)
        } else if month == 2 && day == 29 {
            DateProblem::NotLeapYear(year)
        } else {
            DateProblem::Day { month, day }
        })
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

/// The age in whole years (周岁) on `day` of someone born on `birth`: the largest N with
/// `add_months(birth, 12 × N) <= day` (born 29 February, a year older on 28 February), 0 before
/// the first birthday and before birth.
///
/// ```
/// use chrono::NaiveDate;
/// use urrbmi::dates::age_on;
/// let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
/// assert_eq!(age_on(d(2008, 1, 1), d(2026, 1, 1)), 18);
/// assert_eq!(age_on(d(2008, 1, 2), d(2026, 1, 1)), 17);
/// assert_eq!(age_on(d(2008, 2, 29), d(2026, 2, 28)), 18);
/// assert_eq!(age_on(d(2026, 5, 1), d(2026, 3, 1)), 0);
/// ```
pub fn age_on(birth: NaiveDate, day: NaiveDate) -> u32 {
    let Ok(years) = u32::try_from(day.year() - birth.year()) else {
        return 0;
    };
    let reached = |n: u32| {
        n.checked_mul(12)
            .and_then(|months| add_months(birth, months))
            .is_some_and(|d| d <= day)
    };
    match years {
        0 => 0,
        n if reached(n) => n,
        n => n - 1,
    }
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

    /// A native TOML date (`from = 2020-09-01`, unquoted) arrives as a one-entry map under the
    /// `toml` crate's private key, holding its text; any other map is not a date.
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<NaiveDate, A::Error> {
        const TOML_DATETIME: &str = "$__toml_private_datetime";
        let Some(key) = map.next_key::<String>()? else {
            return Err(de::Error::custom(format_args!(
                "an empty object is not a date; expected {ACCEPTED_FORMS}"
            )));
        };
        if key != TOML_DATETIME {
            return Err(de::Error::custom(format_args!(
                "an object is not a date; expected {ACCEPTED_FORMS}"
            )));
        }
        let text: String = map.next_value()?;
        parse_date(&text).map_err(de::Error::custom)
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
        let why = |text: &str| parse_date(text).unwrap_err().to_string();
        assert!(why("2021-13-01").contains("no month 13"));
        assert!(why("2021-04-31").contains("month 4 has no day 31"));
        assert!(why("2021-02-29").contains("2021 is not a leap year"));
        assert!(why("0000-01-01").contains("four-digit year from 1000"));
        assert!(parse_date("2024-02-29").is_ok());
    }

    #[test]
    fn reads_the_forms_rosters_use_and_nothing_looser() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).expect("valid date");
        for (text, want) in [
            ("2020-10-15", d(2020, 10, 15)),
            ("2020-1-5", d(2020, 1, 5)),
            ("2020/9/1", d(2020, 9, 1)),
            ("2020.09.01", d(2020, 9, 1)),
            ("20200901", d(2020, 9, 1)),
            ("2020年9月1日", d(2020, 9, 1)),
            ("2020年9月1", d(2020, 9, 1)),
            (" ２０２０／９／１ ", d(2020, 9, 1)),
        ] {
            assert_eq!(parse_date(text), Ok(want), "{text}");
        }
        for text in [
            "-2020-10-15",
            "2020//10//15",
            "2020-10/15",
            "2020-10-15-",
            "-0001-01-01",
            "10/05/2020",
            "2020-010-15",
            "202009010",
            "+2020-10-15",
            "2020 10 15",
            "",
        ] {
            assert!(parse_date(text).is_err(), "{text:?} should be refused");
        }
        let long = "9".repeat(10_000);
        assert!(parse_date(&long).unwrap_err().text.chars().count() <= 61);
    }
}
