//! The bad-input catalogue: malformed policies and residents, each with the kind of error it must
//! give and words its message must contain (the field, and what is allowed). Nothing here may
//! panic or produce an assessment.

use urrbmi::{EvalError, Policy, PolicyError, Resident, evaluate};

const ZIYANG: &str = include_str!("../policies/ziyang-2021.toml");
const HUNAN: &str = include_str!("../policies/hunan-2022.toml");
const JIANGXI: &str = include_str!("../policies/jiangxi-2026.toml");
const TAIAN: &str = include_str!("../policies/taian-2026.toml");

/// What kind of error an input must give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `PolicyError::Invalid`, a reading problem: not TOML, or a value of the wrong type or with
    /// an unknown name.
    PolicySyntax,
    /// `PolicyError::Invalid`, a rule problem: it reads, but breaks a rule of the format.
    PolicyInvalid,
    /// `ResidentError`: the resident could not be read.
    Resident,
    /// `EvalError`: the resident reads but makes no sense.
    Eval,
    /// Accepted: an input county staff type that must be read correctly.
    Accepted,
}

struct PolicyCase {
    name: &'static str,
    text: String,
    kind: Kind,
    /// The key path the error must name (policy errors carry it separately).
    key_path: Option<&'static str>,
    /// Words the message must contain.
    contains: &'static [&'static str],
}

fn edit(base: &str, from: &str, to: &str) -> String {
    assert!(
        base.contains(from),
        "the catalogue's edit `{from}` no longer matches the policy"
    );
    base.replacen(from, to, 1)
}

fn policy_cases() -> Vec<PolicyCase> {
    let personal = "personal = { amount = 280,";
    let window_to = "to = \"2020-12-31\"\ncite = \"益资政办发";
    let case = |name, text, kind, key_path, contains| PolicyCase {
        name,
        text,
        kind,
        key_path,
        contains,
    };
    vec![
        case(
            "empty file",
            String::new(),
            Kind::PolicySyntax,
            None,
            &["the `[policy]` table is missing"],
        ),
        case(
            "only whitespace and comments",
            "# nothing\n\n".into(),
            Kind::PolicySyntax,
            None,
            &["table is missing"],
        ),
        case(
            "UTF-8 byte-order mark",
            format!("\u{feff}{ZIYANG}"),
            Kind::Accepted,
            None,
            &[],
        ),
        case(
            "negative personal standard",
            edit(ZIYANG, personal, "personal = { amount = -280,"),
            Kind::PolicyInvalid,
            Some("standards.personal.amount"),
            &["negative", "from 0 to"],
        ),
        case(
            "non-numeric money",
            edit(ZIYANG, personal, "personal = { amount = \"二百八\","),
            Kind::PolicySyntax,
            Some("standards.personal.amount"),
            &["not an amount", "\"280\""],
        ),
        case(
            "money as a float",
            edit(ZIYANG, personal, "personal = { amount = 280.5,"),
            Kind::PolicySyntax,
            Some("standards.personal.amount"),
            &["float", "quoted decimal string"],
        ),
        case(
            "money as a boolean",
            edit(ZIYANG, personal, "personal = { amount = true,"),
            Kind::PolicySyntax,
            Some("standards.personal.amount"),
            &["amount in yuan"],
        ),
        case(
            "overflowing amount string",
            edit(
                ZIYANG,
                personal,
                "personal = { amount = \"99999999999999999999999999999999\",",
            ),
            Kind::PolicySyntax,
            Some("standards.personal.amount"),
            &["not an amount"],
        ),
        case(
            "overflowing integer",
            edit(
                ZIYANG,
                personal,
                "personal = { amount = 9223372036854775807,",
            ),
            Kind::PolicyInvalid,
            Some("standards.personal.amount"),
            &["beyond any contribution standard", "1000000"],
        ),
        case(
            "fractions of a fen",
            edit(ZIYANG, personal, "personal = { amount = \"280.005\","),
            Kind::PolicyInvalid,
            Some("standards.personal.amount"),
            &["fractions of a fen", "two decimal places"],
        ),
        case(
            "share above 100%",
            edit(
                HUNAN,
                "parts = [{ funder = \"medical_assistance\", share = 50 }]",
                "parts = [{ funder = \"medical_assistance\", share = 150 }]",
            ),
            Kind::PolicyInvalid,
            Some("tier[2].parts[0].share"),
            &["not a percentage", "0 to 100"],
        ),
        case(
            "part with both share and amount",
            edit(HUNAN, "share = 50 }]", "share = 50, amount = 10 }]"),
            Kind::PolicyInvalid,
            Some("tier[2].parts[0]"),
            &["exactly one of `share` and `amount`"],
        ),
        case(
            "tier paying more than the standard",
            edit(
                ZIYANG,
                "parts = [{ funder = \"fiscal\", amount = 70 }]",
                "parts = [{ funder = \"fiscal\", amount = 700 }]",
            ),
            Kind::PolicyInvalid,
            Some("tier[6].parts"),
            &["more than the personal standard", "at most 280"],
        ),
        case(
            "wrong type for the benefit year",
            edit(ZIYANG, "benefit_year = 2021", "benefit_year = \"2021\""),
            Kind::PolicySyntax,
            Some("policy.benefit_year"),
            &["invalid type", "i32"],
        ),
        case(
            "impossible date",
            edit(
                ZIYANG,
                window_to,
                "to = \"2020-12-32\"\ncite = \"益资政办发",
            ),
            Kind::PolicySyntax,
            Some("window.to"),
            &["month 12 has no day 32", "YYYY-MM-DD"],
        ),
        case(
            "29 February of a non-leap year",
            edit(
                ZIYANG,
                "to = \"2021-02-28\"\nin_force",
                "to = \"2021-02-29\"\nin_force",
            ),
            Kind::PolicySyntax,
            Some("extension[0].to"),
            &["2021 is not a leap year"],
        ),
        case(
            "full-width digits in a policy date",
            edit(
                ZIYANG,
                window_to,
                "to = \"２０２０－１２－３１\"\ncite = \"益资政办发",
            ),
            Kind::Accepted,
            None,
            &[],
        ),
        case(
            "a native TOML date",
            edit(ZIYANG, window_to, "to = 2020-12-31\ncite = \"益资政办发"),
            Kind::Accepted,
            None,
            &[],
        ),
        case(
            "swapped window dates",
            edit(
                ZIYANG,
                window_to,
                "to = \"2020-08-31\"\ncite = \"益资政办发",
            ),
            Kind::PolicyInvalid,
            Some("window.to"),
            &["ends (2020-08-31) before it begins", "on or after `from`"],
        ),
        case(
            "unknown funder",
            edit(
                ZIYANG,
                "funder = \"fiscal\", amount = 70",
                "funder = \"fiskal\", amount = 70",
            ),
            // A snake_case name reads as a local funder, which the policy does not declare.
            Kind::PolicyInvalid,
            Some("tier[6].parts[0].funder"),
            &["did you mean `fiscal`?", "medical_assistance"],
        ),
        case(
            "unknown category in a tier",
            edit(
                ZIYANG,
                "categories = [\"poverty_fringe\"]",
                "categories = [\"poverty_fringes\"]",
            ),
            Kind::PolicyInvalid,
            Some("tier[6].categories[0]"),
            &["did you mean `poverty_fringe`?", "built-in category"],
        ),
        case(
            "unknown special circumstance",
            edit(
                ZIYANG,
                "special = [\"new_form_employment\"]",
                "special = [\"new_form_employmnet\"]",
            ),
            // Any name reads as a local circumstance, which the policy does not declare.
            Kind::PolicyInvalid,
            Some("rule[4].when.special[0]"),
            &["did you mean `new_form_employment`?"],
        ),
        case(
            "unknown key",
            edit(ZIYANG, "within_days = 90\n", "within_dayz = 90\n"),
            Kind::PolicySyntax,
            Some("newborn.within_dayz"),
            &["unknown field `within_dayz`", "within_days"],
        ),
        case(
            "missing citation key",
            edit(
                ZIYANG,
                "cite = \"益资政办发〔2020〕17号 二(一); 三(一) 城乡居民以家庭为单位在户籍所在地参保登记和缴费；高校学生以学校为单位组织参保; urrbmi reading R2\"",
                "",
            ),
            Kind::PolicySyntax,
            Some("coverage"),
            &["missing field `cite`"],
        ),
        case(
            "empty citation",
            edit(
                ZIYANG,
                "cite = \"益资政办发〔2020〕17号 二(一); 三(一) 城乡居民以家庭为单位在户籍所在地参保登记和缴费；高校学生以学校为单位组织参保; urrbmi reading R2\"",
                "cite = \"  \"",
            ),
            Kind::PolicyInvalid,
            Some("coverage.cite"),
            &["citation is empty", "clause of the notice"],
        ),
        case(
            "external value without a source",
            edit(
                HUNAN,
                "external = true, source = \"医保发〔2022〕20号: 2022年居民医保人均财政补助标准610元 (urrbmi reading 6)\"",
                "external = true",
            ),
            Kind::PolicyInvalid,
            Some("standards.fiscal.source"),
            &["names no source"],
        ),
        case(
            "duplicate tier id",
            edit(
                ZIYANG,
                "id = \"disability_grade_3_4\"",
                "id = \"severe_disability\"",
            ),
            Kind::PolicyInvalid,
            Some("tier[4].id"),
            &["used twice", "unique"],
        ),
        case(
            "disability grade 5 in a tier",
            edit(ZIYANG, "grades = [3, 4]", "grades = [3, 5]"),
            Kind::PolicyInvalid,
            Some("tier[4].grades"),
            &["not disability grades", "1 to 4"],
        ),
        case(
            "grades on a tier without disability",
            edit(
                ZIYANG,
                "categories = [\"poverty_fringe\"]",
                "categories = [\"poverty_fringe\"]\ngrades = [1]",
            ),
            Kind::PolicyInvalid,
            Some("tier[6].grades"),
            &["does not name `disability`"],
        ),
        case(
            "duplicate TOML key",
            edit(
                ZIYANG,
                "within_days = 90\n",
                "within_days = 90\nwithin_days = 91\n",
            ),
            Kind::PolicySyntax,
            None,
            &["duplicate key"],
        ),
        case(
            "TOML syntax error",
            edit(ZIYANG, "[window]", "[window"),
            Kind::PolicySyntax,
            None,
            &["expected `]`"],
        ),
        case(
            "policy id with spaces",
            edit(ZIYANG, "id = \"ziyang-2021\"", "id = \"Ziyang 2021\""),
            Kind::PolicyInvalid,
            Some("policy.id"),
            &["not a policy id", "lowercase"],
        ),
        case(
            "refusal code that does not exist",
            edit(
                include_str!("../policies/yanling-2021.toml"),
                "code = \"not_local_newborn\"",
                "code = \"not_local\"",
            ),
            // A snake_case name reads as a local refusal code, which the policy does not declare.
            Kind::PolicyInvalid,
            Some("rule[6].refuse.code"),
            &["unknown refusal code `not_local`", "not_local_newborn"],
        ),
        case(
            "zero-day newborn window",
            edit(ZIYANG, "within_days = 90\n", "within_days = 0\n"),
            Kind::PolicyInvalid,
            Some("newborn.within_days"),
            &["0 days", "from 1 to 3660"],
        ),
        case(
            "negative day count",
            edit(ZIYANG, "within_days = 90\n", "within_days = -90\n"),
            Kind::PolicySyntax,
            Some("newborn.within_days"),
            &["u32"],
        ),
        // ---- the vocabulary of regions beyond Hunan
        case(
            "newborns counted in days and in months",
            edit(
                ZIYANG,
                "within_days = 90\n",
                "within_days = 90\nwithin_months = 3\n",
            ),
            Kind::PolicyInvalid,
            Some("newborn.within_months"),
            &["both `within_days` and `within_months`", "one of them"],
        ),
        case(
            "late newborns in months without the month convention",
            edit(
                ZIYANG,
                "late_born_on_or_after = \"2020-09-01\"",
                "late_within_months = 12",
            ),
            Kind::PolicyInvalid,
            Some("newborn.late_within_months"),
            &["declares no `months`", "same_day_or_month_end"],
        ),
        case(
            "registration before birth beyond a pregnancy",
            edit(
                ZIYANG,
                "within_days = 90\n",
                "within_days = 90\nbefore_birth_days = 400\n",
            ),
            Kind::PolicyInvalid,
            Some("newborn.before_birth_days"),
            &["400 days", "from 1 to 300"],
        ),
        case(
            "grades out of order",
            edit(TAIAN, "grade = 2, name", "grade = 3, name"),
            Kind::PolicyInvalid,
            Some("standards.grades[0].grade"),
            &["grade 3 where grade 2 comes next", "numbered 2, 3"],
        ),
        case(
            "a share without its grade in a policy with grades",
            edit(TAIAN, ", of_grade = 1 }", " }"),
            Kind::PolicyInvalid,
            Some("tier[0].parts[0].of_grade"),
            &["without saying of which grade", "of_grade = 1"],
        ),
        case(
            "a share of a grade the policy lacks",
            edit(TAIAN, "of_grade = 1", "of_grade = 4"),
            Kind::PolicyInvalid,
            Some("tier[0].parts[0].of_grade"),
            &["no grade 4", "from 1 to 2"],
        ),
        case(
            "a grade as a word",
            edit(TAIAN, "of_grade = 1", "of_grade = \"first\""),
            Kind::PolicySyntax,
            Some("tier[0].parts[0].of_grade"),
            &["`first` is not a grade number", "chosen"],
        ),
        case(
            "a grade condition the policy lacks",
            edit(
                TAIAN,
                "contribution_grade = [2], students",
                "contribution_grade = [3], students",
            ),
            Kind::PolicyInvalid,
            Some("rule[1].when.contribution_grade"),
            &["not grades of the policy", "from 1 to 2"],
        ),
        case(
            "the full standard without a fiscal standard",
            edit(
                TAIAN,
                "charge = \"personal\"\nbenefit_start = \"payment_date\"",
                "charge = \"full\"\nbenefit_start = \"payment_date\"",
            ),
            Kind::PolicyInvalid,
            Some("rule[5].charge"),
            &["no fiscal standard", "charge = \"personal\""],
        ),
        case(
            "an age no one has",
            edit(
                TAIAN,
                "age = { under = 18, on = \"period_start\" }",
                "age = { at_least = 18, under = 18, on = \"period_start\" }",
            ),
            Kind::PolicyInvalid,
            Some("rule[0].when.age.under"),
            &["no age is at least 18 and under 18"],
        ),
        case(
            "an age without the day it is taken on",
            edit(
                TAIAN,
                "age = { under = 18, on = \"period_start\" }",
                "age = { under = 18 }",
            ),
            Kind::PolicySyntax,
            Some("rule[0].when.age"),
            &["missing field `on`"],
        ),
        case(
            "a refusal code declared under another id",
            edit(
                TAIAN,
                "[[refusal_code]]\nid = \"grade_not_allowed\"",
                "[[refusal_code]]\nid = \"grade_not_alowed\"",
            ),
            Kind::PolicyInvalid,
            Some("rule[0].refuse.code"),
            &[
                "unknown refusal code `grade_not_allowed`",
                "did you mean `grade_not_alowed`?",
            ],
        ),
        case(
            "a start in the month of recognition without a category",
            edit(
                JIANGXI,
                "when = { paid = [\"main\"] }\ncharge = \"personal\"\nbenefit_start = \"day_after_payment\"",
                "when = { paid = [\"main\"] }\ncharge = \"personal\"\nbenefit_start = \"recognition_month\"",
            ),
            Kind::PolicyInvalid,
            Some("rule[7].benefit_start"),
            &["names no category", "holds_any"],
        ),
        case(
            "a misspelt local circumstance in a rule",
            edit(
                JIANGXI,
                "special = [\"demobilized_veteran\", \"veteran_family\"]",
                "special = [\"demobilized_veteran\", \"veteran_famliy\"]",
            ),
            Kind::PolicyInvalid,
            Some("rule[2].when.special[1]"),
            &["did you mean `veteran_family`?", "[[special]]"],
        ),
        case(
            "a local circumstance named like a built-in one",
            edit(JIANGXI, "name = \"出国人员回国\"", "name = \"复转军人\""),
            Kind::PolicyInvalid,
            Some("special[1].name"),
            &["already names the built-in special circumstance `demobilized_veteran`"],
        ),
        case(
            "a local funder id too long to hold inline",
            edit(
                JIANGXI,
                "[[special]]\nid = \"veteran_family\"",
                "[[funder]]\nid = \"township_and_village_collective\"\nname = \"乡镇与村集体\"\ncite = \"x\"\n\n[[special]]\nid = \"veteran_family\"",
            ),
            Kind::PolicyInvalid,
            Some("funder[0].id"),
            &["not a local funder id", "at most 23 bytes"],
        ),
        case(
            "an extension for nobody",
            edit(
                JIANGXI,
                "who = { categories = [\"extreme_poverty\", \"orphan\", \"de_facto_orphan\", \"disability\", \"subsistence_allowance\", \"returned_to_poverty\"], grades = [1, 2] }",
                "who = {}",
            ),
            Kind::PolicyInvalid,
            Some("extension[0].who"),
            &["names nobody"],
        ),
        case(
            "a tier keyed on nothing",
            edit(
                JIANGXI,
                "students = [\"college\"]\nparts = [{ funder = \"fiscal\", amount = 200 }]",
                "parts = [{ funder = \"fiscal\", amount = 200 }]",
            ),
            Kind::PolicyInvalid,
            Some("tier[2].categories"),
            &["would subsidize everyone"],
        ),
    ]
}

#[test]
fn malformed_policies_give_located_typed_errors() {
    let cases = policy_cases();
    let mut failures = Vec::new();
    for case in &cases {
        let result = Policy::from_toml_str(&case.text);
        let (kind, message, key_path, line) = match &result {
            Ok(_) => (Kind::Accepted, String::new(), None, None),
            Err(e @ PolicyError::Invalid { problems }) => {
                let Some(first) = problems.first() else {
                    failures.push(format!("{}: an error without a problem: {e}", case.name));
                    continue;
                };
                // A reading problem says what the TOML reader or the format expected.
                let reading = first.expected == "valid TOML"
                    || first.expected.starts_with("the policy file format");
                (
                    if reading {
                        Kind::PolicySyntax
                    } else {
                        Kind::PolicyInvalid
                    },
                    e.to_string(),
                    first.location.key_path.clone(),
                    first.location.line,
                )
            }
            Err(e) => {
                failures.push(format!("{}: unexpected error {e}", case.name));
                continue;
            }
        };
        if kind != case.kind {
            failures.push(format!(
                "{}: expected {:?}, got {kind:?}: {message}",
                case.name, case.kind
            ));
            continue;
        }
        if let Some(expected) = case.key_path
            && key_path.as_deref() != Some(expected)
        {
            failures.push(format!(
                "{}: key path {key_path:?}, expected {expected}: {message}",
                case.name
            ));
        }
        if kind != Kind::Accepted && line.is_none() && !case.text.trim().is_empty() {
            failures.push(format!("{}: no line number: {message}", case.name));
        }
        for word in case.contains {
            if !message.contains(word) {
                failures.push(format!("{}: message lacks `{word}`: {message}", case.name));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

struct ResidentCase {
    name: &'static str,
    json: &'static str,
    kind: Kind,
    /// The field the error names.
    field: &'static str,
    contains: &'static [&'static str],
}

const RESIDENT_CASES: &[ResidentCase] = &[
    ResidentCase {
        name: "contribution grade 0",
        json: r#"{"birth_date": "1980-01-01", "payment_date": "2020-10-15", "contribution_grade": 0}"#,
        kind: Kind::Resident,
        field: "contribution_grade",
        contains: &["from 1 to 9", "一档"],
    },
    ResidentCase {
        name: "contribution grade as an unknown word",
        json: r#"{"birth_date": "1980-01-01", "payment_date": "2020-10-15", "contribution_grade": "十档"}"#,
        kind: Kind::Resident,
        field: "contribution_grade",
        contains: &["from 1 to 9"],
    },
    ResidentCase {
        name: "a grade the policy does not have",
        json: r#"{"birth_date": "1980-01-01", "payment_date": "2020-10-15", "contribution_grade": "二档"}"#,
        kind: Kind::Eval,
        field: "contribution_grade",
        contains: &["has the grades 1 (一档, 280 yuan)"],
    },
    ResidentCase {
        name: "empty object",
        json: "{}",
        kind: Kind::Resident,
        field: "",
        contains: &["missing field `birth_date`"],
    },
    ResidentCase {
        name: "not an object",
        json: r#""1980-01-01""#,
        kind: Kind::Resident,
        field: "",
        contains: &["invalid type", "a resident as an object with named fields"],
    },
    ResidentCase {
        name: "a positional array for the whole resident",
        json: r#"["1980-01-01", "local", false]"#,
        kind: Kind::Resident,
        field: "",
        contains: &[
            "invalid type: sequence",
            "a resident as an object with named fields",
        ],
    },
    ResidentCase {
        name: "an object for a date",
        json: r#"{"birth_date": {"d": "1980-01-01"}, "payment_date": "2020-10-15"}"#,
        kind: Kind::Resident,
        field: "birth_date",
        contains: &["an object is not a date", "YYYY-MM-DD"],
    },
    ResidentCase {
        name: "a float grade",
        json: r#"{"birth_date": "1980-01-01", "payment_date": "2020-10-15", "categories": [{"kind": "disability", "grade": 1e23}]}"#,
        kind: Kind::Resident,
        field: "categories[0].grade",
        contains: &["is not a disability grade", "whole number: 1, 2, 3 or 4"],
    },
    ResidentCase {
        name: "birth date as a number",
        json: r#"{"birth_date": 19800501, "payment_date": "2020-10-15"}"#,
        kind: Kind::Resident,
        field: "birth_date",
        contains: &["YYYY-MM-DD"],
    },
    ResidentCase {
        name: "impossible date",
        json: r#"{"birth_date": "1980-02-30", "payment_date": "2020-10-15"}"#,
        kind: Kind::Resident,
        field: "birth_date",
        contains: &["month 2 has no day 30", "YYYY-MM-DD"],
    },
    ResidentCase {
        name: "29 February of a non-leap year",
        json: r#"{"birth_date": "1980-01-01", "payment_date": "2021-02-29"}"#,
        kind: Kind::Resident,
        field: "payment_date",
        contains: &["2021 is not a leap year"],
    },
    ResidentCase {
        name: "month 13",
        json: r#"{"birth_date": "1980-13-01", "payment_date": "2020-10-15"}"#,
        kind: Kind::Resident,
        field: "birth_date",
        contains: &["no month 13"],
    },
    ResidentCase {
        name: "two kinds of separator in a date",
        json: r#"{"birth_date": "1980/01-01", "payment_date": "2020-10-15"}"#,
        kind: Kind::Resident,
        field: "birth_date",
        contains: &["YYYY-MM-DD", "YYYY/M/D"],
    },
    ResidentCase {
        name: "a date with a sign",
        json: r#"{"birth_date": "-1980-01-01", "payment_date": "2020-10-15"}"#,
        kind: Kind::Resident,
        field: "birth_date",
        contains: &["not a date", "YYYY-MM-DD"],
    },
    ResidentCase {
        name: "year 0000",
        json: r#"{"birth_date": "0000-01-01", "payment_date": "2020-10-15"}"#,
        kind: Kind::Resident,
        field: "birth_date",
        contains: &["four-digit year from 1000"],
    },
    ResidentCase {
        name: "full-width digits as county staff type them",
        json: r#"{"birth_date": "１９８０－０１－０１", "payment_date": "２０２０－１０－１５"}"#,
        kind: Kind::Accepted,
        field: "",
        contains: &[],
    },
    ResidentCase {
        name: "UTF-8 byte-order mark",
        json: "\u{feff}{\"birth_date\": \"1980-01-01\", \"payment_date\": \"2020-10-15\"}",
        kind: Kind::Accepted,
        field: "",
        contains: &[],
    },
    ResidentCase {
        name: "misspelt field",
        json: r#"{"birthdate": "1980-01-01", "payment_date": "2020-10-15"}"#,
        kind: Kind::Resident,
        field: "birthdate",
        contains: &["unknown field `birthdate`", "did you mean `birth_date`?"],
    },
    ResidentCase {
        name: "misspelt hukou",
        json: r#"{"birth_date": "1980-01-01", "payment_date": "2020-10-15", "hukou": "locl"}"#,
        kind: Kind::Resident,
        field: "hukou",
        contains: &[
            "did you mean `local`?",
            "accepted: local (本地户籍), other (外地户籍)",
        ],
    },
    ResidentCase {
        name: "misspelt enrollment",
        json: r#"{"birth_date": "1980-01-01", "payment_date": "2020-10-15", "enrollment": "first-time"}"#,
        kind: Kind::Resident,
        field: "enrollment",
        contains: &["did you mean `first_time`?"],
    },
    ResidentCase {
        name: "misspelt special circumstance",
        json: r#"{"birth_date": "1980-01-01", "payment_date": "2021-05-15", "special": {"kind": "new_hukuo"}}"#,
        // A circumstance the policy neither builds in nor declares (urrbmi reading B-a).
        kind: Kind::Eval,
        field: "special.kind",
        contains: &["did you mean `new_hukou`?", "unknown special circumstance"],
    },
    ResidentCase {
        name: "boolean as a string",
        json: r#"{"birth_date": "1980-01-01", "payment_date": "2020-10-15", "household_unit": "yes"}"#,
        kind: Kind::Resident,
        field: "household_unit",
        contains: &["invalid type", "boolean"],
    },
    ResidentCase {
        name: "categories not a list",
        json: r#"{"birth_date": "1980-01-01", "payment_date": "2020-10-15", "categories": "低保"}"#,
        kind: Kind::Resident,
        field: "categories",
        contains: &["invalid type", "sequence"],
    },
    ResidentCase {
        name: "grade as a word",
        json: r#"{"birth_date": "1980-01-01", "payment_date": "2020-10-15", "categories": [{"kind": "disability", "grade": "三级"}]}"#,
        kind: Kind::Resident,
        field: "categories[0].grade",
        contains: &["`三级` is text, not a disability grade", "1, 2, 3 or 4"],
    },
    ResidentCase {
        name: "negative grade",
        json: r#"{"birth_date": "1980-01-01", "payment_date": "2020-10-15", "categories": [{"kind": "disability", "grade": -1}]}"#,
        kind: Kind::Resident,
        field: "categories[0].grade",
        contains: &["-1 is not a disability grade", "1, 2, 3 or 4"],
    },
    ResidentCase {
        name: "empty category name",
        json: r#"{"birth_date": "1980-01-01", "payment_date": "2020-10-15", "categories": [{"kind": " "}]}"#,
        kind: Kind::Resident,
        field: "categories[0].kind",
        contains: &["must not be empty"],
    },
    ResidentCase {
        name: "payment before birth",
        json: r#"{"birth_date": "2020-11-01", "payment_date": "2020-10-15"}"#,
        kind: Kind::Eval,
        field: "payment_date",
        contains: &["before birth_date", "on or after the day of birth"],
    },
    ResidentCase {
        name: "grade 0",
        json: r#"{"birth_date": "1980-01-01", "payment_date": "2020-10-15", "categories": [{"kind": "disability", "grade": 0}]}"#,
        kind: Kind::Eval,
        field: "categories[0].grade",
        contains: &["1, 2, 3 or 4"],
    },
    ResidentCase {
        name: "grade 5",
        json: r#"{"birth_date": "1980-01-01", "payment_date": "2020-10-15", "categories": [{"kind": "disability", "grade": 5}]}"#,
        kind: Kind::Eval,
        field: "categories[0].grade",
        contains: &["1, 2, 3 or 4"],
    },
    ResidentCase {
        name: "disability without a grade",
        json: r#"{"birth_date": "1980-01-01", "payment_date": "2020-10-15", "categories": [{"kind": "残疾人"}]}"#,
        kind: Kind::Eval,
        field: "categories[0]",
        contains: &["needs a grade", "1-4"],
    },
    ResidentCase {
        name: "grade on another category",
        json: r#"{"birth_date": "1980-01-01", "payment_date": "2020-10-15", "categories": [{"kind": "低保对象", "grade": 2}]}"#,
        kind: Kind::Eval,
        field: "categories[0]",
        contains: &["only a disability carries a grade"],
    },
    ResidentCase {
        name: "duplicate category",
        json: r#"{"birth_date": "1980-01-01", "payment_date": "2020-10-15", "categories": [{"kind": "低保对象"}, {"kind": "subsistence_allowance"}]}"#,
        kind: Kind::Eval,
        field: "categories[1]",
        contains: &["listed twice"],
    },
    ResidentCase {
        name: "unknown category with a suggestion",
        json: r#"{"birth_date": "1980-01-01", "payment_date": "2020-10-15", "categories": [{"kind": "subsistance_allowance"}]}"#,
        kind: Kind::Eval,
        field: "categories[0]",
        contains: &[
            "did you mean `subsistence_allowance`?",
            "accepted: extreme_poverty (特困人员)",
        ],
    },
    ResidentCase {
        name: "category local to another policy",
        json: r#"{"birth_date": "1980-01-01", "payment_date": "2020-10-15", "categories": [{"kind": "困境儿童"}]}"#,
        kind: Kind::Eval,
        field: "categories[0]",
        contains: &["unknown category `困境儿童`", "family_planning_special"],
    },
    ResidentCase {
        name: "recognized before birth",
        json: r#"{"birth_date": "1980-01-01", "payment_date": "2020-10-15", "categories": [{"kind": "低保对象", "recognized_on": "1970-01-01"}]}"#,
        kind: Kind::Eval,
        field: "categories[0].recognized_on",
        contains: &["before birth_date"],
    },
    ResidentCase {
        name: "circumstance dated after the payment",
        json: r#"{"birth_date": "1980-01-01", "payment_date": "2021-05-15", "special": {"kind": "employee_insurance_lapse", "date": "2021-06-01"}}"#,
        kind: Kind::Eval,
        field: "special.date",
        contains: &["after payment_date", "on or before the payment"],
    },
    ResidentCase {
        name: "circumstance missing the date its rule counts from",
        json: r#"{"birth_date": "1980-01-01", "payment_date": "2021-05-15", "special": {"kind": "employee_insurance_lapse"}}"#,
        kind: Kind::Accepted,
        field: "",
        contains: &[],
    },
];

#[test]
fn malformed_residents_give_typed_errors_naming_the_field() {
    let policy = Policy::builtin("ziyang-2021").expect("built in");
    let mut failures = Vec::new();
    for case in RESIDENT_CASES {
        let (kind, message) = match Resident::from_json(case.json) {
            Err(e) => {
                if e.path != case.field {
                    failures.push(format!(
                        "{}: field `{}`, expected `{}`",
                        case.name, e.path, case.field
                    ));
                }
                (Kind::Resident, e.to_string())
            }
            Ok(resident) => match evaluate(policy, &resident) {
                Ok(_) => (Kind::Accepted, String::new()),
                Err(e) => {
                    let message = e.to_string();
                    if !message.contains(case.field) {
                        failures.push(format!(
                            "{}: message does not name `{}`: {message}",
                            case.name, case.field
                        ));
                    }
                    (Kind::Eval, message)
                }
            },
        };
        if kind != case.kind {
            failures.push(format!(
                "{}: expected {:?}, got {kind:?}: {message}",
                case.name, case.kind
            ));
        }
        for word in case.contains {
            if !message.contains(word) {
                failures.push(format!("{}: message lacks `{word}`: {message}", case.name));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(RESIDENT_CASES.len() + policy_cases().len() >= 40);
}

#[test]
fn a_missing_date_is_an_error_only_where_a_rule_counts_from_it() {
    // Hunan 2022 counts a lapse's 90 days from its date: without the date, no guess.
    let hunan = Policy::builtin("hunan-2022").expect("built in");
    let resident = Resident::from_json(
        r#"{"birth_date": "1980-01-01", "payment_date": "2022-05-15", "special": {"kind": "employee_insurance_lapse"}}"#,
    )
    .expect("reads");
    match evaluate(hunan, &resident) {
        Err(e @ EvalError::MissingSpecialDate { .. }) => {
            let message = e.to_string();
            assert!(
                message.contains("special.date") && message.contains("YYYY-MM-DD"),
                "{message}"
            );
        }
        other => panic!("expected MissingSpecialDate, got {other:?}"),
    }
    // Ziyang charges any lapse the full standard from the next month: the date is not needed.
    let ziyang = Policy::builtin("ziyang-2021").expect("built in");
    let resident = Resident::from_json(
        r#"{"birth_date": "1980-01-01", "payment_date": "2021-05-15", "special": {"kind": "employee_insurance_lapse"}}"#,
    )
    .expect("reads");
    let a = evaluate(ziyang, &resident).expect("evaluates");
    assert_eq!(a.charged.to_string(), "860");
}
