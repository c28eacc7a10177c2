//! The compact per-resident answer of a batch: [`Record`].

use chrono::NaiveDate;
use rust_decimal::Decimal;

use urrbmi::policy::Policy;
use urrbmi::{Assessment, EvalError, Funder, RefusalCode, Subsidies};

use crate::money::from_fen;

/// The number of amounts a record keeps: charged, owed, prior year, repair, one per built-in
/// funder, one per funder a policy may declare, the ceiling raise.
const AMOUNTS: usize = 5 + Funder::ALL.len() + Subsidies::MAX_LOCAL_FUNDERS;
/// Where each amount sits in [`Record::fen`].
const CHARGED: usize = 0;
pub(super) const OWED: usize = 1;
const PRIOR_YEAR: usize = 2;
const REPAIR: usize = 3;
const FUNDERS: usize = 4;
/// The first of the policy's own funders (`[[funder]]`, in its order).
const LOCAL_FUNDERS: usize = FUNDERS + Funder::ALL.len();
const CEILING_RAISE: usize = LOCAL_FUNDERS + Subsidies::MAX_LOCAL_FUNDERS;
/// The amounts a summary adds up (all but the ceiling raise), in this order.
pub(super) const SUMMED: usize = CEILING_RAISE;

/// "No tier", "no rule", "no waiting period" in the 16-bit fields.
const NONE: u16 = u16::MAX;

/// Flags of a record.
const HAS_CEILING_RAISE: u8 = 1;
const LOSSY: u8 = 2;

/// How a resident came out: enrolled, refused (with the code), or not evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordStatus {
    /// Enrolled: the amounts and dates of the record apply.
    Enrolled,
    /// Refused, with the refusal code; the amounts are zero.
    Refused(RefusalCode),
    /// The resident's data could not be evaluated ([`EvalError`]); re-evaluate the resident
    /// to see why ([`Batch::assess`](super::Batch::assess)).
    Error,
}

/// One resident's answer in a batch, in 88 bytes (its amounts in 48 of them): what an [`Assessment`] says about money,
/// tier, rule and dates, without its trace and strings.
///
/// Amounts are held in whole fen (0.01 yuan) in 32 bits each, up to ±21,474,836.47 yuan (a
/// standard is at most a million yuan), and returned as [`Decimal`] yuan or, by the `_fen`
/// methods, as fen. The tier and the deciding rule are positions in the policy
/// (`[[tier]]` and `[[rule]]` order), named by [`Record::tier`] and [`Record::rule`].
///
/// A record is made from an assessment ([`Record::of`]); the full assessment, with its trace
/// and citations, comes back by evaluating the same resident again
/// ([`Batch::assess`](super::Batch::assess)), which gives the same answer every time.
///
/// A record is exact ([`Record::is_exact`]) unless an amount is not a whole number of fen or
/// lies beyond ±21 million yuan, a wait exceeds 65,534 months, the assessment is refused
/// without a refusal (then it reads as refused outside the window), or a funder pays that the
/// record's policy does not declare (an assessment made under another policy: no slot holds
/// it). A validated policy's standards and subsidies never do the first (only a repair or an
/// uncapped ceiling raise for an absurd number of years could); should one occur the record
/// keeps the amount rounded to the fen and saturated, while the summary of the batch, made from
/// the assessments, stays exact. A funder with no slot is counted by no record or summary of
/// this policy: summarize such assessments under their own policy.
///
/// ```
/// use chrono::NaiveDate;
/// use urrbmi::{Funder, Policy, Resident};
/// use urrbmi_analysis::batch::{Batch, RecordStatus};
///
/// let policy = Policy::builtin("ziyang-2021")?;
/// let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
/// let residents = vec![
///     Resident::new(date(1970, 3, 1), date(2020, 10, 15))
///         .with_category(urrbmi::CategoryKind::SubsistenceAllowance),
///     Resident::new(date(1990, 1, 1), date(2021, 6, 1)), // too late: refused
/// ];
/// let batch = Batch::new(&policy);
/// let mut records = Vec::new();
/// let summary = batch.records_into(&residents, &mut records)?;
/// assert_eq!(summary.totals.enrolled, 1);
///
/// let r = &records[0];
/// assert_eq!(r.status(), RecordStatus::Enrolled);
/// assert_eq!(r.owed_fen(), 14_000);
/// assert_eq!(r.subsidy(&policy, Funder::MedicalAssistance).to_string(), "140");
/// assert_eq!(r.tier(&policy), Some("subsistence_allowance"));
/// assert_eq!(r.benefit_start(), Some(date(2021, 1, 1)));
/// assert!(records[1].is_refused());
///
/// // The full assessment of one resident, trace and citations included, by evaluating again.
/// let full = batch.assess(&residents[0])?;
/// assert_eq!(full.owed, r.owed());
/// assert_eq!(full.deciding_rule(), r.deciding_rule(&policy).as_deref());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record {
    /// Charged, owed, prior year, repair, each funder in [`Funder::ALL`] order, each funder
    /// the policy declares in its order, ceiling raise.
    fen: [i32; AMOUNTS],
    benefit_start: Option<NaiveDate>,
    benefit_end: Option<NaiveDate>,
    waiting_months: u16,
    tier: u16,
    rule: u16,
    status: RecordStatus,
    flags: u8,
}

impl Default for Record {
    /// The record of a resident not evaluated (an [`RecordStatus::Error`] with nothing else).
    fn default() -> Self {
        Record {
            fen: [0; AMOUNTS],
            benefit_start: None,
            benefit_end: None,
            waiting_months: NONE,
            tier: NONE,
            rule: NONE,
            status: RecordStatus::Error,
            flags: 0,
        }
    }
}

impl Record {
    /// The record of one evaluation against `policy` (the deciding rule is looked up in
    /// `policy`; the tier too, by [`Policy::tier_index`]).
    pub fn of(policy: &Policy, result: &Result<Assessment<'_>, EvalError>) -> Record {
        Recorder::new(policy).record(result)
    }

    /// Enrolled, refused (with the code) or not evaluated.
    pub fn status(&self) -> RecordStatus {
        self.status
    }

    /// Whether the resident is enrolled.
    pub fn is_enrolled(&self) -> bool {
        self.status == RecordStatus::Enrolled
    }

    /// Whether the resident was refused.
    pub fn is_refused(&self) -> bool {
        matches!(self.status, RecordStatus::Refused(_))
    }

    /// Why the resident was refused, if they were.
    pub fn refusal(&self) -> Option<RefusalCode> {
        match self.status {
            RecordStatus::Refused(code) => Some(code),
            _ => None,
        }
    }

    /// Whether every amount and count of the record is exact (see the type's docs).
    pub fn is_exact(&self) -> bool {
        self.flags & LOSSY == 0
    }

    /// The position of the tier that applied in the policy's `[[tier]]` list.
    pub fn tier_index(&self) -> Option<usize> {
        (self.tier != NONE).then_some(usize::from(self.tier))
    }

    /// The id of the tier that applied, as `policy` (the policy of the batch) names it.
    pub fn tier<'p>(&self, policy: &'p Policy) -> Option<&'p str> {
        let tier = policy.spec().tiers.get(self.tier_index()?)?;
        Some(tier.id.as_str())
    }

    /// The position in the policy's `[[rule]]` list of the rule that decided (enrolled or
    /// refused); `None` for a refusal the evaluation made itself (not covered, outside the
    /// window, no benefit in the period: see [`Record::refusal`]) and for an error.
    pub fn rule_index(&self) -> Option<usize> {
        (self.rule != NONE).then_some(usize::from(self.rule))
    }

    /// The id of the rule that decided, as written in `policy` (`window`), if a `[[rule]]`
    /// decided.
    pub fn rule<'p>(&self, policy: &'p Policy) -> Option<&'p str> {
        let rule = policy.spec().rules.get(self.rule_index()?)?;
        Some(rule.id.as_str())
    }

    /// Where the deciding step sits, as [`Assessment::deciding_rule`] names it: `rule.<id>`
    /// for a `[[rule]]`, `refusal.<code>` for a refusal the evaluation made itself; `None`
    /// for an error.
    pub fn deciding_rule(&self, policy: &Policy) -> Option<String> {
        match (self.rule(policy), self.status) {
            (Some(id), _) => Some(format!("rule.{id}")),
            (None, RecordStatus::Refused(code)) => Some(format!("refusal.{code}")),
            (None, _) => None,
        }
    }

    /// The standard charged, in fen (0 when refused).
    pub fn charged_fen(&self) -> i64 {
        self.amount_fen(CHARGED)
    }

    /// What the resident owes for the benefit year, in fen.
    pub fn owed_fen(&self) -> i64 {
        self.amount_fen(OWED)
    }

    /// What a newborn owes for the year of birth, on top of `owed`, in fen.
    pub fn prior_year_fen(&self) -> i64 {
        self.amount_fen(PRIOR_YEAR)
    }

    /// What the resident pays to repair a waiting period (缴费修复), on top of `owed`, in fen.
    pub fn repair_fen(&self) -> i64 {
        self.amount_fen(REPAIR)
    }

    /// What `funder` pays, in fen; `policy` (the policy of the batch) says where a funder it
    /// declares itself (`[[funder]]`) is kept.
    pub fn subsidy_fen(&self, policy: &Policy, funder: Funder) -> i64 {
        funder_slot(policy, funder).map_or(0, |slot| self.amount_fen(slot))
    }

    /// What the resident pays in all (`owed + prior_year + repair`), in fen.
    pub fn total_due_fen(&self) -> i64 {
        self.owed_fen()
            .saturating_add(self.prior_year_fen())
            .saturating_add(self.repair_fen())
    }

    /// The yuan added to the 大病保险 ceiling, in fen, where the policy defines an incentive.
    pub fn ceiling_raise_fen(&self) -> Option<i64> {
        (self.flags & HAS_CEILING_RAISE != 0).then(|| self.amount_fen(CEILING_RAISE))
    }

    /// The standard charged, in yuan.
    pub fn charged(&self) -> Decimal {
        yuan_of(self.charged_fen())
    }

    /// What the resident owes for the benefit year, in yuan.
    pub fn owed(&self) -> Decimal {
        yuan_of(self.owed_fen())
    }

    /// What a newborn owes for the year of birth, in yuan.
    pub fn prior_year(&self) -> Decimal {
        yuan_of(self.prior_year_fen())
    }

    /// What the resident pays to repair a waiting period, in yuan.
    pub fn repair(&self) -> Decimal {
        yuan_of(self.repair_fen())
    }

    /// What `funder` pays, in yuan (see [`Record::subsidy_fen`]).
    pub fn subsidy(&self, policy: &Policy, funder: Funder) -> Decimal {
        yuan_of(self.subsidy_fen(policy, funder))
    }

    /// What each fund pays, the funders `policy` declares named by their ids.
    pub fn subsidies(&self, policy: &Policy) -> Subsidies {
        let mut subsidies = Subsidies::NONE;
        for funder in funders_of(policy) {
            let fen = self.subsidy_fen(policy, funder);
            if fen != 0 {
                subsidies.add(funder, yuan_of(fen));
            }
        }
        subsidies
    }

    /// What the resident pays in all, in yuan.
    pub fn total_due(&self) -> Decimal {
        yuan_of(self.total_due_fen())
    }

    /// The yuan added to the 大病保险 ceiling, where the policy defines an incentive.
    pub fn ceiling_raise(&self) -> Option<Decimal> {
        self.ceiling_raise_fen().map(yuan_of)
    }

    /// The first day of benefits.
    pub fn benefit_start(&self) -> Option<NaiveDate> {
        self.benefit_start
    }

    /// The last day of benefits.
    pub fn benefit_end(&self) -> Option<NaiveDate> {
        self.benefit_end
    }

    /// Months waited before benefits begin, when a waiting period in months applied.
    pub fn waiting_months(&self) -> Option<u32> {
        (self.waiting_months != NONE).then_some(u32::from(self.waiting_months))
    }

    fn amount_fen(&self, slot: usize) -> i64 {
        self.fen.get(slot).copied().map_or(0, i64::from)
    }

    /// The amounts a summary adds up, in fen: charged, owed, prior year, repair, each funder.
    pub(super) fn summed_fen(&self) -> &[i32] {
        self.fen.get(..SUMMED).unwrap_or_default()
    }
}

/// Every funder of `policy` in the order of a record's amounts: the built-in funders, then
/// those it declares (`[[funder]]`).
pub(super) fn funders_of(policy: &Policy) -> impl Iterator<Item = Funder> + '_ {
    Funder::ALL.into_iter().chain(
        policy
            .spec()
            .funders
            .iter()
            .filter_map(|f| urrbmi::LocalId::new(&f.id).map(Funder::Local))
            .take(Subsidies::MAX_LOCAL_FUNDERS),
    )
}

/// Where `funder`'s amount sits among a record's amounts (and a summary's): a built-in funder
/// by its place in [`Funder::ALL`], a funder `policy` declares by its place in the policy's
/// `[[funder]]` list (at most [`Subsidies::MAX_LOCAL_FUNDERS`], which validation enforces).
pub(super) fn funder_slot(policy: &Policy, funder: Funder) -> Option<usize> {
    if let Funder::Local(id) = funder {
        let at = policy
            .spec()
            .funders
            .iter()
            .position(|f| f.id == id.as_str())?;
        (at < Subsidies::MAX_LOCAL_FUNDERS).then_some(LOCAL_FUNDERS + at)
    } else {
        let at = Funder::ALL.iter().position(|f| *f == funder)?;
        Some(FUNDERS + at)
    }
}

/// Places each subsidy of `a` at its slot among `amounts` (through `fen`): the built-in
/// funders by position, a local one (rare) by looking up the policy's declaration. Returns
/// whether every funder that pays found its slot (not so for an assessment made under another
/// policy, with funders `policy` does not declare).
#[inline(always)]
pub(super) fn place_subsidies<T>(
    policy: &Policy,
    a: &Assessment<'_>,
    amounts: &mut [T],
    mut fen: impl FnMut(Decimal) -> T,
) -> bool {
    let mut placed = true;
    for (funder, amount) in a.subsidies.iter() {
        if amount.is_zero() {
            continue;
        }
        match funder_slot(policy, funder).and_then(|s| amounts.get_mut(s)) {
            Some(slot) => *slot = fen(amount),
            None => placed = false,
        }
    }
    placed
}

/// Fen as yuan.
fn yuan_of(fen: i64) -> Decimal {
    from_fen(i128::from(fen))
}

/// An amount as a whole number of fen, if it is one and fits.
#[inline(always)]
fn to_fen(amount: Decimal) -> Option<i64> {
    let u = amount.unpack();
    // The common case: at most two decimals and a mantissa of 32 bits (42 million yuan).
    if u.hi == 0 && u.mid == 0 && u.scale <= 2 {
        let fen = i64::from(u.lo)
            * match u.scale {
                0 => 100,
                1 => 10,
                _ => 1,
            };
        return Some(if u.negative { -fen } else { fen });
    }
    to_fen_wide(amount)
}

/// [`to_fen`] for a mantissa beyond 32 bits or more than two decimals (`1.500`).
#[cold]
fn to_fen_wide(amount: Decimal) -> Option<i64> {
    let normal = amount.normalize();
    let mantissa = normal.mantissa();
    let fen = match normal.scale() {
        0 => mantissa.checked_mul(100)?,
        1 => mantissa.checked_mul(10)?,
        2 => mantissa,
        _ => return None,
    };
    i64::try_from(fen).ok()
}

/// An amount in fen by the common case of [`to_fen`] alone, without branches: `wide` is set
/// when the amount is not of that case (and the result is then meaningless).
#[inline(always)]
fn fen_or_wide(amount: Decimal, wide: &mut bool) -> i32 {
    let u = amount.unpack();
    let multiplier: i64 = match u.scale {
        0 => 100,
        1 => 10,
        2 => 1,
        _ => 0,
    };
    let fen = i64::from(u.lo) * multiplier;
    *wide |= (u.hi | u.mid) != 0 || multiplier == 0 || fen > i64::from(i32::MAX);
    let fen = fen as i32;
    if u.negative { -fen } else { fen }
}

/// An amount in fen for a record, or [`lossy_fen`] with the record marked lossy.
fn fen_of(amount: Decimal, flags: &mut u8) -> i32 {
    match to_fen(amount).and_then(|fen| i32::try_from(fen).ok()) {
        Some(fen) => fen,
        None => {
            *flags |= LOSSY;
            lossy_fen(amount)
        }
    }
}

/// An amount that is not a whole number of fen or does not fit: rounded to the fen, saturated.
#[cold]
fn lossy_fen(amount: Decimal) -> i32 {
    use rust_decimal::prelude::ToPrimitive;
    urrbmi::money::round_to_fen(amount)
        .checked_mul(Decimal::ONE_HUNDRED)
        .and_then(|fen| fen.to_i32())
        .unwrap_or(if amount.is_sign_negative() {
            i32::MIN
        } else {
            i32::MAX
        })
}

/// The amounts of an enrolled assessment in the order of [`Record::fen`], each through
/// [`fen_or_wide`].
#[inline(always)]
fn amounts_or_wide(policy: &Policy, a: &Assessment<'_>, wide: &mut bool) -> [i32; AMOUNTS] {
    let mut fen = [0; AMOUNTS];
    if a.tier.is_some() || !a.subsidies.is_empty() {
        // A funder without a slot: the exact path marks the record lossy.
        *wide |= !place_subsidies(policy, a, &mut fen, |amount| fen_or_wide(amount, wide));
    }
    let [charged, owed, prior_year, repair, .., raise] = &mut fen;
    *charged = fen_or_wide(a.charged, wide);
    *owed = fen_or_wide(a.owed, wide);
    if let Some(prior) = &a.prior_year_charge {
        *prior_year = fen_or_wide(prior.amount, wide);
    }
    if let Some(charge) = &a.repair_charge {
        *repair = fen_or_wide(charge.amount, wide);
    }
    if let Some(amount) = a.ceiling_raise {
        *raise = fen_or_wide(amount, wide);
    }
    fen
}

/// The amounts of an enrolled assessment when one is not of the common case: each exact if it
/// can be, else rounded and saturated with the record marked lossy.
#[cold]
fn amounts_exact(policy: &Policy, a: &Assessment<'_>, flags: &mut u8) -> [i32; AMOUNTS] {
    let mut fen = [0; AMOUNTS];
    if !place_subsidies(policy, a, &mut fen, |amount| fen_of(amount, flags)) {
        *flags |= LOSSY;
    }
    let [charged, owed, prior_year, repair, .., raise] = &mut fen;
    *charged = fen_of(a.charged, flags);
    *owed = fen_of(a.owed, flags);
    if let Some(prior) = &a.prior_year_charge {
        *prior_year = fen_of(prior.amount, flags);
    }
    if let Some(charge) = &a.repair_charge {
        *repair = fen_of(charge.amount, flags);
    }
    if let Some(amount) = a.ceiling_raise {
        *raise = fen_of(amount, flags);
    }
    fen
}

/// The record of `result` without the deciding rule: what a summary needs.
pub(super) fn amounts_of(policy: &Policy, result: &Result<Assessment<'_>, EvalError>) -> Record {
    let mut record = Record::default();
    fill_amounts(policy, result, &mut record);
    record
}

/// Fills `out` with the record of `result`, all but the deciding rule (left as none).
#[inline(always)]
fn fill_amounts(policy: &Policy, result: &Result<Assessment<'_>, EvalError>, out: &mut Record) {
    let Ok(a) = result else {
        *out = Record::default();
        return;
    };
    let mut flags = 0;
    out.benefit_start = a.benefit_start;
    out.benefit_end = a.benefit_end;
    out.waiting_months = match a.waiting_months {
        None => NONE,
        Some(m) => match u16::try_from(m) {
            Ok(m) if m < NONE => m,
            _ => {
                flags |= LOSSY;
                NONE - 1
            }
        },
    };
    out.rule = NONE;
    if a.is_enrolled() {
        let mut wide = false;
        out.fen = amounts_or_wide(policy, a, &mut wide);
        if wide {
            out.fen = amounts_exact(policy, a, &mut flags);
        }
        if a.ceiling_raise.is_some() {
            flags |= HAS_CEILING_RAISE;
        }
        out.tier = match a.tier {
            None => NONE,
            Some(id) => policy
                .tier_index(id)
                .and_then(|i| u16::try_from(i).ok())
                .unwrap_or(NONE),
        };
        out.status = RecordStatus::Enrolled;
    } else {
        out.fen = [0; AMOUNTS];
        out.tier = NONE;
        out.status = RecordStatus::Refused(match &a.refusal {
            Some(refusal) => refusal.code,
            None => {
                // A refused assessment without a refusal is not one `evaluate` makes.
                flags |= LOSSY;
                RefusalCode::OutsideWindow
            }
        });
    }
    out.flags = flags;
}

/// Makes records for the policy of a batch, remembering where the deciding rules of its
/// assessments sit. A deciding rule is known by the address of a string the assessment
/// borrows from the policy (the refusal's message for a refusal, the deciding step's name
/// otherwise), so it is looked up by its text only the first time.
pub(super) struct Recorder<'p> {
    policy: &'p Policy,
    /// Direct-mapped: an address, and the rule position it stands for.
    rules: [(usize, u16); 128],
}

impl<'p> Recorder<'p> {
    pub(super) fn new(policy: &'p Policy) -> Self {
        Recorder {
            policy,
            rules: [(0, NONE); 128],
        }
    }

    /// The record of `result` (an evaluation against this recorder's policy), with the
    /// deciding rule.
    pub(super) fn record(&mut self, result: &Result<Assessment<'_>, EvalError>) -> Record {
        let mut record = Record::default();
        self.fill(result, &mut record);
        record
    }

    /// Fills `out` with the record of `result` (an evaluation against this recorder's
    /// policy), with the deciding rule.
    #[inline(always)]
    pub(super) fn fill(&mut self, result: &Result<Assessment<'_>, EvalError>, out: &mut Record) {
        fill_amounts(self.policy, result, out);
        if let Ok(a) = result {
            out.rule = self.rule_of(a);
        }
    }

    /// The position of the rule that decided `a`, or [`NONE`].
    #[inline]
    fn rule_of(&mut self, a: &Assessment<'_>) -> u16 {
        if let Some(refusal) = &a.refusal {
            // A refusal's message is the policy's own text for the rule or the check that
            // refused: it stands for the deciding rule.
            let address = refusal.message.as_ptr() as usize;
            return self.cached(address, |policy| deciding_rule(policy, a));
        }
        // The step that decides an enrolment comes after the coverage and payment steps;
        // look further only if it is not there.
        match a.trace.get(2).filter(|step| step.decides) {
            Some(step) => {
                let name = step.rule;
                self.cached(name.as_ptr() as usize, |policy| rule_named(policy, name))
            }
            None => deciding_rule(self.policy, a),
        }
    }

    #[inline]
    fn cached(&mut self, address: usize, find: impl FnOnce(&Policy) -> u16) -> u16 {
        // Fibonacci hashing: the addresses of a policy's strings differ in their middle bits.
        let hash = (address as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 57;
        let slot = usize::try_from(hash).unwrap_or(0) % self.rules.len();
        if let Some(&(known, rule)) = self.rules.get(slot)
            && known == address
        {
            return rule;
        }
        let rule = find(self.policy);
        if let Some(entry) = self.rules.get_mut(slot) {
            *entry = (address, rule);
        }
        rule
    }
}

/// The position of the rule that decided `a`, from its trace.
#[cold]
fn deciding_rule(policy: &Policy, a: &Assessment<'_>) -> u16 {
    a.deciding_step()
        .map_or(NONE, |step| rule_named(policy, step.rule))
}

/// The position of the rule a deciding step names (`rule.<id>`), or [`NONE`].
#[cold]
fn rule_named(policy: &Policy, name: &str) -> u16 {
    name.strip_prefix("rule.")
        .and_then(|id| policy.spec().rules.iter().position(|r| r.id == id))
        .and_then(|i| u16::try_from(i).ok())
        .filter(|i| *i != NONE)
        .unwrap_or(NONE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_is_eighty_eight_bytes() {
        assert_eq!(std::mem::size_of::<Record>(), 88);
    }

    #[test]
    fn amounts_in_fen_whatever_the_scale() {
        assert_eq!(to_fen(Decimal::new(140, 0)), Some(14_000));
        assert_eq!(to_fen(Decimal::new(9367, 2)), Some(9_367));
        assert_eq!(to_fen(Decimal::new(-15, 1)), Some(-150));
        assert_eq!(to_fen(Decimal::new(1500, 3)), Some(150));
        assert_eq!(to_fen(Decimal::new(1505, 3)), None);
        assert_eq!(to_fen(Decimal::MAX), None);
        assert_eq!(to_fen(Decimal::new(i64::MAX, 2)), Some(i64::MAX));
        assert_eq!(to_fen(Decimal::new(i64::MIN + 1, 2)), Some(i64::MIN + 1));
        assert_eq!(lossy_fen(Decimal::new(1505, 3)), 151);
        assert_eq!(lossy_fen(Decimal::MAX), i32::MAX);
        let mut wide = false;
        assert_eq!(fen_or_wide(Decimal::new(-28_050, 2), &mut wide), -28_050);
        assert_eq!(
            fen_or_wide(Decimal::new(214_748_364, 1), &mut wide),
            i32::MAX - 7
        );
        assert!(!wide);
        fen_or_wide(Decimal::new(214_748_365, 1), &mut wide);
        assert!(wide, "beyond 32 bits");
    }
}
