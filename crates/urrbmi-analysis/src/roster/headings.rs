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

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.heading())
    }
}

/// Column positions, resolved from the heading row.
#[derive(Debug, Clone, Default)]
pub(super) struct Columns {
    /// The headings as written (trimmed, without a byte-order mark).
    pub(super) headings: Vec<String>,
    at: [Option<usize>; FIELDS.len()],
    /// The grouping column, if rows are grouped.
    pub(super) group: Option<usize>,
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
    /// Resolves the heading row: each field's column, the grouping column, and the headings that
    /// name no field (ignored). Refuses a roster without a payment date, without both a birth
    /// date and an ID number, with a field in two columns, or without the grouping column
    /// asked for.
    pub(super) fn resolve(
        headings: Vec<String>,
        options: &RosterOptions,
    ) -> Result<(Columns, Vec<String>), RosterError> {
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
        Ok((columns, ignored))
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
