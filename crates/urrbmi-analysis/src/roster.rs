//! Rosters (台账) as CSV files: reading residents, writing residents and writing results.
//!
//! A roster has one resident per row. Headings may be the English field names of
//! the data contract (`docs/contract.md`) or the Chinese headings a county office uses; they are matched without
//! regard to case, surrounding spaces or a UTF-8 byte-order mark. Columns no heading here names
//! (an address, a phone number) are ignored and listed by [`RosterReader::ignored_columns`].
//!
//! | field | headings accepted | values |
//! |---|---|---|
//! | `id` | `id`, 编号, 序号, 人员编号 | any text, carried to the results |
//! | `name` | `name`, 姓名 | any text, carried to the results |
//! | `id_number` | `id_number`, 身份证号, 身份证号码, 公民身份号码, 证件号码 | 18 characters, GB 11643-1999 |
//! | `birth_date` | `birth_date`, 出生日期 | `YYYY-MM-DD`, `YYYY/M/D`, `YYYYMMDD`, `YYYY年M月D日` |
//! | `payment_date` | `payment_date`, 缴费日期, 缴费到账日期 | as `birth_date`; **required** |
//! | `hukou` | `hukou`, 户属性, 户籍, 户籍类型 | `local`/本地/本地户籍, `other`/外地/外地户籍 |
//! | `residence_permit` | `residence_permit`, 居住证 | yes/no (see below) |
//! | `student` | `student`, 学生, 学生类型 | `none`/无, `school`/中小学生, `college`/大中专学生 |
//! | `enrollment` | `enrollment`, 参保类型 | `renewal`/续保, `first_time`/首次参保, `lapsed`/断保 |
//! | `lapsed_years` | `lapsed_years`, 断保年数 | a whole number (with `lapsed`) |
//! | `repair_years` | `repair_years`, 修复年数, 缴费修复年数 | a whole number |
//! | `continuous_years` | `continuous_years`, 连续参保年数 | a whole number |
//! | `claim_free_last_year` | `claim_free_last_year`, 上年零报销, 零报销 | yes/no |
//! | `parent_insured` | `parent_insured`, 父母参保 | yes/no |
//! | `new_entrant` | `new_entrant`, 新入学 | yes/no |
//! | `contribution_grade` | `contribution_grade`, 缴费档次 | 1–9 or 一档…九档 (where the policy has grades) |
//! | `household_unit` | `household_unit`, 以户参保, 以户为单位参保 | yes/no |
//! | `employee_insurance_obligated` | `employee_insurance_obligated`, 职工医保应参保 | yes/no |
//! | `categories` | `categories`, 人员类别, 身份类别, 困难群众类别 | a list separated by `;` (or `；`, `、`) |
//! | `disability_grade` | `disability_grade`, 残疾等级 | 1–4 or 一级…四级 |
//! | `special` | `special`, 特殊情形 | a special circumstance id or Chinese name |
//! | `special_date` | `special_date`, 特殊情形日期 | a date |
//! | `township` | `township`, `group`, 乡镇, 乡镇（街道）, 乡镇街道 | the default grouping key |
//!
//! Either `birth_date` or `id_number` is required. When a row gives an ID number, its check
//! character is verified ([`crate::idcard`]) and the birth date is taken from it; a birth date
//! given as well must agree. A category in the list may carry a disability grade and a
//! recognition date: `disability:2`, `低保对象@2020-06-01`, `残疾人:1@2019-03-02`. A grade in
//! the `disability_grade` column adds a disability if the list has none. Yes/no columns accept
//! `true`/`false`, `yes`/`no`, `y`/`n`, `1`/`0`, 是/否; an empty cell takes the default of
//! [`Resident::new`].
//!
//! A row that cannot be read is a [`RowError`] naming its line, its column (as headed in the
//! file) and the reason; the rows after it are read as usual. Reading is streaming: a roster of
//! any length is read in chunks ([`RosterReader::read_chunk`]) into buffers that are reused.
//!
//! ```
//! use urrbmi_analysis::roster::{RosterChunk, RosterReader};
//!
//! let csv = "姓名,身份证号,户属性,缴费日期,乡镇,人员类别\n\
//!            张三,11010519491231002X,本地,2020-10-15,沙头镇,低保对象\n\
//!            李四,110105194912310021,本地,2020-10-16,沙头镇,\n";
//! let mut reader = RosterReader::new(csv.as_bytes())?;
//! let mut chunk = RosterChunk::default();
//! reader.read_chunk(&mut chunk, 1000)?;
//! assert_eq!(chunk.residents.len(), 1);
//! assert_eq!(chunk.residents[0].birth_date.to_string(), "1949-12-31");
//! assert_eq!(chunk.errors.len(), 1);
//! assert_eq!(chunk.errors[0].line, 3);
//! assert_eq!(chunk.errors[0].column, "身份证号");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use serde::de::IntoDeserializer;

use crate::batch::{GroupId, Groups};
use crate::idcard::{self, IdNumberError};
use urrbmi::Assessment;
use urrbmi::EvalError;
use urrbmi::{CategoryKind, Funder, HeldCategory};
use urrbmi::{Enrollment, Hukou, Resident, Special, SpecialKind, Student};

/// The fields a roster column can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// A caller's identifier, carried to the results.
    Id,
    /// The resident's name (姓名), carried to the results.
    Name,
    /// The 18-character resident ID number (身份证号).
    IdNumber,
    /// Date of birth.
    BirthDate,
    /// Date of payment.
    PaymentDate,
    /// Hukou: local or other.
    Hukou,
    /// Holds a residence permit.
    ResidencePermit,
    /// Student kind.
    Student,
    /// Renewal, first enrollment or lapsed (断保).
    Enrollment,
    /// Benefit years without cover right before this one (断保年数).
    LapsedYears,
    /// Years paid now to repair the waiting period (修复年数).
    RepairYears,
    /// Consecutive covered years before this one (连续参保年数).
    ContinuousYears,
    /// No reimbursement last year (零报销).
    ClaimFreeLastYear,
    /// A parent is insured (父母参保).
    ParentInsured,
    /// A student entering for the first time (新入学).
    NewEntrant,
    /// The contribution grade (缴费档次).
    ContributionGrade,
    /// Paying as a household unit.
    HouseholdUnit,
    /// Obliged to join employee insurance.
    EmployeeInsuranceObligated,
    /// The list of identity categories.
    Categories,
    /// The disability grade.
    DisabilityGrade,
    /// The special circumstance.
    Special,
    /// The special circumstance's date.
    SpecialDate,
    /// The township (乡镇), the default grouping key.
    Township,
}

/// Each field with the headings accepted for it (matched case-insensitively).
const HEADINGS: &[(Field, &[&str])] = &[
    (Field::Id, &["id", "编号", "序号", "人员编号"]),
    (Field::Name, &["name", "姓名"]),
    (
        Field::IdNumber,
        &[
            "id_number",
            "身份证号",
            "身份证号码",
            "公民身份号码",
            "证件号码",
        ],
    ),
    (Field::BirthDate, &["birth_date", "出生日期"]),
    (
        Field::PaymentDate,
        &["payment_date", "缴费日期", "缴费到账日期"],
    ),
    (Field::Hukou, &["hukou", "户属性", "户籍", "户籍类型"]),
    (Field::ResidencePermit, &["residence_permit", "居住证"]),
    (Field::Student, &["student", "学生", "学生类型"]),
    (Field::Enrollment, &["enrollment", "参保类型"]),
    (Field::LapsedYears, &["lapsed_years", "断保年数"]),
    (
        Field::RepairYears,
        &["repair_years", "修复年数", "缴费修复年数"],
    ),
    (
        Field::ContinuousYears,
        &["continuous_years", "连续参保年数"],
    ),
    (
        Field::ClaimFreeLastYear,
        &["claim_free_last_year", "上年零报销", "零报销"],
    ),
    (Field::ParentInsured, &["parent_insured", "父母参保"]),
    (Field::NewEntrant, &["new_entrant", "新入学"]),
    (
        Field::ContributionGrade,
        &["contribution_grade", "缴费档次"],
    ),
    (
        Field::HouseholdUnit,
        &["household_unit", "以户参保", "以户为单位参保"],
    ),
    (
        Field::EmployeeInsuranceObligated,
        &["employee_insurance_obligated", "职工医保应参保"],
    ),
    (
        Field::Categories,
        &["categories", "人员类别", "身份类别", "困难群众类别"],
    ),
    (Field::DisabilityGrade, &["disability_grade", "残疾等级"]),
    (Field::Special, &["special", "特殊情形"]),
    (Field::SpecialDate, &["special_date", "特殊情形日期"]),
    (
        Field::Township,
        &[
            "township",
            "group",
            "乡镇",
            "乡镇（街道）",
            "乡镇(街道)",
            "乡镇街道",
        ],
    ),
];

impl Field {
    /// The field the heading names, if any.
    pub fn from_heading(heading: &str) -> Option<Field> {
        let heading = heading.trim().trim_start_matches('\u{feff}').trim();
        HEADINGS
            .iter()
            .find(|(_, names)| names.iter().any(|n| n.eq_ignore_ascii_case(heading)))
            .map(|(field, _)| *field)
    }

    /// The English heading (`payment_date`).
    pub fn heading(self) -> &'static str {
        self.headings().first().copied().unwrap_or("")
    }

    /// Every heading accepted for the field.
    pub fn headings(self) -> &'static [&'static str] {
        HEADINGS
            .iter()
            .find(|(f, _)| *f == self)
            .map_or(&[], |(_, names)| names)
    }
}

/// A roster that cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum RosterError {
    /// The file could not be opened or read.
    #[error("cannot read roster {}: {reason}", path.as_ref().map_or_else(|| "<input>".to_string(), |p| p.display().to_string()))]
    Io {
        /// The file, when reading one.
        path: Option<PathBuf>,
        /// The operating system's reason.
        reason: String,
    },
    /// The heading row is missing or not text.
    #[error("the roster has no heading row: {reason}")]
    Headings {
        /// What is wrong.
        reason: String,
    },
    /// A required column is missing.
    #[error(
        "the roster has no `{field}` column; accepted headings: {}; the headings found are: {}",
        accepted.join(", "),
        found.join(", ")
    )]
    MissingColumn {
        /// The field missing (its English heading, or `birth_date or id_number`).
        field: String,
        /// The headings that would be accepted.
        accepted: Vec<String>,
        /// The headings of the file.
        found: Vec<String>,
    },
    /// Two columns hold the same field.
    #[error("the columns `{first}` and `{second}` both hold `{field}`; keep one")]
    DuplicateColumn {
        /// The field.
        field: String,
        /// The first heading.
        first: String,
        /// The second heading.
        second: String,
    },
    /// The grouping column asked for is not in the file.
    #[error("no column `{heading}` to group by; the headings found are: {}", found.join(", "))]
    NoGroupColumn {
        /// The heading asked for.
        heading: String,
        /// The headings of the file.
        found: Vec<String>,
    },
}

/// Why one row could not be read or evaluated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RowProblem {
    /// A required cell is empty.
    #[error("is empty; {expected}")]
    Empty {
        /// What is required.
        expected: &'static str,
    },
    /// A date cell that is not a date.
    #[error("{0}")]
    Date(urrbmi::dates::DateError),
    /// A cell whose value is not one of those accepted.
    #[error("`{value}` is not accepted; {expected}")]
    Value {
        /// The value given.
        value: String,
        /// What is accepted.
        expected: String,
    },
    /// A name (hukou, student kind, special circumstance) that is not known; the message lists
    /// what is accepted.
    #[error("{0}")]
    Unrecognized(String),
    /// The ID number is malformed.
    #[error("{0}")]
    IdNumber(IdNumberError),
    /// The birth date given disagrees with the one in the ID number.
    #[error("the birth date {given} disagrees with the ID number, which gives {from_id}")]
    BirthDateMismatch {
        /// The birth date in the `birth_date` column.
        given: NaiveDate,
        /// The birth date in the ID number.
        from_id: NaiveDate,
    },
    /// The row has more or fewer cells than the heading row.
    #[error("has {found} cells but the heading row has {expected}")]
    CellCount {
        /// Cells in the heading row.
        expected: usize,
        /// Cells in this row.
        found: usize,
    },
    /// A cell that is not UTF-8 text.
    #[error("is not UTF-8 text; save the roster as UTF-8 (in Excel: \"CSV UTF-8\")")]
    NotUtf8,
    /// The row was read but the resident cannot be evaluated.
    #[error("{0}")]
    Evaluation(EvalError),
}

/// A row that could not be read or evaluated: where, and why. Never dropped silently.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column `{column}`{}: {problem}", if value.is_empty() { String::new() } else { format!(" (`{value}`)") })]
pub struct RowError {
    /// The line of the file the row starts on (the heading row is line 1).
    pub line: u64,
    /// The column, as headed in the file (`-` for the whole row).
    pub column: String,
    /// The cell's content, when the problem is one cell.
    pub value: String,
    /// What is wrong.
    pub problem: RowProblem,
}

/// Options for reading a roster.
#[derive(Debug, Clone, Default)]
pub struct RosterOptions {
    /// The heading of the column to group by; default: the township column, if any.
    pub group_by: Option<String>,
    /// Don't group at all, even by township.
    pub ungrouped: bool,
}

/// A chunk of rows read from a roster, in file order. Reused between reads: each
/// [`RosterReader::read_chunk`] clears it first, keeping its allocations.
#[derive(Debug, Clone, Default)]
pub struct RosterChunk {
    /// The residents read.
    pub residents: Vec<Resident>,
    /// The line of each resident.
    pub lines: Vec<u64>,
    /// The group of each resident (empty when the roster is not grouped).
    pub groups: Vec<GroupId>,
    /// The name of each resident, when the roster has a name column.
    pub names: Vec<Option<Box<str>>>,
    /// The rows that could not be read.
    pub errors: Vec<RowError>,
}

impl RosterChunk {
    fn clear(&mut self) {
        self.residents.clear();
        self.lines.clear();
        self.groups.clear();
        self.names.clear();
        self.errors.clear();
    }
}

/// Column positions, resolved from the heading row.
#[derive(Debug, Clone, Default)]
struct Columns {
    headings: Vec<String>,
    at: [Option<usize>; 23],
    group: Option<usize>,
}

const FIELDS: [Field; 23] = [
    Field::Id,
    Field::Name,
    Field::IdNumber,
    Field::BirthDate,
    Field::PaymentDate,
    Field::Hukou,
    Field::ResidencePermit,
    Field::Student,
    Field::Enrollment,
    Field::LapsedYears,
    Field::RepairYears,
    Field::ContinuousYears,
    Field::ClaimFreeLastYear,
    Field::ParentInsured,
    Field::NewEntrant,
    Field::ContributionGrade,
    Field::HouseholdUnit,
    Field::EmployeeInsuranceObligated,
    Field::Categories,
    Field::DisabilityGrade,
    Field::Special,
    Field::SpecialDate,
    Field::Township,
];

fn slot(field: Field) -> usize {
    FIELDS.iter().position(|f| *f == field).unwrap_or(0)
}

impl Columns {
    /// The position of `field`'s column in a row, if the roster has one.
    fn position(&self, field: Field) -> Option<usize> {
        self.at.get(slot(field)).copied().flatten()
    }
}

/// Reads a CSV roster row by row or chunk by chunk.
#[derive(Debug)]
pub struct RosterReader<R> {
    csv: csv::Reader<R>,
    columns: Columns,
    ignored: Vec<String>,
    groups: Groups,
    records: Vec<csv::ByteRecord>,
    record_lines: Vec<u64>,
    path: Option<PathBuf>,
}

impl RosterReader<std::fs::File> {
    /// Opens a roster file, grouping by township if it has a township column.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self, RosterError> {
        RosterReader::from_path_with(path, &RosterOptions::default())
    }

    /// Opens a roster file with options.
    pub fn from_path_with(
        path: impl AsRef<Path>,
        options: &RosterOptions,
    ) -> Result<Self, RosterError> {
        let path = path.as_ref();
        let file = std::fs::File::open(path).map_err(|e| RosterError::Io {
            path: Some(path.to_path_buf()),
            reason: e.to_string(),
        })?;
        let mut reader = RosterReader::with_options(file, options)?;
        reader.path = Some(path.to_path_buf());
        Ok(reader)
    }
}

impl<R: io::Read> RosterReader<R> {
    /// Reads a roster from any reader, grouping by township if it has a township column.
    pub fn new(reader: R) -> Result<Self, RosterError> {
        RosterReader::with_options(reader, &RosterOptions::default())
    }

    /// Reads a roster from any reader, with options.
    pub fn with_options(reader: R, options: &RosterOptions) -> Result<Self, RosterError> {
        let mut csv = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(true)
            .from_reader(reader);
        let raw = csv
            .byte_headers()
            .map_err(|e| RosterError::Headings {
                reason: e.to_string(),
            })?
            .clone();
        let mut headings = Vec::with_capacity(raw.len());
        for (i, cell) in raw.iter().enumerate() {
            let text = std::str::from_utf8(cell).map_err(|_| RosterError::Headings {
                reason: format!(
                    "heading {} is not UTF-8 text; save the roster as UTF-8 (in Excel: \"CSV UTF-8\")",
                    i + 1
                ),
            })?;
            headings.push(text.trim_start_matches('\u{feff}').trim().to_string());
        }
        if headings.iter().all(String::is_empty) {
            return Err(RosterError::Headings {
                reason: "the first row is empty".into(),
            });
        }
        let mut columns = Columns {
            headings: headings.clone(),
            ..Columns::default()
        };
        let mut ignored = Vec::new();
        for (i, heading) in headings.iter().enumerate() {
            match Field::from_heading(heading) {
                Some(field) => {
                    if let Some(first) = columns.position(field) {
                        return Err(RosterError::DuplicateColumn {
                            field: field.heading().into(),
                            first: headings.get(first).cloned().unwrap_or_default(),
                            second: heading.clone(),
                        });
                    }
                    if let Some(at) = columns.at.get_mut(slot(field)) {
                        *at = Some(i);
                    }
                }
                None => ignored.push(heading.clone()),
            }
        }
        let need = |field: Field| columns.position(field);
        if need(Field::PaymentDate).is_none() {
            return Err(missing(&[Field::PaymentDate], &headings));
        }
        if need(Field::BirthDate).is_none() && need(Field::IdNumber).is_none() {
            return Err(missing(&[Field::BirthDate, Field::IdNumber], &headings));
        }
        columns.group = if options.ungrouped {
            None
        } else if let Some(heading) = &options.group_by {
            let wanted = heading.trim();
            let at = headings
                .iter()
                .position(|h| h.eq_ignore_ascii_case(wanted))
                .ok_or_else(|| RosterError::NoGroupColumn {
                    heading: wanted.to_string(),
                    found: headings.clone(),
                })?;
            ignored.retain(|h| !h.eq_ignore_ascii_case(wanted));
            Some(at)
        } else {
            need(Field::Township)
        };
        Ok(RosterReader {
            csv,
            columns,
            ignored,
            groups: Groups::new(),
            records: Vec::new(),
            record_lines: Vec::new(),
            path: None,
        })
    }

    /// The headings of the file, as written.
    pub fn headings(&self) -> &[String] {
        &self.columns.headings
    }

    /// The headings that name no field (and are not the grouping column): ignored.
    pub fn ignored_columns(&self) -> &[String] {
        &self.ignored
    }

    /// Whether rows are grouped (by township or the column asked for).
    pub fn is_grouped(&self) -> bool {
        self.columns.group.is_some()
    }

    /// The heading of the grouping column, if rows are grouped.
    pub fn group_heading(&self) -> Option<&str> {
        self.columns
            .group
            .and_then(|i| self.columns.headings.get(i))
            .map(String::as_str)
    }

    /// How many bytes of the input have been read (for a progress bar).
    pub fn bytes_read(&self) -> u64 {
        self.csv.position().byte()
    }

    /// The groups met so far, for naming the [`GroupId`]s of the chunks read.
    pub fn groups(&self) -> &Groups {
        &self.groups
    }

    /// Reads up to `max` rows (at least one) into `chunk` (cleared first). Rows that cannot be read go to
    /// `chunk.errors`; the others to `chunk.residents` and the vectors beside it. Returns the
    /// number of rows read, good and bad: 0 at the end of the roster.
    ///
    /// With the `rayon` feature, the rows of a chunk are parsed in parallel.
    pub fn read_chunk(
        &mut self,
        chunk: &mut RosterChunk,
        max: usize,
    ) -> Result<usize, RosterError> {
        chunk.clear();
        let max = max.max(1);
        let mut count = 0;
        while count < max {
            if self.records.len() <= count {
                self.records.push(csv::ByteRecord::new());
            }
            let Some(record) = self.records.get_mut(count) else {
                break;
            };
            let more = self
                .csv
                .read_byte_record(record)
                .map_err(|e| RosterError::Io {
                    path: self.path.clone(),
                    reason: e.to_string(),
                })?;
            if !more {
                break;
            }
            let line = record.position().map_or(0, csv::Position::line);
            match self.record_lines.get_mut(count) {
                Some(slot) => *slot = line,
                None => self.record_lines.push(line),
            }
            count += 1;
        }
        let records = self.records.get(..count).unwrap_or_default();
        let lines = self.record_lines.get(..count).unwrap_or_default();
        let columns = &self.columns;
        let parsed = parse_all(columns, records, lines);
        for ((record, &line), result) in records.iter().zip(lines).zip(parsed) {
            // The grouping column may be one no field is read from: check it here.
            let group = columns.group.map(|at| {
                let cell = record.get(at).unwrap_or_default();
                std::str::from_utf8(cell).map(str::trim).map_err(|_| {
                    Box::new(RowError {
                        line,
                        column: columns.headings.get(at).cloned().unwrap_or_default(),
                        value: String::from_utf8_lossy(cell).into_owned(),
                        problem: RowProblem::NotUtf8,
                    })
                })
            });
            let (result, group) = match (result, group) {
                (Ok(_), Some(Err(error))) => (Err(error), None),
                (result, Some(Ok(text))) => (result, Some(text)),
                (result, _) => (result, None),
            };
            match result {
                Ok((resident, name)) => {
                    if let Some(text) = group {
                        let text = if text.is_empty() { "(blank)" } else { text };
                        chunk.groups.push(self.groups.intern(text));
                    }
                    chunk.residents.push(resident);
                    chunk.lines.push(line);
                    chunk.names.push(name);
                }
                Err(error) => chunk.errors.push(*error),
            }
        }
        Ok(count)
    }

    /// Reads every remaining row: the residents with their lines, groups and names, and the rows
    /// that could not be read. For small rosters; stream long ones with
    /// [`read_chunk`](Self::read_chunk).
    pub fn read_all(&mut self) -> Result<RosterChunk, RosterError> {
        let mut all = RosterChunk::default();
        let mut chunk = RosterChunk::default();
        while self.read_chunk(&mut chunk, 65_536)? > 0 {
            all.residents.append(&mut chunk.residents);
            all.lines.append(&mut chunk.lines);
            all.groups.append(&mut chunk.groups);
            all.names.append(&mut chunk.names);
            all.errors.append(&mut chunk.errors);
        }
        Ok(all)
    }

    /// The error for a resident that was read but could not be evaluated: line and the column
    /// the problem is in.
    pub fn evaluation_error(&self, line: u64, error: &EvalError) -> RowError {
        evaluation_error(&self.columns, line, error)
    }
}

fn missing(fields: &[Field], found: &[String]) -> RosterError {
    RosterError::MissingColumn {
        field: fields
            .iter()
            .map(|f| f.heading())
            .collect::<Vec<_>>()
            .join(" or "),
        accepted: fields
            .iter()
            .flat_map(|f| f.headings())
            .map(|h| (*h).to_string())
            .collect(),
        found: found.to_vec(),
    }
}

type Parsed = Result<(Resident, Option<Box<str>>), Box<RowError>>;

#[cfg(feature = "rayon")]
fn parse_all(columns: &Columns, records: &[csv::ByteRecord], lines: &[u64]) -> Vec<Parsed> {
    use rayon::prelude::*;
    records
        .par_iter()
        .zip(lines)
        .with_min_len(1024)
        .map(|(record, &line)| columns.parse(record, line))
        .collect()
}

#[cfg(not(feature = "rayon"))]
fn parse_all(columns: &Columns, records: &[csv::ByteRecord], lines: &[u64]) -> Vec<Parsed> {
    records
        .iter()
        .zip(lines)
        .map(|(record, &line)| columns.parse(record, line))
        .collect()
}

fn evaluation_error(columns: &Columns, line: u64, error: &EvalError) -> RowError {
    let field = match error {
        EvalError::PaymentBeforeBirth { .. } | EvalError::DateOutOfRange { .. } => {
            Field::PaymentDate
        }
        EvalError::MissingSpecialDate { .. } | EvalError::SpecialDateAfterPayment { .. } => {
            Field::SpecialDate
        }
        _ => Field::Categories,
    };
    let column = columns
        .position(field)
        .and_then(|i| columns.headings.get(i).cloned())
        .unwrap_or_else(|| field.heading().to_string());
    RowError {
        line,
        column,
        value: String::new(),
        problem: RowProblem::Evaluation(error.clone()),
    }
}

impl Columns {
    fn heading(&self, field: Field) -> String {
        self.position(field)
            .and_then(|i| self.headings.get(i).cloned())
            .unwrap_or_else(|| field.heading().to_string())
    }

    /// The text of `field`'s cell, trimmed; `Ok(None)` when the column is absent or the cell
    /// empty.
    fn cell<'r>(
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

    fn error(&self, line: u64, field: Field, value: &str, problem: RowProblem) -> Box<RowError> {
        Box::new(RowError {
            line,
            column: self.heading(field),
            value: value.to_string(),
            problem,
        })
    }

    fn date(
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

    fn flag(
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

    fn years(
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

    fn named<T: for<'de> Deserialize<'de>>(
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

    /// Reads one row into a resident and its name.
    fn parse(&self, record: &csv::ByteRecord, line: u64) -> Parsed {
        if record.len() != self.headings.len() {
            return Err(Box::new(RowError {
                line,
                column: "-".into(),
                value: String::new(),
                problem: RowProblem::CellCount {
                    expected: self.headings.len(),
                    found: record.len(),
                },
            }));
        }
        let birth_given = self.date(record, Field::BirthDate, line)?;
        let birth_date = match self.cell(record, Field::IdNumber, line)? {
            Some(id_number) => {
                let from_id = idcard::birth_date(id_number).map_err(|e| {
                    self.error(line, Field::IdNumber, id_number, RowProblem::IdNumber(e))
                })?;
                if let Some(given) = birth_given
                    && given != from_id
                {
                    return Err(self.error(
                        line,
                        Field::BirthDate,
                        &given.to_string(),
                        RowProblem::BirthDateMismatch { given, from_id },
                    ));
                }
                from_id
            }
            None => birth_given.ok_or_else(|| {
                self.error(
                    line,
                    if self.position(Field::BirthDate).is_some() {
                        Field::BirthDate
                    } else {
                        Field::IdNumber
                    },
                    "",
                    RowProblem::Empty {
                        expected: "a birth date (YYYY-MM-DD) or an 18-character ID number is required",
                    },
                )
            })?,
        };
        let payment_date = self
            .date(record, Field::PaymentDate, line)?
            .ok_or_else(|| {
                self.error(
                    line,
                    Field::PaymentDate,
                    "",
                    RowProblem::Empty {
                        expected: "the payment date (YYYY-MM-DD) is required",
                    },
                )
            })?;
        let mut resident = Resident::new(birth_date, payment_date);
        if let Some(id) = self.cell(record, Field::Id, line)? {
            resident.id = Some(id.to_string());
        }
        if let Some(hukou) = self.named::<Hukou>(record, Field::Hukou, line)? {
            resident.hukou = hukou;
        }
        if let Some(permit) = self.flag(record, Field::ResidencePermit, line)? {
            resident.residence_permit = permit;
        }
        if let Some(student) = self.named::<Student>(record, Field::Student, line)? {
            resident.student = student;
        }
        if let Some(enrollment) = self.named::<Enrollment>(record, Field::Enrollment, line)? {
            resident.enrollment = enrollment;
        }
        resident.lapsed_years = self.years(record, Field::LapsedYears, line)?;
        resident.repair_years = self
            .years(record, Field::RepairYears, line)?
            .unwrap_or_default();
        resident.continuous_years = self.years(record, Field::ContinuousYears, line)?;
        for (field, slot) in [
            (Field::ClaimFreeLastYear, &mut resident.claim_free_last_year),
            (Field::ParentInsured, &mut resident.parent_insured),
            (Field::NewEntrant, &mut resident.new_entrant),
        ] {
            if let Some(flag) = self.flag(record, field, line)? {
                *slot = flag;
            }
        }
        if let Some(unit) = self.flag(record, Field::HouseholdUnit, line)? {
            resident.household_unit = unit;
        }
        if let Some(text) = self.cell(record, Field::ContributionGrade, line)? {
            resident.contribution_grade = grade(text).ok_or_else(|| {
                self.error(
                    line,
                    Field::ContributionGrade,
                    text,
                    RowProblem::Value {
                        value: text.to_string(),
                        expected: "a contribution grade: 1 to 9, or 一档, 二档, ... 九档".into(),
                    },
                )
            })?;
        }
        if let Some(obliged) = self.flag(record, Field::EmployeeInsuranceObligated, line)? {
            resident.employee_insurance_obligated = obliged;
        }
        if let Some(list) = self.cell(record, Field::Categories, line)? {
            resident.categories = parse_categories(list).map_err(|(item, expected)| {
                self.error(
                    line,
                    Field::Categories,
                    list,
                    RowProblem::Value {
                        value: item,
                        expected,
                    },
                )
            })?;
        }
        if let Some(text) = self.cell(record, Field::DisabilityGrade, line)? {
            let grade = parse_grade(text).ok_or_else(|| {
                self.error(
                    line,
                    Field::DisabilityGrade,
                    text,
                    RowProblem::Value {
                        value: text.to_string(),
                        expected: "a disability grade: 1, 2, 3 or 4 (一级 to 四级)".into(),
                    },
                )
            })?;
            match resident
                .categories
                .iter_mut()
                .find(|c| c.kind == CategoryKind::Disability)
            {
                Some(held) if held.grade.is_some_and(|g| g != grade) => {
                    return Err(self.error(
                        line,
                        Field::DisabilityGrade,
                        text,
                        RowProblem::Value {
                            value: text.to_string(),
                            expected: format!(
                                "the grade given in the categories ({})",
                                held.grade.unwrap_or_default()
                            ),
                        },
                    ));
                }
                Some(held) => held.grade = Some(grade),
                None => resident.categories.push(HeldCategory::disability(grade)),
            }
        }
        if let Some(kind) = self.named::<SpecialKind>(record, Field::Special, line)? {
            let date = self.date(record, Field::SpecialDate, line)?;
            resident.special = Some(Special { kind, date });
        } else if let Some(text) = self.cell(record, Field::SpecialDate, line)? {
            return Err(self.error(
                line,
                Field::SpecialDate,
                text,
                RowProblem::Value {
                    value: text.to_string(),
                    expected: "a special-circumstance date only beside a special circumstance"
                        .into(),
                },
            ));
        }
        let name = self.cell(record, Field::Name, line)?.map(Box::from);
        Ok((resident, name))
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

fn parse_grade(text: &str) -> Option<u8> {
    let text = text.trim().trim_end_matches('级');
    match text {
        "1" | "一" | "壹" => Some(1),
        "2" | "二" | "贰" => Some(2),
        "3" | "三" | "叁" => Some(3),
        "4" | "四" | "肆" => Some(4),
        _ => None,
    }
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

/// A contribution grade from its number (full-width digits too) or its Chinese name.
fn grade(text: &str) -> Option<u8> {
    let digits = urrbmi::dates::ascii_digits(text.trim());
    let grade = match digits.parse::<u8>() {
        Ok(n) => n,
        Err(_) => (1..=9).find(|g| urrbmi::resident::grade_name(*g) == Some(text.trim()))?,
    };
    (1..=9).contains(&grade).then_some(grade)
}

/// The headings [`RosterWriter`] writes, in order: the English field names.
pub const WRITER_HEADINGS: [&str; 22] = [
    "id",
    "name",
    "birth_date",
    "hukou",
    "residence_permit",
    "student",
    "enrollment",
    "lapsed_years",
    "repair_years",
    "continuous_years",
    "claim_free_last_year",
    "parent_insured",
    "new_entrant",
    "household_unit",
    "employee_insurance_obligated",
    "categories",
    "special",
    "special_date",
    "payment_date",
    "township",
    "id_number",
    "contribution_grade",
];

/// Writes residents as a roster that [`RosterReader`] reads back.
#[derive(Debug)]
pub struct RosterWriter<W: io::Write> {
    csv: csv::Writer<W>,
    record: csv::ByteRecord,
}

impl<W: io::Write> RosterWriter<W> {
    /// Writes the heading row ([`WRITER_HEADINGS`]).
    pub fn new(writer: W) -> io::Result<Self> {
        let mut csv = csv::Writer::from_writer(writer);
        csv.write_record(WRITER_HEADINGS)
            .map_err(io::Error::other)?;
        Ok(RosterWriter {
            csv,
            record: csv::ByteRecord::new(),
        })
    }

    /// Writes one resident, with its township, name and ID number if given.
    pub fn write(
        &mut self,
        resident: &Resident,
        township: Option<&str>,
        name: Option<&str>,
        id_number: Option<&str>,
    ) -> io::Result<()> {
        use std::fmt::Write as _;
        let r = &mut self.record;
        r.clear();
        let mut text = String::new();
        r.push_field(resident.id.as_deref().unwrap_or("").as_bytes());
        r.push_field(name.unwrap_or("").as_bytes());
        let _ = write!(text, "{}", resident.birth_date);
        r.push_field(text.as_bytes());
        r.push_field(match resident.hukou {
            Hukou::Local => b"local",
            Hukou::Other => b"other",
        });
        r.push_field(flag(resident.residence_permit));
        r.push_field(resident.student.id().as_bytes());
        r.push_field(resident.enrollment.id().as_bytes());
        for years in [
            resident.lapsed_years,
            Some(resident.repair_years).filter(|y| *y > 0),
            resident.continuous_years,
        ] {
            text.clear();
            if let Some(years) = years {
                let _ = write!(text, "{years}");
            }
            r.push_field(text.as_bytes());
        }
        r.push_field(flag(resident.claim_free_last_year));
        r.push_field(flag(resident.parent_insured));
        r.push_field(flag(resident.new_entrant));
        r.push_field(flag(resident.household_unit));
        r.push_field(flag(resident.employee_insurance_obligated));
        text.clear();
        for (i, held) in resident.categories.iter().enumerate() {
            if i > 0 {
                text.push(';');
            }
            text.push_str(held.kind.id());
            if let Some(grade) = held.grade {
                let _ = write!(text, ":{grade}");
            }
            if let Some(date) = held.recognized_on {
                let _ = write!(text, "@{date}");
            }
        }
        r.push_field(text.as_bytes());
        r.push_field(
            resident
                .special
                .as_ref()
                .map_or("", |s| s.kind.id())
                .as_bytes(),
        );
        text.clear();
        if let Some(date) = resident.special.as_ref().and_then(|s| s.date) {
            let _ = write!(text, "{date}");
        }
        r.push_field(text.as_bytes());
        text.clear();
        let _ = write!(text, "{}", resident.payment_date);
        r.push_field(text.as_bytes());
        r.push_field(township.unwrap_or("").as_bytes());
        r.push_field(id_number.unwrap_or("").as_bytes());
        text.clear();
        if resident.contribution_grade != 1 {
            let _ = write!(text, "{}", resident.contribution_grade);
        }
        r.push_field(text.as_bytes());
        self.csv
            .write_byte_record(&self.record)
            .map_err(io::Error::other)
    }

    /// Flushes and returns the writer.
    pub fn finish(self) -> io::Result<W> {
        self.csv
            .into_inner()
            .map_err(|e| io::Error::other(e.to_string()))
    }
}

fn flag(yes: bool) -> &'static [u8] {
    if yes { b"true" } else { b"false" }
}

/// The headings [`ResultWriter`] writes, in order.
pub const RESULT_HEADINGS: [&str; 18] = [
    "line",
    "id",
    "name",
    "group",
    "status",
    "refusal",
    "tier",
    "charged",
    "owed",
    "prior_year",
    "fiscal",
    "medical_assistance",
    "entitled_group_fund",
    "benefit_start",
    "benefit_end",
    "deciding_rule",
    "citation",
    "error",
];

/// Writes per-resident results as CSV, one row per roster row (bad rows included, with their
/// error), so the results join back to the roster by line.
#[derive(Debug)]
pub struct ResultWriter<W: io::Write> {
    csv: csv::Writer<W>,
    record: csv::ByteRecord,
    text: String,
}

impl<W: io::Write> ResultWriter<W> {
    /// Writes the heading row ([`RESULT_HEADINGS`]).
    pub fn new(writer: W) -> io::Result<Self> {
        let mut csv = csv::Writer::from_writer(writer);
        csv.write_record(RESULT_HEADINGS)
            .map_err(io::Error::other)?;
        Ok(ResultWriter {
            csv,
            record: csv::ByteRecord::new(),
            text: String::new(),
        })
    }

    /// Writes the result for one resident.
    pub fn write(
        &mut self,
        line: u64,
        resident: &Resident,
        name: Option<&str>,
        group: Option<&str>,
        result: &Result<Assessment, EvalError>,
    ) -> io::Result<()> {
        use std::fmt::Write as _;
        let text = &mut self.text;
        let r = &mut self.record;
        r.clear();
        text.clear();
        let _ = write!(text, "{line}");
        r.push_field(text.as_bytes());
        r.push_field(resident.id.as_deref().unwrap_or("").as_bytes());
        r.push_field(name.unwrap_or("").as_bytes());
        r.push_field(group.unwrap_or("").as_bytes());
        match result {
            Ok(a) => {
                r.push_field(if a.is_enrolled() {
                    b"enrolled"
                } else {
                    b"refused"
                });
                r.push_field(a.refusal.as_ref().map_or("", |x| x.code.id()).as_bytes());
                r.push_field(a.tier.unwrap_or("").as_bytes());
                let money =
                    |text: &mut String, r: &mut csv::ByteRecord, d: rust_decimal::Decimal| {
                        text.clear();
                        let _ = write!(text, "{}", urrbmi::money::round_to_fen(d).normalize());
                        r.push_field(text.as_bytes());
                    };
                money(text, r, a.charged);
                money(text, r, a.owed);
                money(
                    text,
                    r,
                    a.prior_year_charge
                        .as_ref()
                        .map_or(rust_decimal::Decimal::ZERO, |p| p.amount),
                );
                for funder in Funder::ALL {
                    money(text, r, a.subsidies.get(funder));
                }
                let date = |text: &mut String, r: &mut csv::ByteRecord, d: Option<NaiveDate>| {
                    text.clear();
                    if let Some(d) = d {
                        let _ = write!(text, "{:04}-{:02}-{:02}", d.year(), d.month(), d.day());
                    }
                    r.push_field(text.as_bytes());
                };
                date(text, r, a.benefit_start);
                date(text, r, a.benefit_end);
                let decider = a.trace.iter().find(|s| s.decides);
                r.push_field(decider.as_ref().map_or("", |s| s.rule).as_bytes());
                r.push_field(decider.as_ref().map_or("", |s| s.citation).as_bytes());
                r.push_field(b"");
            }
            Err(error) => {
                r.push_field(b"error");
                // Blank from `refusal` to `citation`: all but the first five and the last.
                for _ in 0..RESULT_HEADINGS.len() - 6 {
                    r.push_field(b"");
                }
                text.clear();
                let _ = write!(text, "{error}");
                r.push_field(text.as_bytes());
            }
        }
        self.csv
            .write_byte_record(&self.record)
            .map_err(io::Error::other)
    }

    /// Writes a row that could not be read.
    pub fn write_row_error(&mut self, error: &RowError) -> io::Result<()> {
        let mut cells: Vec<String> = vec![String::new(); RESULT_HEADINGS.len()];
        for (i, cell) in [
            (0, error.line.to_string()),
            (4, "error".into()),
            (17, error.to_string()),
        ] {
            if let Some(slot) = cells.get_mut(i) {
                *slot = cell;
            }
        }
        self.csv.write_record(&cells).map_err(io::Error::other)
    }

    /// Flushes and returns the writer.
    pub fn finish(self) -> io::Result<W> {
        self.csv
            .into_inner()
            .map_err(|e| io::Error::other(e.to_string()))
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.heading())
    }
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
    fn enum_cells_say_what_is_accepted() {
        assert_eq!(parse_named::<Hukou>("外地"), Ok(Hukou::Other));
        let err = parse_named::<Hukou>("火星").expect_err("unknown");
        assert!(err.contains("local"), "{err}");
    }
}
