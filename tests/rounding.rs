//! Rounding: a share of a standard that does not divide evenly is rounded to the fen, half away
//! from zero (`urrbmi::money`), and what the resident owes absorbs the rest, so
//! `owed + subsidies == charged` exactly.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use urrbmi::{CategoryKind, Funder, Policy, Resident, Special, SpecialKind, evaluate};

fn yuan(text: &str) -> Decimal {
    text.parse().expect("a decimal")
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a calendar date")
}

/// Yanling's policy with an odd personal standard of 281.01 yuan and an extra one-third tier.
fn odd_policy() -> Policy {
    let text = include_str!("../policies/yanling-2021.toml")
        .replacen("personal = { amount = 280,", "personal = { amount = \"281.01\",", 1)
        .replacen(
            "[[tier]]\nid = \"poverty_fringe\"",
            "[[tier]]\nid = \"one_third\"\nname = \"a test tier paying a third\"\ncategories = [\"monitored\"]\nparts = [{ funder = \"fiscal\", share = \"33.3333\" }, { funder = \"medical_assistance\", share = \"0.5\" }]\ncite = \"test tier\"\n\n[[tier]]\nid = \"poverty_fringe\"",
            1,
        );
    Policy::from_toml_str(&text).expect("the odd policy loads")
}

#[test]
fn half_a_fen_rounds_away_from_zero_and_owed_takes_the_rest() {
    let policy = odd_policy();
    // 边缘户: 50% of 281.01 = 140.505 -> 140.51; owed 281.01 - 140.51 = 140.50.
    let r = Resident::new(date(1970, 1, 1), date(2020, 11, 1))
        .with_category(CategoryKind::PovertyFringe);
    let a = evaluate(&policy, &r).expect("evaluates");
    assert_eq!(a.subsidies.get(Funder::Fiscal), yuan("140.51"));
    assert_eq!(a.owed, yuan("140.50"));
    assert_eq!(a.owed + a.subsidies.total(), a.charged);
}

#[test]
fn each_part_is_rounded_on_its_own() {
    let policy = odd_policy();
    // fiscal: 281.01 * 33.3333% = 93.669...  -> 93.67
    // medical assistance: 281.01 * 0.5% = 1.40505 -> 1.41
    // owed: 281.01 - 93.67 - 1.41 = 185.93
    let r =
        Resident::new(date(1970, 1, 1), date(2020, 11, 1)).with_category(CategoryKind::Monitored);
    let a = evaluate(&policy, &r).expect("evaluates");
    assert_eq!(a.subsidies.get(Funder::Fiscal), yuan("93.67"));
    assert_eq!(a.subsidies.get(Funder::MedicalAssistance), yuan("1.41"));
    assert_eq!(a.owed, yuan("185.93"));
    assert_eq!(a.owed + a.subsidies.total(), a.charged);
}

#[test]
fn the_full_standard_keeps_the_fen() {
    let policy = odd_policy();
    // 281.01 + 580 = 861.01 at the full standard; 边缘户 still gets 140.51 of the personal part.
    let r = Resident::new(date(1970, 1, 1), date(2021, 5, 10))
        .with_category(CategoryKind::PovertyFringe)
        .with_special(Special::new(SpecialKind::NewHukou));
    let a = evaluate(&policy, &r).expect("evaluates");
    assert_eq!(a.charged, yuan("861.01"));
    assert_eq!(a.owed, yuan("720.50"));
    let json = serde_json::to_value(&a).expect("serializes");
    assert_eq!(json["owed"], "720.5");
    assert_eq!(json["subsidies"]["fiscal"], "140.51");
}

#[test]
fn a_full_share_of_an_odd_standard_is_exact() {
    let policy = odd_policy();
    let r = Resident::new(date(1970, 1, 1), date(2020, 11, 1))
        .with_category(CategoryKind::RegisteredPoor);
    let a = evaluate(&policy, &r).expect("evaluates");
    assert_eq!(a.subsidies.get(Funder::Fiscal), yuan("281.01"));
    assert_eq!(a.owed, Decimal::ZERO);
}
