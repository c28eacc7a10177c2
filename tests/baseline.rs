//! The hand-written baselines of the `evaluate` bench agree with `evaluate`, and the bench's
//! resident mix holds what it claims to: ordinary residents, every tier, late cases, refusals.

#[path = "../benches/common/mod.rs"]
mod common;

use std::collections::BTreeSet;

use common::baseline::{Outcome, for_policy};
use urrbmi::{Policy, RefusalCode, Status, evaluate};

#[test]
fn baselines_agree_with_evaluate_on_every_resident_of_the_mix() {
    for id in ["ziyang-2021", "changsha-2021", "hunan-2026"] {
        let policy = Policy::builtin(id).expect("built-in policy");
        let baseline = for_policy(id).expect("a baseline for this policy");
        // The bench's mix, then a larger one drawn with another seed.
        for (n, seed) in [(common::MIX_SIZE, common::SEED), (50_000, 7)] {
            for (i, resident) in common::mix(policy, n, seed).iter().enumerate() {
                let a = evaluate(policy, resident).expect("the mix holds valid residents");
                assert_eq!(
                    baseline(resident),
                    Outcome::of(&a),
                    "{id}, seed {seed}, resident {i}: {resident:?}"
                );
            }
        }
    }
}

#[test]
fn the_mix_holds_ordinary_residents_every_tier_late_cases_and_refusals() {
    for policy in Policy::builtins().expect("built-in policies") {
        let id = policy.id().to_string();
        let mut tiers = BTreeSet::new();
        let mut refusals = BTreeSet::new();
        let (mut plain, mut full, mut newborn_routes) = (0, 0, 0);
        let (mut waits, mut repairs, mut waived, mut raises) = (0, 0, 0, 0);
        let mut higher_grades = 0;
        for resident in common::mix(policy, common::MIX_SIZE, common::SEED) {
            let a = evaluate(policy, &resident).expect("the mix holds valid residents");
            match a.status {
                Status::Refused => {
                    refusals.insert(a.refusal.as_ref().expect("a refusal").code);
                }
                Status::Enrolled => {
                    plain += usize::from(a.tier.is_none() && a.charged == a.personal_standard);
                    full += usize::from(a.charged > a.personal_standard);
                    newborn_routes +=
                        usize::from(a.deciding_rule().is_some_and(|r| r.contains("newborn")));
                    waits += usize::from(a.waiting_months.is_some());
                    repairs += usize::from(a.repair_charge.is_some());
                    waived += usize::from(a.charged_standard == Some(urrbmi::Charge::Waived));
                    raises += usize::from(a.ceiling_raise.is_some_and(|r| !r.is_zero()));
                    higher_grades += usize::from(resident.contribution_grade > 1);
                }
            }
            if let Some(tier) = &a.tier {
                tiers.insert(tier.to_string());
            }
        }
        let spec = policy.spec();
        if spec.waiting_period.is_some() {
            assert!(waits > 100, "{id}: {waits} residents waiting months");
            assert!(repairs > 20, "{id}: {repairs} repairs");
        }
        if spec
            .rules
            .iter()
            .any(|r| r.charge == Some(urrbmi::Charge::Waived))
        {
            assert!(waived > 20, "{id}: {waived} waived newborns");
        }
        if spec.incentive.is_some() {
            assert!(raises > 200, "{id}: {raises} ceiling raises");
        }
        let all_tiers: BTreeSet<String> =
            policy.spec().tiers.iter().map(|t| t.id.clone()).collect();
        assert_eq!(tiers, all_tiers, "{id}: every tier is in the mix");
        assert!(plain > 1000, "{id}: {plain} ordinary residents");
        if spec
            .rules
            .iter()
            .any(|r| r.charge == Some(urrbmi::Charge::Full))
        {
            assert!(full > 50, "{id}: {full} late cases at the full standard");
        }
        if policy.grade_count() > 1 {
            assert!(
                higher_grades > 200,
                "{id}: {higher_grades} residents enrolled above grade 1"
            );
        }
        assert!(
            newborn_routes > 50,
            "{id}: {newborn_routes} newborns decided by a newborn rule"
        );
        let mut expected = vec![
            RefusalCode::OutsideWindow,
            RefusalCode::EmployeeInsuranceObligated,
        ];
        if !policy.spec().coverage.everyone {
            expected.push(RefusalCode::NotCovered);
        }
        for code in expected {
            assert!(
                refusals.contains(&code),
                "{id}: no {code} refusal in the mix"
            );
        }
    }
}
