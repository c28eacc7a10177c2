//! Batch evaluation and summaries: exact merging, parallel = sequential, and totals checked
//! against an independent count.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use proptest::prelude::*;
use rust_decimal::Decimal;
use urrbmi::policy::schema::Charge;
use urrbmi::{CategoryKind, Funder, HeldCategory, Policy, RefusalCode, Resident, evaluate};
use urrbmi_analysis::batch::{
    Batch, BatchError, GroupId, Groups, Summary, Tally, evaluate_batch, summarize,
};
use urrbmi_analysis::scenario::{Scenario, SyntheticRoster};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// A synthetic roster of `n` residents of the Yanling scenario, with a few residents that
/// cannot be evaluated mixed in, so every counter of a summary is exercised.
fn yanling_roster(n: u64) -> SyntheticRoster {
    let scenario = Scenario::from_path("scenarios/yanling-2021.toml")
        .expect("scenario")
        .scaled(n)
        .expect("scaled");
    let mut roster = scenario.generate();
    let bad = [
        // Paid before birth.
        Resident::new(date(2021, 1, 1), date(2020, 10, 5)),
        // A disability without a grade.
        Resident::new(date(1970, 1, 1), date(2020, 10, 5))
            .with_category(HeldCategory::new(CategoryKind::Disability)),
        // A category Yanling does not declare.
        Resident::new(date(1970, 1, 1), date(2020, 10, 5))
            .with_category(CategoryKind::Local("困境儿童".into())),
    ];
    let township = roster.groups.intern("霞阳镇");
    for (i, resident) in bad.into_iter().enumerate() {
        let at = (i * 997 + 13) % roster.residents.len().max(1);
        roster.residents.insert(at, resident);
        roster.group_ids.insert(at, township);
    }
    roster
}

fn yanling() -> &'static Policy {
    Policy::builtin("yanling-2021").expect("built-in")
}

fn summary_of(policy: &Policy, roster: &SyntheticRoster, parallel: bool) -> Summary {
    Batch::new(policy)
        .parallel(parallel)
        .grouped(&roster.groups, &roster.group_ids)
        .summarize(&roster.residents)
        .expect("one group per resident")
}

#[test]
fn the_roster_exercises_every_counter() {
    let policy = yanling();
    let roster = yanling_roster(20_000);
    let s = summary_of(policy, &roster, true);
    let t = &s.totals;
    assert_eq!(t.residents, 20_003);
    assert_eq!(t.errors, 3);
    assert!(t.enrolled > 19_000, "{t:?}");
    assert!(t.refused > 0);
    assert!(s.refused_with(RefusalCode::OutsideWindow) > 0);
    assert!(t.prior_year.is_zero(), "Yanling charges no prior year");
    for funder in Funder::ALL {
        assert!(t.subsidy(funder) > Decimal::ZERO, "{funder} pays nothing");
    }
    assert_eq!(s.by_group.len(), 10, "{:?}", s.by_group.keys());
}

#[test]
fn parts_and_untiered_partition_the_whole() {
    let policy = yanling();
    let roster = yanling_roster(20_000);
    let s = summary_of(policy, &roster, true);
    let t = &s.totals;

    // Groups partition all residents.
    let mut groups = urrbmi_analysis::Totals::default();
    for g in s.by_group.values() {
        groups.merge(g).expect("in range");
    }
    assert_eq!(&groups, t);

    // Tiers and the untiered partition the enrolled.
    let mut tiers = s.untiered.clone();
    for totals in s.by_tier.values() {
        tiers.merge(totals).expect("in range");
    }
    assert_eq!(tiers.enrolled, t.enrolled);
    assert_eq!(tiers.owed, t.owed);
    assert_eq!(tiers.charged, t.charged);
    assert_eq!(tiers.subsidies, t.subsidies);

    // charged = owed + subsidies, in every row.
    let rows = s
        .by_tier
        .values()
        .chain(s.by_category.values())
        .chain(s.by_group.values())
        .chain([t, &s.untiered, &s.no_category]);
    for row in rows {
        assert_eq!(row.charged, row.owed + row.subsidies.total(), "{row:?}");
        assert_eq!(row.residents, row.enrolled + row.refused + row.errors);
    }
}

#[test]
fn parallel_and_single_thread_agree() {
    let policy = yanling();
    let roster = yanling_roster(30_000);
    assert_eq!(
        summary_of(policy, &roster, true),
        summary_of(policy, &roster, false)
    );
    let batch = |parallel| {
        Batch::new(policy)
            .parallel(parallel)
            .grouped(&roster.groups, &roster.group_ids)
            .run(&roster.residents)
            .expect("grouped")
    };
    let (p, s) = (batch(true), batch(false));
    assert_eq!(p.summary, s.summary);
    assert_eq!(p.assessments, s.assessments);
    // And `run` summarizes what `summarize` does.
    assert_eq!(p.summary, summary_of(policy, &roster, true));
}

#[test]
fn run_keeps_input_order_and_matches_single_evaluations() {
    let policy = yanling();
    let roster = yanling_roster(9_000);
    let out = evaluate_batch(policy, &roster.residents);
    assert_eq!(out.assessments.len(), roster.residents.len());
    for (resident, result) in roster.residents.iter().zip(&out.assessments) {
        assert_eq!(result, &evaluate(policy, resident));
    }
    // Ungrouped summaries carry no groups but the same totals.
    assert!(out.summary.by_group.is_empty());
    assert_eq!(out.summary.totals, summary_of(policy, &roster, true).totals);
    assert_eq!(out.summary, summarize(policy, &roster.residents));
}

#[test]
fn run_into_reuses_its_buffer_and_answers_as_run_does() {
    let policy = yanling();
    let big = yanling_roster(12_000);
    let small = yanling_roster(3_000);
    for parallel in [true, false] {
        let mut out = Vec::new();
        // Growing, shrinking and growing again: each time exactly the run's answers.
        for roster in [&small, &big, &small, &big] {
            let batch = Batch::new(policy)
                .parallel(parallel)
                .grouped(&roster.groups, &roster.group_ids);
            let summary = batch
                .run_into(&roster.residents, &mut out)
                .expect("grouped");
            let fresh = batch.run(&roster.residents).expect("grouped");
            assert_eq!(summary, fresh.summary);
            assert_eq!(out, fresh.assessments);
        }
    }
}

#[test]
fn group_ids_must_be_one_per_resident() {
    let policy = yanling();
    let residents = vec![Resident::new(date(1980, 1, 1), date(2020, 10, 5)); 3];
    let mut groups = Groups::new();
    let ids = vec![groups.intern("鹿原镇"); 2];
    let err = Batch::new(policy)
        .grouped(&groups, &ids)
        .summarize(&residents)
        .expect_err("2 ids for 3 residents");
    assert_eq!(
        err,
        BatchError::GroupCount {
            residents: 3,
            groups: 2
        }
    );
    assert!(
        err.to_string()
            .contains("exactly one group id per resident")
    );
}

#[test]
fn summaries_of_different_policies_do_not_merge() {
    let residents = vec![Resident::new(date(1980, 1, 1), date(2020, 10, 5))];
    let mut a = summarize(yanling(), &residents);
    let b = summarize(
        Policy::builtin("ziyang-2021").expect("built-in"),
        &residents,
    );
    let before = a.clone();
    assert!(a.merge(&b).is_err());
    assert_eq!(a, before, "a failed merge changes nothing");
    // The empty summary is the identity.
    let mut empty = Summary::default();
    empty.merge(&b).expect("empty merges with anything");
    assert_eq!(empty, b);
}

/// Summarizes `parts` of the roster separately (some on one thread), sends each through JSON
/// as another machine would, and merges them in the given order.
fn merged(policy: &Policy, roster: &SyntheticRoster, cuts: &[usize], order: &[usize]) -> Summary {
    let mut bounds = vec![0];
    bounds.extend(cuts.iter().copied());
    bounds.push(roster.residents.len());
    bounds.sort_unstable();
    let parts: Vec<Summary> = bounds
        .windows(2)
        .enumerate()
        .map(|(i, w)| {
            let (from, to) = (w[0], w[1]);
            let s = Batch::new(policy)
                .parallel(i % 2 == 0)
                .grouped(&roster.groups, &roster.group_ids[from..to])
                .summarize(&roster.residents[from..to])
                .expect("grouped");
            let json = serde_json::to_string(&s).expect("serialize");
            serde_json::from_str(&json).expect("deserialize")
        })
        .collect();
    let mut whole = Summary::default();
    // Merge every part exactly once, in a permutation derived from `order`.
    let mut remaining: Vec<usize> = (0..parts.len()).collect();
    let mut sequence = Vec::new();
    for o in order {
        if remaining.is_empty() {
            break;
        }
        sequence.push(remaining.remove(o % remaining.len()));
    }
    sequence.extend(remaining);
    for i in sequence {
        whole.merge(&parts[i]).expect("same policy");
    }
    whole
}

#[test]
fn merging_the_parts_gives_the_whole() {
    let policy = yanling();
    let roster = yanling_roster(12_000);
    let whole = summary_of(policy, &roster, true);
    // Some fixed splits, including empty parts and a part of one resident.
    let n = roster.residents.len();
    for cuts in [
        vec![],
        vec![0],
        vec![n],
        vec![1],
        vec![n / 2],
        vec![4096, 4097, 8192],
        vec![3, 3, 3, 700, 11_999],
    ] {
        assert_eq!(
            merged(policy, &roster, &cuts, &[2, 0, 1]),
            whole,
            "{cuts:?}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn merging_any_split_in_any_order_gives_the_whole(
        cuts in proptest::collection::vec(0usize..3_003, 0..8),
        order in proptest::collection::vec(0usize..16, 0..8),
    ) {
        let policy = yanling();
        let roster = yanling_roster(3_000);
        let whole = summary_of(policy, &roster, false);
        prop_assert_eq!(merged(policy, &roster, &cuts, &order), whole);
    }
}

#[test]
fn a_summary_survives_json() {
    let policy = yanling();
    let roster = yanling_roster(5_000);
    let s = summary_of(policy, &roster, true);
    let json = serde_json::to_string_pretty(&s).expect("serialize");
    assert!(json.contains("\"medical_assistance\""), "{json}");
    let back: Summary = serde_json::from_str(&json).expect("deserialize");
    assert_eq!(back, s);
}

#[test]
fn streaming_tallies_equal_the_batch() {
    let policy = yanling();
    let roster = yanling_roster(6_000);
    let mut tally = Tally::new(policy);
    for (resident, group) in roster.residents.iter().zip(&roster.group_ids) {
        tally.add(resident, &evaluate(policy, resident), Some(*group));
    }
    assert_eq!(
        tally.finish(Some(&roster.groups)),
        summary_of(policy, &roster, true)
    );
}

/// The subsidy a tier pays each funder, read from the policy file, not from evaluation.
fn tier_amounts(policy: &Policy) -> BTreeMap<String, BTreeMap<Funder, Decimal>> {
    let personal = policy.personal_standard();
    policy
        .spec()
        .tiers
        .iter()
        .map(|tier| {
            let mut by_funder = BTreeMap::new();
            for part in &tier.parts {
                let amount = match (part.share, part.amount) {
                    (Some(share), _) => {
                        urrbmi::money::round_to_fen(personal * share / Decimal::ONE_HUNDRED)
                    }
                    (None, Some(amount)) => amount,
                    (None, None) => Decimal::ZERO,
                };
                *by_funder.entry(part.funder).or_insert(Decimal::ZERO) += amount;
            }
            (tier.id.clone(), by_funder)
        })
        .collect()
}

#[test]
fn funder_totals_agree_with_an_independent_count() {
    for (scenario, policy_id, n) in [
        ("scenarios/ziyang-2021.toml", "ziyang-2021", 40_000),
        ("scenarios/yanling-2021.toml", "yanling-2021", 40_000),
    ] {
        let policy = Policy::builtin(policy_id).expect("built-in");
        let roster = Scenario::from_path(scenario)
            .expect("scenario")
            .scaled(n)
            .expect("scaled")
            .generate();
        let summary = summary_of(policy, &roster, true);

        // Count residents per tier and per charged standard, one evaluation at a time...
        let mut per_tier: BTreeMap<String, u64> = BTreeMap::new();
        let (mut personal, mut full, mut refused) = (0u64, 0u64, 0u64);
        for resident in &roster.residents {
            let a = evaluate(policy, resident).expect("synthetic residents are valid");
            if a.is_refused() {
                refused += 1;
                continue;
            }
            if let Some(tier) = &a.tier {
                *per_tier.entry(tier.to_string()).or_default() += 1;
            }
            match a.charged_standard {
                Some(Charge::Full) => full += 1,
                _ => personal += 1,
            }
        }
        // ...and multiply by the amounts the policy file states.
        let amounts = tier_amounts(policy);
        for funder in Funder::ALL {
            let expected: Decimal = per_tier
                .iter()
                .map(|(tier, count)| {
                    amounts[tier].get(&funder).copied().unwrap_or(Decimal::ZERO)
                        * Decimal::from(*count)
                })
                .sum();
            assert_eq!(
                summary.totals.subsidy(funder),
                expected,
                "{policy_id} {funder}"
            );
        }
        let charged = policy.personal_standard() * Decimal::from(personal)
            + policy
                .full_standard()
                .expect("both scenarios' policies state a fiscal standard")
                * Decimal::from(full);
        assert_eq!(summary.totals.charged, charged, "{policy_id} charged");
        assert_eq!(
            summary.totals.owed,
            charged - summary.totals.subsidies.total(),
            "{policy_id} owed"
        );
        assert_eq!(summary.totals.refused, refused);
        assert_eq!(summary.totals.enrolled, personal + full);
        for (tier, count) in &per_tier {
            assert_eq!(summary.by_tier[tier].enrolled, *count, "{policy_id} {tier}");
        }
    }
}

#[test]
fn group_ids_unknown_to_the_groups_are_named_by_number() {
    let policy = yanling();
    let residents = vec![Resident::new(date(1980, 1, 1), date(2020, 10, 5)); 2];
    let groups = Groups::new();
    let mut other = Groups::new();
    other.intern("a");
    let id: GroupId = other.intern("b");
    let ids = vec![id; 2];
    let s = Batch::new(policy)
        .grouped(&groups, &ids)
        .summarize(&residents)
        .expect("one per resident");
    assert_eq!(s.by_group["#1"].enrolled, 2);
}

// ---------------------------------------------------------------------------------------------
// Benefit starts, refusals, totals-only summaries, records and chosen thread pools.

#[path = "../../../benches/common/mod.rs"]
mod common;

use urrbmi::{Assessment, EvalError};
use urrbmi_analysis::batch::{Record, RecordStatus, StartMonth, SummaryError};

/// The residents of both shipped scenarios with their policies, the bad residents included.
fn scenario_rosters() -> Vec<(&'static Policy, SyntheticRoster)> {
    let ziyang = Scenario::from_path("scenarios/ziyang-2021.toml")
        .expect("scenario")
        .scaled(20_000)
        .expect("scaled")
        .generate();
    vec![
        (yanling(), yanling_roster(20_000)),
        (Policy::builtin("ziyang-2021").expect("built-in"), ziyang),
    ]
}

/// `YYYY-MM` of a date.
fn month_of(d: NaiveDate) -> String {
    d.format("%Y-%m").to_string()
}

#[test]
fn benefit_starts_count_each_month_and_add_up_to_the_enrolled() {
    for (policy, roster) in scenario_rosters() {
        let summary = summary_of(policy, &roster, true);
        // Counted one evaluation at a time.
        let mut expected: BTreeMap<String, StartMonth> = BTreeMap::new();
        for resident in &roster.residents {
            if let Ok(a) = evaluate(policy, resident)
                && a.is_enrolled()
            {
                let start = a.benefit_start.expect("an enrolment has a start");
                let month = expected.entry(month_of(start)).or_default();
                month.residents += 1;
                month.owed += a.owed;
            }
        }
        assert_eq!(summary.benefit_starts, expected, "{}", policy.id());
        assert!(
            summary.benefit_starts.len() > 3,
            "{:?}",
            summary.benefit_starts
        );
        let residents: u64 = summary.benefit_starts.values().map(|m| m.residents).sum();
        let owed: Decimal = summary.benefit_starts.values().map(|m| m.owed).sum();
        assert_eq!(residents, summary.totals.enrolled);
        assert_eq!(owed, summary.totals.owed);
        // Keys are months, in calendar order.
        assert!(
            summary
                .benefit_starts
                .keys()
                .all(|k| k.len() == 7 && &k[4..5] == "-")
        );
        let report = summary.report(Some(policy));
        assert!(report.contains("benefits from"), "{report}");
    }
}

#[test]
fn benefit_starts_group_days_by_month() {
    let policy = Policy::builtin("hunan-2026").expect("built-in");
    let residents = common::mix(policy, 20_000, common::SEED);
    let summary = Batch::new(policy).summarize(&residents).expect("ungrouped");
    let mut expected: BTreeMap<String, (u64, Decimal)> = BTreeMap::new();
    for resident in &residents {
        if let Ok(a) = evaluate(policy, resident)
            && let Some(start) = a.benefit_start.filter(|_| a.is_enrolled())
        {
            let month = expected.entry(month_of(start)).or_default();
            month.0 += 1;
            month.1 += a.owed;
        }
    }
    // Waiting periods in months spread the starts over the year.
    assert!(expected.len() >= 6, "{expected:?}");
    let got: BTreeMap<String, (u64, Decimal)> = summary
        .benefit_starts
        .iter()
        .map(|(k, m)| (k.clone(), (m.residents, m.owed)))
        .collect();
    assert_eq!(got, expected);
}

#[test]
fn refusals_are_counted_per_code() {
    for (policy, roster) in scenario_rosters() {
        let summary = summary_of(policy, &roster, true);
        let mut expected: BTreeMap<RefusalCode, u64> = BTreeMap::new();
        for resident in &roster.residents {
            if let Ok(a) = evaluate(policy, resident)
                && let Some(refusal) = &a.refusal
            {
                *expected.entry(refusal.code).or_default() += 1;
            }
        }
        assert_eq!(summary.refusals, expected, "{}", policy.id());
        assert_eq!(
            summary.refusals.values().sum::<u64>(),
            summary.totals.refused
        );
        for (code, count) in &expected {
            assert_eq!(summary.refused_with(*code), *count);
        }
    }
    // The mix refuses for every reason it was built with.
    let policy = Policy::builtin("ziyang-2021").expect("built-in");
    let residents = common::mix(policy, 20_000, common::SEED);
    let summary = summarize(policy, &residents);
    for code in [
        RefusalCode::OutsideWindow,
        RefusalCode::EmployeeInsuranceObligated,
        RefusalCode::NotCovered,
    ] {
        assert!(
            summary.refused_with(code) > 0,
            "{code}: {:?}",
            summary.refusals
        );
    }
    // Refused residents are charged nothing and owe nothing.
    let refused_only: Vec<Resident> = residents
        .iter()
        .filter(|r| evaluate(policy, r).is_ok_and(|a| a.is_refused()))
        .cloned()
        .collect();
    let s = summarize(policy, &refused_only);
    assert_eq!(s.totals.refused, refused_only.len() as u64);
    assert!(s.totals.charged.is_zero() && s.totals.total_due().is_zero());
    assert!(s.totals.subsidies.is_empty() && s.benefit_starts.is_empty());
}

#[test]
fn totals_only_gives_the_totals_of_the_full_summary() {
    for (policy, roster) in scenario_rosters() {
        for parallel in [true, false] {
            let full = summary_of(policy, &roster, parallel);
            let batch = Batch::new(policy)
                .parallel(parallel)
                .grouped(&roster.groups, &roster.group_ids)
                .totals_only();
            assert!(batch.is_totals_only());
            let mut records = Vec::new();
            for lean in [
                batch.summarize(&roster.residents).expect("grouped"),
                batch
                    .records_into(&roster.residents, &mut records)
                    .expect("grouped"),
                batch.run(&roster.residents).expect("grouped").summary,
            ] {
                assert!(lean.totals_only);
                assert!(!full.totals_only);
                assert_eq!(lean.policy, full.policy);
                assert_eq!(lean.totals, full.totals);
                assert_eq!(lean.refusals, full.refusals);
                assert_eq!(lean.benefit_starts, full.benefit_starts);
                assert!(lean.by_tier.is_empty() && lean.by_category.is_empty());
                assert!(lean.by_group.is_empty());
                assert_eq!(lean.untiered, urrbmi_analysis::Totals::default());
                assert_eq!(lean.no_category, urrbmi_analysis::Totals::default());
                assert!(!lean.report(Some(policy)).contains("category"));
            }
        }
    }
}

#[test]
fn totals_only_summaries_merge_with_each_other_but_not_with_full_ones() {
    let policy = yanling();
    let roster = yanling_roster(6_000);
    let (left, right) = roster.residents.split_at(2_500);
    let lean = |residents: &[Resident]| {
        Batch::new(policy)
            .totals_only()
            .summarize(residents)
            .expect("ungrouped")
    };
    let mut merged = lean(left);
    merged.merge(&lean(right)).expect("both totals-only");
    assert_eq!(merged, lean(&roster.residents));
    // Through JSON, as from another machine.
    let json = serde_json::to_string(&merged).expect("serialize");
    assert_eq!(
        serde_json::from_str::<Summary>(&json).expect("read"),
        merged
    );
    // The empty summary takes the detail of what is merged into it.
    let mut empty = Summary::default();
    empty.merge(&merged).expect("identity");
    assert_eq!(empty, merged);

    let mut full = summarize(policy, left);
    let before = full.clone();
    assert_eq!(full.merge(&lean(right)), Err(SummaryError::DifferentDetail));
    assert_eq!(full, before, "a failed merge changes nothing");

    // Tallies of different detail merge into a totals-only one.
    let mut tally = Tally::new(policy);
    let mut other = Tally::totals_only(policy);
    for resident in left {
        tally.add(resident, &evaluate(policy, resident), None);
    }
    for resident in right {
        other.add(resident, &evaluate(policy, resident), None);
    }
    tally.merge(other);
    assert!(tally.is_totals_only());
    assert_eq!(tally.finish(None), lean(&roster.residents));
}

/// Checks `record` field by field against the assessment it stands for.
fn assert_record_matches(
    policy: &Policy,
    record: &Record,
    result: &Result<Assessment<'_>, EvalError>,
    at: usize,
) {
    let Ok(a) = result else {
        assert_eq!(record.status(), RecordStatus::Error, "resident {at}");
        assert!(!record.is_enrolled() && !record.is_refused());
        assert_eq!(record.total_due_fen(), 0);
        return;
    };
    let context = format!("resident {at}: {a:?}");
    assert!(record.is_exact(), "{context}");
    match &a.refusal {
        Some(refusal) => {
            assert_eq!(
                record.status(),
                RecordStatus::Refused(refusal.code),
                "{context}"
            );
            assert_eq!(record.refusal(), Some(refusal.code));
        }
        None => {
            assert_eq!(record.status(), RecordStatus::Enrolled, "{context}");
            assert_eq!(record.refusal(), None);
        }
    }
    assert_eq!(record.is_enrolled(), a.is_enrolled(), "{context}");
    assert_eq!(record.tier(policy), a.tier, "{context}");
    assert_eq!(
        record.tier_index(),
        a.tier.and_then(|t| policy.tier_index(t)),
        "{context}"
    );
    assert_eq!(record.charged(), a.charged, "{context}");
    assert_eq!(record.owed(), a.owed, "{context}");
    let prior = a
        .prior_year_charge
        .as_ref()
        .map_or(Decimal::ZERO, |p| p.amount);
    assert_eq!(record.prior_year(), prior, "{context}");
    let repair = a.repair_charge.as_ref().map_or(Decimal::ZERO, |r| r.amount);
    assert_eq!(record.repair(), repair, "{context}");
    for (funder, amount) in a.subsidies.iter() {
        assert_eq!(record.subsidy(policy, funder), amount, "{context}");
        assert_eq!(Decimal::new(record.subsidy_fen(policy, funder), 2), amount);
    }
    assert_eq!(record.subsidies(policy), *a.subsidies, "{context}");
    assert_eq!(record.total_due(), a.total_due(), "{context}");
    assert_eq!(Decimal::new(record.owed_fen(), 2), a.owed);
    assert_eq!(record.ceiling_raise(), a.ceiling_raise, "{context}");
    assert_eq!(record.benefit_start(), a.benefit_start, "{context}");
    assert_eq!(record.benefit_end(), a.benefit_end, "{context}");
    assert_eq!(record.waiting_months(), a.waiting_months, "{context}");
    assert_eq!(
        record.deciding_rule(policy).as_deref(),
        a.deciding_rule(),
        "{context}"
    );
    assert_eq!(
        record.rule(policy),
        a.deciding_rule().and_then(|r| r.strip_prefix("rule.")),
        "{context}"
    );
    assert_eq!(*record, Record::of(policy, result), "{context}");
}

#[test]
fn records_agree_with_full_assessments_on_every_resident() {
    for (policy, roster) in scenario_rosters() {
        let residents = &roster.residents;
        for parallel in [true, false] {
            let batch = Batch::new(policy)
                .parallel(parallel)
                .grouped(&roster.groups, &roster.group_ids);
            let mut records = vec![Record::default(); 17]; // a buffer holding something else
            let summary = batch
                .records_into(residents, &mut records)
                .expect("grouped");
            assert_eq!(records.len(), residents.len());
            for (i, (resident, record)) in residents.iter().zip(&records).enumerate() {
                let result = batch.assess(resident);
                assert_eq!(result, evaluate(policy, resident));
                assert_record_matches(policy, record, &result, i);
            }
            // The same summary as keeping the assessments or nothing.
            assert_eq!(summary, batch.summarize(residents).expect("grouped"));
            assert_eq!(summary, batch.run(residents).expect("grouped").summary);
            // And the amounts of the records add up to it.
            let owed: i64 = records.iter().map(Record::owed_fen).sum();
            let due: i64 = records.iter().map(Record::total_due_fen).sum();
            assert_eq!(Decimal::new(owed, 2), summary.totals.owed);
            assert_eq!(Decimal::new(due, 2), summary.totals.total_due());
            let errors = records
                .iter()
                .filter(|r| r.status() == RecordStatus::Error)
                .count();
            assert_eq!(errors as u64, summary.totals.errors);
        }
    }
}

#[test]
fn records_carry_waits_repairs_and_ceiling_raises() {
    // hunan-2026: waiting periods in months, repairs and incentives.
    let policy = Policy::builtin("hunan-2026").expect("built-in");
    let residents = common::mix(policy, 30_000, common::SEED ^ 7);
    let batch = Batch::new(policy);
    let mut records = Vec::new();
    batch
        .records_into(&residents, &mut records)
        .expect("ungrouped");
    for (i, (resident, record)) in residents.iter().zip(&records).enumerate() {
        assert_record_matches(policy, record, &batch.assess(resident), i);
    }
    let count = |f: &dyn Fn(&Record) -> bool| records.iter().filter(|r| f(r)).count();
    assert!(count(&|r| r.waiting_months().is_some()) > 100);
    assert!(count(&|r| r.repair_fen() > 0) > 10);
    assert!(count(&|r| r.ceiling_raise_fen().is_some_and(|c| c > 0)) > 100);
    assert!(count(&|r| r.rule_index().is_some()) > 20_000);
    // Refusals the evaluation makes itself name no rule.
    assert!(count(&|r| r.is_refused() && r.rule_index().is_none()) > 100);
}

#[test]
fn records_reuse_their_buffer() {
    let policy = yanling();
    let big = yanling_roster(12_000);
    let small = yanling_roster(3_000);
    for parallel in [true, false] {
        let mut records = Vec::new();
        for roster in [&small, &big, &small, &big] {
            let batch = Batch::new(policy).parallel(parallel);
            let summary = batch
                .records_into(&roster.residents, &mut records)
                .expect("ungrouped");
            let fresh = batch.run(&roster.residents).expect("ungrouped");
            assert_eq!(summary, fresh.summary);
            let expected: Vec<Record> = fresh
                .assessments
                .iter()
                .map(|a| Record::of(policy, a))
                .collect();
            assert_eq!(records, expected);
        }
    }
}

#[cfg(feature = "rayon")]
#[test]
fn a_chosen_pool_gives_the_summary_of_one_thread() {
    let policy = yanling();
    let roster = yanling_roster(30_000);
    let one = Batch::new(policy)
        .parallel(false)
        .grouped(&roster.groups, &roster.group_ids);
    let mut one_records = Vec::new();
    let one_summary = one
        .records_into(&roster.residents, &mut one_records)
        .expect("grouped");
    assert_eq!(one_summary, summary_of(policy, &roster, false));
    for threads in [1, 2, 3] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a pool");
        let on_pool = Batch::new(policy)
            .on_pool(&pool)
            .grouped(&roster.groups, &roster.group_ids);
        assert!(on_pool.is_parallel());
        let mut records = Vec::new();
        let summary = on_pool
            .records_into(&roster.residents, &mut records)
            .expect("grouped");
        assert_eq!(summary, one_summary, "{threads} threads");
        assert_eq!(records, one_records, "{threads} threads");
        assert_eq!(
            on_pool.summarize(&roster.residents).expect("grouped"),
            one_summary
        );
        let out = on_pool.run(&roster.residents).expect("grouped");
        assert_eq!(out.summary, one_summary);
        let lean = on_pool.totals_only().summarize(&roster.residents);
        assert_eq!(lean.expect("grouped").totals, one_summary.totals);
        // A batch started from inside the pool runs there as well.
        let inside = pool.install(|| on_pool.summarize(&roster.residents));
        assert_eq!(inside.expect("grouped"), one_summary);
    }
    // `parallel(false)` after `on_pool` runs on the calling thread again.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("a pool");
    assert!(
        !Batch::new(policy)
            .on_pool(&pool)
            .parallel(false)
            .is_parallel()
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn totals_only_summaries_of_any_split_merge_to_the_whole(
        cuts in proptest::collection::vec(0usize..3_003, 0..6),
    ) {
        let policy = yanling();
        let roster = yanling_roster(3_000);
        let lean = |residents: &[Resident]| {
            Batch::new(policy).totals_only().parallel(false).summarize(residents).expect("ungrouped")
        };
        let mut bounds = vec![0];
        bounds.extend(cuts);
        bounds.push(roster.residents.len());
        bounds.sort_unstable();
        let mut whole = Summary::default();
        for w in bounds.windows(2) {
            whole.merge(&lean(&roster.residents[w[0]..w[1]])).expect("same policy and detail");
        }
        prop_assert_eq!(whole, lean(&roster.residents));
    }
}

/// A funder a policy declares (`[[funder]]`) and a refusal code it declares are added up like
/// the built-in ones: summaries of parts merge into the whole, and the funds and the residents
/// together pay what was charged.
#[test]
fn local_funders_and_refusal_codes_are_counted() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/regions/village/policy.toml"
    );
    let policy = Policy::from_path(path).expect("the village fixture");
    let villager = |i: u32| {
        Resident::new(date(1970, 1, 1), date(2025, 4, 1 + i % 20))
            .with_category(CategoryKind::Local("village_member".into()))
    };
    let mut residents: Vec<Resident> = (0..30).map(villager).collect();
    // Ten pupils paying in the adults' period: refused with the policy's own code.
    residents.extend((0..10).map(|_| {
        Resident::new(date(2014, 1, 1), date(2025, 5, 1)).with_student(urrbmi::Student::School)
    }));
    let whole = Batch::new(&policy).summarize(&residents).expect("summary");
    let village = Funder::Local(urrbmi::LocalId::new("village_collective").expect("an id"));
    assert_eq!(whole.totals.subsidy(village), Decimal::from(30 * 200));
    assert_eq!(
        whole.totals.charged,
        whole.totals.owed + whole.totals.subsidies.total()
    );
    let code: RefusalCode = "students_own_period".parse().expect("a code");
    assert_eq!(whole.refused_with(code), 10);
    let (a, b) = residents.split_at(17);
    let mut parts = Batch::new(&policy).summarize(a).expect("summary");
    parts
        .merge(&Batch::new(&policy).summarize(b).expect("summary"))
        .expect("same policy");
    assert_eq!(parts, whole);
    let report = whole.report(Some(&policy));
    assert!(report.contains("village_collective"), "{report}");
    // Each record keeps the local funder's share at the slot of its declaration.
    let mut records = Vec::new();
    let summary = Batch::new(&policy)
        .records_into(&residents, &mut records)
        .expect("summary");
    assert_eq!(summary, whole);
    for (i, (resident, record)) in residents.iter().zip(&records).enumerate() {
        assert_record_matches(&policy, record, &evaluate(&policy, resident), i);
    }
    assert_eq!(records[0].subsidy(&policy, village), Decimal::from(200));
    assert_eq!(
        records[0].subsidies(&policy).get(village),
        Decimal::from(200)
    );
    // Under a policy that does not declare the village's fund, no slot holds its 200: the
    // record says it is not exact instead of reading as paid by nobody.
    let other = Policy::builtin("ziyang-2021").expect("built in");
    let foreign = Record::of(other, &evaluate(&policy, &residents[0]));
    assert!(!foreign.is_exact());
    assert!(records[0].is_exact());
}

/// Groups in a notice's order: a group named in the order at its place, a group of two keys
/// at the place of its first, sorted by name within it, the others after, by name.
#[test]
fn groups_are_reported_in_the_order_given() {
    let mut summary = Summary::default();
    for (group, residents) in [
        ("沙头镇 / 西村", 1),
        ("沙头镇 / 东村", 2),
        ("外乡", 3),
        ("茈湖口镇", 4),
        ("新桥河镇 / 南村", 5),
    ] {
        summary.by_group.insert(
            group.to_string(),
            urrbmi_analysis::Totals {
                residents,
                ..urrbmi_analysis::Totals::default()
            },
        );
    }
    let order: Vec<String> = ["茈湖口镇", "新桥河镇", "沙头镇"]
        .map(str::to_string)
        .to_vec();
    let listed = |report: String| -> Vec<String> {
        report
            .lines()
            .filter_map(|l| {
                summary
                    .by_group
                    .keys()
                    .find(|g| l.starts_with(g.as_str()))
                    .cloned()
            })
            .collect()
    };
    assert_eq!(
        listed(summary.report_in_order(None, &order)),
        [
            "茈湖口镇",
            "新桥河镇 / 南村",
            "沙头镇 / 东村",
            "沙头镇 / 西村",
            "外乡"
        ]
    );
    assert_eq!(
        listed(summary.report(None)),
        [
            "外乡",
            "新桥河镇 / 南村",
            "沙头镇 / 东村",
            "沙头镇 / 西村",
            "茈湖口镇"
        ]
    );
}
