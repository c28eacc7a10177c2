//! Rosters as county offices keep them: the same roster saved as GBK CSV, UTF-8 CSV with a
//! byte-order mark and CRLF, UTF-16 tab-separated text and an `.xlsx` workbook (each made here,
//! with `encoding_rs` and `rust_xlsxwriter`) gives the same residents and the same totals; and
//! whatever the tool cannot read is an error naming the row, the column and the fix.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use urrbmi::{CategoryKind, HeldCategory, Policy, Resident};
use urrbmi_analysis::roster::{
    AnnotatedWriter, Field, HeadingLanguage, InputFormat, RosterChunk, RosterError, RosterOptions,
    RosterReader, RowProblem,
};
use urrbmi_analysis::{Batch, Summary, idcard};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a date")
}

fn id(born: NaiveDate, sequence: u16) -> String {
    idcard::make("430902", born, sequence).expect("an ID number")
}

/// A fresh path in the temporary folder.
fn temp(name: &str) -> std::path::PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("urrbmi-county-{}-{n}-{name}", std::process::id()))
}

const HEADINGS: [&str; 10] = [
    "序号",
    "姓名",
    "身份证号",
    "性别",
    "人员类别",
    "缴费日期",
    "乡镇",
    "村",
    "联系电话",
    "备注",
];

/// The county roster: its cells (dates in the forms Excel leaves) and the residents it holds.
fn county() -> (Vec<[String; 10]>, Vec<Resident>) {
    let paid = date(2020, 10, 15);
    let born = [
        date(1980, 1, 1),
        date(1985, 2, 2),
        date(1950, 3, 3),
        date(1990, 4, 4),
        date(1966, 3, 8),
        date(1975, 5, 5),
    ];
    let fifteen = {
        // The old 15-digit form of a 1966 number: the century dropped, no check character.
        let new = id(born[4], 5);
        format!("{}{}", &new[..6], &new[8..17])
    };
    let spaced: String = {
        // An apostrophe, spaces and full-width digits, as typed into Excel.
        let plain = id(born[5], 6);
        let wide: String = plain
            .chars()
            .map(|c| char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap_or(c))
            .collect();
        format!("'{} {}", &wide[..6 * 3], &wide[6 * 3..])
    };
    let s = |t: &str| t.to_string();
    let rows = vec![
        [
            s("1"),
            s("张三"),
            id(born[0], 1),
            s("男"),
            s("低保"),
            s("2020-10-15"),
            s("沙头镇"),
            s("东村"),
            s("13800000001"),
            s(""),
        ],
        [
            s("2"),
            s("李四"),
            id(born[1], 2),
            s("女"),
            s(""),
            s("2020/10/15 0:00"),
            s("沙头镇"),
            s("西村"),
            s(""),
            s(""),
        ],
        [
            s("3"),
            s("王五"),
            id(born[2], 3),
            s("男"),
            s("特困"),
            s("44119"),
            s("新桥镇"),
            s("南村"),
            s(""),
            s("五保, 老人"),
        ],
        [
            s("4"),
            s("赵六"),
            id(born[3], 4),
            s("女"),
            s("脱贫户，残疾人（二级）"),
            s("2020年10月15日"),
            s("新桥镇"),
            s("南村"),
            s(""),
            s(""),
        ],
        [
            s("5"),
            s("钱七"),
            fifteen,
            s("男"),
            s("监测户/一级残疾"),
            s("20201015"),
            s("沙头镇"),
            s("东村"),
            s(""),
            s(""),
        ],
        [
            s("6"),
            s("孙八"),
            spaced,
            s("女"),
            s("重度残疾 低保"),
            s("2020-10-15"),
            s("沙头镇"),
            s("东村"),
            s(""),
            s(""),
        ],
    ];
    let kinds: [&[HeldCategory]; 6] = [
        &[HeldCategory::new(CategoryKind::SubsistenceAllowance)],
        &[],
        &[HeldCategory::new(CategoryKind::ExtremePoverty)],
        &[
            HeldCategory::new(CategoryKind::RegisteredPoor),
            HeldCategory::disability(2),
        ],
        &[
            HeldCategory::new(CategoryKind::Monitored),
            HeldCategory::disability(1),
        ],
        &[
            HeldCategory::disability(2),
            HeldCategory::new(CategoryKind::SubsistenceAllowance),
        ],
    ];
    let residents = born
        .iter()
        .zip(kinds)
        .enumerate()
        .map(|(i, (born, held))| {
            let mut r = Resident::new(*born, paid);
            r.id = Some((i + 1).to_string());
            r.categories = held.to_vec();
            r
        })
        .collect();
    (rows, residents)
}

/// The roster as text: a title row, the headings, the rows, two trailing empty rows.
fn county_text(separator: &str, newline: &str) -> String {
    let (rows, _) = county();
    let quote = |cell: &str| {
        if cell.contains([',', '"', '\t']) {
            format!("\"{}\"", cell.replace('"', "\"\""))
        } else {
            cell.to_string()
        }
    };
    let mut text = format!(
        "某某县2021年城乡居民医保参保台账{}{newline}",
        separator.repeat(9)
    );
    text.push_str(&HEADINGS.join(separator));
    text.push_str(newline);
    for row in &rows {
        let cells: Vec<String> = row.iter().map(|c| quote(c)).collect();
        text.push_str(&cells.join(separator));
        text.push_str(newline);
    }
    for _ in 0..2 {
        text.push_str(&separator.repeat(9));
        text.push_str(newline);
    }
    text
}

/// The roster as a workbook: the title in A1, the headings in row 2, dates as date cells, a
/// serial number and a date-time, and formatted but empty rows at the end.
fn county_xlsx(extra_sheet_first: bool) -> Vec<u8> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let (rows, _) = county();
    let mut book = Workbook::new();
    if extra_sheet_first {
        let notes = book.add_worksheet();
        notes.set_name("说明").expect("name");
        notes.write_string(0, 0, "填表说明").expect("write");
    }
    let sheet = book.add_worksheet();
    sheet.set_name("台账").expect("name");
    sheet
        .write_string(0, 0, "某某县2021年城乡居民医保参保台账")
        .expect("write");
    for (c, heading) in HEADINGS.iter().enumerate() {
        sheet.write_string(1, c as u16, *heading).expect("write");
    }
    let day = Format::new().set_num_format("yyyy-mm-dd");
    let stamp = Format::new().set_num_format("yyyy/m/d h:mm");
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 2;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            if c == 5 {
                match r {
                    // A date cell, a date-time cell, a bare serial number, text.
                    2 => sheet
                        .write_datetime_with_format(
                            r,
                            c,
                            ExcelDateTime::from_ymd(2020, 10, 15).expect("date"),
                            &day,
                        )
                        .expect("write"),
                    3 => sheet
                        .write_datetime_with_format(
                            r,
                            c,
                            ExcelDateTime::from_ymd(2020, 10, 15)
                                .and_then(|d| d.and_hms(9, 30, 0))
                                .expect("date-time"),
                            &stamp,
                        )
                        .expect("write"),
                    4 => sheet.write_number(r, c, 44119.0).expect("write"),
                    _ => sheet.write_string(r, c, cell).expect("write"),
                };
            } else if c == 0 {
                sheet
                    .write_number(r, c, cell.parse::<f64>().expect("a number"))
                    .expect("write");
            } else if !cell.is_empty() {
                sheet.write_string(r, c, cell).expect("write");
            }
        }
    }
    for r in 8..12 {
        for c in 0..10 {
            sheet.write_blank(r, c, &day).expect("write");
        }
    }
    book.save_to_buffer().expect("a workbook")
}

/// Reads a roster whole in small chunks, evaluating each chunk, as the CLI does.
fn run(
    reader: &mut RosterReader<impl std::io::Read>,
    policy: &Policy,
) -> (
    Summary,
    Vec<urrbmi_analysis::roster::RowError>,
    Vec<Resident>,
) {
    let mut summary = Summary::default();
    let mut errors = Vec::new();
    let mut residents = Vec::new();
    let mut chunk = RosterChunk::default();
    while reader.read_chunk(&mut chunk, 2).expect("reads") > 0 {
        let batch = Batch::new(policy);
        let batch = if reader.is_grouped() {
            batch.grouped(reader.groups(), &chunk.groups)
        } else {
            batch
        };
        let part = batch.run(&chunk.residents).expect("runs");
        summary.merge(&part.summary).expect("merges");
        errors.append(&mut chunk.errors);
        residents.append(&mut chunk.residents);
    }
    (summary, errors, residents)
}

fn policy() -> &'static Policy {
    Policy::builtin("ziyang-2021").expect("built-in")
}

/// What the residents come to when given directly.
fn expected() -> Summary {
    let (_, residents) = county();
    Batch::new(policy()).summarize(&residents).expect("runs")
}

fn check_county(mut reader: RosterReader<impl std::io::Read>, heading_line: u64, blank: u64) {
    let policy = policy();
    assert_eq!(reader.layout().heading_line, heading_line);
    assert_eq!(
        reader.layout().title_rows.first().map(|(_, t)| t.as_str()),
        Some("某某县2021年城乡居民医保参保台账")
    );
    let carried = &reader.layout().carried;
    for heading in ["性别", "村", "联系电话", "备注"] {
        assert!(
            carried.iter().any(|h| h == heading),
            "{heading}: {carried:?}"
        );
    }
    assert!(reader.layout().unknown.is_empty());
    let (summary, errors, residents) = run(&mut reader, policy);
    assert!(errors.is_empty(), "{errors:?}");
    let (_, want) = county();
    assert_eq!(residents, want);
    let expected = expected();
    assert_eq!(summary.totals, expected.totals);
    assert_eq!(summary.totals.residents, 6);
    assert_eq!(
        reader.blank_rows(),
        blank,
        "the trailing empty rows are skipped"
    );
    assert!(
        summary.by_group.contains_key("沙头镇") && summary.by_group.contains_key("新桥镇"),
        "{:?}",
        summary.by_group.keys()
    );
}

#[test]
fn the_same_roster_in_every_format_gives_the_same_totals() {
    // The totals are right, not merely equal: 低保 pays 140 of 280, no category pays 280.
    let expected = expected();
    let owed: Vec<Decimal> = county()
        .1
        .iter()
        .map(|r| {
            Batch::new(policy())
                .assess(r)
                .map(|a| a.owed)
                .expect("assessed")
        })
        .collect();
    assert_eq!(owed[0], Decimal::from(140));
    assert_eq!(owed[1], Decimal::from(280));
    assert_eq!(owed.iter().copied().sum::<Decimal>(), expected.totals.owed);

    // GBK, CRLF, as Chinese Excel saves "CSV".
    let text = county_text(",", "\r\n");
    let (gbk, _, lossy) = encoding_rs::GBK.encode(&text);
    assert!(!lossy);
    let reader = RosterReader::new(&*gbk).expect("GBK reads");
    assert_eq!(
        reader.format(),
        Some(&InputFormat::Text {
            encoding: "gb18030",
            bom: false,
            delimiter: ','
        })
    );
    check_county(reader, 2, 2);

    // UTF-8 with a byte-order mark and CRLF ("CSV UTF-8").
    let bom = format!("\u{feff}{text}");
    let reader = RosterReader::new(bom.as_bytes()).expect("UTF-8 reads");
    assert_eq!(
        reader.format(),
        Some(&InputFormat::Text {
            encoding: "UTF-8",
            bom: true,
            delimiter: ','
        })
    );
    check_county(reader, 2, 2);

    // UTF-8 without a byte-order mark, LF.
    let plain = county_text(",", "\n");
    check_county(RosterReader::new(plain.as_bytes()).expect("reads"), 2, 2);

    // UTF-16LE tab-separated ("Unicode text").
    let tabs = county_text("\t", "\r\n");
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in tabs.encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    let reader = RosterReader::new(&*utf16).expect("UTF-16 reads");
    assert_eq!(
        reader.format(),
        Some(&InputFormat::Text {
            encoding: "UTF-16LE",
            bom: true,
            delimiter: '\t'
        })
    );
    check_county(reader, 2, 2);

    // An .xlsx workbook with date cells, from memory and from a file.
    let book = county_xlsx(false);
    let reader = RosterReader::new(book.as_slice()).expect("xlsx reads");
    assert_eq!(
        reader.format(),
        Some(&InputFormat::Xlsx {
            sheet: "台账".into()
        })
    );
    check_county(reader, 2, 4);
    let path = temp("county.xlsx");
    std::fs::write(&path, &book).expect("written");
    check_county(
        RosterReader::from_path(&path).expect("xlsx file reads"),
        2,
        4,
    );
    std::fs::remove_file(path).expect("removed");
}

#[test]
fn a_workbook_sheet_is_chosen_by_name() {
    let book = county_xlsx(true);
    // The first sheet is the notes: no heading row there.
    let err = RosterReader::new(book.as_slice()).expect_err("the notes sheet");
    assert!(matches!(err, RosterError::Headings { .. }), "{err}");
    let options = RosterOptions {
        sheet: Some("台账".into()),
        ..RosterOptions::default()
    };
    check_county(
        RosterReader::with_options(book.as_slice(), &options).expect("reads"),
        2,
        4,
    );
    let options = RosterOptions {
        sheet: Some("Sheet9".into()),
        ..RosterOptions::default()
    };
    let err = RosterReader::with_options(book.as_slice(), &options).expect_err("no such sheet");
    let message = err.to_string();
    assert!(
        message.contains("说明") && message.contains("台账"),
        "{message}"
    );
}

#[test]
fn an_id_number_saved_as_a_number_is_an_error_saying_so() {
    use rust_xlsxwriter::Workbook;
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["姓名", "身份证号", "缴费日期"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).expect("write");
    }
    sheet.write_string(1, 0, "张三").expect("write");
    sheet
        .write_number(1, 1, 430902198001011234.0)
        .expect("write");
    sheet.write_string(1, 2, "2020-10-15").expect("write");
    let bytes = book.save_to_buffer().expect("saved");
    let mut reader = RosterReader::new(bytes.as_slice()).expect("reads");
    let chunk = reader.read_all().expect("reads");
    let error = chunk.errors.first().expect("an error");
    assert_eq!(error.line, 2);
    assert_eq!(error.column, "身份证号");
    assert_eq!(error.problem, RowProblem::IdNumberAsNumber);
    assert!(
        error.to_string().contains("format the column as text"),
        "{error}"
    );
    // And in a CSV that Excel saved with the column as a number.
    let csv = "姓名,身份证号,缴费日期\n张三,4.30902E+17,2020-10-15\n";
    let chunk = RosterReader::new(csv.as_bytes())
        .expect("reads")
        .read_all()
        .expect("reads");
    assert_eq!(chunk.errors[0].problem, RowProblem::IdNumberAsNumber);
}

#[test]
fn fifteen_digit_ids_are_upgraded_only_when_the_birth_date_agrees() {
    let new = id(date(1966, 3, 8), 5);
    let old = format!("{}{}", &new[..6], &new[8..17]);
    let csv = format!(
        "姓名,身份证号,出生日期,缴费日期\n甲,{old},1966-03-08,2020-10-15\n乙,{old},1966-03-09,2020-10-15\n"
    );
    let chunk = RosterReader::new(csv.as_bytes())
        .expect("reads")
        .read_all()
        .expect("reads");
    assert_eq!(chunk.residents.len(), 1);
    assert_eq!(chunk.residents[0].birth_date, date(1966, 3, 8));
    let error = &chunk.errors[0];
    assert_eq!((error.line, error.column.as_str()), (3, "出生日期"));
    assert!(matches!(
        error.problem,
        RowProblem::BirthDateMismatch { .. }
    ));
}

#[test]
fn near_miss_headings_stop_the_run_unless_mapped_or_ignored() {
    let born = date(1980, 1, 1);
    let csv = format!(
        "姓名,身份证号,人员类型,缴费时间,所属乡镇\n张三,{},低保,2020-10-15,沙头镇\n",
        id(born, 1)
    );
    let err = RosterReader::new(csv.as_bytes()).expect_err("near misses");
    let message = err.to_string();
    for part in [
        "`人员类型` looks like `人员类别`",
        "--map 人员类型=categories",
        "`缴费时间` looks like `缴费日期`",
        "--ignore 所属乡镇",
    ] {
        assert!(message.contains(part), "{part}: {message}");
    }
    // Mapped and ignored by options...
    let options = RosterOptions::default()
        .map("人员类型", Field::Categories)
        .map("缴费时间", Field::PaymentDate)
        .ignore("所属乡镇");
    let mut reader = RosterReader::with_options(csv.as_bytes(), &options).expect("reads");
    assert_eq!(reader.layout().ignored, ["所属乡镇"]);
    let chunk = reader.read_all().expect("reads");
    assert_eq!(
        chunk.residents[0].categories[0].kind,
        CategoryKind::SubsistenceAllowance,
        "the 低保 resident is billed as such, not the full 280"
    );
    // ...or by a mapping file, naming fields by their Chinese headings.
    let options = RosterOptions::default()
        .mapping(
            "ignore = [\"所属乡镇\"]\n[map]\n\"人员类型\" = \"人员类别\"\n\"缴费时间\" = \"缴费日期\"\n",
            "mapping.toml",
        )
        .expect("a mapping");
    let chunk = RosterReader::with_options(csv.as_bytes(), &options)
        .expect("reads")
        .read_all()
        .expect("reads");
    assert_eq!(chunk.residents.len(), 1);
    // A mapping to a field that does not exist lists the fields.
    let err = RosterOptions::default()
        .mapping("[map]\n\"人员类型\" = \"kinds\"\n", "mapping.toml")
        .expect_err("no such field");
    assert!(err.to_string().contains("categories (人员类别)"), "{err}");
    // Mapping a heading the roster lacks is an error too.
    let options = RosterOptions::default().ignore("村");
    let err = RosterReader::with_options(csv.as_bytes(), &options).expect_err("no 村");
    assert!(err.to_string().contains("no such heading"), "{err}");
}

#[test]
fn unknown_headings_are_listed_and_a_missing_category_column_is_visible() {
    let csv = format!(
        "姓名,身份证号,缴费日期,银行账号\n张三,{},2020-10-15,6222\n",
        id(date(1980, 1, 1), 1)
    );
    let reader = RosterReader::new(csv.as_bytes()).expect("reads");
    assert_eq!(reader.layout().unknown, ["银行账号"]);
    assert!(!reader.layout().has(Field::Categories));
    assert!(reader.ignored_columns().contains(&"银行账号".to_string()));
}

#[test]
fn an_unclosed_quote_costs_one_row_not_the_rest() {
    let mut csv = String::from("姓名,出生日期,缴费日期,备注\n");
    for i in 1..=1000 {
        if i == 3 {
            csv.push_str("\"王五,1980-01-01,2020-10-15,\n");
        } else {
            csv.push_str(&format!("居民{i},1980-01-01,2020-10-15,\n"));
        }
    }
    let chunk = RosterReader::new(csv.as_bytes())
        .expect("reads")
        .read_all()
        .expect("reads");
    assert_eq!(chunk.residents.len(), 999);
    assert_eq!(chunk.errors.len(), 1);
    let error = &chunk.errors[0];
    assert_eq!(error.line, 4, "the line where the quote opened");
    assert_eq!(error.column, "姓名");
    assert_eq!(error.problem, RowProblem::UnclosedQuote);
    assert_eq!(chunk.lines.last(), Some(&1001));
}

#[test]
fn line_numbers_are_physical_lines() {
    // CRLF, a blank line, a quoted cell over two lines, then a bad row: its line is the one a
    // text editor shows.
    let csv = "姓名,出生日期,缴费日期,备注\r\n\
               甲,1980-01-01,2020-10-15,\r\n\
               \r\n\
               乙,1980-01-01,2020-10-15,\"两行\r\n的备注\"\r\n\
               丙,1980-13-01,2020-10-15,\r\n\
               丁,1980-01-01,2020-10-15,\r\n";
    let chunk = RosterReader::new(csv.as_bytes())
        .expect("reads")
        .read_all()
        .expect("reads");
    assert_eq!(chunk.lines, [2, 4, 7]);
    assert_eq!(chunk.errors.len(), 1);
    assert_eq!(chunk.errors[0].line, 6);
    assert_eq!(chunk.errors[0].column, "出生日期");
    assert_eq!(chunk.blank_rows, 1);
}

#[test]
fn duplicate_id_numbers_are_flagged() {
    let same = id(date(1980, 1, 1), 1);
    let csv = format!(
        "姓名,身份证号,缴费日期\n甲,{same},2020-10-15\n乙,{},2020-10-15\n丙,{},2020-10-16\n",
        id(date(1981, 1, 1), 2),
        same.to_lowercase()
    );
    let chunk = RosterReader::new(csv.as_bytes())
        .expect("reads")
        .read_all()
        .expect("reads");
    assert_eq!(chunk.residents.len(), 2);
    assert_eq!(chunk.errors[0].line, 4);
    assert_eq!(
        chunk.errors[0].problem,
        RowProblem::DuplicateIdNumber { first_line: 2 }
    );
}

#[test]
fn unknown_values_list_what_is_accepted() {
    let born = date(1980, 1, 1);
    let csv = format!(
        "姓名,身份证号,户籍类型,学生类型,缴费日期,是否新入学\n\
         甲,{},农业,,2020-10-15,\n\
         乙,{},外国,,2020-10-15,\n\
         丙,{},本地,研究生,2020-10-15,\n",
        id(born, 1),
        id(born, 2),
        id(born, 3),
    );
    // 是否新入学 resembles 新入学: mapped here.
    let options = RosterOptions::default().map("是否新入学", Field::NewEntrant);
    let chunk = RosterReader::with_options(csv.as_bytes(), &options)
        .expect("reads")
        .read_all()
        .expect("reads");
    assert_eq!(chunk.errors.len(), 3);
    let hukou = chunk.errors[0].to_string();
    assert!(
        hukou.contains("户口性质") && hukou.contains("本地") && hukou.contains("外地"),
        "{hukou}"
    );
    let other = chunk.errors[1].to_string();
    assert!(other.contains("local") && other.contains("本地"), "{other}");
    let student = chunk.errors[2].to_string();
    assert!(
        student.contains("college") && student.contains("中小学生"),
        "{student}"
    );
    assert!(chunk.errors.iter().all(|e| e.line >= 2));
}

#[test]
fn yes_no_cells_and_grades_in_words() {
    let born = date(2010, 1, 1);
    let csv = format!(
        "姓名,身份证号,新入学,残疾等级,缴费日期\n甲,{},是,2级,2020-10-15\n乙,{},否,一级,2020-10-15\n",
        id(born, 1),
        id(born, 2)
    );
    let chunk = RosterReader::new(csv.as_bytes())
        .expect("reads")
        .read_all()
        .expect("reads");
    assert!(chunk.errors.is_empty(), "{:?}", chunk.errors);
    assert!(chunk.residents[0].new_entrant);
    assert!(!chunk.residents[1].new_entrant);
    assert_eq!(chunk.residents[0].categories[0].grade, Some(2));
    assert_eq!(chunk.residents[1].categories[0].grade, Some(1));
}

#[test]
fn grouping_by_township_and_village() {
    let text = county_text(",", "\n");
    let options = RosterOptions::default().group_by("乡镇").group_by("村");
    let mut reader = RosterReader::with_options(text.as_bytes(), &options).expect("reads");
    assert_eq!(reader.group_heading(), Some("乡镇 / 村"));
    let (summary, errors, _) = run(&mut reader, policy());
    assert!(errors.is_empty());
    let groups: Vec<(&str, u64)> = summary
        .by_group
        .iter()
        .map(|(k, t)| (k.as_str(), t.residents))
        .collect();
    assert_eq!(
        groups,
        [
            ("新桥镇 / 南村", 2),
            ("沙头镇 / 东村", 3),
            ("沙头镇 / 西村", 1)
        ]
    );
}

#[test]
fn the_roster_comes_back_with_its_results_as_csv_and_xlsx() {
    let policy = policy();
    // One bad row among the good, to show its error.
    let mut text = county_text(",", "\r\n");
    text.push_str("7,周九,,男,,2020-10-15,沙头镇,东村,,\r\n");
    for (name, language) in [
        ("back.csv", HeadingLanguage::Chinese),
        ("back.xlsx", HeadingLanguage::English),
    ] {
        let path = temp(name);
        let mut reader = RosterReader::new(text.as_bytes()).expect("reads");
        let mut writer =
            AnnotatedWriter::create(&path, reader.headings(), language, policy).expect("created");
        let mut chunk = RosterChunk::default();
        while reader.read_chunk(&mut chunk, 3).expect("reads") > 0 {
            let part = Batch::new(policy).run(&chunk.residents).expect("runs");
            writer
                .write_chunk(&chunk, &part.assessments, |line, e| {
                    reader.evaluation_error(line, e)
                })
                .expect("written");
        }
        writer.finish().expect("saved");
        let rows: Vec<Vec<String>> = if name.ends_with(".csv") {
            let bytes = std::fs::read(&path).expect("read");
            assert!(
                bytes.starts_with(b"\xEF\xBB\xBF"),
                "a byte-order mark for Excel"
            );
            csv::Reader::from_reader(&bytes[3..])
                .records()
                .map(|r| r.expect("a record").iter().map(str::to_string).collect())
                .collect()
        } else {
            use calamine::Reader;
            let mut book: calamine::Xlsx<_> = calamine::open_workbook(&path).expect("opens");
            let range = book.worksheet_range_at(0).expect("a sheet").expect("reads");
            range
                .rows()
                .skip(1)
                .map(|r| r.iter().map(|c| c.to_string()).collect())
                .collect()
        };
        assert_eq!(rows.len(), 7, "every row, the bad one too");
        let first = &rows[0];
        assert_eq!(first[1], "张三");
        assert_eq!(first[9], "", "the 备注 cell, carried");
        assert_eq!(first[11], "140", "owed, after the roster's own columns");
        let last = &rows[6];
        assert!(
            last.last().is_some_and(|e| e.contains("line 11")),
            "{last:?}"
        );
        std::fs::remove_file(&path).expect("removed");
    }
}

#[test]
fn gbk_rows_under_english_headings_read() {
    let text = format!(
        "name,id_number,categories,payment_date,township\n张三,{},低保对象,2020-10-15,沙头镇\n",
        id(date(1980, 1, 1), 1)
    );
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    let mut reader = RosterReader::new(&*gbk).expect("reads");
    let chunk = reader.read_all().expect("reads");
    assert!(chunk.errors.is_empty(), "{:?}", chunk.errors);
    assert_eq!(chunk.names[0].as_deref(), Some("张三"));
    assert_eq!(
        chunk.residents[0].categories[0].kind,
        CategoryKind::SubsistenceAllowance
    );
    assert_eq!(reader.groups().name(chunk.groups[0]), Some("沙头镇"));
}

#[test]
fn an_unknown_category_is_an_error_listing_the_names_accepted() {
    let csv = format!(
        "姓名,身份证号,人员类别,缴费日期\n张三,{},困难户甲,2020-10-15\n",
        id(date(1980, 1, 1), 1)
    );
    let mut reader = RosterReader::new(csv.as_bytes()).expect("reads");
    let chunk = reader.read_all().expect("reads");
    let part = Batch::new(policy()).run(&chunk.residents).expect("runs");
    let error = part.assessments[0].as_ref().expect_err("not a category");
    let error = reader.evaluation_error(chunk.lines[0], error);
    assert_eq!((error.line, error.column.as_str()), (2, "人员类别"));
    let message = error.to_string();
    assert!(
        message.contains("困难户甲") && message.contains("subsistence_allowance"),
        "{message}"
    );
}

/// A policy's own funder (the village fixture's 村集体) has a column of its own in the roster
/// written back, after the built-in funders', in CSV and in a workbook, headed by its Chinese
/// name or its id; on every row what the resident owes and what each funder pays add up to what
/// was charged.
#[test]
fn a_policys_own_funder_has_a_column_in_the_roster_written_back() {
    let policy = Policy::from_path(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/regions/village/policy.toml"
    ))
    .expect("the village fixture");
    let text = "姓名,出生日期,户属性,缴费日期,人员类别\n\
                甲,1970-01-01,本地,2025-04-10,本村村民\n\
                乙,1971-02-02,本地,2025-05-10,山区村村民\n\
                丙,1972-03-03,本地,2025-06-10,\n\
                丁,1973-04-04,本地,2025-06-11,village_member\n";
    for (name, language, heading) in [
        ("village.csv", HeadingLanguage::Chinese, "村集体"),
        (
            "village.xlsx",
            HeadingLanguage::English,
            "village_collective",
        ),
    ] {
        let path = temp(name);
        let mut reader = RosterReader::new(text.as_bytes()).expect("reads");
        let mut writer =
            AnnotatedWriter::create(&path, reader.headings(), language, &policy).expect("created");
        let chunk = reader.read_all().expect("reads");
        assert!(chunk.errors.is_empty(), "{:?}", chunk.errors);
        let part = Batch::new(&policy).run(&chunk.residents).expect("runs");
        writer
            .write_chunk(&chunk, &part.assessments, |line, e| {
                reader.evaluation_error(line, e)
            })
            .expect("written");
        writer.finish().expect("saved");
        let rows: Vec<Vec<String>> = if name.ends_with(".csv") {
            let bytes = std::fs::read(&path).expect("read");
            csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(&bytes[3..])
                .records()
                .map(|r| r.expect("a record").iter().map(str::to_string).collect())
                .collect()
        } else {
            use calamine::Reader;
            let mut book: calamine::Xlsx<_> = calamine::open_workbook(&path).expect("opens");
            let range = book.worksheet_range_at(0).expect("a sheet").expect("reads");
            range
                .rows()
                .map(|r| r.iter().map(|c| c.to_string()).collect())
                .collect()
        };
        std::fs::remove_file(&path).expect("removed");
        let headings = &rows[0];
        let owed = 5 + 1;
        let builtin = match language {
            HeadingLanguage::Chinese => ["财政资助", "医疗救助", "优抚资金"],
            HeadingLanguage::English => ["fiscal", "medical_assistance", "entitled_group_fund"],
        };
        assert_eq!(
            headings[owed + 1..owed + 5],
            [builtin[0], builtin[1], builtin[2], heading],
            "{headings:?}"
        );
        assert_eq!(rows.len(), 5, "the heading row and four residents");
        let amount = |cell: &str| {
            cell.parse::<Decimal>()
                .unwrap_or_else(|_| panic!("{cell:?}"))
        };
        let mut village_paid = Vec::new();
        for (row, result) in rows[1..].iter().zip(&part.assessments) {
            let a = result.as_ref().expect("assessed");
            assert!(a.is_enrolled(), "{row:?}");
            let paid: Decimal = row[owed..owed + 5].iter().map(|c| amount(c)).sum();
            assert_eq!(paid, a.charged, "owed and every funder: {row:?}");
            village_paid.push(amount(&row[owed + 4]));
        }
        assert_eq!(
            village_paid,
            [200, 0, 0, 200].map(Decimal::from),
            "the village pays for its own members"
        );
    }
}
