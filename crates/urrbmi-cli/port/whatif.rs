//! What if: run a roster under a base policy and under the same policy with an overlay, and
//! report the difference in what residents pay and what each fund spends, in total, by
//! category and by tier.
//!
//! ```text
//! cargo run --release --example whatif -- --overlay OVERLAY.toml ROSTER.csv [--policy BASE]
//! cargo run --release --example whatif -- --overlay OVERLAY.toml --scenario SCENARIO.toml [--population N]
//!
//!   --policy BASE     the base policy (built-in id or file); default: the overlay's `base`
//!   --json FILE       write both summaries and the overlay's policy id as JSON
//! ```
//!
//! Rows of the roster that cannot be read are reported and left out of both runs alike.

use std::collections::BTreeSet;
use std::process::ExitCode;

use rust_decimal::Decimal;
use urrbmi::batch::{Batch, GroupId, Groups};
use urrbmi::overlay::Overlay;
use urrbmi::roster::RosterReader;
use urrbmi::scenario::Scenario;
use urrbmi::{Funder, Policy, Resident, Summary, Totals};

const USAGE: &str = "usage: whatif --overlay OVERLAY.toml (ROSTER.csv | --scenario SCENARIO.toml [--population N]) [--policy BASE] [--json FILE]";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("whatif: {message}");
            ExitCode::from(2)
        }
    }
}

struct Args {
    overlay: String,
    roster: Option<String>,
    scenario: Option<String>,
    population: Option<u64>,
    policy: Option<String>,
    json: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut parsed = Args {
        overlay: String::new(),
        roster: None,
        scenario: None,
        population: None,
        policy: None,
        json: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| {
            args.next()
                .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--overlay" => parsed.overlay = value("--overlay")?,
            "--scenario" => parsed.scenario = Some(value("--scenario")?),
            "--policy" => parsed.policy = Some(value("--policy")?),
            "--json" => parsed.json = Some(value("--json")?),
            "--population" => {
                let v = value("--population")?;
                parsed.population = Some(
                    v.replace('_', "")
                        .parse()
                        .map_err(|_| format!("--population `{v}` is not a whole number"))?,
                );
            }
            "--help" | "-h" => return Err(USAGE.to_string()),
            other if other.starts_with("--") => {
                return Err(format!("unknown option `{other}`\n{USAGE}"));
            }
            other if parsed.roster.is_none() => parsed.roster = Some(other.to_string()),
            other => return Err(format!("unexpected argument `{other}`\n{USAGE}")),
        }
    }
    if parsed.overlay.is_empty() {
        return Err(format!("--overlay is required\n{USAGE}"));
    }
    if parsed.roster.is_some() == parsed.scenario.is_some() {
        return Err(format!(
            "give a roster file or --scenario, not both\n{USAGE}"
        ));
    }
    Ok(parsed)
}

fn run() -> Result<(), String> {
    let args = parse_args()?;
    let overlay = Overlay::from_path(&args.overlay).map_err(|e| e.to_string())?;
    let base_id = args
        .policy
        .clone()
        .unwrap_or_else(|| overlay.header().base.clone());
    let base = Policy::from_id_or_path(&base_id).map_err(|e| e.to_string())?;
    let whatif = overlay.apply(&base).map_err(|e| e.to_string())?;

    let (residents, groups, ids, source) = load(&args)?;
    let run = |policy: &Policy| {
        Batch::new(policy)
            .grouped(&groups, &ids)
            .summarize(&residents)
            .map_err(|e| e.to_string())
    };
    let before = run(&base)?;
    let after = run(&whatif)?;

    println!("base     {} ({})", base.id(), base.region());
    println!("what-if  {}: {}", whatif.id(), overlay.header().title);
    if let Some(source) = &overlay.header().source {
        println!("         source: {source}");
    }
    println!("roster   {source}, {} residents\n", residents.len());
    report(&before, &after);
    if let Some(path) = &args.json {
        let json = serde_json::json!({ "base": before, "whatif": after });
        let text = serde_json::to_string_pretty(&json).map_err(|e| e.to_string())?;
        std::fs::write(path, text).map_err(|e| format!("cannot write {path}: {e}"))?;
        println!("\nsummaries: {path}");
    }
    Ok(())
}

type Loaded = (Vec<Resident>, Groups, Vec<GroupId>, String);

fn load(args: &Args) -> Result<Loaded, String> {
    if let Some(path) = &args.scenario {
        let mut scenario = Scenario::from_path(path).map_err(|e| e.to_string())?;
        if let Some(n) = args.population {
            scenario = scenario.scaled(n).map_err(|e| e.to_string())?;
        }
        let roster = scenario.generate();
        return Ok((
            roster.residents,
            roster.groups,
            roster.group_ids,
            format!("{path} (synthetic, seed {})", scenario.scenario.seed),
        ));
    }
    let path = args.roster.clone().unwrap_or_default();
    let mut reader = RosterReader::from_path(&path).map_err(|e| e.to_string())?;
    let chunk = reader.read_all().map_err(|e| e.to_string())?;
    if !chunk.errors.is_empty() {
        eprintln!(
            "whatif: {} rows of {path} cannot be read and are left out of both runs:",
            chunk.errors.len()
        );
        for error in &chunk.errors {
            eprintln!("  {error}");
        }
    }
    let groups = reader.groups().clone();
    let ids = if reader.is_grouped() {
        chunk.groups
    } else {
        let mut groups = Groups::new();
        let all = groups.intern("(all)");
        vec![all; chunk.residents.len()]
    };
    let groups = if reader.is_grouped() {
        groups
    } else {
        let mut g = Groups::new();
        g.intern("(all)");
        g
    };
    Ok((chunk.residents, groups, ids, path))
}

fn yuan(d: Decimal) -> String {
    urrbmi::money::format_yuan(d)
}

fn signed(d: Decimal) -> String {
    if d.is_sign_positive() && !d.is_zero() {
        format!("+{}", yuan(d))
    } else {
        yuan(d)
    }
}

fn report(before: &Summary, after: &Summary) {
    let (b, a) = (&before.totals, &after.totals);
    println!(
        "{:<28}{:>18}{:>18}{:>18}",
        "", "base", "what-if", "difference"
    );
    let count = |label: &str, x: u64, y: u64| {
        println!(
            "{label:<28}{x:>18}{y:>18}{:>18}",
            format!("{:+}", i128::from(y) - i128::from(x))
        );
    };
    count("enrolled", b.enrolled, a.enrolled);
    count("refused", b.refused, a.refused);
    let money = |label: &str, x: Decimal, y: Decimal| {
        println!(
            "{label:<28}{:>18}{:>18}{:>18}",
            yuan(x),
            yuan(y),
            signed(y - x)
        );
    };
    money("paid by residents", b.total_due(), a.total_due());
    for funder in Funder::ALL {
        money(
            &format!("paid by {}", funder.id()),
            b.subsidy(funder),
            a.subsidy(funder),
        );
    }
    money("subsidies in all", b.subsidies.total(), a.subsidies.total());
    money("fund income (charged)", b.charged, a.charged);

    let codes: BTreeSet<_> = before
        .refusals
        .keys()
        .chain(after.refusals.keys())
        .copied()
        .collect();
    if !codes.is_empty() {
        println!();
        for code in codes {
            count(
                &format!("refused: {code}"),
                before.refused_with(code),
                after.refused_with(code),
            );
        }
    }

    let empty = Totals::default();
    let rows = |x: &std::collections::BTreeMap<String, Totals>,
                y: &std::collections::BTreeMap<String, Totals>|
     -> Vec<String> {
        x.keys()
            .chain(y.keys())
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    };
    let table = |title: &str, keys: Vec<String>, get: &dyn Fn(&Summary, &str) -> Option<Totals>| {
        println!("\n{title}");
        println!(
            "  {:<34}{:>16}{:>16}{:>14}{:>16}{:>14}",
            "", "enrolled", "residents pay Δ", "fiscal Δ", "med. assist. Δ", "entitled Δ"
        );
        for key in keys {
            let x = get(before, &key).unwrap_or_else(|| empty.clone());
            let y = get(after, &key).unwrap_or_else(|| empty.clone());
            let moved = x.enrolled != y.enrolled
                || x.total_due() != y.total_due()
                || x.subsidies != y.subsidies;
            println!(
                "  {:<34}{:>16}{:>16}{:>14}{:>16}{:>14}{}",
                key,
                format!("{} → {}", x.enrolled, y.enrolled),
                signed(y.total_due() - x.total_due()),
                signed(y.subsidy(Funder::Fiscal) - x.subsidy(Funder::Fiscal)),
                signed(y.subsidy(Funder::MedicalAssistance) - x.subsidy(Funder::MedicalAssistance)),
                signed(y.subsidy(Funder::EntitledGroupFund) - x.subsidy(Funder::EntitledGroupFund)),
                if moved { "" } else { "  (unchanged)" }
            );
        }
    };
    let mut categories = rows(&before.by_category, &after.by_category);
    categories.push("(none)".into());
    table(
        "by category held (a resident holding two counts under both)",
        categories,
        &|s, key| {
            if key == "(none)" {
                Some(s.no_category.clone())
            } else {
                s.by_category.get(key).cloned()
            }
        },
    );
    let mut tiers = rows(&before.by_tier, &after.by_tier);
    tiers.push("(no tier)".into());
    table("by subsidy tier", tiers, &|s, key| {
        if key == "(no tier)" {
            Some(s.untiered.clone())
        } else {
            s.by_tier.get(key).cloned()
        }
    });
}
