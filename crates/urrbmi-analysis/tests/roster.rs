//! Rosters from CSV: English and Chinese headings, ID numbers, malformed rows reported and
//! counted, round trips through the writer, and results written row by row.

use chrono::NaiveDate;
use urrbmi::{CategoryKind, EvalError, Hukou, Policy, Resident, SpecialKind, Student};
use urrbmi_analysis::batch::Batch;
use urrbmi_analysis::idcard::{self, IdNumberError};
use urrbmi_analysis::roster::{
    RESULT_HEADINGS, ResultWriter, RosterChunk, RosterError, RosterOptions, RosterReader,
    RosterWriter, RowError, RowProblem,
};
use urrbmi_analysis::scenario::Scenario;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn read(text: &str) -> RosterChunk {
    RosterReader::new(text.as_bytes())
        .expect("headings")
        .read_all()
        .expect("readable")
}

#[test]
fn the_english_sample_reads_every_row() {
    let mut reader = RosterReader::from_path("rosters/sample.csv").expect("sample");
    assert!(reader.is_grouped());
    assert_eq!(reader.group_heading(), Some("township"));
    let chunk = reader.read_all().expect("readable");
    assert!(chunk.errors.is_empty(), "{:?}", chunk.errors);
    assert_eq!(chunk.residents.len(), 18);
    assert_eq!(chunk.lines.first(), Some(&2));
    let r = &chunk.residents[2];
    assert_eq!(r.id.as_deref(), Some("ZY-003"));
    assert_eq!(r.categories[0].kind, CategoryKind::Disability);
    assert_eq!(r.categories[0].grade, Some(2));
    let lapse = &chunk.residents[17];
    assert_eq!(
        lapse.special.clone().map(|s| (s.kind, s.date)),
        Some((SpecialKind::EmployeeInsuranceLapse, Some(date(2021, 5, 31))))
    );
    assert_eq!(chunk.names[0].as_deref(), Some("张三"));

    let policy = Policy::builtin("ziyang-2021").expect("built-in");
    let s = Batch::new(policy)
        .grouped(reader.groups(), &chunk.groups)
        .summarize(&chunk.residents)
        .expect("grouped");
    assert_eq!(
        (s.totals.enrolled, s.totals.refused, s.totals.errors),
        (17, 1, 0)
    );
    assert_eq!(s.by_group.len(), 9);
    assert_eq!(s.by_category["family_planning_special"].enrolled, 1);
}

#[test]
fn chinese_headings_and_birth_dates_from_id_numbers() {
    let mut reader = RosterReader::from_path("rosters/sample-zh.csv").expect("sample");
    assert_eq!(reader.group_heading(), Some("乡镇"));
    let chunk = reader.read_all().expect("readable");
    assert!(chunk.errors.is_empty(), "{:?}", chunk.errors);
    assert_eq!(chunk.residents.len(), 12);
    // 张三: no birth date column value; taken from 430225 19660308 011x.
    assert_eq!(chunk.residents[0].birth_date, date(1966, 3, 8));
    // 李四: birth date given and agreeing with the ID number.
    assert_eq!(chunk.residents[1].birth_date, date(1958, 12, 1));
    assert_eq!(
        chunk.residents[1].categories[0].kind,
        CategoryKind::RegisteredPoor
    );
    // 赵六: 残疾人 with 残疾等级 二级.
    assert_eq!(chunk.residents[3].categories[0].grade, Some(2));
    // 周九: 外出务工人员.
    assert_eq!(
        chunk.residents[6].special_kind(),
        Some(&SpecialKind::MigrantWorker)
    );
    // 冯二: two categories separated by a full-width semicolon, one with a grade.
    assert_eq!(chunk.residents[9].categories.len(), 2);
    assert_eq!(chunk.residents[9].categories[1].grade, Some(1));
    // 陈三: 外地.
    assert_eq!(chunk.residents[10].hukou, Hukou::Other);
}

/// The problem reported for each line of `rosters/malformed.csv`.
#[test]
fn malformed_rows_are_reported_with_line_column_and_reason() {
    let policy = Policy::builtin("ziyang-2021").expect("built-in");
    let mut reader = RosterReader::from_path("rosters/malformed.csv").expect("headings");
    assert_eq!(reader.ignored_columns(), ["联系电话"]);
    let chunk = reader.read_all().expect("readable");
    let out = Batch::new(policy)
        .grouped(reader.groups(), &chunk.groups)
        .run(&chunk.residents)
        .expect("grouped");
    let mut bad: Vec<RowError> = chunk.errors.clone();
    for (line, result) in chunk.lines.iter().zip(&out.assessments) {
        if let Err(e) = result {
            bad.push(reader.evaluation_error(*line, e));
        }
    }
    bad.sort_by_key(|e| e.line);
    let seen: Vec<(u64, &str)> = bad.iter().map(|e| (e.line, e.column.as_str())).collect();
    assert_eq!(
        seen,
        [
            (3, "身份证号"),
            (4, "出生日期"),
            (5, "身份证号"),
            (6, "出生日期"),
            (7, "户属性"),
            (8, "缴费日期"),
            (9, "人员类别"),
            (10, "人员类别"),
            (11, "缴费日期"),
            (13, "-"),
        ]
    );
    assert!(matches!(
        bad[0].problem,
        RowProblem::IdNumber(IdNumberError::CheckCharacter { .. })
    ));
    assert_eq!(
        bad[1].problem,
        RowProblem::BirthDateMismatch {
            given: date(1983, 8, 9),
            from_id: date(1983, 8, 8)
        }
    );
    assert_eq!(
        bad[2].problem,
        RowProblem::IdNumber(IdNumberError::Length { length: 16 })
    );
    assert!(
        matches!(&bad[3].problem, RowProblem::Date(why) if why.to_string().contains("no month 13"))
    );
    assert!(matches!(&bad[4].problem, RowProblem::Unrecognized(why) if why.contains("local")));
    assert!(matches!(bad[5].problem, RowProblem::Empty { .. }));
    assert!(matches!(
        bad[6].problem,
        RowProblem::Evaluation(EvalError::DisabilityWithoutGrade { .. })
    ));
    assert!(matches!(
        bad[7].problem,
        RowProblem::Evaluation(EvalError::UnknownCategory { .. })
    ));
    assert!(matches!(
        bad[8].problem,
        RowProblem::Evaluation(EvalError::PaymentBeforeBirth { .. })
    ));
    assert_eq!(
        bad[9].problem,
        RowProblem::CellCount {
            expected: 8,
            found: 6
        }
    );
    // Every row is accounted for: 12 data rows = 2 enrolled + 3 not evaluable + 7 unreadable.
    assert_eq!(out.summary.totals.enrolled, 2);
    assert_eq!(out.summary.totals.errors, 3);
    assert_eq!(chunk.errors.len(), 7);
    // The messages name the line, the column and what is accepted.
    let text = bad[0].to_string();
    assert!(text.starts_with("line 3, column `身份证号`"), "{text}");
    assert!(text.contains("GB 11643-1999"), "{text}");
}

#[test]
fn every_mistyped_digit_of_an_id_number_is_caught() {
    let id = idcard::make("430902", date(1975, 5, 20), 12).expect("valid parts");
    for position in 0..17 {
        let mut digits: Vec<u8> = id.bytes().collect();
        digits[position] = if digits[position] == b'9' {
            b'0'
        } else {
            digits[position] + 1
        };
        let typo = String::from_utf8(digits).expect("ascii");
        let chunk = read(&format!("身份证号,缴费日期\n{typo},2020-10-15\n"));
        assert!(chunk.residents.is_empty(), "{typo} was accepted");
        assert!(
            matches!(
                chunk.errors[0].problem,
                RowProblem::IdNumber(IdNumberError::CheckCharacter { .. })
            ),
            "{typo}: {}",
            chunk.errors[0]
        );
    }
}

#[test]
fn id_numbers_with_letters_or_impossible_dates_are_rejected() {
    let first17 = "43090219750230001"; // 30 February
    let impossible = format!(
        "{first17}{}",
        idcard::check_character(first17).expect("digits")
    );
    let chunk = read(&format!(
        "身份证号,缴费日期\n43090219750520A12X,2020-10-15\n{impossible},2020-10-15\n"
    ));
    assert!(matches!(
        chunk.errors[0].problem,
        RowProblem::IdNumber(IdNumberError::NotDigit {
            position: 15,
            found: 'A'
        })
    ));
    assert!(matches!(
        chunk.errors[1].problem,
        RowProblem::IdNumber(IdNumberError::BirthDate { .. })
    ));
    assert_eq!(chunk.errors[1].line, 3);
}

#[test]
fn a_roster_without_required_columns_is_refused_whole() {
    let err = RosterReader::new("name,birth_date\n张三,1980-01-01\n".as_bytes())
        .expect_err("no payment date");
    assert!(matches!(&err, RosterError::MissingColumn { field, .. } if field == "payment_date"));
    assert!(err.to_string().contains("缴费日期"), "{err}");

    let err = RosterReader::new("姓名,缴费日期\n张三,2020-10-15\n".as_bytes())
        .expect_err("no birth date or ID number");
    assert!(err.to_string().contains("birth_date or id_number"), "{err}");

    let err = RosterReader::new("出生日期,birth_date,缴费日期\n".as_bytes())
        .expect_err("two birth date columns");
    assert!(matches!(err, RosterError::DuplicateColumn { .. }));

    let options = RosterOptions::default().group_by("村");
    let err = RosterReader::with_options("出生日期,缴费日期\n".as_bytes(), &options)
        .expect_err("no such column");
    assert!(matches!(err, RosterError::NoGroupColumn { .. }));
}

#[test]
fn any_column_can_group_and_cells_are_checked() {
    let text = "出生日期,缴费日期,村,以户参保,学生\n\
                1980-01-01,2020-10-15,东村,是,无\n\
                2010/3/4,2020年10月16日,西村,否,中小学生\n\
                1980-01-01,2020-10-15,西村,也许,无\n\
                1980-01-01,2020-10-15,西村,是,博士\n";
    let options = RosterOptions::default().group_by("村");
    let mut reader = RosterReader::with_options(text.as_bytes(), &options).expect("headings");
    let chunk = reader.read_all().expect("readable");
    assert_eq!(chunk.residents.len(), 2);
    assert_eq!(chunk.residents[1].birth_date, date(2010, 3, 4));
    assert_eq!(chunk.residents[1].payment_date, date(2020, 10, 16));
    assert!(!chunk.residents[1].household_unit);
    assert_eq!(chunk.residents[1].student, Student::School);
    assert_eq!(reader.groups().name(chunk.groups[1]), Some("西村"));
    assert_eq!(chunk.errors.len(), 2);
    assert_eq!(
        (chunk.errors[0].line, chunk.errors[0].column.as_str()),
        (4, "以户参保")
    );
    assert_eq!(
        (chunk.errors[1].line, chunk.errors[1].column.as_str()),
        (5, "学生")
    );
}

#[test]
fn cells_that_are_not_text_in_the_encoding_are_reported() {
    // GBK bytes in a file whose encoding is not given: detected as GB18030 and read.
    let mut bytes = b"name,birth_date,payment_date\n".to_vec();
    bytes.extend_from_slice(&[0xd5, 0xc5, 0xc8, 0xfd]); // 张三 in GBK
    bytes.extend_from_slice(b",1980-01-01,2020-10-15\n");
    let mut reader = RosterReader::new(bytes.as_slice()).expect("headings");
    assert_eq!(
        reader.format().map(ToString::to_string).as_deref(),
        Some("CSV, gb18030")
    );
    let chunk = reader.read_all().expect("readable");
    assert!(chunk.errors.is_empty(), "{:?}", chunk.errors);
    assert_eq!(chunk.names[0].as_deref(), Some("张三"));

    // The same bytes read as UTF-8, as the caller says: the cell is reported, not guessed.
    let options = RosterOptions {
        encoding: Some("utf-8".into()),
        ..RosterOptions::default()
    };
    let chunk = RosterReader::with_options(bytes.as_slice(), &options)
        .expect("headings")
        .read_all()
        .expect("readable");
    assert_eq!(chunk.errors.len(), 1);
    assert_eq!(chunk.errors[0].column, "name");
    assert_eq!(
        chunk.errors[0].problem,
        RowProblem::NotText { encoding: "UTF-8" }
    );

    // In the grouping column too, though no field is read from it.
    let mut bytes = "出生日期,缴费日期,村\n1980-01-01,2020-10-15,东村\n1980-01-01,2020-10-15,"
        .as_bytes()
        .to_vec();
    bytes.extend_from_slice(&[0xb6, 0xab, 0xb4, 0xe5, b'\n']); // 东村 in GBK
    let options = RosterOptions {
        encoding: Some("utf-8".into()),
        ..RosterOptions::default().group_by("村")
    };
    let chunk = RosterReader::with_options(bytes.as_slice(), &options)
        .expect("headings")
        .read_all()
        .expect("readable");
    assert_eq!((chunk.residents.len(), chunk.groups.len()), (1, 1));
    assert_eq!(chunk.errors.len(), 1);
    assert_eq!(
        (chunk.errors[0].line, chunk.errors[0].column.as_str()),
        (3, "村")
    );
}

#[test]
fn written_rosters_read_back_the_same_residents_and_summary() {
    let roster = Scenario::from_path("scenarios/ziyang-2021.toml")
        .expect("scenario")
        .scaled(20_000)
        .expect("scaled")
        .generate();
    let mut writer = RosterWriter::new(Vec::new()).expect("writer");
    for (i, (resident, group)) in roster.residents.iter().zip(&roster.group_ids).enumerate() {
        let id_number = (i % 3 == 0)
            // Distinct numbers: a roster with one resident twice is an error now.
            .then(|| {
                let k = i / 3;
                let address = format!("4309{:02}", k / 1000);
                idcard::make(&address, resident.birth_date, (k % 1000) as u16)
            })
            .flatten();
        writer
            .write(
                resident,
                roster.groups.name(*group),
                Some("张三"),
                id_number.as_deref(),
            )
            .expect("write");
    }
    let bytes = writer.finish().expect("flush");

    // Read back in small chunks, as a long roster would be.
    let mut reader = RosterReader::new(bytes.as_slice()).expect("headings");
    let mut chunk = RosterChunk::default();
    let mut residents: Vec<Resident> = Vec::new();
    let mut groups = Vec::new();
    let mut lines = Vec::new();
    while reader.read_chunk(&mut chunk, 777).expect("readable") > 0 {
        assert!(chunk.errors.is_empty(), "{:?}", chunk.errors.first());
        residents.append(&mut chunk.residents);
        groups.append(&mut chunk.groups);
        lines.append(&mut chunk.lines);
    }
    assert_eq!(residents, roster.residents);
    assert_eq!(lines.first(), Some(&2));
    assert_eq!(lines.last(), Some(&(roster.residents.len() as u64 + 1)));

    let policy = Policy::builtin("ziyang-2021").expect("built-in");
    let direct = Batch::new(policy)
        .grouped(&roster.groups, &roster.group_ids)
        .summarize(&roster.residents)
        .expect("grouped");
    let read_back = Batch::new(policy)
        .grouped(reader.groups(), &groups)
        .summarize(&residents)
        .expect("grouped");
    assert_eq!(read_back, direct);
}

#[test]
fn results_have_one_row_per_roster_row_in_line_order() {
    let policy = Policy::builtin("ziyang-2021").expect("built-in");
    let mut reader = RosterReader::from_path("rosters/malformed.csv").expect("headings");
    let chunk = reader.read_all().expect("readable");
    let out = Batch::new(policy).run(&chunk.residents).expect("ungrouped");
    let mut writer = ResultWriter::new(Vec::new(), policy).expect("writer");
    let mut errors = chunk.errors.iter().peekable();
    for (i, (resident, result)) in chunk.residents.iter().zip(&out.assessments).enumerate() {
        while let Some(e) = errors.next_if(|e| e.line < chunk.lines[i]) {
            writer.write_row_error(e).expect("write");
        }
        let group = reader.groups().name(chunk.groups[i]);
        writer
            .write(
                chunk.lines[i],
                resident,
                chunk.names[i].as_deref(),
                group,
                result,
            )
            .expect("write");
    }
    for e in errors {
        writer.write_row_error(e).expect("write");
    }
    let text = String::from_utf8(writer.finish().expect("flush")).expect("utf-8");
    let mut csv = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        csv.headers().expect("headings").iter().collect::<Vec<_>>(),
        RESULT_HEADINGS
    );
    let rows: Vec<csv::StringRecord> = csv.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 12);
    let lines: Vec<u64> = rows.iter().map(|r| r[0].parse().expect("line")).collect();
    assert_eq!(lines, (2..=13).collect::<Vec<u64>>());
    assert_eq!(&rows[0][4], "enrolled");
    assert_eq!(&rows[0][6], "subsistence_allowance");
    assert_eq!(&rows[0][8], "140");
    assert_eq!(&rows[0][11], "140");
    assert_eq!(&rows[1][4], "error");
    assert!(rows[1][17].contains("check character"), "{}", &rows[1][17]);
}

/// The enrollment history of the rules since 2025, under the headings county offices use.
#[test]
fn history_columns_read_under_chinese_headings_and_round_trip() {
    let csv = "姓名,出生日期,缴费日期,参保类型,断保年数,修复年数,连续参保年数,上年零报销,父母参保,新入学,学生类型\n\
               甲,1985-03-01,2025-11-20,断保,3,2,,否,否,否,无\n\
               乙,1990-01-01,2025-10-01,续保,,,5,是,否,否,无\n\
               丙,2026-02-10,2026-03-01,首次参保,,,,否,是,否,无\n\
               丁,2007-05-01,2025-09-15,续保,,,,否,否,是,大中专学生\n\
               戊,1985-03-01,2025-11-20,断保,x,,,否,否,否,无\n";
    let chunk = read(csv);
    assert_eq!(chunk.residents.len(), 4, "{:?}", chunk.errors);
    let lapsed = &chunk.residents[0];
    assert_eq!(lapsed.enrollment, urrbmi::Enrollment::Lapsed);
    assert_eq!((lapsed.lapsed_years, lapsed.repair_years), (Some(3), 2));
    let renewal = &chunk.residents[1];
    assert_eq!(renewal.continuous_years, Some(5));
    assert!(renewal.claim_free_last_year);
    assert!(chunk.residents[2].parent_insured);
    assert!(chunk.residents[3].new_entrant);
    let error = &chunk.errors[0];
    assert_eq!((error.line, error.column.as_str()), (6, "断保年数"));

    // hunan-2026: 3 fixed + 2 variable - 2 repaired = 3 months from 2026-01-01 (M2-M4), and
    // 2 x 400 = 800 for the repair years; 5 continuous years raise the ceiling (5 - 3) x 5000 =
    // 10000 (M7, P8); a 2026 newborn with an insured parent is waived (P5); a new college
    // entrant is covered from 2025-09-01 (P7).
    let policy = Policy::builtin("hunan-2026").expect("built in");
    let a = urrbmi::evaluate(policy, lapsed).expect("evaluates");
    assert_eq!(a.benefit_start, Some(date(2026, 4, 1)));
    assert_eq!(
        a.repair_charge.map(|r| r.amount.to_string()),
        Some("800".into())
    );
    let a = urrbmi::evaluate(policy, renewal).expect("evaluates");
    assert_eq!(a.ceiling_raise.map(|r| r.to_string()), Some("10000".into()));
    let a = urrbmi::evaluate(policy, &chunk.residents[2]).expect("evaluates");
    assert_eq!(a.charged_standard, Some(urrbmi::Charge::Waived));
    let a = urrbmi::evaluate(policy, &chunk.residents[3]).expect("evaluates");
    assert_eq!(a.benefit_start, Some(date(2025, 9, 1)));

    let mut out = Vec::new();
    let mut writer = RosterWriter::new(&mut out).expect("writes");
    for r in &chunk.residents {
        writer.write(r, None, None, None).expect("writes");
    }
    writer.finish().expect("flushes");
    let back = read(std::str::from_utf8(&out).expect("UTF-8"));
    assert_eq!(back.residents, chunk.residents);
}

#[test]
fn a_contribution_grade_column_reads_and_writes() {
    // 泰安 (taian-2026): 一档 390, 二档 530; the grade by number or by its Chinese name.
    let chunk = read(
        "出生日期,缴费日期,缴费档次,人员类别\n\
         1975-03-03,2025-11-11,二档,\n\
         1975-03-03,2025-11-11,2,低保对象\n\
         1975-03-03,2025-11-11,,\n\
         1975-03-03,2025-11-11,十档,\n",
    );
    let grades: Vec<u8> = chunk
        .residents
        .iter()
        .map(|r| r.contribution_grade)
        .collect();
    assert_eq!(grades, [2, 2, 1]);
    let error = &chunk.errors[0];
    assert_eq!((error.line, error.column.as_str()), (5, "缴费档次"));

    let policy = Policy::builtin("taian-2026").expect("built in");
    let owed: Vec<String> = chunk
        .residents
        .iter()
        .map(|r| {
            urrbmi::evaluate(policy, r)
                .expect("evaluates")
                .owed
                .to_string()
        })
        .collect();
    assert_eq!(owed, ["530", "140", "390"]);

    let mut out = Vec::new();
    let mut writer = RosterWriter::new(&mut out).expect("writes");
    for r in &chunk.residents {
        writer.write(r, None, None, None).expect("writes");
    }
    writer.finish().expect("flushes");
    let back = read(std::str::from_utf8(&out).expect("UTF-8"));
    assert_eq!(back.residents, chunk.residents);
}
