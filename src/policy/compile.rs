//! What evaluation needs ready-made, worked out once when a policy is loaded.

use std::sync::Arc;

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;

use super::schema::{EndDates, PolicySpec, SubsidyTier};
use crate::assessment::{Refusal, RefusalCode, RuleNote, Subsidies, TraceStep};
use crate::money::{canonical, round_to_fen};

/// The ready-made parts of a policy.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    pub id: Arc<str>,
    pub full_standard: Decimal,
    pub window_last_day: NaiveDate,
    pub extensions: Vec<CompiledExtension>,
    pub periods: Vec<CompiledPeriod>,
    pub tiers: Vec<CompiledTier>,
    pub rules: Vec<CompiledRule>,
    pub notes: Notes,
    pub refusals: Refusals,
}

#[derive(Debug, Clone)]
pub(crate) struct CompiledExtension {
    pub last_day: NaiveDate,
    pub note: TraceStep,
}

#[derive(Debug, Clone)]
pub(crate) struct CompiledPeriod {
    pub last_day: NaiveDate,
}

#[derive(Debug, Clone)]
pub(crate) struct CompiledTier {
    pub id: Arc<str>,
    pub subsidies: Subsidies,
    pub total: Decimal,
    pub note: TraceStep,
}

#[derive(Debug, Clone)]
pub(crate) struct CompiledRule {
    /// Bit 0: paid in the window; bit 1: outside; bit 2 + i: in extension i.
    pub paid_mask: u64,
    pub note: TraceStep,
    pub refusal: Option<Refusal>,
    pub prior_year_note: Option<TraceStep>,
}

/// When a payment was made, as a bit of [`CompiledRule::paid_mask`].
pub(crate) const PAID_MAIN: u64 = 1;
pub(crate) const PAID_OUTSIDE: u64 = 1 << 1;
pub(crate) fn paid_extension(index: usize) -> u64 {
    1u64.checked_shl(2 + index as u32).unwrap_or(0)
}

#[derive(Debug, Clone)]
pub(crate) struct Notes {
    pub covered: TraceStep,
    pub paid_main: TraceStep,
    pub paid_outside: TraceStep,
    pub personal: TraceStep,
    pub full: TraceStep,
    pub no_tier: TraceStep,
}

#[derive(Debug, Clone)]
pub(crate) struct Refusals {
    pub employee_obligated: (Refusal, TraceStep),
    pub not_covered: (Refusal, TraceStep),
    pub outside_window: (Refusal, TraceStep),
    pub no_benefit_in_period: (Refusal, TraceStep),
}

fn note(rule: String, summary: String, citation: &str, decides: bool) -> TraceStep {
    Arc::new(RuleNote {
        rule,
        summary,
        citation: citation.to_string(),
        decides,
    })
}

fn refusal(code: RefusalCode, rule: &str, message: String, citation: &str) -> (Refusal, TraceStep) {
    let text = format!("{message} ({citation})");
    (
        Refusal {
            code,
            message: Arc::from(text.as_str()),
        },
        note(rule.to_string(), message, citation, true),
    )
}

/// The last day of a span whose end is written as `to`.
fn last_day(spec: &PolicySpec, to: NaiveDate) -> NaiveDate {
    match spec.conventions.end_dates {
        EndDates::Inclusive => to,
        EndDates::Exclusive => to.checked_sub_days(Days::new(1)).unwrap_or(to),
    }
}

fn external(cite: &str, source: Option<&str>) -> String {
    match source {
        Some(source) => format!("{cite}; external: {source}"),
        None => cite.to_string(),
    }
}

impl Compiled {
    /// Works out everything from a spec that has passed validation.
    pub fn new(spec: &PolicySpec) -> Compiled {
        let personal = spec.standards.personal.amount;
        let fiscal = spec.standards.fiscal.amount;
        let full_standard = personal + fiscal;
        let window_last_day = last_day(spec, spec.window.to);
        let window_text = format!("{}..{}", spec.window.from, window_last_day);

        let extensions = spec
            .extensions
            .iter()
            .map(|ext| {
                let last = last_day(spec, ext.to);
                let who = ext.who.as_ref().map_or_else(
                    || "everyone".to_string(),
                    |w| {
                        w.special
                            .iter()
                            .map(|s| s.id())
                            .collect::<Vec<_>>()
                            .join(", ")
                    },
                );
                CompiledExtension {
                    last_day: last,
                    note: note(
                        format!("extension.{}", ext.id),
                        format!("paid in the extension {}..{} (for {who})", ext.from, last),
                        &ext.cite,
                        false,
                    ),
                }
            })
            .collect();

        let periods = spec
            .periods
            .iter()
            .map(|p| CompiledPeriod {
                last_day: last_day(spec, p.to),
            })
            .collect();

        let tiers = spec
            .tiers
            .iter()
            .map(|tier| compile_tier(tier, personal))
            .collect();

        let rules = spec
            .rules
            .iter()
            .map(|rule| {
                let paid_mask = match &rule.when.paid {
                    None => u64::MAX,
                    Some(names) => names.iter().fold(0, |mask, name| {
                        mask | match name.as_str() {
                            "main" => PAID_MAIN,
                            "outside" => PAID_OUTSIDE,
                            other => spec
                                .extensions
                                .iter()
                                .position(|e| e.id == other)
                                .map_or(0, paid_extension),
                        }
                    }),
                };
                let rule_path = format!("rule.{}", rule.id);
                CompiledRule {
                    paid_mask,
                    note: note(rule_path.clone(), rule.title.clone(), &rule.cite, true),
                    refusal: rule.refuse.as_ref().map(|r| Refusal {
                        code: r.code,
                        message: Arc::from(format!("{} ({})", r.message, rule.cite).as_str()),
                    }),
                    prior_year_note: rule.prior_year.as_ref().map(|p| {
                        note(
                            format!("{rule_path}.prior_year"),
                            format!(
                                "born {}..{}: the {} contribution of {} yuan is also due",
                                p.born_from,
                                p.born_to,
                                p.year,
                                canonical(p.amount)
                            ),
                            &external(&p.cite, p.source.as_deref().filter(|_| p.external)),
                            false,
                        )
                    }),
                }
            })
            .collect();

        let std = &spec.standards;
        let fiscal_cite = external(
            &std.fiscal.cite,
            std.fiscal.source.as_deref().filter(|_| std.fiscal.external),
        );
        let covered_who = {
            let c = &spec.coverage;
            let mut who = Vec::new();
            if c.everyone {
                who.push("everyone not obliged to join employee insurance".to_string());
            }
            if c.local_hukou {
                who.push("local hukou".to_string());
            }
            if c.residence_permit {
                who.push("residence permit holders".to_string());
            }
            if !c.students.is_empty() {
                let kinds: Vec<_> = c
                    .students
                    .iter()
                    .map(|s| match s {
                        crate::Student::None => "none",
                        crate::Student::School => "school",
                        crate::Student::College => "college",
                    })
                    .collect();
                who.push(format!("students ({})", kinds.join(", ")));
            }
            who.join(", ")
        };
        let notes = Notes {
            covered: note(
                "coverage".into(),
                format!("covered: {covered_who}"),
                &spec.coverage.cite,
                false,
            ),
            paid_main: note(
                "window".into(),
                format!("paid in the collection window {window_text}"),
                &spec.window.cite,
                false,
            ),
            paid_outside: note(
                "window".into(),
                format!("paid outside the collection window {window_text}"),
                &spec.window.cite,
                false,
            ),
            personal: note(
                "standards.personal".into(),
                format!(
                    "charged the personal standard of {} yuan",
                    canonical(personal)
                ),
                &std.personal.cite,
                false,
            ),
            full: note(
                "standards.full".into(),
                format!(
                    "charged the full funding standard: {} personal + {} fiscal = {} yuan",
                    canonical(personal),
                    canonical(fiscal),
                    canonical(full_standard)
                ),
                &format!("{}; {}", std.personal.cite, fiscal_cite),
                false,
            ),
            no_tier: note(
                "tier".into(),
                "no subsidy tier applies".into(),
                &spec.subsidy.cite,
                false,
            ),
        };

        let default_period_end = spec
            .periods
            .iter()
            .find(|p| p.students.is_none())
            .map_or(window_last_day, |p| last_day(spec, p.to));
        let refusals = Refusals {
            employee_obligated: refusal(
                RefusalCode::EmployeeInsuranceObligated,
                "coverage",
                "obliged to join employee basic medical insurance (职工医保应参保人员), so not covered by resident insurance".into(),
                &spec.coverage.cite,
            ),
            not_covered: refusal(
                RefusalCode::NotCovered,
                "coverage",
                format!("not among the people this notice covers ({covered_who})"),
                &spec.coverage.cite,
            ),
            outside_window: refusal(
                RefusalCode::OutsideWindow,
                "window",
                format!(
                    "paid outside the collection window {window_text}{}, and no special rule of {} applies",
                    spec.extensions
                        .iter()
                        .filter(|e| e.in_force)
                        .map(|e| format!(" or its extension {}..{}", e.from, last_day(spec, e.to)))
                        .collect::<String>(),
                    spec.policy.id
                ),
                &spec.window.cite,
            ),
            no_benefit_in_period: refusal(
                RefusalCode::NoBenefitInPeriod,
                "period",
                format!(
                    "benefits would begin after the settlement period ends ({default_period_end}); pay for the next benefit year instead"
                ),
                spec.periods.first().map_or("", |p| p.cite.as_str()),
            ),
        };

        Compiled {
            id: Arc::from(spec.policy.id.as_str()),
            full_standard,
            window_last_day,
            extensions,
            periods,
            tiers,
            rules,
            notes,
            refusals,
        }
    }
}

fn compile_tier(tier: &SubsidyTier, personal: Decimal) -> CompiledTier {
    let mut subsidies = Subsidies::NONE;
    let mut parts = Vec::new();
    for part in &tier.parts {
        let amount = match (part.share, part.amount) {
            (Some(share), _) => round_to_fen(personal * share / Decimal::ONE_HUNDRED),
            (None, Some(amount)) => amount,
            (None, None) => Decimal::ZERO,
        };
        subsidies.add(part.funder, amount);
        let how = part.share.map_or_else(String::new, |s| {
            format!(" ({}% of {})", canonical(s), canonical(personal))
        });
        parts.push(format!("{} {}{how}", part.funder.id(), canonical(amount)));
    }
    let total = subsidies.total();
    let cites: Vec<&str> = std::iter::once(tier.cite.as_str())
        .chain(tier.parts.iter().filter_map(|p| p.cite.as_deref()))
        .collect();
    CompiledTier {
        id: Arc::from(tier.id.as_str()),
        subsidies,
        total,
        note: note(
            format!("tier.{}", tier.id),
            format!("subsidy tier {}: {}", tier.name, parts.join(" + ")),
            &cites.join("; "),
            false,
        ),
    }
}
