//! Policy diffs and per-resident explanations.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use urrbmi::overlay::Overlay;
use urrbmi::{CategoryKind, Funder, Policy, Resident};
use urrbmi_analysis::diff::{Change, explain_change_between, same_situation};
use urrbmi_analysis::{diff, explain_change};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn policy(id: &str) -> &'static Policy {
    Policy::builtin(id).expect("built-in")
}

#[test]
fn changsha_2021_against_2024() {
    let (a, b) = (policy("changsha-2021"), policy("changsha-2024"));
    let d = diff(a, b);
    let personal = d.row("standards", "personal standard").expect("row");
    assert_eq!(personal.change, Change::Changed);
    assert_eq!(personal.delta, Some(Decimal::from(100)));
    let full = d.row("standards", "full funding standard").expect("row");
    assert_eq!(
        (full.a.as_deref(), full.b.as_deref()),
        (Some("860"), Some("1020"))
    );

    // Category by category: the registered poor lose their full subsidy in 2024.
    let poor = d.row("who is subsidized", "registered_poor").expect("row");
    assert!(
        poor.a.as_deref().is_some_and(|t| t.contains("fiscal 280")),
        "{poor:?}"
    );
    assert!(
        poor.b
            .as_deref()
            .is_some_and(|t| t.starts_with("no subsidy")),
        "{poor:?}"
    );
    assert_eq!(poor.delta, Some(Decimal::from(380)));
    // Grade 1 disability stays fully subsidized; only the amount follows the standard.
    let grade1 = d
        .row("who is subsidized", "disability grade 1")
        .expect("row");
    assert_eq!(grade1.delta, Some(Decimal::ZERO));

    // The waiting period for first enrollments is gone; the college year too.
    let waiting = d
        .row("benefit-start rules", "rule first_time_waiting_period")
        .expect("row");
    assert_eq!(waiting.change, Change::Removed);
    let college = d
        .row("settlement periods", "period college_year")
        .expect("row");
    assert_eq!(college.change, Change::Removed);

    // Readable and serializable.
    let changed = d.table(true);
    assert!(changed.contains("== who is subsidized"), "{changed}");
    // Rows that are the same (a 90-day newborn window in both) only in the full table.
    assert!(!changed.contains("newborn paying within"), "{changed}");
    assert!(d.table(false).contains("newborn paying within"));
    let json = serde_json::to_value(&d).expect("serialize");
    assert_eq!(json["a"]["id"], "changsha-2021");
    assert!(json["sections"].as_array().is_some_and(|s| s.len() >= 8));
}

#[test]
fn no_policy_differs_from_itself() {
    for id in Policy::builtin_ids() {
        let p = policy(id);
        let d = diff(p, p);
        assert!(d.is_empty(), "{id}: {:?}", d.changes().next());
    }
}

#[test]
fn an_overlay_shows_up_in_the_diff() {
    let base = policy("hunan-2022");
    let city = Overlay::from_path("../../overlays/hunan-2022-city.toml")
        .expect("overlay")
        .apply(base)
        .expect("valid");
    let d = diff(base, &city);
    let ext = d.row("windows", "extension extension").expect("row");
    assert!(ext.a.as_deref().is_some_and(|t| t.contains("not in force")));
    assert!(
        ext.b
            .as_deref()
            .is_some_and(|t| t.contains("in force") && !t.contains("not"))
    );
    let child = d.row("who is subsidized", "distressed_child").expect("row");
    assert_eq!(child.delta, Some(Decimal::from(-160)));
    assert_eq!(
        d.row("benefit-start rules", "rule extension_household")
            .map(|r| r.change),
        Some(Change::Added)
    );
    // Nothing else about the standards changed.
    assert_eq!(
        d.row("standards", "personal standard").map(|r| r.change),
        Some(Change::Same)
    );
}

#[test]
fn a_first_enrollment_loses_its_waiting_period() {
    let (a, b) = (policy("changsha-2021"), policy("changsha-2024"));
    let r = Resident::new(date(1992, 3, 14), date(2020, 10, 15))
        .with_enrollment(urrbmi::Enrollment::FirstTime);
    let later = same_situation(&r, a, b);
    assert_eq!(later.payment_date, date(2023, 10, 15));
    let why = explain_change_between(a, b, &r, &later).expect("valid resident");
    assert_eq!(why.owed.delta, Decimal::from(100));
    assert_eq!(why.benefit_start.0, Some(date(2021, 1, 13)));
    assert_eq!(why.benefit_start.1, Some(date(2024, 1, 1)));
    // 90 days' wait in 2021, 78 in 2024.
    assert_eq!(why.benefit_start.2, Some(-12));
    let params: Vec<&str> = why.causes.iter().map(|c| c.parameter.as_str()).collect();
    assert_eq!(params, ["rule", "standards.personal.amount"]);
    assert!(
        why.causes[0].a.starts_with("first_time_waiting_period"),
        "{why}"
    );
    assert!(why.causes[0].b.starts_with("window"), "{why}");
}

#[test]
fn a_subsidy_lost_names_the_tier() {
    let (a, b) = (policy("changsha-2021"), policy("changsha-2024"));
    let r = Resident::new(date(1961, 7, 2), date(2020, 11, 20))
        .with_category(CategoryKind::RegisteredPoor);
    let why = explain_change_between(a, b, &r, &same_situation(&r, a, b)).expect("valid");
    assert_eq!(why.owed.delta, Decimal::from(380));
    let fiscal = why
        .funders
        .iter()
        .find(|(f, _)| *f == Funder::Fiscal)
        .map(|(_, m)| m.delta);
    assert_eq!(fiscal, Some(Decimal::from(-280)));
    let tier = why
        .causes
        .iter()
        .find(|c| c.parameter == "tier")
        .expect("tier cause");
    assert!(
        tier.effect.contains("no longer names registered_poor"),
        "{why}"
    );
}

#[test]
fn an_extension_switched_on_explains_an_enrollment() {
    let base = policy("hunan-2022");
    let city = Overlay::from_path("../../overlays/hunan-2022-city.toml")
        .expect("overlay")
        .apply(base)
        .expect("valid");
    let r = Resident::new(date(1970, 1, 1), date(2022, 2, 10));
    let why = explain_change(base, &city, &r).expect("valid");
    assert!(!why.a.enrolled && why.b.enrolled);
    assert_eq!(why.owed.delta, Decimal::from(320));
    assert_eq!(why.benefit_start, (None, Some(date(2022, 1, 1)), None));
    assert_eq!(why.causes.len(), 1);
    assert_eq!(why.causes[0].parameter, "window");
    assert!(
        why.causes[0].b.contains("extension 2022-01-01..2022-02-28"),
        "{why}"
    );
}

#[test]
fn a_changed_standard_with_the_same_rule() {
    let base = policy("ziyang-2021");
    let whatif = Overlay::from_path("../../overlays/ziyang-2021-whatif.toml")
        .expect("overlay")
        .apply(base)
        .expect("valid");
    let r = Resident::new(date(1980, 1, 1), date(2020, 10, 15))
        .with_category(CategoryKind::PovertyFringe);
    let why = explain_change(base, &whatif, &r).expect("valid");
    // 280 - 70 = 210 before; 300 - 150 = 150 after.
    assert_eq!(why.owed.delta, Decimal::from(-60));
    let params: Vec<&str> = why.causes.iter().map(|c| c.parameter.as_str()).collect();
    assert_eq!(
        params,
        ["standards.personal.amount", "tier.poverty_fringe.parts"]
    );
    assert_eq!(why.benefit_start.2, Some(0));
}

#[test]
fn nothing_changes_under_the_same_policy() {
    let p = policy("yanling-2021");
    let r = Resident::new(date(1980, 1, 1), date(2020, 10, 15))
        .with_category(CategoryKind::EntitledGroup);
    let why = explain_change(p, p, &r).expect("valid");
    assert!(why.unchanged());
    assert!(why.causes.is_empty());
    assert!(
        why.to_string()
            .contains("nothing that applies to this resident changed")
    );
}

#[test]
fn a_resident_that_makes_no_sense_is_an_error() {
    let p = policy("yanling-2021");
    let r = Resident::new(date(2021, 1, 1), date(2020, 10, 15));
    assert!(explain_change(p, p, &r).is_err());
}
