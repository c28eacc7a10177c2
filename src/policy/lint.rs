//! The policy linter: every problem of a policy file at once, errors and warnings.
//!
//! Errors are what [`Policy::from_toml_str`](super::Policy::from_toml_str) refuses to load;
//! warnings point at rules that load but are probably not what the author meant: tiers whose
//! precedence decides which fund pays, a tier that can never apply, a rule shadowed by an earlier
//! one, a gap between the window and an extension, a window that runs past its settlement period.

use std::path::Path;

use chrono::{Datelike, Days};
use rust_decimal::Decimal;

use super::check;
use super::schema::{PolicySpec, StartRule, SubsidyTier, When};
use super::validate::Problem;
use crate::assessment::Subsidies;
use crate::category::CategoryKind;
pub use crate::error::{Diagnostic, Severity};

/// Lints policy text: every problem at once, errors first in file order, then warnings; `file`
/// only labels the findings. The text is parsed once for all of them.
pub fn lint(text: &str, file: Option<&Path>) -> Vec<Diagnostic> {
    let checked = check::check(text, file);
    let mut out = checked.problems.clone();
    if let Some(spec) = &checked.spec {
        out.extend(
            warnings(spec)
                .into_iter()
                .map(|p| checked.diagnostic(Severity::Warning, p)),
        );
    }
    out
}

/// The warnings of a spec that passed the format checks.
pub(crate) fn warnings(spec: &PolicySpec) -> Vec<Problem> {
    let mut out = Vec::new();
    tier_warnings(spec, &mut out);
    rule_warnings(spec, &mut out);
    calendar_warnings(spec, &mut out);
    waiting_warnings(spec, &mut out);
    unused_declarations(spec, &mut out);
    out
}

/// Local circumstances, funders and refusal codes a policy declares and nothing uses.
fn unused_declarations(spec: &PolicySpec, out: &mut Vec<Problem>) {
    let whens = spec.rules.iter().map(|r| &r.when).chain(
        spec.waiting_period
            .iter()
            .flat_map(|w| w.exempt.iter().map(|e| &e.when)),
    );
    let mut specials: Vec<&crate::resident::SpecialKind> =
        whens.flat_map(|w| w.special.iter().flatten()).collect();
    specials.extend(
        spec.extensions
            .iter()
            .filter_map(|e| e.who.as_ref())
            .flat_map(|w| w.special.iter()),
    );
    for (i, declared) in spec.specials.iter().enumerate() {
        let used = specials
            .iter()
            .any(|k| k.id() == declared.id || k.id() == declared.name.trim());
        if !used {
            out.push(problem(
                format!("special[{i}]"),
                format!(
                    "the special circumstance `{}` is named by no rule, exemption or extension: it changes nothing",
                    declared.id
                ),
                "a rule for it (`when = { special = [...] }`), or remove the declaration",
            ));
        }
    }
    for (i, declared) in spec.funders.iter().enumerate() {
        let used = spec
            .tiers
            .iter()
            .flat_map(|t| &t.parts)
            .any(|p| p.funder.id() == declared.id);
        if !used {
            out.push(problem(
                format!("funder[{i}]"),
                format!("the funder `{}` pays in no tier", declared.id),
                "a tier part `{ funder = \"...\", amount = ... }` it pays, or remove the declaration",
            ));
        }
    }
    for (i, declared) in spec.refusal_codes.iter().enumerate() {
        let used = spec
            .rules
            .iter()
            .filter_map(|r| r.refuse.as_ref())
            .any(|r| r.code.id() == declared.id);
        if !used {
            out.push(problem(
                format!("refusal_code[{i}]"),
                format!("the refusal code `{}` is given by no rule", declared.id),
                "a rule that refuses with it (`refuse = { code, message }`), or remove the declaration",
            ));
        }
    }
}

/// A waiting table that no rule applies, or parts of it that can never change a wait.
fn waiting_warnings(spec: &PolicySpec, out: &mut Vec<Problem>) {
    let Some(table) = &spec.waiting_period else {
        return;
    };
    if !spec.rules.iter().any(|r| r.waiting_period) {
        out.push(problem(
            "waiting_period".into(),
            "the `[waiting_period]` table is applied by no rule: nobody ever waits by it".into(),
            "`waiting_period = true` on the rules it is for (paid after the window; lapsed residents in it), or remove the table",
        ));
    }
    if let Some(floor) = &table.floor
        && floor.months <= table.fixed.months
    {
        out.push(problem(
            "waiting_period.floor.months".into(),
            format!(
                "the floor of {} months never raises a wait: the fixed part alone is {} months",
                floor.months, table.fixed.months
            ),
            "a floor above the fixed part (原则上不少于6个月 with a fixed 3), or no floor",
        ));
    }
    if let Some(repair) = &table.repair
        && table
            .variable
            .as_ref()
            .is_some_and(|v| v.months_per_year == 0)
    {
        out.push(problem(
            "waiting_period.repair".into(),
            format!(
                "repair removes {} month(s) per year from a variable part that adds none",
                repair.months_per_year
            ),
            "a variable part of at least one month per lapsed year, or no repair",
        ));
    }
}

fn problem(key_path: String, problem: String, expected: &str) -> Problem {
    Problem {
        key_path,
        problem,
        expected: expected.to_string(),
    }
}

/// What a tier pays in total and by fund, against the personal standard (an amount out of
/// `Decimal`'s range, which validation reports, counts as the most).
fn tier_total(spec: &PolicySpec, tier: &SubsidyTier) -> (Decimal, Option<Subsidies>) {
    // At grade 1 (一档): a tier that pays shares of the chosen grade's standard pays more at
    // higher grades, in the same proportion for every tier.
    let subsidies = tier.subsidies_at_grade(&spec.standards.grade_amounts(), 1);
    let total = subsidies
        .and_then(|s| s.checked_total())
        .unwrap_or(Decimal::MAX);
    (total, subsidies)
}

/// Who a tier can subsidize, as sets a covering test compares with one subset test each: the
/// categories it names, the disability grades it takes (none when it names no disability), the
/// categories it refuses, the student kinds and hukou it allows (all when unrestricted).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct TierShape {
    categories: Bits,
    /// A tier keyed on students, age or birth alone (no categories): it takes anyone of
    /// them, whatever they hold.
    any_category: bool,
    grades: u8,
    not_holding: Bits,
    students: u8,
    hukou: u8,
    born: Option<super::schema::BirthRange>,
    age: Option<super::schema::AgeRange>,
    natural_years_from_birth: Option<u32>,
}

impl TierShape {
    fn of<'a>(tier: &'a SubsidyTier, index: &mut CategoryIndex<'a>) -> TierShape {
        let grades = if tier.categories.contains(&CategoryKind::Disability) {
            tier.grades.as_ref().map_or(0b1111, |grades| {
                grades
                    .iter()
                    .filter(|g| (1..=4).contains(*g))
                    .fold(0, |mask, g| mask | 1 << (g - 1))
            })
        } else if tier.categories.is_empty() {
            // Keyed on students, age or birth alone: it takes a disabled resident of any grade.
            0b1111
        } else {
            0
        };
        TierShape {
            categories: index.bits(&tier.categories),
            any_category: tier.categories.is_empty(),
            grades,
            not_holding: index.bits(&tier.not_holding),
            students: mask_of(tier.students.as_deref(), &crate::Student::ALL),
            hukou: mask_of(
                tier.hukou.as_ref().map(std::slice::from_ref),
                &crate::Hukou::ALL,
            ),
            born: tier.born,
            age: tier.age,
            natural_years_from_birth: tier.natural_years_from_birth,
        }
    }

    /// Whether every resident a tier of shape `later` can subsidize, a tier of this shape can
    /// subsidize too.
    fn covers(&self, later: &TierShape) -> bool {
        (self.any_category || (!later.any_category && later.categories.within(&self.categories)))
            && later.grades & !self.grades == 0
            && self.not_holding.within(&later.not_holding)
            && later.students & !self.students == 0
            && later.hukou & !self.hukou == 0
            && same_or_open(self.born, later.born)
            && same_or_open(self.age, later.age)
            && same_or_open(
                self.natural_years_from_birth,
                later.natural_years_from_birth,
            )
    }
}

/// The values of a closed set a list allows, one bit each; all of them when there is no list.
fn mask_of<T: PartialEq>(list: Option<&[T]>, all: &[T]) -> u8 {
    all.iter()
        .enumerate()
        .filter(|(_, value)| list.is_none_or(|list| list.contains(value)))
        .fold(0, |mask, (i, _)| mask | 1 << i)
}

/// A set of categories, one bit per category in the order [`CategoryIndex`] first met them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
struct Bits(Vec<u64>);

impl Bits {
    fn insert(&mut self, bit: usize) {
        let word = bit / 64;
        if self.0.len() <= word {
            self.0.resize(word + 1, 0);
        }
        if let Some(w) = self.0.get_mut(word) {
            *w |= 1 << (bit % 64);
        }
    }

    /// Whether every member is also in `other`.
    fn within(&self, other: &Bits) -> bool {
        self.0
            .iter()
            .enumerate()
            .all(|(i, w)| w & !other.0.get(i).copied().unwrap_or(0) == 0)
    }
}

/// A number for each category the tiers name.
#[derive(Default)]
struct CategoryIndex<'a>(std::collections::HashMap<&'a CategoryKind, usize>);

impl<'a> CategoryIndex<'a> {
    fn bits(&mut self, kinds: &'a [CategoryKind]) -> Bits {
        let mut bits = Bits::default();
        for kind in kinds {
            let next = self.0.len();
            bits.insert(*self.0.entry(kind).or_insert(next));
        }
        bits
    }
}

/// The earlier tiers of one shape, each paying more than every one before it: the first tier
/// of the shape paying at least some amount is found by a binary search.
#[derive(Default)]
struct Record(Vec<(usize, Decimal)>);

impl Record {
    fn push(&mut self, tier: usize, total: Decimal) {
        if self.0.last().is_none_or(|(_, best)| total > *best) {
            self.0.push((tier, total));
        }
    }

    fn first_paying_at_least(&self, total: Decimal) -> Option<(usize, Decimal)> {
        let at = self.0.partition_point(|(_, paid)| *paid < total);
        self.0.get(at).copied()
    }
}

/// Tier warnings: a tier that pays nothing, one that excludes its own categories, one that an
/// earlier tier covers (one finding per dead tier, naming the first tier that covers it), and
/// two tiers that pay a category the same total from different funds (one finding per tier,
/// naming the first such earlier tier).
///
/// Cost: tiers of one shape are compared through their [`Record`], so copies of a tier cost
/// a binary search each; only distinct shapes are compared pairwise, with a subset test of a
/// few machine words per pair.
fn tier_warnings(spec: &PolicySpec, out: &mut Vec<Problem>) {
    let mut index = CategoryIndex::default();
    let mut shapes: Vec<TierShape> = Vec::new();
    let mut shape_of = Vec::with_capacity(spec.tiers.len());
    let mut known = std::collections::HashMap::new();
    for tier in &spec.tiers {
        let shape = TierShape::of(tier, &mut index);
        let id = *known.entry(shape.clone()).or_insert_with(|| {
            shapes.push(shape);
            shapes.len() - 1
        });
        shape_of.push(id);
    }
    // For each shape, the shapes that cover it (itself included).
    let coverers: Vec<Vec<usize>> = shapes
        .iter()
        .map(|later| {
            (0..shapes.len())
                .filter(|&e| shapes.get(e).is_some_and(|earlier| earlier.covers(later)))
                .collect()
        })
        .collect();
    let mut records: Vec<Record> = (0..shapes.len()).map(|_| Record::default()).collect();
    // Per category (a disability per grade) and total: the first tier paying it, and the first
    // one after it paying it from other funds.
    type Payers = (usize, Option<Subsidies>, Option<usize>);
    let mut paying: std::collections::HashMap<(&CategoryKind, u8, Decimal), Payers> =
        std::collections::HashMap::new();

    for (i, tier) in spec.tiers.iter().enumerate() {
        let (total, split) = tier_total(spec, tier);
        let shape = shape_of.get(i).copied().unwrap_or(0);
        if total.is_zero() {
            out.push(problem(
                format!("tier[{i}].parts"),
                format!("the tier `{}` pays nothing", tier.id),
                "parts that pay something, or no tier (declare the group as a `[[category]]`)",
            ));
        }
        if !tier.categories.is_empty()
            && tier.categories.iter().all(|k| tier.not_holding.contains(k))
        {
            out.push(problem(
                format!("tier[{i}].not_holding"),
                format!(
                    "the tier `{}` can never apply: it excludes every category it names",
                    tier.id
                ),
                "a `not_holding` list without the tier's own categories",
            ));
            continue;
        }
        let covering = coverers
            .get(shape)
            .into_iter()
            .flatten()
            .filter_map(|&s| records.get(s)?.first_paying_at_least(total))
            .min_by_key(|(tier, _)| *tier);
        if let Some((earlier, earlier_total)) = covering
            && let Some(earlier) = spec.tiers.get(earlier)
        {
            out.push(problem(
                format!("tier[{i}]"),
                format!(
                    "the tier `{}` can never apply: tier `{}` (listed earlier) subsidizes everyone it does with at least as much ({earlier_total} ≥ {total})",
                    tier.id, earlier.id
                ),
                "remove the tier, or narrow the earlier one",
            ));
        } else {
            // A disability counts grade by grade (grade 0 for any other category).
            let grades = shapes.get(shape).map_or(0, |s| s.grades);
            let mut keys: Vec<(&CategoryKind, u8)> = Vec::new();
            for kind in &tier.categories {
                if *kind == CategoryKind::Disability {
                    keys.extend(
                        (1..=4)
                            .filter(|g| grades & 1 << (g - 1) != 0)
                            .map(|g| (kind, g)),
                    );
                } else {
                    keys.push((kind, 0));
                }
            }
            let mut first: Option<(usize, &CategoryKind)> = None;
            for &(kind, grade) in &keys {
                if let Some((f, f_split, other)) = paying.get(&(kind, grade, total)) {
                    let rival = if *f_split != split { Some(*f) } else { *other };
                    if let Some(r) = rival
                        && first.is_none_or(|(best, _)| r < best)
                    {
                        first = Some((r, kind));
                    }
                }
            }
            if let Some((earlier, kind)) = first
                && let Some(earlier) = spec.tiers.get(earlier)
            {
                out.push(problem(
                    format!("tier[{i}]"),
                    format!(
                        "tiers `{}` and `{}` both subsidize `{kind}` with {total} yuan from different funds; `{}` wins only because it is listed first",
                        earlier.id, tier.id, earlier.id
                    ),
                    "order the tiers as the notice lists them, and say in a comment which fund pays for a resident in both",
                ));
            }
            for (kind, grade) in keys {
                let entry = paying
                    .entry((kind, grade, total))
                    .or_insert((i, split, None));
                if entry.2.is_none() && entry.1 != split {
                    entry.2 = Some(i);
                }
            }
        }
        if let Some(record) = records.get_mut(shape) {
            record.push(i, total);
        }
    }
}

/// `Some(later) ⊆ Some(earlier)`, where `None` means "no restriction".
fn subset_or_unrestricted<T: PartialEq>(later: &Option<Vec<T>>, earlier: &Option<Vec<T>>) -> bool {
    match (later, earlier) {
        (_, None) => true,
        (Some(l), Some(e)) => l.iter().all(|x| e.contains(x)),
        (None, Some(_)) => false,
    }
}

/// No condition in `earlier`, or the same one in `later`.
fn same_or_open<T: PartialEq>(earlier: Option<T>, later: Option<T>) -> bool {
    earlier.is_none() || earlier == later
}

/// Whether every resident `later` matches, `earlier` matches too (so `later` never decides).
fn covers_rule(earlier: &When, later: &When) -> bool {
    let paid = match (&earlier.paid, &later.paid) {
        (None, _) => true,
        (Some(e), Some(l)) => l.iter().all(|x| e.contains(x)),
        (Some(_), None) => false,
    };
    let special = match (&earlier.special, &later.special) {
        (None, _) => !earlier.without_special || later.without_special,
        (Some(e), Some(l)) => l.iter().all(|x| e.contains(x)),
        (Some(_), None) => false,
    };
    let holds = match (&earlier.holds_any, &later.holds_any) {
        (None, _) => true,
        (Some(e), Some(l)) => l.iter().all(|x| e.contains(x)),
        (Some(_), None) => false,
    };
    let born = match (&earlier.born, &later.born) {
        (None, _) => true,
        (Some(e), Some(l)) => {
            e.from.is_none_or(|ef| l.from.is_some_and(|lf| ef <= lf))
                && e.to.is_none_or(|et| l.to.is_some_and(|lt| lt <= et))
        }
        (Some(_), None) => false,
    };
    paid && born
        && subset_or_unrestricted(&later.enrollment, &earlier.enrollment)
        && same_or_open(earlier.residence_permit, later.residence_permit)
        && same_or_open(earlier.parent_insured, later.parent_insured)
        && same_or_open(earlier.new_entrant, later.new_entrant)
        && subset_or_unrestricted(&later.grades, &earlier.grades)
        && same_or_open(earlier.household_unit, later.household_unit)
        && same_or_open(earlier.hukou, later.hukou)
        && subset_or_unrestricted(&later.students, &earlier.students)
        && subset_or_unrestricted(&later.newborn, &earlier.newborn)
        && special
        && holds
        && same_or_open(earlier.special_within_days, later.special_within_days)
        && same_or_open(earlier.special_after_days, later.special_after_days)
        && same_or_open(earlier.special_within_months, later.special_within_months)
        && subset_or_unrestricted(&later.contribution_grade, &earlier.contribution_grade)
        && same_or_open(earlier.age, later.age)
        && same_or_open(
            earlier.natural_years_from_birth,
            later.natural_years_from_birth,
        )
}

fn rule_warnings(spec: &PolicySpec, out: &mut Vec<Problem>) {
    for (i, rule) in spec.rules.iter().enumerate() {
        let shadowing: Option<&StartRule> = spec
            .rules
            .iter()
            .take(i)
            .find(|earlier| covers_rule(&earlier.when, &rule.when));
        if let Some(earlier) = shadowing {
            out.push(problem(
                format!("rule[{i}]"),
                format!(
                    "the rule `{}` is shadowed by the earlier rule `{}`: every resident it matches is decided there first",
                    rule.id, earlier.id
                ),
                "put the more specific rule first, or narrow the earlier rule's `when`",
            ));
        }
    }
}

fn calendar_warnings(spec: &PolicySpec, out: &mut Vec<Problem>) {
    let last_day = |to| super::compile::last_day(spec.conventions.end_dates, to);
    let window_last = last_day(spec.window.to);
    let mut extensions: Vec<_> = spec
        .extensions
        .iter()
        .enumerate()
        .filter(|(_, e)| e.in_force)
        .collect();
    extensions.sort_by_key(|(_, e)| e.from);
    let mut previous_last = window_last;
    if spec.window.from > window_last {
        extensions.clear(); // an inverted window is an error already; gaps from it mean nothing
    }
    for (i, ext) in extensions {
        let expected = previous_last
            .checked_add_days(Days::new(1))
            .unwrap_or(previous_last);
        if ext.from > expected {
            out.push(problem(
                format!("extension[{i}].from"),
                format!(
                    "the extension `{}` begins on {}, leaving {} day(s) after {previous_last} in which nobody may pay",
                    ext.id,
                    ext.from,
                    (ext.from - expected).num_days()
                ),
                "an extension that begins the day after the window (or the previous extension) ends, unless the notice leaves a gap",
            ));
        }
        previous_last = previous_last.max(last_day(ext.to));
    }
    for (i, period) in spec.periods.iter().enumerate() {
        let period_last = last_day(period.to);
        if period_last < spec.window.from {
            out.push(problem(
                format!("period[{i}].to"),
                format!(
                    "the settlement period `{}` ends ({period_last}) before the window opens ({}): no benefit start can fall in it",
                    period.id, spec.window.from
                ),
                "a settlement period of the benefit year the window collects for",
            ));
        } else if window_last > period_last {
            out.push(problem(
                format!("period[{i}].to"),
                format!(
                    "the window runs to {window_last}, past the end of the settlement period `{}` ({period_last}): payments then have no benefit days",
                    period.id
                ),
                "a window that closes before the settlement period ends",
            ));
        }
        if period.from.year() != spec.policy.benefit_year && period.students.is_none() {
            out.push(problem(
                format!("period[{i}].from"),
                format!(
                    "the settlement period `{}` begins in {}, not in the benefit year {}",
                    period.id,
                    period.from.format("%Y"),
                    spec.policy.benefit_year
                ),
                "a period that begins in `policy.benefit_year`",
            ));
        }
    }
}
