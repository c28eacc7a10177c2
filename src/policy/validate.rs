//! The checks a policy must pass to load.

use std::collections::HashSet;
use std::path::PathBuf;

use rust_decimal::Decimal;

use super::locate;
use super::schema::{CitedAmount, EndDates, PolicySpec, StartFrom};
use crate::category::CategoryKind;
use crate::error::{Location, PolicyError};

/// One problem found in a policy: where, what, and what would be accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub key_path: String,
    pub problem: String,
    pub expected: String,
}

impl Problem {
    fn new(
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

    /// The error, located in `text` when the policy was read from text.
    pub fn into_error(self, text: Option<&str>, file: Option<PathBuf>) -> PolicyError {
        let (line, column) = text
            .and_then(|t| locate::locate(t, &self.key_path))
            .map_or((None, None), |(l, c)| (Some(l), Some(c)));
        PolicyError::Invalid {
            location: Box::new(Location {
                file,
                line,
                column,
                key_path: Some(self.key_path),
            }),
            problem: self.problem,
            expected: self.expected,
        }
    }
}

/// Checks `spec`; the first problem found is the error.
pub(crate) fn validate(spec: &PolicySpec) -> Result<(), Problem> {
    match problems(spec).into_iter().next() {
        Some(problem) => Err(problem),
        None => Ok(()),
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
    cite("coverage.cite".into(), &cov.cite, &mut out);
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
    cite("window.cite".into(), &spec.window.cite, &mut out);

    let mut extension_ids = HashSet::new();
    for (i, ext) in spec.extensions.iter().enumerate() {
        let path = format!("extension[{i}]");
        if ["main", "outside"].contains(&ext.id.as_str()) || !extension_ids.insert(ext.id.as_str())
        {
            out.push(Problem::new(
                format!("{path}.id"),
                format!("the extension id `{}` is reserved or used twice", ext.id),
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
        if ext.from <= spec.window.to && ext.to >= spec.window.from {
            out.push(Problem::new(
                format!("{path}.from"),
                format!(
                    "the extension {}..{} overlaps the window {}..{}",
                    ext.from, ext.to, spec.window.from, spec.window.to
                ),
                "an extension that begins after the window ends",
            ));
        }
        cite(format!("{path}.cite"), &ext.cite, &mut out);
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
    for (i, period) in spec.periods.iter().enumerate() {
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
        cite(format!("period[{i}].cite"), &period.cite, &mut out);
    }

    if spec.newborn.within_days == 0 {
        out.push(Problem::new(
            "newborn.within_days",
            "a newborn window of 0 days",
            "a number of days such as 90",
        ));
    }
    cite("newborn.cite".into(), &spec.newborn.cite, &mut out);
    cite("subsidy.cite".into(), &spec.subsidy.cite, &mut out);

    let mut local_ids = HashSet::new();
    for (i, cat) in spec.categories.iter().enumerate() {
        let path = format!("category[{i}]");
        let snake = !cat.id.is_empty()
            && cat
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !snake || CategoryKind::builtin(&cat.id).is_some() || !local_ids.insert(cat.id.as_str())
        {
            out.push(Problem::new(
                format!("{path}.id"),
                format!("`{}` cannot be a local category id", cat.id),
                "a snake_case id that is not built in and not declared twice",
            ));
        }
        if cat.name.trim().is_empty() {
            out.push(Problem::new(
                format!("{path}.name"),
                "the name is empty",
                "the Chinese name of the group",
            ));
        }
        cite(format!("{path}.cite"), &cat.cite, &mut out);
    }
    let known = |kind: &CategoryKind| match kind {
        CategoryKind::Local(name) => spec
            .categories
            .iter()
            .any(|c| c.id == name.as_ref() || c.name == name.as_ref()),
        _ => true,
    };
    let check_categories = |path: String, kinds: &[CategoryKind], out: &mut Vec<Problem>| {
        for (j, kind) in kinds.iter().enumerate() {
            if !known(kind) {
                out.push(unknown_category(spec, format!("{path}[{j}]"), kind.id()));
            }
        }
    };

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
        check_categories(format!("{path}.categories"), &tier.categories, &mut out);
        check_categories(format!("{path}.not_holding"), &tier.not_holding, &mut out);
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
                    let share = share.clamp(Decimal::ZERO, Decimal::ONE_HUNDRED);
                    let bounded = personal.clamp(Decimal::ZERO, Decimal::from(MAX_AMOUNT));
                    total += crate::money::share_of(bounded, share).unwrap_or(Decimal::ZERO);
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
        cite(format!("{path}.cite"), &tier.cite, &mut out);
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
        if let Some(paid) = &rule.when.paid {
            for (j, name) in paid.iter().enumerate() {
                let ok =
                    name == "main" || name == "outside" || extension_ids.contains(name.as_str());
                if !ok {
                    let mut accepted = vec!["main", "outside"];
                    accepted.extend(spec.extensions.iter().map(|e| e.id.as_str()));
                    let suggestion = crate::suggest::closest(name, accepted.iter().copied())
                        .map(|s| format!(" (did you mean `{s}`?)"))
                        .unwrap_or_default();
                    out.push(Problem::new(
                        format!("{path}.when.paid[{j}]"),
                        format!("`{name}` is neither the window nor an extension{suggestion}"),
                        format!("one of: {}", accepted.join(", ")),
                    ));
                }
            }
        }
        let needs_special = rule.when.special_within_days.is_some()
            || rule.when.special_after_days.is_some()
            || rule.benefit_start == Some(StartFrom::SpecialDate);
        if needs_special && rule.when.special.as_ref().is_none_or(Vec::is_empty) {
            out.push(Problem::new(
                format!("{path}.when.special"),
                "the rule counts from a special circumstance's date but names no circumstance",
                "`special = [\"employee_insurance_lapse\"]` (or another circumstance with a date)",
            ));
        }
        if rule.when.without_special && rule.when.special.is_some() {
            out.push(Problem::new(
                format!("{path}.when.without_special"),
                "the rule asks for no special circumstance and for one",
                "either `without_special = true` or `special = [...]`",
            ));
        }
        if let Some(kinds) = &rule.when.holds_any {
            check_categories(format!("{path}.when.holds_any"), kinds, &mut out);
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
        if rule.external && rule.source.as_deref().is_none_or(|s| s.trim().is_empty()) {
            out.push(external_without_source(format!("{path}.source")));
        }
        if let Some(born) = &rule.when.born
            && let (Some(from), Some(to)) = (born.from, born.to)
            && from > to
        {
            out.push(Problem::new(
                format!("{path}.when.born.to"),
                format!("born.to {to} is before born.from {from}"),
                "`to` on or after `from`",
            ));
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
    out
}

/// The largest amount a policy may state, in yuan: far above any contribution standard, and low
/// enough that no sum or share of amounts can overflow.
pub(crate) const MAX_AMOUNT: i64 = 1_000_000;

/// Checks an amount of money: not negative, at most [`MAX_AMOUNT`], whole fen.
fn money(out: &mut Vec<Problem>, path: String, amount: Decimal) {
    let problem = if amount.is_sign_negative() && !amount.is_zero() {
        format!("the amount {amount} is negative")
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
