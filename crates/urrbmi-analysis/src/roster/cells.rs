//! Reading one cell: text, dates, yes/no, whole years, names of enum values and category
//! lists, each with an error that names the column and what is accepted.

use chrono::NaiveDate;
use serde::Deserialize;
use serde::de::IntoDeserializer;

use urrbmi::{CategoryKind, HeldCategory};

use super::headings::{Columns, Field};
use super::{RowError, RowProblem};

impl Columns {
    /// The text of `field`'s cell, trimmed; `Ok(None)` when the column is absent or the cell
    /// empty.
    pub(super) fn cell<'r>(
        &self,
        record: &'r csv::ByteRecord,
        field: Field,
        line: u64,
    ) -> Result<Option<&'r str>, Box<RowError>> {
        let Some(at) = self.position(field) else {
            return Ok(None);
        };
        let bytes = record.get(at).unwrap_or_default();
        let text = std::str::from_utf8(bytes).map_err(|_| {
            Box::new(RowError {
                line,
                column: self.heading(field),
                value: String::from_utf8_lossy(bytes).into_owned(),
                problem: RowProblem::NotUtf8,
            })
        })?;
        let text = text.trim();
        Ok((!text.is_empty()).then_some(text))
    }

    pub(super) fn error(
        &self,
        line: u64,
        field: Field,
        value: &str,
        problem: RowProblem,
    ) -> Box<RowError> {
        Box::new(RowError {
            line,
            column: self.heading(field),
            value: value.to_string(),
            problem,
        })
    }

    pub(super) fn date(
        &self,
        record: &csv::ByteRecord,
        field: Field,
        line: u64,
    ) -> Result<Option<NaiveDate>, Box<RowError>> {
        match self.cell(record, field, line)? {
            None => Ok(None),
            Some(text) => urrbmi::dates::parse_date(text)
                .map(Some)
                .map_err(|reason| self.error(line, field, text, RowProblem::Date(reason))),
        }
    }

    pub(super) fn flag(
        &self,
        record: &csv::ByteRecord,
        field: Field,
        line: u64,
    ) -> Result<Option<bool>, Box<RowError>> {
        match self.cell(record, field, line)? {
            None => Ok(None),
            Some(text) => parse_flag(text).map(Some).ok_or_else(|| {
                self.error(
                    line,
                    field,
                    text,
                    RowProblem::Value {
                        value: text.to_string(),
                        expected: "yes or no: true/false, yes/no, y/n, 1/0, 是/否".into(),
                    },
                )
            }),
        }
    }

    pub(super) fn years(
        &self,
        record: &csv::ByteRecord,
        field: Field,
        line: u64,
    ) -> Result<Option<u32>, Box<RowError>> {
        match self.cell(record, field, line)? {
            None => Ok(None),
            Some(text) => urrbmi::dates::ascii_digits(text)
                .parse::<u32>()
                .map(Some)
                .map_err(|_| {
                    self.error(
                        line,
                        field,
                        text,
                        RowProblem::Value {
                            value: text.to_string(),
                            expected: "a whole number of years (0, 1, 2, ...)".into(),
                        },
                    )
                }),
        }
    }

    pub(super) fn named<T: for<'de> Deserialize<'de>>(
        &self,
        record: &csv::ByteRecord,
        field: Field,
        line: u64,
    ) -> Result<Option<T>, Box<RowError>> {
        match self.cell(record, field, line)? {
            None => Ok(None),
            Some(text) => parse_named::<T>(text).map(Some).map_err(|message| {
                self.error(line, field, text, RowProblem::Unrecognized(message))
            }),
        }
    }
}

fn parse_flag(text: &str) -> Option<bool> {
    const YES: [&str; 6] = ["true", "yes", "y", "1", "是", "t"];
    const NO: [&str; 6] = ["false", "no", "n", "0", "否", "f"];
    if YES.iter().any(|y| y.eq_ignore_ascii_case(text)) {
        Some(true)
    } else if NO.iter().any(|n| n.eq_ignore_ascii_case(text)) {
        Some(false)
    } else {
        None
    }
}

/// Reads an enum by its id or a Chinese alias; the error lists what is accepted.
fn parse_named<T: for<'de> Deserialize<'de>>(text: &str) -> Result<T, String> {
    let deserializer: serde::de::value::StrDeserializer<'_, serde::de::value::Error> =
        text.into_deserializer();
    T::deserialize(deserializer).map_err(|e| e.to_string())
}

pub(super) fn parse_grade(text: &str) -> Option<u8> {
    let text = text.trim().trim_end_matches('级');
    match text {
        "1" | "一" | "壹" => Some(1),
        "2" | "二" | "贰" => Some(2),
        "3" | "三" | "叁" => Some(3),
        "4" | "四" | "肆" => Some(4),
        _ => None,
    }
}

/// A contribution grade (缴费档次) from its number (full-width digits too) or its Chinese name
/// (一档 … 九档).
pub(super) fn parse_contribution_grade(text: &str) -> Option<u8> {
    let text = text.trim();
    let grade = match urrbmi::dates::ascii_digits(text).parse::<u8>() {
        Ok(n) => n,
        Err(_) => (1..=9).find(|g| urrbmi::resident::grade_name(*g) == Some(text))?,
    };
    (1..=9).contains(&grade).then_some(grade)
}

/// Reads a `;`-separated category list; an item is `kind[:grade][@recognized_on]`. The error
/// names the item and what is accepted.
pub fn parse_categories(list: &str) -> Result<Vec<HeldCategory>, (String, String)> {
    let mut held = Vec::new();
    for item in list.split([';', '；', '、']) {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let (rest, recognized_on) = match item.split_once('@') {
            Some((rest, date)) => {
                let date = urrbmi::dates::parse_date(date.trim()).map_err(|reason| {
                    (
                        item.to_string(),
                        format!("a recognition date after `@`: {reason}"),
                    )
                })?;
                (rest.trim(), Some(date))
            }
            None => (item, None),
        };
        let (kind, grade) = match rest.split_once([':', '：']) {
            Some((kind, grade)) => {
                let grade = parse_grade(grade).ok_or_else(|| {
                    (
                        item.to_string(),
                        "a disability grade after `:`: 1, 2, 3 or 4, e.g. `disability:2`"
                            .to_string(),
                    )
                })?;
                (kind.trim(), Some(grade))
            }
            None => (rest, None),
        };
        let kind = kind
            .parse::<CategoryKind>()
            .unwrap_or_else(|never| match never {});
        held.push(HeldCategory {
            kind,
            grade,
            recognized_on,
        });
    }
    Ok(held)
}

#[cfg(test)]
mod tests {
    use super::*;
    use urrbmi::Hukou;

    #[test]
    fn category_lists_carry_grades_and_recognition_dates() {
        let held = parse_categories("低保对象@2020-06-01; 残疾人：2 ;orphan").expect("list");
        assert_eq!(held.len(), 3);
        assert_eq!(held[0].kind, CategoryKind::SubsistenceAllowance);
        assert_eq!(
            held[0].recognized_on.map(|d| d.to_string()).as_deref(),
            Some("2020-06-01")
        );
        assert_eq!(held[1].kind, CategoryKind::Disability);
        assert_eq!(held[1].grade, Some(2));
        assert_eq!(held[2].kind, CategoryKind::Orphan);
        let (item, expected) = parse_categories("disability:7").expect_err("grade 7");
        assert_eq!(item, "disability:7");
        assert!(expected.contains("1, 2, 3 or 4"), "{expected}");
    }

    #[test]
    fn enum_cells_say_what_is_accepted() {
        assert_eq!(parse_named::<Hukou>("外地"), Ok(Hukou::Other));
        let err = parse_named::<Hukou>("火星").expect_err("unknown");
        assert!(err.contains("local"), "{err}");
    }
}
