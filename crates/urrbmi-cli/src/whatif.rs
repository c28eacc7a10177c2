//! `urrbmi whatif`: a roster under a base policy and under the policy with an overlay, and the
//! difference in what residents pay and what each fund spends.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;

use rust_decimal::Decimal;
use urrbmi::overlay::Overlay;
use urrbmi::{Funder, Resident};
use urrbmi_analysis::batch::{Batch, GroupId, Groups};
use urrbmi_analysis::roster::RosterReader;
use urrbmi_analysis::scenario::Scenario;
use urrbmi_analysis::{Summary, Totals};

use crate::args::WhatifArgs;
use crate::input;
use crate::output::{self, Out, Result, Status, fatal, signed, signed_count, yuan};

pub fn run(args: WhatifArgs) -> Result {
    let overlay = Overlay::from_path(&args.overlay).map_err(fatal)?;
    let base_id = args
        .policy
        .clone()
        .unwrap_or_else(|| overlay.header().base.clone());
    let base = input::policy(&base_id)?;
    let whatif = overlay.apply(&base).map_err(fatal)?;

    let loaded = load(&args)?;
    let run = |policy| {
        Batch::new(policy)
            .grouped(&loaded.groups, &loaded.ids)
            .summarize(&loaded.residents)
            .map_err(fatal)
    };
    let before = run(&base)?;
    let after = run(&whatif)?;

    if let Some(path) = &args.json {
        let json = serde_json::json!({ "base": before, "whatif": after });
        output::write_json(path, &json)?;
    }

    let mut out = output::stdout();
    writeln!(out, "base     {} ({})", base.id(), base.region())?;
    writeln!(out, "what-if  {}: {}", whatif.id(), overlay.header().title)?;
    if let Some(source) = &overlay.header().source {
        writeln!(out, "         source: {source}")?;
    }
    writeln!(
        out,
        "roster   {}, {} residents\n",
        loaded.source,
        loaded.residents.len()
    )?;
    report(&mut out, &before, &after)?;
    if let Some(path) = &args.json {
        writeln!(out, "\nsummaries: {}", path.display())?;
    }
    out.flush()?;
    let bad = loaded.unreadable > 0 || before.totals.errors > 0 || after.totals.errors > 0;
    Ok(Status::bad_if(bad))
}

/// The residents of both runs, their groups, where they came from, and how many rows were
/// left out.
struct Loaded {
    residents: Vec<Resident>,
    groups: Groups,
    ids: Vec<GroupId>,
    source: String,
    unreadable: usize,
}

fn load(args: &WhatifArgs) -> Result<Loaded> {
    if let Some(path) = &args.scenario {
        let mut scenario = Scenario::from_path(path).map_err(fatal)?;
        if let Some(n) = args.population {
            scenario = scenario.scaled(n).map_err(fatal)?;
        }
        let roster = scenario.generate();
        return Ok(Loaded {
            residents: roster.residents,
            groups: roster.groups,
            ids: roster.group_ids,
            source: format!(
                "{} (synthetic, seed {})",
                path.display(),
                scenario.scenario.seed
            ),
            unreadable: 0,
        });
    }
    let path = args.roster.as_deref().unwrap_or(Path::new("-"));
    let options = input::roster_options(&args.input)?;
    let mut reader = RosterReader::from_path_with(path, &options).map_err(fatal)?;
    let chunk = reader.read_all().map_err(fatal)?;
    if !chunk.errors.is_empty() {
        output::warn(format_args!(
            "{} rows of {} cannot be read and are left out of both runs:",
            chunk.errors.len(),
            path.display()
        ));
        for error in &chunk.errors {
            output::note(format_args!("  {error}"));
        }
    }
    let (groups, ids) = if reader.is_grouped() {
        (reader.groups().clone(), chunk.groups)
    } else {
        let mut groups = Groups::new();
        let all = groups.intern("(all)");
        (groups, vec![all; chunk.residents.len()])
    };
    Ok(Loaded {
        residents: chunk.residents,
        groups,
        ids,
        source: path.display().to_string(),
        unreadable: chunk.errors.len(),
    })
}

fn report(out: &mut Out, before: &Summary, after: &Summary) -> std::io::Result<()> {
    let (b, a) = (&before.totals, &after.totals);
    writeln!(
        out,
        "{:<28}{:>18}{:>18}{:>18}",
        "", "base", "what-if", "difference"
    )?;
    let count = |out: &mut Out, label: &str, x: u64, y: u64| {
        writeln!(out, "{label:<28}{x:>18}{y:>18}{:>18}", signed_count(x, y))
    };
    count(out, "enrolled", b.enrolled, a.enrolled)?;
    count(out, "refused", b.refused, a.refused)?;
    if b.errors > 0 || a.errors > 0 {
        count(out, "not evaluable", b.errors, a.errors)?;
    }
    let money = |out: &mut Out, label: &str, x: Decimal, y: Decimal| {
        writeln!(
            out,
            "{label:<28}{:>18}{:>18}{:>18}",
            yuan(x),
            yuan(y),
            signed(y - x)
        )
    };
    money(out, "paid by residents", b.total_due(), a.total_due())?;
    for funder in Funder::ALL {
        money(
            out,
            &format!("paid by {}", funder.id()),
            b.subsidy(funder),
            a.subsidy(funder),
        )?;
    }
    money(
        out,
        "subsidies in all",
        b.subsidies.total(),
        a.subsidies.total(),
    )?;
    money(out, "fund income (charged)", b.charged, a.charged)?;

    let codes: BTreeSet<_> = before
        .refusals
        .keys()
        .chain(after.refusals.keys())
        .copied()
        .collect();
    if !codes.is_empty() {
        writeln!(out)?;
        for code in codes {
            count(
                out,
                &format!("refused: {code}"),
                before.refused_with(code),
                after.refused_with(code),
            )?;
        }
    }

    let mut categories = keys(&before.by_category, &after.by_category);
    categories.push("(none)".into());
    breakdown(
        out,
        "by category held (a resident holding two counts under both)",
        &categories,
        before,
        after,
        &|s, key| {
            if key == "(none)" {
                Some(&s.no_category)
            } else {
                s.by_category.get(key)
            }
        },
    )?;
    let mut tiers = keys(&before.by_tier, &after.by_tier);
    tiers.push("(no tier)".into());
    breakdown(out, "by subsidy tier", &tiers, before, after, &|s, key| {
        if key == "(no tier)" {
            Some(&s.untiered)
        } else {
            s.by_tier.get(key)
        }
    })
}

/// The keys of either map, sorted, once each.
fn keys(x: &BTreeMap<String, Totals>, y: &BTreeMap<String, Totals>) -> Vec<String> {
    x.keys()
        .chain(y.keys())
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// A table of how each row's enrolment and payments moved.
fn breakdown(
    out: &mut Out,
    title: &str,
    keys: &[String],
    before: &Summary,
    after: &Summary,
    get: &dyn for<'s> Fn(&'s Summary, &str) -> Option<&'s Totals>,
) -> std::io::Result<()> {
    writeln!(out, "\n{title}")?;
    let heading = ["", "enrolled", "residents pay Δ"]
        .into_iter()
        .map(String::from)
        .chain(Funder::ALL.iter().map(|f| format!("{} Δ", f.id())))
        .chain(std::iter::once(String::new()))
        .collect();
    let mut rows: Vec<Vec<String>> = vec![heading];
    let empty = Totals::default();
    for key in keys {
        let x = get(before, key).unwrap_or(&empty);
        let y = get(after, key).unwrap_or(&empty);
        let moved = x.enrolled != y.enrolled
            || x.total_due() != y.total_due()
            || x.subsidies != y.subsidies;
        let row = [
            key.clone(),
            format!("{} → {}", x.enrolled, y.enrolled),
            signed(y.total_due() - x.total_due()),
        ]
        .into_iter()
        .chain(
            Funder::ALL
                .iter()
                .map(|f| signed(y.subsidy(*f) - x.subsidy(*f))),
        )
        .chain(std::iter::once(if moved {
            String::new()
        } else {
            "(unchanged)".into()
        }))
        .collect();
        rows.push(row);
    }
    output::table(out, "  ", &rows, 1)
}
