//! A roster check through the API: read a county roster (CSV, Chinese headings), evaluate every
//! row against a policy, and report what the county will collect, what each fund pays, and every
//! row that could not be read, with its line and column.
//!
//! ```text
//! cargo run -p urrbmi-analysis --example roster_check
//! ```

use urrbmi::{Funder, Policy};
use urrbmi_analysis::Batch;
use urrbmi_analysis::roster::RosterReader;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let policy = Policy::builtin("ziyang-2021")?;
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/rosters/sample-zh.csv");
    let mut reader = RosterReader::from_path(path)?;
    let roster = reader.read_all()?;

    let summary = Batch::new(policy).summarize(&roster.residents)?;
    let totals = &summary.totals;
    println!(
        "{}: {} rows read, {} enrolled, {} refused, {} unreadable",
        path.rsplit('/').next().unwrap_or(path),
        roster.residents.len(),
        totals.enrolled,
        totals.refused,
        roster.errors.len()
    );
    println!("residents pay   {} yuan", totals.total_due());
    for funder in Funder::ALL {
        println!("{:<14}  {} yuan", funder.chinese(), totals.subsidy(funder));
    }
    for error in &roster.errors {
        println!(
            "line {}, column {}: {}",
            error.line, error.column, error.problem
        );
    }
    Ok(())
}
