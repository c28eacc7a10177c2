//! Invariants that hold for every resident under every built-in policy, over generated residents
//! (the crate's own `strategies`, which other test suites can use too).

use std::sync::OnceLock;

use proptest::prelude::*;
use rust_decimal::Decimal;
use urrbmi::{CategoryKind, Charge, HeldCategory, Policy, Resident, Status, evaluate, strategies};

fn policies() -> &'static [&'static Policy] {
    static POLICIES: OnceLock<Vec<&'static Policy>> = OnceLock::new();
    POLICIES.get_or_init(|| Policy::builtins().expect("built-in policies load"))
}

/// A built-in policy and a resident paying around its collection year.
fn policy_and_resident() -> impl Strategy<Value = (usize, Resident)> {
    (0..policies().len()).prop_flat_map(|i| (Just(i), strategies::resident_for(policies()[i])))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn money_adds_up((i, resident) in policy_and_resident()) {
        let policy = &policies()[i];
        let a = evaluate(policy, &resident).expect("generated residents are well-formed");
        // owed >= 0, owed + subsidies = charged, the charge its standard names, start <= end,
        // a refusal owes and waits nothing (urrbmi reading M15), one deciding step citing a clause.
        strategies::check_invariants(policy, &a).map_err(TestCaseError::fail)?;
        if a.status == Status::Enrolled {
            // The standard of the resident's grade (grade 1 unless the policy has several).
            let personal = policy.personal_standard_at(resident.contribution_grade).expect("a grade of the policy");
            prop_assert_eq!(a.personal_standard, personal);
            // Repair years are charged as given, at the personal standard (M12).
            match &a.repair_charge {
                Some(repair) => {
                    prop_assert_eq!(repair.years, resident.repair_years);
                    prop_assert_eq!(repair.amount, personal * Decimal::from(resident.repair_years));
                }
                None => prop_assert_eq!(resident.repair_years, 0),
            }
            prop_assert_eq!(
                a.ceiling_raise.is_some(),
                resident.continuous_years.is_some() && policy.spec().incentive.is_some()
            );
        }
    }

    #[test]
    fn every_trace_has_one_deciding_step_and_cites_every_step((i, resident) in policy_and_resident()) {
        let policy = &policies()[i];
        let a = evaluate(policy, &resident).expect("well-formed");
        let deciding: Vec<&str> = a.trace.iter().filter(|s| s.decides).map(|s| s.rule).collect();
        prop_assert_eq!(deciding.len(), 1, "deciding steps {:?} in {:?}", deciding, a.trace);
        prop_assert_eq!(a.deciding_rule(), deciding.first().copied());
        for step in &a.trace {
            prop_assert!(!step.citation.trim().is_empty(), "step {} has no citation", step.rule);
            prop_assert!(!step.summary.trim().is_empty(), "step {} says nothing", step.rule);
        }
        let names: Vec<&str> = a.trace.iter().map(|s| s.rule).collect();
        if a.is_refused() {
            // A refusal describes what was decided, and no charge or tier it never made.
            prop_assert!(names.iter().all(|n| !n.starts_with("standards.") && !n.starts_with("tier")),
                "refusal with charge or tier steps: {:?}", names);
            let last = a.trace.iter().next_back().expect("a refusal has a step");
            prop_assert!(last.decides, "the refusal is the last step: {:?}", names);
        } else {
            prop_assert!(a.deciding_rule().is_some_and(|r| r.starts_with("rule.")), "{:?}", names);
            prop_assert_eq!(names.iter().filter(|n| n.starts_with("standards.")).count(), 1, "{:?}", names);
            let tier_steps: Vec<&&str> = names.iter().filter(|n| n.starts_with("tier")).collect();
            if a.charged_standard == Some(Charge::Waived) {
                // Nothing is charged, so no tier takes part.
                prop_assert!(tier_steps.is_empty(), "{:?}", names);
            } else {
                prop_assert_eq!(tier_steps.len(), 1, "{:?}", names);
                let expected_tier = a.tier.map_or_else(|| "tier".to_string(), |t| format!("tier.{t}"));
                prop_assert_eq!(tier_steps[0].to_string(), expected_tier);
            }
            prop_assert_eq!(names.contains(&"waiting_period"), a.waiting_months.is_some(), "{:?}", names);
        }
    }

    #[test]
    fn adding_a_category_never_raises_what_is_owed(
        (i, resident) in policy_and_resident(),
        extra in strategies::category_kind(),
        grade in 1u8..=4,
    ) {
        let policy = &policies()[i];
        prop_assume!(!resident.holds(&extra));
        let before = evaluate(policy, &resident).expect("well-formed");
        let mut more = resident.clone();
        more.categories.push(HeldCategory {
            grade: (extra == CategoryKind::Disability).then_some(grade),
            kind: extra,
            recognized_on: None,
        });
        let after = evaluate(policy, &more).expect("well-formed");
        // A category can open a way to join (排查发现未参保 needs the category), never close one;
        // it may also open a cheaper way (a monitored household found unenrolled pays the
        // personal standard where a late newborn pays the full one).
        prop_assert!(!(before.is_enrolled() && after.is_refused()));
        if before.is_enrolled() && after.is_enrolled() {
            prop_assert!(after.owed <= before.owed, "owed rose from {} to {}", before.owed, after.owed);
            prop_assert!(after.charged <= before.charged);
        }
    }

    #[test]
    fn evaluation_is_deterministic((i, resident) in policy_and_resident()) {
        let policy = &policies()[i];
        let first = evaluate(policy, &resident).expect("well-formed");
        let second = evaluate(policy, &resident.clone()).expect("well-formed");
        prop_assert_eq!(&first, &second);
        let reloaded = Policy::builtin(policy.id()).expect("loads");
        prop_assert_eq!(first, evaluate(reloaded, &resident).expect("well-formed"));
    }

    #[test]
    fn residents_round_trip_through_json_and_toml(resident in strategies::resident()) {
        let json = serde_json::to_string(&resident).expect("serializes");
        prop_assert_eq!(&serde_json::from_str::<Resident>(&json).expect("reads back"), &resident);
        let toml_text = toml::to_string(&resident).expect("serializes");
        prop_assert_eq!(&toml::from_str::<Resident>(&toml_text).expect("reads back"), &resident);
    }

    #[test]
    fn assessments_serialize_to_the_assess_contract((i, resident) in policy_and_resident()) {
        let policy = &policies()[i];
        let a = evaluate(policy, &resident).expect("well-formed");
        let value = serde_json::to_value(&a).expect("serializes");
        let object = value.as_object().expect("an object");
        for key in ["policy", "status", "refusal", "personal_standard", "charged", "charged_standard",
                    "owed", "subsidies", "tier", "benefit_start", "benefit_end", "waiting_months",
                    "prior_year_charge", "repair_charge", "ceiling_raise", "trace"] {
            prop_assert!(object.contains_key(key), "missing {}", key);
        }
        // The JSON reads back as an owned assessment equal to the one made in memory.
        let back: urrbmi::OwnedAssessment = serde_json::from_value(value.clone()).expect("reads back");
        prop_assert_eq!(&back, &a.into_owned());
        prop_assert_eq!(back.deciding_rule(), a.deciding_rule());
        prop_assert_eq!(back.total_due(), a.total_due());
        prop_assert_eq!(object["policy"].as_str(), Some(policy.id()));
        prop_assert_eq!(object["status"].as_str(), Some(if a.is_enrolled() { "enrolled" } else { "refused" }));
        let money = |key: &str| object[key].as_str().and_then(|s| s.parse::<Decimal>().ok());
        prop_assert_eq!(money("owed"), Some(a.owed));
        prop_assert_eq!(money("charged"), Some(a.charged));
        let subsidies = object["subsidies"].as_object().expect("a map");
        let mut total = Decimal::ZERO;
        for (funder, amount) in subsidies {
            prop_assert!(["fiscal", "medical_assistance", "entitled_group_fund"].contains(&funder.as_str()));
            total += amount.as_str().and_then(|s| s.parse::<Decimal>().ok()).expect("decimal string");
        }
        prop_assert_eq!(total, a.subsidies.total());
        match a.benefit_start {
            Some(start) => {
                let written = start.format("%Y-%m-%d").to_string();
                prop_assert_eq!(object["benefit_start"].as_str(), Some(written.as_str()));
            }
            None => prop_assert!(object["benefit_start"].is_null()),
        }
        if a.is_refused() {
            let code = object["refusal"]["code"].as_str().expect("a code");
            prop_assert!(!code.is_empty());
            prop_assert!(object["refusal"]["message"].as_str().is_some_and(|m| !m.is_empty()));
        }
        for step in object["trace"].as_array().expect("a list") {
            prop_assert!(step["citation"].as_str().is_some_and(|c| !c.is_empty()));
        }
    }
}

#[test]
fn boundary_cases_of_every_policy_evaluate_and_keep_the_invariants() {
    for policy in policies() {
        let cases = strategies::boundary_cases(policy);
        assert!(
            cases.len() >= 20,
            "{}: only {} boundary cases",
            policy.id(),
            cases.len()
        );
        for case in cases {
            let a = evaluate(policy, &case.resident)
                .unwrap_or_else(|e| panic!("{} / {}: {e}", policy.id(), case.label));
            assert_eq!(
                a.owed + a.subsidies.total(),
                a.charged,
                "{} / {}",
                policy.id(),
                case.label
            );
            if case.label == "window: first day" || case.label == "window: last day" {
                assert!(
                    a.is_enrolled(),
                    "{} / {}: {:?}",
                    policy.id(),
                    case.label,
                    a.refusal
                );
            }
            if case.label == "window: day before it opens" {
                assert!(a.is_refused(), "{} / {}", policy.id(), case.label);
            }
        }
    }
}

/// The refusal of a December payment "from next month" decides alone: it cites the settlement
/// period, and carries no charge or tier it never made (Ziyang, 低保 + 当年新迁入户口).
#[test]
fn a_start_after_the_period_is_refused_by_one_step_citing_the_period() {
    use chrono::NaiveDate;
    use urrbmi::{RefusalCode, Special, SpecialKind};
    let policy = Policy::builtin("ziyang-2021").expect("built in");
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("a date");
    let resident = Resident::new(date(1970, 3, 1), date(2021, 12, 15))
        .with_category(CategoryKind::SubsistenceAllowance)
        .with_special(Special::new(SpecialKind::NewHukou));
    let a = evaluate(policy, &resident).expect("well-formed");
    assert_eq!(
        a.refusal.map(|r| r.code),
        Some(RefusalCode::NoBenefitInPeriod)
    );
    let steps: Vec<&str> = a.trace.iter().map(|s| s.rule).collect();
    assert_eq!(
        steps,
        [
            "coverage",
            "window",
            "rule.special_full_standard",
            "refusal.no_benefit_in_period"
        ]
    );
    assert_eq!(a.deciding_rule(), Some("refusal.no_benefit_in_period"));
    assert_eq!(
        a.deciding_clause(),
        Some("益资政办发〔2020〕17号 二(四) 2021年度; 可从2021年1月1日起享受医保待遇")
    );
    assert_eq!(a.tier, None);
}
