//! `urrbmi explain`: one resident's decision as a readable report.

use std::io::Write;

use urrbmi::{Assessment, Funder, Policy, Resident, evaluate};

use crate::args::ExplainArgs;
use crate::input;
use crate::output::{self, Error, Out, Result, Status, yuan};

pub fn run(args: ExplainArgs) -> Result {
    let policy = input::policy(&args.policy)?;
    let resident = input::resident(&args.resident)?;
    let a = evaluate(&policy, &resident)
        .map_err(|e| Error::Bad(format!("the resident cannot be evaluated: {e}")))?;
    let mut out = output::stdout();
    if args.json {
        let line = WithId {
            id: resident.id.as_deref(),
            assessment: &a,
        };
        serde_json::to_writer(&mut out, &line).map_err(std::io::Error::from)?;
        writeln!(out)?;
    } else {
        report(&mut out, &policy, &resident, &a)?;
    }
    out.flush()?;
    Ok(Status::Clean)
}

/// The assessment with the resident's id first, as `urrbmi assess` writes it (without a line).
#[derive(serde::Serialize)]
struct WithId<'a, 'p> {
    id: Option<&'a str>,
    #[serde(flatten)]
    assessment: &'a Assessment<'p>,
}

/// The label column's width.
const LABEL: usize = 16;

fn field(out: &mut Out, label: &str, value: impl std::fmt::Display) -> std::io::Result<()> {
    writeln!(out, "{}{value}", output::pad(label, LABEL))
}

fn report(
    out: &mut Out,
    policy: &Policy,
    resident: &Resident,
    a: &Assessment<'_>,
) -> std::io::Result<()> {
    let document = policy.document();
    let notice = document.number.as_deref().unwrap_or(&document.title);
    field(
        out,
        "policy",
        format_args!(
            "{} ({}, benefit year {}; {notice})",
            policy.id(),
            policy.region(),
            policy.benefit_year()
        ),
    )?;
    field(
        out,
        "resident",
        format_args!(
            "{}born {}, paid {}",
            resident
                .id
                .as_deref()
                .map_or_else(String::new, |id| format!("{id}: ")),
            resident.birth_date,
            resident.payment_date
        ),
    )?;
    writeln!(out)?;

    match &a.refusal {
        Some(refusal) if a.is_refused() => {
            field(out, "status", format_args!("refused ({})", refusal.code))?;
            field(out, "why", refusal.message)?;
        }
        _ => field(out, "status", a.status.id().to_string())?,
    }
    if a.is_enrolled() {
        let standard = match a.charged_standard {
            Some(charge) => format!(" ({} standard)", charge.id()),
            None => String::new(),
        };
        field(
            out,
            "charged",
            format_args!("{}{standard}", yuan(a.charged)),
        )?;
        let tier = a.tier.map_or_else(
            || "none".to_string(),
            |id| match policy.spec().tiers.iter().find(|t| t.id == id) {
                Some(t) => format!("{id} ({})", t.name),
                None => id.to_string(),
            },
        );
        field(out, "tier", tier)?;
        let paying: Vec<(Funder, rust_decimal::Decimal)> =
            a.subsidies.iter().filter(|(_, x)| !x.is_zero()).collect();
        if paying.is_empty() {
            field(out, "funds pay", "nothing")?;
        }
        for (funder, amount) in paying {
            // A funder the policy declares is named as its declaration names it (村集体).
            let chinese = policy
                .spec()
                .funders
                .iter()
                .find(|f| f.id == funder.id())
                .map_or(funder.chinese(), |f| f.name.as_str());
            field(
                out,
                "fund pays",
                format_args!("{:>12}  {} ({chinese})", yuan(amount), funder.id()),
            )?;
        }
        field(
            out,
            "resident owes",
            format_args!("{:>12}  for {}", yuan(a.owed), policy.benefit_year()),
        )?;
        if let Some(prior) = &a.prior_year_charge {
            field(
                out,
                "prior year",
                format_args!("{:>12}  for {} as well", yuan(prior.amount), prior.year),
            )?;
        }
        if let Some(repair) = &a.repair_charge {
            field(
                out,
                "repair",
                format_args!(
                    "{:>12}  for {} year(s) repaired (缴费修复)",
                    yuan(repair.amount),
                    repair.years
                ),
            )?;
        }
        if a.prior_year_charge.is_some() || a.repair_charge.is_some() {
            field(
                out,
                "total due",
                format_args!("{:>12}", yuan(a.total_due())),
            )?;
        }
    }
    let day = |d: Option<chrono::NaiveDate>| d.map_or_else(|| "—".to_string(), |d| d.to_string());
    if a.benefit_start.is_some() || a.benefit_end.is_some() {
        field(
            out,
            "benefits",
            format_args!("{} to {}", day(a.benefit_start), day(a.benefit_end)),
        )?;
    }
    if a.is_enrolled() {
        let waiting = a.waiting_months.map_or_else(
            || "no wait in months (see the steps)".to_string(),
            |m| format!("{m} month(s)"),
        );
        field(out, "waiting", waiting)?;
    }
    if let Some(raise) = a.ceiling_raise {
        field(
            out,
            "ceiling raise",
            format_args!("{} yuan added to the 大病保险 ceiling", yuan(raise)),
        )?;
    }
    if let Some(step) = a.deciding_step() {
        field(
            out,
            "decided by",
            format_args!("{} [{}]", step.rule, step.citation),
        )?;
    }

    writeln!(out, "\nsteps (» marks the deciding step)")?;
    for (n, step) in a.trace.iter().enumerate() {
        let mark = if step.decides { "»" } else { " " };
        writeln!(out, "{mark} {:>2}. {}: {}", n + 1, step.rule, step.summary)?;
        writeln!(out, "      [{}]", step.citation)?;
    }
    Ok(())
}
