//! Province-scale projection: generate a seeded synthetic roster from a scenario, evaluate it,
//! and print the projected revenue and subsidy spend by funder and by township.
//!
//! ```text
//! cargo run --release --example simulate -- SCENARIO.toml [options]
//!
//!   --population N        scale the townships to N residents in all (default: the scenario's)
//!   --seed S              override the scenario's seed
//!   --svg FILE            the bar chart of spend by funder per township (default:
//!                         simulate-<policy>.svg; `--svg -` for none)
//!   --write-roster FILE   also write the roster as CSV (readable by the roster example)
//!   --json FILE           also write the summary as JSON
//!   --single-thread       evaluate on one thread
//! ```
//!
//! The populations of the shipped scenarios come from the notices; their category shares are
//! assumptions (each file says so). Timings go to stderr.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::process::ExitCode;
use std::time::Instant;

use plotters::prelude::*;
use urrbmi::batch::Batch;
use urrbmi::roster::RosterWriter;
use urrbmi::scenario::Scenario;
use urrbmi::{Funder, Policy, Summary};

const USAGE: &str = "usage: simulate SCENARIO.toml [--population N] [--seed S] [--svg FILE|-] [--write-roster FILE] [--json FILE] [--single-thread]";

struct Args {
    scenario: String,
    population: Option<u64>,
    seed: Option<u64>,
    svg: Option<String>,
    write_roster: Option<String>,
    json: Option<String>,
    single_thread: bool,
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("simulate: {message}");
            ExitCode::from(2)
        }
    }
}

fn parse_args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let mut parsed = Args {
        scenario: String::new(),
        population: None,
        seed: None,
        svg: None,
        write_roster: None,
        json: None,
        single_thread: false,
    };
    let value = |args: &mut dyn Iterator<Item = String>, flag: &str| {
        args.next()
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--population" => {
                let v = value(&mut args, "--population")?;
                parsed.population = Some(v.replace('_', "").parse().map_err(|_| {
                    format!("--population `{v}` is not a whole number of residents")
                })?);
            }
            "--seed" => {
                let v = value(&mut args, "--seed")?;
                parsed.seed = Some(
                    v.parse()
                        .map_err(|_| format!("--seed `{v}` is not a whole number"))?,
                );
            }
            "--svg" => parsed.svg = Some(value(&mut args, "--svg")?),
            "--write-roster" => parsed.write_roster = Some(value(&mut args, "--write-roster")?),
            "--json" => parsed.json = Some(value(&mut args, "--json")?),
            "--single-thread" => parsed.single_thread = true,
            "--help" | "-h" => return Err(USAGE.to_string()),
            other if other.starts_with("--") => {
                return Err(format!("unknown option `{other}`\n{USAGE}"));
            }
            other if parsed.scenario.is_empty() => parsed.scenario = other.to_string(),
            other => return Err(format!("unexpected argument `{other}`\n{USAGE}")),
        }
    }
    if parsed.scenario.is_empty() {
        return Err(format!("a scenario file is required\n{USAGE}"));
    }
    Ok(parsed)
}

fn run() -> Result<(), String> {
    let args = parse_args()?;
    let mut scenario = Scenario::from_path(&args.scenario).map_err(|e| e.to_string())?;
    if let Some(n) = args.population {
        scenario = scenario.scaled(n).map_err(|e| e.to_string())?;
    }
    if let Some(seed) = args.seed {
        scenario.scenario.seed = seed;
    }
    let policy = Policy::from_id_or_path(&scenario.scenario.policy).map_err(|e| e.to_string())?;

    let started = Instant::now();
    let roster = scenario.generate();
    let generated = started.elapsed();

    if let Some(path) = &args.write_roster {
        let started = Instant::now();
        let file = File::create(path).map_err(|e| format!("cannot create {path}: {e}"))?;
        let mut writer =
            RosterWriter::new(BufWriter::new(file)).map_err(|e| format!("{path}: {e}"))?;
        for (resident, group) in roster.residents.iter().zip(&roster.group_ids) {
            writer
                .write(resident, roster.groups.name(*group), None, None)
                .map_err(|e| format!("{path}: {e}"))?;
        }
        writer
            .finish()
            .and_then(|mut w| w.flush())
            .map_err(|e| format!("{path}: {e}"))?;
        eprintln!(
            "wrote {} rows to {path} in {:.2?}",
            roster.residents.len(),
            started.elapsed()
        );
    }

    let started = Instant::now();
    let summary = Batch::new(&policy)
        .parallel(!args.single_thread)
        .grouped(&roster.groups, &roster.group_ids)
        .summarize(&roster.residents)
        .map_err(|e| e.to_string())?;
    let evaluated = started.elapsed();
    eprintln!(
        "generated {} residents in {generated:.2?}; evaluated and summarized in {evaluated:.2?} ({})",
        roster.residents.len(),
        if args.single_thread {
            "1 thread".to_string()
        } else {
            format!(
                "{} threads",
                std::thread::available_parallelism().map_or(1, usize::from)
            )
        }
    );

    println!("{}", scenario.scenario.name);
    println!("population from: {}", scenario.scenario.population_source);
    println!(
        "category shares, ages and payment dates: ASSUMED (see [assumptions] of the scenario)"
    );
    println!("seed {}\n", scenario.scenario.seed);
    print_projection(&summary, &policy);
    println!();
    print_townships(&scenario, &summary);

    let svg = args
        .svg
        .clone()
        .unwrap_or_else(|| format!("simulate-{}.svg", policy.id()));
    if svg != "-" {
        chart(&scenario, &summary, &policy, &svg)?;
        println!("\nchart: {svg}");
    }
    if let Some(path) = &args.json {
        let json = serde_json::to_string_pretty(&summary).map_err(|e| e.to_string())?;
        std::fs::write(path, json).map_err(|e| format!("cannot write {path}: {e}"))?;
        println!("summary: {path}");
    }
    Ok(())
}

fn yuan(amount: rust_decimal::Decimal) -> String {
    urrbmi::money::format_yuan(amount)
}

fn print_projection(summary: &Summary, policy: &Policy) {
    let t = &summary.totals;
    println!(
        "residents {}   enrolled {}   refused {}   errors {}",
        t.residents, t.enrolled, t.refused, t.errors
    );
    for (code, n) in &summary.refusals {
        println!("  refused {code}: {n}");
    }
    println!("\nprojected revenue and subsidy spend (yuan)");
    let mut lines: Vec<(String, rust_decimal::Decimal)> = vec![
        ("charged (personal or full standard)".into(), t.charged),
        ("paid by residents".into(), t.owed),
        ("+ prior-year charges (newborns)".into(), t.prior_year),
    ];
    for funder in Funder::ALL {
        lines.push((
            format!("paid by {} ({})", funder.id(), funder.chinese()),
            t.subsidy(funder),
        ));
    }
    lines.push(("subsidies in all".into(), t.subsidies.total()));
    for (label, amount) in lines {
        println!("  {}{:>18}", pad(&label, 44), yuan(amount));
    }
    println!("\nby subsidy tier");
    println!(
        "  {:<34}{:>9}{:>16}{:>16}{:>16}{:>14}",
        "tier", "enrolled", "residents pay", "fiscal", "med. assist.", "entitled fund"
    );
    // In the policy's order.
    let mut rows: Vec<(&str, &urrbmi::Totals)> = policy
        .spec()
        .tiers
        .iter()
        .filter_map(|tier| summary.by_tier.get_key_value(&tier.id))
        .map(|(k, v)| (k.as_str(), v))
        .collect();
    rows.push(("(no tier)", &summary.untiered));
    for (tier, totals) in rows {
        println!(
            "  {:<34}{:>9}{:>16}{:>16}{:>16}{:>14}",
            tier,
            totals.enrolled,
            yuan(totals.total_due()),
            yuan(totals.subsidy(Funder::Fiscal)),
            yuan(totals.subsidy(Funder::MedicalAssistance)),
            yuan(totals.subsidy(Funder::EntitledGroupFund)),
        );
    }
}

fn pad(text: &str, width: usize) -> String {
    // CJK characters take two terminal columns.
    let used: usize = text
        .chars()
        .map(|c| if (c as u32) >= 0x2E80 { 2 } else { 1 })
        .sum();
    format!("{text}{}", " ".repeat(width.saturating_sub(used)))
}

fn print_townships(scenario: &Scenario, summary: &Summary) {
    println!("by township (yuan)");
    println!(
        "  {}{:>9}{:>9}{:>8}{:>16}{:>16}{:>16}{:>14}",
        pad("township", 14),
        "people",
        "enrolled",
        "refused",
        "residents pay",
        "fiscal",
        "med. assist.",
        "entitled fund"
    );
    for township in &scenario.townships {
        let Some(t) = summary.by_group.get(&township.name) else {
            continue;
        };
        println!(
            "  {}{:>9}{:>9}{:>8}{:>16}{:>16}{:>16}{:>14}",
            pad(&township.name, 14),
            township.population,
            t.enrolled,
            t.refused,
            yuan(t.total_due()),
            yuan(t.subsidy(Funder::Fiscal)),
            yuan(t.subsidy(Funder::MedicalAssistance)),
            yuan(t.subsidy(Funder::EntitledGroupFund)),
        );
    }
}

/// A stacked bar per township: what each funder pays, in 10,000 yuan (万元).
fn chart(
    scenario: &Scenario,
    summary: &Summary,
    policy: &Policy,
    path: &str,
) -> Result<(), String> {
    let to_wan = |d: rust_decimal::Decimal| {
        use rust_decimal::prelude::ToPrimitive;
        (d / rust_decimal::Decimal::from(10_000))
            .to_f64()
            .unwrap_or(0.0)
    };
    let rows: Vec<(&str, [f64; 3])> = scenario
        .townships
        .iter()
        .filter_map(|t| {
            summary.by_group.get(&t.name).map(|totals| {
                let mut amounts = [0.0; 3];
                for (slot, funder) in Funder::ALL.iter().enumerate() {
                    amounts[slot] = to_wan(totals.subsidy(*funder));
                }
                (t.name.as_str(), amounts)
            })
        })
        .collect();
    let top = rows
        .iter()
        .map(|(_, a)| a.iter().sum::<f64>())
        .fold(0.0_f64, f64::max)
        .max(1.0)
        * 1.3;
    let width = (160 + 90 * rows.len() as u32).max(640);
    let root = SVGBackend::new(path, (width, 520)).into_drawing_area();
    let draw_err = |e: DrawingAreaErrorKind<_>| format!("cannot draw {path}: {e}");
    root.fill(&WHITE).map_err(draw_err)?;
    let title = format!(
        "{}: subsidy spend by funder per township (10,000 yuan)",
        policy.id()
    );
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(70)
        .build_cartesian_2d(0.0..rows.len() as f64, 0.0..top)
        .map_err(draw_err)?;
    let names: Vec<String> = rows.iter().map(|(n, _)| (*n).to_string()).collect();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(TRANSPARENT)
        .x_labels(rows.len() * 2 + 1)
        .x_label_formatter(&|x| {
            let i = x.floor();
            if (x - i - 0.5).abs() < 0.01 {
                names.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .y_desc("10,000 yuan (万元)")
        .label_style(("sans-serif", 14))
        .draw()
        .map_err(draw_err)?;
    let colours = [
        RGBColor(31, 119, 180),
        RGBColor(214, 39, 40),
        RGBColor(44, 160, 44),
    ];
    for (slot, funder) in Funder::ALL.iter().enumerate() {
        let colour = colours[slot];
        let bars: Vec<Rectangle<(f64, f64)>> = rows
            .iter()
            .enumerate()
            .map(|(i, (_, amounts))| {
                let below: f64 = amounts[..slot].iter().sum();
                let x = i as f64;
                Rectangle::new(
                    [(x + 0.15, below), (x + 0.85, below + amounts[slot])],
                    colour.filled(),
                )
            })
            .collect();
        chart
            .draw_series(bars)
            .map_err(draw_err)?
            .label(format!("{} ({})", funder.id(), funder.chinese()))
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled()));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperRight)
        .label_font(("sans-serif", 14))
        .draw()
        .map_err(draw_err)?;
    root.present().map_err(draw_err)?;
    Ok(())
}
