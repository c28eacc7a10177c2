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
    /// Local special circumstances this policy declares (`[[special]]`: 出国人员回国, 宗教教职人员).
    #[serde(default, rename = "special", skip_serializing_if = "Vec::is_empty")]
    pub specials: Vec<LocalName>,
    /// Local funders this policy declares (`[[funder]]`: 村集体), at most
    /// [`Subsidies::MAX_LOCAL_FUNDERS`](crate::Subsidies::MAX_LOCAL_FUNDERS).
    #[serde(default, rename = "funder", skip_serializing_if = "Vec::is_empty")]
    pub funders: Vec<LocalName>,
    /// Local refusal codes this policy declares (`[[refusal_code]]`: `grade_not_allowed`).
    #[serde(
        default,
        rename = "refusal_code",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub refusal_codes: Vec<LocalName>,
    /// Subsidy tiers (困难群众参保资助), in the notice's order.
    #[serde(default, rename = "tier")]
    pub tiers: Vec<SubsidyTier>,
    /// The waiting period of 国办发〔2024〕38号 (fixed + variable months, repair, floor, who is
    /// exempt), applied by the rules that say `waiting_period = true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting_period: Option<WaitingPeriodTable>,
    /// Continuous-enrollment and claim-free incentives (raising the 大病保险 ceiling).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incentive: Option<Incentive>,
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
    /// Document number (`益资政办发〔2020〕17号`); required when the text is available.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// Title of the notice.
    pub title: String,
    /// Date of issue; required when the text is available.
    #[serde(
        default,
        deserialize_with = "crate::dates::deserialize_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub date: Option<NaiveDate>,
    /// Whether the notice's own text was available to whoever wrote the policy file. When it
    /// was not, every value comes from secondary sources (`external = true`) and `note` says so.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub available: bool,
    /// A note on the document (required when `available = false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// `[conventions]`: how the notice's day and month counts are read. Declared, never assumed in
/// code: a convention a rule needs and the file does not declare is a load error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Conventions {
    /// "Within N days" (N天内): how the payment date compares with the event date.
    pub within_days: WithinDays,
    /// Whether the last day of a window or period is part of it.
    pub end_dates: EndDates,
    /// "From next month" (从缴费的下个月起); required by a rule that starts `next_month`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_month: Option<NextMonth>,
    /// "N days after payment" (自缴费的N日以后); required by a rule with `plus_days`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting_period: Option<WaitingPeriod>,
    /// "N months after" (N个月); required wherever months are counted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub months: Option<Months>,
    /// From when a waiting period in months runs; required by a rule that waits months. Ages and
    /// counts of months from birth or from a circumstance need `months` too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting_from: Option<WaitingFrom>,
    /// Where these readings come from.
    pub cite: String,
}

crate::names::named_enum! {
    /// How "within N days" of an event is counted.
    pub enum WithinDays ("day count") {
        /// `payment_date - event_date <= N` (day N is within).
        AtMost => "at_most", "含第N天";
        /// `payment_date - event_date < N` (day N is not).
        LessThan => "less_than", "不含第N天";
    }
}

crate::names::named_enum! {
    /// Whether window and period end dates are inclusive.
    pub enum EndDates ("end-date convention") {
        /// `to` is the last day of the window (至12月31日 includes 31 Dec).
        Inclusive => "inclusive", "含截止日";
        /// `to` is the first day after the window.
        Exclusive => "exclusive", "不含截止日";
    }
}

crate::names::named_enum! {
    /// How "from next month" is read.
    pub enum NextMonth ("next-month convention") {
        /// The first day of the calendar month after the payment date.
        FirstDayOfFollowingMonth => "first_day_of_following_month", "缴费次月1日";
    }
}

crate::names::named_enum! {
    /// How a waiting period of N days is counted.
    pub enum WaitingPeriod ("day-wait convention") {
        /// The wait ends on `payment_date + N days`; benefits begin then, or at the rule's start
        /// if that is later.
        PaymentDatePlusDays => "payment_date_plus_days", "缴费之日起N天";
    }
}

crate::names::named_enum! {
    /// How "N months after a date" is counted (urrbmi reading M1).
    pub enum Months ("month convention") {
        /// The same day N months later, or that month's last day when the day does not exist
        /// (2025-11-30 + 3 months = 2026-02-28).
        SameDayOrMonthEnd => "same_day_or_month_end", "同日或月末";
    }
}

crate::names::named_enum! {
    /// From when a waiting period in months runs (urrbmi reading M2).
    pub enum WaitingFrom ("waiting-from convention") {
        /// From the payment date.
        PaymentDate => "payment_date", "缴费之日";
        /// From the payment date; for a payment in the collection window, from the settlement
        /// period's first day (青岛: paid in the 2027 window, 4 months, from 2027-05-01).
        PeriodStartForWindowPayments => "period_start_for_window_payments", "集中缴费期内缴费自结算年度首日";
        /// From the day the rule's benefits count from (建湖 从缴费到账当月起,3个月后; 从缴费到账次日起一个月后).
        RuleStart => "rule_start", "自规则起算日";
    }
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
    /// The personal contribution standard (个人缴费标准); with several grades, grade 1 (一档).
    pub personal: CitedAmount,
    /// The fiscal subsidy standard (财政补助标准). Personal + fiscal = the full funding standard.
    /// Absent when the sources do not state it; a rule may then not charge `full`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fiscal: Option<CitedAmount>,
    /// Further personal standards a resident may choose (缴费档次: 二档 530), grades 2, 3, ...
    /// in order; `personal` is grade 1.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grades: Vec<GradeStandard>,
}

/// A contribution grade beyond the first (`grades = [{ grade = 2, name = "二档", amount = 530,
/// cite = "..." }]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradeStandard {
    /// The grade (2 for 二档); grades are numbered 2, 3, ... in order.
    pub grade: u8,
    /// The notice's name for it (`二档`).
    pub name: String,
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
    /// True when the table is not stated in the notice itself (see [`Document::available`]).
    #[serde(default, skip_serializing_if = "is_false")]
    pub external: bool,
    /// Where an external table comes from (required when `external`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
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
    /// True when the table is not stated in the notice itself (see [`Document::available`]).
    #[serde(default, skip_serializing_if = "is_false")]
    pub external: bool,
    /// Where an external table comes from (required when `external`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
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
    /// True when the table is not stated in the notice itself (see [`Document::available`]).
    #[serde(default, skip_serializing_if = "is_false")]
    pub external: bool,
    /// Where an external table comes from (required when `external`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// Who may pay in an extension: residents in any of the groups given (at least one).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtensionWho {
    /// Residents with one of these special circumstances.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub special: Vec<SpecialKind>,
    /// Residents holding one of these categories, recognized on or before the payment (江西
    /// 医疗救助对象 不受集中征缴期限制).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categories: Option<Vec<CategoryKind>>,
    /// With `categories` naming `disability`: the grades that count (1–4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grades: Option<Vec<u8>>,
    /// Students of these kinds (a collection period of their own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub students: Option<Vec<Student>>,
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
    /// True when the table is not stated in the notice itself (see [`Document::available`]).
    #[serde(default, skip_serializing_if = "is_false")]
    pub external: bool,
    /// Where an external table comes from (required when `external`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// `[newborn]`: who is a newborn "within" (paid within `within_days` or `within_months` of
/// birth, exactly one of them), who a "late" newborn (paid later, and born on or after
/// `late_born_on_or_after`, or paid within `late_within_months` of birth; neither key: no late
/// newborns), and whether a child may be registered before birth (`before_birth_days`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Newborn {
    /// A child paying within this many days of birth is a newborn "within" (出生后90天内).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within_days: Option<u32>,
    /// A child paying within this many months of birth is a newborn "within" (徐州 出生3个月内),
    /// counted as `[conventions] months` says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within_months: Option<u32>,
    /// A child paying later is a "late" newborn (新生儿未在90天内参保缴费) if born on or after this
    /// day; an older child is no newborn at all.
    #[serde(
        default,
        deserialize_with = "crate::dates::deserialize_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub late_born_on_or_after: Option<NaiveDate>,
    /// A child paying later is a "late" newborn if it pays within this many months of birth
    /// (江西 出生90天后至1周岁: 12, the first birthday included under `within_days = "at_most"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub late_within_months: Option<u32>,
    /// A child may be registered (and paid for) up to this many days before birth (南京 准新生儿,
    /// 沈阳 母亲妊娠后): such a payment makes a newborn "within"; absent, a payment before birth is
    /// an error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before_birth_days: Option<u32>,
    /// The clause.
    pub cite: String,
    /// True when the table is not stated in the notice itself (see [`Document::available`]).
    #[serde(default, skip_serializing_if = "is_false")]
    pub external: bool,
    /// Where an external table comes from (required when `external`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
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
    /// True when the table is not stated in the notice itself (see [`Document::available`]).
    #[serde(default, skip_serializing_if = "is_false")]
    pub external: bool,
    /// Where an external table comes from (required when `external`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

crate::names::named_enum! {
    /// How one tier is chosen when a resident qualifies for several.
    pub enum TierChoice ("tier choice") {
        /// Subsidies never stack: the largest total subsidy wins, ties to the tier listed first.
        MostFavourable => "most_favourable", "就高不就低";
    }
}

/// A local category declared by this policy (`[[category]]`).
pub type LocalCategory = LocalName;

/// Something a policy declares for itself, beyond the built-in ones: a category
/// (`[[category]]`), a special circumstance (`[[special]]`), a funder (`[[funder]]`) or a
/// refusal code (`[[refusal_code]]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalName {
    /// snake_case id (`distressed_child`, `religious_personnel`, `village_collective`).
    pub id: String,
    /// Chinese name (`困境儿童`); residents may carry either for a category or a special
    /// circumstance; funders and refusal codes are named by id in files and assessments.
    pub name: String,
    /// The clause.
    pub cite: String,
    /// True when the table is not stated in the notice itself (see [`Document::available`]).
    #[serde(default, skip_serializing_if = "is_false")]
    pub external: bool,
    /// Where an external table comes from (required when `external`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl TierPart {
    /// What this part pays against a personal standard: its share of it rounded to the fen
    /// (`crate::money::share_of`), or its fixed amount. `None` only when a share of an amount no
    /// policy can hold leaves `Decimal`'s range. The one place a tier's amounts are worked out.
    pub fn amount_of(&self, personal: Decimal) -> Option<Decimal> {
        match (self.share, self.amount) {
            (Some(share), _) => crate::money::share_of(personal, share),
            (None, Some(amount)) => Some(amount),
            (None, None) => Some(Decimal::ZERO),
        }
    }
}

impl Standards {
    /// The personal standard of each grade, grade 1 (`personal`) first.
    pub fn grade_amounts(&self) -> Vec<Decimal> {
        std::iter::once(self.personal.amount)
            .chain(self.grades.iter().map(|g| g.amount))
            .collect()
    }

    /// The name of a grade (`一档`, or the name a further grade was given); `None` for a grade
    /// the policy does not have.
    pub fn grade_name(&self, grade: u8) -> Option<&str> {
        match grade {
            1 => crate::resident::grade_name(1),
            g => self
                .grades
                .iter()
                .find(|s| s.grade == g)
                .map(|s| s.name.as_str()),
        }
    }
}

impl SubsidyTier {
    /// What the tier pays a resident at `grade` (1 = 一档), the personal standard of each grade
    /// given in `standards` (grade 1 first): each share of the standard its `of_grade` names (the
    /// resident's own by default), each fixed amount as it is. `None` if an amount leaves
    /// `Decimal`'s range or a grade is not in `standards` (never for a policy that loaded).
    ///
    /// ```
    /// use urrbmi::{Funder, Policy};
    /// let policy = Policy::builtin("taian-2026")?;
    /// let full = &policy.spec().tiers[0]; // 按居民参保一档标准给予全额资助
    /// let standards = policy.spec().standards.grade_amounts();
    /// for grade in [1, 2] {
    ///     let paid = full.subsidies_at_grade(&standards, grade).unwrap();
    ///     assert_eq!(paid.get(Funder::MedicalAssistance).to_string(), "390");
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn subsidies_at_grade(
        &self,
        standards: &[Decimal],
        grade: u8,
    ) -> Option<crate::assessment::Subsidies> {
        let standard_of = |g: u8| standards.get(usize::from(g).checked_sub(1)?).copied();
        let mut subsidies = crate::assessment::Subsidies::NONE;
        for part in &self.parts {
            let standard = match part.of_grade {
                Some(GradeRef::Grade(g)) => standard_of(g)?,
                Some(GradeRef::Chosen) | None => standard_of(grade)?,
            };
            let amount = part.amount_of(standard)?;
            subsidies.checked_add(part.funder, amount)?;
        }
        subsidies.checked_total()?;
        Some(subsidies)
    }

    /// What the tier pays against a personal standard, by fund (parts of one fund add up);
    /// `None` if an amount leaves `Decimal`'s range (never for a policy that loaded). In a
    /// policy with several grades, see [`SubsidyTier::subsidies_at_grade`].
    ///
    /// ```
    /// use urrbmi::{Funder, Policy};
    /// let policy = Policy::builtin("ziyang-2021")?;
    /// let floor = &policy.spec().tiers[1]; // 社会保障兜底脱贫对象: 140 + 140
    /// let paid = floor.subsidies(policy.personal_standard()).unwrap();
    /// assert_eq!(paid.get(Funder::MedicalAssistance).to_string(), "140");
    /// assert_eq!(paid.total().to_string(), "280");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn subsidies(&self, personal: Decimal) -> Option<crate::assessment::Subsidies> {
        let mut subsidies = crate::assessment::Subsidies::NONE;
        for part in &self.parts {
            let amount = part.amount_of(personal)?;
            subsidies.checked_add(part.funder, amount)?;
        }
        subsidies.checked_total()?;
        Some(subsidies)
    }
}

/// `[[tier]]`: who is subsidized, by how much, from which fund.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubsidyTier {
    /// Id (`subsistence_allowance`).
    pub id: String,
    /// The notice's words for the group.
    pub name: String,
    /// A resident holding any of these (recognized in time) qualifies; empty for a tier keyed on
    /// students, age or birth alone (江西 在江西省内就读的大学生).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
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
    /// Only residents born in this range qualify.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub born: Option<BirthRange>,
    /// Only residents of this age qualify (韶关 低收入家庭60岁以上的老年人).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age: Option<AgeRange>,
    /// Only in the first N natural years of life, the year of birth included (江西 连续三个参保
    /// 自然年度(含出生当年)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub natural_years_from_birth: Option<u32>,
    /// What is paid, by whom. Parts add up; their total never exceeds the personal standard.
    pub parts: Vec<TierPart>,
    /// The clause.
    pub cite: String,
    /// True when the table is not stated in the notice itself (see [`Document::available`]).
    #[serde(default, skip_serializing_if = "is_false")]
    pub external: bool,
    /// Where an external table comes from (required when `external`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
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
    /// Which grade's standard a `share` is of, where the policy has several (泰安 按居民参保一档
    /// 标准给予全额资助: `of_grade = 1`); `"chosen"` for the resident's own grade. Required with a
    /// share in a policy with several grades.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub of_grade: Option<GradeRef>,
    /// The clause, where it differs from the tier's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cite: Option<String>,
}

/// The grade a tier part's share is of: a grade number, or `"chosen"` (the resident's own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GradeRef {
    /// This grade's standard, whatever the resident chose (1 = 一档).
    Grade(u8),
    /// The standard of the grade the resident pays at.
    Chosen,
}

impl Serialize for GradeRef {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            GradeRef::Grade(g) => serializer.serialize_u8(*g),
            GradeRef::Chosen => serializer.serialize_str("chosen"),
        }
    }
}

impl<'de> Deserialize<'de> for GradeRef {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(i64),
            Text(String),
        }
        let accepted = "a grade number (1 for 一档) or \"chosen\" (the resident's own grade)";
        match Raw::deserialize(deserializer)
            .map_err(|_| serde::de::Error::custom(format!("expected {accepted}")))?
        {
            Raw::Number(n) => u8::try_from(n)
                .ok()
                .filter(|g| *g >= 1)
                .map(GradeRef::Grade)
                .ok_or_else(|| serde::de::Error::custom(format!("{n} is not {accepted}"))),
            Raw::Text(t) if t.trim() == "chosen" => Ok(GradeRef::Chosen),
            Raw::Text(t) => Err(serde::de::Error::custom(format!(
                "`{}` is not {accepted}",
                crate::error::shown(&t)
            ))),
        }
    }
}

/// An age in whole years (周岁) on a day the policy names: at least `at_least`, under `under`
/// (either may be left out). A resident reaches age N on the day N×12 months after birth,
/// counted as `[conventions] months` says (born 29 February: on 28 February).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgeRange {
    /// Aged at least this many years.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<u32>,
    /// Aged under this many years (未成年人: `under = 18`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub under: Option<u32>,
    /// The day the age is taken on.
    pub on: AgeOn,
}

crate::names::named_enum! {
    /// The day an age is taken on.
    pub enum AgeOn ("age day") {
        /// The payment date.
        PaymentDate => "payment_date", "缴费之日";
        /// The first day of the resident's settlement period (泰安: 未成年人 on 2026-01-01).
        PeriodStart => "period_start", "结算年度首日";
    }
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
    /// The day benefits begin when `benefit_start = "fixed_date"` (新入学大中专学生待遇享2025年9月).
    #[serde(
        default,
        deserialize_with = "crate::dates::deserialize_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub fixed_date: Option<NaiveDate>,
    /// A waiting period of N days from the payment (自缴费的90日以后): benefits begin when it
    /// ends, or at the rule's start if that is later.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plus_days: Option<u32>,
    /// A waiting period of N months (counted as `[conventions] months` and `waiting_from` say):
    /// benefits begin when it ends, or at the rule's start if that is later.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plus_months: Option<u32>,
    /// The policy's `[waiting_period]` applies: its months (fixed + variable − repaired, at least
    /// the floor) unless the resident is exempt.
    #[serde(default, skip_serializing_if = "is_false")]
    pub waiting_period: bool,
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

fn is_true(b: &bool) -> bool {
    *b
}

/// The conditions of a rule; every condition given must hold.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct When {
    /// When the payment was made: `main` (the window), an extension's id, or `outside`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid: Option<Vec<String>>,
    /// The enrollment history: one of these (`"first_time"` or `["renewal", "first_time"]`).
    #[serde(
        default,
        deserialize_with = "crate::names::one_or_many",
        skip_serializing_if = "Option::is_none"
    )]
    pub enrollment: Option<Vec<Enrollment>>,
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
    /// Paid within this many months of the special circumstance's date (江西 军人退出现役3个月以内),
    /// counted as `[conventions] months` says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub special_within_months: Option<u32>,
    /// Newborn status: `within` (paid within `newborn.within_days` of birth), `late`, `no`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newborn: Option<Vec<NewbornStatus>>,
    /// The resident holds one of these categories (recognized on or before payment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holds_any: Option<Vec<CategoryKind>>,
    /// With `holds_any` naming `disability`: the grades that count (1–4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grades: Option<Vec<u8>>,
    /// A parent is insured (父母参保) or not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_insured: Option<bool>,
    /// A student entering for the first time (新入学) or not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_entrant: Option<bool>,
    /// The resident pays at one of these contribution grades (泰安 二档: `[2]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contribution_grade: Option<Vec<u8>>,
    /// The resident's age on the day named (未成年人: `{ under = 18, on = "period_start" }`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age: Option<AgeRange>,
    /// The benefit year is one of the first N natural years of the resident's life, the year of
    /// birth included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub natural_years_from_birth: Option<u32>,
}

/// A range of birth dates, both ends included; an end left out is open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
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

crate::names::named_enum! {
    /// A resident's newborn status under a policy.
    pub enum NewbornStatus ("newborn status") {
        /// Paid within `newborn.within_days` days of birth.
        Within => "within", "出生90天内参保";
        /// Paid later, but born on or after `newborn.late_born_on_or_after` (or paid within
        /// `newborn.late_within_months` of birth).
        Late => "late", "新生儿未在90天内参保";
        /// Neither.
        No => "no", "非新生儿";
    }
}

crate::names::named_enum! {
    /// Which standard a rule charges.
    #[non_exhaustive]
    pub enum Charge ("charge") {
        /// The personal contribution standard (个人缴费标准); tiers apply.
        Personal => "personal", "个人缴费标准";
        /// The full funding standard (筹资标准 = personal + fiscal); tiers apply to the personal
        /// part.
        Full => "full", "筹资标准", "全额";
        /// Nothing is due (免缴: a newborn whose parent is insured): charged 0, owed 0, no fund
        /// pays anything. Not the same as a tier paying 100%.
        Waived => "waived", "免缴";
    }
}

crate::names::named_enum! {
    /// The day a rule's benefits count from.
    #[non_exhaustive]
    pub enum StartFrom ("benefit start") {
        /// The first day of the settlement period.
        PeriodStart => "period_start", "结算年度首日";
        /// The payment date (缴费到账之日).
        PaymentDate => "payment_date", "缴费之日";
        /// The date of birth (自出生之日).
        BirthDate => "birth_date", "出生之日";
        /// The special circumstance's date (entry into the institution, the lapse).
        SpecialDate => "special_date", "特殊情形之日";
        /// The first day of the month after payment (从缴费的下个月起).
        NextMonth => "next_month", "缴费次月";
        /// The rule's `fixed_date`.
        FixedDate => "fixed_date", "指定日期";
        /// The day after payment (缴费次日).
        DayAfterPayment => "day_after_payment", "缴费次日";
        /// The first day of the month of payment (自参保当月); with `plus_months` and
        /// `waiting_from = "rule_start"`, the first of the month N months later (建湖).
        PaymentMonth => "payment_month", "缴费当月";
        /// The first day of the month in which the resident was recognized in a category the
        /// rule's `holds_any` names (北京 身份认定当月); a category without `recognized_on` was
        /// recognized long ago.
        RecognitionMonth => "recognition_month", "身份认定当月";
    }
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

/// `[waiting_period]`: the waiting period of 国办发〔2024〕38号 (urrbmi readings M3-M6), applied
/// by the rules that say `waiting_period = true`.
///
/// months = `fixed` + `variable` − `repair` (the variable part never below 0), at least `floor`
/// from its number of lapsed years; none for a resident an `exempt` entry matches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaitingPeriodTable {
    /// The fixed part (固定待遇等待期), in months.
    pub fixed: CitedMonths,
    /// The variable part (变动待遇等待期) for lapsed residents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variable: Option<VariableWait>,
    /// Repair (缴费修复): extra years paid now shorten the variable part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repair: Option<RepairRule>,
    /// The least total for a long break (原则上不少于6个月).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor: Option<WaitFloor>,
    /// Who does not wait (普遍不设待遇享受等待期), each entry a condition.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exempt: Vec<WaitExemption>,
}

/// A number of months with its citation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CitedMonths {
    /// Months.
    pub months: u32,
    /// The clause.
    pub cite: String,
    /// True when the value is not stated in the notice itself.
    #[serde(default, skip_serializing_if = "is_false")]
    pub external: bool,
    /// Where an external value comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// The variable part of the wait: `months_per_year` for each lapsed year beyond the first
/// `after_lapsed_years` (每多断保1年 = beyond the first year: `after_lapsed_years = 1`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariableWait {
    /// Months added per lapsed year counted.
    pub months_per_year: u32,
    /// Lapsed years not counted (1: the first year of a break adds nothing).
    pub after_lapsed_years: u32,
    /// The clause.
    pub cite: String,
    /// True when the value is not stated in the notice itself.
    #[serde(default, skip_serializing_if = "is_false")]
    pub external: bool,
    /// Where an external value comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// Repair of the variable wait by paying extra years now (缴费修复).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepairRule {
    /// Months of the variable part removed per year paid.
    pub months_per_year: u32,
    /// What a repair year costs.
    pub price: RepairPrice,
    /// The clause.
    pub cite: String,
    /// True when the value is not stated in the notice itself.
    #[serde(default, skip_serializing_if = "is_false")]
    pub external: bool,
    /// Where an external value comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

crate::names::named_enum! {
    /// What one repair year costs.
    pub enum RepairPrice ("repair price") {
        /// The personal standard of the benefit year (参照当年参保地的个人缴费标准), at the resident's
        /// contribution grade (泰安 390 or 530), not subsidized.
        PersonalStandard => "personal_standard", "当年个人缴费标准";
    }
}

/// The least total wait after a long break.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaitFloor {
    /// The least number of months.
    pub months: u32,
    /// From this many lapsed years on (连续断缴4年及以上: 4).
    pub from_lapsed_years: u32,
    /// The clause.
    pub cite: String,
    /// True when the value is not stated in the notice itself.
    #[serde(default, skip_serializing_if = "is_false")]
    pub external: bool,
    /// Where an external value comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// `[[waiting_period.exempt]]`: residents who do not wait.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaitExemption {
    /// Id (`people_in_difficulty`).
    pub id: String,
    /// Who is exempt: the conditions of a rule's `when` (a category counts when recognized on
    /// or before the payment, whatever the subsidy deadline; urrbmi reading M9).
    pub when: When,
    /// The clause.
    pub cite: String,
    /// True when the exemption is not stated in the notice itself.
    #[serde(default, skip_serializing_if = "is_false")]
    pub external: bool,
    /// Where an external exemption comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// `[incentive]`: raises of the 大病保险 ceiling for continuous enrollment and a claim-free year
/// (urrbmi reading M7).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Incentive {
    /// The continuous-enrollment step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continuous: Option<ContinuousStep>,
    /// The claim-free step (零报销激励).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim_free: Option<ClaimFreeStep>,
    /// The cap on the total raise, known or not.
    pub cap: IncentiveCap,
}

/// After `after_years` continuous years, each further continuous year, this one included, adds
/// `step`: raise = max(0, continuous_years − after_years + 1) × step (满4年, 从第5年起每多参保1年).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContinuousStep {
    /// Continuous years before the raise begins (4).
    pub after_years: u32,
    /// Yuan added per year counted.
    #[serde(deserialize_with = "crate::money::deserialize")]
    pub step: Decimal,
    /// The clause.
    pub cite: String,
    /// True when the value is not stated in the notice itself.
    #[serde(default, skip_serializing_if = "is_false")]
    pub external: bool,
    /// Where an external value comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// A claim-free previous year adds `step`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimFreeStep {
    /// Yuan added.
    #[serde(deserialize_with = "crate::money::deserialize")]
    pub step: Decimal,
    /// The clause.
    pub cite: String,
    /// True when the value is not stated in the notice itself.
    #[serde(default, skip_serializing_if = "is_false")]
    pub external: bool,
    /// Where an external value comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// The cap on the total raise: an `amount`, or `unknown` with what the sources say of it (the
/// trace says so; the raise is then shown uncapped, never guessed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncentiveCap {
    /// The cap in yuan (累计提高总额不超过8万元).
    #[serde(
        default,
        deserialize_with = "crate::money::deserialize_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub amount: Option<Decimal>,
    /// What is known of a cap whose amount is not (原封顶线的20%, the original ceiling unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unknown: Option<String>,
    /// The clause.
    pub cite: String,
    /// True when the value is not stated in the notice itself.
    #[serde(default, skip_serializing_if = "is_false")]
    pub external: bool,
    /// Where an external value comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// Anything in a policy file that carries a citation, possibly from outside the notice.
pub trait Cited {
    /// The clause.
    fn cite(&self) -> &str;
    /// Whether the value is not stated in the notice itself.
    fn external(&self) -> bool;
    /// Where an external value comes from.
    fn source(&self) -> Option<&str>;

    /// The citation as a trace shows it: the clause, and for an external value `; external:`
    /// and its source.
    fn citation(&self) -> String {
        match self.source().filter(|_| self.external()) {
            Some(source) => format!("{}; external: {source}", self.cite()),
            None => self.cite().to_string(),
        }
    }
}

macro_rules! cited {
    ($($type:ty),* $(,)?) => {$(
        impl Cited for $type {
            fn cite(&self) -> &str {
                &self.cite
            }
            fn external(&self) -> bool {
                self.external
            }
            fn source(&self) -> Option<&str> {
                self.source.as_deref()
            }
        }
    )*};
}

cited!(
    CitedAmount,
    Coverage,
    Window,
    Extension,
    Period,
    Newborn,
    SubsidyRules,
    LocalName,
    GradeStandard,
    SubsidyTier,
    StartRule,
    PriorYearRule,
    CitedMonths,
    VariableWait,
    RepairRule,
    WaitFloor,
    WaitExemption,
    ContinuousStep,
    ClaimFreeStep,
    IncentiveCap,
);
