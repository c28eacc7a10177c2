//! Hostile inputs, round 2: each finding of the hostile test (issue "Hostile inputs, round 2")
//! with the input that showed it, and what must happen now. Nothing here may panic, give a
//! silently wrong amount, or cost more than linearly in the input.

use chrono::NaiveDate;
use urrbmi::{CategoryKind, Policy, Resident, evaluate};

const HUNAN: &str = include_str!("../policies/hunan-2022.toml");

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

/// The problems a policy text gives, one line each.
fn problems(text: &str) -> Vec<String> {
    match Policy::from_toml_str(text) {
        Ok(_) => Vec::new(),
        Err(e) => e.problems().iter().map(|d| d.one_line()).collect(),
    }
}

fn with_category(id: &str, name: &str) -> String {
    format!("{HUNAN}\n[[category]]\nid = \"{id}\"\nname = \"{name}\"\ncite = \"a hostile edit\"\n")
}

/// Finding 1: local category names that collide load no more.
#[test]
fn category_names_and_ids_mean_one_category() {
    // A name equal to another category's id.
    let found = problems(&with_category("veteran_kin", "distressed_child"));
    assert!(
        found
            .iter()
            .any(|p| p.contains("already names the local category `distressed_child`")),
        "{found:?}"
    );
    // Two categories with one name.
    let found = problems(&with_category("troubled_child", "困境儿童"));
    assert!(
        found.iter().any(|p| p.contains("`困境儿童` already names")),
        "{found:?}"
    );
    // A name with a trailing space.
    let found = problems(&with_category("kids", "困境少年 "));
    assert!(
        found.iter().any(|p| p.contains("has spaces around it")),
        "{found:?}"
    );
    // A name that is a built-in alias.
    let found = problems(&with_category("poor", "低保"));
    assert!(
        found
            .iter()
            .any(|p| p.contains("already names the built-in category `subsistence_allowance`")),
        "{found:?}"
    );
    // An id that is a built-in id.
    let found = problems(&with_category("orphan", "孤儿们"));
    assert!(
        found
            .iter()
            .any(|p| p.contains("built-in category `orphan`")),
        "{found:?}"
    );

    // Declared once, a local category is found by its id and by its name alike.
    let policy = Policy::builtin("hunan-2022").expect("built in");
    for name in ["distressed_child", "困境儿童"] {
        let r = Resident::new(date(2010, 1, 1), date(2021, 10, 1))
            .with_category(CategoryKind::Local(name.into()));
        assert!(evaluate(policy, &r).is_ok(), "{name}");
    }
}
