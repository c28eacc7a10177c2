//! Mutation testing of the policy files: random structured edits of each built-in policy (drop a
//! key, flip a number's sign or scale it, swap two dates, rename a category, duplicate a tier,
//! replace a name). Loading and linting must answer `Ok` or a typed error and never panic, and a
//! policy that still loads must keep the evaluation invariants at all its boundary cases.

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::strategy::ValueTree;
use rust_decimal::Decimal;
use toml::{Table, Value};
use urrbmi::{Policy, evaluate, strategies};

/// A step into a TOML value.
#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Item(usize),
}

/// Every path in `value`, depth first.
fn paths(value: &Value, prefix: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    out.push(prefix.clone());
    match value {
        Value::Table(table) => {
            for (key, child) in table {
                prefix.push(Step::Key(key.clone()));
                paths(child, prefix, out);
                prefix.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                prefix.push(Step::Item(i));
                paths(child, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

fn get<'a>(value: &'a Value, path: &[Step]) -> Option<&'a Value> {
    path.iter().try_fold(value, |v, step| match (step, v) {
        (Step::Key(k), Value::Table(t)) => t.get(k),
        (Step::Item(i), Value::Array(a)) => a.get(*i),
        _ => None,
    })
}

fn get_mut<'a>(value: &'a mut Value, path: &[Step]) -> Option<&'a mut Value> {
    path.iter().try_fold(value, |v, step| match (step, v) {
        (Step::Key(k), Value::Table(t)) => t.get_mut(k),
        (Step::Item(i), Value::Array(a)) => a.get_mut(*i),
        _ => None,
    })
}

/// A structured edit of a policy document.
#[derive(Debug, Clone)]
enum Edit {
    DropKey(Index),
    NegateNumber(Index),
    ScaleNumber(Index, i64),
    SwapDates(Index, Index),
    RenameCategory(Index, String),
    ReplaceString(Index, String),
    DuplicateTier(Index, bool),
}

fn edit() -> impl Strategy<Value = Edit> {
    let names = prop_oneof![
        Just("orphan".to_string()),
        Just("disability".to_string()),
        Just("distressed_child".to_string()),
        Just("subsistance_allowance".to_string()),
        Just(String::new()),
        Just("困境儿童".to_string()),
        "[a-z_]{1,12}",
    ];
    let strings = prop_oneof![
        Just("main".to_string()),
        Just("outside".to_string()),
        Just("full".to_string()),
        Just("next_month".to_string()),
        Just("special_date".to_string()),
        Just("2021-02-29".to_string()),
        Just("2020-13-01".to_string()),
        Just("fiscal".to_string()),
        Just("late".to_string()),
        Just("exclusive".to_string()),
        Just("less_than".to_string()),
        Just(String::new()),
        "\\PC{0,8}",
    ];
    prop_oneof![
        any::<Index>().prop_map(Edit::DropKey),
        any::<Index>().prop_map(Edit::NegateNumber),
        (
            any::<Index>(),
            prop_oneof![
                Just(0i64),
                Just(3),
                Just(100),
                Just(1_000_000),
                Just(i64::MAX)
            ]
        )
            .prop_map(|(i, f)| Edit::ScaleNumber(i, f)),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Edit::SwapDates(a, b)),
        (any::<Index>(), names).prop_map(|(i, n)| Edit::RenameCategory(i, n)),
        (any::<Index>(), strings).prop_map(|(i, s)| Edit::ReplaceString(i, s)),
        (any::<Index>(), any::<bool>()).prop_map(|(i, same)| Edit::DuplicateTier(i, same)),
    ]
}

fn is_date(value: &Value) -> bool {
    value
        .as_str()
        .is_some_and(|s| urrbmi::dates::parse_date(s).is_ok())
}

/// Applies `edit` to `doc` (an edit with nothing to act on leaves it unchanged).
fn apply(doc: &mut Value, edit: &Edit) {
    let mut all = Vec::new();
    paths(doc, &mut Vec::new(), &mut all);
    let select = |doc: &Value, keep: &dyn Fn(&Value, &[Step]) -> bool| -> Vec<Vec<Step>> {
        all.iter()
            .filter(|p| get(doc, p).is_some_and(|v| keep(v, p)))
            .cloned()
            .collect()
    };
    match edit {
        Edit::DropKey(i) => {
            let keyed = select(doc, &|_, p| matches!(p.last(), Some(Step::Key(_))));
            if keyed.is_empty() {
                return;
            }
            let path = &keyed[i.index(keyed.len())];
            if let (Some(Step::Key(key)), Some(Value::Table(parent))) =
                (path.last(), get_mut(doc, &path[..path.len() - 1]))
            {
                parent.remove(key);
            }
        }
        Edit::NegateNumber(i) | Edit::ScaleNumber(i, _) => {
            let numbers = select(doc, &|v, _| v.is_integer() || v.is_float());
            if numbers.is_empty() {
                return;
            }
            let factor = match edit {
                Edit::ScaleNumber(_, f) => *f,
                _ => -1,
            };
            if let Some(v) = get_mut(doc, &numbers[i.index(numbers.len())]) {
                let scaled = match &*v {
                    Value::Integer(n) => Value::Integer(n.saturating_mul(factor)),
                    Value::Float(x) => Value::Float(*x * factor as f64),
                    other => other.clone(),
                };
                *v = scaled;
            }
        }
        Edit::SwapDates(a, b) => {
            let dates = select(doc, &|v, _| is_date(v));
            if dates.len() < 2 {
                return;
            }
            let (pa, pb) = (&dates[a.index(dates.len())], &dates[b.index(dates.len())]);
            let va = get_mut(doc, pa).cloned();
            let vb = get_mut(doc, pb).cloned();
            if let (Some(va), Some(vb)) = (va, vb) {
                if let Some(slot) = get_mut(doc, pa) {
                    *slot = vb;
                }
                if let Some(slot) = get_mut(doc, pb) {
                    *slot = va;
                }
            }
        }
        Edit::RenameCategory(i, name) => {
            let in_lists = select(doc, &|v, p| {
                v.is_str()
                    && p.iter().any(|s| {
                        matches!(s, Step::Key(k) if ["categories", "not_holding", "holds_any", "id"].contains(&k.as_str()))
                    })
            });
            if in_lists.is_empty() {
                return;
            }
            if let Some(v) = get_mut(doc, &in_lists[i.index(in_lists.len())]) {
                *v = Value::String(name.clone());
            }
        }
        Edit::ReplaceString(i, text) => {
            let strings = select(doc, &|v, _| v.is_str());
            if strings.is_empty() {
                return;
            }
            if let Some(v) = get_mut(doc, &strings[i.index(strings.len())]) {
                *v = Value::String(text.clone());
            }
        }
        Edit::DuplicateTier(i, same_id) => {
            if let Some(Value::Array(tiers)) = get_mut(doc, &[Step::Key("tier".into())])
                && !tiers.is_empty()
            {
                let mut copy = tiers[i.index(tiers.len())].clone();
                if !same_id && let Value::Table(t) = &mut copy {
                    t.insert("id".into(), Value::String("copied_tier".into()));
                }
                tiers.push(copy);
            }
        }
    }
}

fn builtin_documents() -> &'static [(String, Value)] {
    static DOCUMENTS: std::sync::OnceLock<Vec<(String, Value)>> = std::sync::OnceLock::new();
    DOCUMENTS.get_or_init(|| {
        Policy::builtin_ids()
            .map(|id| {
                let path = format!("{}/policies/{id}.toml", env!("CARGO_MANIFEST_DIR"));
                let text = std::fs::read_to_string(&path).expect("readable");
                (
                    id.to_string(),
                    Value::Table(text.parse::<Table>().expect("valid TOML")),
                )
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn edited_policies_load_or_fail_cleanly_and_keep_the_invariants(
        which in any::<Index>(),
        edits in proptest::collection::vec(edit(), 1..=3),
    ) {
        let documents = builtin_documents();
        let (id, mut doc) = documents[which.index(documents.len())].clone();
        for e in &edits {
            apply(&mut doc, e);
        }
        let text = toml::to_string(&doc).expect("a TOML value serializes");
        let findings = Policy::lint(&text, None);
        let loaded = Policy::from_toml_str(&text);
        prop_assert_eq!(
            loaded.is_ok(),
            !findings.iter().any(|f| f.is_error()),
            "{}: load and lint disagree: {:?} / {:?}", id, loaded.as_ref().err(), findings
        );
        if let Ok(policy) = loaded {
            for case in strategies::boundary_cases(&policy) {
                // An evaluation error is a typed answer too (e.g. a rule now needs a date).
                let Ok(a) = evaluate(&policy, &case.resident) else { continue };
                prop_assert!(a.owed >= Decimal::ZERO, "{}: {}: owed {}", id, case.label, a.owed);
                prop_assert_eq!(a.owed + a.subsidies.total(), a.charged, "{}: {}", id, case.label);
                prop_assert!(a.subsidies.total() <= policy.personal_standard());
                if a.is_enrolled() {
                    prop_assert!(a.benefit_start <= a.benefit_end, "{}: {}", id, case.label);
                } else {
                    prop_assert_eq!(a.owed, Decimal::ZERO);
                }
            }
        }
    }
}

#[test]
fn the_mutations_do_change_the_policies() {
    // Guard against a mutation test that silently edits nothing.
    let documents = builtin_documents();
    let (_, original) = &documents[0];
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut changed = 0;
    let mut refused = 0;
    for _ in 0..200 {
        let e = edit().new_tree(&mut runner).expect("a value").current();
        let mut doc = original.clone();
        apply(&mut doc, &e);
        if doc != *original {
            changed += 1;
        }
        if Policy::from_toml_str(&toml::to_string(&doc).expect("serializes")).is_err() {
            refused += 1;
        }
    }
    assert!(
        changed > 150,
        "only {changed} of 200 edits changed the policy"
    );
    assert!(
        refused > 20 && refused < 200,
        "{refused} of 200 edited policies were refused"
    );
}
