//! The machine interface: residents in as JSON lines, assessments out as JSON lines.
//!
//! ```text
//! cargo run --example assess -- --policy <id-or-path> [FILE]
//! ```
//!
//! Reads one resident per line (the fields of the data contract, `docs/contract.md`; absent optional fields take
//! their defaults) from FILE, or from standard input when FILE is absent or `-`. Writes one line
//! per input line, in order: the serialized [`urrbmi::Assessment`], or
//! `{"error": {"line": N, "kind": "...", "message": "..."}}` for a line that could not be read or
//! evaluated. Blank lines are skipped. Exits with status 1 if any line erred, 2 on a usage or
//! policy error.

use std::io::{self, BufRead, BufWriter, Write};
use std::process::ExitCode;

use serde_json::json;
use urrbmi::{Policy, Resident, evaluate};

const USAGE: &str = "usage: assess --policy <id-or-path> [FILE]";

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(message) => {
            eprintln!("assess: {message}");
            ExitCode::from(2)
        }
    }
}

/// Processes all lines; `Ok(false)` if any line erred.
fn run() -> Result<bool, String> {
    let mut policy_arg = None;
    let mut file = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--policy" | "-p" => policy_arg = args.next(),
            "--help" | "-h" => {
                println!(
                    "{USAGE}\nbuilt-in policies: {}",
                    Policy::builtin_ids().collect::<Vec<_>>().join(", ")
                );
                return Ok(true);
            }
            other if other.starts_with("--policy=") => {
                policy_arg = other.strip_prefix("--policy=").map(str::to_string);
            }
            other if file.is_none() => file = Some(other.to_string()),
            other => return Err(format!("unexpected argument `{other}`\n{USAGE}")),
        }
    }
    let policy_arg = policy_arg.ok_or_else(|| format!("--policy is required\n{USAGE}"))?;
    let policy = Policy::from_id_or_path(&policy_arg).map_err(|e| e.to_string())?;

    let input: Box<dyn BufRead> = match file.as_deref() {
        None | Some("-") => Box::new(io::stdin().lock()),
        Some(path) => Box::new(io::BufReader::new(
            std::fs::File::open(path).map_err(|e| format!("cannot open {path}: {e}"))?,
        )),
    };
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut all_ok = true;
    for (index, line) in input.lines().enumerate() {
        let number = index + 1;
        let line = line.map_err(|e| format!("cannot read line {number}: {e}"))?;
        if line.trim().is_empty() {
            continue;
        }
        let result = match Resident::from_json(&line) {
            Err(e) => Err(json!({"line": number, "kind": "invalid_resident", "message": e.to_string()})),
            Ok(resident) => evaluate(&policy, &resident).map_err(|e| {
                json!({"line": number, "kind": "evaluation", "id": resident.id, "message": e.to_string()})
            }),
        };
        let written = match result {
            Ok(assessment) => {
                serde_json::to_writer(&mut out, &assessment).map_err(|e| e.to_string())
            }
            Err(error) => {
                all_ok = false;
                serde_json::to_writer(&mut out, &json!({ "error": error }))
                    .map_err(|e| e.to_string())
            }
        };
        written?;
        writeln!(out).map_err(|e| e.to_string())?;
    }
    out.flush().map_err(|e| e.to_string())?;
    Ok(all_ok)
}
