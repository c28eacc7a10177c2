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

use crate::batch::{pad, yuan};
use urrbmi::EvalError;
use urrbmi::Resident;
use urrbmi::evaluate;
use urrbmi::policy::Policy;
use urrbmi::policy::schema::{PolicySpec, StartRule, SubsidyTier};
use urrbmi::{Assessment, RefusalCode};
use urrbmi::{CategoryKind, Funder, HeldCategory};

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
    #[serde(skip_serializing_if = "Option::is_none", with = "opt_money")]
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
            let cols = |text: &str| unicode_width::UnicodeWidthStr::width(text);
            let delta = |row: &Row| {
                row.delta.map_or_else(String::new, |d| {
                    if d.is_zero() {
                        String::new()
                    } else {
                        format!(
                            " ({}{})",
                            if d.is_sign_positive() { "+" } else { "" },
                            yuan(d)
                        )
                    }
                })
            };
            let widest = |f: &dyn Fn(&Row) -> String, heading: &str| {
                rows.iter()
                    .map(|r| cols(&f(r)))
                    .chain(std::iter::once(heading.len()))
                    .max()
                    .unwrap_or(0)
            };
            let item_w = widest(&|r| r.item.clone(), "item");
            let a_w = widest(&|r| show(&r.a), "A");
            let b_w = widest(&|r| show(&r.b), "B");
            if a_w > WIDE || b_w > WIDE {
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
            out.push_str(&format!(
                "{}  {}  {}  change\n",
                pad("item", item_w),
                pad("A", a_w),
                pad("B", b_w)
            ));
            for row in rows {
                out.push_str(&format!(
                    "{}  {}  {}  {}{}\n",
                    pad(&row.item, item_w),
                    pad(&show(&row.a), a_w),
                    pad(&show(&row.b), b_w),
                    row.change.mark(),
                    delta(row)
                ));
            }
        }
        out
    }
}

impl fmt::Display for PolicyDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.table(false))
    }
}

mod opt_money {
    use rust_decimal::Decimal;
    use serde::Serializer;

    pub fn serialize<S: Serializer>(value: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(d) => s.collect_str(&d.normalize()),
            None => s.serialize_none(),
        }
    }
}

fn money(d: Decimal) -> String {
    urrbmi::money::round_to_fen(d).normalize().to_string()
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
fn stated(amount: Option<Decimal>) -> String {
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

/// One side of an [`Explanation`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// Policy id.
    pub policy: String,
    /// Enrolled (`true`) or refused.
    pub enrolled: bool,
    /// The refusal code, when refused.
    pub refusal: Option<RefusalCode>,
    /// The standard charged.
    #[serde(with = "crate::batch::money_str")]
    pub charged: Decimal,
    /// What the resident owes (with any prior-year charge).
    #[serde(with = "crate::batch::money_str")]
    pub total_due: Decimal,
    /// The tier that applied.
    pub tier: Option<String>,
    /// The first day of benefits.
    pub benefit_start: Option<NaiveDate>,
    /// The rule that decided (`rule.window`), from the trace.
    pub deciding_rule: Option<String>,
    /// Its citation.
    pub citation: Option<String>,
}

impl Outcome {
    fn of(a: &Assessment) -> Outcome {
        let decider = a.trace.iter().find(|s| s.decides);
        Outcome {
            policy: a.policy.to_string(),
            enrolled: a.is_enrolled(),
            refusal: a.refusal.as_ref().map(|r| r.code),
            charged: a.charged,
            total_due: a.total_due(),
            tier: a.tier.map(str::to_string),
            benefit_start: a.benefit_start,
            deciding_rule: decider.as_ref().map(|s| s.rule.to_string()),
            citation: decider.as_ref().map(|s| s.citation.to_string()),
        }
    }
}

/// An amount under each policy and how far it moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Move {
    /// Under the first policy.
    #[serde(with = "crate::batch::money_str")]
    pub a: Decimal,
    /// Under the second.
    #[serde(with = "crate::batch::money_str")]
    pub b: Decimal,
    /// `b - a`.
    #[serde(with = "crate::batch::money_str")]
    pub delta: Decimal,
}

impl Move {
    fn new(a: Decimal, b: Decimal) -> Move {
        Move { a, b, delta: b - a }
    }
}

/// One parameter or rule that changed and moved the answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cause {
    /// The key path in the policy files (`standards.personal.amount`, `rule.window`).
    pub parameter: String,
    /// Its value (or the rule) in the first policy.
    pub a: String,
    /// In the second.
    pub b: String,
    /// What it did to this resident's answer.
    pub effect: String,
}

/// Why one resident's answer differs between two policies: see [`explain_change`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// The answer under the first policy.
    pub a: Outcome,
    /// Under the second.
    pub b: Outcome,
    /// What the resident owes (with any prior-year charge).
    pub owed: Move,
    /// What each fund pays, in [`Funder::ALL`] order.
    pub funders: Vec<(Funder, Move)>,
    /// The first day of benefits under each policy, and, when both enroll, how many days
    /// later (positive) or earlier benefits begin counted from the day of payment: the wait
    /// from payment to benefits under the second policy minus the wait under the first. For
    /// the same resident under both policies this is the shift of the start date.
    pub benefit_start: (Option<NaiveDate>, Option<NaiveDate>, Option<i64>),
    /// The parameters and rules that changed and moved the answer; empty when nothing did.
    pub causes: Vec<Cause>,
}

impl Explanation {
    /// Whether the answer is the same under both policies (amounts, start and status).
    pub fn unchanged(&self) -> bool {
        self.owed.delta.is_zero()
            && self.funders.iter().all(|(_, m)| m.delta.is_zero())
            && self.a.enrolled == self.b.enrolled
            && self.benefit_start.2.is_none_or(|d| d == 0)
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = |o: &Outcome| {
            if o.enrolled {
                format!(
                    "enrolled, tier {}, from {}",
                    o.tier.as_deref().unwrap_or("none"),
                    o.benefit_start
                        .map_or_else(|| "?".into(), |d| d.to_string())
                )
            } else {
                format!(
                    "refused ({})",
                    o.refusal.as_ref().map_or("?", RefusalCode::id)
                )
            }
        };
        writeln!(f, "A {:<16} {}", self.a.policy, status(&self.a))?;
        writeln!(f, "B {:<16} {}", self.b.policy, status(&self.b))?;
        let signed = |d: Decimal| {
            if d.is_sign_positive() && !d.is_zero() {
                format!("+{}", yuan(d))
            } else {
                yuan(d)
            }
        };
        writeln!(
            f,
            "  {:<22}{:>12} → {:>12}  ({})",
            "resident owes",
            yuan(self.owed.a),
            yuan(self.owed.b),
            signed(self.owed.delta)
        )?;
        for (funder, m) in self
            .funders
            .iter()
            .filter(|(_, m)| !(m.a.is_zero() && m.b.is_zero()))
        {
            writeln!(
                f,
                "  {:<22}{:>12} → {:>12}  ({})",
                funder.id(),
                yuan(m.a),
                yuan(m.b),
                signed(m.delta)
            )?;
        }
        let (sa, sb, shift) = self.benefit_start;
        let day = |d: Option<NaiveDate>| d.map_or_else(|| "—".to_string(), |d| d.to_string());
        writeln!(
            f,
            "  {:<22}{:>12} → {:>12}{}",
            "benefits from",
            day(sa),
            day(sb),
            shift.map_or_else(String::new, |s| format!(
                "  (wait after payment {s:+} days)"
            ))
        )?;
        if self.causes.is_empty() {
            writeln!(f, "nothing that applies to this resident changed")?;
        } else {
            writeln!(f, "because:")?;
            for c in &self.causes {
                writeln!(f, "  {}: {} → {}", c.parameter, c.a, c.b)?;
                writeln!(f, "    {}", c.effect)?;
            }
        }
        Ok(())
    }
}

/// Says why `resident`'s answer under `b` differs from the answer under `a`: the changed
/// parameters and rules that apply to them, and how far owed, each funder and the benefit
/// start moved. The same resident (same dates) is evaluated under both; for policies of
/// different benefit years see [`explain_change_between`] and [`same_situation`].
pub fn explain_change(
    a: &Policy,
    b: &Policy,
    resident: &Resident,
) -> Result<Explanation, EvalError> {
    explain_change_between(a, b, resident, resident)
}

/// Like [`explain_change`], with the resident as they are under each policy: two policies are
/// usually for different benefit years, so the same person pays on different days.
pub fn explain_change_between(
    a: &Policy,
    b: &Policy,
    resident_a: &Resident,
    resident_b: &Resident,
) -> Result<Explanation, EvalError> {
    let (ra, rb) = (resident_a, resident_b);
    let xa = evaluate(a, ra)?;
    let xb = evaluate(b, rb)?;
    let oa = Outcome::of(&xa);
    let ob = Outcome::of(&xb);
    let owed = Move::new(xa.total_due(), xb.total_due());
    let funders: Vec<(Funder, Move)> = Funder::ALL
        .iter()
        .map(|f| (*f, Move::new(xa.subsidies.get(*f), xb.subsidies.get(*f))))
        .collect();
    let shift = wait(&xa, ra).zip(wait(&xb, rb)).map(|(x, y)| y - x);
    let causes = causes(a, b, &xa, &xb, &oa, &ob, ra, rb);
    Ok(Explanation {
        a: oa,
        b: ob,
        owed,
        funders,
        benefit_start: (xa.benefit_start, xb.benefit_start, shift),
        causes,
    })
}

/// The resident in the same situation under policy `to` as under policy `from`: every date
/// (birth, payment, recognition, special circumstance) moved by the difference of the benefit
/// years, so a newborn stays a newborn and a payment in October stays in October.
///
/// ```
/// use chrono::NaiveDate;
/// use urrbmi::{Policy, Resident};
/// use urrbmi_analysis::diff::same_situation;
/// let a = Policy::builtin("changsha-2021")?;
/// let b = Policy::builtin("changsha-2024")?;
/// let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
/// let r = Resident::new(date(1980, 2, 29), date(2020, 10, 15));
/// let later = same_situation(&r, &a, &b);
/// assert_eq!(later.payment_date, date(2023, 10, 15));
/// assert_eq!(later.birth_date, date(1983, 2, 28)); // no 29 February in 1983
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn same_situation(resident: &Resident, from: &Policy, to: &Policy) -> Resident {
    let years = to.benefit_year() - from.benefit_year();
    let shift = |d: NaiveDate| shift_years(d, years);
    let mut moved = resident.clone();
    moved.birth_date = shift(resident.birth_date);
    moved.payment_date = shift(resident.payment_date);
    for held in &mut moved.categories {
        held.recognized_on = held.recognized_on.map(shift);
    }
    if let Some(special) = &mut moved.special {
        special.date = special.date.map(shift);
    }
    moved
}

/// Why the tier that applied under `a` does not apply under `b`, when its categories changed.
fn tier_change(a: &Policy, b: &Policy, tier: Option<&str>, resident: &Resident) -> String {
    let Some(id) = tier else {
        return String::new();
    };
    let Some(before) = a.spec().tiers.iter().find(|t| t.id == id) else {
        return String::new();
    };
    let held: Vec<&CategoryKind> = resident
        .categories
        .iter()
        .map(|c| &c.kind)
        .filter(|k| before.categories.contains(k))
        .collect();
    match b.spec().tiers.iter().find(|t| t.id == id) {
        None => format!(": B has no tier `{id}`"),
        Some(after) => {
            let dropped: Vec<&str> = held
                .iter()
                .filter(|k| !after.categories.contains(k))
                .map(|k| k.id())
                .collect();
            if dropped.is_empty() {
                String::new()
            } else {
                format!(": tier `{id}` no longer names {}", dropped.join(", "))
            }
        }
    }
}

/// Days from payment to the first day of benefits.
fn wait(x: &Assessment, r: &Resident) -> Option<i64> {
    x.benefit_start.map(|d| (d - r.payment_date).num_days())
}

fn rule_of<'p>(policy: &'p Policy, path: Option<&str>) -> Option<&'p StartRule> {
    let id = path?.strip_prefix("rule.")?;
    policy.spec().rules.iter().find(|r| r.id == id)
}

/// What decides the logic of a rule, without its wording (title, citation).
fn rule_logic(rule: &StartRule) -> String {
    describe_rule(rule)
}

#[allow(clippy::too_many_arguments)]
fn causes(
    a: &Policy,
    b: &Policy,
    xa: &Assessment,
    xb: &Assessment,
    oa: &Outcome,
    ob: &Outcome,
    ra: &Resident,
    rb: &Resident,
) -> Vec<Cause> {
    let mut out = Vec::new();
    let window_text = |p: &Policy| {
        let (from, to) = p.window();
        let ext: Vec<String> = p
            .spec()
            .extensions
            .iter()
            .filter(|e| e.in_force)
            .map(|e| format!(" + {} {}..{}", e.id, e.from, e.to))
            .collect();
        format!("{from}..{to}{}", ext.concat())
    };

    // Enrolled under one and refused under the other.
    if oa.enrolled != ob.enrolled || oa.refusal != ob.refusal {
        let refused = if ob.enrolled {
            (oa, a, "A")
        } else {
            (ob, b, "B")
        };
        let (outcome, policy, side) = refused;
        let parameter = match outcome.refusal {
            Some(RefusalCode::OutsideWindow) => "window".to_string(),
            Some(RefusalCode::NotCovered) | Some(RefusalCode::EmployeeInsuranceObligated) => {
                "coverage".to_string()
            }
            _ => outcome
                .deciding_rule
                .clone()
                .unwrap_or_else(|| "rule".into()),
        };
        let describe = |p: &Policy| match parameter.as_str() {
            "window" => window_text(p),
            "coverage" => diff(p, p)
                .row("coverage", "covered")
                .and_then(|r| r.a.clone())
                .unwrap_or_default(),
            _ => String::new(),
        };
        out.push(Cause {
            parameter: parameter.clone(),
            a: describe(a),
            b: describe(b),
            effect: format!(
                "{} ({side}) refuses ({}) by `{}` ({}); the other policy enrolls",
                policy.id(),
                outcome.refusal.as_ref().map_or("?", RefusalCode::id),
                outcome.deciding_rule.as_deref().unwrap_or("?"),
                outcome.citation.as_deref().unwrap_or(""),
            ),
        });
        return out;
    }
    if !oa.enrolled {
        return out;
    }

    // The rule that decided.
    let rule_a = rule_of(a, oa.deciding_rule.as_deref());
    let rule_b = rule_of(b, ob.deciding_rule.as_deref());
    let (wait_a, wait_b) = (wait(xa, ra), wait(xb, rb));
    let start_moved = wait_a != wait_b;
    let waited = |w: Option<i64>| w.map_or_else(|| "?".to_string(), |d| format!("{d} days"));
    if oa.deciding_rule != ob.deciding_rule {
        out.push(Cause {
            parameter: "rule".into(),
            a: rule_a.map_or_else(
                || oa.deciding_rule.clone().unwrap_or_default(),
                |r| format!("{}: {}", r.id, rule_logic(r)),
            ),
            b: rule_b.map_or_else(
                || ob.deciding_rule.clone().unwrap_or_default(),
                |r| format!("{}: {}", r.id, rule_logic(r)),
            ),
            effect: format!(
                "a different rule decides; benefits from {} ({} after payment) instead of {} ({})",
                day(ob.benefit_start),
                waited(wait_b),
                day(oa.benefit_start),
                waited(wait_a)
            ),
        });
    } else if let (Some(x), Some(y)) = (rule_a, rule_b)
        && rule_logic(x) != rule_logic(y)
    {
        out.push(Cause {
            parameter: format!("rule.{}", x.id),
            a: rule_logic(x),
            b: rule_logic(y),
            effect: if start_moved {
                format!(
                    "the rule changed; benefits from {} ({} after payment) instead of {} ({})",
                    day(ob.benefit_start),
                    waited(wait_b),
                    day(oa.benefit_start),
                    waited(wait_a)
                )
            } else {
                "the rule changed, but not when this resident's benefits begin".into()
            },
        });
    }

    // Period start (the same rule counting from the period's first day).
    // The settlement period, compared after moving A's by the difference of benefit years.
    let years = b.benefit_year() - a.benefit_year();
    let period = |p: &Policy, r: &Resident, shift: i32| {
        let periods = &p.spec().periods;
        periods
            .iter()
            .find(|x| x.students.as_ref().is_some_and(|k| k.contains(&r.student)))
            .or_else(|| periods.iter().find(|x| x.students.is_none()))
            .map(|x| {
                (
                    x.id.clone(),
                    shift_years(x.from, shift),
                    shift_years(x.to, shift),
                )
            })
    };
    let (pa, pb) = (period(a, ra, years), period(b, rb, 0));
    if start_moved && pa.as_ref().map(|p| (p.1, p.2)) != pb.as_ref().map(|p| (p.1, p.2)) {
        let text = |p: &Policy, r: &Resident| {
            period(p, r, 0).map_or_else(String::new, |(id, from, to)| format!("{id} {from}..{to}"))
        };
        out.push(Cause {
            parameter: "period".into(),
            a: text(a, ra),
            b: text(b, rb),
            effect: "the settlement period moved within the year".into(),
        });
    }

    // What is charged.
    if xa.charged != xb.charged {
        let same_kind = xa.charged_standard == xb.charged_standard;
        let full = matches!(
            xb.charged_standard,
            Some(urrbmi::policy::schema::Charge::Full)
        );
        let (parameter, pa, pb) = if same_kind && !full {
            (
                "standards.personal.amount".to_string(),
                money(a.personal_standard()),
                money(b.personal_standard()),
            )
        } else if same_kind {
            (
                "standards (full funding standard)".to_string(),
                format!(
                    "{} + {} = {}",
                    money(a.personal_standard()),
                    stated(a.fiscal_standard()),
                    stated(a.full_standard())
                ),
                format!(
                    "{} + {} = {}",
                    money(b.personal_standard()),
                    stated(b.fiscal_standard()),
                    stated(b.full_standard())
                ),
            )
        } else {
            (
                format!("{}.charge", ob.deciding_rule.as_deref().unwrap_or("rule")),
                format!("{:?} {}", xa.charged_standard, money(xa.charged)),
                format!("{:?} {}", xb.charged_standard, money(xb.charged)),
            )
        };
        out.push(Cause {
            parameter,
            a: pa,
            b: pb,
            effect: format!(
                "charged {} instead of {} ({:+})",
                money(xb.charged),
                money(xa.charged),
                (xb.charged - xa.charged).normalize()
            ),
        });
    }

    // Who pays what.
    let subsidies_moved = xa.subsidies != xb.subsidies;
    let describe_parts = |x: &Assessment| {
        let parts: Vec<String> = x
            .subsidies
            .iter()
            .filter(|(_, d)| !d.is_zero())
            .map(|(f, d)| format!("{} {}", f.id(), money(d)))
            .collect();
        if parts.is_empty() {
            "nothing".to_string()
        } else {
            parts.join(" + ")
        }
    };
    if oa.tier != ob.tier {
        let recognized_moved = a.spec().subsidy.recognized_by != b.spec().subsidy.recognized_by
            && rb.categories.iter().any(|c| c.recognized_on.is_some());
        out.push(Cause {
            parameter: "tier".into(),
            a: format!(
                "{} ({})",
                oa.tier.as_deref().unwrap_or("none"),
                describe_parts(xa)
            ),
            b: format!(
                "{} ({})",
                ob.tier.as_deref().unwrap_or("none"),
                describe_parts(xb)
            ),
            effect: format!(
                "a different subsidy tier applies{}{}",
                tier_change(a, b, oa.tier.as_deref(), rb),
                if recognized_moved {
                    format!(
                        " (the recognition deadline moved: {} → {})",
                        a.spec().subsidy.recognized_by,
                        b.spec().subsidy.recognized_by
                    )
                } else {
                    String::new()
                }
            ),
        });
    } else if subsidies_moved && let Some(tier) = &ob.tier {
        out.push(Cause {
            parameter: format!("tier.{tier}.parts"),
            a: describe_parts(xa),
            b: describe_parts(xb),
            effect: if a.personal_standard() != b.personal_standard() {
                "the same tier pays a different amount (a share of a changed personal standard, or changed parts)".into()
            } else {
                "the same tier pays a different amount".into()
            },
        });
    }

    // The previous year.
    let prior = |x: &Assessment| {
        x.prior_year_charge.as_ref().map_or_else(
            || "none".to_string(),
            |p| format!("{} for {}", money(p.amount), p.year),
        )
    };
    if xa.prior_year_charge != xb.prior_year_charge {
        out.push(Cause {
            parameter: format!(
                "{}.prior_year",
                ob.deciding_rule.as_deref().unwrap_or("rule")
            ),
            a: prior(xa),
            b: prior(xb),
            effect: "the charge for the year of birth changed".into(),
        });
    }
    out
}

/// `d` moved by `years` whole years (29 February to 28 February where needed).
fn shift_years(d: NaiveDate, years: i32) -> NaiveDate {
    let months = chrono::Months::new(years.unsigned_abs().saturating_mul(12));
    let moved = if years >= 0 {
        d.checked_add_months(months)
    } else {
        d.checked_sub_months(months)
    };
    moved.unwrap_or(d)
}

fn day(d: Option<NaiveDate>) -> String {
    d.map_or_else(|| "—".to_string(), |d| d.to_string())
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
