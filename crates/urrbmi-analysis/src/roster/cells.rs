//! Reading one cell: text, dates, yes/no, whole years, names of enum values and category
//! lists, each with an error that names the column and what is accepted.

use chrono::NaiveDate;

use urrbmi::{CategoryKind, HeldCategory};

use super::headings::{Columns, Field};
use super::source::RosterRow;
use super::{RowError, RowProblem};
use crate::idcard;

/// Spellings county rosters use that the core's names do not read, for the fields whose
/// values are names: (field, spelling, the id it stands for). One table: the roster's
/// vocabulary beside the core's (`urrbmi`'s name tables, `CategoryKind`'s aliases).
const COUNTY_WORDS: &[(Field, &str, &str)] = &[
    (Field::Hukou, "本县", "local"),
    (Field::Hukou, "本县户籍", "local"),
    (Field::Hukou, "本市", "local"),
    (Field::Hukou, "本市户籍", "local"),
    (Field::Hukou, "本地户口", "local"),
    (Field::Hukou, "外地户口", "other"),
    (Field::Hukou, "外县", "other"),
    (Field::Hukou, "外市", "other"),
    (Field::Hukou, "外省", "other"),
    (Field::Student, "否", "none"),
    (Field::Student, "不是", "none"),
    (Field::Student, "小学生", "school"),
    (Field::Student, "初中生", "school"),
    (Field::Student, "高中生", "school"),
    (Field::Student, "中学生", "school"),
    (Field::Student, "学前儿童", "school"),
    (Field::Student, "大专生", "college"),
    (Field::Student, "中专生", "college"),
    (Field::Student, "大中专", "college"),
    (Field::Enrollment, "续缴", "renewal"),
    (Field::Enrollment, "连续参保", "renewal"),
    (Field::Enrollment, "新增参保", "first_time"),
    (Field::Enrollment, "首次", "first_time"),
];

/// Hukou words that say what kind of hukou (户口性质: agricultural or not), not where it is:
/// never read as local or other.
const HUKOU_NATURE: &[&str] = &[
    "农业",
    "非农业",
    "农业户口",
    "非农业户口",
    "农村户口",
    "城镇户口",
    "居民户口",
    "农业户籍",
    "非农业户籍",
];

/// Category spellings of county rosters that the core's aliases do not read: (spelling,
/// category id, disability grade). 脱贫户 is read as `registered_poor` (README interpretation
/// 37); 重度残疾 (grades 1-2 in every notice) as grade 2, the grade GB/T 26341 names 重度.
const COUNTY_CATEGORIES: &[(&str, &str, Option<u8>)] = &[
    ("脱贫户", "registered_poor", None),
    ("脱贫人口", "registered_poor", None),
    ("已脱贫户", "registered_poor", None),
    ("建档立卡脱贫户", "registered_poor", None),
    ("建档立卡脱贫人口", "registered_poor", None),
    ("重度残疾", "disability", Some(2)),
    ("重度残疾人", "disability", Some(2)),
    ("极重度残疾", "disability", Some(1)),
    ("中度残疾", "disability", Some(3)),
    ("轻度残疾", "disability", Some(4)),
];

impl Columns {
    /// The text of `field`'s cell, trimmed; `Ok(None)` when the column is absent or the cell
    /// empty.
    pub(super) fn cell<'r>(
        &self,
        row: &'r RosterRow,
        field: Field,
        line: u64,
    ) -> Result<Option<&'r str>, Box<RowError>> {
        let Some(at) = self.position(field) else {
            return Ok(None);
        };
        self.text_at(row, at, line)
    }

    /// The text of cell `at`, trimmed; an error when it holds bytes the encoding could not
    /// read.
    pub(super) fn text_at<'r>(
        &self,
        row: &'r RosterRow,
        at: usize,
        line: u64,
    ) -> Result<Option<&'r str>, Box<RowError>> {
        let text = row.get(at).unwrap_or_default().trim();
        if row.maybe_lossy() && text.contains('\u{FFFD}') {
            return Err(Box::new(RowError {
                line,
                column: self.headings.get(at).cloned().unwrap_or_default(),
                value: text.to_string(),
                problem: RowProblem::NotText {
                    encoding: self.encoding,
                },
            }));
        }
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
        row: &RosterRow,
        field: Field,
        line: u64,
    ) -> Result<Option<NaiveDate>, Box<RowError>> {
        match self.cell(row, field, line)? {
            None => Ok(None),
            Some(text) => parse_cell_date(text)
                .map(Some)
                .map_err(|reason| self.error(line, field, text, RowProblem::Date(reason))),
        }
    }

    pub(super) fn flag(
        &self,
        row: &RosterRow,
        field: Field,
        line: u64,
    ) -> Result<Option<bool>, Box<RowError>> {
        match self.cell(row, field, line)? {
            None => Ok(None),
            Some(text) => parse_flag(text).map(Some).ok_or_else(|| {
                self.error(
                    line,
                    field,
                    text,
                    RowProblem::Value {
                        value: text.to_string(),
                        expected: "yes or no: 是/否, 有/无, true/false, yes/no, y/n, 1/0".into(),
                    },
                )
            }),
        }
    }

    pub(super) fn years(
        &self,
        row: &RosterRow,
        field: Field,
        line: u64,
    ) -> Result<Option<u32>, Box<RowError>> {
        match self.cell(row, field, line)? {
            None => Ok(None),
            Some(text) => urrbmi::dates::ascii_digits(text)
                .trim_end_matches('年')
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

    /// An enum value by its id, a Chinese name or a county spelling ([`COUNTY_WORDS`]); the
    /// error lists the ids and Chinese names accepted.
    pub(super) fn named<T: std::str::FromStr<Err: std::fmt::Display>>(
        &self,
        row: &RosterRow,
        field: Field,
        line: u64,
    ) -> Result<Option<T>, Box<RowError>> {
        let Some(text) = self.cell(row, field, line)? else {
            return Ok(None);
        };
        if field == Field::Hukou && HUKOU_NATURE.contains(&text) {
            return Err(self.error(
                line,
                field,
                text,
                RowProblem::Value {
                    value: text.to_string(),
                    expected: "农业/非农业 is the kind of hukou (户口性质), not where it is registered: the rules ask whether the hukou is in the pooling area, local (本地) or other (外地); fill the column with 本地 or 外地, or ignore it (--ignore) if the roster has no such column".into(),
                },
            ));
        }
        let word = COUNTY_WORDS
            .iter()
            .find(|(f, spelling, _)| *f == field && *spelling == text)
            .map_or(text, |(_, _, id)| *id);
        word.parse::<T>().map(Some).map_err(|e| {
            let county: Vec<&str> = COUNTY_WORDS
                .iter()
                .filter(|(f, _, _)| *f == field)
                .map(|(_, spelling, _)| *spelling)
                .collect();
            let message = if county.is_empty() {
                e.to_string()
            } else {
                format!("{e}; also read: {}", county.join(", "))
            };
            self.error(line, field, text, RowProblem::Unrecognized(message))
        })
    }

    /// The ID number of the row in its 18-character form (a 15-digit one upgraded), read
    /// from the cell as Excel may have left it.
    pub(super) fn id_number(
        &self,
        row: &RosterRow,
        line: u64,
    ) -> Result<Option<String>, Box<RowError>> {
        let Some(text) = self.cell(row, Field::IdNumber, line)? else {
            return Ok(None);
        };
        let id = clean_id_number(text);
        if looks_like_scientific(&id) {
            return Err(self.error(line, Field::IdNumber, text, RowProblem::IdNumberAsNumber));
        }
        if id.len() == 15 && id.bytes().all(|b| b.is_ascii_digit()) {
            return match idcard::upgrade(&id) {
                Some(upgraded) => Ok(Some(upgraded)),
                None => Err(self.error(
                    line,
                    Field::IdNumber,
                    text,
                    RowProblem::IdNumber(idcard::IdNumberError::BirthDate {
                        digits: format!("19{}", id.get(6..12).unwrap_or_default()),
                    }),
                )),
            };
        }
        Ok(Some(id))
    }
}

/// An ID number as Excel may leave it: a leading apostrophe (Excel's text mark), spaces,
/// full-width digits or a full-width or lowercase `x`.
fn clean_id_number(text: &str) -> String {
    let text = text.trim_start_matches(['\'', '‘', '’', '`']);
    urrbmi::dates::ascii_digits(text)
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{3000}')
        .map(|c| match c {
            'x' | 'Ｘ' | 'ｘ' => 'X',
            other => other,
        })
        .collect()
}

/// Whether an ID number cell holds a number in scientific notation (`4.30902E+17`).
fn looks_like_scientific(text: &str) -> bool {
    let Some((mantissa, exponent)) = text.split_once(['E', 'e']) else {
        return false;
    };
    let exponent = exponent.trim_start_matches('+');
    !mantissa.is_empty()
        && mantissa.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && !exponent.is_empty()
        && exponent.bytes().all(|b| b.is_ascii_digit())
}

/// A date cell: an Excel serial day number (five digits: 10000 is 1927-05-18, 99999 is
/// 2173-10-14), a date with a time after it (`2020/9/1 0:00`, `2020-09-01T00:00:00`: the time
/// is dropped), or a date as [`urrbmi::dates::parse_date`] reads it. Everything but the serial
/// goes through that one reader.
pub fn parse_cell_date(text: &str) -> Result<NaiveDate, urrbmi::dates::DateError> {
    let text = text.trim();
    if text.len() == 5
        && text.bytes().all(|b| b.is_ascii_digit())
        && let Some(date) = text.parse::<i64>().ok().and_then(excel_serial)
    {
        return Ok(date);
    }
    let date_part = text
        .split_once([' ', 'T'])
        .filter(|(_, time)| is_time(time.trim()))
        .map_or(text, |(date, _)| date.trim());
    urrbmi::dates::parse_date(date_part)
}

/// The date of an Excel serial day number (the 1900 date system, with its fictitious
/// 1900-02-29 as serial 60).
pub fn excel_serial(serial: i64) -> Option<NaiveDate> {
    let epoch = if serial >= 61 {
        NaiveDate::from_ymd_opt(1899, 12, 30)?
    } else {
        NaiveDate::from_ymd_opt(1899, 12, 31)?
    };
    if !(1..=2_958_465).contains(&serial) {
        return None;
    }
    epoch.checked_add_signed(chrono::TimeDelta::try_days(serial)?)
}

/// `H:MM`, `H:MM:SS` (fractions of a second allowed).
fn is_time(text: &str) -> bool {
    let mut parts = text.split(':');
    let ok = |p: Option<&str>, max: u32| {
        p.is_some_and(|p| {
            let whole = p.split('.').next().unwrap_or_default();
            !whole.is_empty()
                && whole.len() <= 2
                && whole.bytes().all(|b| b.is_ascii_digit())
                && whole.parse::<u32>().is_ok_and(|v| v <= max)
        })
    };
    let hours = ok(parts.next(), 23);
    let minutes = ok(parts.next(), 59);
    let seconds = match parts.next() {
        None => true,
        some => ok(some, 60),
    };
    hours && minutes && seconds && parts.next().is_none()
}

fn parse_flag(text: &str) -> Option<bool> {
    const YES: [&str; 9] = ["true", "yes", "y", "1", "是", "t", "有", "√", "✓"];
    const NO: [&str; 9] = ["false", "no", "n", "0", "否", "f", "无", "×", "✗"];
    if YES.iter().any(|y| y.eq_ignore_ascii_case(text)) {
        Some(true)
    } else if NO.iter().any(|n| n.eq_ignore_ascii_case(text)) {
        Some(false)
    } else {
        None
    }
}

/// A disability grade: `1`-`4`, `一级`-`四级`, `2级`, `二级残疾`, `残疾人（二级）`.
pub(super) fn parse_grade(text: &str) -> Option<u8> {
    let text: String = urrbmi::dates::ascii_digits(text)
        .chars()
        .filter(|c| !matches!(c, '(' | ')' | '（' | '）' | ' '))
        .collect();
    let text = text
        .trim_start_matches("残疾人")
        .trim_start_matches("残疾")
        .trim_end_matches("残疾人")
        .trim_end_matches("残疾")
        .trim_end_matches('级');
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

/// A category item written with its grade in words: `一级残疾`, `残疾人（二级）`, `2级残疾`,
/// or one of [`COUNTY_CATEGORIES`].
fn county_category(item: &str) -> Option<(CategoryKind, Option<u8>)> {
    if let Some((_, id, grade)) = COUNTY_CATEGORIES.iter().find(|(s, _, _)| *s == item) {
        return CategoryKind::builtin(id).map(|kind| (kind, *grade));
    }
    if item.contains("残疾") && item.contains('级') {
        return parse_grade(item).map(|grade| (CategoryKind::Disability, Some(grade)));
    }
    None
}

/// Reads a category list: items separated by `;`, `；`, `、`, `，`, `,`, `/` or spaces; an
/// item is `kind[:grade][@recognized_on]`, or a county spelling (`脱贫户`, `重度残疾`,
/// `残疾人（二级）`, `一级残疾`). A `/` after `@` belongs to the date. The error names the item
/// and what is accepted. A name no table knows is kept as a local category (the policy may
/// declare it); evaluating it under a policy that does not is an error that lists the names
/// accepted.
pub fn parse_categories(list: &str) -> Result<Vec<HeldCategory>, (String, String)> {
    let mut held = Vec::new();
    for piece in list.split([';', '；', '、', '，', ',', ' ', '\u{3000}', '\t', '\n']) {
        let items: Vec<&str> = if piece.contains('@') {
            vec![piece]
        } else {
            piece.split('/').collect()
        };
        for item in items {
            if let Some(category) = parse_item(item)? {
                held.push(category);
            }
        }
    }
    Ok(held)
}

fn parse_item(item: &str) -> Result<Option<HeldCategory>, (String, String)> {
    let item = item.trim();
    if item.is_empty() {
        return Ok(None);
    }
    let (rest, recognized_on) = match item.split_once('@') {
        Some((rest, date)) => {
            let date = parse_cell_date(date.trim()).map_err(|reason| {
                (
                    item.to_string(),
                    format!("a recognition date after `@`: {reason}"),
                )
            })?;
            (rest.trim(), Some(date))
        }
        None => (item, None),
    };
    if let Some((kind, grade)) = county_category(rest) {
        return Ok(Some(HeldCategory {
            kind,
            grade,
            recognized_on,
        }));
    }
    let (kind, grade) = match rest.split_once([':', '：']) {
        Some((kind, grade)) => {
            let grade = parse_grade(grade).ok_or_else(|| {
                (
                    item.to_string(),
                    "a disability grade after `:`: 1, 2, 3 or 4, e.g. `disability:2`".to_string(),
                )
            })?;
            (kind.trim(), Some(grade))
        }
        None => (rest, None),
    };
    let kind = kind
        .parse::<CategoryKind>()
        .unwrap_or_else(|never| match never {});
    Ok(Some(HeldCategory {
        kind,
        grade,
        recognized_on,
    }))
}

/// The county spellings the category cells read beyond the core's names, for messages and
/// the docs: `脱贫户 (registered_poor)`, ...
pub fn county_category_spellings() -> Vec<String> {
    COUNTY_CATEGORIES
        .iter()
        .map(|(spelling, id, grade)| match grade {
            Some(g) => format!("{spelling} ({id}, grade {g})"),
            None => format!("{spelling} ({id})"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn county_spellings_of_categories_and_grades() {
        let held = parse_categories("脱贫户，残疾人（二级）/监测户 重度残疾").expect("list");
        let got: Vec<(&str, Option<u8>)> = held.iter().map(|h| (h.kind.id(), h.grade)).collect();
        assert_eq!(
            got,
            [
                ("registered_poor", None),
                ("disability", Some(2)),
                ("monitored", None),
                ("disability", Some(2)),
            ]
        );
        let held = parse_categories("一级残疾,低保@2020/6/1").expect("list");
        assert_eq!(held[0].grade, Some(1));
        assert_eq!(held[1].kind, CategoryKind::SubsistenceAllowance);
        assert_eq!(
            held[1].recognized_on.map(|d| d.to_string()).as_deref(),
            Some("2020-06-01")
        );
        for (text, grade) in [("一级", 1), ("2级", 2), ("四", 4), ("三级残疾", 3)] {
            assert_eq!(parse_grade(text), Some(grade), "{text}");
        }
        assert_eq!(parse_grade("五级"), None);
    }

    #[test]
    fn dates_as_excel_leaves_them() {
        let d = |t: &str| parse_cell_date(t).map(|d| d.to_string());
        assert_eq!(d("44075").as_deref(), Ok("2020-09-01"));
        assert_eq!(d("2020/9/1 0:00").as_deref(), Ok("2020-09-01"));
        assert_eq!(d("2020-09-01T00:00:00").as_deref(), Ok("2020-09-01"));
        assert_eq!(d("20200901").as_deref(), Ok("2020-09-01"));
        assert!(d("2020/9/1 soon").is_err());
        assert!(d("4407").is_err());
        assert_eq!(excel_serial(61), NaiveDate::from_ymd_opt(1900, 3, 1));
        assert_eq!(excel_serial(1), NaiveDate::from_ymd_opt(1900, 1, 1));
    }

    #[test]
    fn id_numbers_as_excel_leaves_them() {
        assert_eq!(
            clean_id_number("'4309 0219 ８００１０１１２３ｘ"),
            "43090219800101123X"
        );
        assert!(looks_like_scientific("4.30902E+17"));
        assert!(looks_like_scientific("4.30902198001011E+17"));
        assert!(!looks_like_scientific("43090219800101123X"));
    }
}
