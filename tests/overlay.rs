//! What-if overlays: the shipped overlays apply and change what they say; overlays that would
//! make a policy invalid are errors naming the key.

use chrono::NaiveDate;
use urrbmi::overlay::{Overlay, OverlayError};
use urrbmi::{CategoryKind, Funder, HeldCategory, Policy, RefusalCode, Resident, evaluate};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn hunan() -> &'static Policy {
    Policy::builtin("hunan-2022").expect("built-in")
}

/// An overlay for hunan-2022 with `body` after its header.
fn overlay(body: &str) -> Overlay {
    Overlay::from_toml_str(&format!(
        "[overlay]\nid = \"hunan-2022-test\"\nbase = \"hunan-2022\"\ntitle = \"test\"\n{body}"
    ))
    .expect("overlay reads")
}

fn apply_err(body: &str) -> OverlayError {
    overlay(body).apply(hunan()).expect_err("invalid overlay")
}

#[test]
fn the_city_overlay_switches_on_the_extension_and_adds_the_tier() {
    let base = hunan();
    let city = Overlay::from_path("overlays/hunan-2022-city.toml")
        .expect("overlay")
        .apply(base)
        .expect("valid");
    assert_eq!(city.id(), "hunan-2022-city");
    assert_eq!(city.benefit_year(), 2022);
    // The base is untouched.
    assert!(!base.spec().extensions[0].in_force);
    assert!(city.spec().extensions[0].in_force);
    // The new rules sit right after `window`, in the order given.
    let ids: Vec<&str> = city.spec().rules.iter().map(|r| r.id.as_str()).collect();
    let window = ids
        .iter()
        .position(|id| *id == "window")
        .expect("window rule");
    assert_eq!(
        &ids[window..window + 3],
        ["window", "extension_household", "extension_not_household"]
    );
    assert_eq!(city.spec().tiers.len(), base.spec().tiers.len() + 1);

    // Paid in January 2022 as a household: refused by the province, enrolled from 1 January.
    let january = Resident::new(date(1970, 1, 1), date(2022, 1, 20));
    let refused = evaluate(base, &january).expect("valid resident");
    assert_eq!(
        refused.refusal.map(|r| r.code),
        Some(RefusalCode::OutsideWindow)
    );
    let enrolled = evaluate(&city, &january).expect("valid resident");
    assert_eq!(enrolled.benefit_start, Some(date(2022, 1, 1)));
    // Not as a household unit: from the next month.
    let alone = Resident {
        household_unit: false,
        ..january
    };
    assert_eq!(
        evaluate(&city, &alone).expect("valid").benefit_start,
        Some(date(2022, 2, 1))
    );

    // A 困境儿童 in the window: no subsidy in the province, half of 320 from 财政 in the city.
    let child = Resident::new(date(2014, 6, 1), date(2021, 11, 1))
        .with_category(CategoryKind::Local("困境儿童".into()));
    let province = evaluate(base, &child).expect("declared category");
    assert_eq!(province.owed.to_string(), "320");
    let subsidized = evaluate(&city, &child).expect("declared category");
    assert_eq!(subsidized.tier, Some("distressed_child"));
    assert_eq!(subsidized.subsidies.get(Funder::Fiscal).to_string(), "160");
    assert_eq!(subsidized.owed.to_string(), "160");
}

#[test]
fn the_ziyang_overlay_changes_a_standard_a_tier_and_drops_a_tier() {
    let base = Policy::builtin("ziyang-2021").expect("built-in");
    let whatif = Overlay::from_path("overlays/ziyang-2021-whatif.toml")
        .expect("overlay")
        .apply(base)
        .expect("valid");
    assert_eq!(whatif.personal_standard().to_string(), "300");
    assert_eq!(
        whatif.full_standard().map(|d| d.to_string()),
        Some("880".into())
    );
    assert!(
        whatif
            .spec()
            .tiers
            .iter()
            .all(|t| t.id != "floor_poverty_exit")
    );
    let paid = date(2020, 10, 15);
    let fringe = Resident::new(date(1970, 1, 1), paid).with_category(CategoryKind::PovertyFringe);
    let a = evaluate(&whatif, &fringe).expect("valid");
    assert_eq!(a.subsidies.get(Funder::Fiscal).to_string(), "150");
    let floor = Resident::new(date(1970, 1, 1), paid).with_category(CategoryKind::FloorPovertyExit);
    let a = evaluate(&whatif, &floor).expect("valid");
    assert_eq!((a.tier, a.owed.to_string()), (None, "300".to_string()));
    // The fixed-amount tiers keep their amounts.
    let low = Resident::new(date(1970, 1, 1), paid).with_category(HeldCategory::disability(3));
    let a = evaluate(&whatif, &low).expect("valid");
    assert_eq!(a.subsidies.get(Funder::Fiscal).to_string(), "140");
    assert_eq!(a.owed.to_string(), "160");
}

#[test]
fn a_tier_paying_more_than_the_standard_names_the_overlay_key() {
    let err = apply_err(
        "[[tier]]\nid = \"subsistence_allowance\"\nparts = [{ funder = \"medical_assistance\", share = 150 }]\n",
    );
    assert_eq!(err.key(), Some("tier[0].parts[0].share"));
    assert!(err.to_string().contains("percentage"), "{err}");

    // The second overlay entry is named as such, wherever the tier lands in the policy.
    let err = apply_err(
        "[[tier]]\nid = \"monitored\"\nparts = [{ funder = \"fiscal\", share = 50 }]\n\
         [[tier]]\nid = \"new_tier\"\nname = \"x\"\ncategories = [\"orphan\"]\n\
         parts = [{ funder = \"fiscal\", amount = 400 }]\ncite = \"what-if\"\n",
    );
    assert_eq!(err.key(), Some("tier[1].parts"));
    assert!(
        err.to_string().contains("more than the personal standard"),
        "{err}"
    );
}

#[test]
fn a_lowered_standard_that_a_fixed_amount_tier_now_exceeds_is_caught() {
    // A share of the standard never exceeds it; a fixed amount can: Ziyang's 280-yuan 特困
    // tier under a 200-yuan standard. The tier is the base's, untouched by the overlay.
    let base = Policy::builtin("ziyang-2021").expect("built-in");
    let err = Overlay::from_toml_str(
        "[overlay]\nid = \"z\"\nbase = \"ziyang-2021\"\ntitle = \"t\"\n\
         [standards.personal]\namount = 200\ncite = \"what-if\"\n",
    )
    .expect("reads")
    .apply(base)
    .expect_err("the extreme-poverty tier pays 280 > 200");
    let problem = err.problems().first().expect("a problem");
    assert_eq!(problem.key_path(), Some("tier[0].parts"));
    assert!(
        problem
            .note
            .as_deref()
            .is_some_and(|n| n.contains("left as it was")),
        "{err}"
    );
    assert!(err.to_string().contains("left as it was"), "{err}");
}

#[test]
fn a_drop_of_an_unknown_id_lists_the_ids() {
    let err = apply_err("[[tier]]\nid = \"no_such_tier\"\ndrop = true\n");
    assert_eq!(err.key(), Some("tier[0].id"));
    assert!(err.to_string().contains("subsistence_allowance"), "{err}");
}

#[test]
fn dropping_a_category_a_tier_still_names_is_caught() {
    let err = apply_err(
        "[[category]]\nid = \"distressed_child\"\ndrop = true\n\
         [[tier]]\nid = \"distressed_child\"\nname = \"困境儿童\"\ncategories = [\"distressed_child\"]\n\
         parts = [{ funder = \"fiscal\", share = 50 }]\ncite = \"what-if\"\n",
    );
    assert_eq!(err.key(), Some("tier[0].categories[0]"));
    assert!(err.to_string().contains("unknown category"), "{err}");
}

#[test]
fn an_extension_overlapping_the_window_is_caught() {
    let err = apply_err("[[extension]]\nid = \"extension\"\nfrom = \"2021-12-01\"\n");
    assert_eq!(err.key(), Some("extension[0].from"));
    assert!(err.to_string().contains("overlaps the window"), "{err}");
}

#[test]
fn a_rule_for_an_extension_that_does_not_exist_is_caught() {
    let err = apply_err(
        "[[rule]]\nid = \"late\"\nafter = \"window\"\ntitle = \"t\"\nwhen = { paid = [\"extension_2\"] }\n\
         charge = \"personal\"\nbenefit_start = \"next_month\"\ncite = \"what-if\"\n",
    );
    assert_eq!(err.key(), Some("rule[0].when.paid[0]"));
    assert!(err.to_string().contains("extension"), "{err}");
}

#[test]
fn entries_that_do_not_fit_the_format_name_the_entry() {
    let err = apply_err("[[tier]]\nid = \"monitored\"\nshare = 50\n");
    let problem = err.problems().first().expect("a problem");
    assert_eq!(problem.key_path(), Some("tier[0]"), "{err}");
    assert!(problem.message.contains("share"), "{err}");

    // A new tier without its citation.
    let err = apply_err(
        "[[tier]]\nid = \"x\"\nname = \"x\"\ncategories = [\"orphan\"]\nparts = [{ funder = \"fiscal\", share = 50 }]\n",
    );
    let problem = err.problems().first().expect("a problem");
    assert_eq!(problem.key_path(), Some("tier[0]"), "{err}");
    assert!(problem.message.contains("cite"), "{err}");

    let err = apply_err("[standards.personal]\namount = \"lots\"\n");
    assert_eq!(err.key(), Some("standards"));
}

#[test]
fn the_overlay_structure_is_checked() {
    let err = Overlay::from_toml_str("[[tier]]\nid = \"x\"\ndrop = true\n").expect_err("no header");
    assert_eq!(err.key(), Some("overlay"));

    let err = Overlay::from_toml_str(
        "[overlay]\nid = \"a\"\nbase = \"hunan-2022\"\ntitle = \"t\"\n[tiers]\nx = 1\n",
    )
    .expect_err("unknown table");
    assert_eq!(err.key(), Some("tiers"));
    let problem = err.problems().first().expect("a problem");
    assert!(problem.message.contains("did you mean `tier`?"), "{err}");
    assert!(problem.expected.contains("tier"), "{err}");
    assert_eq!(
        problem.location.line,
        Some(5),
        "located in the overlay's text: {err}"
    );

    let other = Policy::builtin("ziyang-2021").expect("built-in");
    let err = overlay("")
        .apply(other)
        .expect_err("written for hunan-2022");
    assert_eq!(err.key(), Some("overlay.base"));

    let err = apply_err("[policy]\nid = \"sneaky\"\n");
    assert_eq!(err.key(), Some("policy.id"));

    let err = Overlay::from_toml_str(
        "[overlay]\nid = \"Bad Id\"\nbase = \"hunan-2022\"\ntitle = \"t\"\n",
    )
    .expect("reads")
    .apply(hunan())
    .expect_err("not a policy id");
    assert_eq!(err.key(), Some("overlay.id"));

    let err = apply_err("[[rule]]\nid = \"window\"\nbefore = \"no_such_rule\"\n");
    assert_eq!(err.key(), Some("rule[0].before"));

    let err = apply_err("[[tier]]\nname = \"no id\"\n");
    assert_eq!(err.key(), Some("tier[0].id"));

    let err = apply_err("[[tier]]\nid = \"monitored\"\ndrop = true\nname = \"x\"\n");
    assert_eq!(err.key(), Some("tier[0].drop"));
}

#[test]
fn existing_entries_can_be_moved_and_changed() {
    let moved = overlay("[[rule]]\nid = \"late_newborn\"\nbefore = \"window\"\n")
        .apply(hunan())
        .expect("valid");
    let ids: Vec<&str> = moved.spec().rules.iter().map(|r| r.id.as_str()).collect();
    let late = ids.iter().position(|i| *i == "late_newborn");
    let window = ids.iter().position(|i| *i == "window");
    assert!(late < window, "{ids:?}");
    assert_eq!(ids.len(), hunan().spec().rules.len());

    let changed = overlay(
        "[window]\nto = \"2022-01-31\"\n[[extension]]\nid = \"extension\"\nfrom = \"2022-02-01\"\n",
    )
    .apply(hunan())
    .expect("valid");
    assert_eq!(changed.window().1, date(2022, 1, 31));
    // The citation of the window is kept where the overlay did not give one.
    assert_eq!(changed.spec().window.cite, hunan().spec().window.cite);
}
