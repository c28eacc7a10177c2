//! The checks a policy must pass to load.

use std::collections::HashSet;

use rust_decimal::Decimal;

use super::compile::{MAX_LOCAL_CATEGORIES, MAX_NOTES, last_day};
use super::schema::{
    Cited, CitedAmount, EndDates, Incentive, PolicySpec, StartFrom, StartRule, WaitingPeriodTable,
    When,
};
use crate::category::CategoryKind;
use crate::error::shown;

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
    amount(&mut out, "standards.fiscal", &spec.standards.fiscal);
    cite(
        "standards.personal.cite".into(),
        &spec.standards.personal.cite,
        &mut out,
    );
    cite(
        "standards.fiscal.cite".into(),
        &spec.standards.fiscal.cite,
        &mut out,
    );

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

    bounded(
        &mut out,
        "newborn.within_days".into(),
        spec.newborn.within_days,
        false,
        MAX_DAYS,
        "days",
    );

    // A resident's category is matched by id or name, so every id and every name, built-in
    // aliases included, must mean one category (urrbmi reading: no name means two things).
    let mut taken: std::collections::HashMap<String, String> = CategoryKind::builtin_names()
        .map(|(id, name)| (name.to_string(), format!("the built-in category `{id}`")))
        .collect();
    for (i, cat) in spec.categories.iter().enumerate() {
        let path = format!("category[{i}]");
        let snake = !cat.id.is_empty()
            && cat
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !snake {
            out.push(Problem::new(
                format!("{path}.id"),
                format!("`{}` is not a local category id", shown(&cat.id)),
                "a snake_case id (lowercase ASCII letters, digits and `_`)",
            ));
        }
        if cat.name.trim().is_empty() {
            out.push(Problem::new(
                format!("{path}.name"),
                "the name is empty",
                "the Chinese name of the group",
            ));
        } else if cat.name.trim() != cat.name {
            out.push(Problem::new(
                format!("{path}.name"),
                format!("the name {:?} has spaces around it", shown(&cat.name)),
                "the name without leading or trailing spaces",
            ));
        }
        let this = format!("the local category `{}` (category[{i}])", shown(&cat.id));
        for (key, name) in [("id", cat.id.trim()), ("name", cat.name.trim())] {
            if name.is_empty() || (key == "name" && name == cat.id.trim()) {
                continue;
            }
            match taken.get(name) {
                Some(other) => out.push(Problem::new(
                    format!("{path}.{key}"),
                    format!(
                        "`{}` already names {other}; a resident holding it would match two categories",
                        shown(name)
                    ),
                    "an id and a name that no other category (built in or local) has as its id, name or alias",
                )),
                None => {
                    taken.insert(name.to_string(), this.clone());
                }
            }
        }
    }

    let personal = spec.standards.personal.amount;
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
        if tier.categories.is_empty() {
            out.push(Problem::new(
                format!("{path}.categories"),
                "the tier names no category",
                "one or more category ids",
            ));
        }
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
        let mut total = Decimal::ZERO;
        for (j, part) in tier.parts.iter().enumerate() {
            let part_path = format!("{path}.parts[{j}]");
            match (part.share, part.amount) {
                (Some(share), None) => {
                    if share.is_sign_negative() || share > Decimal::ONE_HUNDRED {
                        out.push(Problem::new(
                            format!("{part_path}.share"),
                            format!("the share {share} is not a percentage"),
                            "a percentage of the personal standard from 0 to 100",
                        ));
                    }
                    // The amount of the part, bounded so that a broken value cannot overflow.
                    let bounded = super::schema::TierPart {
                        share: Some(share.clamp(Decimal::ZERO, Decimal::ONE_HUNDRED)),
                        ..part.clone()
                    };
                    let personal = personal.clamp(Decimal::ZERO, Decimal::from(MAX_AMOUNT));
                    total += bounded.amount_of(personal).unwrap_or(Decimal::ZERO);
                }
                (None, Some(amount)) => {
                    money(&mut out, format!("{part_path}.amount"), amount);
                    total += amount.clamp(Decimal::ZERO, Decimal::from(MAX_AMOUNT));
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
        if total > personal && !personal.is_sign_negative() {
            out.push(Problem::new(
                format!("{path}.parts"),
                format!(
                    "the tier `{}` pays {total} yuan, more than the personal standard of {personal}",
                    tier.id
                ),
                format!("parts that add up to at most {personal} yuan"),
            ));
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
        let counts_from_special = rule.when.special_within_days.is_some()
            || rule.when.special_after_days.is_some()
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
            || exemption.when.special_after_days.is_some();
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
    for (i, c) in spec.categories.iter().enumerate() {
        cited.push((format!("category[{i}]"), c));
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
    if spec.categories.len() > MAX_LOCAL_CATEGORIES {
        out.push(Problem::new(
            "category",
            format!("{} local categories", spec.categories.len()),
            format!("at most {MAX_LOCAL_CATEGORIES} local categories per policy"),
        ));
    }
    let exempt = spec.waiting_period.as_ref().map_or(0, |w| w.exempt.len());
    let notes = 32
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
