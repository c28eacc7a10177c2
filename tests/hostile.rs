//! Hostile inputs, round 2: each finding of the hostile test (issue "Hostile inputs, round 2")
//! with the input that showed it, and what must happen now. Nothing here may panic, give a
//! silently wrong amount, or cost more than linearly in the input.

use chrono::Datelike;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use urrbmi::overlay::Overlay;
use urrbmi::{CategoryKind, EvalError, HeldCategory, Policy, Resident, evaluate};

const HUNAN: &str = include_str!("../policies/hunan-2022.toml");
const ZIYANG: &str = include_str!("../policies/ziyang-2021.toml");

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

/// Ziyang 2021 with its one extension replaced by `count` one-day extensions after the window,
/// and a last rule that takes any payment.
fn ziyang_with_extensions(count: u32) -> String {
    let mut text = ZIYANG.replace(
        "[[extension]]\nid = \"extension\"\nfrom = \"2021-01-01\"\nto = \"2021-02-28\"\nin_force = true\n",
        "[[extension]]\nid = \"extension\"\nfrom = \"2021-01-01\"\nto = \"2021-01-01\"\nin_force = true\n",
    );
    let mut day = date(2021, 1, 1);
    for n in 2..=count {
        day = day.succ_opt().expect("a day");
        text.push_str(&format!(
            "\n[[extension]]\nid = \"day_{n}\"\nfrom = \"{day}\"\nto = \"{day}\"\nin_force = true\ncite = \"a hostile edit\"\n"
        ));
    }
    text.push_str(
        "\n[[rule]]\nid = \"any_payment\"\ntitle = \"any payment\"\ncharge = \"personal\"\nbenefit_start = \"next_month\"\ncite = \"a hostile edit\"\n",
    );
    text
}

/// Finding 2: a payment in the 63rd or a later extension is still a payment in an extension:
/// a rule with no `paid` condition takes it.
#[test]
fn the_seventieth_extension_is_an_extension() {
    let text = ziyang_with_extensions(70);
    let policy = Policy::from_toml_str(&text).expect("70 extensions load");
    for (n, paid) in [
        (2, date(2021, 1, 2)),
        (63, date(2021, 3, 4)),
        (70, date(2021, 3, 11)),
    ] {
        let r = Resident::new(date(1980, 1, 1), paid).with_household_unit(false);
        let a = evaluate(&policy, &r).expect("evaluates");
        assert!(a.is_enrolled(), "extension {n}: {a:?}");
        assert_eq!(a.deciding_rule(), Some("rule.any_payment"), "extension {n}");
        assert_eq!(
            a.benefit_start,
            paid.checked_add_months(chrono::Months::new(1))
                .map(|d| d.with_day0(0).expect("first")),
            "extension {n}"
        );
    }
}

/// Finding 3: a negative zero is not an amount. Through the API it is refused; in a file,
/// `"-0"` reads as zero.
#[test]
fn negative_zero_is_refused_or_normalised() {
    let policy = Policy::builtin("hunan-2022").expect("built in");
    let mut spec = policy.spec().clone();
    let mut minus_zero = Decimal::ZERO;
    minus_zero.set_sign_negative(true);
    spec.standards.personal.amount = minus_zero;
    let err = Policy::from_spec(spec).expect_err("-0 refused");
    assert!(err.to_string().contains("negative zero"), "{err}");

    let text = HUNAN.replacen("amount = 320", "amount = \"-0\"", 1);
    assert!(text != HUNAN, "the edit applies");
    if let Ok(p) = Policy::from_toml_str(&text) {
        assert!(!p.personal_standard().is_sign_negative());
        let a =
            evaluate(&p, &Resident::new(date(1980, 1, 1), date(2021, 10, 1))).expect("evaluates");
        assert!(!a.owed.is_sign_negative(), "owed {}", a.owed);
    }
}

/// Finding 4: a policy with more notes than a trace can cite is refused, never saturated.
#[test]
fn too_many_notes_is_a_load_error() {
    let policy = Policy::builtin("hunan-2022").expect("built in");
    let mut spec = policy.spec().clone();
    let template = spec.tiers[0].clone();
    for n in 0..70_000 {
        let mut tier = template.clone();
        tier.id = format!("copy_{n}");
        spec.tiers.push(tier);
    }
    let err = Policy::from_spec(spec).expect_err("too many notes");
    assert!(
        err.to_string()
            .contains("more trace notes than a policy may hold"),
        "{err}"
    );
}

/// Finding 5: day and month counts are bounded, and the bound is named.
#[test]
fn day_counts_are_bounded() {
    let text = HUNAN.replace(
        "[newborn]\nwithin_days = 90",
        "[newborn]\nwithin_days = 4294967295",
    );
    assert!(text != HUNAN, "the edit applies");
    let found = problems(&text);
    assert!(
        found
            .iter()
            .any(|p| p.contains("newborn.within_days") && p.contains("from 1 to")),
        "{found:?}"
    );
    let text = format!(
        "{ZIYANG}\n[[rule]]\nid = \"wait\"\ntitle = \"wait\"\ncharge = \"personal\"\nbenefit_start = \"payment_date\"\nplus_days = 4294967295\ncite = \"a hostile edit\"\n"
    );
    let found = problems(&text);
    assert!(
        found
            .iter()
            .any(|p| p.contains("plus_days") && p.contains("from 1 to")),
        "{found:?}"
    );
}

/// Finding 6: with exclusive end dates, an extension starting on the window's `to` (the day
/// after its last day) is adjacent: it loads, and the linter sees no gap; one wholly before the
/// window is refused.
#[test]
fn exclusive_end_dates_compare_by_last_days() {
    let exclusive = ZIYANG
        .replace("end_dates = \"inclusive\"", "end_dates = \"exclusive\"")
        .replace(
            "from = \"2020-09-01\"\nto = \"2020-12-31\"",
            "from = \"2020-09-01\"\nto = \"2021-01-01\"",
        )
        .replace(
            "from = \"2021-01-01\"\nto = \"2021-02-28\"",
            "from = \"2021-01-01\"\nto = \"2021-03-01\"",
        )
        .replace(
            "from = \"2021-01-01\"\nto = \"2021-12-31\"",
            "from = \"2021-01-01\"\nto = \"2022-01-01\"",
        );
    assert!(
        exclusive.contains("end_dates = \"exclusive\""),
        "the edit applies"
    );
    let findings = Policy::lint(&exclusive, None);
    assert!(findings.is_empty(), "{findings:#?}");
    let policy = Policy::from_toml_str(&exclusive).expect("loads");
    let r = Resident::new(date(1980, 1, 1), date(2021, 2, 28));
    assert!(evaluate(&policy, &r).expect("evaluates").is_enrolled());

    let before = ZIYANG.replace(
        "from = \"2021-01-01\"\nto = \"2021-02-28\"",
        "from = \"2020-01-01\"\nto = \"2020-02-28\"",
    );
    let found = problems(&before);
    assert!(
        found
            .iter()
            .any(|p| p.contains("ends before the window opens")),
        "{found:?}"
    );
}

/// Finding 7: two settlement periods with one id are refused.
#[test]
fn period_ids_are_unique() {
    let block = "[[period]]\nid = \"calendar_year\"\nfrom = \"2021-01-01\"\nto = \"2021-12-31\"\n";
    assert!(ZIYANG.contains(block));
    let text = ZIYANG.replace(
        block,
        &format!("{block}cite = \"x\"\nstudents = [\"college\"]\n\n{block}"),
    );
    let found = problems(&text);
    assert!(
        found
            .iter()
            .any(|p| p.contains("period id `calendar_year` is used twice")),
        "{found:?}"
    );
}

/// Finding 8: the categories a resident holds cost one pass. A resident listing more than
/// the policy's categories repeats one, which is an error naming it.
#[test]
fn many_categories_cost_one_pass_and_repeats_are_errors() {
    let policy = Policy::builtin("hunan-2022").expect("built in");
    let mut r = Resident::new(date(1980, 1, 1), date(2021, 10, 1));
    r.categories = (0..5_000)
        .map(|_| HeldCategory::new(CategoryKind::SubsistenceAllowance))
        .collect();
    let err = evaluate(policy, &r).expect_err("listed twice");
    assert!(err.to_string().contains("subsistence_allowance"), "{err}");
    let mut r = Resident::new(date(1980, 1, 1), date(2021, 10, 1));
    r.categories = (0..5_000)
        .map(|n| HeldCategory::new(CategoryKind::Local(format!("群体{n}").into())))
        .collect();
    let err = evaluate(policy, &r).expect_err("unknown");
    assert!(
        err.to_string().contains("群体0"),
        "the first unknown one is named: {err}"
    );
}

/// Hunan 2022 with `copies` copies of its first tier appended (ids `copy_N`).
fn hunan_with_copied_tiers(copies: usize) -> String {
    let start = HUNAN.find("[[tier]]").expect("a tier");
    let end = start + HUNAN[start + 1..].find("\n[[").expect("next table") + 1;
    let tier = &HUNAN[start..end];
    let mut text = HUNAN.to_string();
    for n in 0..copies {
        text.push_str(&tier.replacen("id = \"extreme_poverty\"", &format!("id = \"copy_{n}\""), 1));
        text.push('\n');
    }
    text
}

/// Finding 9: one finding per dead tier, naming the first tier that covers it.
#[test]
fn one_finding_per_dead_tier() {
    let text = hunan_with_copied_tiers(300);
    let findings = Policy::lint(&text, None);
    let dead: Vec<_> = findings
        .iter()
        .filter(|d| d.message.contains("can never apply"))
        .collect();
    assert_eq!(dead.len(), 300, "one per copy");
    assert!(
        dead.iter().all(|d| d
            .message
            .contains("tier `extreme_poverty` (listed earlier)")),
        "each names the first tier: {:?}",
        dead.first()
    );
    assert_eq!(
        findings.len(),
        300,
        "and nothing else: {:?}",
        findings
            .iter()
            .find(|d| !d.message.contains("can never apply"))
    );
    // Each is located at its own tier, from one parse.
    let lines: std::collections::HashSet<_> = dead.iter().map(|d| d.location.line).collect();
    assert_eq!(lines.len(), 300);
    // Ten thousand copies: still one finding each.
    let findings = Policy::lint(&hunan_with_copied_tiers(10_000), None);
    assert_eq!(findings.len(), 10_000);
}

/// Finding 10: an overlay adding ten thousand tiers merges in one pass, in the order asked.
#[test]
fn overlays_merge_many_entries_in_order() {
    let mut body = String::from(
        "[overlay]\nid = \"hunan-2022-many\"\nbase = \"hunan-2022\"\ntitle = \"many tiers\"\n",
    );
    for n in 0..10_000 {
        body.push_str(&format!(
            "\n[[tier]]\nid = \"extra_{n}\"\nname = \"extra\"\ncategories = [\"orphan\"]\nparts = [{{ funder = \"fiscal\", amount = 1 }}]\ncite = \"a hostile edit\"\n"
        ));
    }
    // A move, a placement before another, and a drop, among them.
    body.push_str("\n[[tier]]\nid = \"extra_5\"\nbefore = \"extreme_poverty\"\n");
    body.push_str("\n[[tier]]\nid = \"extra_last\"\nname = \"last\"\ncategories = [\"orphan\"]\nparts = [{ funder = \"fiscal\", amount = 2 }]\ncite = \"x\"\nafter = \"extra_0\"\n");
    body.push_str("\n[[tier]]\nid = \"extra_1\"\ndrop = true\n");
    let overlay = Overlay::from_toml_str(&body).expect("reads");
    let base = Policy::builtin("hunan-2022").expect("built in");
    let merged = overlay.apply(base).expect("applies");
    let ids: Vec<&str> = merged.spec().tiers.iter().map(|t| t.id.as_str()).collect();
    let base_count = base.spec().tiers.len();
    assert_eq!(
        ids.len(),
        base_count + 10_000,
        "10,000 added, one more, one dropped"
    );
    assert_eq!(ids[0], "extra_5", "moved before the first tier");
    assert_eq!(ids[1], "extreme_poverty");
    let at = ids.iter().position(|id| *id == "extra_0").expect("extra_0");
    assert_eq!(ids[at + 1], "extra_last");
    assert_eq!(ids[at + 2], "extra_2", "extra_1 dropped");
    assert!(!ids.contains(&"extra_1"));
    assert_eq!(ids.last(), Some(&"extra_9999"));
}

/// Finding 11: dates with a sign, doubled separators or year 0000 are refused, with the forms
/// accepted.
#[test]
fn lenient_dates_are_refused() {
    for text in [
        "-2020-10-15",
        "2020//10//15",
        "-0001-01-01",
        "0000-01-01",
        "2020-10-15-",
        "+2020-10-15",
        "2020-1-015",
    ] {
        let json = format!(r#"{{"birth_date": "{text}", "payment_date": "2021-06-01"}}"#);
        let err = Resident::from_json(&json).expect_err(text);
        assert_eq!(err.path, "birth_date", "{text}");
        assert!(err.message.contains("YYYY-MM-DD"), "{text}: {err}");
    }
}

/// Finding 12: a resident is one object with named fields; a date is a string.
#[test]
fn residents_and_dates_are_objects_and_strings() {
    for text in ["[]", r#"["1980-01-01", "local"]"#] {
        let err = Resident::from_json(text).expect_err(text);
        assert!(
            err.message
                .contains("a resident as an object with named fields"),
            "{text}: {err}"
        );
    }
    let err =
        Resident::from_json(r#"{"birth_date": {"x": "1980-01-01"}, "payment_date": "2021-06-01"}"#)
            .expect_err("an object is not a date");
    assert_eq!(err.path, "birth_date");
    assert!(err.message.contains("not a date"), "{err}");
    let err = Resident::from_json(r#"{"birth_date": "1980-01-01", "payment_date": "2021-06-01", "categories": [["disability", 2]]}"#)
        .expect_err("a category is an object");
    assert!(err.message.contains("a category as an object"), "{err}");
    // A native TOML date still reads.
    let r = Resident::from_toml_str("birth_date = 1980-01-01\npayment_date = 2021-06-01\n")
        .expect("reads");
    assert_eq!(r.birth_date, date(1980, 1, 1));
}

/// Finding 13: money is parsed exactly or refused: no rounding of long digit strings, no
/// exponent.
#[test]
fn money_strings_are_exact() {
    for amount in [
        "\"280.0000000000000000000000001\"",
        "\"280.00000000000000000000000000000001\"",
        "\"2.8e2\"",
        "\"280_000\"",
        "\"1,280\"",
        "\"+280\"",
        "\"280.\"",
        "\".5\"",
    ] {
        let text = HUNAN.replacen("amount = 320", &format!("amount = {amount}"), 1);
        assert!(text != HUNAN, "the edit applies");
        let found = problems(&text);
        assert!(!found.is_empty(), "{amount} must not load");
        assert!(
            found.iter().any(|p| p.contains("standards.personal")),
            "{amount}: {found:?}"
        );
    }
    let text = HUNAN.replacen("amount = 320", "amount = \"320.00\"", 1);
    assert_eq!(
        Policy::from_toml_str(&text)
            .expect("loads")
            .personal_standard(),
        Decimal::from(320)
    );
}

/// Finding 14: messages say what is wrong where, without a `?`, with the key, and cut.
#[test]
fn messages_name_the_fault() {
    let err = Resident::from_json(r#"{"birth_date": "1980-01-01", "payment_date": "2021-06-01", "categories": [{"kind": "disability", "grade": 1e23}]}"#)
        .expect_err("a float grade");
    assert_eq!(err.path, "categories[0].grade");
    assert!(
        err.message.contains("a disability grade is a whole number"),
        "{err}"
    );

    let err = Resident::from_json(r#"{"birth_date": "1980-01-01", "payment_date": "2021-06-01",}"#)
        .expect_err("a trailing comma");
    assert!(!err.to_string().starts_with('?'), "{err}");
    assert!(err.to_string().contains("line 1 column"), "{err}");

    let text = HUNAN.replacen("[window]\n", "[window]\nfrom = \"2021-09-01\"\n", 1);
    let found = problems(&text);
    assert!(
        found
            .iter()
            .any(|p| p.contains("duplicate key `from`") && p.contains(":42:")),
        "{found:?}"
    );

    let deep = format!("x = {}1{}", "[".repeat(200), "]".repeat(200));
    let found = problems(&deep);
    assert!(!found.is_empty());
    assert!(
        found
            .iter()
            .all(|p| p.contains(":1:") || p.contains("line 1")),
        "located: {found:?}"
    );

    let long = "x".repeat(10_000_000);
    let err = Policy::builtin(&long).expect_err("unknown");
    assert!(
        err.to_string().len() < 1_000,
        "cut: {} bytes",
        err.to_string().len()
    );
    let text = HUNAN.replacen("[window]\n", &format!("[window]\n{long} = 1\n"), 1);
    let err = Policy::from_toml_str(&text).expect_err("unknown key");
    assert!(
        err.to_string().len() < 2_000,
        "cut: {} bytes",
        err.to_string().len()
    );

    // A date out of the calendar blames the rule that counted from it.
    let policy = Policy::builtin("ziyang-2021").expect("built in");
    let r = Resident::new(date(1980, 1, 1), NaiveDate::MAX).with_household_unit(false);
    match evaluate(policy, &r) {
        Err(EvalError::DateOutOfRange { rule, .. }) => assert!(!rule.is_empty()),
        other => assert!(matches!(other, Ok(_) | Err(_)), "{other:?}"),
    }
}

/// A tier keyed on students alone (江西 在江西省内就读的大学生 200) subsidizes a disabled college
/// student of any grade: a later tier for grade-3 disabled college students paying less is dead,
/// and the linter says which tier covers it.
#[test]
fn a_tier_keyed_on_students_alone_covers_a_later_disability_tier() {
    let jiangxi = include_str!("../policies/jiangxi-2026.toml");
    let text = format!(
        "{jiangxi}\n[[tier]]\nid = \"disabled_college\"\nname = \"x\"\ncategories = [\"disability\"]\ngrades = [3]\nstudents = [\"college\"]\nparts = [{{ funder = \"fiscal\", amount = 100 }}]\ncite = \"x\"\n"
    );
    let lint: Vec<String> = Policy::lint(&text, None)
        .iter()
        .map(|d| d.one_line())
        .collect();
    let dead: Vec<&String> = lint
        .iter()
        .filter(|line| line.contains("disabled_college") && line.contains("can never apply"))
        .collect();
    assert_eq!(dead.len(), 1, "{lint:#?}");
    assert!(dead[0].contains("college_students"), "{}", dead[0]);
}

/// Subsidies read from JSON (an `OwnedAssessment` sent from elsewhere) with more local funders
/// than an assessment can hold, or an amount whose sum leaves the range: an error, not a panic.
#[test]
fn subsidies_from_json_with_too_many_local_funders_are_an_error() {
    let five = r#"{"a_fund": "1", "b_fund": "1", "c_fund": "1", "d_fund": "1", "e_fund": "1"}"#;
    let error = serde_json::from_str::<urrbmi::Subsidies>(five).expect_err("five local funders");
    assert!(error.to_string().contains("at most 4"), "{error}");
    let four = r#"{"a_fund": "1", "b_fund": "1", "c_fund": "1", "d_fund": "1", "fiscal": "2"}"#;
    let read = serde_json::from_str::<urrbmi::Subsidies>(four).expect("four local funders");
    assert_eq!(read.total(), Decimal::from(6));
}
