//! Rosters (台账): reading residents from a workbook (`.xlsx`, `.xls`) or delimited text in
//! UTF-8, GB18030/GBK or UTF-16 (detected per file, see [`InputFormat`]), writing rosters and
//! results, and writing a roster back with its results ([`AnnotatedWriter`]).
//!
//! A roster has one resident per row, below a heading row (title rows above it, with one cell
//! filled, are skipped and kept in [`Layout::title_rows`]). Headings may be the English field
//! names of the data contract (`docs/contract.md`) or the Chinese headings a county office
//! uses; they are matched without regard to case, spaces, `*` marks, full-width brackets or a
//! byte-order mark. No column is dropped silently: a heading that resembles one read
//! ([`resembles`]: `人员类型` for `人员类别`) refuses the roster ([`RosterError::UnreadHeadings`])
//! unless it is mapped or ignored ([`RosterOptions`]); headings known to carry no rule input
//! ([`CARRIED_HEADINGS`]) are carried; any other is listed in [`Layout::unknown`].
//!
//! | field | headings accepted | values |
//! |---|---|---|
//! | `id` | `id`, 编号, 序号, 人员编号 | any text, carried to the results |
//! | `name` | `name`, 姓名 | any text, carried to the results |
//! | `id_number` | `id_number`, 身份证号, 身份证号码, 公民身份号码, 证件号码 | 18 characters, GB 11643-1999 (a 15-digit number is upgraded; an apostrophe, spaces and full-width digits are cleaned; a number in Excel's scientific notation is an error saying so) |
//! | `birth_date` | `birth_date`, 出生日期 | `YYYY-MM-DD`, `YYYY/M/D`, `YYYYMMDD`, `YYYY年M月D日`, a date-time (`2020/9/1 0:00`), an Excel serial (44075) or date cell |
//! | `payment_date` | `payment_date`, 缴费日期, 缴费到账日期 | as `birth_date`; **required** |
//! | `hukou` | `hukou`, 户属性, 户籍, 户籍类型 | `local`/本地/本地户籍/本县, `other`/外地/外地户籍/外省; **not** 农业/非农业 (the kind of hukou, 户口性质: an error says so) |
//! | `residence_permit` | `residence_permit`, 居住证 | yes/no (see below) |
//! | `student` | `student`, 学生, 学生类型 | `none`/无, `school`/中小学生, `college`/大中专学生 |
//! | `enrollment` | `enrollment`, 参保类型 | `renewal`/续保, `first_time`/首次参保, `lapsed`/断保 |
//! | `lapsed_years` | `lapsed_years`, 断保年数 | a whole number (with `lapsed`) |
//! | `repair_years` | `repair_years`, 修复年数, 缴费修复年数 | a whole number |
//! | `continuous_years` | `continuous_years`, 连续参保年数 | a whole number |
//! | `claim_free_last_year` | `claim_free_last_year`, 上年零报销, 零报销 | yes/no |
//! | `parent_insured` | `parent_insured`, 父母参保 | yes/no |
//! | `new_entrant` | `new_entrant`, 新入学 | yes/no |
//! | `contribution_grade` | `contribution_grade`, 缴费档次 | 1–9 or 一档…九档 (where the policy has grades) |
//! | `household_unit` | `household_unit`, 以户参保, 以户为单位参保 | yes/no |
//! | `employee_insurance_obligated` | `employee_insurance_obligated`, 职工医保应参保 | yes/no |
//! | `categories` | `categories`, 人员类别, 身份类别, 困难群众类别, 困难类别, 资助类别 | a list separated by `;`, `；`, `、`, `，`, `,`, `/` or spaces; county spellings such as 低保, 特困, 脱贫户, 监测户, 重度残疾, 一级残疾, 残疾人（二级） ([`county_category_spellings`]) |
//! | `disability_grade` | `disability_grade`, 残疾等级, 残疾级别 | 1–4, 一级…四级, 2级 |
//! | `special` | `special`, 特殊情形 | a special circumstance id or Chinese name |
//! | `special_date` | `special_date`, 特殊情形日期 | a date |
//! | `township` | `township`, `group`, 乡镇, 乡镇（街道）, 乡镇街道 | the default grouping key ([`RosterOptions::group_by`] for others, or several) |
//!
//! Either `birth_date` or `id_number` is required. When a row gives an ID number, its check
//! character is verified ([`crate::idcard`]) and the birth date is taken from it; a birth date
//! given as well must agree. A category in the list may carry a disability grade and a
//! recognition date: `disability:2`, `低保对象@2020-06-01`, `残疾人:1@2019-03-02`. A grade in
//! the `disability_grade` column adds a disability if the list has none. Yes/no columns accept
//! `true`/`false`, `yes`/`no`, `y`/`n`, `1`/`0`, 是/否, 有/无; an empty cell takes the default of
//! [`Resident::new`](urrbmi::Resident::new).
//!
//! A row that cannot be read is a [`RowError`] naming its line (the physical line of a text
//! file, CRLF, blank lines and quoted newlines counted; a sheet's row number), its column (as
//! headed in the file) and the reason; the rows after it are read as usual. An ID number seen
//! on an earlier line is such an error too. Reading is streaming: a roster of
//! any length is read in chunks ([`RosterReader::read_chunk`]) into buffers that are reused.
//!
//! ```
//! use urrbmi_analysis::roster::{RosterChunk, RosterReader};
//!
//! let csv = "姓名,身份证号,户属性,缴费日期,乡镇,人员类别\n\
//!            张三,11010519491231002X,本地,2020-10-15,沙头镇,低保对象\n\
//!            李四,110105194912310021,本地,2020-10-16,沙头镇,\n";
//! let mut reader = RosterReader::new(csv.as_bytes())?;
//! let mut chunk = RosterChunk::default();
//! reader.read_chunk(&mut chunk, 1000)?;
//! assert_eq!(chunk.residents.len(), 1);
//! assert_eq!(chunk.residents[0].birth_date.to_string(), "1949-12-31");
//! assert_eq!(chunk.errors.len(), 1);
//! assert_eq!(chunk.errors[0].line, 3);
//! assert_eq!(chunk.errors[0].column, "身份证号");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod cells;
mod errors;
mod headings;
mod output;
mod read;
mod source;
mod write;

pub use cells::{county_category_spellings, excel_serial, parse_categories, parse_cell_date};
pub use errors::{RosterError, RowError, RowProblem};
pub use headings::{
    CARRIED_HEADINGS, Field, Layout, NearMiss, RESULT_HEADINGS, WRITER_HEADINGS, resembles,
};
pub use output::{
    AnnotatedWriter, HeadingLanguage, OutputFormat, Problems, RowResult, is_read_problem,
    result_headings, result_headings_for,
};
pub use read::{RosterChunk, RosterOptions, RosterReader, RowOutcome};
pub use source::{InputFormat, MAX_SPAN, RosterRow};
pub use write::{ResultWriter, RosterWriter};
