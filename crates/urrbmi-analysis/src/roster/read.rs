//! Reading a roster: [`RosterReader`] streams rows in chunks into [`RosterChunk`]s, each row
//! parsed into a [`Resident`] (in parallel with the `rayon` feature).

use std::io;
use std::path::{Path, PathBuf};

use urrbmi::{CategoryKind, Enrollment, Hukou, SpecialKind, Student};
use urrbmi::{EvalError, HeldCategory, Resident, Special};

use super::cells::{parse_categories, parse_contribution_grade, parse_grade};
use super::errors::evaluation_error;
use super::headings::{Columns, Field};
use super::{RosterError, RowError, RowProblem};
use crate::batch::{GroupId, Groups};
use crate::idcard;

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
        let (columns, ignored) = Columns::resolve(headings, options)?;
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

impl Columns {
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
            resident.contribution_grade = parse_contribution_grade(text).ok_or_else(|| {
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
