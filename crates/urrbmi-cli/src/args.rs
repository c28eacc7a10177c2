//! The command line, defined once: every subcommand, option and help text of `urrbmi`.
//!
//! The help that `urrbmi --help` and `urrbmi <command> --help` print is made from these
//! definitions (their doc comments), so what the command accepts and what it says it accepts
//! cannot drift apart.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::assess::MAX_LINE_BYTES;

/// Exit status, for the help texts.
const EXIT_STATUS: &str = "\
Exit status: 0 when everything was evaluated (a refusal is an answer), 1 when some lines, rows,
files or cases were bad, 2 on a usage error or a policy (or other input) that cannot be read.";

/// China's urban-rural resident medical insurance (城乡居民医保) rules: assess residents, check
/// rosters, simulate regions, compare, lint and test policy files.
#[derive(Debug, Parser)]
#[command(
    name = "urrbmi",
    version,
    arg_required_else_help = true,
    after_help = EXIT_STATUS,
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Residents in as JSON lines, assessments out as JSON lines, in order.
    #[command(long_about = ASSESS_ABOUT)]
    Assess(AssessArgs),
    /// Evaluate a roster (台账; .xlsx, .xls or CSV): a summary on standard output, results per row.
    #[command(long_about = ROSTER_ABOUT, after_help = ROSTER_EXIT)]
    Roster(RosterArgs),
    /// Project a region from a scenario: a seeded synthetic roster, evaluated and summarized.
    #[command(long_about = SIMULATE_ABOUT)]
    Simulate(SimulateArgs),
    /// Run a roster under a policy and under the policy with an overlay, and compare.
    #[command(long_about = WHATIF_ABOUT, after_help = WHATIF_EXIT)]
    Whatif(WhatifArgs),
    /// What changed between two policies, or why one resident's answer differs.
    #[command(long_about = DIFF_ABOUT)]
    Diff(DiffArgs),
    /// Check policy files: every error and warning at once, with line:column and key path.
    #[command(after_help = LINT_EXIT)]
    Lint(LintArgs),
    /// One resident's decision as a readable report, each step with its citation.
    #[command(long_about = EXPLAIN_ABOUT, after_help = EXPLAIN_EXIT)]
    Explain(ExplainArgs),
    /// The built-in policies: id, region, benefit year, document, standards, window.
    Policies(PoliciesArgs),
    /// Run golden cases (the format of tests/cases/README.md) against a policy file.
    #[command(long_about = TEST_ABOUT, after_help = TEST_EXIT)]
    Test(TestArgs),
    /// Serve the rules over HTTP: a JSON API (/v1), its OpenAPI document, a calculator page.
    #[command(long_about = SERVE_ABOUT, after_help = SERVE_EXIT)]
    Serve(ServeArgs),
}

/// The long help of `urrbmi assess`.
const ASSESS_ABOUT: &str = "Residents in as JSON lines, assessments out as JSON lines, in order.\n\n\
Each input line is one resident: a JSON object with the fields of the data contract \
(docs/contract.md); absent optional fields take their defaults. Each output line carries the \
input's physical line number (1-based) and the resident's id (or null):\n\n  \
{\"line\":3,\"id\":\"r-1\",\"policy\":\"ziyang-2021\",\"status\":\"enrolled\",...}\n\n\
A line that cannot be assessed gives an error line, and the run goes on:\n\n  \
{\"error\":{\"line\":4,\"id\":null,\"kind\":\"invalid_resident\",\"message\":\"...\"}}\n\n\
kind is one of: invalid_resident (not JSON, or not a resident), evaluation (a resident that \
makes no sense, such as a payment before birth), not_utf8, too_long. Blank lines are skipped \
and keep the numbering. A line may hold at most 1 MiB (1,048,576 bytes, without its newline); \
a longer line is an error line, not read whole.\n\n\
Exit status: 0 when every line was assessed (a refusal is an answer), 1 when some line erred, \
2 on a usage error or a policy that cannot be read.";

/// The long help of `urrbmi roster`.
const ROSTER_ABOUT: &str = "Evaluate a roster (台账): print the summary as tables, write per-row results.\n\n\
The roster may be an Excel workbook (.xlsx or .xls; the first sheet, or --sheet) or CSV in \
UTF-8 (with or without a byte-order mark), GB18030/GBK (what Chinese Excel saves as \"CSV\") or \
UTF-16; the format and encoding are detected per file and named in the summary. Title rows \
above the heading row are skipped; blank rows are skipped and counted.\n\n\
Headings may be English (the fields of the data contract, docs/contract.md) or Chinese (姓名, \
身份证号, 户属性, 出生日期, 缴费日期, 乡镇, 人员类别, ...). Nothing is dropped silently: a heading \
that resembles one read (人员类型 for 人员类别, 缴费时间 for 缴费日期) stops the run with a \
suggestion unless it is mapped (--map 人员类型=categories) or ignored (--ignore 所属乡镇); \
headings carrying no rule input (序号, 性别, 联系电话, 备注, ...) are carried to the output; any \
other heading is listed in the summary as not read; a roster without a category column says so \
in the summary.\n\n\
A row that cannot be read or evaluated is reported with its line (the physical line of the \
file, or the sheet's row number), its column and the fix, and the rest go on; the problems are \
counted by kind, column and group. The headline counts every row: evaluated (enrolled or \
refused), not readable, not evaluable. A progress bar shows on standard error for long CSV \
rosters when it is a terminal.";

/// The exit status of `urrbmi roster`.
const ROSTER_EXIT: &str = "Exit status: 0 when every row was evaluated, 1 when some rows were bad, 2 when \
the roster or the policy could not be read.";

/// The long help of `urrbmi simulate`.
const SIMULATE_ABOUT: &str = "Province-scale projection: generate a seeded synthetic roster from a scenario, \
evaluate it, and print the projected revenue and subsidy spend by funder, tier and township.\n\n\
The populations of the shipped scenarios come from the notices; their category shares, ages \
and payment dates are assumptions (each file says so). Timings go to standard error.";

/// The long help of `urrbmi whatif`.
const WHATIF_ABOUT: &str = "What if: run a roster under a base policy and under the same policy with an \
overlay, and report the difference in what residents pay and what each fund spends, in total, \
by refusal, by category and by tier.\n\n\
Rows of the roster that cannot be read are reported on standard error and left out of both \
runs alike.";

/// The exit status of `urrbmi whatif`.
const WHATIF_EXIT: &str = "Exit status: 0 when every row was read and evaluated under both policies, 1 \
when some were not, 2 when the overlay, a policy, the roster or the scenario could not be read.";

/// The long help of `urrbmi diff`.
const DIFF_ABOUT: &str = "What changed between two policies, side by side; and, with --resident, why one \
resident's answer differs between them (explain_change).\n\n\
When the policies are for different benefit years, the resident is moved to the same situation \
in B's year (every date shifted by the difference) unless --same-dates is given.";

/// The exit status of `urrbmi lint`.
const LINT_EXIT: &str = "Exit status: 0 when no file has an error (warnings alone do not fail), \
1 when some file has an error or cannot be read, 2 on a usage error.";

/// The long help of `urrbmi explain`.
const EXPLAIN_ABOUT: &str = "One resident's decision as a readable report: the status, what the resident owes \
and what each fund pays, the dates, any waiting months, repair or ceiling raise, and every step \
of the decision with its citation, the deciding step marked.";

/// The exit status of `urrbmi explain`.
const EXPLAIN_EXIT: &str = "Exit status: 0 when the resident was assessed (a refusal is an answer), 1 when \
the resident cannot be read or evaluated, 2 on a usage error or a policy that cannot be read.";

/// The long help of `urrbmi test`.
const TEST_ABOUT: &str = "Run golden cases against a policy: for a policy author, no Rust needed.\n\n\
The case file has the format of tests/cases/README.md: [[case]] tables with a name, a clause, \
a resident and [case.expect] (status, rule, tier, and optionally trace, clause_contains, \
message_contains, refusal, charged, owed, subsidies, benefit_start, benefit_end, \
prior_year_charge, charged_standard, waiting_months, repair_charge, ceiling_raise). Each case \
that differs is reported with every difference and its trace, then a summary line.";

/// The exit status of `urrbmi test`.
const TEST_EXIT: &str = "Exit status: 0 when every case passes, 1 when some case differs, 2 on a usage \
error or a policy or case file that cannot be read.";

/// The long help of `urrbmi serve`.
const SERVE_ABOUT: &str = "Serve the rules over HTTP, for desks and systems not written in Rust.\n\n\
Endpoints: POST /v1/assess?policy=ID (one resident as a JSON object, many as a JSON array, or \
JSON lines with Content-Type: application/x-ndjson; the answers of `urrbmi assess`, each with its \
index or line and id), GET /v1/policies, GET /v1/policies/ID (metadata, window, standards, \
tiers, the source TOML), GET /v1/vocabulary, POST /v1/lint (a policy file in the body), \
POST /v1/roster?policy=ID (a CSV roster in the body: the summary and the annotated roster), \
GET /openapi.json. Errors are RFC 9457 problem details (application/problem+json). The \
calculator page is at /.\n\n\
Safe by default: it listens on 127.0.0.1 only; every limit below applies to every request; no \
path from a request reaches the file system (policies are the built-ins, or the body of \
/v1/lint); CORS is off unless --cors-origin is given; SIGTERM or Ctrl-C stops it after \
answering the requests in flight (connections still open a second past the timeout are \
dropped); each request is logged on a line of standard error.";

/// The exit status of `urrbmi serve`.
const SERVE_EXIT: &str = "Exit status: 0 after a graceful shutdown, 2 when the address cannot be listened \
on or a flag is bad.";

/// `urrbmi serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address to listen on; 0.0.0.0:PORT (or [::]:PORT) listens on every interface.
    #[arg(long, value_name = "IP:PORT", default_value = "127.0.0.1:8080")]
    pub addr: std::net::SocketAddr,
    /// The largest body of /v1/assess and /v1/lint (bytes, or with KiB, MiB, GiB).
    #[arg(long, value_name = "SIZE", default_value = "8MiB", value_parser = size)]
    pub max_body: usize,
    /// The largest roster upload to /v1/roster.
    #[arg(long, value_name = "SIZE", default_value = "64MiB", value_parser = size)]
    pub max_roster_body: usize,
    /// The most residents one /v1/assess request may hold (array elements or non-blank lines).
    #[arg(long, value_name = "N", default_value = "10_000", value_parser = whole_usize)]
    pub max_batch: usize,
    /// The most rows one roster upload may hold.
    #[arg(long, value_name = "N", default_value = "500_000", value_parser = whole_usize)]
    pub max_roster_rows: usize,
    /// How long a request may take, waiting for a slot included (30s, 500ms, 2min).
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = duration)]
    pub timeout: std::time::Duration,
    /// How many requests are handled at once; more wait for a slot, within the timeout.
    #[arg(long, value_name = "N", default_value = "16", value_parser = whole_usize)]
    pub max_concurrent: usize,
    /// How many connections are open at once; more wait in the system's queue. A connection
    /// that sends no complete request head within the timeout is closed.
    #[arg(long, value_name = "N", default_value = "512", value_parser = whole_usize)]
    pub max_connections: usize,
    /// Allow pages of this origin (https://host[:port]) to call the API; repeat for more, `*`
    /// for any. Off by default: only the server's own page.
    #[arg(long = "cors-origin", value_name = "ORIGIN")]
    pub cors_origins: Vec<String>,
    /// Write no request log.
    #[arg(long)]
    pub quiet: bool,
}

/// A size: bytes, or with KiB, MiB, GiB.
fn size(text: &str) -> Result<usize, String> {
    urrbmi_serve::config::parse_bytes(text).map_err(|e| e.to_string())
}

/// A duration: 30s, 500ms, 2min.
fn duration(text: &str) -> Result<std::time::Duration, String> {
    urrbmi_serve::config::parse_duration(text)
}

/// A whole number, digits optionally grouped by `_`.
fn whole_usize(text: &str) -> Result<usize, String> {
    whole_number(text).and_then(|n| usize::try_from(n).map_err(|e| e.to_string()))
}

/// `urrbmi assess`.
#[derive(Debug, Args)]
pub struct AssessArgs {
    /// A built-in policy id (see `urrbmi policies`) or a policy file.
    #[arg(short, long, value_name = "ID_OR_PATH")]
    pub policy: String,
    /// The JSON-lines file (one resident a line, at most 1 MiB a line); standard input when
    /// absent or `-`.
    #[arg(value_name = "FILE")]
    pub input: Option<PathBuf>,
}

const _: () = assert!(MAX_LINE_BYTES == 1 << 20, "the help text says 1 MiB");

/// How a roster file is read: shared by `urrbmi roster` and `urrbmi whatif`.
#[derive(Debug, Args, Clone, Default)]
pub struct RosterInput {
    /// The sheet of a workbook to read (default: the first).
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
    /// The text encoding of a CSV file (utf-8, gb18030, gbk, utf-16le, utf-16be); default:
    /// detected (a byte-order mark, else UTF-8 if the text is UTF-8, else GB18030).
    #[arg(long, value_name = "LABEL")]
    pub encoding: Option<String>,
    /// Read the column headed HEADING as FIELD (an English field name or any heading accepted
    /// for it): `--map 人员类型=categories`. May be repeated.
    #[arg(long = "map", value_name = "HEADING=FIELD")]
    pub map: Vec<String>,
    /// Neither read nor warn about the column headed HEADING (it is carried to the output).
    /// May be repeated.
    #[arg(long = "ignore", value_name = "HEADING")]
    pub ignore: Vec<String>,
    /// A mapping file (TOML): `ignore = ["所属乡镇"]` and a `[map]` table of
    /// `"人员类型" = "categories"`.
    #[arg(long, value_name = "FILE")]
    pub mapping: Option<PathBuf>,
}

/// The language of the result headings of `urrbmi roster --annotated`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Headings {
    /// Chinese when the roster's headings are, else English.
    Auto,
    /// 应缴金额, 财政资助, 医疗救助, 待遇起始日, 决定条款, 错误, ...
    Zh,
    /// owed, fiscal, medical_assistance, benefit_start, deciding_rule, error, ...
    En,
}

/// `urrbmi roster`.
#[derive(Debug, Args)]
pub struct RosterArgs {
    /// A built-in policy id or a policy file.
    #[arg(short, long, value_name = "ID_OR_PATH")]
    pub policy: String,
    /// The roster: an Excel workbook (.xlsx, .xls) or CSV (UTF-8, GB18030/GBK or UTF-16).
    #[arg(value_name = "FILE")]
    pub roster: PathBuf,
    /// How to read it.
    #[command(flatten)]
    pub input: RosterInput,
    /// Write one result row per roster row (CSV; bad rows carry their error).
    #[arg(short, long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Write the roster back as it came, every row and column, with the result columns
    /// appended (应缴金额, 财政资助, 医疗救助, 优抚资金, a column for each funder the policy
    /// declares such as 村集体, 待遇起始日, 决定条款, 错误): a workbook when FILE ends in .xlsx,
    /// else CSV in UTF-8 with a byte-order mark (Excel opens it as such).
    #[arg(long, value_name = "FILE")]
    pub annotated: Option<PathBuf>,
    /// The language of the result headings of --annotated.
    #[arg(long, value_enum, value_name = "LANG", default_value_t = Headings::Auto)]
    pub headings: Headings,
    /// Write the summary as JSON.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Group the summary by this column (default: the township column, 乡镇, if any). Give it
    /// again to group by several columns: `--group 乡镇 --group 村`.
    #[arg(long, visible_alias = "group-by", value_name = "HEADING")]
    pub group: Vec<String>,
    /// Don't group the summary, not even by township.
    #[arg(long, conflicts_with = "group")]
    pub no_group: bool,
    /// List the summary's groups in the order of this scenario's townships (the notice's
    /// order, e.g. scenarios/ziyang-2021.toml); groups it does not name come after, by name.
    #[arg(long, value_name = "SCENARIO", conflicts_with = "no_group")]
    pub group_order: Option<PathBuf>,
    /// Evaluate on one thread.
    #[arg(long)]
    pub single_thread: bool,
    /// List at most N bad rows (all are counted, and all are in the results file).
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub max_errors: usize,
}

/// `urrbmi simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// The scenario file (TOML).
    #[arg(value_name = "SCENARIO")]
    pub scenario: PathBuf,
    /// Scale the townships to N residents in all (default: the scenario's; `_` may group digits).
    #[arg(long, value_name = "N", value_parser = whole_number)]
    pub population: Option<u64>,
    /// Override the scenario's seed.
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// The bar chart of spend by funder per township (default: `simulate-<policy>.svg`; `-` for none).
    #[arg(long, value_name = "PATH|-")]
    pub svg: Option<String>,
    /// Also write the synthetic roster as CSV (readable by `urrbmi roster`).
    #[arg(long, value_name = "PATH")]
    pub write_roster: Option<PathBuf>,
    /// Also write the summary as JSON.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Evaluate on one thread.
    #[arg(long)]
    pub single_thread: bool,
}

/// `urrbmi whatif`.
#[derive(Debug, Args)]
pub struct WhatifArgs {
    /// The overlay (TOML): the change to try.
    #[arg(long, value_name = "FILE")]
    pub overlay: PathBuf,
    /// The roster to run (a workbook or CSV, as `urrbmi roster` reads them).
    #[arg(
        value_name = "ROSTER",
        required_unless_present = "scenario",
        conflicts_with = "scenario"
    )]
    pub roster: Option<PathBuf>,
    /// How to read the roster.
    #[command(flatten)]
    pub input: RosterInput,
    /// Instead of a roster, a scenario's synthetic roster.
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
    /// With --scenario: scale it to N residents in all.
    #[arg(long, value_name = "N", value_parser = whole_number, requires = "scenario")]
    pub population: Option<u64>,
    /// The base policy (built-in id or file); default: the overlay's `base`.
    #[arg(short, long, value_name = "ID_OR_PATH")]
    pub policy: Option<String>,
    /// Write both summaries as JSON.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

/// `urrbmi diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The first policy (built-in id or file).
    #[arg(value_name = "A")]
    pub a: String,
    /// The second policy (built-in id or file).
    #[arg(value_name = "B")]
    pub b: String,
    /// Show only the rows that changed.
    #[arg(long)]
    pub changed_only: bool,
    /// Explain the change for this resident: JSON text, a JSON or TOML file, or `-` for standard input.
    #[arg(long, value_name = "JSON|FILE")]
    pub resident: Option<String>,
    /// With --resident: keep the resident's dates under B.
    #[arg(long, requires = "resident")]
    pub same_dates: bool,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `urrbmi lint`.
#[derive(Debug, Args)]
pub struct LintArgs {
    /// The policy files (TOML).
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    /// One line per finding (`file:line:column at `key`: error: what; expected`), for scripts
    /// and editors, instead of the offending line with a caret.
    #[arg(long)]
    pub short: bool,
}

/// `urrbmi explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A built-in policy id or a policy file.
    #[arg(short, long, value_name = "ID_OR_PATH")]
    pub policy: String,
    /// The resident: JSON text, a JSON or TOML file, or `-` for standard input.
    #[arg(value_name = "RESIDENT")]
    pub resident: String,
    /// Print the assessment as one JSON line (as `urrbmi assess` does) instead of the report.
    #[arg(long)]
    pub json: bool,
}

/// `urrbmi policies`.
#[derive(Debug, Args)]
pub struct PoliciesArgs {
    /// Print a JSON array instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `urrbmi test`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// The policy: a policy file (or a built-in id).
    #[arg(value_name = "POLICY")]
    pub policy: String,
    /// The case file (TOML).
    #[arg(value_name = "CASES")]
    pub cases: PathBuf,
}

/// A whole number, digits optionally grouped by `_` (`350_000`).
fn whole_number(text: &str) -> Result<u64, String> {
    text.replace('_', "")
        .parse()
        .map_err(|_| format!("`{text}` is not a whole number"))
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }

    #[test]
    fn the_serve_defaults_are_the_library_defaults() {
        use clap::Parser;
        let Ok(super::Cli {
            command: super::Command::Serve(args),
        }) = super::Cli::try_parse_from(["urrbmi", "serve"])
        else {
            panic!("urrbmi serve parses")
        };
        let limits = urrbmi_serve::Limits::default();
        assert_eq!(args.addr, urrbmi_serve::DEFAULT_ADDR);
        assert_eq!(args.max_body, limits.max_body);
        assert_eq!(args.max_roster_body, limits.max_roster_body);
        assert_eq!(args.max_batch, limits.max_batch);
        assert_eq!(args.max_roster_rows, limits.max_roster_rows);
        assert_eq!(args.timeout, limits.timeout);
        assert_eq!(args.max_concurrent, limits.max_concurrent);
        assert_eq!(args.max_connections, limits.max_connections);
        assert!(args.cors_origins.is_empty());
    }

    #[test]
    fn whole_numbers_may_group_digits() {
        assert_eq!(super::whole_number("350_000"), Ok(350_000));
        assert!(super::whole_number("3.5").is_err());
    }
}
