//! The rules other cities write (issue "Beyond Hunan"): for each rule the sources list under
//! "Other regions", a small policy fixture in `tests/regions/<city>/policy.toml` that states it,
//! and cases in `cases.toml` beside it that show it evaluates as the quote says. A rule the
//! format still cannot state is listed in the README ("Rules other cities write").
//!
//! Each fixture must load, lint without errors, and pass every case; the cases are worked by
//! hand from the quote, never by running the crate.

use std::path::Path;

use chrono::NaiveDate;
use urrbmi::cases::CaseFile;
use urrbmi::{EvalError, Funder, LocalId, Policy, Resident, Special, SpecialKind, evaluate};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

fn fixture(city: &str) -> Policy {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/regions/{city}/policy.toml"));
    Policy::from_path(&path).unwrap_or_else(|e| panic!("{city}: {e}"))
}

/// The cities whose rules have a fixture (the folders of `tests/regions`).
const CITIES: &[&str] = &[
    "beijing",
    "chengdu",
    "first-time-and-lapsed",
    "guangan",
    "jianhu",
    "nanjing",
    "qingdao",
    "quanzhou",
    "shaoguan",
    "shenyang",
    "village",
    "weihai",
    "wuhan",
    "wuxi",
    "xuzhou",
];

#[test]
fn every_fixture_loads_lints_without_errors_and_passes_its_cases() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regions");
    let mut found: Vec<String> = std::fs::read_dir(&root)
        .expect("tests/regions")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    found.sort();
    assert_eq!(found, CITIES, "a fixture folder per city, each listed here");
    let mut failures = Vec::new();
    for city in CITIES {
        let dir = root.join(city);
        let policy = fixture(city);
        let findings = Policy::lint_path(dir.join("policy.toml")).expect("readable");
        for finding in findings.iter().filter(|f| f.is_error()) {
            failures.push(format!("{city}: {finding}"));
        }
        let cases = CaseFile::from_path(dir.join("cases.toml")).unwrap_or_else(|e| panic!("{e}"));
        assert!(!cases.case.is_empty(), "{city}: no case");
        for case in &cases.case {
            let diff = case.check(&policy);
            if !diff.is_empty() {
                failures.push(format!(
                    "{city} / {}\n    {}",
                    case.name,
                    diff.join("\n    ")
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// 南京 准新生儿: a registration up to `before_birth_days` before birth is accepted; earlier is
/// an error naming the limit, and a policy that registers no unborn child refuses any payment
/// before birth as before.
#[test]
fn registration_before_birth_only_where_the_policy_allows_it() {
    let nanjing = fixture("nanjing");
    let born = date(2026, 5, 1);
    let on_day_98 = Resident::new(born, date(2026, 1, 23));
    assert!(
        evaluate(&nanjing, &on_day_98)
            .expect("allowed")
            .is_enrolled()
    );
    let on_day_99 = Resident::new(born, date(2026, 1, 22));
    match evaluate(&nanjing, &on_day_99) {
        Err(e @ EvalError::PaidTooLongBeforeBirth { allowed: 98, .. }) => {
            assert!(
                e.to_string().contains("at most 98 days before birth"),
                "{e}"
            );
        }
        other => panic!("expected PaidTooLongBeforeBirth, got {other:?}"),
    }
    let ziyang = Policy::builtin("ziyang-2021").expect("built in");
    let unborn = Resident::new(date(2021, 3, 1), date(2020, 12, 1));
    assert!(matches!(
        evaluate(ziyang, &unborn),
        Err(EvalError::PaymentBeforeBirth { .. })
    ));
}

/// A local funder is listed under its id in the assessment and its JSON.
#[test]
fn a_local_funder_pays_under_its_id() {
    let village = fixture("village");
    let r = Resident::new(date(1970, 1, 1), date(2025, 5, 1))
        .with_category(urrbmi::CategoryKind::Local("village_member".into()));
    let a = evaluate(&village, &r).expect("evaluates");
    let id = LocalId::new("village_collective").expect("an id");
    assert_eq!(a.subsidies.get(Funder::Local(id)).to_string(), "200");
    let json = serde_json::to_string(&a).expect("serializes");
    assert!(
        json.contains(r#""subsidies":{"village_collective":"200"}"#),
        "{json}"
    );
    let back: urrbmi::OwnedAssessment = serde_json::from_str(&json).expect("reads back");
    assert_eq!(back, a.into_owned());
}

/// B-a: a circumstance a policy neither builds in nor declares is an error with the nearest
/// name, in every policy; one it declares is read by id or name.
#[test]
fn an_undeclared_circumstance_is_an_error_in_every_policy() {
    for policy in Policy::builtins().expect("built in") {
        let (opens, _) = policy.window();
        let r = Resident::new(date(1980, 1, 1), opens).with_special(Special::on(
            SpecialKind::Local("religious_personel".into()),
            opens,
        ));
        match evaluate(policy, &r) {
            Err(e @ EvalError::UnknownSpecial { .. }) => {
                let text = e.to_string();
                assert!(
                    text.contains("unknown special circumstance `religious_personel`"),
                    "{text}"
                );
                if policy.id() == "jiangxi-2026" {
                    assert!(
                        text.contains("did you mean `religious_personnel`?"),
                        "{text}"
                    );
                }
            }
            other => panic!("{}: expected UnknownSpecial, got {other:?}", policy.id()),
        }
    }
    let jiangxi = Policy::builtin("jiangxi-2026").expect("built in");
    for name in ["religious_personnel", "宗教教职人员"] {
        let r = Resident::new(date(1977, 7, 7), date(2026, 7, 30)).with_special(Special::on(
            SpecialKind::Local(name.into()),
            date(2026, 5, 1),
        ));
        let a = evaluate(jiangxi, &r).expect("declared");
        assert_eq!(
            a.deciding_rule(),
            Some("rule.special_within_90_days"),
            "{name}"
        );
    }
}

/// J-g, T-d: a circumstance a deciding rule or exemption counts from, without its date, is an
/// error naming the rule.
#[test]
fn a_special_without_the_date_a_rule_counts_from_is_an_error() {
    let jiangxi = Policy::builtin("jiangxi-2026").expect("built in");
    let r = Resident::new(date(1980, 1, 1), date(2025, 11, 1))
        .with_special(Special::new(SpecialKind::ReleasedPrisoner));
    match evaluate(jiangxi, &r) {
        Err(EvalError::MissingSpecialDate { kind, rule }) => {
            assert_eq!(
                (kind.as_str(), rule.as_str()),
                ("released_prisoner", "special_within_90_days")
            );
        }
        other => panic!("expected MissingSpecialDate, got {other:?}"),
    }
    let taian = Policy::builtin("taian-2026").expect("built in");
    let r = Resident::new(date(2003, 3, 3), date(2026, 4, 20))
        .with_enrollment(urrbmi::Enrollment::FirstTime)
        .with_special(Special::new(SpecialKind::DemobilizedVeteran));
    assert!(matches!(
        evaluate(taian, &r),
        Err(EvalError::MissingSpecialDate { .. })
    ));
    // In the window no wait applies, so the date is not needed.
    let r = r.with_payment_date(date(2025, 11, 1));
    assert!(evaluate(taian, &r).expect("no date needed").is_enrolled());
}

/// A grade the policy does not have is an error that lists the grades it has.
#[test]
fn a_grade_the_policy_does_not_have_is_an_error() {
    let taian = Policy::builtin("taian-2026").expect("built in");
    let r = Resident::new(date(1980, 1, 1), date(2025, 11, 1)).with_contribution_grade(3);
    match evaluate(taian, &r) {
        Err(e @ EvalError::GradeNotOffered { grade: 3, .. }) => {
            let text = e.to_string();
            assert!(
                text.contains("1 (一档, 390 yuan), 2 (二档, 530 yuan)"),
                "{text}"
            );
        }
        other => panic!("expected GradeNotOffered, got {other:?}"),
    }
    let hunan = Policy::builtin("hunan-2026").expect("built in");
    let r = Resident::new(date(1980, 1, 1), date(2025, 11, 1)).with_contribution_grade(2);
    assert!(matches!(
        evaluate(hunan, &r),
        Err(EvalError::GradeNotOffered { .. })
    ));
}
