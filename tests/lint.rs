//! The policy linter: the built-in policies are clean, and each broken policy in `tests/lint/`
//! reports exactly the problems its `# expect:` lines name.
//!
//! An expectation is `# expect: <error|warning> <key path or -> <text the message contains>`.

use crate::support;

use std::path::Path;

use urrbmi::Policy;
use urrbmi::policy::lint::Severity;

#[test]
fn built_in_policies_are_clean() {
    for id in Policy::builtin_ids() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("policies/{id}.toml"));
        let findings = Policy::lint_path(&path).expect("readable");
        assert!(
            findings.is_empty(),
            "{id}:\n{}",
            findings
                .iter()
                .map(|f| f.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

#[derive(Debug)]
struct Expectation {
    severity: Severity,
    key_path: Option<String>,
    text: String,
}

fn expectations(text: &str) -> Vec<Expectation> {
    text.lines()
        .filter_map(|line| line.strip_prefix("# expect: "))
        .map(|rest| {
            let mut parts = rest.splitn(3, ' ');
            let severity = match parts.next() {
                Some("error") => Severity::Error,
                Some("warning") => Severity::Warning,
                other => panic!("bad expectation severity {other:?}"),
            };
            let key_path = parts.next().filter(|p| *p != "-").map(str::to_string);
            let text = parts.next().unwrap_or_default().trim().to_string();
            Expectation {
                severity,
                key_path,
                text,
            }
        })
        .collect()
}

#[test]
fn broken_policies_report_exactly_their_problems() {
    let fixtures = support::toml_files("tests/lint");
    assert!(
        fixtures.len() >= 15,
        "only {} lint fixtures",
        fixtures.len()
    );
    let mut failures = Vec::new();
    for path in &fixtures {
        let text = std::fs::read_to_string(path).expect("readable");
        let expected = expectations(&text);
        assert!(
            !expected.is_empty(),
            "{}: no `# expect:` line",
            path.display()
        );
        let findings = Policy::lint(&text, Some(path));
        let shown = || {
            findings
                .iter()
                .map(|f| format!("    {f}"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        for e in &expected {
            let found = findings.iter().any(|f| {
                f.severity == e.severity
                    && (e.key_path.is_none() || f.location.key_path == e.key_path)
                    && f.message.contains(&e.text)
                    && f.location.line.is_some()
            });
            if !found {
                failures.push(format!(
                    "{}: missing {e:?}; found:\n{}",
                    path.display(),
                    shown()
                ));
            }
        }
        for severity in [Severity::Error, Severity::Warning] {
            let want = expected.iter().filter(|e| e.severity == severity).count();
            let got = findings.iter().filter(|f| f.severity == severity).count();
            if want != got {
                failures.push(format!(
                    "{}: expected {want} {severity:?}(s), found {got}:\n{}",
                    path.display(),
                    shown()
                ));
            }
        }
        let loads = Policy::from_toml_str(&text).is_ok();
        let has_errors = expected.iter().any(|e| e.severity == Severity::Error);
        if loads == has_errors {
            failures.push(format!(
                "{}: errors block loading and warnings do not, but it {} load",
                path.display(),
                if loads { "does" } else { "does not" }
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
