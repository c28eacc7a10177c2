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
        groups.merge(g);
    }
    assert_eq!(&groups, t);

    // Tiers and the untiered partition the enrolled.
    let mut tiers = s.untiered.clone();
    for totals in s.by_tier.values() {
        tiers.merge(totals);
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
}
