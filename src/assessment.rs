//! The answer for one resident: what is owed, who pays the rest, and when benefits begin.

use std::borrow::Cow;
use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};

use crate::category::Funder;
use crate::names::LocalId;
pub use crate::policy::schema::Charge;

/// The outcome of [`evaluate`](crate::evaluate): enrolled with amounts and dates, or refused
/// with a reason. Serializes to the JSON of the `assess` contract (snake_case fields, money as
/// decimal strings, dates as `YYYY-MM-DD`, absent values as `null`).
///
/// An assessment borrows its strings (the policy id, the tier id, the refusal message, the
/// trace's notes) from the [`Policy`](crate::Policy) it was evaluated against, for `'p`:
/// making one copies no string and counts no reference.
///
/// ```
/// use chrono::NaiveDate;
/// use urrbmi::{evaluate, Charge, Policy, Resident};
///
/// let policy = Policy::builtin("hunan-2026")?;
/// let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
/// // Two years without cover, back in the window, one year repaired (urrbmi readings M2-M4):
/// // 3 fixed + 1 variable - 1 repaired = 3 months from 2026-01-01.
/// let resident = Resident::new(date(1985, 3, 1), date(2025, 11, 20)).lapsed(2).with_repair_years(1);
/// let a = evaluate(&policy, &resident)?;
/// assert_eq!(a.charged_standard, Some(Charge::Personal));
/// assert_eq!(a.waiting_months, Some(3));
/// assert_eq!(a.benefit_start, Some(date(2026, 4, 1)));
/// let repair = a.repair_charge.as_ref().unwrap();
/// assert_eq!((repair.years, repair.amount.to_string()), (1, "400".to_string()));
/// assert_eq!(a.total_due().to_string(), "800");   // 400 for 2026 + 400 for the repair year
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
    /// The standard that applies to this resident: the personal standard, the full funding
    /// standard (筹资标准) for late cases, or 0 when waived. Zero when refused.
    #[serde(serialize_with = "serialize_money")]
    pub charged: Decimal,
    /// Which standard `charged` is (absent when refused).
    pub charged_standard: Option<Charge>,
    /// What the resident pays for the benefit year: `charged` minus subsidies.
    #[serde(serialize_with = "serialize_money")]
    pub owed: Decimal,
    /// What each fund pays of the personal contribution: the subsidies of the tier that applied,
    /// borrowed from the policy like the tier's id (a refusal, or no tier: [`Subsidies::NONE`]).
    pub subsidies: &'p Subsidies,
    /// The subsidy tier that applied, if any.
    pub tier: Option<&'p str>,
    /// The first day of benefits.
    pub benefit_start: Option<NaiveDate>,
    /// The last day of benefits (end of the settlement period).
    pub benefit_end: Option<NaiveDate>,
    /// Months waited before benefits begin, when a waiting period in months applied (absent
    /// when none applied, the resident was exempt, or the wait is counted in days).
    pub waiting_months: Option<u32>,
    /// A charge for the year of birth that a newborn must also pay, on top of `owed`.
    pub prior_year_charge: Option<PriorYearCharge>,
    /// Extra years paid now to shorten the waiting period (缴费修复), on top of `owed`.
    pub repair_charge: Option<RepairCharge>,
    /// Yuan added to the 大病保险 ceiling by the continuity and claim-free incentives, where the
    /// policy defines them and `continuous_years` is known.
    #[serde(serialize_with = "serialize_money_option")]
    pub ceiling_raise: Option<Decimal>,
    /// The steps of the decision, in the order they were taken, each with its citation.
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

    /// What the resident pays in all: `owed`, plus any prior-year charge and repair charge.
    pub fn total_due(&self) -> Decimal {
        self.owed
            + self
                .prior_year_charge
                .as_ref()
                .map_or(Decimal::ZERO, |c| c.amount)
            + self
                .repair_charge
                .as_ref()
                .map_or(Decimal::ZERO, |c| c.amount)
    }

    /// The step of the trace that decided: the rule that enrolled or refused the resident, or
    /// the refusal the evaluation made itself. Every assessment has exactly one.
    pub fn deciding_step(&self) -> Option<TraceStep<'p>> {
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
        self.deciding_step().map(|step| step.citation)
    }

    /// Where the deciding step sits: `rule.<id>` for a `[[rule]]` of the policy (which enrolled
    /// or refused), `refusal.<code>` for a refusal the evaluation made itself (not covered,
    /// outside the window, no benefit in the period).
    pub fn deciding_rule(&self) -> Option<&'p str> {
        self.deciding_step().map(|step| step.rule)
    }
}

crate::names::named_enum! {
    /// Enrolled or refused.
    pub enum Status ("status") {
        /// The payment is accepted; benefits run from `benefit_start` to `benefit_end`.
        Enrolled => "enrolled", "参保";
        /// The payment is not accepted for this benefit year.
        Refused => "refused", "不予参保";
    }
}

/// Why a resident was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Refusal<'p> {
    /// A stable code to branch on.
    pub code: RefusalCode,
    /// A sentence that names the window or rule, with its citation (the policy's own text).
    pub message: &'p str,
}

crate::names::named_enum! {
    /// Refusal codes: the built-in ones, and those a policy declares (`[[refusal_code]]`).
    #[non_exhaustive]
    pub enum RefusalCode ("refusal code") open {
        /// Obliged to join employee insurance (职工医保应参保人员), so not covered by URRBMI.
        EmployeeInsuranceObligated => "employee_insurance_obligated", "职工医保应参保人员";
        /// Not among the people the notice covers (no local hukou, permit or student status).
        NotCovered => "not_covered", "不属于参保范围";
        /// Paid outside the collection window, and no special rule applies.
        OutsideWindow => "outside_window", "集中参保缴费期外";
        /// The newborn rule requires local hukou and the newborn has none.
        NotLocalNewborn => "not_local_newborn", "非本地户籍新生儿";
        /// Benefits would begin after the settlement period ends.
        NoBenefitInPeriod => "no_benefit_in_period", "结算年度内无待遇";
    }
}

/// What each fund pays: the built-in funders, and up to [`Subsidies::MAX_LOCAL_FUNDERS`] funders
/// a policy declares (`[[funder]]`, listed under their ids). Serialized as a map holding the
/// funders that pay something. `Copy`: a local funder's id is held inline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subsidies {
    amounts: [Decimal; 3],
    /// The local funders that pay, sorted by id, in the first `locals_len` slots; the other
    /// slots stay empty (so that equal subsidies compare equal).
    locals: [(LocalId, Decimal); Subsidies::MAX_LOCAL_FUNDERS],
    locals_len: u8,
}

impl Default for Subsidies {
    fn default() -> Self {
        Subsidies::NONE
    }
}

impl Subsidies {
    /// The most local funders a policy may declare (and so the most one [`Subsidies`] holds).
    pub const MAX_LOCAL_FUNDERS: usize = 4;

    /// No subsidy.
    pub const NONE: Subsidies = Subsidies {
        amounts: [Decimal::ZERO; 3],
        locals: [(LocalId::EMPTY, Decimal::ZERO); Subsidies::MAX_LOCAL_FUNDERS],
        locals_len: 0,
    };

    fn used_locals(&self) -> &[(LocalId, Decimal)] {
        self.locals
            .get(..usize::from(self.locals_len))
            .unwrap_or_default()
    }

    /// The slot of `funder`, made for a local funder not held yet; `None` when every local slot
    /// is taken by another funder.
    fn slot(&mut self, funder: Funder) -> Option<&mut Decimal> {
        let builtin = match funder {
            Funder::Fiscal => 0,
            Funder::MedicalAssistance => 1,
            Funder::EntitledGroupFund => 2,
            Funder::Local(id) => return self.local_slot(id),
        };
        self.amounts.get_mut(builtin)
    }

    /// The slot of a local funder, made if it is not held yet and a slot is free.
    fn local_slot(&mut self, id: LocalId) -> Option<&mut Decimal> {
        let used = usize::from(self.locals_len);
        let at = match self
            .used_locals()
            .binary_search_by(|(held, _)| held.cmp(&id))
        {
            Ok(at) => at,
            Err(at) => {
                if used >= Subsidies::MAX_LOCAL_FUNDERS {
                    return None;
                }
                // Keep the used slots sorted: move the later ones up by one.
                self.locals.get_mut(at..=used)?.rotate_right(1);
                *self.locals.get_mut(at)? = (id, Decimal::ZERO);
                self.locals_len += 1;
                at
            }
        };
        self.locals.get_mut(at).map(|(_, amount)| amount)
    }

    /// What `funder` pays.
    pub fn get(&self, funder: Funder) -> Decimal {
        let [fiscal, medical_assistance, entitled_group_fund] = self.amounts;
        match funder {
            Funder::Fiscal => fiscal,
            Funder::MedicalAssistance => medical_assistance,
            Funder::EntitledGroupFund => entitled_group_fund,
            Funder::Local(id) => self
                .used_locals()
                .iter()
                .find(|(held, _)| *held == id)
                .map_or(Decimal::ZERO, |(_, amount)| *amount),
        }
    }

    /// Adds `amount` to what `funder` pays.
    ///
    /// # Panics
    ///
    /// When the sum leaves `Decimal`'s range (amounts near 7.9e28 yuan), or `funder` is a local
    /// funder beyond the [`Subsidies::MAX_LOCAL_FUNDERS`] held already; see
    /// [`Subsidies::checked_add`].
    pub fn add(&mut self, funder: Funder, amount: Decimal) {
        #[allow(clippy::expect_used)]
        self.checked_add(funder, amount)
            .expect("a sum within Decimal's range, and room for the local funder");
    }

    /// Why [`Subsidies::checked_add`] refused `funder`: the message of a reader that did.
    pub fn no_room(funder: Funder) -> String {
        format!(
            "cannot add `{funder}`: at most {} local funders, and every amount within the decimal range",
            Subsidies::MAX_LOCAL_FUNDERS
        )
    }

    /// Adds `amount` to what `funder` pays; `None` (and no change) if the sum leaves
    /// `Decimal`'s range or `funder` is a local funder and every local slot is taken.
    pub fn checked_add(&mut self, funder: Funder, amount: Decimal) -> Option<()> {
        if amount.is_zero() && self.get(funder).is_zero() {
            // Nothing to add: a local funder paying nothing is not listed.
            return Some(());
        }
        let sum = self.get(funder).checked_add(amount)?;
        *self.slot(funder)? = sum;
        Some(())
    }

    /// The total of all funds, `None` if it leaves `Decimal`'s range.
    pub fn checked_total(&self) -> Option<Decimal> {
        self.amounts
            .iter()
            .chain(self.used_locals().iter().map(|(_, amount)| amount))
            .try_fold(Decimal::ZERO, |sum, a| sum.checked_add(*a))
    }

    /// The total of all funds.
    pub fn total(&self) -> Decimal {
        self.amounts.iter().copied().sum::<Decimal>()
            + self
                .used_locals()
                .iter()
                .map(|(_, amount)| *amount)
                .sum::<Decimal>()
    }

    /// Each built-in funder with what it pays, zero included, in [`Funder::ALL`] order, then
    /// each local funder that pays, by id.
    pub fn iter(&self) -> impl Iterator<Item = (Funder, Decimal)> + '_ {
        Funder::ALL.into_iter().map(|f| (f, self.get(f))).chain(
            self.used_locals()
                .iter()
                .map(|(id, amount)| (Funder::Local(*id), *amount)),
        )
    }

    /// Whether no fund pays anything.
    pub fn is_empty(&self) -> bool {
        self.amounts.iter().all(Decimal::is_zero)
            && self.used_locals().iter().all(|(_, a)| a.is_zero())
    }
}

impl<'de> Deserialize<'de> for Subsidies {
    /// A map of funder ids to amounts (`{"medical_assistance": "140"}`); funders left out pay 0.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Amount(#[serde(deserialize_with = "crate::money::deserialize")] Decimal);
        let map = std::collections::BTreeMap::<Funder, Amount>::deserialize(deserializer)?;
        let mut subsidies = Subsidies::NONE;
        for (funder, Amount(amount)) in map {
            subsidies
                .checked_add(funder, amount)
                .ok_or_else(|| serde::de::Error::custom(Subsidies::no_room(funder)))?;
        }
        Ok(subsidies)
    }
}

impl Serialize for Subsidies {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let paying = self.iter().filter(|(_, a)| !a.is_zero()).count();
        let mut map = serializer.serialize_map(Some(paying))?;
        for (funder, amount) in self.iter().filter(|(_, a)| !a.is_zero()) {
            map.serialize_entry(&funder, &crate::money::canonical(amount).to_string())?;
        }
        map.end()
    }
}

/// A charge for the year before the benefit year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriorYearCharge {
    /// The year charged.
    pub year: i32,
    /// The amount.
    #[serde(
        serialize_with = "serialize_money",
        deserialize_with = "crate::money::deserialize"
    )]
    pub amount: Decimal,
}

/// The repair charge (缴费修复): `years` × the price the policy sets (the personal standard),
/// not subsidized, due on top of `owed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepairCharge {
    /// Years repaired.
    pub years: u32,
    /// What they cost.
    #[serde(
        serialize_with = "serialize_money",
        deserialize_with = "crate::money::deserialize"
    )]
    pub amount: Decimal,
}

/// One note of a policy: a rule, table or refusal that a decision may cite, with its
/// citation. Built once when the policy is loaded and borrowed by every assessment that cites
/// it (see [`TraceStep`]).
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
    /// Which facts of the resident a step of this note shows beside its summary.
    #[serde(skip)]
    pub(crate) kind: StepKind,
}

/// Which facts of a decision a note's step shows beside the note's own summary, with what the
/// policy says that the facts need (a price, a step).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum StepKind {
    /// The summary alone.
    #[default]
    Plain,
    /// The waiting-period arithmetic ([`Waiting`]).
    Waiting,
    /// The repair charge and what it removed (the price of a year is in the facts: it depends
    /// on the resident's grade).
    Repair,
    /// The incentive arithmetic: `step` per year counted, `claim_free` for a claim-free year,
    /// capped at `cap` (`None`: not known).
    Incentive {
        step: Decimal,
        claim_free: Decimal,
        cap: Option<Decimal>,
    },
    /// The start a rule set before the settlement period.
    StartMoved,
    /// A start worked out from the payment or a recognition, with its arithmetic.
    Start(StartShown),
}

/// How a rule's start was worked out, for its trace step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StartShown {
    /// The day after the payment (缴费次日).
    DayAfterPayment,
    /// The first of the payment month (缴费当月).
    PaymentMonth,
    /// The first of the month of recognition (身份认定当月).
    RecognitionMonth,
}

/// The arithmetic of a waiting period in months, as the trace shows it (counts in months or
/// years; validation keeps them far below `u16::MAX`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Waiting {
    /// The fixed part, or the rule's own months.
    pub fixed: u16,
    /// The variable part before repair.
    pub variable: u16,
    /// Lapsed years (0 for a resident who did not lapse).
    pub lapsed_years: u16,
    /// Months the repair removed from the variable part.
    pub repaired: u16,
    /// The floor that raised the total (0: it did not).
    pub floor: u16,
    /// The total.
    pub months: u16,
    /// The wait runs from this day...
    pub from: NaiveDate,
    /// ...to this one, counted as the policy's conventions say; `None` past the calendar.
    pub until: Option<NaiveDate>,
    /// What `from` is: the payment, the settlement period's first day (a payment in the window,
    /// M2), or the rule's start.
    pub origin: WaitOrigin,
    /// Whether the months are the rule's own `plus_months` (not the policy's table).
    pub rule_months: bool,
}

/// What a waiting period in months is counted from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WaitOrigin {
    /// The payment date.
    Payment,
    /// The settlement period's first day (a payment in the window, urrbmi reading M2).
    PeriodStart,
    /// The rule's own start (`waiting_from = "rule_start"`).
    RuleStart,
}

/// The facts of one decision that its trace's steps show (what the resident's numbers made of
/// the policy's rules); amounts are worked out from them and the step's [`StepKind`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct StepFacts {
    pub waiting: Option<Waiting>,
    /// Repair years, the months they removed, and the price of a year in fen.
    pub repair: (u16, u16, i64),
    /// The day a rule's start was counted from (the payment, the recognition), and the start.
    pub start: Option<(NaiveDate, NaiveDate)>,
    /// Continuous years, years counted for the step, and whether a claim-free step applied.
    pub raise: (u16, u16, bool),
    /// The start the rule set, before it was moved to the period's first day.
    pub moved_from: Option<NaiveDate>,
}

/// One step of a decision: a note of the policy, with what this resident's numbers made of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceStep<'p> {
    /// Where the rule sits in the policy file (`rule.window`, `tier.orphan`, `waiting_period`),
    /// or `refusal.<code>` for a refusal the evaluation made itself.
    pub rule: &'p str,
    /// What the step did, in a line (with the resident's numbers where the step has some, such
    /// as the months of a waiting period).
    pub summary: Cow<'p, str>,
    /// The clause of the notice (or the external source).
    pub citation: &'p str,
    /// Whether this step decided the benefit start or the refusal.
    pub decides: bool,
}

impl Serialize for TraceStep<'_> {
    /// `{"rule", "summary", "citation"}`, and `"decides": true` on the deciding step.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(3 + usize::from(self.decides)))?;
        map.serialize_entry("rule", self.rule)?;
        map.serialize_entry("summary", &self.summary)?;
        map.serialize_entry("citation", self.citation)?;
        if self.decides {
            map.serialize_entry("decides", &true)?;
        }
        map.end()
    }
}

fn step<'p>(note: &'p RuleNote, facts: &StepFacts) -> TraceStep<'p> {
    let summary = match note.kind {
        StepKind::Plain => None,
        StepKind::Waiting => facts.waiting.map(|w| {
            let mut text = if w.rule_months {
                format!("{}: {} months", note.summary, w.months)
            } else {
                let mut parts = format!("{}: {} fixed", note.summary, w.fixed);
                if w.lapsed_years > 0 {
                    parts.push_str(&format!(
                        " + {} variable ({} year(s) without cover)",
                        w.variable, w.lapsed_years
                    ));
                }
                if w.repaired > 0 {
                    parts.push_str(&format!(" - {} repaired", w.repaired));
                }
                if w.floor > 0 {
                    parts.push_str(&format!(", at least {} after a long break", w.floor));
                }
                parts.push_str(&format!(" = {} months", w.months));
                parts
            };
            let from = match w.origin {
                WaitOrigin::PeriodStart => {
                    "the settlement period's first day, as paid in the window"
                }
                WaitOrigin::Payment => "the payment date",
                WaitOrigin::RuleStart => "the day the rule's benefits count from",
            };
            text.push_str(&format!(", counted from {} ({from})", w.from));
            match w.until {
                Some(until) => text.push_str(&format!(": benefits not before {until}")),
                None => text.push_str(": it ends past the calendar"),
            }
            text
        }),
        StepKind::Repair => {
            let (years, removed, per_year_fen) = facts.repair;
            let per_year = Decimal::new(per_year_fen, 2);
            Some(format!(
                "{}: {years} year(s) × {} = {} yuan, removing {removed} month(s) of the wait",
                note.summary,
                crate::money::canonical(per_year),
                crate::money::canonical(per_year * Decimal::from(years)),
            ))
        }
        StepKind::Start(how) => facts.start.map(|(from, start)| {
            let arithmetic = match how {
                StartShown::DayAfterPayment => {
                    format!("the day after the payment on {from}")
                }
                StartShown::PaymentMonth => {
                    format!("the first day of the month of the payment on {from}")
                }
                StartShown::RecognitionMonth if from == NaiveDate::MIN => {
                    "recognized long ago (no recognized_on): counted as before the settlement period".to_string()
                }
                StartShown::RecognitionMonth => {
                    format!("the first day of the month of the recognition on {from}")
                }
            };
            format!(
                "{}: the rule's start is {start}, {arithmetic}",
                note.summary
            )
        }),
        StepKind::Incentive {
            step,
            claim_free,
            cap,
        } => {
            let (continuous_years, counted, claim) = facts.raise;
            let uncapped =
                step * Decimal::from(counted) + if claim { claim_free } else { Decimal::ZERO };
            let mut text = format!(
                "{}: {continuous_years} continuous year(s), {counted} counted",
                note.summary
            );
            if claim {
                text.push_str(", and a claim-free year");
            }
            match cap {
                Some(cap) if uncapped > cap => text.push_str(&format!(
                    ": {} yuan, capped at {}",
                    crate::money::canonical(uncapped),
                    crate::money::canonical(cap)
                )),
                Some(_) => text.push_str(&format!(": {} yuan", crate::money::canonical(uncapped))),
                None => text.push_str(&format!(
                    ": {} yuan (shown uncapped: the cap is not known)",
                    crate::money::canonical(uncapped)
                )),
            }
            Some(text)
        }
        StepKind::StartMoved => facts
            .moved_from
            .map(|from| format!("{} (the rule's start was {from})", note.summary)),
    };
    TraceStep {
        rule: &note.rule,
        summary: summary.map_or(Cow::Borrowed(note.summary.as_str()), Cow::Owned),
        citation: &note.citation,
        decides: note.decides,
    }
}

/// The most steps a trace holds: coverage, payment time, start rule, charge, tier, waiting
/// period, repair, start moved, prior year, incentive, and room to spare.
pub const TRACE_CAPACITY: usize = 12;

/// The steps of a decision, in order, each a [`RuleNote`] of the policy with what this
/// resident's numbers made of it.
///
/// A trace refers to the notes the policy built when it was loaded, by their place in the
/// policy's list of notes, and keeps the few numbers its steps show (a waiting period's
/// months, a repair, a ceiling raise): building one copies no string, allocates nothing and
/// counts no reference; it borrows that list for `'p`. Iterate it (`for step in &a.trace`),
/// or take a step with [`Trace::get`]; it serializes as the list of its steps.
#[derive(Clone, Copy, Default)]
pub struct Trace<'p> {
    /// The policy's notes (empty only for an empty trace made by `Default`).
    notes: &'p [RuleNote],
    /// Positions in `notes`, in the order the steps were taken; the first `len` are used.
    steps: [u16; TRACE_CAPACITY],
    len: u8,
    facts: StepFacts,
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
            facts: StepFacts::default(),
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

    /// The numbers the steps show.
    pub(crate) fn facts_mut(&mut self) -> &mut StepFacts {
        &mut self.facts
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
    pub fn get(&self, index: usize) -> Option<TraceStep<'p>> {
        let position = *self.positions().get(index)?;
        let note = self.notes.get(usize::from(position))?;
        Some(step(note, &self.facts))
    }

    /// The steps, in order.
    pub fn iter(&self) -> TraceIter<'_, 'p> {
        TraceIter {
            trace: self,
            steps: self.positions().iter(),
        }
    }
}

/// The steps of a [`Trace`], in order.
#[derive(Debug, Clone)]
pub struct TraceIter<'a, 'p> {
    trace: &'a Trace<'p>,
    steps: std::slice::Iter<'a, u16>,
}

impl<'p> Iterator for TraceIter<'_, 'p> {
    type Item = TraceStep<'p>;

    fn next(&mut self) -> Option<TraceStep<'p>> {
        let position = *self.steps.next()?;
        let note = self.trace.notes.get(usize::from(position))?;
        Some(step(note, &self.trace.facts))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.steps.size_hint()
    }
}

impl DoubleEndedIterator for TraceIter<'_, '_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let position = *self.steps.next_back()?;
        let note = self.trace.notes.get(usize::from(position))?;
        Some(step(note, &self.trace.facts))
    }
}

impl ExactSizeIterator for TraceIter<'_, '_> {}

impl<'a, 'p> IntoIterator for &'a Trace<'p> {
    type Item = TraceStep<'p>;
    type IntoIter = TraceIter<'a, 'p>;

    fn into_iter(self) -> TraceIter<'a, 'p> {
        self.iter()
    }
}

impl PartialEq for Trace<'_> {
    /// Traces are equal when their steps are equal, whichever policy value holds the notes.
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

pub(crate) fn serialize_money_option<S: Serializer>(
    amount: &Option<Decimal>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match amount {
        Some(amount) => serializer.collect_str(&crate::money::canonical(*amount)),
        None => serializer.serialize_none(),
    }
}

pub(crate) fn deserialize_money_option<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Decimal>, D::Error> {
    crate::money::deserialize_nullable(deserializer)
}

/// An [`Assessment`] that owns its strings and its trace: `Send + 'static`, kept anywhere, sent
/// across threads, and read back from the JSON an [`Assessment`] writes (the `assess` contract).
///
/// ```
/// use chrono::NaiveDate;
/// use urrbmi::{evaluate, OwnedAssessment, Policy, Resident};
///
/// let policy = Policy::builtin("ziyang-2021")?;
/// let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
/// let a = evaluate(&policy, &Resident::new(date(1980, 1, 1), date(2020, 10, 1)))?;
/// let owned: OwnedAssessment = a.into_owned();
/// let handle = std::thread::spawn(move || owned.deciding_rule().map(str::to_string));
/// assert_eq!(handle.join().unwrap().as_deref(), Some("rule.window"));
///
/// // The JSON of an assessment reads back as an owned one.
/// let json = serde_json::to_string(&a)?;
/// let back: OwnedAssessment = serde_json::from_str(&json)?;
/// assert_eq!(back, a.into_owned());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OwnedAssessment {
    /// The policy id.
    pub policy: String,
    /// Enrolled or refused.
    pub status: Status,
    /// Why the resident was refused (only when refused).
    pub refusal: Option<OwnedRefusal>,
    /// The policy's personal contribution standard.
    #[serde(
        serialize_with = "serialize_money",
        deserialize_with = "crate::money::deserialize"
    )]
    pub personal_standard: Decimal,
    /// The standard that applies (see [`Assessment::charged`]).
    #[serde(
        serialize_with = "serialize_money",
        deserialize_with = "crate::money::deserialize"
    )]
    pub charged: Decimal,
    /// Which standard `charged` is.
    pub charged_standard: Option<Charge>,
    /// What the resident pays for the benefit year.
    #[serde(
        serialize_with = "serialize_money",
        deserialize_with = "crate::money::deserialize"
    )]
    pub owed: Decimal,
    /// What each fund pays.
    pub subsidies: Subsidies,
    /// The subsidy tier that applied, if any.
    pub tier: Option<String>,
    /// The first day of benefits.
    pub benefit_start: Option<NaiveDate>,
    /// The last day of benefits.
    pub benefit_end: Option<NaiveDate>,
    /// Months waited, when a wait in months applied.
    pub waiting_months: Option<u32>,
    /// A charge for the year of birth.
    pub prior_year_charge: Option<PriorYearCharge>,
    /// The repair charge.
    pub repair_charge: Option<RepairCharge>,
    /// Yuan added to the 大病保险 ceiling.
    #[serde(
        serialize_with = "serialize_money_option",
        deserialize_with = "deserialize_money_option"
    )]
    pub ceiling_raise: Option<Decimal>,
    /// The steps of the decision.
    pub trace: Vec<OwnedStep>,
}

/// An owned [`Refusal`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnedRefusal {
    /// The refusal code.
    pub code: RefusalCode,
    /// The message, with its citation.
    pub message: String,
}

/// An owned [`TraceStep`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnedStep {
    /// Where the rule sits in the policy file.
    pub rule: String,
    /// What the step did.
    pub summary: String,
    /// The clause.
    pub citation: String,
    /// Whether this step decided.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub decides: bool,
}

impl OwnedAssessment {
    /// Whether the resident is enrolled.
    pub fn is_enrolled(&self) -> bool {
        self.status == Status::Enrolled
    }

    /// What the resident pays in all: `owed`, plus any prior-year charge and repair charge.
    pub fn total_due(&self) -> Decimal {
        self.owed
            + self
                .prior_year_charge
                .as_ref()
                .map_or(Decimal::ZERO, |c| c.amount)
            + self
                .repair_charge
                .as_ref()
                .map_or(Decimal::ZERO, |c| c.amount)
    }

    /// The deciding step (see [`Assessment::deciding_step`]).
    pub fn deciding_step(&self) -> Option<&OwnedStep> {
        self.trace.iter().find(|s| s.decides)
    }

    /// Where the deciding step sits (see [`Assessment::deciding_rule`]).
    pub fn deciding_rule(&self) -> Option<&str> {
        self.deciding_step().map(|s| s.rule.as_str())
    }

    /// The deciding step's citation (see [`Assessment::deciding_clause`]).
    pub fn deciding_clause(&self) -> Option<&str> {
        self.deciding_step().map(|s| s.citation.as_str())
    }
}

impl Assessment<'_> {
    /// The same assessment, owning its strings and trace (see [`OwnedAssessment`]).
    pub fn into_owned(&self) -> OwnedAssessment {
        OwnedAssessment::from(self)
    }
}

impl From<&Assessment<'_>> for OwnedAssessment {
    fn from(a: &Assessment<'_>) -> OwnedAssessment {
        OwnedAssessment {
            policy: a.policy.to_string(),
            status: a.status,
            refusal: a.refusal.as_ref().map(|r| OwnedRefusal {
                code: r.code,
                message: r.message.to_string(),
            }),
            personal_standard: a.personal_standard,
            charged: a.charged,
            charged_standard: a.charged_standard,
            owed: a.owed,
            subsidies: *a.subsidies,
            tier: a.tier.map(str::to_string),
            benefit_start: a.benefit_start,
            benefit_end: a.benefit_end,
            waiting_months: a.waiting_months,
            prior_year_charge: a.prior_year_charge.clone(),
            repair_charge: a.repair_charge.clone(),
            ceiling_raise: a.ceiling_raise,
            trace: a
                .trace
                .iter()
                .map(|s| OwnedStep {
                    rule: s.rule.to_string(),
                    summary: s.summary.into_owned(),
                    citation: s.citation.to_string(),
                    decides: s.decides,
                })
                .collect(),
        }
    }
}

const _: () = {
    const fn sendable<T: Send + Sync + 'static>() {}
    sendable::<OwnedAssessment>();
};
