//! The shapes of the core's JSON (residents and assessments) for the OpenAPI document.
//!
//! The core crate stays free of server dependencies, so it derives no schema: these types
//! describe the JSON it reads and writes (`docs/contract.md`) and are never built. The tests
//! (`tests/api.rs`, `openapi_matches_the_core_json`) check that their fields are exactly the
//! keys the core writes, so the document cannot drift from the contract.

#![allow(dead_code)]
// Never built: their size does not matter.
#![allow(clippy::large_enum_variant)]

use utoipa::ToSchema;

/// A resident, as `urrbmi assess` reads it (docs/contract.md). Names may also be given by their
/// Chinese names (`低保对象`, `本地`).
#[derive(ToSchema, serde::Serialize)]
#[schema(as = Resident, example = json!({
    "id": "r-001", "birth_date": "1980-05-01", "hukou": "local",
    "categories": [{"kind": "subsistence_allowance", "recognized_on": "2020-06-01"},
                   {"kind": "disability", "grade": 3}],
    "special": null, "payment_date": "2020-10-15"
}))]
pub struct ResidentSchema {
    /// An identifier the caller chooses (text or a whole number); carried, never interpreted.
    id: Option<String>,
    /// Date of birth, `YYYY-MM-DD`.
    #[schema(format = Date)]
    birth_date: String,
    /// `local` (本地) or `other` (外地); default `local`.
    #[schema(example = "local")]
    hukou: Option<String>,
    /// Holds a residence permit (居住证) of the pooling area; default false.
    residence_permit: Option<bool>,
    /// `none`, `school` (中小学生) or `college` (大中专学生); default `none`.
    student: Option<String>,
    /// `renewal` (续保), `first_time` (首次参保) or `lapsed` (断保后再参保); default `renewal`.
    enrollment: Option<String>,
    /// Years without cover right before this one (required with `lapsed`).
    #[schema(minimum = 1)]
    lapsed_years: Option<u32>,
    /// Extra years paid now to shorten the waiting period (缴费修复), at most `lapsed_years - 1`.
    repair_years: Option<u32>,
    /// Consecutive covered years right before this one (连续参保年数).
    continuous_years: Option<u32>,
    /// No reimbursement in the previous year (零报销).
    claim_free_last_year: Option<bool>,
    /// A parent is insured in the area the policy names.
    parent_insured: Option<bool>,
    /// A student entering a school of the area for the first time (新入学).
    new_entrant: Option<bool>,
    /// The contribution grade (缴费档次): 1 (一档, the default) up to the policy's last grade;
    /// a number or `"二档"`.
    #[schema(minimum = 1, maximum = 9)]
    contribution_grade: Option<u8>,
    /// Enrolled with the whole household (以户参保); default true.
    household_unit: Option<bool>,
    /// Obliged to join employee insurance, hence not covered; default false.
    employee_insurance_obligated: Option<bool>,
    /// Identity categories held (a resident may hold several).
    categories: Option<Vec<HeldCategorySchema>>,
    /// At most one special circumstance, or null.
    special: Option<SpecialSchema>,
    /// The day the contribution was paid, `YYYY-MM-DD`.
    #[schema(format = Date)]
    payment_date: String,
}

/// An identity category held by a resident.
#[derive(ToSchema, serde::Serialize)]
#[schema(as = HeldCategory)]
pub struct HeldCategorySchema {
    /// The category id or Chinese name (`subsistence_allowance`, `低保对象`), or a local
    /// category the policy declares.
    kind: String,
    /// Disability grade 1-4, required for `disability`.
    #[schema(minimum = 1, maximum = 4)]
    grade: Option<u8>,
    /// The day the category was recognized; absent means long ago.
    #[schema(format = Date)]
    recognized_on: Option<String>,
}

/// A special circumstance.
#[derive(ToSchema, serde::Serialize)]
#[schema(as = Special)]
pub struct SpecialSchema {
    /// The circumstance id or Chinese name (`employee_insurance_lapse`), or one the policy
    /// declares (`[[special]]`, listed by `GET /v1/policies/{id}` as `local_special`).
    kind: String,
    /// The date it began, where a rule counts from it.
    #[schema(format = Date)]
    date: Option<String>,
}

/// One resident's assessment: its place in the request (`line` for JSON lines, `index` for a
/// JSON array or a single resident), its `id`, and the fields of the core's assessment. Money is
/// a decimal string in yuan, dates `YYYY-MM-DD`, absent values null.
#[derive(ToSchema, serde::Serialize)]
#[schema(as = Assessed)]
pub struct AssessedSchema {
    /// The physical line of a JSON-lines request (1-based); absent for JSON.
    line: Option<u64>,
    /// The place in a JSON array (0-based; 0 for a single resident); absent for JSON lines.
    index: Option<u64>,
    /// The resident's id, or null.
    id: Option<String>,
    /// The policy id.
    policy: String,
    /// `enrolled` or `refused`.
    status: String,
    /// Why the resident was refused (only when refused).
    refusal: Option<RefusalSchema>,
    /// The policy's personal contribution standard (个人缴费标准).
    #[schema(example = "280")]
    personal_standard: String,
    /// The standard that applies to this resident (0 when refused).
    charged: String,
    /// Which standard `charged` is: `personal`, `full` or `waived` (null when refused).
    charged_standard: Option<String>,
    /// What the resident pays for the benefit year.
    #[schema(example = "140")]
    owed: String,
    /// What each fund pays of the personal contribution: funder id -> amount.
    #[schema(example = json!({"medical_assistance": "140"}))]
    subsidies: std::collections::BTreeMap<String, String>,
    /// The subsidy tier that applied.
    tier: Option<String>,
    /// The first day of benefits.
    #[schema(format = Date)]
    benefit_start: Option<String>,
    /// The last day of benefits.
    #[schema(format = Date)]
    benefit_end: Option<String>,
    /// Months waited, when a waiting period in months applied.
    waiting_months: Option<u32>,
    /// A charge for the year of birth a newborn must also pay.
    prior_year_charge: Option<PriorYearChargeSchema>,
    /// Extra years paid to shorten the wait (缴费修复).
    repair_charge: Option<RepairChargeSchema>,
    /// Yuan added to the 大病保险 ceiling by the incentives.
    ceiling_raise: Option<String>,
    /// The steps of the decision, each with its clause; exactly one has `decides: true`.
    trace: Vec<StepSchema>,
}

/// Why a resident was refused.
#[derive(ToSchema, serde::Serialize)]
#[schema(as = Refusal)]
pub struct RefusalSchema {
    /// `not_covered`, `outside_window`, ...
    code: String,
    /// The reason, with its citation.
    message: String,
}

/// A charge for the year of birth.
#[derive(ToSchema, serde::Serialize)]
#[schema(as = PriorYearCharge)]
pub struct PriorYearChargeSchema {
    /// The year.
    year: i32,
    /// The amount in yuan.
    amount: String,
}

/// The repair charge.
#[derive(ToSchema, serde::Serialize)]
#[schema(as = RepairCharge)]
pub struct RepairChargeSchema {
    /// Years repaired.
    years: u32,
    /// The amount in yuan.
    amount: String,
}

/// One step of a decision.
#[derive(ToSchema, serde::Serialize)]
#[schema(as = TraceStep)]
pub struct StepSchema {
    /// Where the rule sits in the policy file (`rule.window`, `tier.orphan`).
    rule: String,
    /// What the step did, with the resident's numbers.
    summary: String,
    /// The clause of the notice.
    citation: String,
    /// Present and true on the deciding step.
    decides: Option<bool>,
}

/// An answer for a resident that could not be assessed (the batch goes on).
#[derive(ToSchema, serde::Serialize)]
#[schema(as = ErrorAnswer)]
pub struct ErrorAnswerSchema {
    /// What went wrong, and where.
    error: ErrorBodySchema,
}

/// The body of an error answer.
#[derive(ToSchema, serde::Serialize)]
#[schema(as = ErrorBody)]
pub struct ErrorBodySchema {
    /// The physical line (JSON lines).
    line: Option<u64>,
    /// The place in the array (JSON).
    index: Option<u64>,
    /// The resident's id, when it could be read.
    id: Option<String>,
    /// `invalid_resident`, `evaluation`, `not_utf8` or `too_long`.
    kind: String,
    /// What was wrong and what is accepted.
    message: String,
}

/// One answer of a batch: an assessment or an error.
#[derive(ToSchema, serde::Serialize)]
#[schema(as = Answer)]
#[serde(untagged)]
pub enum AnswerSchema {
    /// An assessment.
    Assessed(AssessedSchema),
    /// An error.
    Error(ErrorAnswerSchema),
}

/// The body of `POST /v1/assess` as JSON: one resident or an array of them.
#[derive(ToSchema, serde::Serialize)]
#[schema(as = AssessRequest)]
#[serde(untagged)]
pub enum AssessRequestSchema {
    /// One resident: answered with one assessment (or a problem).
    One(ResidentSchema),
    /// Many residents: answered with an array of answers in order.
    Many(Vec<ResidentSchema>),
}

/// The answer of `POST /v1/assess` as JSON.
#[derive(ToSchema, serde::Serialize)]
#[schema(as = AssessResponse)]
#[serde(untagged)]
pub enum AssessResponseSchema {
    /// For one resident.
    One(AssessedSchema),
    /// For an array, in its order.
    Many(Vec<AnswerSchema>),
}
