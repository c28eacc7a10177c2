//! The policy file format: one TOML file per region and benefit year.
//!
//! These types are the file's schema, one struct per table. Every rule-bearing table carries a
//! `cite` naming the clause of the notice it encodes; a value taken from outside the notice says
//! so with `external = true` and names its `source`. See the README's "Policy files" section and
//! `policies/*.toml` for annotated examples.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::category::{CategoryKind, Funder};
use crate::resident::{Enrollment, Hukou, SpecialKind, Student};

/// The whole policy file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicySpec {
    /// Identity of the policy and its notice.
    pub policy: Header,
    /// How days are counted.
    pub conventions: Conventions,
    /// The personal and fiscal standards.
    pub standards: Standards,
    /// Who may join.
    pub coverage: Coverage,
    /// The collection window (集中参保缴费期).
    pub window: Window,
    /// Extensions of the window (延长缴费期), in force or not.
    #[serde(default, rename = "extension")]
    pub extensions: Vec<Extension>,
    /// Settlement periods (结算年度); one applies to everyone not otherwise listed.
    #[serde(rename = "period")]
    pub periods: Vec<Period>,
    /// What makes a resident a newborn for the rules.
    pub newborn: Newborn,
    /// How subsidy tiers are chosen.
    pub subsidy: SubsidyRules,
    /// Local categories this policy declares, beyond the built-in ones.
    #[serde(default, rename = "category")]
    pub categories: Vec<LocalCategory>,
    /// Subsidy tiers (困难群众参保资助), in the notice's order.
    #[serde(default, rename = "tier")]
    pub tiers: Vec<SubsidyTier>,
    /// Benefit-start rules (待遇享受时间), tried in order; the first that matches decides.
    #[serde(rename = "rule")]
    pub rules: Vec<StartRule>,
}

/// `[policy]`: which notice this file encodes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// The policy id (`ziyang-2021`): lowercase letters, digits and `-`.
    pub id: String,
    /// The region (`益阳市资阳区`).
    pub region: String,
    /// The benefit year (2021 for contributions collected in autumn 2020).
    pub benefit_year: i32,
    /// The notice.
    pub document: Document,
}

/// The official notice a policy encodes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    /// Issuing body (`益阳市资阳区人民政府办公室`).
    pub issuer: String,
    /// Document number (`益资政办发〔2020〕17号`).
    pub number: String,
    /// Title of the notice.
    pub title: String,
    /// Date of issue.
    #[serde(deserialize_with = "crate::dates::deserialize")]
    pub date: NaiveDate,
}

/// `[conventions]`: how the notice's day counts are read. Declared, never assumed in code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Conventions {
    /// "Within N days" (N天内): how the payment date compares with the event date.
    pub within_days: WithinDays,
    /// Whether the last day of a window or period is part of it.
    pub end_dates: EndDates,
    /// "From next month" (从缴费的下个月起).
    pub next_month: NextMonth,
    /// "N days after payment" (自缴费的N日以后).
    pub waiting_period: WaitingPeriod,
    /// Where these readings come from.
    pub cite: String,
}

/// How "within N days" of an event is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WithinDays {
    /// `payment_date - event_date <= N` (day N is within).
    AtMost,
    /// `payment_date - event_date < N` (day N is not).
    LessThan,
}

/// Whether window and period end dates are inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndDates {
    /// `to` is the last day of the window (至12月31日 includes 31 Dec).
    Inclusive,
    /// `to` is the first day after the window.
    Exclusive,
}

/// How "from next month" is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NextMonth {
    /// The first day of the calendar month after the payment date.
    FirstDayOfFollowingMonth,
}

/// How a waiting period of N days is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WaitingPeriod {
    /// Benefits begin on `payment_date + N days`.
    PaymentDatePlusDays,
}

/// A cited amount of money.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CitedAmount {
    /// Yuan per person-year.
    #[serde(deserialize_with = "crate::money::deserialize")]
    pub amount: Decimal,
    /// The clause that sets it.
    pub cite: String,
    /// True when the amount is not stated in the notice itself.
    #[serde(default, skip_serializing_if = "is_false")]
    pub external: bool,
    /// Where an external amount comes from (required when `external`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// `[standards]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Standards {
    /// The personal contribution standard (个人缴费标准).
    pub personal: CitedAmount,
    /// The fiscal subsidy standard (财政补助标准). Personal + fiscal = the full funding standard.
    pub fiscal: CitedAmount,
}

/// `[coverage]`: who may join besides those with local hukou.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Coverage {
    /// Anyone may join (no hukou, permit or student condition).
    #[serde(default)]
    pub everyone: bool,
    /// Residents with local hukou are covered.
    #[serde(default)]
    pub local_hukou: bool,
    /// Holders of a local residence permit are covered.
    #[serde(default)]
    pub residence_permit: bool,
    /// Students of these kinds are covered whatever their hukou.
    #[serde(default)]
    pub students: Vec<Student>,
    /// The clause.
    pub cite: String,
}

impl Coverage {
    /// Who is covered, in words (`local hukou, residence permit holders, students (college)`).
    pub fn describe(&self) -> String {
        let mut who = Vec::new();
        if self.everyone {
            who.push("everyone not obliged to join employee insurance".to_string());
        }
        if self.local_hukou {
            who.push("local hukou".to_string());
        }
        if self.residence_permit {
            who.push("residence permit holders".to_string());
        }
        if !self.students.is_empty() {
            let kinds: Vec<&str> = self.students.iter().map(|s| s.id()).collect();
            who.push(format!("students ({})", kinds.join(", ")));
        }
        who.join(", ")
    }
}

/// `[window]`: the collection window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    /// First day.
    #[serde(deserialize_with = "crate::dates::deserialize")]
    pub from: NaiveDate,
    /// Last day (see [`Conventions::end_dates`]).
    #[serde(deserialize_with = "crate::dates::deserialize")]
    pub to: NaiveDate,
    /// The clause.
    pub cite: String,
}

/// `[[extension]]`: an extension of the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Extension {
    /// Id used by rules (`paid = ["extension"]`).
    pub id: String,
    /// First day.
    #[serde(deserialize_with = "crate::dates::deserialize")]
    pub from: NaiveDate,
    /// Last day.
    #[serde(deserialize_with = "crate::dates::deserialize")]
    pub to: NaiveDate,
    /// Whether the extension applies in this pooling area. A notice that only allows an
    /// extension leaves it off; an overlay switches it on.
    pub in_force: bool,
    /// Who may use it; absent means everyone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub who: Option<ExtensionWho>,
    /// The clause.
    pub cite: String,
}

/// Who may pay in an extension.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtensionWho {
    /// Residents with one of these special circumstances.
    pub special: Vec<SpecialKind>,
}

/// `[[period]]`: a settlement period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// Id (`calendar_year`, `college_year`).
    pub id: String,
    /// First day of benefits.
    #[serde(deserialize_with = "crate::dates::deserialize")]
    pub from: NaiveDate,
    /// Last day of benefits.
    #[serde(deserialize_with = "crate::dates::deserialize")]
    pub to: NaiveDate,
    /// Students this period is for; absent means everyone not listed by another period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub students: Option<Vec<Student>>,
    /// The clause.
    pub cite: String,
}

/// `[newborn]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Newborn {
    /// A child paying within this many days of birth is a newborn "within" (出生后90天内).
    pub within_days: u32,
    /// A child paying later than that is a "late" newborn (新生儿未在90天内参保缴费) if born on or
    /// after this day; an older child is no newborn at all.
    #[serde(deserialize_with = "crate::dates::deserialize")]
    pub late_born_on_or_after: NaiveDate,
    /// The clause.
    pub cite: String,
}

/// `[subsidy]`: how tiers are chosen and when a category counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubsidyRules {
    /// Several categories: which tier applies.
    pub choice: TierChoice,
    /// A category counts only if recognized on or before this day (and the payment date).
    #[serde(deserialize_with = "crate::dates::deserialize")]
    pub recognized_by: NaiveDate,
    /// The clause.
    pub cite: String,
}

/// How one tier is chosen when a resident qualifies for several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TierChoice {
    /// Subsidies never stack: the largest total subsidy wins, ties to the tier listed first.
    MostFavourable,
}

/// `[[category]]`: a local category declared by this policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalCategory {
    /// snake_case id (`distressed_child`).
    pub id: String,
    /// Chinese name (`困境儿童`); residents may carry either.
    pub name: String,
    /// The clause that names the group.
    pub cite: String,
}

/// `[[tier]]`: who is subsidized, by how much, from which fund.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubsidyTier {
    /// Id (`subsistence_allowance`).
    pub id: String,
    /// The notice's words for the group.
    pub name: String,
    /// A resident holding any of these (recognized in time) qualifies.
    pub categories: Vec<CategoryKind>,
    /// For a disability, the grades that qualify (1–4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grades: Option<Vec<u8>>,
    /// Residents holding any of these do not qualify (Ziyang: 建档立卡 *非低保* 对象).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_holding: Vec<CategoryKind>,
    /// Only students of these kinds qualify.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub students: Option<Vec<Student>>,
    /// Only residents with this hukou qualify.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hukou: Option<Hukou>,
    /// What is paid, by whom. Parts add up; their total never exceeds the personal standard.
    pub parts: Vec<TierPart>,
    /// The clause.
    pub cite: String,
}

/// One fund's part of a tier: a share of the personal standard or a fixed amount.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierPart {
    /// Who pays.
    pub funder: Funder,
    /// Percent of the personal standard (`50` = half), rounded to the fen.
    #[serde(
        default,
        deserialize_with = "crate::money::deserialize_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub share: Option<Decimal>,
    /// A fixed amount in yuan.
    #[serde(
        default,
        deserialize_with = "crate::money::deserialize_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub amount: Option<Decimal>,
    /// The clause, where it differs from the tier's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cite: Option<String>,
}

/// `[[rule]]`: how a resident who matches `when` is charged and when benefits begin, or why
/// the resident is refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartRule {
    /// Id (`newborn_within_90_days`).
    pub id: String,
    /// What the rule says, in a line.
    pub title: String,
    /// Who it applies to.
    #[serde(default)]
    pub when: When,
    /// Which standard is charged (absent for a refusal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charge: Option<Charge>,
    /// When benefits begin (absent for a refusal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub benefit_start: Option<StartFrom>,
    /// Days added to the start (a waiting period, 自缴费的90日以后).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plus_days: Option<u32>,
    /// Whether the start is moved to the first day of the settlement period when it falls
    /// before it. True unless the notice says benefits run from an earlier day (newborns).
    #[serde(default = "yes")]
    pub not_before_period_start: bool,
    /// A charge for the year before the benefit year (newborns born late in that year).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prior_year: Option<PriorYearRule>,
    /// Refuse instead of enrolling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refuse: Option<RefuseRule>,
    /// The clause.
    pub cite: String,
    /// True when the rule is not stated in the notice itself (a notice that defers to another
    /// document whose text stands in, urrbmi reading R7).
    #[serde(default, skip_serializing_if = "is_false")]
    pub external: bool,
    /// Where an external rule comes from (required when `external`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

fn yes() -> bool {
    true
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// The conditions of a rule; every condition given must hold.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct When {
    /// When the payment was made: `main` (the window), an extension's id, or `outside`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid: Option<Vec<String>>,
    /// First enrollment or renewal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enrollment: Option<Enrollment>,
    /// Paying as a household unit or not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub household_unit: Option<bool>,
    /// Hukou.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hukou: Option<Hukou>,
    /// Holds a residence permit (居住证) or not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub residence_permit: Option<bool>,
    /// Born on or after `from` and on or before `to` (either may be left out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub born: Option<BirthRange>,
    /// Student kinds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub students: Option<Vec<Student>>,
    /// The resident has one of these special circumstances.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub special: Option<Vec<SpecialKind>>,
    /// The resident has no special circumstance.
    #[serde(default, skip_serializing_if = "is_false")]
    pub without_special: bool,
    /// Paid within this many days of the special circumstance's date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub special_within_days: Option<u32>,
    /// Paid more than this many days after the special circumstance's date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub special_after_days: Option<u32>,
    /// Newborn status: `within` (paid within `newborn.within_days` of birth), `late`, `no`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newborn: Option<Vec<NewbornStatus>>,
    /// The resident holds one of these categories (recognized on or before payment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holds_any: Option<Vec<CategoryKind>>,
}

/// A range of birth dates, both ends included; an end left out is open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BirthRange {
    /// Born on or after this day.
    #[serde(
        default,
        deserialize_with = "crate::dates::deserialize_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub from: Option<NaiveDate>,
    /// Born on or before this day.
    #[serde(
        default,
        deserialize_with = "crate::dates::deserialize_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub to: Option<NaiveDate>,
}

impl BirthRange {
    /// Whether `birth_date` lies in the range.
    pub fn contains(&self, birth_date: NaiveDate) -> bool {
        self.from.is_none_or(|from| from <= birth_date) && self.to.is_none_or(|to| birth_date <= to)
    }
}

/// A resident's newborn status under a policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NewbornStatus {
    /// Paid within `newborn.within_days` days of birth.
    Within,
    /// Paid later, but born on or after `newborn.late_born_on_or_after`.
    Late,
    /// Neither.
    No,
}

/// Which standard a rule charges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Charge {
    /// The personal contribution standard (个人缴费标准); tiers apply.
    Personal,
    /// The full funding standard (筹资标准 = personal + fiscal); tiers apply to the personal part.
    Full,
}

/// The day a rule's benefits count from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StartFrom {
    /// The first day of the settlement period.
    PeriodStart,
    /// The payment date (缴费到账之日).
    PaymentDate,
    /// The date of birth (自出生之日).
    BirthDate,
    /// The special circumstance's date (entry into the institution, the lapse).
    SpecialDate,
    /// The first day of the month after payment (从缴费的下个月起).
    NextMonth,
}

/// A charge for the year before the benefit year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriorYearRule {
    /// Born on or after this day...
    #[serde(deserialize_with = "crate::dates::deserialize")]
    pub born_from: NaiveDate,
    /// ...and on or before this day.
    #[serde(deserialize_with = "crate::dates::deserialize")]
    pub born_to: NaiveDate,
    /// The year charged.
    pub year: i32,
    /// That year's personal standard.
    #[serde(deserialize_with = "crate::money::deserialize")]
    pub amount: Decimal,
    /// The clause that requires the charge.
    pub cite: String,
    /// True when the amount is not stated in the notice.
    #[serde(default, skip_serializing_if = "is_false")]
    pub external: bool,
    /// Where an external amount comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// A refusal rule's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefuseRule {
    /// The refusal code.
    pub code: crate::assessment::RefusalCode,
    /// What to tell the resident.
    pub message: String,
}
