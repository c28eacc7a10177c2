//! Reading a roster: [`RosterReader`] streams rows in chunks into [`RosterChunk`]s, each row
//! parsed into a [`Resident`] (in parallel with the `rayon` feature).

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};

use urrbmi::{CategoryKind, Enrollment, Hukou, SpecialKind, Student};
use urrbmi::{EvalError, HeldCategory, Resident, Special};

use super::cells::{parse_categories, parse_contribution_grade, parse_grade};
use super::errors::evaluation_error;
use super::headings::{Columns, Field, Layout};
use super::source::{InputFormat, RosterRow, Source};
use super::{RosterError, RowError, RowProblem};
use crate::batch::{GroupId, Groups};
use crate::idcard;

/// Options for reading a roster. Build with the methods (`RosterOptions::default()
/// .group_by("乡镇").map("人员类型", Field::Categories)`) or fill the fields.
#[derive(Debug, Clone, Default)]
pub struct RosterOptions {
    /// The headings of the columns to group by, in order (`乡镇`, then `村`: one group per
    /// township and village, named `沙头镇 / 东村`); default: the township column, if any.
    pub group_by: Vec<String>,
    /// Don't group at all, even by township.
    pub ungrouped: bool,
    /// Headings to read as a field, whatever they say (`人员类型` as `categories`).
    pub map: Vec<(String, Field)>,
    /// Headings not to read and not to warn about (carried through to the output).
    pub ignore: Vec<String>,
    /// The sheet of a workbook to read (default: the first).
    pub sheet: Option<String>,
    /// The text encoding of a CSV file, as a WHATWG label (`gbk`, `utf-8`, `utf-16le`);
    /// default: detected (see the [module docs](super)).
    pub encoding: Option<String>,
}

/// A mapping file: `ignore = [...]` and a `[map]` table of heading = field.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    #[serde(default)]
    map: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    ignore: Vec<String>,
}

impl RosterOptions {
    /// Groups by the column headed `heading` (call again to group by several columns).
    pub fn group_by(mut self, heading: impl Into<String>) -> Self {
        self.group_by.push(heading.into());
        self
    }

    /// Reads the column headed `heading` as `field`.
    pub fn map(mut self, heading: impl Into<String>, field: Field) -> Self {
        self.map.push((heading.into(), field));
        self
    }

    /// Reads the column of a mapping written as text, `HEADING=FIELD` (`人员类型=categories`,
    /// as `urrbmi roster --map` and the server's `map=` take it); the field by its English
    /// name or any heading accepted for it.
    pub fn map_pair(self, pair: &str) -> Result<Self, RosterError> {
        let error = |reason: String| RosterError::MapPair {
            pair: pair.chars().take(60).collect(),
            reason,
        };
        let (heading, field) = pair
            .split_once('=')
            .ok_or_else(|| error("expected HEADING=FIELD, e.g. 人员类型=categories".into()))?;
        let field: Field = field.trim().parse().map_err(|e| error(format!("{e}")))?;
        Ok(self.map(heading.trim(), field))
    }

    /// Neither reads nor warns about the column headed `heading`.
    pub fn ignore(mut self, heading: impl Into<String>) -> Self {
        self.ignore.push(heading.into());
        self
    }

    /// Adds the mappings of a mapping file's text (TOML):
    ///
    /// ```toml
    /// ignore = ["所属乡镇", "参保档次"]
    ///
    /// [map]
    /// "人员类型" = "categories"
    /// "缴费时间" = "缴费日期"
    /// ```
    ///
    /// A field may be named by its English name or any heading accepted for it. `origin`
    /// names the file in errors.
    pub fn mapping(mut self, text: &str, origin: &str) -> Result<Self, RosterError> {
        let file: MappingFile = toml::from_str(text).map_err(|e| RosterError::Mapping {
            path: origin.to_string(),
            reason: e.to_string(),
        })?;
        for (heading, field) in file.map {
            let field = field.parse::<Field>().map_err(|e| RosterError::Mapping {
                path: origin.to_string(),
                reason: format!("[map] \"{heading}\": {e}"),
            })?;
            self.map.push((heading, field));
        }
        self.ignore.extend(file.ignore);
        Ok(self)
    }

    /// Adds the mappings of a mapping file (see [`RosterOptions::mapping`]).
    pub fn mapping_file(self, path: impl AsRef<Path>) -> Result<Self, RosterError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| RosterError::Mapping {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        self.mapping(&text, &path.display().to_string())
    }
}

/// What became of one row of a chunk: see [`RosterChunk::outcomes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowOutcome {
    /// Read: the resident at this index of [`RosterChunk::residents`].
    Resident(usize),
    /// Not read: the error at this index of [`RosterChunk::errors`].
    Error(usize),
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
    /// The group of each row that could not be read, when its grouping cells could be read.
    pub error_groups: Vec<Option<GroupId>>,
    /// Every row read (blank rows aside), as it came, in file order: for writing the roster
    /// back with its results.
    pub rows: Vec<RosterRow>,
    /// What became of each row of `rows`.
    pub outcomes: Vec<RowOutcome>,
    /// Blank rows skipped (every cell empty, as Excel leaves at the end of a sheet).
    pub blank_rows: usize,
}

impl RosterChunk {
    fn clear(&mut self) {
        self.residents.clear();
        self.lines.clear();
        self.groups.clear();
        self.names.clear();
        self.errors.clear();
        self.error_groups.clear();
        self.outcomes.clear();
        self.blank_rows = 0;
    }
}

/// Reads a roster (CSV in any of the encodings the module reads, or a workbook) row by row or
/// chunk by chunk.
#[derive(Debug)]
pub struct RosterReader<R> {
    source: Source<R>,
    columns: Columns,
    layout: Layout,
    not_read: Vec<String>,
    group_label: Option<String>,
    groups: Groups,
    /// Each ID number seen (as a number), with its line: for duplicates.
    seen: HashMap<u64, u64>,
    key: String,
    path: Option<PathBuf>,
    rows_read: u64,
    blank_rows: u64,
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
        let with_path = |e: RosterError| match e {
            RosterError::Io { path: None, reason } => RosterError::Io {
                path: Some(path.to_path_buf()),
                reason,
            },
            other => other,
        };
        let file = std::fs::File::open(path).map_err(|e| RosterError::Io {
            path: Some(path.to_path_buf()),
            reason: e.to_string(),
        })?;
        let (source, format) =
            Source::open_file(file, options.sheet.as_deref(), options.encoding.as_deref())
                .map_err(with_path)?;
        let mut reader = RosterReader::start(source, format, options).map_err(with_path)?;
        reader.path = Some(path.to_path_buf());
        Ok(reader)
    }
}

impl<R: io::Read> RosterReader<R> {
    /// Reads a roster from any reader, grouping by township if it has a township column. A
    /// workbook is read into memory first (calamine needs to seek); [`RosterReader::from_path`]
    /// reads one from its file.
    pub fn new(reader: R) -> Result<Self, RosterError> {
        RosterReader::with_options(reader, &RosterOptions::default())
    }

    /// Reads a roster from any reader, with options.
    pub fn with_options(reader: R, options: &RosterOptions) -> Result<Self, RosterError> {
        let (source, format) = Source::open(
            reader,
            options.sheet.as_deref(),
            options.encoding.as_deref(),
        )?;
        RosterReader::start(source, format, options)
    }

    /// Finds the heading row (the first with two cells or more; rows above it with one cell
    /// at most are titles) and resolves it.
    fn start(
        mut source: Source<R>,
        format: InputFormat,
        options: &RosterOptions,
    ) -> Result<Self, RosterError> {
        let mut row = RosterRow::default();
        let mut titles = Vec::new();
        let mut blank = 0u64;
        loop {
            if !source.next_row(&mut row, None)? {
                return Err(RosterError::Headings {
                    reason: if titles.is_empty() {
                        "the file is empty".into()
                    } else {
                        "no row has two cells or more".into()
                    },
                });
            }
            let filled: Vec<&str> = row
                .cells()
                .map(|c| c.trim_start_matches('\u{feff}').trim())
                .filter(|c| !c.is_empty())
                .collect();
            match filled.as_slice() {
                [] => blank += 1,
                [title] => titles.push((row.line(), (*title).to_string())),
                _ => break,
            }
            if titles.len() + blank as usize > 20 {
                return Err(RosterError::Headings {
                    reason: "none of the first 20 rows has two cells or more".into(),
                });
            }
        }
        let mut headings: Vec<String> = row
            .cells()
            .map(|c| c.trim_start_matches('\u{feff}').trim().to_string())
            .collect();
        let workbook = !matches!(format, InputFormat::Text { .. });
        if workbook {
            // A sheet's rows run as wide as its widest; empty headings at the end are no
            // columns.
            while headings.last().is_some_and(String::is_empty) {
                headings.pop();
            }
        }
        let (mut columns, mut layout) = Columns::resolve(headings, options)?;
        columns.encoding = match &format {
            InputFormat::Text { encoding, .. } => encoding,
            _ => "workbook",
        };
        columns.workbook = workbook;
        layout.heading_line = row.line();
        layout.title_rows = titles;
        layout.format = Some(format);
        let not_read = layout
            .carried
            .iter()
            .chain(&layout.ignored)
            .chain(&layout.unknown)
            .filter(|h| {
                !columns
                    .group
                    .iter()
                    .any(|&g| columns.headings.get(g) == Some(*h))
            })
            .cloned()
            .collect();
        let group_label = (!columns.group.is_empty()).then(|| {
            columns
                .group
                .iter()
                .filter_map(|&g| columns.headings.get(g).map(String::as_str))
                .collect::<Vec<_>>()
                .join(" / ")
        });
        Ok(RosterReader {
            source,
            columns,
            layout,
            not_read,
            group_label,
            groups: Groups::new(),
            seen: HashMap::new(),
            key: String::new(),
            path: None,
            rows_read: 0,
            blank_rows: blank,
        })
    }

    /// The headings of the file, as written.
    pub fn headings(&self) -> &[String] {
        &self.columns.headings
    }

    /// The headings no field is read from (and that are not grouping columns): carried,
    /// ignored and unknown ones (see [`RosterReader::layout`] for which is which).
    pub fn ignored_columns(&self) -> &[String] {
        &self.not_read
    }

    /// What became of each heading, the file's format and encoding, the heading row's line
    /// and the title rows above it.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The file's format and, for text, its encoding.
    pub fn format(&self) -> Option<&InputFormat> {
        self.layout.format.as_ref()
    }

    /// Whether rows are grouped (by township or the columns asked for).
    pub fn is_grouped(&self) -> bool {
        !self.columns.group.is_empty()
    }

    /// The heading of the grouping column (several joined with ` / `), if rows are grouped.
    pub fn group_heading(&self) -> Option<&str> {
        self.group_label.as_deref()
    }

    /// How many bytes of the input have been read (for a progress bar; 0 for a workbook).
    pub fn bytes_read(&self) -> u64 {
        self.source.bytes_read()
    }

    /// Rows read so far (blank rows and the heading and title rows aside).
    pub fn rows_read(&self) -> u64 {
        self.rows_read
    }

    /// Blank rows skipped so far.
    pub fn blank_rows(&self) -> u64 {
        self.blank_rows
    }

    /// The groups met so far, for naming the [`GroupId`]s of the chunks read.
    pub fn groups(&self) -> &Groups {
        &self.groups
    }

    /// Reads up to `max` rows (at least one) into `chunk` (cleared first). Rows that cannot be
    /// read go to `chunk.errors`; the others to `chunk.residents` and the vectors beside it;
    /// every row to `chunk.rows`. Returns the number of rows read, good and bad (blank rows
    /// not counted): 0 at the end of the roster.
    ///
    /// With the `rayon` feature, the rows of a chunk are parsed in parallel.
    pub fn read_chunk(
        &mut self,
        chunk: &mut RosterChunk,
        max: usize,
    ) -> Result<usize, RosterError> {
        chunk.clear();
        let max = max.max(1);
        let width = Some(self.columns.headings.len()).filter(|_| !self.columns.workbook);
        let mut count = 0;
        while count < max {
            if chunk.rows.len() <= count {
                chunk.rows.push(RosterRow::default());
            }
            let Some(row) = chunk.rows.get_mut(count) else {
                break;
            };
            let more = self.source.next_row(row, width).map_err(|e| match e {
                RosterError::Io { path: None, reason } => RosterError::Io {
                    path: self.path.clone(),
                    reason,
                },
                other => other,
            })?;
            if !more {
                break;
            }
            if row.is_blank() && row.unclosed_quote().is_none() {
                chunk.blank_rows += 1;
                continue;
            }
            count += 1;
        }
        chunk.rows.truncate(count);
        self.rows_read += count as u64;
        self.blank_rows += chunk.blank_rows as u64;
        let columns = &self.columns;
        let parsed = parse_all(columns, &chunk.rows);
        for (row, result) in chunk.rows.iter().zip(parsed) {
            let line = row.line();
            // The grouping columns may be ones no field is read from: check them here.
            let group = if columns.group.is_empty() {
                Ok(None)
            } else {
                group_key(columns, row, &mut self.key).map(|()| Some(self.groups.intern(&self.key)))
            };
            let result = match (result, &group) {
                (Ok(_), Err(error)) => Err(error.clone()),
                (Ok((resident, name, Some(key))), Ok(_)) => match self.seen.get(&key) {
                    Some(&first_line) => Err(columns.error(
                        line,
                        Field::IdNumber,
                        "",
                        RowProblem::DuplicateIdNumber { first_line },
                    )),
                    None => {
                        self.seen.insert(key, line);
                        Ok((resident, name))
                    }
                },
                (Ok((resident, name, None)), Ok(_)) => Ok((resident, name)),
                (Err(error), _) => Err(error),
            };
            let group = group.ok().flatten();
            match result {
                Ok((resident, name)) => {
                    chunk
                        .outcomes
                        .push(RowOutcome::Resident(chunk.residents.len()));
                    if let Some(id) = group {
                        chunk.groups.push(id);
                    }
                    chunk.residents.push(resident);
                    chunk.lines.push(line);
                    chunk.names.push(name);
                }
                Err(error) => {
                    chunk.outcomes.push(RowOutcome::Error(chunk.errors.len()));
                    chunk.errors.push(*error);
                    chunk.error_groups.push(group);
                }
            }
        }
        Ok(count)
    }

    /// Reads every remaining row: the residents with their lines, groups and names, the rows
    /// that could not be read, and every row as it came. For small rosters; stream long ones
    /// with [`read_chunk`](Self::read_chunk).
    pub fn read_all(&mut self) -> Result<RosterChunk, RosterError> {
        let mut all = RosterChunk::default();
        let mut chunk = RosterChunk::default();
        while self.read_chunk(&mut chunk, 65_536)? > 0 {
            let (residents, errors) = (all.residents.len(), all.errors.len());
            all.outcomes.extend(chunk.outcomes.iter().map(|o| match *o {
                RowOutcome::Resident(i) => RowOutcome::Resident(i + residents),
                RowOutcome::Error(i) => RowOutcome::Error(i + errors),
            }));
            all.residents.append(&mut chunk.residents);
            all.lines.append(&mut chunk.lines);
            all.groups.append(&mut chunk.groups);
            all.names.append(&mut chunk.names);
            all.errors.append(&mut chunk.errors);
            all.error_groups.append(&mut chunk.error_groups);
            all.rows.append(&mut chunk.rows);
            all.blank_rows += chunk.blank_rows;
        }
        Ok(all)
    }

    /// The error for a resident that was read but could not be evaluated: line and the column
    /// the problem is in.
    pub fn evaluation_error(&self, line: u64, error: &EvalError) -> RowError {
        evaluation_error(&self.columns, line, error)
    }
}

type Parsed = Result<(Resident, Option<Box<str>>, Option<u64>), Box<RowError>>;

/// The grouping key of a row into `key`: its grouping cells, joined with ` / `, `(blank)` for
/// an empty one.
fn group_key(columns: &Columns, row: &RosterRow, key: &mut String) -> Result<(), Box<RowError>> {
    key.clear();
    for (i, &at) in columns.group.iter().enumerate() {
        if i > 0 {
            key.push_str(" / ");
        }
        key.push_str(columns.text_at(row, at, row.line())?.unwrap_or("(blank)"));
    }
    Ok(())
}

#[cfg(feature = "rayon")]
fn parse_all(columns: &Columns, rows: &[RosterRow]) -> Vec<Parsed> {
    use rayon::prelude::*;
    rows.par_iter()
        .with_min_len(1024)
        .map(|row| columns.parse(row))
        .collect()
}

#[cfg(not(feature = "rayon"))]
fn parse_all(columns: &Columns, rows: &[RosterRow]) -> Vec<Parsed> {
    rows.iter().map(|row| columns.parse(row)).collect()
}

/// An 18-character ID number as one number, for finding duplicates.
fn id_key(id: &str) -> Option<u64> {
    let (first17, last) = id.split_at_checked(17)?;
    let digits: u64 = first17.parse().ok()?;
    let check = match last {
        "X" => 10,
        d => d.parse::<u64>().ok()?,
    };
    Some(digits * 11 + check)
}

impl Columns {
    /// Reads one row into a resident, its name and its ID number (as a number).
    fn parse(&self, row: &RosterRow) -> Parsed {
        let line = row.line();
        if let Some(cell) = row.unclosed_quote() {
            return Err(Box::new(RowError {
                line,
                column: self
                    .headings
                    .get(cell)
                    .cloned()
                    .unwrap_or_else(|| "-".into()),
                value: row.get(cell).unwrap_or_default().chars().take(40).collect(),
                problem: RowProblem::UnclosedQuote,
            }));
        }
        let extra = row
            .cells()
            .skip(self.headings.len())
            .any(|c| !c.trim().is_empty());
        if (!self.workbook && row.len() != self.headings.len()) || extra {
            return Err(Box::new(RowError {
                line,
                column: "-".into(),
                value: String::new(),
                problem: RowProblem::CellCount {
                    expected: self.headings.len(),
                    found: row.len(),
                },
            }));
        }
        let record = row;
        let mut id_number_key = None;
        let birth_given = self.date(record, Field::BirthDate, line)?;
        let birth_date = match self.id_number(record, line)? {
            Some(id_number) => {
                let from_id = idcard::birth_date(&id_number).map_err(|e| {
                    let shown = self.cell(record, Field::IdNumber, line).ok().flatten();
                    self.error(
                        line,
                        Field::IdNumber,
                        shown.unwrap_or(&id_number),
                        RowProblem::IdNumber(e),
                    )
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
                id_number_key = id_key(&id_number);
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
        Ok((resident, name, id_number_key))
    }
}
