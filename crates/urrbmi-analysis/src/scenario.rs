//! Synthetic rosters: a seeded, reproducible population for a region, from a small TOML
//! scenario.
//!
//! A scenario gives the population of each township (from a notice's own table), and the
//! shares of age bands, identity categories, disability grades, students, first-time enrollees,
//! non-local residents and payment dates. Shares are percentages. The same scenario and seed
//! always give the same roster, on any machine and any number of threads.
//!
//! The populations of the shipped scenarios come from the notices; the shares are assumptions
//! and each file says so and names what they are based on. A synthetic roster is a projection,
//! not a record: use it to compare policies and to size budgets, not to audit a county.
//!
//! ```
//! use urrbmi_analysis::scenario::Scenario;
//!
//! let scenario = Scenario::from_path("scenarios/yanling-2021.toml")?;
//! assert_eq!(scenario.population(), 179_332);
//! let small = scenario.scaled(1_000)?;
//! let roster = small.generate();
//! assert_eq!(roster.residents.len(), 1_000);
//! // Reproducible: the same scenario gives the same roster.
//! assert_eq!(roster.residents, small.generate().residents);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use chrono::{Days, NaiveDate};
use rand::distr::weighted::WeightedIndex;
use rand::prelude::*;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::batch::{GroupId, Groups};
use urrbmi::{CategoryKind, HeldCategory};
use urrbmi::{Enrollment, Hukou, Resident, Special, SpecialKind, Student};

/// A scenario file, as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// What the scenario is and where its numbers come from.
    pub scenario: Header,
    /// Townships and their populations, in the order of the source table.
    #[serde(rename = "township")]
    pub townships: Vec<Township>,
    /// The assumptions behind every share below.
    pub assumptions: Assumptions,
    /// Age bands (of residents who are not newborns) and their shares.
    #[serde(rename = "age")]
    pub ages: Vec<AgeBand>,
    /// Newborns: children born in the collection window who pay within days of birth.
    pub newborns: Newborns,
    /// Share of residents holding each identity category (drawn independently), by id.
    pub categories: BTreeMap<String, f64>,
    /// Disability: share of residents and the split by grade.
    pub disability: Disability,
    /// Students, first-time enrollees, hukou and household units.
    pub population: PopulationShares,
    /// When residents pay: date ranges and their shares.
    #[serde(rename = "payment")]
    pub payments: Vec<PaymentRange>,
}

/// `[scenario]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// A name for reports.
    pub name: String,
    /// The policy to evaluate under: a built-in id or a path.
    pub policy: String,
    /// The seed of the random draws.
    pub seed: u64,
    /// Where the township populations come from.
    pub population_source: String,
    /// The total the source table states (小计/合计), checked against the townships.
    pub total: u64,
}

/// `[[township]]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Township {
    /// The township's name (the grouping key of the roster).
    pub name: String,
    /// Residents to generate.
    pub population: u64,
    /// A remark from the source table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// `[assumptions]`: the file's own account of its shares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assumptions {
    /// What is assumed, and what it is based on.
    pub note: String,
    /// The sources the assumptions lean on.
    pub based_on: Vec<String>,
}

/// `[[age]]`: residents aged `from..=to` years on the first day of the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgeBand {
    /// Youngest age in years.
    pub from: u32,
    /// Oldest age in years.
    pub to: u32,
    /// Percent of residents who are not newborns.
    pub share: f64,
}

/// `[newborns]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Newborns {
    /// Percent of residents who are newborns.
    pub share: f64,
    /// Born on or after this day...
    pub born_from: NaiveDate,
    /// ...and on or before this day.
    pub born_to: NaiveDate,
    /// They pay within this many days of birth.
    pub pay_within_days: u32,
}

/// `[disability]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Disability {
    /// Percent of residents holding a disability certificate.
    pub share: f64,
    /// Percent of them at grades 1, 2, 3 and 4.
    pub grades: [f64; 4],
}

/// `[population]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PopulationShares {
    /// Percent of residents aged 6–17 who are pupils (中小学生).
    pub school: f64,
    /// Percent of residents aged 18–22 enrolled here as college students (most enroll with
    /// their school elsewhere).
    pub college: f64,
    /// Percent of residents enrolling for the first time.
    pub first_time: f64,
    /// Percent of residents with hukou elsewhere and a residence permit.
    pub other_hukou_with_permit: f64,
    /// Percent of residents not paying as a household unit.
    pub not_household_unit: f64,
}

/// `[[payment]]`: residents paying between `from` and `to`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentRange {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// Percent of residents who are not newborns.
    pub share: f64,
    /// A special circumstance every payer in this range has (its date, where a rule needs one,
    /// is 0–60 days before payment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub special: Option<SpecialKind>,
    /// Override: these payers pay as a household unit (`true`) or not (`false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub household_unit: Option<bool>,
}

/// A scenario that cannot be used: where and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("cannot read scenario {path}: {reason}")]
    Io {
        /// The path.
        path: String,
        /// The operating system's reason.
        reason: String,
    },
    /// Not valid TOML, or a key is unknown or has the wrong type.
    #[error("scenario: {message}")]
    Syntax {
        /// The TOML reader's message, with line and column.
        message: String,
    },
    /// A value breaks a rule of the format.
    #[error("scenario `{key}`: {problem}; {expected}")]
    Invalid {
        /// The key path (`township[2].population`).
        key: String,
        /// What is wrong.
        problem: String,
        /// What would be accepted.
        expected: String,
    },
}

fn invalid(key: impl Into<String>, problem: impl Into<String>, expected: &str) -> ScenarioError {
    ScenarioError::Invalid {
        key: key.into(),
        problem: problem.into(),
        expected: expected.into(),
    }
}

/// A generated roster: residents in township order, each with its township.
#[derive(Debug, Clone, Default)]
pub struct SyntheticRoster {
    /// The residents.
    pub residents: Vec<Resident>,
    /// The township names.
    pub groups: Groups,
    /// The township of each resident.
    pub group_ids: Vec<GroupId>,
}

impl Scenario {
    /// Reads and checks a scenario from TOML text.
    pub fn from_toml_str(text: &str) -> Result<Scenario, ScenarioError> {
        let scenario: Scenario = toml::from_str(text).map_err(|e| ScenarioError::Syntax {
            message: e.to_string(),
        })?;
        scenario.check()?;
        Ok(scenario)
    }

    /// Reads and checks a scenario file.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Scenario, ScenarioError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| ScenarioError::Io {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Scenario::from_toml_str(&text)
    }

    /// The number of residents the scenario generates.
    pub fn population(&self) -> u64 {
        self.townships.iter().map(|t| t.population).sum()
    }

    /// The same scenario for `population` residents in all: each township keeps its share
    /// (largest remainders, so the total is exact).
    pub fn scaled(&self, population: u64) -> Result<Scenario, ScenarioError> {
        let current = self.population();
        if population == 0 {
            return Err(invalid(
                "population",
                "a population of 0",
                "a population of 1 or more",
            ));
        }
        let mut scaled = self.clone();
        let mut parts: Vec<(usize, u64, u128)> = self
            .townships
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let exact = u128::from(t.population) * u128::from(population);
                let whole = exact / u128::from(current.max(1));
                let rest = exact % u128::from(current.max(1));
                (i, u64::try_from(whole).unwrap_or(u64::MAX), rest)
            })
            .collect();
        let assigned: u64 = parts.iter().map(|p| p.1).sum();
        let mut left = population.saturating_sub(assigned);
        parts.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
        for part in &mut parts {
            if left == 0 {
                break;
            }
            part.1 += 1;
            left -= 1;
        }
        for (i, count, _) in parts {
            if let Some(t) = scaled.townships.get_mut(i) {
                t.population = count;
            }
        }
        scaled.scenario.total = population;
        Ok(scaled)
    }

    fn check(&self) -> Result<(), ScenarioError> {
        let percent = |key: String, value: f64| {
            if value.is_finite() && (0.0..=100.0).contains(&value) {
                Ok(())
            } else {
                Err(invalid(
                    key,
                    format!("{value} is not a percentage"),
                    "a number from 0 to 100",
                ))
            }
        };
        let sums_to_100 = |key: &str, total: f64| {
            if (total - 100.0).abs() <= 1e-6 {
                Ok(())
            } else {
                Err(invalid(
                    key,
                    format!("the shares add up to {total}"),
                    "shares that add up to 100",
                ))
            }
        };
        if self.townships.is_empty() {
            return Err(invalid(
                "township",
                "no township",
                "at least one `[[township]]`",
            ));
        }
        let mut names = HashSet::new();
        for (i, t) in self.townships.iter().enumerate() {
            if t.name.trim().is_empty() || !names.insert(t.name.trim()) {
                return Err(invalid(
                    format!("township[{i}].name"),
                    format!("the name `{}` is empty or used twice", t.name),
                    "a unique township name",
                ));
            }
        }
        if self.population() != self.scenario.total {
            return Err(invalid(
                "scenario.total",
                format!(
                    "the townships add up to {} but the total is {}",
                    self.population(),
                    self.scenario.total
                ),
                "the total of the source table, equal to the sum of the townships",
            ));
        }
        if self.assumptions.note.trim().is_empty() || self.assumptions.based_on.is_empty() {
            return Err(invalid(
                "assumptions",
                "the assumptions are not stated",
                "a `note` saying what is assumed and a `based_on` list naming the sources",
            ));
        }
        for (i, band) in self.ages.iter().enumerate() {
            percent(format!("age[{i}].share"), band.share)?;
            if band.from > band.to || band.to > 110 {
                return Err(invalid(
                    format!("age[{i}].to"),
                    format!("the band {}..={} is not an age band", band.from, band.to),
                    "`from` <= `to` <= 110",
                ));
            }
        }
        sums_to_100("age", self.ages.iter().map(|b| b.share).sum())?;
        let n = &self.newborns;
        percent("newborns.share".into(), n.share)?;
        if n.born_from > n.born_to {
            return Err(invalid(
                "newborns.born_to",
                "born_to is before born_from",
                "`born_to` on or after `born_from`",
            ));
        }
        for (id, share) in &self.categories {
            percent(format!("categories.{id}"), *share)?;
            if CategoryKind::builtin(id).is_none() {
                let known: Vec<&str> = CategoryKind::builtin_ids().collect();
                return Err(invalid(
                    format!("categories.{id}"),
                    format!("`{id}` is not a built-in category"),
                    &format!("one of: {}", known.join(", ")),
                ));
            }
            if id == "disability" {
                return Err(invalid(
                    "categories.disability",
                    "disability is given in `[disability]` with its grades",
                    "the share in `[disability] share`",
                ));
            }
        }
        percent("disability.share".into(), self.disability.share)?;
        for (g, share) in self.disability.grades.iter().enumerate() {
            percent(format!("disability.grades[{g}]"), *share)?;
        }
        sums_to_100("disability.grades", self.disability.grades.iter().sum())?;
        let p = &self.population;
        percent("population.school".into(), p.school)?;
        percent("population.college".into(), p.college)?;
        percent("population.first_time".into(), p.first_time)?;
        percent(
            "population.other_hukou_with_permit".into(),
            p.other_hukou_with_permit,
        )?;
        percent("population.not_household_unit".into(), p.not_household_unit)?;
        for (i, range) in self.payments.iter().enumerate() {
            percent(format!("payment[{i}].share"), range.share)?;
            if range.from > range.to {
                return Err(invalid(
                    format!("payment[{i}].to"),
                    format!(
                        "the range ends ({}) before it begins ({})",
                        range.to, range.from
                    ),
                    "`to` on or after `from`",
                ));
            }
        }
        sums_to_100("payment", self.payments.iter().map(|r| r.share).sum())?;
        Ok(())
    }

    /// Generates the roster, holding it in memory.
    pub fn generate(&self) -> SyntheticRoster {
        let mut roster = SyntheticRoster {
            residents: Vec::with_capacity(usize::try_from(self.population()).unwrap_or(0)),
            ..SyntheticRoster::default()
        };
        self.generate_with(|resident, township| {
            let id = roster.groups.intern(township);
            roster.residents.push(resident);
            roster.group_ids.push(id);
        });
        roster
    }

    /// Generates the roster one resident at a time, township by township, handing each to
    /// `sink` with its township's name (for writing a long roster without holding it).
    pub fn generate_with(&self, mut sink: impl FnMut(Resident, &str)) {
        let mut rng = ChaCha8Rng::seed_from_u64(self.scenario.seed);
        let draw = Draws::new(self);
        let mut serial: u64 = 0;
        for township in &self.townships {
            for _ in 0..township.population {
                serial += 1;
                let mut resident = draw.resident(&mut rng);
                resident.id = Some(format!("S{serial:07}"));
                sink(resident, &township.name);
            }
        }
    }
}

/// The scenario's distributions, ready to draw from.
struct Draws<'s> {
    scenario: &'s Scenario,
    ages: Option<WeightedIndex<f64>>,
    grades: Option<WeightedIndex<f64>>,
    payments: Option<WeightedIndex<f64>>,
    categories: Vec<(CategoryKind, f64)>,
    reference: NaiveDate,
}

impl<'s> Draws<'s> {
    fn new(scenario: &'s Scenario) -> Self {
        let reference = scenario
            .payments
            .iter()
            .map(|p| p.from)
            .min()
            .unwrap_or(scenario.newborns.born_from);
        Draws {
            scenario,
            ages: WeightedIndex::new(scenario.ages.iter().map(|a| a.share)).ok(),
            grades: WeightedIndex::new(scenario.disability.grades).ok(),
            payments: WeightedIndex::new(scenario.payments.iter().map(|p| p.share)).ok(),
            categories: scenario
                .categories
                .iter()
                .filter_map(|(id, share)| CategoryKind::builtin(id).map(|k| (k, *share / 100.0)))
                .collect(),
            reference,
        }
    }

    fn chance(rng: &mut ChaCha8Rng, percent: f64) -> bool {
        rng.random::<f64>() * 100.0 < percent
    }

    fn day_between(rng: &mut ChaCha8Rng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
        let span = u64::try_from((to - from).num_days()).unwrap_or(0);
        from.checked_add_days(Days::new(rng.random_range(0..=span)))
            .unwrap_or(from)
    }

    fn resident(&self, rng: &mut ChaCha8Rng) -> Resident {
        let s = self.scenario;
        let newborn = Self::chance(rng, s.newborns.share);
        let (birth, payment, range) = if newborn {
            let birth = Self::day_between(rng, s.newborns.born_from, s.newborns.born_to);
            let days = rng.random_range(0..=u64::from(s.newborns.pay_within_days));
            (
                birth,
                birth.checked_add_days(Days::new(days)).unwrap_or(birth),
                None,
            )
        } else {
            let range = self
                .payments
                .as_ref()
                .and_then(|w| s.payments.get(rng.sample(w)));
            let payment = range.map_or(self.reference, |r| Self::day_between(rng, r.from, r.to));
            let band = self.ages.as_ref().and_then(|w| s.ages.get(rng.sample(w)));
            let (young, old) = band.map_or((30, 30), |b| (b.from, b.to));
            // Born between (old + 1) years and `young` years before the reference day, less a day.
            let latest = self
                .reference
                .checked_sub_months(chrono::Months::new(young * 12))
                .unwrap_or(self.reference);
            let earliest = self
                .reference
                .checked_sub_months(chrono::Months::new((old + 1) * 12))
                .and_then(|d| d.checked_add_days(Days::new(1)))
                .unwrap_or(latest);
            let birth = Self::day_between(rng, earliest, latest).min(payment);
            (birth, payment, range)
        };
        let mut resident = Resident::new(birth, payment);
        let age_years = (self.reference - birth).num_days() / 365;
        if (6..=17).contains(&age_years) && Self::chance(rng, s.population.school) {
            resident.student = Student::School;
        } else if (18..=22).contains(&age_years) && Self::chance(rng, s.population.college) {
            resident.student = Student::College;
        }
        if !newborn && Self::chance(rng, s.population.first_time) {
            resident.enrollment = Enrollment::FirstTime;
        }
        if Self::chance(rng, s.population.other_hukou_with_permit) {
            resident.hukou = Hukou::Other;
            resident.residence_permit = true;
        }
        if Self::chance(rng, s.population.not_household_unit) {
            resident.household_unit = false;
        }
        for (kind, p) in &self.categories {
            if rng.random::<f64>() < *p {
                resident.categories.push(HeldCategory::new(kind.clone()));
            }
        }
        if Self::chance(rng, s.disability.share) {
            let grade = self
                .grades
                .as_ref()
                .map_or(4, |w| u8::try_from(rng.sample(w) + 1).unwrap_or(4));
            resident.categories.push(HeldCategory::disability(grade));
        }
        if let Some(range) = range {
            if let Some(unit) = range.household_unit {
                resident.household_unit = unit;
            }
            if let Some(kind) = range.special.clone() {
                let dated = matches!(
                    kind,
                    SpecialKind::WelfareInstitutionChild | SpecialKind::EmployeeInsuranceLapse
                );
                let date = dated.then(|| {
                    let back = rng.random_range(0..=60u64);
                    payment
                        .checked_sub_days(Days::new(back))
                        .unwrap_or(payment)
                        .max(birth)
                });
                resident.special = Some(Special { kind, date });
            }
        }
        resident
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const YANLING: &str = include_str!("../scenarios/yanling-2021.toml");

    #[test]
    fn scaling_keeps_the_total_exact() {
        let s = Scenario::from_toml_str(YANLING).expect("scenario");
        for n in [1, 7, 1_000, 179_333, 1_000_000] {
            let scaled = s.scaled(n).expect("scaled");
            assert_eq!(scaled.population(), n);
            assert_eq!(scaled.scenario.total, n);
        }
    }

    #[test]
    fn shares_that_do_not_add_up_are_named() {
        let text = YANLING.replacen("share = 30.0", "share = 31.0", 1);
        let err = Scenario::from_toml_str(&text).expect_err("shares add up to 101");
        assert!(
            matches!(&err, ScenarioError::Invalid { key, .. } if key == "age" || key == "payment"),
            "{err}"
        );
    }
}
