//! What changed between two policies, and why one resident's answer differs between them.
//!
//! [`diff`] sets two policies side by side, section by section: standards, coverage, windows
//! and extensions, settlement periods, newborns, subsidy recognition, then **category by
//! category** who is subsidized, by how much and from which fund, then the subsidy tiers and
//! the benefit-start rules. [`PolicyDiff`] prints as a table and serializes to JSON.
//!
//! [`explain_change`] takes one resident and says why the answer differs: which parameter or
//! rule changed, and how far it moved what the resident owes, what each fund pays and when
//! benefits begin.
//!
//! ```
//! use chrono::NaiveDate;
//! use urrbmi::{Policy, Resident};
//! use urrbmi_analysis::diff;
//!
//! let a = Policy::builtin("changsha-2021")?;
//! let b = Policy::builtin("changsha-2024")?;
//! let d = diff(&a, &b);
//! let personal = d.row("standards", "personal standard").unwrap();
//! assert_eq!((personal.a.as_deref(), personal.b.as_deref()), (Some("280"), Some("380")));
//!
//! let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
//! // An ordinary renewal paying on the first day of each window.
//! let resident = Resident::new(date(1980, 5, 1), date(2020, 9, 1));
//! let later = urrbmi_analysis::diff::same_situation(&resident, &a, &b); // paying on 2023-09-01
//! let why = urrbmi_analysis::diff::explain_change_between(&a, &b, &resident, &later)?;
//! assert_eq!(why.owed.delta.to_string(), "100");
//! assert!(why.causes.iter().any(|c| c.parameter == "standards.personal.amount"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeSet;
use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use urrbmi::money::format_yuan;
use urrbmi::policy::Policy;
use urrbmi::policy::schema::{PolicySpec, StartRule, SubsidyTier};
use urrbmi::{CategoryKind, EvalError, HeldCategory, Resident, evaluate};

use crate::money::canonical_text as money;
use crate::table::{Align, Table, width};

mod explain;

pub use explain::{
    Cause, Explanation, Move, Outcome, explain_change, explain_change_between, same_situation,
};

/// Cells wider than this (terminal columns) switch a section of the table to one line per side.
const WIDE: usize = 56;

/// How a row differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// The same in both.
    Same,
    /// In both, different.
    Changed,
    /// Only in the second policy.
    Added,
    /// Only in the first policy.
    Removed,
}

impl Change {
    fn of(a: Option<&str>, b: Option<&str>) -> Change {
        match (a, b) {
            (Some(a), Some(b)) if a == b => Change::Same,
            (Some(_), Some(_)) => Change::Changed,
            (None, Some(_)) => Change::Added,
            (Some(_), None) => Change::Removed,
            (None, None) => Change::Same,
        }
    }

    fn mark(self) -> &'static str {
        match self {
            Change::Same => "",
            Change::Changed => "changed",
            Change::Added => "added",
            Change::Removed => "removed",
        }
    }
}

/// One item compared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// What is compared (`personal standard`, `subsistence_allowance`).
    pub item: String,
    /// Its value in the first policy (`None`: not there).
    pub a: Option<String>,
    /// Its value in the second policy (`None`: not there).
    pub b: Option<String>,
    /// How it differs.
    pub change: Change,
    /// For money: second minus first. For a category: the change in what a resident holding
    /// it owes.
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "crate::money::canonical_opt"
    )]
    pub delta: Option<Decimal>,
}

/// A section of the comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Section {
    /// The section's name (`standards`, `who is subsidized`).
    pub name: String,
    /// What the section compares, in a line.
    pub note: String,
    /// The items.
    pub rows: Vec<Row>,
}

/// Which policy a side of the comparison is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Side {
    /// Policy id.
    pub id: String,
    /// Region.
    pub region: String,
    /// Benefit year.
    pub benefit_year: i32,
    /// Document number of the notice.
    pub document: String,
}

impl Side {
    fn of(policy: &Policy) -> Side {
        Side {
            id: policy.id().to_string(),
            region: policy.region().to_string(),
            benefit_year: policy.benefit_year(),
            document: policy
                .document()
                .number
                .clone()
                .unwrap_or_else(|| format!("{} (text not available)", policy.document().title)),
        }
    }
}

/// Two policies side by side: see [`diff`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyDiff {
    /// The first policy.
    pub a: Side,
    /// The second policy.
    pub b: Side,
    /// The comparison, section by section.
    pub sections: Vec<Section>,
}

impl PolicyDiff {
    /// The row `item` of section `section`, if there is one.
    pub fn row(&self, section: &str, item: &str) -> Option<&Row> {
        self.sections
            .iter()
            .find(|s| s.name == section)
            .and_then(|s| s.rows.iter().find(|r| r.item == item))
    }

    /// Every row that differs, with its section.
    pub fn changes(&self) -> impl Iterator<Item = (&Section, &Row)> + '_ {
        self.sections
            .iter()
            .flat_map(|s| s.rows.iter().map(move |r| (s, r)))
            .filter(|(_, r)| r.change != Change::Same)
    }

    /// Whether the policies differ anywhere.
    pub fn is_empty(&self) -> bool {
        self.changes().next().is_none()
    }

    /// The comparison as a table; with `changed_only`, rows that are the same are left out.
    pub fn table(&self, changed_only: bool) -> String {
        let mut out = format!(
            "A: {} ({}, {}, {})\nB: {} ({}, {}, {})\n",
            self.a.id,
            self.a.region,
            self.a.benefit_year,
            self.a.document,
            self.b.id,
            self.b.region,
            self.b.benefit_year,
            self.b.document
        );
        for section in &self.sections {
            let rows: Vec<&Row> = section
                .rows
                .iter()
                .filter(|r| !changed_only || r.change != Change::Same)
                .collect();
            if rows.is_empty() {
                continue;
            }
            out.push_str(&format!("\n== {} ({})\n", section.name, section.note));
            let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
            let delta = |row: &Row| {
                row.delta.map_or_else(String::new, |d| {
                    if d.is_zero() {
                        String::new()
                    } else {
                        format!(
                            " ({}{})",
                            if d.is_sign_positive() { "+" } else { "" },
                            format_yuan(d)
                        )
                    }
                })
            };
            let too_wide = rows.iter().any(|r| {
                [&r.a, &r.b]
                    .into_iter()
                    .any(|side| width(&show(side)) > WIDE)
            });
            if too_wide {
                // Too wide for columns: each item, then its A and B on lines of their own.
                for row in rows {
                    out.push_str(&format!(
                        "{}  {}{}\n",
                        row.item,
                        row.change.mark(),
                        delta(row)
                    ));
                    out.push_str(&format!(
                        "    A: {}\n    B: {}\n",
                        show(&row.a),
                        show(&row.b)
                    ));
                }
                continue;
            }
            let mut table = Table::new([
                ("item", Align::Left),
                ("A", Align::Left),
                ("B", Align::Left),
                ("change", Align::Left),
            ]);
            for row in rows {
                table.row([
                    row.item.clone(),
                    show(&row.a),
                    show(&row.b),
                    format!("{}{}", row.change.mark(), delta(row)),
                ]);
            }
            table.render(&mut out);
        }
        out
    }
}

impl fmt::Display for PolicyDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.table(false))
    }
}

fn row(item: impl Into<String>, a: Option<String>, b: Option<String>) -> Row {
    let change = Change::of(a.as_deref(), b.as_deref());
    Row {
        item: item.into(),
        a,
        b,
        change,
        delta: None,
    }
}

fn money_row(item: &str, a: Decimal, b: Decimal) -> Row {
    Row {
        delta: Some(b - a),
        ..row(item, Some(money(a)), Some(money(b)))
    }
}

/// A row of amounts a policy may not state (`not stated` when absent).
fn optional_money_row(item: &str, a: Option<Decimal>, b: Option<Decimal>) -> Row {
    match (a, b) {
        (Some(a), Some(b)) => money_row(item, a, b),
        (a, b) => row(item, Some(stated(a)), Some(stated(b))),
    }
}

/// An amount, or `not stated`.
pub(super) fn stated(amount: Option<Decimal>) -> String {
    amount.map_or_else(|| "not stated".to_string(), money)
}

/// Who is a newborn "within", in words.
fn newborn_within(spec: &PolicySpec) -> String {
    match (spec.newborn.within_days, spec.newborn.within_months) {
        (Some(days), _) => format!("{days} days"),
        (None, Some(months)) => format!("{months} months"),
        (None, None) => "-".to_string(),
    }
}

/// Who is a late newborn, in words.
fn newborn_late(spec: &PolicySpec) -> String {
    match (
        spec.newborn.late_born_on_or_after,
        spec.newborn.late_within_months,
    ) {
        (Some(day), _) => format!("born on or after {day}"),
        (None, Some(months)) => format!("paid within {months} months of birth"),
        (None, None) => "nobody".to_string(),
    }
}

/// Compares two policies, section by section: see the [module docs](self).
pub fn diff(a: &Policy, b: &Policy) -> PolicyDiff {
    let (sa, sb) = (a.spec(), b.spec());
    let mut sections = Vec::new();

    sections.push(Section {
        name: "standards".into(),
        note: "yuan per person-year".into(),
        rows: vec![
            money_row(
                "personal standard",
                a.personal_standard(),
                b.personal_standard(),
            ),
            optional_money_row("fiscal standard", a.fiscal_standard(), b.fiscal_standard()),
            optional_money_row(
                "full funding standard",
                a.full_standard(),
                b.full_standard(),
            ),
        ],
    });

    let coverage = |s: &PolicySpec| s.coverage.describe();
    sections.push(Section {
        name: "coverage".into(),
        note: "who may join".into(),
        rows: vec![row("covered", Some(coverage(sa)), Some(coverage(sb)))],
    });

    let (af, at) = a.window();
    let (bf, bt) = b.window();
    let mut window_rows = vec![
        row(
            "collection window",
            Some(format!("{af}..{at}")),
            Some(format!("{bf}..{bt}")),
        ),
        row(
            "window length (days)",
            Some(((at - af).num_days() + 1).to_string()),
            Some(((bt - bf).num_days() + 1).to_string()),
        ),
    ];
    let extension = |s: &PolicySpec, id: &str| {
        s.extensions.iter().find(|e| e.id == id).map(|e| {
            let who = e.who.as_ref().map_or_else(String::new, |w| {
                let kinds: Vec<&str> = w.special.iter().map(|k| k.id()).collect();
                format!(", only {}", kinds.join("/"))
            });
            format!(
                "{}..{} {}{who}",
                e.from,
                e.to,
                if e.in_force {
                    "in force"
                } else {
                    "not in force"
                }
            )
        })
    };
    for id in ids(
        sa.extensions.iter().map(|e| &e.id),
        sb.extensions.iter().map(|e| &e.id),
    ) {
        window_rows.push(row(
            format!("extension {id}"),
            extension(sa, &id),
            extension(sb, &id),
        ));
    }
    sections.push(Section {
        name: "windows".into(),
        note: "when contributions are collected".into(),
        rows: window_rows,
    });

    let period = |s: &PolicySpec, id: &str| {
        s.periods.iter().find(|p| p.id == id).map(|p| {
            let who = p.students.as_ref().map_or_else(String::new, |kinds| {
                let kinds: Vec<&str> = kinds.iter().map(|s| s.id()).collect();
                format!(" ({} students)", kinds.join(", "))
            });
            format!("{}..{}{who}", p.from, p.to)
        })
    };
    let period_rows = ids(
        sa.periods.iter().map(|p| &p.id),
        sb.periods.iter().map(|p| &p.id),
    )
    .into_iter()
    .map(|id| row(format!("period {id}"), period(sa, &id), period(sb, &id)))
    .collect();
    sections.push(Section {
        name: "settlement periods".into(),
        note: "when benefits run".into(),
        rows: period_rows,
    });

    sections.push(Section {
        name: "newborns and recognition".into(),
        note: "day counts and deadlines".into(),
        rows: vec![
            row(
                "newborn paying within (of birth)",
                Some(newborn_within(sa)),
                Some(newborn_within(sb)),
            ),
            row(
                "late newborn",
                Some(newborn_late(sa)),
                Some(newborn_late(sb)),
            ),
            row(
                "category counts if recognized by",
                Some(sa.subsidy.recognized_by.to_string()),
                Some(sb.subsidy.recognized_by.to_string()),
            ),
            row(
                "within N days counts",
                Some(format!("{:?}", sa.conventions.within_days)),
                Some(format!("{:?}", sb.conventions.within_days)),
            ),
        ],
    });

    sections.push(Section {
        name: "who is subsidized".into(),
        note: "a resident holding only this category, paying on the first day of the window; delta = change in what they owe".into(),
        rows: category_rows(a, b),
    });

    let tier_rows = ids(
        sa.tiers.iter().map(|t| &t.id),
        sb.tiers.iter().map(|t| &t.id),
    )
    .into_iter()
    .map(|id| {
        row(
            format!("tier {id}"),
            sa.tiers
                .iter()
                .find(|t| t.id == id)
                .map(|t| describe_tier(t, a.personal_standard())),
            sb.tiers
                .iter()
                .find(|t| t.id == id)
                .map(|t| describe_tier(t, b.personal_standard())),
        )
    })
    .collect();
    sections.push(Section {
        name: "subsidy tiers".into(),
        note: "as written: who qualifies and what each fund pays".into(),
        rows: tier_rows,
    });

    let rule_rows = ids(
        sa.rules.iter().map(|r| &r.id),
        sb.rules.iter().map(|r| &r.id),
    )
    .into_iter()
    .map(|id| {
        let describe = |s: &PolicySpec| {
            s.rules.iter().position(|r| r.id == id).and_then(|i| {
                s.rules
                    .get(i)
                    .map(|r| format!("#{} {}", i + 1, describe_rule(r)))
            })
        };
        row(format!("rule {id}"), describe(sa), describe(sb))
    })
    .collect();
    sections.push(Section {
        name: "benefit-start rules".into(),
        note: "#position (the first rule that matches decides): conditions → charge, start".into(),
        rows: rule_rows,
    });

    PolicyDiff {
        a: Side::of(a),
        b: Side::of(b),
        sections,
    }
}

/// Ids in the order of `a`, then those only in `b`.
fn ids<'s>(
    a: impl Iterator<Item = &'s String>,
    b: impl Iterator<Item = &'s String>,
) -> Vec<String> {
    let mut out: Vec<String> = a.cloned().collect();
    for id in b {
        if !out.contains(id) {
            out.push(id.clone());
        }
    }
    out
}

fn describe_tier(tier: &SubsidyTier, personal: Decimal) -> String {
    let parts: Vec<String> = tier
        .parts
        .iter()
        .map(|p| {
            let amount = money(p.amount_of(personal).unwrap_or(Decimal::ZERO));
            match p.share {
                Some(share) => format!("{} {}% = {amount}", p.funder.id(), share.normalize()),
                None => format!("{} {amount}", p.funder.id()),
            }
        })
        .collect();
    let cats: Vec<&str> = tier.categories.iter().map(CategoryKind::id).collect();
    let mut who = cats.join("/");
    if let Some(grades) = &tier.grades {
        let g: Vec<String> = grades.iter().map(u8::to_string).collect();
        who.push_str(&format!(" (disability grades {})", g.join(",")));
    }
    if !tier.not_holding.is_empty() {
        let not: Vec<&str> = tier.not_holding.iter().map(CategoryKind::id).collect();
        who.push_str(&format!(" not {}", not.join("/")));
    }
    if let Some(kinds) = &tier.students {
        let k: Vec<&str> = kinds.iter().map(|s| s.id()).collect();
        who.push_str(&format!(" ({} students)", k.join("/")));
    }
    format!("{who}: {}", parts.join(" + "))
}

/// A benefit-start rule in a line: its conditions, then what it does.
pub fn describe_rule(rule: &StartRule) -> String {
    let when = serde_json::to_value(&rule.when).unwrap_or_default();
    let conditions: Vec<String> = when
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| match v {
                    serde_json::Value::Array(items) => {
                        let items: Vec<String> = items
                            .iter()
                            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
                            .collect();
                        format!("{k}={}", items.join("/"))
                    }
                    serde_json::Value::String(s) => format!("{k}={s}"),
                    other => format!("{k}={other}"),
                })
                .collect()
        })
        .unwrap_or_default();
    let when = if conditions.is_empty() {
        "always".to_string()
    } else {
        conditions.join(", ")
    };
    let then = match (&rule.refuse, rule.charge, rule.benefit_start) {
        (Some(refuse), _, _) => format!("refuse ({})", refuse.code),
        (None, charge, start) => {
            let charge = charge.map_or_else(
                || "?".to_string(),
                |c| format!("{} ({})", c.id(), c.chinese()),
            );
            let start = start.map_or_else(
                || "?".to_string(),
                |s| {
                    serde_json::to_value(s)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default()
                },
            );
            let plus = match (rule.plus_days, rule.plus_months, rule.waiting_period) {
                (Some(d), _, _) => format!(" after a {d}-day wait"),
                (None, Some(m), _) => format!(" after a {m}-month wait"),
                (None, None, true) => " after the policy's waiting period".to_string(),
                (None, None, false) => String::new(),
            };
            let floor = if rule.not_before_period_start {
                ""
            } else {
                " (may precede the period)"
            };
            let prior = rule.prior_year.as_ref().map_or_else(String::new, |p| {
                format!(
                    "; born {}..{} also pay {} for {}",
                    p.born_from,
                    p.born_to,
                    money(p.amount),
                    p.year
                )
            });
            format!("{charge}, from {start}{plus}{floor}{prior}")
        }
    };
    format!("{when} → {then}")
}

/// The categories either policy knows: built-in ones in the data contract's order, then local ones.
fn all_categories(a: &PolicySpec, b: &PolicySpec) -> Vec<CategoryKind> {
    let mut kinds: Vec<CategoryKind> = CategoryKind::builtin_ids()
        .filter_map(CategoryKind::builtin)
        .collect();
    let mut local: BTreeSet<String> = BTreeSet::new();
    for spec in [a, b] {
        for c in &spec.categories {
            if local.insert(c.id.clone()) {
                kinds.push(CategoryKind::Local(c.id.as_str().into()));
            }
        }
    }
    kinds
}

/// A resident holding only `held`, paying on the first day of the window, with the student
/// status and hukou a tier naming the category requires.
fn probe(policy: &Policy, held: &HeldCategory) -> Resident {
    let (from, _) = policy.window();
    let birth = NaiveDate::from_ymd_opt(1980, 1, 1).unwrap_or(NaiveDate::MIN);
    let mut resident = Resident::new(birth, from).with_category(held.clone());
    for tier in &policy.spec().tiers {
        if tier.categories.contains(&held.kind) {
            if let Some(kind) = tier.students.as_ref().and_then(|k| k.first()) {
                resident.student = *kind;
            }
            if let Some(hukou) = tier.hukou {
                resident.hukou = hukou;
            }
        }
    }
    resident
}

fn describe_subsidy(policy: &Policy, held: &HeldCategory) -> (String, Option<Decimal>) {
    match evaluate(policy, &probe(policy, held)) {
        Err(EvalError::UnknownCategory { .. }) => ("not declared".into(), None),
        Err(e) => (format!("cannot evaluate: {e}"), None),
        Ok(a) if a.is_refused() => (
            format!(
                "refused ({})",
                a.refusal.as_ref().map_or("?", |r| r.code.id())
            ),
            None,
        ),
        Ok(a) => {
            let paying: Vec<String> = a
                .subsidies
                .iter()
                .filter(|(_, amount)| !amount.is_zero())
                .map(|(f, amount)| format!("{} {}", f.id(), money(amount)))
                .collect();
            let text = match &a.tier {
                None => format!("no subsidy; owes {}", money(a.owed)),
                Some(tier) => format!("{}; owes {} [{}]", paying.join(" + "), money(a.owed), tier),
            };
            (text, Some(a.owed))
        }
    }
}

fn category_rows(a: &Policy, b: &Policy) -> Vec<Row> {
    let mut rows = Vec::new();
    for kind in all_categories(a.spec(), b.spec()) {
        let helds: Vec<(String, HeldCategory)> = if kind == CategoryKind::Disability {
            (1..=4)
                .map(|g| (format!("disability grade {g}"), HeldCategory::disability(g)))
                .collect()
        } else {
            vec![(kind.id().to_string(), HeldCategory::new(kind.clone()))]
        };
        for (item, held) in helds {
            let (ta, oa) = describe_subsidy(a, &held);
            let (tb, ob) = describe_subsidy(b, &held);
            let mut r = row(item, Some(ta), Some(tb));
            r.delta = oa.zip(ob).map(|(x, y)| y - x);
            rows.push(r);
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_policy_does_not_differ_from_itself() {
        for id in Policy::builtin_ids() {
            let p = Policy::builtin(id).expect("built-in");
            let d = diff(p, p);
            assert!(d.is_empty(), "{id}: {:?}", d.changes().next());
        }
    }
}
