//! What the columns are called: the fields a roster column can hold with the headings
//! accepted for each, the heading row resolved to column positions, and the headings the
//! writers write.

use std::fmt;

use super::{RosterError, RosterOptions};

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
            "居民身份证号码",
            "身份证件号码",
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
        &[
            "categories",
            "人员类别",
            "身份类别",
            "困难群众类别",
            "困难类别",
            "资助类别",
        ],
    ),
    (
        Field::DisabilityGrade,
        &["disability_grade", "残疾等级", "残疾级别"],
    ),
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
    /// The field the heading names, if any (case, spaces, a byte-order mark, `*` marks and
    /// full-width brackets aside).
    pub fn from_heading(heading: &str) -> Option<Field> {
        let heading = normalize(heading);
        HEADINGS
            .iter()
            .find(|(_, names)| {
                names
                    .iter()
                    .any(|n| normalize(n).eq_ignore_ascii_case(&heading))
            })
            .map(|(field, _)| *field)
    }

    /// The English heading (`payment_date`).
    pub fn heading(self) -> &'static str {
        self.headings().first().copied().unwrap_or("")
    }

    /// The Chinese heading the writers use (`缴费日期`).
    pub fn chinese(self) -> &'static str {
        self.headings()
            .iter()
            .find(|h| !h.is_ascii())
            .copied()
            .unwrap_or_else(|| self.heading())
    }

    /// Every heading accepted for the field.
    pub fn headings(self) -> &'static [&'static str] {
        HEADINGS
            .iter()
            .find(|(f, _)| *f == self)
            .map_or(&[], |(_, names)| names)
    }

    /// Every field, in the order of the table of accepted headings.
    pub fn all() -> impl Iterator<Item = Field> {
        FIELDS.into_iter()
    }
}

impl std::str::FromStr for Field {
    type Err = RosterError;

    /// A field by its English name or any heading accepted for it (`categories`, `人员类别`).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Field::from_heading(text).ok_or_else(|| RosterError::UnknownField {
            name: text.trim().to_string(),
            accepted: FIELDS
                .iter()
                .map(|f| format!("{} ({})", f.heading(), f.chinese()))
                .collect(),
        })
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.heading())
    }
}

/// Headings a county roster carries that hold no input to the rules: carried through to the
/// output, not listed as unknown, never taken for a near miss.
pub const CARRIED_HEADINGS: &[&str] = &[
    "性别",
    "民族",
    "年龄",
    "联系电话",
    "电话",
    "电话号码",
    "手机",
    "手机号",
    "手机号码",
    "联系方式",
    "备注",
    "说明",
    "家庭住址",
    "住址",
    "地址",
    "户籍地址",
    "现住址",
    "村",
    "村（社区）",
    "村(社区)",
    "村委会",
    "社区",
    "村组",
    "组",
    "小组",
    "户主姓名",
    "户主",
    "与户主关系",
    "户号",
    "证件类型",
    "缴费金额",
    "参保状态",
    "经办人",
    "sex",
    "gender",
    "phone",
    "address",
    "note",
    "notes",
    "remarks",
    "village",
];

/// Whether `heading` is one of the result columns [`AnnotatedWriter`](super::AnnotatedWriter)
/// appends (in either language): a roster written back with its results reads again, its
/// result columns carried, not taken for near misses.
fn is_result_heading(heading: &str) -> bool {
    use super::output::{HeadingLanguage, result_headings};
    [HeadingLanguage::Chinese, HeadingLanguage::English]
        .into_iter()
        .flat_map(result_headings)
        .any(|h| h == heading.trim())
}

/// A heading as compared: trimmed, without a byte-order mark, inner spaces or `*` marks, with
/// full-width brackets as ASCII ones.
pub(super) fn normalize(heading: &str) -> String {
    heading
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '\u{feff}' | '*' | '＊'))
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            other => other,
        })
        .collect()
}

/// The accepted heading `heading` most resembles, if it resembles one enough to be a misnamed
/// column: for Chinese headings two or more characters in a row in common (`人员类型` and
/// `人员类别`, `缴费时间` and `缴费日期`, `所属乡镇` and `乡镇`), for English ones a normalized
/// Damerau-Levenshtein similarity of 0.6 or more, or one containing the other.
pub fn resembles(heading: &str) -> Option<(Field, &'static str)> {
    let heading = normalize(heading).to_lowercase();
    let mut best: Option<(f64, Field, &'static str)> = None;
    for (field, names) in HEADINGS {
        for name in *names {
            let candidate = normalize(name).to_lowercase();
            let score = similarity(&heading, &candidate);
            if score > 0.0 && best.is_none_or(|(b, _, _)| score > b) {
                best = Some((score, *field, name));
            }
        }
    }
    best.map(|(_, field, name)| (field, name))
}

/// How much two headings resemble each other; 0 when not enough to suggest one for the other.
fn similarity(a: &str, b: &str) -> f64 {
    let edit = strsim::normalized_damerau_levenshtein(a, b);
    if a.is_ascii() && b.is_ascii() {
        let contains = a.len().min(b.len()) >= 4 && (a.contains(b) || b.contains(a));
        if edit >= 0.6 || contains {
            return edit.max(0.6);
        }
        return 0.0;
    }
    let run = common_run(a, b);
    if run >= 2 {
        // Longer shared runs first, then the closer spelling.
        run as f64 + edit
    } else if edit >= 0.6 {
        edit
    } else {
        0.0
    }
}

/// The length in characters of the longest run of non-ASCII characters two strings share.
fn common_run(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut best = 0;
    for i in 0..a.len() {
        for j in 0..b.len() {
            let mut n = 0;
            while let (Some(x), Some(y)) = (a.get(i + n), b.get(j + n)) {
                if x != y || x.is_ascii() {
                    break;
                }
                n += 1;
            }
            best = best.max(n);
        }
    }
    best
}

/// What became of each heading of a roster: read into a field, carried through, ignored, or
/// unknown. Built by [`RosterReader`](super::RosterReader); see
/// [`RosterReader::layout`](super::RosterReader::layout).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layout {
    /// The file's format and encoding.
    pub format: Option<super::InputFormat>,
    /// The line of the heading row (1 unless title rows sit above it).
    pub heading_line: u64,
    /// Rows above the heading row with at most one non-empty cell (a title), by line.
    pub title_rows: Vec<(u64, String)>,
    /// Each heading read into a field, with the field (mapped ones included).
    pub read: Vec<(String, Field)>,
    /// Headings mapped to a field by the caller (`--map`), with the field.
    pub mapped: Vec<(String, Field)>,
    /// Headings known to carry no rule input ([`CARRIED_HEADINGS`]) and the grouping columns
    /// no field is read from: carried through to the output.
    pub carried: Vec<String>,
    /// Headings the caller asked to ignore (`--ignore`): carried through to the output too.
    pub ignored: Vec<String>,
    /// Any other heading: not read, carried through, and listed in the summary.
    pub unknown: Vec<String>,
}

impl Layout {
    /// Whether a column holds `field`.
    pub fn has(&self, field: Field) -> bool {
        self.read.iter().any(|(_, f)| *f == field)
    }
}

/// Column positions, resolved from the heading row.
#[derive(Debug, Clone, Default)]
pub(super) struct Columns {
    /// The headings as written (trimmed, without a byte-order mark).
    pub(super) headings: Vec<String>,
    at: [Option<usize>; FIELDS.len()],
    /// The grouping columns, if rows are grouped (a key of several columns joins them with ` / `).
    pub(super) group: Vec<usize>,
    /// The text encoding, for messages about cells that are not text in it.
    pub(super) encoding: &'static str,
    /// Whether the rows come from a workbook (whose rows may stop short of the last column).
    pub(super) workbook: bool,
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
    /// Resolves the heading row: each field's column, the grouping columns, and what became
    /// of the other headings. Refuses a roster without a payment date, without both a birth
    /// date and an ID number, with a field in two columns, with a heading that resembles one
    /// read but is neither mapped nor ignored, or without a grouping column asked for.
    pub(super) fn resolve(
        headings: Vec<String>,
        options: &RosterOptions,
    ) -> Result<(Columns, Layout), RosterError> {
        let mut columns = Columns {
            headings: headings.clone(),
            ..Columns::default()
        };
        let mut layout = Layout::default();
        let same = |a: &str, b: &str| normalize(a).eq_ignore_ascii_case(&normalize(b));
        for (heading, _) in &options.map {
            if !headings.iter().any(|h| same(h, heading)) {
                return Err(RosterError::NoSuchHeading {
                    heading: heading.clone(),
                    option: "map",
                    found: headings.clone(),
                });
            }
        }
        for heading in &options.ignore {
            if !headings.iter().any(|h| same(h, heading)) {
                return Err(RosterError::NoSuchHeading {
                    heading: heading.clone(),
                    option: "ignore",
                    found: headings.clone(),
                });
            }
        }
        let grouping: Vec<&str> = if options.ungrouped {
            Vec::new()
        } else {
            options.group_by.iter().map(|g| g.trim()).collect()
        };
        let mut near = Vec::new();
        for (i, heading) in headings.iter().enumerate() {
            let mapped = options
                .map
                .iter()
                .find(|(h, _)| same(h, heading))
                .map(|(_, f)| *f);
            let field = if options.ignore.iter().any(|h| same(h, heading)) {
                layout.ignored.push(heading.clone());
                None
            } else if let Some(field) = mapped {
                layout.mapped.push((heading.clone(), field));
                Some(field)
            } else if let Some(field) = Field::from_heading(heading) {
                Some(field)
            } else if heading.is_empty()
                || CARRIED_HEADINGS.iter().any(|c| same(c, heading))
                || is_result_heading(heading)
                || grouping.iter().any(|g| same(g, heading))
            {
                if !heading.is_empty() {
                    layout.carried.push(heading.clone());
                }
                None
            } else if let Some((field, like)) = resembles(heading) {
                near.push(NearMiss {
                    heading: heading.clone(),
                    field,
                    like: like.to_string(),
                });
                None
            } else {
                layout.unknown.push(heading.clone());
                None
            };
            let Some(field) = field else { continue };
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
            layout.read.push((heading.clone(), field));
        }
        if !near.is_empty() {
            return Err(RosterError::UnreadHeadings { near });
        }
        let need = |field: Field| columns.position(field);
        if need(Field::PaymentDate).is_none() {
            return Err(missing(&[Field::PaymentDate], &headings));
        }
        if need(Field::BirthDate).is_none() && need(Field::IdNumber).is_none() {
            return Err(missing(&[Field::BirthDate, Field::IdNumber], &headings));
        }
        columns.group = if options.ungrouped {
            Vec::new()
        } else if !grouping.is_empty() {
            let mut at = Vec::new();
            for wanted in &grouping {
                at.push(
                    headings
                        .iter()
                        .position(|h| same(h, wanted))
                        .ok_or_else(|| RosterError::NoGroupColumn {
                            heading: (*wanted).to_string(),
                            found: headings.clone(),
                        })?,
                );
            }
            at
        } else {
            need(Field::Township).into_iter().collect()
        };
        Ok((columns, layout))
    }

    /// The position of `field`'s column in a row, if the roster has one.
    pub(super) fn position(&self, field: Field) -> Option<usize> {
        self.at.get(slot(field)).copied().flatten()
    }

    /// The heading of `field`'s column as written in the file, or the field's English heading
    /// when the roster has no such column.
    pub(super) fn heading(&self, field: Field) -> String {
        self.position(field)
            .and_then(|i| self.headings.get(i).cloned())
            .unwrap_or_else(|| field.heading().to_string())
    }
}

/// A heading that resembles one the reader reads: see [`RosterError::UnreadHeadings`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NearMiss {
    /// The heading as written.
    pub heading: String,
    /// The field it may be meant for.
    pub field: Field,
    /// The accepted heading it resembles.
    pub like: String,
}

impl fmt::Display for NearMiss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` looks like `{}` ({}) but is not read; if it holds {}, map it (--map {}={}), else ignore it (--ignore {})",
            self.heading,
            self.like,
            self.field.heading(),
            self.field.heading(),
            self.heading,
            self.field.heading(),
            self.heading
        )
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

/// The headings [`RosterWriter`](super::RosterWriter) writes, in order: the English field names.
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

/// The headings [`ResultWriter`](super::ResultWriter) writes, in order.
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
