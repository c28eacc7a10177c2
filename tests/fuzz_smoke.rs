//! A smoke fuzz on stable Rust: the built-in policies, overlays and residents mutated with the
//! tokens hostile inputs use (negative zero, exponents, huge counts, stray brackets and quotes,
//! trailing spaces, byte-order marks), a few thousand times, deterministically. Whatever a
//! mutation gives must load or be refused with a typed error, never panic; whatever loads must
//! keep the invariants of [`strategies::check_invariants`] and answer the same twice; the linter
//! must find an error exactly when loading fails.
//!
//! The coverage-guided targets in `fuzz/` (cargo-fuzz, nightly) run the same checks for hours;
//! this one runs in `cargo test`. `URRBMI_FUZZ_ROUNDS` scales it, `URRBMI_FUZZ_SEED` changes it.

use urrbmi::overlay::Overlay;
use urrbmi::{Policy, Resident, evaluate, strategies};

const POLICIES: &[&str] = &[
    include_str!("../policies/changsha-2021.toml"),
    include_str!("../policies/changsha-2024.toml"),
    include_str!("../policies/hunan-2022.toml"),
    include_str!("../policies/hunan-2026.toml"),
    include_str!("../policies/yanling-2021.toml"),
    include_str!("../policies/ziyang-2021.toml"),
];

const OVERLAYS: &[&str] = &[
    include_str!("../overlays/hunan-2022-city.toml"),
    include_str!("../overlays/ziyang-2021-whatif.toml"),
];

/// What hostile inputs put where a value goes.
const TOKENS: &[&str] = &[
    "-0",
    "\"-0\"",
    "\"-0.00\"",
    "1e23",
    "\"2.8e2\"",
    "\"280.0000000000000000000000000001\"",
    "4294967295",
    "18446744073709551616",
    "-1",
    "0",
    "1.5",
    "\"\"",
    "\" \"",
    "[",
    "]",
    "{",
    "}",
    "\"",
    ",",
    "=",
    "\n",
    "\r\n",
    "\u{feff}",
    "[[tier]]",
    "[[rule]]",
    "[[extension]]",
    "[[period]]",
    "[[category]]",
    "\"0000-01-01\"",
    "\"-2020-10-15\"",
    "\"2020//10//15\"",
    "\"9999-12-31\"",
    "\"1970-01-01\"",
    "2021-02-29",
    "true",
    "false",
    "null",
    "[]",
    "{}",
    "\"困境儿童 \"",
    "\"低保\"",
    "\"disability\"",
    "\"main\"",
    "\"outside\"",
    "\"exclusive\"",
];

/// A small deterministic generator (xorshift64*): the same seed, the same run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(n.max(1)).unwrap_or(1)).unwrap_or(0)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// A char boundary of `text`, chosen at random.
fn boundary(rng: &mut Rng, text: &str) -> usize {
    let mut at = rng.below(text.len() + 1);
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The span of the value after an `=` on a random line (to the line's end or a comma).
fn value_span(rng: &mut Rng, text: &str) -> Option<(usize, usize)> {
    let equals: Vec<usize> = text.match_indices(" = ").map(|(i, _)| i + 3).collect();
    if equals.is_empty() {
        return None;
    }
    let start = equals[rng.below(equals.len())];
    let rest = &text[start..];
    let end = rest.find([',', '\n', '}']).unwrap_or(rest.len());
    Some((start, start + end))
}

/// One to four mutations of `text`.
fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut out = text.to_string();
    for _ in 0..=rng.below(4) {
        match rng.below(7) {
            0 | 1 => {
                if let Some((from, to)) = value_span(rng, &out) {
                    let token = rng.pick(TOKENS);
                    out.replace_range(from..to, token);
                }
            }
            2 => {
                let at = boundary(rng, &out);
                let token = rng.pick(TOKENS);
                out.insert_str(at, token);
            }
            3 => {
                let lines: Vec<&str> = out.lines().collect();
                let drop = rng.below(lines.len());
                out = lines
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != drop)
                    .map(|(_, l)| *l)
                    .collect::<Vec<_>>()
                    .join("\n");
            }
            4 => {
                let lines: Vec<&str> = out.lines().collect();
                let copy = rng.below(lines.len());
                let mut with: Vec<&str> = lines.clone();
                if let Some(line) = lines.get(copy) {
                    with.insert(rng.below(lines.len() + 1), line);
                }
                out = with.join("\n");
            }
            5 => {
                let at = boundary(rng, &out);
                let to = (at + 1 + rng.below(16)).min(out.len());
                let mut to = to;
                while !out.is_char_boundary(to) {
                    to += 1;
                }
                out.replace_range(at..to, "");
            }
            _ => {
                let at = boundary(rng, &out);
                out.truncate(at);
            }
        }
    }
    out
}

fn rounds(default: usize) -> usize {
    std::env::var("URRBMI_FUZZ_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(default)
}

fn rng(salt: u64) -> Rng {
    let seed = std::env::var("URRBMI_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5EED_u64);
    Rng((seed ^ salt).max(1))
}

/// Evaluates the policy's boundary cases: each keeps the invariants, and answers the same twice.
fn evaluate_boundaries(policy: &Policy, input: &str) {
    for case in strategies::boundary_cases(policy) {
        let first = evaluate(policy, &case.resident);
        let second = evaluate(policy, &case.resident);
        assert_eq!(
            first, second,
            "not deterministic on {}\n{input}",
            case.label
        );
        if let Ok(a) = first
            && let Err(broken) = strategies::check_invariants(policy, &a)
        {
            panic!("{}: {broken}\npolicy text:\n{input}", case.label);
        }
    }
}

#[test]
fn mutated_policies_load_or_are_refused_and_keep_the_invariants() {
    let mut rng = rng(1);
    let mut loaded = 0;
    for _ in 0..rounds(300) {
        let seed = rng.pick(POLICIES);
        let text = mutate(&mut rng, seed);
        let loads = Policy::from_toml_str(&text);
        let lint_errors = Policy::lint(&text, None).iter().any(|d| d.is_error());
        assert_eq!(
            lint_errors,
            loads.is_err(),
            "the linter and the loader disagree on:\n{text}"
        );
        if let Ok(policy) = loads {
            loaded += 1;
            evaluate_boundaries(&policy, &text);
        }
    }
    assert!(
        loaded > 0,
        "some mutations load (the test exercises evaluation)"
    );
}

#[test]
fn mutated_overlays_apply_or_are_refused_and_keep_the_invariants() {
    let mut rng = rng(2);
    for _ in 0..rounds(200) {
        let seed = rng.pick(OVERLAYS);
        let text = mutate(&mut rng, seed);
        let Ok(overlay) = Overlay::from_toml_str(&text) else {
            continue;
        };
        let Ok(base) = Policy::builtin(&overlay.header().base) else {
            continue;
        };
        if let Ok(policy) = overlay.apply(base) {
            evaluate_boundaries(&policy, &text);
        }
    }
}

#[test]
fn mutated_residents_read_or_are_refused_and_keep_the_invariants() {
    let policies = Policy::builtins().expect("built-in policies load");
    // The seed residents: every policy's boundary cases, as JSON.
    let seeds: Vec<String> = policies
        .iter()
        .flat_map(|p| strategies::boundary_cases(p))
        .map(|case| serde_json::to_string(&case.resident).expect("a resident writes as JSON"))
        .collect();
    let seeds: Vec<&str> = seeds.iter().map(String::as_str).collect();
    let mut rng = rng(3);
    let mut read = 0;
    for _ in 0..rounds(3000) {
        let seed = rng.pick(&seeds);
        let text = mutate_json(&mut rng, seed);
        let Ok(resident) = Resident::from_json(&text) else {
            continue;
        };
        read += 1;
        let back: Resident =
            Resident::from_json(&serde_json::to_string(&resident).expect("writes")).expect("reads");
        assert_eq!(back, resident, "a resident read back differs:\n{text}");
        for policy in &policies {
            let first = evaluate(policy, &resident);
            assert_eq!(
                first,
                evaluate(policy, &resident),
                "not deterministic:\n{text}"
            );
            if let Ok(a) = first
                && let Err(broken) = strategies::check_invariants(policy, &a)
            {
                panic!("{}: {broken}\nresident: {text}", policy.id());
            }
        }
    }
    assert!(read > 0, "some mutations read");
}

/// JSON mutations: a value after a `:` replaced by a token, or the text mutated as a whole.
fn mutate_json(rng: &mut Rng, text: &str) -> String {
    let colons: Vec<usize> = text.match_indices(": ").map(|(i, _)| i + 2).collect();
    let colons = if colons.is_empty() {
        text.match_indices(':').map(|(i, _)| i + 1).collect()
    } else {
        colons
    };
    if rng.below(3) > 0 && !colons.is_empty() {
        let start = colons[rng.below(colons.len())];
        let rest = &text[start..];
        let end = rest.find([',', '}']).unwrap_or(rest.len());
        let mut out = text.to_string();
        out.replace_range(start..start + end, rng.pick(TOKENS));
        out
    } else {
        mutate(rng, text)
    }
}

/// The invariant check itself: an assessment broken by hand fails it, naming what broke.
#[test]
fn the_invariant_check_catches_broken_assessments() {
    let policy = Policy::builtin("hunan-2022").expect("built in");
    let date = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).expect("a date");
    let resident = Resident::new(date(1980, 1, 1), date(2021, 10, 1))
        .with_category(urrbmi::CategoryKind::SubsistenceAllowance);
    let a = evaluate(policy, &resident).expect("evaluates");
    assert_eq!(strategies::check_invariants(policy, &a), Ok(()));
    type Breaking = fn(&mut urrbmi::Assessment<'_>);
    let breakings: [(&str, Breaking); 4] = [
        ("negative", |a| a.owed = -a.owed),
        ("!= charged", |a| a.charged += rust_decimal::Decimal::ONE),
        ("benefits", |a| {
            a.benefit_end = a.benefit_start.and_then(|d| d.pred_opt())
        }),
        ("refused but owes", |a| a.status = urrbmi::Status::Refused),
    ];
    for (expected, break_it) in breakings {
        let mut broken = a.clone();
        break_it(&mut broken);
        let found = strategies::check_invariants(policy, &broken).expect_err(expected);
        assert!(found.contains(expected), "{expected}: {found}");
    }
}
