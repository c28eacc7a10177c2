//! What a batch adds up to: [`Totals`] for a set of residents, and the [`Summary`] of a
//! batch with its breakdowns, which merges exactly and prints as a report.

use std::collections::BTreeMap;
use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use urrbmi::money::format_yuan;
use urrbmi::policy::Policy;
use urrbmi::{Funder, RefusalCode, Subsidies};

use crate::table::{Align, Table};

/// Counts and amounts for a set of residents: the whole batch, one tier, one category or one
/// group.
///
/// `charged`, `owed`, `prior_year`, `repair` and `subsidies` add up over **enrolled** residents only (a
/// refused resident pays nothing and receives nothing). `charged = owed + subsidies` holds for
/// every `Totals`, as it holds for every assessment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Residents counted: `enrolled + refused + errors`.
    pub residents: u64,
    /// Residents enrolled.
    pub enrolled: u64,
    /// Residents refused.
    pub refused: u64,
    /// Residents whose data could not be evaluated ([`EvalError`](urrbmi::EvalError)).
    pub errors: u64,
    /// The standards charged (personal or full funding standard).
    #[serde(with = "rust_decimal::serde::str")]
    pub charged: Decimal,
    /// What residents owe for the benefit year.
    #[serde(with = "rust_decimal::serde::str")]
    pub owed: Decimal,
    /// What newborns owe for their year of birth, on top of `owed`.
    #[serde(with = "rust_decimal::serde::str")]
    pub prior_year: Decimal,
    /// What lapsed residents pay to repair their waiting period (缴费修复), on top of `owed`.
    #[serde(with = "rust_decimal::serde::str", default)]
    pub repair: Decimal,
    /// What each fund pays.
    #[serde(with = "funder_amounts")]
    pub subsidies: Subsidies,
}

impl Totals {
    /// Adds `other` into `self`.
    ///
    /// # Errors
    ///
    /// [`SummaryError::OutOfRange`] when a sum leaves the range of its type or the two name
    /// more local funders than a total holds (totals not made by this crate: read from JSON);
    /// `self` is left as it was.
    pub fn merge(&mut self, other: &Totals) -> Result<(), SummaryError> {
        let out_of_range = |what: &str| SummaryError::OutOfRange {
            what: what.to_string(),
        };
        let count = |a: u64, b: u64, what| a.checked_add(b).ok_or_else(|| out_of_range(what));
        let money =
            |a: Decimal, b: Decimal, what| a.checked_add(b).ok_or_else(|| out_of_range(what));
        let mut subsidies = self.subsidies;
        for (funder, amount) in other.subsidies.iter() {
            subsidies
                .checked_add(funder, amount)
                .ok_or_else(|| out_of_range(&Subsidies::no_room(funder)))?;
        }
        *self = Totals {
            residents: count(self.residents, other.residents, "residents")?,
            enrolled: count(self.enrolled, other.enrolled, "enrolled")?,
            refused: count(self.refused, other.refused, "refused")?,
            errors: count(self.errors, other.errors, "errors")?,
            charged: money(self.charged, other.charged, "charged")?,
            owed: money(self.owed, other.owed, "owed")?,
            prior_year: money(self.prior_year, other.prior_year, "prior_year")?,
            repair: money(self.repair, other.repair, "repair")?,
            subsidies,
        };
        Ok(())
    }

    /// What `funder` pays.
    pub fn subsidy(&self, funder: Funder) -> Decimal {
        self.subsidies.get(funder)
    }

    /// What residents pay in all: `owed + prior_year + repair`.
    pub fn total_due(&self) -> Decimal {
        self.owed + self.prior_year + self.repair
    }
}

/// Enrolled residents whose benefits begin in one month: see [`Summary::benefit_starts`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartMonth {
    /// Enrolled residents whose first day of benefits falls in the month.
    pub residents: u64,
    /// What they owe for the benefit year (as [`Totals::owed`]: without the prior-year and
    /// repair charges).
    #[serde(with = "rust_decimal::serde::str")]
    pub owed: Decimal,
}

impl StartMonth {
    /// Adds `other` into `self`.
    pub fn merge(&mut self, other: &StartMonth) {
        self.residents += other.residents;
        self.owed += other.owed;
    }
}

/// The summary of a batch: see the [module docs](super).
///
/// Keys are names, not positions, so summaries made by different processes (or machines) from
/// the same policy merge by name. Serializes to JSON with money as decimal strings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// The policy id; empty for an empty summary (the identity of [`Summary::merge`]).
    pub policy: String,
    /// Whether the summary counts the totals only ([`Batch::totals_only`](super::Batch::totals_only)):
    /// then `totals`, `refusals` and `benefit_starts` are filled and the rows by tier,
    /// category and group are empty.
    #[serde(default)]
    pub totals_only: bool,
    /// All residents.
    pub totals: Totals,
    /// Refused residents by refusal code: how many, and nothing else (a refused resident is
    /// charged nothing, so what they would have been charged is not counted).
    pub refusals: BTreeMap<RefusalCode, u64>,
    /// Enrolled residents by the month their benefits begin, keyed `YYYY-MM` (`2021-01`), with
    /// what they owe. The months add up to the enrolled: the sum of `residents` is
    /// `totals.enrolled` and the sum of `owed` is `totals.owed`. Months no resident starts in
    /// are left out.
    #[serde(default)]
    pub benefit_starts: BTreeMap<String, StartMonth>,
    /// Enrolled residents by the subsidy tier that applied (tier id).
    pub by_tier: BTreeMap<String, Totals>,
    /// Enrolled residents to whom no tier applied.
    pub untiered: Totals,
    /// Residents by identity category held (category id). A resident holding two categories is
    /// counted under both, so these rows overlap and do not add up to `totals`.
    pub by_category: BTreeMap<String, Totals>,
    /// Residents holding no category.
    pub no_category: Totals,
    /// Residents by the grouping key the caller gave (empty when no grouping was given).
    pub by_group: BTreeMap<String, Totals>,
}

/// Two summaries that cannot be added.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SummaryError {
    /// The summaries come from different policies.
    #[error(
        "cannot merge a summary of policy `{right}` into one of policy `{left}`; merge summaries of the same policy"
    )]
    DifferentPolicies {
        /// The policy of the summary merged into.
        left: String,
        /// The policy of the summary merged.
        right: String,
    },
    /// One summary counts the totals only and the other has every breakdown: their sum would
    /// have rows for part of the residents.
    #[error(
        "cannot merge a totals-only summary with a full one; summarize both parts the same way (both with or both without `totals_only`)"
    )]
    DifferentDetail,
    /// A sum that leaves the range of its type, or more local funders than a total holds: only
    /// summaries not made by this crate (read from JSON) get here.
    #[error("cannot merge the summaries: {what}")]
    OutOfRange {
        /// What could not be added.
        what: String,
    },
}

impl Summary {
    /// Adds `other` into `self`. Exact: merging the summaries of the parts of a batch gives the
    /// summary of the whole batch, whatever the split and the order. The empty summary
    /// ([`Summary::default`]) merges with any.
    ///
    /// # Errors
    ///
    /// [`SummaryError::DifferentPolicies`] for summaries of two policies and
    /// [`SummaryError::DifferentDetail`] for a totals-only summary and a full one; `self` is
    /// left as it was. [`SummaryError::OutOfRange`] for a sum out of range or too many local
    /// funders (summaries not made by this crate); then `self` may be partly merged.
    pub fn merge(&mut self, other: &Summary) -> Result<(), SummaryError> {
        if !self.policy.is_empty() && !other.policy.is_empty() && self.policy != other.policy {
            return Err(SummaryError::DifferentPolicies {
                left: self.policy.clone(),
                right: other.policy.clone(),
            });
        }
        if !self.policy.is_empty()
            && !other.policy.is_empty()
            && self.totals_only != other.totals_only
        {
            return Err(SummaryError::DifferentDetail);
        }
        if self.policy.is_empty() {
            self.policy.clone_from(&other.policy);
            self.totals_only = other.totals_only;
        }
        self.totals.merge(&other.totals)?;
        for (code, count) in &other.refusals {
            *self.refusals.entry(*code).or_default() += count;
        }
        for (month, starts) in &other.benefit_starts {
            self.benefit_starts
                .entry(month.clone())
                .or_default()
                .merge(starts);
        }
        merge_map(&mut self.by_tier, &other.by_tier)?;
        self.untiered.merge(&other.untiered)?;
        merge_map(&mut self.by_category, &other.by_category)?;
        self.no_category.merge(&other.no_category)?;
        merge_map(&mut self.by_group, &other.by_group)
    }

    /// The number of residents refused with `code`.
    pub fn refused_with(&self, code: RefusalCode) -> u64 {
        self.refusals.get(&code).copied().unwrap_or(0)
    }

    /// A plain-text report: totals, refusals, funders, benefit starts by month, tiers,
    /// categories and groups.
    ///
    /// Tiers and categories are listed in the policy's order when `policy` is given, else by id;
    /// groups by name (see [`Summary::report_in_order`]).
    pub fn report(&self, policy: Option<&Policy>) -> String {
        self.report_in_order(policy, &[])
    }

    /// [`Summary::report`] with the groups in `group_order` (a notice's order of townships,
    /// such as a scenario's `[[township]]` list): a group named in it comes at its place, a
    /// group of several keys (`沙头镇 / 东村`) at the place of its first key, sorted by name
    /// within it; groups not named come after, by name.
    pub fn report_in_order(&self, policy: Option<&Policy>, group_order: &[String]) -> String {
        let mut out = String::new();
        let t = &self.totals;
        let policy_name = policy.map_or_else(
            || self.policy.clone(),
            |p| format!("{} ({})", p.id(), p.region()),
        );
        out.push_str(&format!("policy               {policy_name}\n"));
        out.push_str(&format!(
            "residents            {}   enrolled {}   refused {}   errors {}\n",
            t.residents, t.enrolled, t.refused, t.errors
        ));
        if !self.refusals.is_empty() {
            let list: Vec<String> = self
                .refusals
                .iter()
                .map(|(code, n)| format!("{code} {n}"))
                .collect();
            out.push_str(&format!("refusals             {}\n", list.join(", ")));
        }
        let amounts: Vec<(String, Decimal)> = [
            ("charged".to_string(), t.charged),
            ("owed".to_string(), t.owed),
            ("prior_year".to_string(), t.prior_year),
            ("repair".to_string(), t.repair),
        ]
        .into_iter()
        // Each built-in funder, then each funder the policy declares that paid something.
        .chain(
            t.subsidies
                .iter()
                .map(|(f, amount)| (f.id().to_string(), amount)),
        )
        .collect();
        let width = amounts
            .iter()
            .map(|(_, a)| format_yuan(*a).len())
            .max()
            .unwrap_or(0);
        for (label, amount) in amounts {
            out.push_str(&format!("{label:<20} {:>width$}\n", format_yuan(amount)));
        }

        if !self.benefit_starts.is_empty() {
            let mut table = Table::new([
                ("benefits from", Align::Left),
                ("residents", Align::Right),
                ("owed", Align::Right),
            ]);
            for (month, starts) in &self.benefit_starts {
                table.row([
                    month.clone(),
                    starts.residents.to_string(),
                    format_yuan(starts.owed),
                ]);
            }
            out.push('\n');
            table.render(&mut out);
        }
        if self.totals_only {
            return out;
        }

        let with_errors = t.errors > 0;
        let tier_order: Vec<String> = match policy {
            Some(p) => p.spec().tiers.iter().map(|t| t.id.clone()).collect(),
            None => self.by_tier.keys().cloned().collect(),
        };
        let mut tier_rows: Vec<(String, &Totals)> = tier_order
            .iter()
            .filter_map(|id| self.by_tier.get(id).map(|t| (id.clone(), t)))
            .collect();
        tier_rows.extend(
            self.by_tier
                .iter()
                .filter(|(id, _)| !tier_order.contains(id))
                .map(|(id, t)| (id.clone(), t)),
        );
        tier_rows.push(("(no tier)".into(), &self.untiered));
        out.push('\n');
        out.push_str(&breakdown("tier", &tier_rows, with_errors));

        let mut cat_rows: Vec<(String, &Totals)> = self
            .by_category
            .iter()
            .map(|(id, t)| (id.clone(), t))
            .collect();
        cat_rows.push(("(none)".into(), &self.no_category));
        out.push('\n');
        out.push_str(&breakdown("category (overlapping)", &cat_rows, with_errors));

        if !self.by_group.is_empty() {
            let place: std::collections::HashMap<&str, usize> = group_order
                .iter()
                .enumerate()
                .rev()
                .map(|(i, name)| (name.trim(), i))
                .collect();
            let place_of = |group: &str| {
                place.get(group).copied().or_else(|| {
                    let first = group.split(" / ").next().unwrap_or(group);
                    place.get(first).copied()
                })
            };
            // Stable: within a place (and after the named ones) the groups stay by name.
            let mut rows: Vec<(Option<usize>, String, &Totals)> = self
                .by_group
                .iter()
                .map(|(id, t)| (place_of(id), id.clone(), t))
                .collect();
            rows.sort_by_key(|(at, _, _)| at.unwrap_or(usize::MAX));
            let rows: Vec<(String, &Totals)> = rows.into_iter().map(|(_, id, t)| (id, t)).collect();
            out.push('\n');
            out.push_str(&breakdown("group", &rows, with_errors));
        }
        out
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.report(None))
    }
}

/// A breakdown (tiers, categories, groups) as a table: the rows with residents, and what each
/// row's residents pay and each fund pays for them.
fn breakdown(heading: &str, rows: &[(String, &Totals)], with_errors: bool) -> String {
    let mut columns = vec![
        (heading, Align::Left),
        ("enrolled", Align::Right),
        ("refused", Align::Right),
    ];
    if with_errors {
        columns.push(("errors", Align::Right));
    }
    columns.extend([
        ("residents pay", Align::Right),
        ("fiscal", Align::Right),
        ("med. assist.", Align::Right),
        ("entitled fund", Align::Right),
    ]);
    // A column for each funder a policy declares (村集体) that paid in some row, by id.
    let mut locals: Vec<Funder> = rows
        .iter()
        .flat_map(|(_, t)| t.subsidies.iter())
        .filter(|(f, amount)| !Funder::ALL.contains(f) && !amount.is_zero())
        .map(|(f, _)| f)
        .collect();
    locals.sort_unstable();
    locals.dedup();
    columns.extend(locals.iter().map(|f| (f.id(), Align::Right)));
    let mut table = Table::new(columns);
    for (name, t) in rows.iter().filter(|(_, t)| t.residents > 0) {
        let mut cells = vec![name.clone(), t.enrolled.to_string(), t.refused.to_string()];
        if with_errors {
            cells.push(t.errors.to_string());
        }
        cells.extend([
            format_yuan(t.total_due()),
            format_yuan(t.subsidy(Funder::Fiscal)),
            format_yuan(t.subsidy(Funder::MedicalAssistance)),
            format_yuan(t.subsidy(Funder::EntitledGroupFund)),
        ]);
        cells.extend(locals.iter().map(|f| format_yuan(t.subsidy(*f))));
        table.row(cells);
    }
    table.to_string()
}

fn merge_map(
    into: &mut BTreeMap<String, Totals>,
    from: &BTreeMap<String, Totals>,
) -> Result<(), SummaryError> {
    for (key, totals) in from {
        match into.get_mut(key) {
            Some(existing) => existing.merge(totals)?,
            None => {
                into.insert(key.clone(), totals.clone());
            }
        }
    }
    Ok(())
}

/// Serializes [`Subsidies`] as a map of every funder to a decimal string, and reads it back.
mod funder_amounts {
    use std::collections::BTreeMap;

    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use urrbmi::Funder;
    use urrbmi::Subsidies;

    pub fn serialize<S: Serializer>(subsidies: &Subsidies, s: S) -> Result<S::Ok, S::Error> {
        let map: BTreeMap<Funder, String> = subsidies
            .iter()
            .map(|(funder, amount)| (funder, amount.to_string()))
            .collect();
        map.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Subsidies, D::Error> {
        let map = BTreeMap::<Funder, String>::deserialize(d)?;
        let mut subsidies = Subsidies::NONE;
        for (funder, text) in map {
            let amount: Decimal = text.trim().parse().map_err(|_| {
                serde::de::Error::custom(format_args!(
                    "`{text}` is not an amount for `{funder}`; expected a decimal string such as \"140\""
                ))
            })?;
            subsidies
                .checked_add(funder, amount)
                .ok_or_else(|| serde::de::Error::custom(Subsidies::no_room(funder)))?;
        }
        Ok(subsidies)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_groups_thousands_and_keeps_two_decimals() {
        assert_eq!(format_yuan(Decimal::new(98_000_000, 0)), "98,000,000.00");
        assert_eq!(format_yuan(Decimal::new(9367, 2)), "93.67");
        assert_eq!(format_yuan(Decimal::new(-1234567, 1)), "-123,456.70");
        assert_eq!(format_yuan(Decimal::ZERO), "0.00");
    }
}
