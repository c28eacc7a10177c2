//! The `urrbmi` command, run as a user runs it: the built binary, its exit status, standard
//! output and standard error.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

const BIN: &str = env!("CARGO_BIN_EXE_urrbmi");

/// A file of the repository (the workspace root is two folders up).
fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

/// A fresh path in the temporary folder, unique to this process and call.
fn temp(name: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("urrbmi-cli-test-{}-{n}-{name}", std::process::id()))
}

/// Runs `urrbmi` with `args` and `stdin`.
fn run_with(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut input = child.stdin.take().expect("stdin is piped");
    let stdin = stdin.to_vec();
    // Written from a thread, so a large input cannot block against unread output.
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&stdin);
    });
    let output = child.wait_with_output().expect("the binary runs");
    writer.join().expect("the writer ends");
    output
}

fn run(args: &[&str]) -> Output {
    run_with(args, b"")
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("exited, not killed")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("standard output is UTF-8")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn json_lines(output: &Output) -> Vec<serde_json::Value> {
    stdout(output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

const SUBCOMMANDS: [&str; 9] = [
    "assess", "roster", "simulate", "whatif", "diff", "lint", "explain", "policies", "test",
];

mod help_and_usage {
    use super::*;

    #[test]
    fn help_goes_to_stdout_with_exit_0() {
        for args in [&["--help"][..], &["-h"], &["help"]] {
            let out = run(args);
            assert_eq!(code(&out), 0, "{args:?}: {}", stderr(&out));
            assert!(stdout(&out).contains("Usage: urrbmi <COMMAND>"), "{args:?}");
            assert!(out.stderr.is_empty(), "{args:?}: {}", stderr(&out));
            for sub in SUBCOMMANDS {
                assert!(stdout(&out).contains(sub), "{args:?} lists {sub}");
            }
        }
        let out = run(&["--version"]);
        assert_eq!(code(&out), 0);
        assert!(stdout(&out).starts_with("urrbmi "));
    }

    #[test]
    fn every_subcommand_has_help_on_stdout_with_exit_0() {
        for sub in SUBCOMMANDS {
            for flag in ["--help", "-h"] {
                let out = run(&[sub, flag]);
                assert_eq!(code(&out), 0, "{sub} {flag}: {}", stderr(&out));
                assert!(
                    stdout(&out).contains(&format!("Usage: urrbmi {sub}")),
                    "{sub} {flag}: {}",
                    stdout(&out)
                );
                assert!(out.stderr.is_empty(), "{sub} {flag}: {}", stderr(&out));
            }
        }
    }

    #[test]
    fn assess_help_documents_the_line_limit() {
        let out = run(&["assess", "--help"]);
        assert!(stdout(&out).contains("1 MiB"), "{}", stdout(&out));
        assert!(stdout(&out).contains("too_long"));
    }

    #[test]
    fn usage_errors_exit_2_on_stderr() {
        let cases: [&[&str]; 12] = [
            &[],
            &["frobnicate"],
            &["assess"],
            &["assess", "--policy", "ziyang-2021", "--no-such-flag"],
            &["roster", "--policy", "ziyang-2021"],
            &["simulate"],
            &["simulate", "x.toml", "--population", "many"],
            &["whatif", "--overlay", "o.toml"],
            &["diff", "changsha-2021"],
            &["lint"],
            &["explain", "--policy", "ziyang-2021"],
            &["test", "policy.toml"],
        ];
        for args in cases {
            let out = run(args);
            assert_eq!(code(&out), 2, "{args:?}: {}", stdout(&out));
            assert!(out.stdout.is_empty(), "{args:?}: {}", stdout(&out));
            assert!(!out.stderr.is_empty(), "{args:?}");
        }
        let out = run(&["policies", "--yaml"]);
        assert_eq!(code(&out), 2);
    }

    #[test]
    fn a_policy_that_cannot_be_loaded_exits_2_with_its_reason() {
        let out = run_with(&["assess", "--policy", "atlantis-2021"], b"");
        assert_eq!(code(&out), 2);
        assert!(out.stdout.is_empty());
        let err = stderr(&out);
        assert!(err.starts_with("urrbmi: "), "{err}");
        assert!(err.contains("ziyang-2021"), "lists the built-in ids: {err}");
    }
}

mod assess {
    use super::*;

    pub const GOOD: &str = r#"{"id":"r-1","birth_date":"1966-04-02","payment_date":"2020-11-03","categories":[{"kind":"低保对象"}]}"#;

    #[test]
    fn good_lines_give_assessments_with_line_and_id_in_order() {
        let input = format!(
            "{GOOD}\n{}\n",
            r#"{"birth_date":"1980-05-01","payment_date":"2020-10-15"}"#
        );
        let out = run_with(&["assess", "--policy", "ziyang-2021"], input.as_bytes());
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let lines = json_lines(&out);
        assert_eq!(lines.len(), 2);
        let first = &lines[0];
        assert_eq!(first["line"], 1);
        assert_eq!(first["id"], "r-1");
        assert_eq!(first["policy"], "ziyang-2021");
        assert_eq!(first["status"], "enrolled");
        assert_eq!(first["owed"], "140");
        assert_eq!(first["subsidies"]["medical_assistance"], "140");
        assert!(first["trace"].as_array().is_some_and(|t| !t.is_empty()));
        assert_eq!(lines[1]["line"], 2);
        assert!(lines[1]["id"].is_null());
        // line and id come first.
        assert!(stdout(&out).starts_with(r#"{"line":1,"id":"r-1","#));
    }

    #[test]
    fn a_refusal_is_an_answer_with_exit_0() {
        let input = r#"{"id":"late","birth_date":"1990-01-01","payment_date":"2022-03-01"}"#;
        let out = run_with(&["assess", "-p", "hunan-2022"], input.as_bytes());
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let lines = json_lines(&out);
        assert_eq!(lines[0]["status"], "refused");
        assert_eq!(lines[0]["refusal"]["code"], "outside_window");
        assert_eq!(lines[0]["id"], "late");
    }

    #[test]
    fn bad_lines_get_their_own_error_lines_and_the_run_goes_on() {
        let mut input = Vec::new();
        input.extend_from_slice(GOOD.as_bytes()); // 1
        input.extend_from_slice(b"\n\n   \n"); // 2, 3 blank
        input.extend_from_slice(b"this is not json\n"); // 4
        input.extend_from_slice(
            br#"{"id":"early","birth_date":"1980-05-01","payment_date":"1970-10-15"}"#,
        ); // 5
        input.push(b'\n');
        input.extend_from_slice(br#"{"id":"typo","birthdate":"1980-05-01"}"#); // 6
        input.push(b'\n');
        input.extend_from_slice(br#"{"id":"latin1","name":"caf"#); // 7: not UTF-8
        input.push(0xE9);
        input.extend_from_slice(br#"","birth_date":"1980-05-01","payment_date":"2020-10-15"}"#);
        input.push(b'\n');
        input.extend_from_slice(br#"{"id":""#); // 8: over 1 MiB
        input.extend(std::iter::repeat_n(b'x', (1 << 20) + 10));
        input.extend_from_slice(b"\"}\n");
        input.extend_from_slice(
            br#"{"id":"last","birth_date":"1980-05-01","payment_date":"2020-10-15"}"#,
        ); // 9, no final newline
        let out = run_with(&["assess", "--policy", "ziyang-2021", "-"], &input);
        assert_eq!(code(&out), 1, "{}", stderr(&out));
        let lines = json_lines(&out);
        let summary: Vec<(u64, String, String)> = lines
            .iter()
            .map(|l| {
                let (body, kind) = match l.get("error") {
                    Some(e) => (e, e["kind"].as_str().unwrap_or("?").to_string()),
                    None => (l, "assessed".to_string()),
                };
                let id = body["id"].as_str().map_or("null".into(), str::to_string);
                (body["line"].as_u64().unwrap_or(0), id, kind)
            })
            .collect();
        let expected: Vec<(u64, String, String)> = [
            (1, "r-1", "assessed"),
            (4, "null", "invalid_resident"),
            (5, "early", "evaluation"),
            (6, "typo", "invalid_resident"),
            (7, "latin1", "not_utf8"),
            (8, "null", "too_long"),
            (9, "last", "assessed"),
        ]
        .into_iter()
        .map(|(n, id, kind)| (n, id.to_string(), kind.to_string()))
        .collect();
        assert_eq!(summary, expected);
        let errors: Vec<&serde_json::Value> = lines.iter().filter_map(|l| l.get("error")).collect();
        for error in &errors {
            assert!(
                error["message"].as_str().is_some_and(|m| !m.is_empty()),
                "{error}"
            );
        }
        assert!(
            errors[2]["message"]
                .as_str()
                .unwrap()
                .contains("birth_date")
        );
        assert!(errors[4]["message"].as_str().unwrap().contains("1 MiB"));
        assert!(!stderr(&out).contains("panicked"));
    }

    #[test]
    fn each_answer_comes_as_soon_as_its_line_is_sent() {
        let mut child = Command::new(BIN)
            .args(["assess", "--policy", "ziyang-2021"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut input = child.stdin.take().unwrap();
        let mut output = BufReader::new(child.stdout.take().unwrap());
        let (send, answers) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            let mut line = String::new();
            while output.read_line(&mut line).is_ok_and(|n| n > 0) {
                let _ = send.send(std::mem::take(&mut line));
            }
        });
        for n in 1..=3 {
            writeln!(input, "{GOOD}").unwrap();
            input.flush().unwrap();
            // The input stays open: the answer must come without waiting for more.
            let answer = answers
                .recv_timeout(std::time::Duration::from_secs(20))
                .expect("an answer before the next line is sent");
            assert!(
                answer.starts_with(&format!(r#"{{"line":{n},"id":"r-1""#)),
                "{answer}"
            );
        }
        drop(input);
        assert!(child.wait().unwrap().success());
        reader.join().unwrap();
    }

    #[test]
    fn a_file_is_read_like_stdin_and_a_missing_file_exits_2() {
        let path = temp("residents.jsonl");
        std::fs::write(&path, format!("{GOOD}\r\n")).unwrap();
        let out = run(&["assess", "--policy", "ziyang-2021", path.to_str().unwrap()]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        assert_eq!(json_lines(&out)[0]["id"], "r-1");
        std::fs::remove_file(&path).unwrap();

        let out = run(&["assess", "--policy", "ziyang-2021", path.to_str().unwrap()]);
        assert_eq!(code(&out), 2);
        assert!(
            stderr(&out).starts_with("urrbmi: cannot open"),
            "{}",
            stderr(&out)
        );
    }

    #[test]
    fn a_policy_file_can_be_given_by_path() {
        let policy = repo("policies/ziyang-2021.toml");
        let out = run_with(
            &["assess", "--policy", policy.to_str().unwrap()],
            GOOD.as_bytes(),
        );
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        assert_eq!(json_lines(&out)[0]["owed"], "140");
    }
}

mod closed_pipe {
    use super::*;

    #[test]
    fn assess_into_a_closed_pipe_ends_quietly() {
        let mut child = Command::new(BIN)
            .args(["assess", "--policy", "ziyang-2021"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut input = child.stdin.take().unwrap();
        let writer = std::thread::spawn(move || {
            let line = format!("{}\n", assess::GOOD);
            // Far more output than a pipe holds; the writes fail once the command has gone.
            for _ in 0..20_000 {
                if input.write_all(line.as_bytes()).is_err() {
                    break;
                }
            }
        });
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        out.read_line(&mut first).unwrap();
        assert!(first.starts_with(r#"{"line":1,"id":"r-1""#), "{first}");
        drop(out); // the reader goes away, as `| head -1` does
        let output = child.wait_with_output().unwrap();
        writer.join().unwrap();
        let err = stderr(&output);
        assert!(!err.contains("panicked"), "{err}");
        assert!(err.is_empty(), "{err}");
        assert_eq!(code(&output), 0);
    }

    #[test]
    fn policies_into_a_closed_pipe_end_quietly() {
        for args in [&["policies"][..], &["policies", "--json"], &["--help"]] {
            let mut child = Command::new(BIN)
                .args(args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            drop(child.stdout.take()); // closed before anything is written
            let output = child.wait_with_output().unwrap();
            let err = stderr(&output);
            assert!(!err.contains("panicked"), "{args:?}: {err}");
            assert_eq!(code(&output), 0, "{args:?}: {err}");
        }
    }
}

mod roster {
    use super::*;

    #[test]
    fn the_sample_roster_is_summarized_and_written() {
        let results = temp("results.csv");
        let summary = temp("summary.json");
        let out = run(&[
            "roster",
            "--policy",
            "ziyang-2021",
            repo("crates/urrbmi-analysis/rosters/sample.csv")
                .to_str()
                .unwrap(),
            "--out",
            results.to_str().unwrap(),
            "--json",
            summary.to_str().unwrap(),
        ]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let text = stdout(&out);
        assert!(text.contains("policy               ziyang-2021"), "{text}");
        assert!(
            text.contains(
                "rows 18: evaluated 18 (enrolled 17, refused 1), not readable 0, not evaluable 0"
            ),
            "{text}"
        );
        assert!(text.contains("新桥河镇"), "grouped by township: {text}");
        let csv = std::fs::read_to_string(&results).unwrap();
        assert_eq!(csv.lines().count(), 19, "a heading and a row per resident");
        assert!(csv.starts_with("line,id,name,group,status"));
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
        assert_eq!(json["totals"]["residents"], 18);
        std::fs::remove_file(results).unwrap();
        std::fs::remove_file(summary).unwrap();
    }

    #[test]
    fn bad_rows_are_listed_and_exit_1() {
        let out = run(&[
            "roster",
            "-p",
            "ziyang-2021",
            repo("crates/urrbmi-analysis/rosters/malformed.csv")
                .to_str()
                .unwrap(),
            "--max-errors",
            "3",
        ]);
        assert_eq!(code(&out), 1, "{}", stderr(&out));
        let text = stdout(&out);
        assert!(text.contains("bad rows (10;"), "{text}");
        assert!(text.contains("... and 7 more"), "{text}");
    }

    #[test]
    fn grouping_by_another_column_and_a_missing_one() {
        let sample = repo("crates/urrbmi-analysis/rosters/sample.csv");
        let out = run(&[
            "roster",
            "-p",
            "ziyang-2021",
            sample.to_str().unwrap(),
            "--group",
            "hukou",
        ]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        assert!(stdout(&out).contains("\nlocal "), "{}", stdout(&out));
        let out = run(&[
            "roster",
            "-p",
            "ziyang-2021",
            sample.to_str().unwrap(),
            "--group",
            "nope",
        ]);
        assert_eq!(code(&out), 2);
        assert!(
            stderr(&out).contains("no column `nope`"),
            "{}",
            stderr(&out)
        );
    }
}

/// County rosters as county offices keep them: GBK with a title row and CRLF, a workbook,
/// headings the tool does not read.
mod county {
    use super::*;

    /// A county roster in GBK with CRLF line ends: a title row, `人员类型` for `人员类别`, a
    /// 低保 resident, one without a category, one whose ID was saved as a number, two empty
    /// rows at the end.
    fn gbk_roster() -> PathBuf {
        let born = chrono::NaiveDate::from_ymd_opt(1985, 2, 2).unwrap();
        let second = urrbmi_analysis::idcard::make("430902", born, 7).unwrap();
        let text = format!(
            "某某县2021年城乡居民医保参保台账,,,,,,,\r\n\
             序号,姓名,身份证号,性别,人员类型,缴费日期,乡镇,村\r\n\
             1,张三,11010519491231002X,男,低保,2020/10/15 0:00,沙头镇,东村\r\n\
             2,李四,{second},女,,44119,沙头镇,西村\r\n\
             3,王五,4.30902E+17,男,特困,2020-10-15,新桥镇,南村\r\n\
             ,,,,,,,\r\n,,,,,,,\r\n"
        );
        let gbk = encode_gbk(&text);
        let path = temp("county.csv");
        std::fs::write(&path, gbk).unwrap();
        path
    }

    /// GBK bytes of `text`, as Chinese Excel saves "CSV".
    fn encode_gbk(text: &str) -> Vec<u8> {
        let (bytes, _, lossy) = encoding_rs::GBK.encode(text);
        assert!(!lossy);
        bytes.into_owned()
    }

    #[test]
    fn a_near_miss_heading_stops_the_run_with_the_fix() {
        let path = gbk_roster();
        let out = run(&["roster", "-p", "ziyang-2021", path.to_str().unwrap()]);
        assert_eq!(code(&out), 2, "{}", stdout(&out));
        let err = stderr(&out);
        assert!(
            err.contains("`人员类型` looks like `人员类别`")
                && err.contains("--map 人员类型=categories"),
            "{err}"
        );
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn a_mapped_gbk_roster_gives_the_right_totals_and_names_its_problems() {
        let path = gbk_roster();
        let back = temp("back.xlsx");
        let out = run(&[
            "roster",
            "-p",
            "ziyang-2021",
            path.to_str().unwrap(),
            "--map",
            "人员类型=categories",
            "--group",
            "乡镇",
            "--group",
            "村",
            "--annotated",
            back.to_str().unwrap(),
        ]);
        assert_eq!(code(&out), 1, "{}", stderr(&out));
        let text = stdout(&out);
        for part in [
            "CSV, gb18030",
            "headings on line 2, below the title line 1 `某某县2021年城乡居民医保参保台账`",
            "mapped: 人员类型 as categories",
            "grouped by: 乡镇 / 村",
            "carried through (no rule input): 性别, 村",
            // 140 (低保) + 280 (no category).
            "owed                 420.00",
            "rows 3: evaluated 2 (enrolled 2, refused 0), not readable 1, not evaluable 0; 2 blank rows skipped",
            "by kind    id_number_as_number 1",
            "by group   新桥镇 / 南村 1",
            "line 5, column `身份证号` (`4.30902E+17`): the ID number was saved as a number",
            "沙头镇 / 东村",
        ] {
            assert!(text.contains(part), "{part}:\n{text}");
        }
        // The workbook written back reads back: the same rows, with the result columns.
        let again = run(&[
            "roster",
            "-p",
            "ziyang-2021",
            back.to_str().unwrap(),
            "--map",
            "人员类型=categories",
            "--headings",
            "en",
        ]);
        let text = stdout(&again);
        assert!(text.contains("Excel workbook (.xlsx)"), "{text}");
        assert!(
            text.contains("carried through (no rule input): 性别, 村, 参保状态, 应缴金额"),
            "{text}"
        );
        assert!(text.contains("owed                 420.00"), "{text}");
        std::fs::remove_file(path).unwrap();
        std::fs::remove_file(back).unwrap();
    }

    #[test]
    fn a_mapping_file_an_ignored_column_and_csv_written_back() {
        let path = gbk_roster();
        let mapping = temp("mapping.toml");
        std::fs::write(
            &mapping,
            "ignore = [\"村\"]\n[map]\n\"人员类型\" = \"人员类别\"\n",
        )
        .unwrap();
        let back = temp("back.csv");
        let out = run(&[
            "roster",
            "-p",
            "ziyang-2021",
            path.to_str().unwrap(),
            "--mapping",
            mapping.to_str().unwrap(),
            "--annotated",
            back.to_str().unwrap(),
            "--headings",
            "en",
        ]);
        assert_eq!(code(&out), 1, "{}", stderr(&out));
        assert!(stdout(&out).contains("ignored: 村"), "{}", stdout(&out));
        let written = std::fs::read(&back).unwrap();
        assert!(written.starts_with(b"\xEF\xBB\xBF"));
        let written = String::from_utf8(written).unwrap();
        let lines: Vec<&str> = written.lines().collect();
        assert_eq!(lines.len(), 4, "{written}");
        assert!(lines[0].ends_with(",status,owed,fiscal,medical_assistance,entitled_group_fund,benefit_start,deciding_rule,error"), "{}", lines[0]);
        assert!(
            lines[1].starts_with(
                "1,张三,11010519491231002X,男,低保,2020/10/15 0:00,沙头镇,东村,enrolled,140,"
            ),
            "{}",
            lines[1]
        );
        assert!(lines[3].contains("saved as a number"), "{}", lines[3]);
        for file in [path, mapping, back] {
            std::fs::remove_file(file).unwrap();
        }
    }

    #[test]
    fn a_roster_without_a_category_column_says_so() {
        let path = temp("plain.csv");
        std::fs::write(
            &path,
            "姓名,出生日期,缴费日期,银行账号\n张三,1980-01-01,2020-10-15,6222\n",
        )
        .unwrap();
        let out = run(&["roster", "-p", "ziyang-2021", path.to_str().unwrap()]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let text = stdout(&out);
        assert!(
            text.contains("WARNING  the roster has no category column"),
            "{text}"
        );
        assert!(
            text.contains(
                "NOT READ (unknown headings; map them if they hold rule input): 银行账号"
            ),
            "{text}"
        );
        assert!(stderr(&out).contains("no category column"));
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn the_help_names_the_formats_and_the_options() {
        let out = run(&["roster", "--help"]);
        assert_eq!(code(&out), 0);
        let help = stdout(&out);
        for part in [
            "GB18030/GBK",
            ".xlsx",
            "--sheet",
            "--encoding",
            "--map",
            "--ignore",
            "--mapping",
            "--annotated",
            "--headings",
            "--no-group",
            "人员类型 for 人员类别",
        ] {
            assert!(help.contains(part), "{part}: {help}");
        }
    }

    #[test]
    fn bad_options_are_usage_errors() {
        let path = gbk_roster();
        for (args, says) in [
            (vec!["--map", "人员类型"], "expected HEADING=FIELD"),
            (vec!["--map", "人员类型=kinds"], "categories (人员类别)"),
            (vec!["--ignore", "不存在"], "no such heading"),
            (vec!["--encoding", "klingon"], "names no text encoding"),
        ] {
            let mut all = vec!["roster", "-p", "ziyang-2021", path.to_str().unwrap()];
            all.extend(args);
            let out = run(&all);
            assert_eq!(code(&out), 2, "{all:?}");
            assert!(stderr(&out).contains(says), "{all:?}: {}", stderr(&out));
        }
        std::fs::remove_file(path).unwrap();
    }
}

mod simulate {
    use super::*;

    #[test]
    fn a_small_projection_with_its_chart_and_roster() {
        let svg = temp("chart.svg");
        let roster = temp("roster.csv");
        let out = run(&[
            "simulate",
            repo("crates/urrbmi-analysis/scenarios/ziyang-2021.toml")
                .to_str()
                .unwrap(),
            "--population",
            "2_000",
            "--svg",
            svg.to_str().unwrap(),
            "--write-roster",
            roster.to_str().unwrap(),
        ]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let text = stdout(&out);
        assert!(text.contains("residents 2000"), "{text}");
        assert!(text.contains("by township (yuan)"), "{text}");
        assert!(std::fs::read_to_string(&svg).unwrap().starts_with("<svg"));
        // The roster written reads back.
        let back = run(&["roster", "-p", "ziyang-2021", roster.to_str().unwrap()]);
        assert_eq!(code(&back), 0, "{}", stderr(&back));
        assert!(stdout(&back).contains("rows 2000: evaluated 2000 "));
        std::fs::remove_file(svg).unwrap();
        std::fs::remove_file(roster).unwrap();
    }

    #[test]
    fn no_chart_with_a_dash() {
        let out = run(&[
            "simulate",
            repo("crates/urrbmi-analysis/scenarios/yanling-2021.toml")
                .to_str()
                .unwrap(),
            "--population",
            "500",
            "--svg",
            "-",
        ]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        assert!(!stdout(&out).contains("chart:"));
    }
}

mod whatif {
    use super::*;

    #[test]
    fn an_overlay_against_its_roster() {
        let out = run(&[
            "whatif",
            "--overlay",
            repo("overlays/hunan-2022-city.toml").to_str().unwrap(),
            repo("crates/urrbmi-analysis/rosters/hunan-2022-city.csv")
                .to_str()
                .unwrap(),
        ]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let text = stdout(&out);
        assert!(text.contains("base     hunan-2022"), "{text}");
        assert!(text.contains("what-if  hunan-2022-city"), "{text}");
        assert!(text.contains("by subsidy tier"), "{text}");
    }

    #[test]
    fn unreadable_rows_are_left_out_of_both_runs_and_exit_1() {
        let out = run(&[
            "whatif",
            "--overlay",
            repo("overlays/ziyang-2021-whatif.toml").to_str().unwrap(),
            repo("crates/urrbmi-analysis/rosters/malformed.csv")
                .to_str()
                .unwrap(),
        ]);
        assert_eq!(code(&out), 1, "{}", stderr(&out));
        assert!(
            stderr(&out).contains("left out of both runs"),
            "{}",
            stderr(&out)
        );
        assert!(stdout(&out).contains("not evaluable"), "{}", stdout(&out));
    }

    #[test]
    fn roster_and_scenario_conflict() {
        let out = run(&[
            "whatif",
            "--overlay",
            "o.toml",
            "r.csv",
            "--scenario",
            "s.toml",
        ]);
        assert_eq!(code(&out), 2);
    }
}

mod diff {
    use super::*;

    #[test]
    fn two_policies_side_by_side() {
        let out = run(&["diff", "changsha-2021", "changsha-2024", "--changed-only"]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        assert!(
            stdout(&out).contains("personal standard"),
            "{}",
            stdout(&out)
        );
        let out = run(&["diff", "changsha-2021", "changsha-2024", "--json"]);
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json["a"]["id"], "changsha-2021");
    }

    #[test]
    fn why_one_residents_answer_differs() {
        let resident =
            r#"{"birth_date":"1992-03-14","enrollment":"first_time","payment_date":"2020-10-15"}"#;
        let out = run(&[
            "diff",
            "changsha-2021",
            "changsha-2024",
            "--resident",
            resident,
        ]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let text = stdout(&out);
        assert!(text.contains("resident under B: born 1995-03-14"), "{text}");
        assert!(
            text.contains("standards.personal.amount: 280 → 380"),
            "{text}"
        );
        let file = repo("crates/urrbmi-analysis/rosters/resident-first-time.json");
        let json = run(&[
            "diff",
            "changsha-2021",
            "changsha-2024",
            "--resident",
            file.to_str().unwrap(),
            "--json",
        ]);
        let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
        assert_eq!(json["owed"]["delta"], "100");
    }

    #[test]
    fn a_resident_that_does_not_read_exits_1() {
        let out = run(&[
            "diff",
            "ziyang-2021",
            "ziyang-2021",
            "--resident",
            r#"{"x": 1}"#,
        ]);
        assert_eq!(code(&out), 1);
        assert!(
            stderr(&out).starts_with("urrbmi: resident: x: unknown field"),
            "{}",
            stderr(&out)
        );
    }
}

mod lint {
    use super::*;

    #[test]
    fn clean_files_exit_0() {
        let out = run(&[
            "lint",
            repo("policies/ziyang-2021.toml").to_str().unwrap(),
            repo("policies/hunan-2026.toml").to_str().unwrap(),
        ]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        assert_eq!(stdout(&out).matches(": clean").count(), 2);
    }

    #[test]
    fn warnings_alone_exit_0() {
        let out = run(&[
            "lint",
            "--short",
            repo("tests/lint/shadowed-rule.toml").to_str().unwrap(),
        ]);
        assert_eq!(code(&out), 0, "{}", stdout(&out));
        assert!(stdout(&out).contains(": warning: the rule `window_again` is shadowed"));
    }

    #[test]
    fn errors_exit_1_with_every_finding() {
        let out = run(&[
            "lint",
            "--short",
            repo("tests/lint/several-errors.toml").to_str().unwrap(),
            repo("tests/lint/shadowed-rule.toml").to_str().unwrap(),
        ]);
        assert_eq!(code(&out), 1);
        let text = stdout(&out);
        assert_eq!(text.matches(": error: ").count(), 3, "{text}");
        assert_eq!(text.matches(": warning: ").count(), 1, "{text}");
        assert!(text.contains("several-errors.toml:32:23 at `standards.personal.amount`"));

        // Without --short: each finding with its line and a caret under the column.
        let out = run(&[
            "lint",
            repo("tests/lint/several-errors.toml").to_str().unwrap(),
        ]);
        assert_eq!(code(&out), 1);
        let text = stdout(&out);
        assert_eq!(
            text.lines().filter(|l| l.starts_with("error: ")).count(),
            3,
            "{text}"
        );
        assert!(text.contains(" --> "), "{text}");
        assert!(text.contains("32 | personal = { amount = -280"), "{text}");
        assert!(text.lines().any(|l| l.trim_end().ends_with('^')), "{text}");
    }

    #[test]
    fn a_missing_file_exits_1() {
        let out = run(&["lint", "no-such-policy.toml"]);
        assert_eq!(code(&out), 1);
        assert!(stderr(&out).starts_with("urrbmi: cannot read policy file"));
    }
}

mod explain {
    use super::*;

    #[test]
    fn a_decision_as_a_report_with_the_deciding_step_marked() {
        let resident = r#"{"id":"r9","birth_date":"1985-03-01","payment_date":"2025-11-20","enrollment":"lapsed","lapsed_years":2,"repair_years":1}"#;
        let out = run(&["explain", "--policy", "hunan-2026", resident]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let text = stdout(&out);
        for wanted in [
            "status          enrolled",
            "charged         400.00 (personal standard)",
            "repair",
            "total due",
            "benefits        2026-04-01 to 2026-12-31",
            "waiting         3 month(s)",
            "decided by      rule.window_lapsed",
        ] {
            assert!(text.contains(wanted), "{wanted}:\n{text}");
        }
        assert_eq!(
            text.matches('»').count(),
            2,
            "the legend and one step: {text}"
        );
        assert!(text.contains("»  3. rule.window_lapsed"), "{text}");
    }

    #[test]
    fn a_refusal_says_why() {
        let file = temp("resident.toml");
        std::fs::write(
            &file,
            "birth_date = \"1990-01-01\"\npayment_date = \"2022-03-01\"\n",
        )
        .unwrap();
        let out = run(&["explain", "-p", "hunan-2022", file.to_str().unwrap()]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let text = stdout(&out);
        assert!(
            text.contains("status          refused (outside_window)"),
            "{text}"
        );
        assert!(
            text.contains("why             paid outside the collection window"),
            "{text}"
        );
        std::fs::remove_file(file).unwrap();
    }

    #[test]
    fn json_and_bad_residents() {
        let resident = r#"{"id":"x","birth_date":"1980-05-01","payment_date":"2020-10-15"}"#;
        let out = run(&["explain", "-p", "ziyang-2021", "--json", resident]);
        assert_eq!(code(&out), 0);
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            (json["id"].as_str(), json["owed"].as_str()),
            (Some("x"), Some("280"))
        );

        let early = r#"{"birth_date":"1980-05-01","payment_date":"1970-10-15"}"#;
        let out = run(&["explain", "-p", "ziyang-2021", early]);
        assert_eq!(code(&out), 1);
        assert!(
            stderr(&out).contains("before birth_date"),
            "{}",
            stderr(&out)
        );

        let out = run_with(&["explain", "-p", "ziyang-2021", "-"], resident.as_bytes());
        assert_eq!(code(&out), 0, "{}", stderr(&out));
    }
}

mod policies {
    use super::*;

    #[test]
    fn the_json_lists_every_built_in_policy() {
        let out = run(&["policies", "--json"]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let list = json.as_array().unwrap();
        let ids: Vec<&str> = list.iter().filter_map(|p| p["id"].as_str()).collect();
        let builtin: Vec<&str> = urrbmi::Policy::builtin_ids().collect();
        assert_eq!(ids, builtin);
        let ziyang = list.iter().find(|p| p["id"] == "ziyang-2021").unwrap();
        assert_eq!(ziyang["benefit_year"], 2021);
        assert_eq!(ziyang["standards"]["personal"], "280");
        assert_eq!(ziyang["standards"]["full"], "860");
        assert_eq!(ziyang["window"]["from"], "2020-09-01");
        assert_eq!(ziyang["document"]["number"], "益资政办发〔2020〕17号");
    }

    #[test]
    fn the_table_has_a_row_per_policy() {
        let out = run(&["policies"]);
        assert_eq!(code(&out), 0);
        let text = stdout(&out);
        assert_eq!(
            text.lines().count(),
            1 + urrbmi::Policy::builtin_ids().count()
        );
        assert!(
            text.lines()
                .any(|l| l.starts_with("ziyang-2021") && l.contains("280 / 860"))
        );
    }
}

mod test_cases {
    use super::*;

    const PASSING: &str = r#"
[[case]]
name = "ordinary renewal in the window"
clause = "益资政办发〔2020〕17号 二(二) 280元; 二(四)"
resident = { birth_date = "1980-05-01", payment_date = "2020-10-15" }

[case.expect]
status = "enrolled"
rule = "rule.window"
tier = "none"
charged = "280"
owed = "280"
subsidies = {}
benefit_start = "2021-01-01"
benefit_end = "2021-12-31"
charged_standard = "personal"
trace = ["coverage", "window", "rule.window", "standards.personal", "tier"]

[[case]]
name = "低保 in the window"
clause = "益资政办发〔2020〕17号 二(三)"
resident = { birth_date = "1966-04-02", payment_date = "2020-11-03", categories = [{ kind = "低保对象" }] }

[case.expect]
status = "enrolled"
rule = "rule.window"
tier = "subsistence_allowance"
owed = "140"
subsidies = { medical_assistance = "140" }
clause_contains = "益资政办发〔2020〕17号"
"#;

    const FAILING: &str = r#"
[[case]]
name = "right"
clause = "二(四)"
resident = { birth_date = "1980-05-01", payment_date = "2020-10-15" }
[case.expect]
status = "enrolled"
rule = "rule.window"
tier = "none"
owed = "280"

[[case]]
name = "wrong amount and rule"
clause = "made up"
resident = { birth_date = "1980-05-01", payment_date = "2020-10-15" }
[case.expect]
status = "enrolled"
rule = "rule.somewhere_else"
tier = "none"
owed = "999"
waiting_months = 3

[[case]]
name = "paid before birth"
clause = "made up"
resident = { birth_date = "1980-05-01", payment_date = "1970-10-15" }
[case.expect]
status = "enrolled"
rule = "rule.window"
tier = "none"
"#;

    fn cases(text: &str) -> PathBuf {
        let path = temp("cases.toml");
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn passing_cases_exit_0_with_a_summary() {
        let path = cases(PASSING);
        let policy = repo("policies/ziyang-2021.toml");
        let out = run(&["test", policy.to_str().unwrap(), path.to_str().unwrap()]);
        assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
        let text = stdout(&out);
        assert!(
            text.ends_with("against ziyang-2021: 2 cases, 2 passed, 0 failed\n"),
            "{text}"
        );
        assert!(!text.contains("FAIL"));
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn differing_cases_are_reported_and_exit_1() {
        let path = cases(FAILING);
        let policy = repo("policies/ziyang-2021.toml");
        let out = run(&["test", policy.to_str().unwrap(), path.to_str().unwrap()]);
        assert_eq!(code(&out), 1, "{}", stderr(&out));
        let text = stdout(&out);
        assert!(!text.contains("FAIL right"), "{text}");
        assert!(
            text.contains("FAIL wrong amount and rule [made up]"),
            "{text}"
        );
        assert!(
            text.contains("deciding rule: expected rule.somewhere_else, got rule.window"),
            "{text}"
        );
        assert!(text.contains("owed: expected 999, got 280"), "{text}");
        assert!(
            text.contains("waiting_months: expected Some(3), got None"),
            "{text}"
        );
        assert!(
            text.contains("trace: coverage > window > rule.window"),
            "{text}"
        );
        assert!(text.contains("FAIL paid before birth"), "{text}");
        assert!(
            text.contains("evaluation error: payment_date 1970-10-15"),
            "{text}"
        );
        assert!(text.ends_with("3 cases, 1 passed, 2 failed\n"), "{text}");
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn the_repository_cases_pass_through_the_command() {
        let out = run(&[
            "test",
            repo("policies/hunan-2026.toml").to_str().unwrap(),
            repo("tests/cases/hunan-2026.toml").to_str().unwrap(),
        ]);
        assert_eq!(code(&out), 0, "{}", stdout(&out));
    }

    #[test]
    fn a_case_file_that_does_not_read_exits_2_with_the_line() {
        let path = cases("[[case]]\nname = \"x\"\nclause = \n");
        let out = run(&["test", "ziyang-2021", path.to_str().unwrap()]);
        assert_eq!(code(&out), 2);
        let err = stderr(&out);
        assert!(err.starts_with("urrbmi: "), "{err}");
        assert!(err.contains("line 3"), "{err}");
        std::fs::remove_file(path).unwrap();
    }
}

mod serve {
    use super::*;
    use std::io::Read;
    use std::net::TcpStream;
    use std::process::Child;

    /// `urrbmi serve` on an ephemeral loopback port: the child, its address, its standard error.
    fn start(extra: &[&str]) -> (Child, String, BufReader<std::process::ChildStderr>) {
        let mut child = Command::new(BIN)
            .args(["serve", "--addr", "127.0.0.1:0"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let mut stderr = BufReader::new(child.stderr.take().expect("stderr is piped"));
        let mut line = String::new();
        stderr.read_line(&mut line).expect("reads the first line");
        let addr = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_string();
        (child, addr, stderr)
    }

    /// One HTTP/1.1 request: the status and the body.
    fn request(addr: &str, method: &str, path: &str, media: &str, body: &str) -> (u16, String) {
        let mut stream = TcpStream::connect(addr).expect("connects");
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {media}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .expect("writes");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("reads");
        let status = answer
            .get(9..12)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no status in {answer:?}"));
        let body = answer
            .split_once("\r\n\r\n")
            .map_or("", |(_, b)| b)
            .to_string();
        (status, body)
    }

    fn terminate(child: &mut Child) -> i32 {
        let killed = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(killed.success());
        child
            .wait()
            .expect("exits")
            .code()
            .expect("exited, not killed")
    }

    #[test]
    fn serves_what_assess_prints_and_stops_cleanly_on_sigterm() {
        let (mut child, addr, mut stderr) = start(&[]);
        assert!(addr.starts_with("127.0.0.1:"), "{addr}");
        let lines = "{\"id\":\"a\",\"birth_date\":\"1970-03-01\",\"payment_date\":\"2020-10-15\",\"categories\":[{\"kind\":\"低保对象\"}]}\n\
                     not json\n\
                     {\"id\":\"b\",\"birth_date\":\"1985-06-01\",\"payment_date\":\"2021-03-02\"}\n";
        let printed = run_with(&["assess", "--policy", "ziyang-2021"], lines.as_bytes());
        let (status, served) = request(
            &addr,
            "POST",
            "/v1/assess?policy=ziyang-2021",
            "application/x-ndjson",
            lines,
        );
        assert_eq!(status, 200);
        assert_eq!(
            served,
            stdout(&printed),
            "the server answers as urrbmi assess prints"
        );
        let (status, body) = request(&addr, "GET", "/v1/policies/nowhere", "text/plain", "");
        assert_eq!(status, 404);
        assert!(body.contains("unknown-policy"), "{body}");

        assert_eq!(terminate(&mut child), 0);
        let mut rest = String::new();
        stderr.read_to_string(&mut rest).expect("reads the log");
        assert!(
            rest.contains(" POST /v1/assess?policy=ziyang-2021 200 "),
            "{rest}"
        );
        assert!(rest.contains(" GET /v1/policies/nowhere 404 "), "{rest}");
        assert!(rest.contains("shutting down"), "{rest}");
    }

    #[test]
    fn the_help_states_every_limit_with_its_default() {
        let output = run(&["serve", "--help"]);
        assert_eq!(code(&output), 0);
        let help = stdout(&output);
        for default in [
            "[default: 127.0.0.1:8080]",
            "[default: 8MiB]",
            "[default: 64MiB]",
            "[default: 10_000]",
            "[default: 500_000]",
            "[default: 30s]",
            "[default: 16]",
            "[default: 512]",
        ] {
            assert!(help.contains(default), "{default} in\n{help}");
        }
    }

    #[test]
    fn bad_limits_and_busy_addresses_exit_2() {
        let output = run(&["serve", "--max-body", "0", "--addr", "127.0.0.1:0"]);
        assert_eq!(code(&output), 2);
        assert!(
            stderr(&output).contains("--max-body"),
            "{}",
            stderr(&output)
        );
        let output = run(&["serve", "--max-body", "lots"]);
        assert_eq!(code(&output), 2);
        let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
        let addr = taken.local_addr().expect("address").to_string();
        let output = run(&["serve", "--addr", &addr]);
        assert_eq!(code(&output), 2);
        assert!(
            stderr(&output).contains("cannot listen on"),
            "{}",
            stderr(&output)
        );
    }
}

/// A policy's own funder (村集体 in the village fixture) is in every file `urrbmi roster`
/// writes: a column of the roster written back, a column of the results, a line of the summary.
#[test]
fn a_policys_own_funder_is_in_every_output_of_roster() {
    let policy = repo("tests/regions/village/policy.toml");
    let path = temp("village.csv");
    std::fs::write(
        &path,
        "姓名,出生日期,户属性,缴费日期,人员类别\n\
         甲,1970-01-01,本地,2025-04-10,本村村民\n\
         乙,1971-02-02,本地,2025-05-10,\n",
    )
    .unwrap();
    let back = temp("village-back.csv");
    let results = temp("village-results.csv");
    let out = run(&[
        "roster",
        "-p",
        policy.to_str().unwrap(),
        path.to_str().unwrap(),
        "--annotated",
        back.to_str().unwrap(),
        "--out",
        results.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stdout(&out).contains("village_collective"),
        "{}",
        stdout(&out)
    );
    let written = std::fs::read_to_string(&back).unwrap();
    let lines: Vec<&str> = written.trim_start_matches('\u{feff}').lines().collect();
    assert!(
        lines[0].ends_with(
            ",参保状态,应缴金额,财政资助,医疗救助,优抚资金,村集体,待遇起始日,决定条款,错误"
        ),
        "{}",
        lines[0]
    );
    // 400 charged: the village pays 200 of it for its member, nothing for the other.
    assert!(lines[1].contains(",参保,200,0,0,0,200,"), "{}", lines[1]);
    assert!(lines[2].contains(",参保,400,0,0,0,0,"), "{}", lines[2]);
    let written = std::fs::read_to_string(&results).unwrap();
    let lines: Vec<&str> = written.lines().collect();
    assert!(
        lines[0].contains(",charged,owed,prior_year,fiscal,medical_assistance,entitled_group_fund,village_collective,benefit_start,"),
        "{}",
        lines[0]
    );
    assert!(lines[1].contains(",400,200,0,0,0,0,200,"), "{}", lines[1]);
    for file in [path, back, results] {
        std::fs::remove_file(file).unwrap();
    }
}

/// `--group-order SCENARIO` lists the summary's groups in the scenario's (the notice's) order of
/// townships; a township it does not name comes after, by name.
#[test]
fn groups_come_in_the_order_a_scenario_gives() {
    let path = temp("order.csv");
    std::fs::write(
        &path,
        "姓名,出生日期,缴费日期,乡镇\n\
         甲,1980-01-01,2020-10-15,沙头镇\n\
         乙,1980-01-01,2020-10-15,外乡\n\
         丙,1980-01-01,2020-10-15,新桥河镇\n\
         丁,1980-01-01,2020-10-15,茈湖口镇\n",
    )
    .unwrap();
    let place = |text: &str, group: &str| {
        text.lines()
            .position(|l| l.starts_with(group))
            .unwrap_or_else(|| panic!("{group}:\n{text}"))
    };
    let scenario = repo("crates/urrbmi-analysis/scenarios/ziyang-2021.toml");
    let out = run(&[
        "roster",
        "-p",
        "ziyang-2021",
        path.to_str().unwrap(),
        "--group-order",
        scenario.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    // The notice lists 茈湖口镇 first, 新桥河镇 fifth and 沙头镇 sixth.
    let order: Vec<usize> = ["茈湖口镇", "新桥河镇", "沙头镇", "外乡"]
        .iter()
        .map(|g| place(&text, g))
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}\n{text}");
    // Without it, by name: 外乡 (U+5916) before 新桥河镇 (U+65B0) before 沙头镇 (U+6C99).
    let out = run(&["roster", "-p", "ziyang-2021", path.to_str().unwrap()]);
    let text = stdout(&out);
    assert!(place(&text, "外乡") < place(&text, "茈湖口镇"), "{text}");
    let out = run(&[
        "roster",
        "-p",
        "ziyang-2021",
        path.to_str().unwrap(),
        "--group-order",
        "no-such-scenario.toml",
    ]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("--group-order no-such-scenario.toml"),
        "{}",
        stderr(&out)
    );
    std::fs::remove_file(path).unwrap();
}
