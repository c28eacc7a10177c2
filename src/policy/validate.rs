//! The checks a policy must pass to load.

use std::collections::HashSet;

use rust_decimal::Decimal;

use super::compile::{MAX_LOCAL_CATEGORIES, MAX_NOTES, last_day};
use super::schema::{
    AgeRange, BirthRange, Charge, Cited, CitedAmount, EndDates, ExtensionWho, GradeRef, Incentive,
    LocalName, PolicySpec, StartFrom, StartRule, WaitingPeriodTable, When,
};
use crate::assessment::RefusalCode;
use crate::category::{CategoryKind, Funder};
use crate::error::shown;
use crate::resident::SpecialKind;

/// One problem found in a policy: where, what, and what would be accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub key_path: String,
    pub problem: String,
    pub expected: String,
}

impl Problem {
    pub(crate) fn new(
        key_path: impl Into<String>,
        problem: impl Into<String>,
        expected: impl Into<String>,
    ) -> Self {
        Problem {
            key_path: key_path.into(),
            problem: problem.into(),
            expected: expected.into(),
        }
    }
}

/// Every problem in `spec`, in file order.
pub(crate) fn problems(spec: &PolicySpec) -> Vec<Problem> {
    let mut out = Vec::new();
    let cite = |path: String, text: &str, out: &mut Vec<Problem>| {
        if text.trim().is_empty() {
            out.push(Problem::new(
                path,
                "the citation is empty",
                "a clause of the notice, e.g. \"益资政办发〔2020〕17号 二(三)\", or the external source",
            ));
        }
    };

    let id = &spec.policy.id;
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        out.push(Problem::new(
            "policy.id",
            format!("`{id}` is not a policy id"),
            "lowercase ASCII letters, digits and `-`, e.g. \"ziyang-2021\"",
        ));
    }

    cite("conventions.cite".into(), &spec.conventions.cite, &mut out);
    amount(&mut out, "standards.personal", &spec.standards.personal);
    cite(
        "standards.personal.cite".into(),
        &spec.standards.personal.cite,
        &mut out,
    );
    if let Some(fiscal) = &spec.standards.fiscal {
        amount(&mut out, "standards.fiscal", fiscal);
        cite("standards.fiscal.cite".into(), &fiscal.cite, &mut out);
    }
    check_grades(spec, &mut out);

    let cov = &spec.coverage;
    if !cov.everyone && !cov.local_hukou && !cov.residence_permit && cov.students.is_empty() {
        out.push(Problem::new(
            "coverage",
            "the policy covers nobody",
            "`everyone = true`, or one of `local_hukou`, `residence_permit`, `students`",
        ));
    }

    let inclusive = spec.conventions.end_dates == EndDates::Inclusive;
    let inverted = |from, to| if inclusive { from > to } else { from >= to };
    if inverted(spec.window.from, spec.window.to) {
        out.push(Problem::new(
            "window.to",
            format!(
                "the window ends ({}) before it begins ({})",
                spec.window.to, spec.window.from
            ),
            "`to` on or after `from`",
        ));
    }

    let mut extension_ids = HashSet::new();
    for (i, ext) in spec.extensions.iter().enumerate() {
        let path = format!("extension[{i}]");
        if ["main", "outside"].contains(&ext.id.as_str()) || !extension_ids.insert(ext.id.as_str())
        {
            out.push(Problem::new(
                format!("{path}.id"),
                format!(
                    "the extension id `{}` is reserved or used twice",
                    shown(&ext.id)
                ),
                "an id other than `main` and `outside`, unique among extensions",
            ));
        }
        if inverted(ext.from, ext.to) {
            out.push(Problem::new(
                format!("{path}.to"),
                format!(
                    "the extension ends ({}) before it begins ({})",
                    ext.to, ext.from
                ),
                "`to` on or after `from`",
            ));
        }
        if let Some(who) = &ext.who {
            check_extension_who(spec, &format!("{path}.who"), who, &mut out);
        }
        // Compared by their last days, as `[conventions] end_dates` says (an exclusive `to` is
        // the first day after the span).
        let window_last = last_day(spec.conventions.end_dates, spec.window.to);
        let ext_last = last_day(spec.conventions.end_dates, ext.to);
        if ext_last < spec.window.from {
            out.push(Problem::new(
                format!("{path}.to"),
                format!(
                    "the extension {}..{ext_last} ends before the window opens ({}): no payment can ever fall in it",
                    ext.from, spec.window.from
                ),
                "an extension that begins after the window ends",
            ));
        } else if ext.from <= window_last && ext_last >= spec.window.from {
            out.push(Problem::new(
                format!("{path}.from"),
                format!(
                    "the extension {}..{ext_last} overlaps the window {}..{window_last}",
                    ext.from, spec.window.from
                ),
                "an extension that begins after the window ends",
            ));
        }
    }

    if spec.periods.is_empty() {
        out.push(Problem::new(
            "period",
            "no settlement period",
            "at least one `[[period]]`, one of them without `students`",
        ));
    }
    let defaults = spec.periods.iter().filter(|p| p.students.is_none()).count();
    if !spec.periods.is_empty() && defaults != 1 {
        out.push(Problem::new(
            "period",
            format!("{defaults} settlement periods apply to everyone"),
            "exactly one `[[period]]` without `students`; the others list the students they are for",
        ));
    }
    let mut period_ids = HashSet::new();
    for (i, period) in spec.periods.iter().enumerate() {
        if !period_ids.insert(period.id.as_str()) {
            out.push(Problem::new(
                format!("period[{i}].id"),
                format!("the period id `{}` is used twice", period.id),
                "a unique id per settlement period",
            ));
        }
        if inverted(period.from, period.to) {
            out.push(Problem::new(
                format!("period[{i}].to"),
                format!(
                    "the period ends ({}) before it begins ({})",
                    period.to, period.from
                ),
                "`to` on or after `from`",
            ));
        }
    }

    check_newborn(spec, &mut out);

    // A resident's category or circumstance is matched by id or name, so every id and every
    // name, built-in aliases included, must mean one value (no name means two things).
    check_locals(
        &mut out,
        "category",
        "local category",
        &spec.categories,
        CategoryKind::builtin_names(),
        false,
    );
    check_locals(
        &mut out,
        "special",
        "local special circumstance",
        &spec.specials,
        SpecialKind::builtin_names(),
        false,
    );
    check_locals(
        &mut out,
        "funder",
        "local funder",
        &spec.funders,
        crate::names::names_of::<Funder>(),
        true,
    );
    check_locals(
        &mut out,
        "refusal_code",
        "local refusal code",
        &spec.refusal_codes,
        crate::names::names_of::<crate::assessment::RefusalCode>(),
        true,
    );

    let standards = spec.standards.grade_amounts();
    let several_grades = standards.len() > 1;
    let mut tier_ids = HashSet::new();
    for (i, tier) in spec.tiers.iter().enumerate() {
        let path = format!("tier[{i}]");
        if !tier_ids.insert(tier.id.as_str()) {
            out.push(Problem::new(
                format!("{path}.id"),
                format!("the tier id `{}` is used twice", tier.id),
                "a unique id per tier",
            ));
        }
        let keyed_otherwise = tier.students.is_some()
            || tier.age.is_some()
            || tier.born.is_some()
            || tier.natural_years_from_birth.is_some();
        if tier.categories.is_empty() && !keyed_otherwise {
            out.push(Problem::new(
                format!("{path}.categories"),
                "the tier names no category and no other condition, so it would subsidize everyone",
                "one or more category ids, or a tier keyed on `students`, `age`, `born` or `natural_years_from_birth`",
            ));
        }
        check_person(
            spec,
            &path,
            tier.born.as_ref(),
            tier.age.as_ref(),
            tier.natural_years_from_birth,
            &mut out,
        );
        check_categories(
            spec,
            &format!("{path}.categories"),
            &tier.categories,
            &mut out,
        );
        check_categories(
            spec,
            &format!("{path}.not_holding"),
            &tier.not_holding,
            &mut out,
        );
        if let Some(grades) = &tier.grades {
            if !tier.categories.contains(&CategoryKind::Disability) {
                out.push(Problem::new(
                    format!("{path}.grades"),
                    "grades are given but the tier does not name `disability`",
                    "`grades` only on a tier whose categories include \"disability\"",
                ));
            }
            if grades.is_empty() || grades.iter().any(|g| !(1..=4).contains(g)) {
                out.push(Problem::new(
                    format!("{path}.grades"),
                    format!("the grades {grades:?} are not disability grades"),
                    "a list of grades from 1 to 4, e.g. [1, 2] for 重度残疾",
                ));
            }
        }
        if tier.parts.is_empty() {
            out.push(Problem::new(
                format!("{path}.parts"),
                "the tier pays nothing",
                "one or more parts, each `{ funder = \"fiscal\", share = 50 }` or `{ funder = \"fiscal\", amount = 140 }`",
            ));
        }
        // What the tier pays at each grade, bounded so that a broken value cannot overflow.
        let mut totals = vec![Decimal::ZERO; standards.len()];
        for (j, part) in tier.parts.iter().enumerate() {
            let part_path = format!("{path}.parts[{j}]");
            check_funder(spec, &format!("{part_path}.funder"), part.funder, &mut out);
            match part.of_grade {
                Some(GradeRef::Grade(g)) if usize::from(g) > standards.len() => {
                    out.push(Problem::new(
                        format!("{part_path}.of_grade"),
                        format!("the policy has no grade {g}"),
                        format!("a grade from 1 to {}, or \"chosen\"", standards.len()),
                    ));
                }
                Some(_) if part.share.is_none() => out.push(Problem::new(
                    format!("{part_path}.of_grade"),
                    "`of_grade` on a fixed amount, which is the same at every grade",
                    "`of_grade` only with a `share`",
                )),
                None if several_grades && part.share.is_some() => out.push(Problem::new(
                    format!("{part_path}.of_grade"),
                    "a share in a policy with several grades, without saying of which grade's standard",
                    "`of_grade = 1` (一档, whatever the resident chose: 按一档标准) or `of_grade = \"chosen\"` (the resident's own grade)",
                )),
                _ => {}
            }
            match (part.share, part.amount) {
                (Some(share), None) => {
                    if share.is_sign_negative() || share > Decimal::ONE_HUNDRED {
                        out.push(Problem::new(
                            format!("{part_path}.share"),
                            format!("the share {share} is not a percentage"),
                            "a percentage of the personal standard from 0 to 100",
                        ));
                    }
                    let bounded = super::schema::TierPart {
                        share: Some(share.clamp(Decimal::ZERO, Decimal::ONE_HUNDRED)),
                        ..part.clone()
                    };
                    for (g, total) in totals.iter_mut().enumerate() {
                        let of = match part.of_grade {
                            Some(GradeRef::Grade(of)) => usize::from(of).saturating_sub(1),
                            Some(GradeRef::Chosen) | None => g,
                        };
                        let standard = standards
                            .get(of)
                            .copied()
                            .unwrap_or_default()
                            .clamp(Decimal::ZERO, Decimal::from(MAX_AMOUNT));
                        *total += bounded.amount_of(standard).unwrap_or(Decimal::ZERO);
                    }
                }
                (None, Some(amount)) => {
                    money(&mut out, format!("{part_path}.amount"), amount);
                    for total in &mut totals {
                        *total += amount.clamp(Decimal::ZERO, Decimal::from(MAX_AMOUNT));
                    }
                }
                _ => out.push(Problem::new(
                    part_path.clone(),
                    "a part needs exactly one of `share` and `amount`",
                    "`share = 50` (percent of the personal standard) or `amount = 140` (yuan)",
                )),
            }
            if let Some(text) = &part.cite {
                cite(format!("{part_path}.cite"), text, &mut out);
            }
        }
        for (g, (total, personal)) in totals.iter().zip(&standards).enumerate() {
            if total > personal && !personal.is_sign_negative() {
                let at = if several_grades {
                    format!(" at grade {}", g + 1)
                } else {
                    String::new()
                };
                out.push(Problem::new(
                    format!("{path}.parts"),
                    format!(
                        "the tier `{}` pays {total} yuan{at}, more than the personal standard of {personal}",
                        tier.id
                    ),
                    format!("parts that add up to at most {personal} yuan"),
                ));
                break;
            }
        }
    }

    if spec.rules.is_empty() {
        out.push(Problem::new(
            "rule",
            "no benefit-start rule",
            "at least one `[[rule]]`, e.g. one for payments in the window",
        ));
    }
    let mut rule_ids = HashSet::new();
    for (i, rule) in spec.rules.iter().enumerate() {
        let path = format!("rule[{i}]");
        if !rule_ids.insert(rule.id.as_str()) {
            out.push(Problem::new(
                format!("{path}.id"),
                format!("the rule id `{}` is used twice", rule.id),
                "a unique id per rule",
            ));
        }
        let enrolls = rule.charge.is_some() || rule.benefit_start.is_some();
        match (&rule.refuse, rule.charge, rule.benefit_start) {
            (Some(_), None, None) | (None, Some(_), Some(_)) => {}
            (Some(_), _, _) => out.push(Problem::new(
                format!("{path}.refuse"),
                "a rule both refuses and enrolls",
                "either `refuse`, or `charge` with `benefit_start`",
            )),
            (None, _, _) => out.push(Problem::new(
                if enrolls { format!("{path}.charge") } else { path.clone() },
                "the rule neither refuses nor says what is charged and when benefits begin",
                "`charge = \"personal\"` or `\"full\"` with `benefit_start = \"period_start\"` (or payment_date, birth_date, special_date, next_month), or `refuse = { code, message }`",
            )),
        }
        check_when(spec, &format!("{path}.when"), &rule.when, &mut out);
        if rule.charge == Some(Charge::Full) && spec.standards.fiscal.is_none() {
            out.push(Problem::new(
                format!("{path}.charge"),
                "the rule charges the full funding standard, but `[standards]` states no fiscal standard",
                "`fiscal = { amount, cite }` in `[standards]`, or `charge = \"personal\"`",
            ));
        }
        if rule.benefit_start == Some(StartFrom::RecognitionMonth)
            && rule.when.holds_any.as_ref().is_none_or(Vec::is_empty)
        {
            out.push(Problem::new(
                format!("{path}.benefit_start"),
                "the rule starts in the month a category was recognized, but names no category",
                "`when = { holds_any = [...] }` naming the categories whose recognition counts",
            ));
        }
        if let Some(refuse) = &rule.refuse
            && let RefusalCode::Local(id) = refuse.code
            && !spec.refusal_codes.iter().any(|c| c.id == id.as_str())
        {
            let mut known: Vec<&str> = RefusalCode::ALL.iter().map(|c| c.id()).collect();
            known.extend(spec.refusal_codes.iter().map(|c| c.id.as_str()));
            out.push(Problem::new(
                format!("{path}.refuse.code"),
                format!(
                    "unknown refusal code `{id}`{}",
                    did_you_mean(id.as_str(), known.iter().copied())
                ),
                format!(
                    "a built-in refusal code or one declared in a `[[refusal_code]]` table: {}",
                    known.join(", ")
                ),
            ));
        }
        let counts_from_special = rule.when.special_within_days.is_some()
            || rule.when.special_after_days.is_some()
            || rule.when.special_within_months.is_some()
            || rule.benefit_start == Some(StartFrom::SpecialDate);
        if counts_from_special && rule.when.special.as_ref().is_none_or(Vec::is_empty) {
            out.push(Problem::new(
                format!("{path}.when.special"),
                "the rule counts from a special circumstance's date but names no circumstance",
                "`special = [\"employee_insurance_lapse\"]` (or another circumstance with a date)",
            ));
        }
        check_start_and_wait(spec, &path, rule, &mut out);
        if rule.external && rule.source.as_deref().is_none_or(|s| s.trim().is_empty()) {
            out.push(external_without_source(format!("{path}.source")));
        }
        if let Some(prior) = &rule.prior_year {
            let prior_path = format!("{path}.prior_year");
            money(&mut out, format!("{prior_path}.amount"), prior.amount);
            if prior.born_from > prior.born_to {
                out.push(Problem::new(
                    format!("{prior_path}.born_to"),
                    format!(
                        "born_to {} is before born_from {}",
                        prior.born_to, prior.born_from
                    ),
                    "`born_to` on or after `born_from`",
                ));
            }
            if prior.external && prior.source.as_deref().is_none_or(|s| s.trim().is_empty()) {
                out.push(external_without_source(format!("{prior_path}.source")));
            }
            cite(format!("{prior_path}.cite"), &prior.cite, &mut out);
        }
        if let Some(refuse) = &rule.refuse
            && refuse.message.trim().is_empty()
        {
            out.push(Problem::new(
                format!("{path}.refuse.message"),
                "the refusal message is empty",
                "a sentence telling the resident why",
            ));
        }
        cite(format!("{path}.cite"), &rule.cite, &mut out);
    }
    if let Some(table) = &spec.waiting_period {
        check_waiting_table(spec, table, &mut out);
    } else if let Some(i) = spec.rules.iter().position(|r| r.waiting_period) {
        out.push(Problem::new(
            format!("rule[{i}].waiting_period"),
            "the rule applies the policy's waiting period, but the policy has no `[waiting_period]`",
            "a `[waiting_period]` table (fixed, variable, repair, floor, exempt), or `plus_months = N` on the rule",
        ));
    }
    if let Some(incentive) = &spec.incentive {
        check_incentive(incentive, &mut out);
    }
    check_document(spec, &mut out);
    check_sources(spec, &mut out);
    check_sizes(spec, &mut out);
    out
}

/// The most days a day count may hold (ten years): far above any notice's 90 or 180 days.
pub(crate) const MAX_DAYS: u32 = 3_660;
/// The most months a month count may hold (ten years).
pub(crate) const MAX_MONTHS: u32 = 120;
/// The most years a count of years in a policy may hold.
pub(crate) const MAX_YEARS: u32 = 150;

/// A count that must lie in `1..=max` (or `0..=max` when `zero` is allowed).
fn bounded(out: &mut Vec<Problem>, path: String, value: u32, zero: bool, max: u32, unit: &str) {
    if value > max || (!zero && value == 0) {
        let low = if zero { 0 } else { 1 };
        out.push(Problem::new(
            path,
            format!("{value} {unit} is out of range"),
            format!("a whole number of {unit} from {low} to {max}"),
        ));
    }
}

/// The conditions of a rule or of a waiting-period exemption.
fn check_when(spec: &PolicySpec, path: &str, when: &When, out: &mut Vec<Problem>) {
    if let Some(paid) = &when.paid {
        for (j, name) in paid.iter().enumerate() {
            let ok = name == "main"
                || name == "outside"
                || spec.extensions.iter().any(|e| &e.id == name);
            if !ok {
                let mut accepted = vec!["main", "outside"];
                accepted.extend(spec.extensions.iter().map(|e| e.id.as_str()));
                let suggestion = crate::suggest::closest(name, accepted.iter().copied())
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                out.push(Problem::new(
                    format!("{path}.paid[{j}]"),
                    format!("`{name}` is neither the window nor an extension{suggestion}"),
                    format!("one of: {}", accepted.join(", ")),
                ));
            }
        }
    }
    if let Some(kinds) = &when.special {
        check_specials(spec, &format!("{path}.special"), kinds, out);
    }
    if let Some(grades) = &when.contribution_grade {
        let offered = 1 + spec.standards.grades.len();
        if grades.is_empty() || grades.iter().any(|g| *g == 0 || usize::from(*g) > offered) {
            out.push(Problem::new(
                format!("{path}.contribution_grade"),
                format!("the grades {grades:?} are not grades of the policy"),
                format!("a list of grades from 1 to {offered}"),
            ));
        }
    }
    check_person(
        spec,
        path,
        None,
        when.age.as_ref(),
        when.natural_years_from_birth,
        out,
    );
    if let Some(months) = when.special_within_months {
        bounded(
            out,
            format!("{path}.special_within_months"),
            months,
            true,
            MAX_MONTHS,
            "months",
        );
        needs_months(spec, out, &format!("{path}.special_within_months"));
    }
    if when.without_special && when.special.is_some() {
        out.push(Problem::new(
            format!("{path}.without_special"),
            "the rule asks for no special circumstance and for one",
            "either `without_special = true` or `special = [...]`",
        ));
    }
    if let Some(kinds) = &when.holds_any {
        check_categories(spec, &format!("{path}.holds_any"), kinds, out);
    }
    if let Some(grades) = &when.grades {
        let names_disability = when
            .holds_any
            .as_ref()
            .is_some_and(|k| k.contains(&CategoryKind::Disability));
        if !names_disability {
            out.push(Problem::new(
                format!("{path}.grades"),
                "grades are given but `holds_any` does not name `disability`",
                "`grades` only with a `holds_any` that includes \"disability\"",
            ));
        }
        if grades.is_empty() || grades.iter().any(|g| !(1..=4).contains(g)) {
            out.push(Problem::new(
                format!("{path}.grades"),
                format!("the grades {grades:?} are not disability grades"),
                "a list of grades from 1 to 4, e.g. [1, 2] for 重度残疾",
            ));
        }
    }
    if let Some(born) = &when.born
        && let (Some(from), Some(to)) = (born.from, born.to)
        && from > to
    {
        out.push(Problem::new(
            format!("{path}.born.to"),
            format!("born.to {to} is before born.from {from}"),
            "`to` on or after `from`",
        ));
    }
    for (key, days) in [
        ("special_within_days", when.special_within_days),
        ("special_after_days", when.special_after_days),
    ] {
        if let Some(days) = days {
            bounded(out, format!("{path}.{key}"), days, true, MAX_DAYS, "days");
        }
    }
}

/// A rule's start and its waiting period, with the conventions they need.
fn check_start_and_wait(spec: &PolicySpec, path: &str, rule: &StartRule, out: &mut Vec<Problem>) {
    let conv = &spec.conventions;
    let needs = |out: &mut Vec<Problem>, missing: bool, key: &str, what: &str| {
        if missing {
            out.push(Problem::new(
                path.to_string(),
                format!("{what}, but `[conventions]` declares no `{key}`"),
                format!("`{key} = ...` in `[conventions]` (see the README's policy format)"),
            ));
        }
    };
    match (rule.benefit_start, rule.fixed_date) {
        (Some(StartFrom::FixedDate), None) => out.push(Problem::new(
            format!("{path}.fixed_date"),
            "`benefit_start = \"fixed_date\"` without a `fixed_date`",
            "`fixed_date = \"2025-09-01\"`",
        )),
        (Some(StartFrom::FixedDate), Some(_)) | (_, None) => {}
        (_, Some(_)) => out.push(Problem::new(
            format!("{path}.fixed_date"),
            "a `fixed_date` on a rule that does not start on it",
            "`benefit_start = \"fixed_date\"`, or no `fixed_date`",
        )),
    }
    if rule.benefit_start == Some(StartFrom::NextMonth) {
        needs(
            out,
            conv.next_month.is_none(),
            "next_month",
            "the rule starts benefits `next_month`",
        );
    }
    let waits = [
        rule.plus_days.is_some(),
        rule.plus_months.is_some(),
        rule.waiting_period,
    ];
    if waits.iter().filter(|w| **w).count() > 1 {
        out.push(Problem::new(
            format!("{path}.waiting_period"),
            "the rule has more than one waiting period",
            "one of `plus_days`, `plus_months` and `waiting_period = true`",
        ));
    }
    if let Some(days) = rule.plus_days {
        bounded(
            out,
            format!("{path}.plus_days"),
            days,
            false,
            MAX_DAYS,
            "days",
        );
        needs(
            out,
            conv.waiting_period.is_none(),
            "waiting_period",
            "the rule waits `plus_days`",
        );
    }
    if let Some(months) = rule.plus_months {
        bounded(
            out,
            format!("{path}.plus_months"),
            months,
            false,
            MAX_MONTHS,
            "months",
        );
    }
    if rule.plus_months.is_some() || rule.waiting_period {
        needs(
            out,
            conv.months.is_none(),
            "months",
            "the rule waits months",
        );
        needs(
            out,
            conv.waiting_from.is_none(),
            "waiting_from",
            "the rule waits months",
        );
    }
    if rule.refuse.is_some() && waits.iter().any(|w| *w) {
        out.push(Problem::new(
            format!("{path}.refuse"),
            "a rule that refuses has a waiting period",
            "no `plus_days`, `plus_months` or `waiting_period` on a refusal",
        ));
    }
}

fn check_waiting_table(spec: &PolicySpec, table: &WaitingPeriodTable, out: &mut Vec<Problem>) {
    let path = "waiting_period";
    bounded(
        out,
        format!("{path}.fixed.months"),
        table.fixed.months,
        true,
        MAX_MONTHS,
        "months",
    );
    if let Some(v) = &table.variable {
        bounded(
            out,
            format!("{path}.variable.months_per_year"),
            v.months_per_year,
            false,
            MAX_MONTHS,
            "months",
        );
        bounded(
            out,
            format!("{path}.variable.after_lapsed_years"),
            v.after_lapsed_years,
            true,
            MAX_YEARS,
            "years",
        );
    }
    if let Some(r) = &table.repair {
        bounded(
            out,
            format!("{path}.repair.months_per_year"),
            r.months_per_year,
            false,
            MAX_MONTHS,
            "months",
        );
        if table.variable.is_none() {
            out.push(Problem::new(
                format!("{path}.repair"),
                "a repair of the variable wait, but the table has no `variable` part",
                "a `variable = { months_per_year, after_lapsed_years, cite }` part, or no `repair`",
            ));
        }
    }
    if let Some(f) = &table.floor {
        bounded(
            out,
            format!("{path}.floor.months"),
            f.months,
            false,
            MAX_MONTHS,
            "months",
        );
        bounded(
            out,
            format!("{path}.floor.from_lapsed_years"),
            f.from_lapsed_years,
            false,
            MAX_YEARS,
            "years",
        );
    }
    let mut ids = HashSet::new();
    for (i, exemption) in table.exempt.iter().enumerate() {
        let entry = format!("{path}.exempt[{i}]");
        if !ids.insert(exemption.id.as_str()) {
            out.push(Problem::new(
                format!("{entry}.id"),
                format!("the exemption id `{}` is used twice", exemption.id),
                "a unique id per exemption",
            ));
        }
        if exemption.when == When::default() {
            out.push(Problem::new(
                format!("{entry}.when"),
                "the exemption has no condition, so nobody would ever wait",
                "a condition such as `holds_any = [...]` or `special = [...]`",
            ));
        }
        check_when(spec, &format!("{entry}.when"), &exemption.when, out);
        let dated = exemption.when.special_within_days.is_some()
            || exemption.when.special_after_days.is_some()
            || exemption.when.special_within_months.is_some();
        if dated && exemption.when.special.as_ref().is_none_or(Vec::is_empty) {
            out.push(Problem::new(
                format!("{entry}.when.special"),
                "the exemption counts from a special circumstance's date but names no circumstance",
                "`special = [\"demobilized_veteran\"]` (or another circumstance with a date)",
            ));
        }
    }
}

fn check_incentive(incentive: &Incentive, out: &mut Vec<Problem>) {
    if incentive.continuous.is_none() && incentive.claim_free.is_none() {
        out.push(Problem::new(
            "incentive",
            "the incentive has neither a continuous nor a claim-free step",
            "`continuous = { after_years, step, cite }` and/or `claim_free = { step, cite }`",
        ));
    }
    if let Some(c) = &incentive.continuous {
        money(out, "incentive.continuous.step".into(), c.step);
        bounded(
            out,
            "incentive.continuous.after_years".into(),
            c.after_years,
            false,
            MAX_YEARS,
            "years",
        );
    }
    if let Some(c) = &incentive.claim_free {
        money(out, "incentive.claim_free.step".into(), c.step);
    }
    match (&incentive.cap.amount, &incentive.cap.unknown) {
        (Some(amount), None) => money(out, "incentive.cap.amount".into(), *amount),
        (None, Some(text)) if !text.trim().is_empty() => {}
        _ => out.push(Problem::new(
            "incentive.cap",
            "the cap needs exactly one of `amount` and `unknown`",
            "`amount = 80000`, or `unknown = \"what the sources say of it\"` (never a guess)",
        )),
    }
}

fn check_document(spec: &PolicySpec, out: &mut Vec<Problem>) {
    let doc = &spec.policy.document;
    if doc.available {
        if doc.number.as_deref().is_none_or(|n| n.trim().is_empty()) {
            out.push(Problem::new(
                "policy.document.number",
                "the notice's number is missing",
                "its document number (e.g. \"益资政办发〔2020〕17号\"), or `available = false` with a `note` when the text was not available",
            ));
        }
        if doc.date.is_none() {
            out.push(Problem::new(
                "policy.document.date",
                "the notice's date is missing",
                "its date of issue as YYYY-MM-DD, or `available = false` with a `note`",
            ));
        }
    } else if doc.note.as_deref().is_none_or(|n| n.trim().is_empty()) {
        out.push(Problem::new(
            "policy.document.note",
            "the notice's text is marked not available, with no note",
            "a `note` saying where the values come from instead",
        ));
    }
}

/// Every value marked external names its source.
fn check_sources(spec: &PolicySpec, out: &mut Vec<Problem>) {
    let mut cited: Vec<(String, &dyn Cited)> = vec![
        ("coverage".into(), &spec.coverage),
        ("window".into(), &spec.window),
        ("newborn".into(), &spec.newborn),
        ("subsidy".into(), &spec.subsidy),
    ];
    for (i, e) in spec.extensions.iter().enumerate() {
        cited.push((format!("extension[{i}]"), e));
    }
    for (i, p) in spec.periods.iter().enumerate() {
        cited.push((format!("period[{i}]"), p));
    }
    for (table, entries) in [
        ("category", &spec.categories),
        ("special", &spec.specials),
        ("funder", &spec.funders),
        ("refusal_code", &spec.refusal_codes),
    ] {
        for (i, c) in entries.iter().enumerate() {
            cited.push((format!("{table}[{i}]"), c));
        }
    }
    for (i, g) in spec.standards.grades.iter().enumerate() {
        cited.push((format!("standards.grades[{i}]"), g));
    }
    for (i, t) in spec.tiers.iter().enumerate() {
        cited.push((format!("tier[{i}]"), t));
    }
    if let Some(table) = &spec.waiting_period {
        cited.push(("waiting_period.fixed".into(), &table.fixed));
        if let Some(v) = &table.variable {
            cited.push(("waiting_period.variable".into(), v));
        }
        if let Some(r) = &table.repair {
            cited.push(("waiting_period.repair".into(), r));
        }
        if let Some(f) = &table.floor {
            cited.push(("waiting_period.floor".into(), f));
        }
        for (i, e) in table.exempt.iter().enumerate() {
            cited.push((format!("waiting_period.exempt[{i}]"), e));
        }
    }
    if let Some(incentive) = &spec.incentive {
        if let Some(c) = &incentive.continuous {
            cited.push(("incentive.continuous".into(), c));
        }
        if let Some(c) = &incentive.claim_free {
            cited.push(("incentive.claim_free".into(), c));
        }
        cited.push(("incentive.cap".into(), &incentive.cap));
    }
    for (path, value) in cited {
        if value.cite().trim().is_empty() {
            out.push(Problem::new(
                format!("{path}.cite"),
                "the citation is empty",
                "a clause of the notice, e.g. \"益资政办发〔2020〕17号 二(三)\", or the external source",
            ));
        }
        if value.external() && value.source().is_none_or(|s| s.trim().is_empty()) {
            out.push(external_without_source(format!("{path}.source")));
        }
    }
}

/// Limits that keep evaluation's sets and note ids exact.
fn check_sizes(spec: &PolicySpec, out: &mut Vec<Problem>) {
    for (table, count, max) in [
        ("category", spec.categories.len(), MAX_LOCAL_CATEGORIES),
        ("special", spec.specials.len(), MAX_LOCAL_SPECIALS),
        (
            "funder",
            spec.funders.len(),
            crate::assessment::Subsidies::MAX_LOCAL_FUNDERS,
        ),
        ("refusal_code", spec.refusal_codes.len(), MAX_LOCAL_REFUSALS),
    ] {
        if count > max {
            out.push(Problem::new(
                table,
                format!("{count} `[[{table}]]` tables"),
                format!("at most {max} `[[{table}]]` tables per policy"),
            ));
        }
    }
    let exempt = spec.waiting_period.as_ref().map_or(0, |w| w.exempt.len());
    let notes = 32
        + 2 * spec.standards.grades.len()
        + spec.extensions.len()
        + 2 * spec.periods.len()
        + spec.tiers.len()
        + 4 * spec.rules.len()
        + exempt;
    if notes > MAX_NOTES {
        out.push(Problem::new(
            "tier",
            format!(
                "{} tiers, {} rules, {} periods and {} extensions make more trace notes than a policy may hold",
                spec.tiers.len(),
                spec.rules.len(),
                spec.periods.len(),
                spec.extensions.len()
            ),
            format!("at most {MAX_NOTES} notes: tiers + 4 × rules + 2 × periods + extensions + 32"),
        ));
    }
}

/// The largest amount a policy may state, in yuan: far above any contribution standard, and low
/// enough that no sum or share of amounts can overflow.
pub(crate) const MAX_AMOUNT: i64 = 1_000_000;

/// Checks an amount of money: not negative, at most [`MAX_AMOUNT`], whole fen.
fn money(out: &mut Vec<Problem>, path: String, amount: Decimal) {
    let problem = if amount.is_sign_negative() && !amount.is_zero() {
        format!("the amount {amount} is negative")
    } else if amount.is_sign_negative() {
        "the amount is a negative zero (-0)".to_string()
    } else if amount > Decimal::from(MAX_AMOUNT) {
        format!("the amount {amount} is beyond any contribution standard")
    } else if amount.normalize().scale() > 2 {
        format!("the amount {amount} has fractions of a fen")
    } else {
        return;
    };
    out.push(Problem::new(
        path,
        problem,
        format!(
            "an amount in yuan from 0 to {MAX_AMOUNT}, to the fen (at most two decimal places)"
        ),
    ));
}

fn amount(out: &mut Vec<Problem>, path: &str, value: &CitedAmount) {
    money(out, format!("{path}.amount"), value.amount);
    if value.external && value.source.as_deref().is_none_or(|s| s.trim().is_empty()) {
        out.push(external_without_source(format!("{path}.source")));
    }
}

fn external_without_source(path: String) -> Problem {
    Problem::new(
        path,
        "the value is marked external but names no source",
        "`source = \"...\"` naming the document it comes from, e.g. \"医保发〔2022〕20号\"",
    )
}

/// Every category named is built in or declared by the policy.
fn check_categories(spec: &PolicySpec, path: &str, kinds: &[CategoryKind], out: &mut Vec<Problem>) {
    for (j, kind) in kinds.iter().enumerate() {
        let known = match kind {
            CategoryKind::Local(name) => spec
                .categories
                .iter()
                .any(|c| c.id == name.as_ref() || c.name.trim() == name.as_ref()),
            _ => true,
        };
        if !known {
            out.push(unknown_category(spec, format!("{path}[{j}]"), kind.id()));
        }
    }
}

fn unknown_category(spec: &PolicySpec, path: String, name: &str) -> Problem {
    let mut known: Vec<&str> = CategoryKind::builtin_ids().collect();
    known.extend(spec.categories.iter().map(|c| c.id.as_str()));
    let suggestion = crate::suggest::closest(name, known.iter().copied())
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default();
    Problem::new(
        path,
        format!("unknown category `{name}`{suggestion}"),
        format!(
            "a built-in category ({}) or one declared in a `[[category]]` table",
            known.join(", ")
        ),
    )
}

/// The most local special circumstances a policy may declare (a resident's circumstance is a bit
/// of a 32-bit set, with "none" and the built-in ones).
pub(crate) const MAX_LOCAL_SPECIALS: usize = 16;
/// The most local refusal codes a policy may declare.
pub(crate) const MAX_LOCAL_REFUSALS: usize = 64;

/// ` (did you mean `x`?)`, or nothing.
fn did_you_mean<'a>(name: &str, known: impl Iterator<Item = &'a str>) -> String {
    crate::suggest::closest(name, known)
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default()
}

/// The further grades: numbered 2, 3, ... in order, named, each a valid amount.
fn check_grades(spec: &PolicySpec, out: &mut Vec<Problem>) {
    let grades = &spec.standards.grades;
    if grades.len() + 1 > usize::from(crate::resident::MAX_GRADES) {
        out.push(Problem::new(
            "standards.grades",
            format!("{} contribution grades", grades.len() + 1),
            format!(
                "at most {} grades (`personal` is grade 1)",
                crate::resident::MAX_GRADES
            ),
        ));
    }
    for (i, grade) in grades.iter().enumerate() {
        let path = format!("standards.grades[{i}]");
        if usize::from(grade.grade) != i + 2 {
            out.push(Problem::new(
                format!("{path}.grade"),
                format!("grade {} where grade {} comes next", grade.grade, i + 2),
                "grades numbered 2, 3, ... in order (`personal` is grade 1, 一档)",
            ));
        }
        if grade.name.trim().is_empty() {
            out.push(Problem::new(
                format!("{path}.name"),
                "the grade has no name",
                "the notice's name for it, e.g. \"二档\"",
            ));
        }
        money(out, format!("{path}.amount"), grade.amount);
    }
}

/// `[newborn]`: one "within" count, at most one "late" test, counts in range, months declared.
fn check_newborn(spec: &PolicySpec, out: &mut Vec<Problem>) {
    let n = &spec.newborn;
    match (n.within_days, n.within_months) {
        (Some(days), None) => bounded(
            out,
            "newborn.within_days".into(),
            days,
            false,
            MAX_DAYS,
            "days",
        ),
        (None, Some(months)) => {
            bounded(
                out,
                "newborn.within_months".into(),
                months,
                false,
                MAX_MONTHS,
                "months",
            );
            needs_months(spec, out, "newborn.within_months");
        }
        (Some(_), Some(_)) => out.push(Problem::new(
            "newborn.within_months",
            "both `within_days` and `within_months`",
            "one of them: `within_days = 90` (出生90天内) or `within_months = 3` (出生3个月内)",
        )),
        (None, None) => out.push(Problem::new(
            "newborn",
            "no `within_days` or `within_months`: who is a newborn is not said",
            "`within_days = 90` (出生90天内) or `within_months = 3` (出生3个月内)",
        )),
    }
    if let Some(months) = n.late_within_months {
        if n.late_born_on_or_after.is_some() {
            out.push(Problem::new(
                "newborn.late_within_months",
                "both `late_born_on_or_after` and `late_within_months`",
                "one of them, or neither (no late newborns)",
            ));
        }
        bounded(
            out,
            "newborn.late_within_months".into(),
            months,
            false,
            MAX_MONTHS,
            "months",
        );
        needs_months(spec, out, "newborn.late_within_months");
        let within_months = n
            .within_months
            .or(n.within_days.map(|d| d.div_ceil(28)))
            .unwrap_or(0);
        if months < within_months {
            out.push(Problem::new(
                "newborn.late_within_months",
                format!(
                    "late newborns pay within {months} months of birth, sooner than a newborn \"within\" does"
                ),
                "a late limit beyond the within limit (出生90天后至1周岁: 12)",
            ));
        }
    }
    if let Some(days) = n.before_birth_days {
        bounded(
            out,
            "newborn.before_birth_days".into(),
            days,
            false,
            MAX_PRENATAL_DAYS,
            "days",
        );
    }
}

/// The most days before birth a child may be registered (a pregnancy's length).
pub(crate) const MAX_PRENATAL_DAYS: u32 = 300;

/// A count of months (from birth, a circumstance, an age) needs `[conventions] months`.
fn needs_months(spec: &PolicySpec, out: &mut Vec<Problem>, path: &str) {
    if spec.conventions.months.is_none() {
        out.push(Problem::new(
            path,
            "months are counted here, but `[conventions]` declares no `months`",
            "`months = \"same_day_or_month_end\"` in `[conventions]` (urrbmi reading M1)",
        ));
    }
}

/// Conditions on the person (born, age, natural years) of a tier or a `when`.
fn check_person(
    spec: &PolicySpec,
    path: &str,
    born: Option<&BirthRange>,
    age: Option<&AgeRange>,
    natural_years: Option<u32>,
    out: &mut Vec<Problem>,
) {
    if let Some(born) = born
        && let (Some(from), Some(to)) = (born.from, born.to)
        && from > to
    {
        out.push(Problem::new(
            format!("{path}.born.to"),
            format!("born.to {to} is before born.from {from}"),
            "`to` on or after `from`",
        ));
    }
    if let Some(age) = age {
        for (key, years) in [("at_least", age.at_least), ("under", age.under)] {
            if let Some(years) = years {
                bounded(
                    out,
                    format!("{path}.age.{key}"),
                    years,
                    key == "at_least",
                    MAX_YEARS,
                    "years",
                );
            }
        }
        match (age.at_least, age.under) {
            (None, None) => out.push(Problem::new(
                format!("{path}.age"),
                "the age condition gives no bound",
                "`at_least = 60` and/or `under = 18`, with `on`",
            )),
            (Some(low), Some(high)) if low >= high => out.push(Problem::new(
                format!("{path}.age.under"),
                format!("no age is at least {low} and under {high}"),
                "`under` above `at_least`",
            )),
            _ => {}
        }
        needs_months(spec, out, &format!("{path}.age"));
    }
    if let Some(years) = natural_years {
        bounded(
            out,
            format!("{path}.natural_years_from_birth"),
            years,
            false,
            MAX_YEARS,
            "years",
        );
    }
}

/// Who may use an extension: at least one group, each named.
fn check_extension_who(spec: &PolicySpec, path: &str, who: &ExtensionWho, out: &mut Vec<Problem>) {
    if who == &ExtensionWho::default() {
        out.push(Problem::new(
            path,
            "the extension's `who` names nobody",
            "`special = [...]`, `categories = [...]` or `students = [...]`, or no `who` (everyone)",
        ));
    }
    check_specials(spec, &format!("{path}.special"), &who.special, out);
    if let Some(kinds) = &who.categories {
        check_categories(spec, &format!("{path}.categories"), kinds, out);
    }
    if let Some(grades) = &who.grades {
        let names_disability = who
            .categories
            .as_ref()
            .is_some_and(|k| k.contains(&CategoryKind::Disability));
        if !names_disability || grades.is_empty() || grades.iter().any(|g| !(1..=4).contains(g)) {
            out.push(Problem::new(
                format!("{path}.grades"),
                format!("the grades {grades:?} do not qualify a disability named in `categories`"),
                "`grades` (1 to 4) only with `categories` that include \"disability\"",
            ));
        }
    }
}

/// The local declarations of one kind (`[[category]]`, `[[special]]`, ...): snake_case ids (for
/// funders and refusal codes, short enough to be held inline), names present and trimmed, and
/// no id or name that already means another value, built in or declared.
fn check_locals<'a>(
    out: &mut Vec<Problem>,
    table: &str,
    what: &str,
    entries: &[LocalName],
    builtin: impl Iterator<Item = (&'a str, &'a str)>,
    inline_id: bool,
) {
    let mut taken: std::collections::HashMap<String, String> = builtin
        .map(|(id, name)| {
            let noun = what.trim_start_matches("local ");
            (name.to_string(), format!("the built-in {noun} `{id}`"))
        })
        .collect();
    for (i, entry) in entries.iter().enumerate() {
        let path = format!("{table}[{i}]");
        let snake = !entry.id.is_empty()
            && entry
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        let fits = !inline_id || crate::names::LocalId::new(&entry.id).is_some();
        if !snake || !fits {
            out.push(Problem::new(
                format!("{path}.id"),
                format!("`{}` is not a {what} id", shown(&entry.id)),
                if inline_id {
                    format!(
                        "a snake_case id (lowercase ASCII letters, digits and `_`, starting with a letter), at most {} bytes",
                        crate::names::LocalId::MAX_LEN
                    )
                } else {
                    "a snake_case id (lowercase ASCII letters, digits and `_`)".to_string()
                },
            ));
        }
        if entry.name.trim().is_empty() {
            out.push(Problem::new(
                format!("{path}.name"),
                "the name is empty",
                "the Chinese name the notice gives it",
            ));
        } else if entry.name.trim() != entry.name {
            out.push(Problem::new(
                format!("{path}.name"),
                format!("the name {:?} has spaces around it", shown(&entry.name)),
                "the name without leading or trailing spaces",
            ));
        }
        let this = format!("the {what} `{}` ({table}[{i}])", shown(&entry.id));
        for (key, name) in [("id", entry.id.trim()), ("name", entry.name.trim())] {
            if name.is_empty() || (key == "name" && name == entry.id.trim()) {
                continue;
            }
            match taken.get(name) {
                Some(other) => out.push(Problem::new(
                    format!("{path}.{key}"),
                    format!(
                        "`{}` already names {other}; a value written so would mean two things",
                        shown(name)
                    ),
                    "an id and a name that no other value of its kind (built in or local) has as its id, name or alias",
                )),
                None => {
                    taken.insert(name.to_string(), this.clone());
                }
            }
        }
    }
}

/// Every special circumstance named is built in or declared by the policy (by id or name).
fn check_specials(spec: &PolicySpec, path: &str, kinds: &[SpecialKind], out: &mut Vec<Problem>) {
    for (j, kind) in kinds.iter().enumerate() {
        let SpecialKind::Local(name) = kind else {
            continue;
        };
        let known = spec
            .specials
            .iter()
            .any(|s| s.id == name.as_ref() || s.name.trim() == name.as_ref());
        if !known {
            let mut ids: Vec<&str> = SpecialKind::builtin_ids().collect();
            ids.extend(spec.specials.iter().map(|s| s.id.as_str()));
            out.push(Problem::new(
                format!("{path}[{j}]"),
                format!(
                    "unknown special circumstance `{name}`{}",
                    did_you_mean(name, ids.iter().copied())
                ),
                format!(
                    "a built-in special circumstance or one declared in a `[[special]]` table: {}",
                    ids.join(", ")
                ),
            ));
        }
    }
}

/// A tier part's funder is built in or declared by the policy.
fn check_funder(spec: &PolicySpec, path: &str, funder: Funder, out: &mut Vec<Problem>) {
    let Funder::Local(id) = funder else {
        return;
    };
    if spec.funders.iter().any(|f| f.id == id.as_str()) {
        return;
    }
    let mut known: Vec<&str> = Funder::ALL.iter().map(|f| f.id()).collect();
    known.extend(spec.funders.iter().map(|f| f.id.as_str()));
    out.push(Problem::new(
        path,
        format!(
            "unknown funder `{id}`{}",
            did_you_mean(id.as_str(), known.iter().copied())
        ),
        format!(
            "a built-in funder or one declared in a `[[funder]]` table: {}",
            Funder::ALL
                .iter()
                .map(|f| format!("{} ({})", f.id(), f.chinese()))
                .chain(
                    spec.funders
                        .iter()
                        .map(|f| format!("{} ({})", f.id, f.name))
                )
                .collect::<Vec<_>>()
                .join(", ")
        ),
    ));
}
