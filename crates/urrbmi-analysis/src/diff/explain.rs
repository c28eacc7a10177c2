//! Why one resident's answer differs between two policies: [`explain_change`].

use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use urrbmi::money::format_yuan;
use urrbmi::policy::Policy;
use urrbmi::policy::schema::StartRule;
use urrbmi::{Assessment, CategoryKind, EvalError, Funder, RefusalCode, Resident, evaluate};

use super::{describe_rule, diff, stated};
use crate::money::canonical_text as money;

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
    #[serde(with = "crate::money::canonical_str")]
    pub charged: Decimal,
    /// What the resident owes (with any prior-year charge).
    #[serde(with = "crate::money::canonical_str")]
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
    #[serde(with = "crate::money::canonical_str")]
    pub a: Decimal,
    /// Under the second.
    #[serde(with = "crate::money::canonical_str")]
    pub b: Decimal,
    /// `b - a`.
    #[serde(with = "crate::money::canonical_str")]
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
                format!("+{}", format_yuan(d))
            } else {
                format_yuan(d)
            }
        };
        writeln!(
            f,
            "  {:<22}{:>12} → {:>12}  ({})",
            "resident owes",
            format_yuan(self.owed.a),
            format_yuan(self.owed.b),
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
                format_yuan(m.a),
                format_yuan(m.b),
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
                |r| format!("{}: {}", r.id, describe_rule(r)),
            ),
            b: rule_b.map_or_else(
                || ob.deciding_rule.clone().unwrap_or_default(),
                |r| format!("{}: {}", r.id, describe_rule(r)),
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
        && describe_rule(x) != describe_rule(y)
    {
        out.push(Cause {
            parameter: format!("rule.{}", x.id),
            a: describe_rule(x),
            b: describe_rule(y),
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
