//! What evaluation needs ready-made, worked out once when a policy is loaded.

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;

use super::schema::{EndDates, NewbornStatus, PolicySpec, SubsidyTier};
use crate::assessment::{NoteId, Refusal, RefusalCode, RuleNote, Subsidies};
use crate::category::CategoryKind;
use crate::money::canonical;
use crate::resident::{SpecialKind, Student};

/// The ready-made parts of a policy. Assessments borrow the strings held here (the notes,
/// tier ids, refusal messages), so evaluating copies none and counts no reference.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    /// Every note an assessment may cite; traces refer to them by [`NoteId`].
    pub rule_notes: Box<[RuleNote]>,
    pub full_standard: Decimal,
    pub window_last_day: NaiveDate,
    pub extensions: Vec<CompiledExtension>,
    pub periods: Vec<CompiledPeriod>,
    /// The settlement period of each student kind (see [`Compiled::period_of`]).
    pub period_of_student: [usize; 3],
    pub tiers: Vec<CompiledTier>,
    pub rules: Vec<CompiledRule>,
    pub notes: Notes,
    pub refusals: Refusals,
}

#[derive(Debug, Clone)]
pub(crate) struct CompiledExtension {
    pub last_day: NaiveDate,
    pub note: NoteId,
}

#[derive(Debug, Clone)]
pub(crate) struct CompiledPeriod {
    pub last_day: NaiveDate,
}

#[derive(Debug, Clone)]
pub(crate) struct CompiledTier {
    pub id: Box<str>,
    /// The tier's built-in categories other than disability, which goes by grade.
    pub categories: Builtins,
    /// The disability grades that qualify, as bits `1 << grade`; none if the tier does not name
    /// disability.
    pub disability_grades: u8,
    /// The built-in categories whose holders do not qualify.
    pub not_holding: Builtins,
    /// Whether the tier names a local category (matched by name, not by bit).
    pub names_local: bool,
    pub subsidies: Subsidies,
    pub total: Decimal,
    /// What a resident of the tier owes: the personal standard less the subsidies.
    pub owed_personal: Decimal,
    /// The same for the full funding standard.
    pub owed_full: Decimal,
    pub note: NoteId,
}

impl CompiledTier {
    /// What a resident of the tier owes when charged the `full` funding standard or not.
    pub fn owed(&self, full: bool) -> Decimal {
        if full {
            self.owed_full
        } else {
            self.owed_personal
        }
    }
}

/// A set of built-in categories, one bit each, so that a tier's test is a mask. Local
/// categories have no bit: they are matched by id or name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Builtins(u16);

impl Builtins {
    pub const NONE: Builtins = Builtins(0);

    fn bit(kind: &CategoryKind) -> u16 {
        use CategoryKind::*;
        match kind {
            ExtremePoverty => 1,
            Orphan => 1 << 1,
            DeFactoOrphan => 1 << 2,
            Disability => 1 << 3,
            SubsistenceAllowance => 1 << 4,
            SubsistenceFringe => 1 << 5,
            RegisteredPoor => 1 << 6,
            PovertyFringe => 1 << 7,
            Monitored => 1 << 8,
            ReturnedToPoverty => 1 << 9,
            FloorPovertyExit => 1 << 10,
            NeedyCollegeStudent => 1 << 11,
            EntitledGroup => 1 << 12,
            StablyLifted => 1 << 13,
            Local(_) => 0,
        }
    }

    /// The built-in categories among `kinds`.
    pub fn of<'k>(kinds: impl IntoIterator<Item = &'k CategoryKind>) -> Builtins {
        kinds.into_iter().fold(Builtins::NONE, Builtins::with)
    }

    /// This set and `kind` (unchanged for a local category).
    pub fn with(self, kind: &CategoryKind) -> Builtins {
        Builtins(self.0 | Builtins::bit(kind))
    }

    /// This set without `kind`.
    pub fn without(self, kind: &CategoryKind) -> Builtins {
        Builtins(self.0 & !Builtins::bit(kind))
    }

    pub fn intersects(self, other: Builtins) -> bool {
        self.0 & other.0 != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// The bit of a disability grade (1–4) in [`CompiledTier::disability_grades`].
pub(crate) fn grade_bit(grade: u8) -> u8 {
    1u8.checked_shl(u32::from(grade)).unwrap_or(0)
}

#[derive(Debug, Clone)]
pub(crate) struct CompiledRule {
    /// Bit 0: paid in the window; bit 1: outside; bit 2 + i: in extension i.
    pub paid_mask: u64,
    /// The newborn statuses the rule allows, as [`newborn_bit`]s (all, when it names none).
    pub newborn_mask: u8,
    /// The special circumstances the rule allows, as [`special_bit`]s (all, when it names none).
    pub special_mask: u16,
    /// The rule as the deciding step.
    pub note: NoteId,
    /// The rule as a step that did not decide: it set the start date that a refusal then
    /// found outside the settlement period.
    pub context_note: NoteId,
    pub refusal: Option<RefusalText>,
    pub prior_year_note: Option<NoteId>,
}

/// When a payment was made, as a bit of [`CompiledRule::paid_mask`].
pub(crate) const PAID_MAIN: u64 = 1;
pub(crate) const PAID_OUTSIDE: u64 = 1 << 1;
pub(crate) fn paid_extension(index: usize) -> u64 {
    1u64.checked_shl(2 + index as u32).unwrap_or(0)
}

/// A newborn status as a bit of [`CompiledRule::newborn_mask`].
pub(crate) fn newborn_bit(status: NewbornStatus) -> u8 {
    match status {
        NewbornStatus::Within => 1,
        NewbornStatus::Late => 1 << 1,
        NewbornStatus::No => 1 << 2,
    }
}

/// A special circumstance, or none (bit 0), as a bit of [`CompiledRule::special_mask`].
pub(crate) fn special_bit(special: Option<SpecialKind>) -> u16 {
    match special {
        None => 1,
        Some(kind) => 2 << (kind as u16),
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Notes {
    pub covered: NoteId,
    pub paid_main: NoteId,
    pub paid_outside: NoteId,
    pub personal: NoteId,
    pub full: NoteId,
    pub no_tier: NoteId,
    /// The rule's start fell before the settlement period and was moved to its first day.
    pub start_moved: NoteId,
}

#[derive(Debug, Clone)]
pub(crate) struct Refusals {
    pub employee_obligated: (RefusalText, NoteId),
    pub not_covered: (RefusalText, NoteId),
    pub outside_window: (RefusalText, NoteId),
    pub no_benefit_in_period: (RefusalText, NoteId),
}

/// A refusal as the policy holds it; assessments borrow it as a [`Refusal`].
#[derive(Debug, Clone)]
pub(crate) struct RefusalText {
    pub code: RefusalCode,
    pub message: Box<str>,
}

impl RefusalText {
    /// The refusal, borrowing the message.
    pub fn get(&self) -> Refusal<'_> {
        Refusal {
            code: self.code,
            message: &self.message,
        }
    }
}

/// The notes of a policy as they are written, each given its [`NoteId`].
#[derive(Default)]
struct NoteBook(Vec<RuleNote>);

impl NoteBook {
    fn note(&mut self, rule: String, summary: String, citation: &str, decides: bool) -> NoteId {
        // A policy has a few dozen notes; saturating keeps the type honest without a panic.
        let id = NoteId(u16::try_from(self.0.len()).unwrap_or(u16::MAX));
        self.0.push(RuleNote {
            rule,
            summary,
            citation: citation.to_string(),
            decides,
        });
        id
    }

    /// A refusal the evaluation makes itself (not a policy rule): its trace step is named
    /// `refusal.<code>`.
    fn refusal(
        &mut self,
        code: RefusalCode,
        message: String,
        citation: &str,
    ) -> (RefusalText, NoteId) {
        let text = format!("{message} ({citation})");
        (
            RefusalText {
                code,
                message: text.into(),
            },
            self.note(format!("refusal.{}", code.id()), message, citation, true),
        )
    }
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
    /// The index of the settlement period for a student kind.
    pub fn period_of(&self, student: Student) -> usize {
        let slot = match student {
            Student::None => 0,
            Student::School => 1,
            Student::College => 2,
        };
        self.period_of_student
            .get(slot)
            .copied()
            .unwrap_or_default()
    }

    /// Works out everything from a spec that has passed validation.
    pub fn new(spec: &PolicySpec) -> Compiled {
        let mut book = NoteBook::default();
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
                    note: book.note(
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
            .map(|tier| compile_tier(tier, personal, full_standard, &mut book))
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
                let when = &rule.when;
                let newborn_mask = when.newborn.as_ref().map_or(u8::MAX, |statuses| {
                    statuses.iter().fold(0, |mask, &s| mask | newborn_bit(s))
                });
                let mut special_mask = when.special.as_ref().map_or(u16::MAX, |kinds| {
                    kinds.iter().fold(0, |mask, &k| mask | special_bit(Some(k)))
                });
                if when.without_special {
                    special_mask &= special_bit(None);
                }
                let rule_path = format!("rule.{}", rule.id);
                let citation =
                    external(&rule.cite, rule.source.as_deref().filter(|_| rule.external));
                CompiledRule {
                    paid_mask,
                    newborn_mask,
                    special_mask,
                    note: book.note(rule_path.clone(), rule.title.clone(), &citation, true),
                    context_note: book.note(
                        rule_path.clone(),
                        format!(
                            "{} (the start it sets is checked against the settlement period)",
                            rule.title
                        ),
                        &citation,
                        false,
                    ),
                    refusal: rule.refuse.as_ref().map(|r| RefusalText {
                        code: r.code,
                        message: format!("{} ({citation})", r.message).into(),
                    }),
                    prior_year_note: rule.prior_year.as_ref().map(|p| {
                        book.note(
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
        let covered_who = spec.coverage.describe();
        let notes = Notes {
            covered: book.note(
                "coverage".into(),
                format!("covered: {covered_who}"),
                &spec.coverage.cite,
                false,
            ),
            paid_main: book.note(
                "window".into(),
                format!("paid in the collection window {window_text}"),
                &spec.window.cite,
                false,
            ),
            paid_outside: book.note(
                "window".into(),
                format!("paid outside the collection window {window_text}"),
                &spec.window.cite,
                false,
            ),
            personal: book.note(
                "standards.personal".into(),
                format!(
                    "charged the personal standard of {} yuan",
                    canonical(personal)
                ),
                &std.personal.cite,
                false,
            ),
            full: book.note(
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
            no_tier: book.note(
                "tier".into(),
                "no subsidy tier applies".into(),
                &spec.subsidy.cite,
                false,
            ),
            start_moved: book.note(
                "period".into(),
                "the start the rule sets falls before the settlement period: benefits begin on the period's first day; cover before it belongs to the benefit year it falls in, enrolled under that year's notice".into(),
                &format!(
                    "{}; urrbmi reading R1",
                    spec.periods.first().map_or("", |p| p.cite.as_str())
                ),
                false,
            ),
        };

        let default_period_end = spec
            .periods
            .iter()
            .find(|p| p.students.is_none())
            .map_or(window_last_day, |p| last_day(spec, p.to));
        let refusals = Refusals {
            employee_obligated: book.refusal(
                RefusalCode::EmployeeInsuranceObligated,
                "obliged to join employee basic medical insurance (职工医保应参保人员), so not covered by resident insurance".into(),
                &spec.coverage.cite,
            ),
            not_covered: book.refusal(
                RefusalCode::NotCovered,
                format!("not among the people this notice covers ({covered_who})"),
                &spec.coverage.cite,
            ),
            outside_window: book.refusal(
                RefusalCode::OutsideWindow,
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
            no_benefit_in_period: book.refusal(
                RefusalCode::NoBenefitInPeriod,
                format!(
                    "benefits would begin after the settlement period ends ({default_period_end}); pay for the next benefit year instead"
                ),
                spec.periods.first().map_or("", |p| p.cite.as_str()),
            ),
        };

        Compiled {
            rule_notes: book.0.into(),
            full_standard,
            window_last_day,
            extensions,
            periods,
            period_of_student: [Student::None, Student::School, Student::College]
                .map(|student| period_of(spec, student)),
            tiers,
            rules,
            notes,
            refusals,
        }
    }
}

/// The settlement period for a student kind: the one listing the kind, else the default.
fn period_of(spec: &PolicySpec, student: Student) -> usize {
    let periods = &spec.periods;
    periods
        .iter()
        .position(|p| p.students.as_ref().is_some_and(|s| s.contains(&student)))
        .or_else(|| periods.iter().position(|p| p.students.is_none()))
        .unwrap_or(0)
}

fn compile_tier(
    tier: &SubsidyTier,
    personal: Decimal,
    full_standard: Decimal,
    book: &mut NoteBook,
) -> CompiledTier {
    let mut subsidies = Subsidies::NONE;
    let mut parts = Vec::new();
    for part in &tier.parts {
        let amount = match (part.share, part.amount) {
            (Some(share), _) => crate::money::share_of(personal, share).unwrap_or(Decimal::ZERO),
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
    let disability_grades = if tier.categories.contains(&CategoryKind::Disability) {
        match &tier.grades {
            Some(grades) => grades.iter().fold(0, |bits, &g| bits | grade_bit(g)),
            None => (1..=4).fold(0, |bits, g| bits | grade_bit(g)),
        }
    } else {
        0
    };
    CompiledTier {
        id: tier.id.as_str().into(),
        categories: Builtins::of(&tier.categories).without(&CategoryKind::Disability),
        disability_grades,
        not_holding: Builtins::of(&tier.not_holding),
        names_local: tier
            .categories
            .iter()
            .chain(&tier.not_holding)
            .any(|k| !k.is_builtin()),
        subsidies,
        total,
        owed_personal: personal - total,
        owed_full: full_standard - total,
        note: book.note(
            format!("tier.{}", tier.id),
            format!("subsidy tier {}: {}", tier.name, parts.join(" + ")),
            &cites.join("; "),
            false,
        ),
    }
}
