//! `urrbmi simulate`: a seeded synthetic roster from a scenario, evaluated and summarized by
//! funder, tier and township, with a bar chart.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::time::Instant;

use plotters::prelude::*;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use urrbmi::{Funder, Policy};
use urrbmi_analysis::batch::Batch;
use urrbmi_analysis::roster::RosterWriter;
use urrbmi_analysis::scenario::Scenario;
use urrbmi_analysis::{Summary, Totals};

use crate::args::SimulateArgs;
use crate::input;
use crate::output::{self, Out, Result, Status, fatal, pad, yuan};

pub fn run(args: SimulateArgs) -> Result {
    let mut scenario = Scenario::from_path(&args.scenario).map_err(fatal)?;
    if let Some(n) = args.population {
        scenario = scenario.scaled(n).map_err(fatal)?;
    }
    if let Some(seed) = args.seed {
        scenario.scenario.seed = seed;
    }
    let policy = input::policy(&scenario.scenario.policy)?;

    let started = Instant::now();
    let roster = scenario.generate();
    let generated = started.elapsed();

    if let Some(path) = &args.write_roster {
        let started = Instant::now();
        let shown = path.display();
        let file = File::create(path).map_err(|e| fatal(format!("cannot create {shown}: {e}")))?;
        let mut writer =
            RosterWriter::new(BufWriter::new(file)).map_err(|e| fatal(format!("{shown}: {e}")))?;
        for (resident, group) in roster.residents.iter().zip(&roster.group_ids) {
            writer
                .write(resident, roster.groups.name(*group), None, None)
                .map_err(|e| fatal(format!("{shown}: {e}")))?;
        }
        writer
            .finish()
            .and_then(|mut w| w.flush())
            .map_err(|e| fatal(format!("{shown}: {e}")))?;
        output::note(format_args!(
            "wrote {} rows to {shown} in {:.2?}",
            roster.residents.len(),
            started.elapsed()
        ));
    }

    let started = Instant::now();
    let summary = Batch::new(&policy)
        .parallel(!args.single_thread)
        .grouped(&roster.groups, &roster.group_ids)
        .summarize(&roster.residents)
        .map_err(fatal)?;
    let evaluated = started.elapsed();
    output::note(format_args!(
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
    ));

    // Files first: a reader of standard output that goes away early does not cut them short.
    let svg = args
        .svg
        .clone()
        .unwrap_or_else(|| format!("simulate-{}.svg", policy.id()));
    if svg != "-" {
        chart(&scenario, &summary, &policy, &svg)?;
    }
    if let Some(path) = &args.json {
        output::write_json(path, &summary)?;
    }

    let mut out = output::stdout();
    writeln!(out, "{}", scenario.scenario.name)?;
    writeln!(
        out,
        "population from: {}",
        scenario.scenario.population_source
    )?;
    writeln!(
        out,
        "category shares, ages and payment dates: ASSUMED (see [assumptions] of the scenario)"
    )?;
    writeln!(out, "seed {}\n", scenario.scenario.seed)?;
    projection(&mut out, &summary, &policy)?;
    writeln!(out)?;
    townships(&mut out, &scenario, &summary)?;
    if svg != "-" {
        writeln!(out, "\nchart: {svg}")?;
    }
    if let Some(path) = &args.json {
        writeln!(out, "summary: {}", path.display())?;
    }
    out.flush()?;
    Ok(Status::bad_if(summary.totals.errors > 0))
}

/// The cells of a row of what residents and each fund pay.
fn paid_by(t: &Totals) -> impl Iterator<Item = String> + '_ {
    std::iter::once(yuan(t.total_due())).chain(Funder::ALL.iter().map(|f| yuan(t.subsidy(*f))))
}

/// The headings of [`paid_by`]'s cells.
fn paid_by_headings() -> impl Iterator<Item = String> {
    std::iter::once("residents pay".to_string()).chain(Funder::ALL.iter().map(|f| f.id().into()))
}

fn projection(out: &mut Out, summary: &Summary, policy: &Policy) -> std::io::Result<()> {
    let t = &summary.totals;
    writeln!(
        out,
        "residents {}   enrolled {}   refused {}   errors {}",
        t.residents, t.enrolled, t.refused, t.errors
    )?;
    for (code, n) in &summary.refusals {
        writeln!(out, "  refused {code}: {n}")?;
    }
    writeln!(out, "\nprojected revenue and subsidy spend (yuan)")?;
    let mut lines: Vec<(String, Decimal)> = vec![
        ("charged (personal or full standard)".into(), t.charged),
        ("paid by residents".into(), t.owed),
        ("+ prior-year charges (newborns)".into(), t.prior_year),
        ("+ repair charges".into(), t.repair),
    ];
    for funder in Funder::ALL {
        lines.push((
            format!("paid by {} ({})", funder.id(), funder.chinese()),
            t.subsidy(funder),
        ));
    }
    lines.push(("subsidies in all".into(), t.subsidies.total()));
    for (label, amount) in lines {
        writeln!(out, "  {}{:>18}", pad(&label, 44), yuan(amount))?;
    }

    writeln!(out, "\nby subsidy tier")?;
    let heading = std::iter::once("tier".to_string())
        .chain(std::iter::once("enrolled".to_string()))
        .chain(paid_by_headings())
        .collect();
    let mut rows: Vec<Vec<String>> = vec![heading];
    // In the policy's order.
    let tiers = policy
        .spec()
        .tiers
        .iter()
        .filter_map(|tier| summary.by_tier.get_key_value(&tier.id))
        .map(|(k, v)| (k.as_str(), v))
        .chain(std::iter::once(("(no tier)", &summary.untiered)));
    for (tier, totals) in tiers {
        let row = [tier.to_string(), totals.enrolled.to_string()]
            .into_iter()
            .chain(paid_by(totals))
            .collect();
        rows.push(row);
    }
    output::table(out, "  ", &rows, 1)
}

fn townships(out: &mut Out, scenario: &Scenario, summary: &Summary) -> std::io::Result<()> {
    writeln!(out, "by township (yuan)")?;
    let heading = ["township", "people", "enrolled", "refused"]
        .into_iter()
        .map(String::from)
        .chain(paid_by_headings())
        .collect();
    let mut rows: Vec<Vec<String>> = vec![heading];
    for township in &scenario.townships {
        let Some(t) = summary.by_group.get(&township.name) else {
            continue;
        };
        let row = [
            township.name.clone(),
            township.population.to_string(),
            t.enrolled.to_string(),
            t.refused.to_string(),
        ]
        .into_iter()
        .chain(paid_by(t))
        .collect();
        rows.push(row);
    }
    output::table(out, "  ", &rows, 1)
}

/// A stacked bar per township: what each funder pays, in 10,000 yuan (万元).
fn chart(scenario: &Scenario, summary: &Summary, policy: &Policy, path: &str) -> Result<()> {
    let to_wan = |d: Decimal| (d / Decimal::from(10_000)).to_f64().unwrap_or(0.0);
    let rows: Vec<(&str, Vec<f64>)> = scenario
        .townships
        .iter()
        .filter_map(|t| {
            summary.by_group.get(&t.name).map(|totals| {
                let amounts = Funder::ALL
                    .iter()
                    .map(|f| to_wan(totals.subsidy(*f)))
                    .collect();
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
    let count = u32::try_from(rows.len()).unwrap_or(u32::MAX);
    let width = count.saturating_mul(90).saturating_add(160).max(640);
    let root = SVGBackend::new(path, (width, 520)).into_drawing_area();
    let draw_err = |e: DrawingAreaErrorKind<_>| fatal(format!("cannot draw {path}: {e}"));
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
        .build_cartesian_2d(0.0..f64::from(count), 0.0..top)
        .map_err(draw_err)?;
    let names: Vec<String> = rows.iter().map(|(n, _)| (*n).to_string()).collect();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(TRANSPARENT)
        .x_labels(rows.len() * 2 + 1)
        .x_label_formatter(&|x| {
            // A label at the middle of each bar.
            let i = x.floor();
            if (x - i - 0.5).abs() < 0.01 && i >= 0.0 {
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
        RGBColor(148, 103, 189),
    ];
    for (slot, (funder, colour)) in Funder::ALL.iter().zip(colours.iter().cycle()).enumerate() {
        let colour = *colour;
        let bars: Vec<Rectangle<(f64, f64)>> = rows
            .iter()
            .zip(0_u32..)
            .map(|((_, amounts), i)| {
                let below: f64 = amounts.iter().take(slot).sum();
                let own = amounts.get(slot).copied().unwrap_or(0.0);
                let x = f64::from(i);
                Rectangle::new(
                    [(x + 0.15, below), (x + 0.85, below + own)],
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
