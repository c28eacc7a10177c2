//! Lints policy files: every error and warning at once, with line:column and key path.
//!
//! ```text
//! cargo run --example lint -- policies/*.toml
//! ```
//!
//! Exits with status 1 if any file has an error (warnings alone do not fail).

use std::process::ExitCode;

use urrbmi::Policy;

fn main() -> ExitCode {
    let files: Vec<String> = std::env::args().skip(1).collect();
    if files.is_empty() {
        eprintln!("usage: lint <policy.toml>...");
        return ExitCode::from(2);
    }
    let mut failed = false;
    for file in &files {
        match Policy::lint_path(file) {
            Err(e) => {
                eprintln!("{e}");
                failed = true;
            }
            Ok(findings) if findings.is_empty() => println!("{file}: clean"),
            Ok(findings) => {
                for finding in &findings {
                    println!("{finding}");
                }
                failed |= findings.iter().any(|f| f.is_error());
            }
        }
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
