//! The `urrbmi` command: assess residents (JSON lines), check rosters, simulate regions, try
//! overlays, compare, lint and test policy files.
//!
//! The arguments are defined once, in [`args`]; each subcommand lives in its own module, and
//! what they share (exit status, errors, standard output, tables) in [`output`].

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod args;
mod assess;
mod diff;
mod explain;
mod input;
mod lint;
mod output;
mod policies;
mod roster;
mod serve;
mod simulate;
mod test;
mod whatif;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version on standard output with exit 0, usage errors on standard error
            // with exit 2; a closed pipe is no reason to panic.
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    output::finish(match cli.command {
        Command::Assess(args) => assess::run(args),
        Command::Roster(args) => roster::run(args),
        Command::Simulate(args) => simulate::run(args),
        Command::Whatif(args) => whatif::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Lint(args) => lint::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Policies(args) => policies::run(args),
        Command::Test(args) => test::run(args),
        Command::Serve(args) => serve::run(args),
    })
}
