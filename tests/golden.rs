//! Golden cases: residents worked by hand from the notices, one file per built-in policy in
//! `tests/cases/`, run through `urrbmi::cases` (the checks `urrbmi test` makes too). See
//! `tests/cases/README.md` for the format.

use crate::support;

use urrbmi::Policy;
use urrbmi::cases::CaseFile;

#[test]
fn golden_cases_match_the_notices() {
    let files = support::toml_files("tests/cases");
    assert!(
        files.len() >= 5,
        "one golden file per notice: found {}",
        files.len()
    );
    let mut failures = Vec::new();
    let mut counts = Vec::new();
    for path in &files {
        let id = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("a UTF-8 file name");
        let policy = Policy::builtin(id).unwrap_or_else(|e| {
            panic!(
                "{}: cases for a policy that is not built in: {e}",
                path.display()
            )
        });
        let file = CaseFile::from_path(path).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            file.case.len() >= 15,
            "{id}: at least 15 golden cases per notice, found {}",
            file.case.len()
        );
        assert!(
            file.case.iter().all(|c| !c.clause.trim().is_empty()),
            "{id}: every case names its clause"
        );
        counts.push(format!("{id}: {}", file.case.len()));
        for case in &file.case {
            let diff = case.check(policy);
            if !diff.is_empty() {
                let trace = urrbmi::evaluate(policy, &case.resident).map_or_else(
                    |_| String::new(),
                    |a| {
                        a.trace
                            .iter()
                            .map(|s| s.rule)
                            .collect::<Vec<_>>()
                            .join(" > ")
                    },
                );
                failures.push(format!(
                    "{id} / {} [{}]\n    {}\n    trace: {trace}",
                    case.name,
                    case.clause,
                    diff.join("\n    "),
                ));
            }
        }
    }
    // Every built-in policy is checked against cases worked by hand from its notice.
    for id in Policy::builtin_ids() {
        if !files
            .iter()
            .any(|p| p.file_stem().and_then(|s| s.to_str()) == Some(id))
        {
            failures.push(format!(
                "{id}: a built-in policy without golden cases; add tests/cases/{id}.toml, worked by hand from its notice"
            ));
        }
    }
    eprintln!("golden cases: {}", counts.join(", "));
    assert!(
        failures.is_empty(),
        "{} golden case(s) differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
