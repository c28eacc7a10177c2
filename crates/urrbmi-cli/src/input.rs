//! Reading what the subcommands are given: policies and single residents.

use std::io::Read;
use std::path::Path;

use urrbmi::{Policy, Resident};

use crate::output::{Error, Result, fatal};

/// A built-in policy id or a policy file; a policy that cannot be loaded is fatal (exit 2).
pub fn policy(id_or_path: &str) -> Result<std::borrow::Cow<'static, Policy>> {
    Policy::from_id_or_path(id_or_path).map_err(fatal)
}

/// One resident, from JSON text (an argument starting with `{`), a JSON or TOML file (TOML when
/// its name ends in `.toml`), or standard input (`-`, JSON).
///
/// A file that cannot be read is fatal (exit 2); a resident that does not read is bad input
/// (exit 1).
pub fn resident(arg: &str) -> Result<Resident> {
    let (text, label, toml) = if arg.trim_start().starts_with('{') {
        (arg.to_string(), "resident".to_string(), false)
    } else if arg == "-" {
        let mut text = String::new();
        std::io::stdin()
            .lock()
            .read_to_string(&mut text)
            .map_err(|e| fatal(format!("cannot read the resident from standard input: {e}")))?;
        (text, "standard input".to_string(), false)
    } else {
        let path = Path::new(arg);
        let text = std::fs::read_to_string(path)
            .map_err(|e| fatal(format!("cannot read resident file {arg}: {e}")))?;
        let toml = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
        (text, arg.to_string(), toml)
    };
    let read = if toml {
        Resident::from_toml_str(&text)
    } else {
        Resident::from_json(&text)
    };
    read.map_err(|e| Error::Bad(format!("{label}: {e}")))
}

/// The reading options of a roster: `--sheet`, `--encoding`, `--map`, `--ignore`, `--mapping`;
/// a `--map` without `=`, a field no column can hold or a mapping file that does not read is
/// a usage error (exit 2).
pub fn roster_options(
    input: &crate::args::RosterInput,
) -> Result<urrbmi_analysis::roster::RosterOptions> {
    use urrbmi_analysis::roster::RosterOptions;
    let mut options = RosterOptions {
        sheet: input.sheet.clone(),
        encoding: input.encoding.clone(),
        ..RosterOptions::default()
    };
    for pair in &input.map {
        options = options
            .map_pair(pair)
            .map_err(|e| fatal(format!("--map {e}")))?;
    }
    for heading in &input.ignore {
        options = options.ignore(heading.trim());
    }
    if let Some(path) = &input.mapping {
        options = options.mapping_file(path).map_err(fatal)?;
    }
    Ok(options)
}
