//! The answer for one resident: what is owed, who pays the rest, and when benefits begin.

use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};

use crate::category::Funder;

/// The outcome of [`evaluate`](crate::evaluate): enrolled with amounts and dates, or refused
/// with a reason. Serializes to the JSON of the `assess` example (snake_case fields, money as
/// decimal strings, dates as `YYYY-MM-DD`).
///
/// An assessment borrows its strings (the policy id, the tier id, the refusal message, the
/// trace's notes) from the [`Policy`](crate::Policy) it was evaluated against, for `'p`:
/// making one copies no string and counts no reference.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment<'p> {
    /// The policy id.
    pub policy: &'p str,
    /// Enrolled or refused.
    pub status: Status,
    /// Why the resident was refused (only when refused).
    pub refusal: Option<Refusal<'p>>,
    /// The policy's personal contribution standard (个人缴费标准).
    #[serde(serialize_with = "serialize_money")]
    pub personal_standard: Decimal,
    /// The standard that applies to this resident: the personal standard, or the full funding
    /// standard (筹资标准) for late special cases. Zero when refused.
    #[serde(serialize_with = "serialize_money")]
    pub charged: Decimal,
    /// Which standard `charged` is (absent when refused).
    pub charged_standard: Option<crate::policy::schema::Charge>,
    /// What the resident pays for the benefit year: `charged` minus subsidies.
    #[serde(serialize_with = "serialize_money")]
    pub owed: Decimal,
    /// What each fund pays of the personal contribution.
    pub subsidies: Subsidies,
    /// The subsidy tier that applied, if any.
    pub tier: Option<&'p str>,
    /// The first day of benefits.
    pub benefit_start: Option<NaiveDate>,
    /// The last day of benefits (end of the settlement period).
    pub benefit_end: Option<NaiveDate>,
    /// A charge for the year of birth that a newborn must also pay, on top of `owed`.
    pub prior_year_charge: Option<PriorYearCharge>,
    /// The rules that decided, in the order they were applied, each with its citation.
    pub trace: Trace<'p>,
}

impl<'p> Assessment<'p> {
    /// Whether the resident is enrolled.
    pub fn is_enrolled(&self) -> bool {
        self.status == Status::Enrolled
    }

    /// Whether the resident was refused.
    pub fn is_refused(&self) -> bool {
        self.status == Status::Refused
    }

    /// The total of all subsidies.
    pub fn subsidy_total(&self) -> Decimal {
        self.subsidies.total()
    }

    /// What the resident pays in all: `owed` plus any prior-year charge.
    pub fn total_due(&self) -> Decimal {
        self.owed
            + self
                .prior_year_charge
                .as_ref()
                .map_or(Decimal::ZERO, |c| c.amount)
    }

    /// The step of the trace that decided: the rule that enrolled or refused the resident, or
    /// the refusal the evaluation made itself. Every assessment has exactly one.
    pub fn deciding_step(&self) -> Option<&'p TraceStep> {
        self.trace.iter().find(|step| step.decides)
    }

    /// The citation of the deciding step (see [`Assessment::deciding_step`]).
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use urrbmi::{evaluate, Policy, Resident};
    /// let policy = Policy::builtin("hunan-2022")?;
    /// let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    /// let a = evaluate(&policy, &Resident::new(date(1990, 1, 1), date(2021, 10, 8)))?;
    /// assert_eq!(a.deciding_rule(), Some("rule.window"));
    /// assert_eq!(a.deciding_clause(), Some("湘医保发〔2021〕31号 二(五)"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn deciding_clause(&self) -> Option<&'p str> {
        self.deciding_step().map(|step| step.citation.as_str())
    }

    /// Where the deciding step sits: `rule.<id>` for a `[[rule]]` of the policy (which enrolled
    /// or refused), `refusal.<code>` for a refusal the evaluation made itself (not covered,
    /// outside the window, no benefit in the period).
    pub fn deciding_rule(&self) -> Option<&'p str> {
        self.deciding_step().map(|step| step.rule.as_str())
    }
}

/// Enrolled or refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The payment is accepted; benefits run from `benefit_start` to `benefit_end`.
    Enrolled,
    /// The payment is not accepted for this benefit year.
    Refused,
}

/// Why a resident was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Refusal<'p> {
    /// A stable code to branch on.
    pub code: RefusalCode,
    /// A sentence that names the window or rule, with its citation (the policy's own text).
    pub message: &'p str,
}

/// Refusal codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusalCode {
    /// Obliged to join employee insurance (职工医保应参保人员), so not covered by URRBMI.
    EmployeeInsuranceObligated,
    /// Not among the people the notice covers (no local hukou, permit or student status).
    NotCovered,
    /// Paid outside the collection window, and no special rule applies.
    OutsideWindow,
    /// The newborn rule requires local hukou and the newborn has none.
    NotLocalNewborn,
    /// Benefits would begin after the settlement period ends.
    NoBenefitInPeriod,
}

impl RefusalCode {
    /// All refusal codes.
    pub const ALL: [RefusalCode; 5] = [
        RefusalCode::EmployeeInsuranceObligated,
        RefusalCode::NotCovered,
        RefusalCode::OutsideWindow,
        RefusalCode::NotLocalNewborn,
        RefusalCode::NoBenefitInPeriod,
    ];

    /// The snake_case code.
    pub fn id(self) -> &'static str {
        match self {
            RefusalCode::EmployeeInsuranceObligated => "employee_insurance_obligated",
            RefusalCode::NotCovered => "not_covered",
            RefusalCode::OutsideWindow => "outside_window",
            RefusalCode::NotLocalNewborn => "not_local_newborn",
            RefusalCode::NoBenefitInPeriod => "no_benefit_in_period",
        }
    }
}

impl fmt::Display for RefusalCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// What each fund pays. Serialized as a map holding the funders that pay something.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Subsidies {
    amounts: [Decimal; 3],
}

impl Subsidies {
    /// No subsidy.
    pub const NONE: Subsidies = Subsidies {
        amounts: [Decimal::ZERO; 3],
    };

    fn slot(&mut self, funder: Funder) -> &mut Decimal {
        let [fiscal, medical_assistance, entitled_group_fund] = &mut self.amounts;
        match funder {
            Funder::Fiscal => fiscal,
            Funder::MedicalAssistance => medical_assistance,
            Funder::EntitledGroupFund => entitled_group_fund,
        }
    }

    /// What `funder` pays.
    pub fn get(&self, funder: Funder) -> Decimal {
        let [fiscal, medical_assistance, entitled_group_fund] = self.amounts;
        match funder {
            Funder::Fiscal => fiscal,
            Funder::MedicalAssistance => medical_assistance,
            Funder::EntitledGroupFund => entitled_group_fund,
        }
    }

    /// Adds `amount` to what `funder` pays.
    pub fn add(&mut self, funder: Funder, amount: Decimal) {
        *self.slot(funder) += amount;
    }

    /// The total of all funds.
    pub fn total(&self) -> Decimal {
        self.amounts.iter().copied().sum()
    }

    /// Each funder with what it pays, zero included, in [`Funder::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = (Funder, Decimal)> + '_ {
        Funder::ALL.into_iter().map(|f| (f, self.get(f)))
    }

    /// Whether no fund pays anything.
    pub fn is_empty(&self) -> bool {
        self.amounts.iter().all(Decimal::is_zero)
    }
}

impl Serialize for Subsidies {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let paying = self.amounts.iter().filter(|a| !a.is_zero()).count();
        let mut map = serializer.serialize_map(Some(paying))?;
        for (funder, amount) in self.iter().filter(|(_, a)| !a.is_zero()) {
            map.serialize_entry(&funder, &crate::money::canonical(amount).to_string())?;
        }
        map.end()
    }
}

/// A charge for the year before the benefit year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PriorYearCharge {
    /// The year charged.
    pub year: i32,
    /// The amount.
    #[serde(serialize_with = "serialize_money")]
    pub amount: Decimal,
}

/// One rule of a policy that took part in a decision, with its citation. Built once when the
/// policy is loaded and borrowed by every assessment that cites it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleNote {
    /// Where the rule sits in the policy file (`rule.newborn_within_90_days`, `tier.orphan`), or
    /// `refusal.<code>` for a refusal the evaluation made itself.
    pub rule: String,
    /// What the rule did, in a line.
    pub summary: String,
    /// The clause of the notice (or the external source).
    pub citation: String,
    /// Whether this step decided the benefit start or the refusal.
    #[serde(skip)]
    pub decides: bool,
}

/// One step of a decision: a [`RuleNote`] of the policy. Iterating a [`Trace`] yields
/// `&TraceStep`s.
pub type TraceStep = RuleNote;

/// The most steps a trace holds: coverage, payment time, start rule, charge, tier, start moved,
/// prior year.
pub const TRACE_CAPACITY: usize = 8;

/// The rules applied, in order, each a [`RuleNote`] of the policy.
///
/// A trace refers to the notes the policy built when it was loaded, by their place in the
/// policy's list of notes: building one copies no string, allocates nothing and counts no
/// reference; it borrows that list for `'p`. Iterate it (`for step in &a.trace`), index it
/// (`a.trace[0]`); it serializes as the list of its notes.
#[derive(Clone, Copy, Default)]
pub struct Trace<'p> {
    /// The policy's notes (empty only for an empty trace made by `Default`).
    notes: &'p [RuleNote],
    /// Positions in `notes`, in the order the rules were applied; the first `len` are used.
    steps: [u16; TRACE_CAPACITY],
    len: u8,
}

/// The position of a note in its policy's list of notes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NoteId(pub(crate) u16);

impl<'p> Trace<'p> {
    /// An empty trace over a policy's notes.
    pub(crate) fn new(notes: &'p [RuleNote]) -> Trace<'p> {
        Trace {
            notes,
            steps: [0; TRACE_CAPACITY],
            len: 0,
        }
    }

    /// Appends a step; a trace holds at most [`TRACE_CAPACITY`] steps, more than evaluation
    /// ever records.
    pub(crate) fn push(&mut self, note: NoteId) {
        if let Some(slot) = self.steps.get_mut(usize::from(self.len)) {
            *slot = note.0;
            self.len += 1;
        }
    }

    /// The positions recorded, in order.
    fn positions(&self) -> &[u16] {
        self.steps.get(..usize::from(self.len)).unwrap_or_default()
    }

    /// The number of steps.
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// Whether there are no steps.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The step at `index`, if any.
    pub fn get(&self, index: usize) -> Option<&'p RuleNote> {
        let step = *self.positions().get(index)?;
        self.notes.get(usize::from(step))
    }

    /// The steps, in order.
    pub fn iter(&self) -> TraceIter<'_, 'p> {
        TraceIter {
            notes: self.notes,
            steps: self.positions().iter(),
        }
    }
}

/// The steps of a [`Trace`], in order: notes borrowed from the policy for `'p`.
#[derive(Debug, Clone)]
pub struct TraceIter<'a, 'p> {
    notes: &'p [RuleNote],
    steps: std::slice::Iter<'a, u16>,
}

impl<'p> Iterator for TraceIter<'_, 'p> {
    type Item = &'p RuleNote;

    fn next(&mut self) -> Option<&'p RuleNote> {
        let step = *self.steps.next()?;
        self.notes.get(usize::from(step))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.steps.size_hint()
    }
}

impl DoubleEndedIterator for TraceIter<'_, '_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let step = *self.steps.next_back()?;
        self.notes.get(usize::from(step))
    }
}

impl ExactSizeIterator for TraceIter<'_, '_> {}

impl<'a, 'p> IntoIterator for &'a Trace<'p> {
    type Item = &'p RuleNote;
    type IntoIter = TraceIter<'a, 'p>;

    fn into_iter(self) -> TraceIter<'a, 'p> {
        self.iter()
    }
}

impl std::ops::Index<usize> for Trace<'_> {
    type Output = RuleNote;

    /// The step at `index`; panics past the end, like a slice.
    fn index(&self, index: usize) -> &RuleNote {
        match self.get(index) {
            Some(step) => step,
            None => panic!("trace step {index} out of range (len {})", self.len()),
        }
    }
}

impl PartialEq for Trace<'_> {
    /// Traces are equal when their steps are equal notes, whichever policy value holds them.
    fn eq(&self, other: &Trace<'_>) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Trace<'_> {}

impl fmt::Debug for Trace<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for Trace<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

pub(crate) fn serialize_money<S: Serializer>(
    amount: &Decimal,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&crate::money::canonical(*amount))
}
