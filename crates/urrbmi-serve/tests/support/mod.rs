//! A server on an ephemeral loopback port, for the tests; and what the library says.

#![allow(dead_code)]

use std::net::SocketAddr;

use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use urrbmi::{Policy, Resident, evaluate};
use urrbmi_analysis::batch::Batch;
use urrbmi_analysis::roster::{ResultWriter, RosterChunk, RosterReader};
use urrbmi_serve::{Config, ServeError};

/// A running server: its address and a way to stop it.
pub struct Server {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), ServeError>>>,
}

impl Server {
    /// Starts a server with `config` (its address ignored) on 127.0.0.1:0.
    pub async fn start(config: Config) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local address");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            urrbmi_serve::serve(listener, &config, async {
                let _ = stopped.await;
            })
            .await
        });
        Server {
            addr,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Starts a server with the default limits and no request log.
    pub async fn default_quiet() -> Server {
        Server::start(quiet()).await
    }

    /// `http://127.0.0.1:port` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Asks for a graceful shutdown and waits for it.
    pub async fn stop(mut self) -> Result<(), ServeError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.task.take() {
            Some(task) => task.await.expect("the server task ends"),
            None => Ok(()),
        }
    }
}

/// The default configuration without the request log.
pub fn quiet() -> Config {
    Config {
        log: false,
        ..Config::default()
    }
}

/// The library's answer for `resident` (JSON text) as the contract writes it: the core's JSON
/// of the assessment, with `key` (`index` or `line`) and `id` added.
pub fn library_answer(policy: &str, resident: &str, key: &str, at: u64) -> serde_json::Value {
    let policy = Policy::builtin(policy).expect("built-in policy");
    let resident = Resident::from_json(resident).expect("a resident");
    let assessment = evaluate(policy, &resident).expect("evaluates");
    let mut value = serde_json::to_value(&assessment).expect("serializes");
    let map = value.as_object_mut().expect("an object");
    map.insert(key.to_string(), at.into());
    map.insert(
        "id".to_string(),
        resident.id.map_or(serde_json::Value::Null, Into::into),
    );
    value
}

/// A plain adult paying in Ziyang's 2021 window.
pub const PLAIN_ADULT: &str =
    r#"{"id": "plain", "birth_date": "1985-06-01", "payment_date": "2020-11-02"}"#;

/// A grade-2 disabled resident in Changsha 2021: paid for by a fund.
pub const DISABLED: &str = r#"{"id": "d-2", "birth_date": "1975-08-01", "payment_date": "2020-11-20", "categories": [{"kind": "disability", "grade": 2, "recognized_on": "2019-03-02"}]}"#;

/// Hunan 2026, five years without cover, paying after the window: a waiting period.
pub const LAPSED: &str = r#"{"id": "lapsed-5", "birth_date": "1979-06-06", "payment_date": "2026-03-31", "enrollment": "lapsed", "lapsed_years": 5}"#;

/// A mix of residents for `policy` (ziyang-2021), some with categories, some refused.
pub fn ziyang_mix(n: usize, seed: usize) -> Vec<String> {
    let kinds = [
        "",
        "subsistence_allowance",
        "extreme_poverty",
        "registered_poor",
        "orphan",
    ];
    (0..n)
        .map(|i| {
            let k = (i + seed) % kinds.len();
            let day = 1 + (i * 7 + seed) % 28;
            let month = [9, 10, 11, 12, 1, 2, 3][(i + seed) % 7];
            let year = if month >= 9 { 2020 } else { 2021 };
            let categories = match kinds[k] {
                "" => String::new(),
                kind => format!(r#", "categories": [{{"kind": "{kind}"}}]"#),
            };
            format!(
                r#"{{"id": "r{seed}-{i}", "birth_date": "19{:02}-03-{:02}", "payment_date": "{year}-{month:02}-{day:02}"{categories}}}"#,
                40 + (i % 60),
                1 + i % 28
            )
        })
        .collect()
}

/// A roster with Chinese headings, a bad row and a township column.
pub fn roster_csv() -> String {
    let mut csv = String::from("姓名,身份证号,户属性,缴费日期,乡镇,人员类别\n");
    csv.push_str("张三,11010519491231002X,本地,2020-10-15,沙头镇,低保对象\n");
    csv.push_str("李四,110105194912310021,本地,2020-10-16,沙头镇,\n");
    csv.push_str("王五,110105194912310038,本地,2021-06-01,迎风桥镇,\n");
    csv.push_str("赵六,110105194912310046,外地,2020-11-01,迎风桥镇,特困人员\n");
    csv
}

/// What the analysis crate writes for a roster (one chunk): the summary and the results CSV.
pub fn library_roster(policy: &str, csv: &str) -> (Value, String) {
    let policy = Policy::builtin(policy).expect("built in");
    let mut reader = RosterReader::new(csv.as_bytes()).expect("reads");
    let mut chunk = RosterChunk::default();
    reader.read_chunk(&mut chunk, 10_000).expect("reads");
    let batch = Batch::new(policy);
    let batch = if reader.is_grouped() {
        batch.grouped(reader.groups(), &chunk.groups)
    } else {
        batch
    };
    let out = batch.run(&chunk.residents).expect("runs");
    let mut writer = ResultWriter::new(Vec::new(), policy).expect("writes");
    let mut errors = chunk.errors.iter().peekable();
    for (i, (resident, result)) in chunk.residents.iter().zip(&out.assessments).enumerate() {
        let line = chunk.lines[i];
        while let Some(e) = errors.next_if(|e| e.line < line) {
            writer.write_row_error(e).expect("writes");
        }
        let group = chunk.groups.get(i).and_then(|id| reader.groups().name(*id));
        writer
            .write(line, resident, chunk.names[i].as_deref(), group, result)
            .expect("writes");
    }
    for e in errors {
        writer.write_row_error(e).expect("writes");
    }
    let text = String::from_utf8(writer.finish().expect("finishes")).expect("UTF-8");
    (serde_json::to_value(&out.summary).expect("JSON"), text)
}

/// A cell of a test workbook.
pub enum Cell<'a> {
    /// Text.
    Text(&'a str),
    /// A date, stored as Excel stores it: a serial day number, formatted as a date.
    Date(chrono::NaiveDate),
    /// Nothing.
    Empty,
}

fn escape_xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A minimal .xlsx workbook with one sheet named `sheet` holding `rows`, written by hand (inline
/// strings, a date style), as Excel lays the parts out.
pub fn xlsx(sheet: &str, rows: &[Vec<Cell<'_>>]) -> Vec<u8> {
    use std::io::Write;
    let epoch = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).expect("a date");
    let mut data = String::new();
    for (r, row) in rows.iter().enumerate() {
        data.push_str(&format!("<row r=\"{}\">", r + 1));
        for (c, cell) in row.iter().enumerate() {
            let column = (b'A' + c as u8) as char;
            let at = format!("{column}{}", r + 1);
            match cell {
                Cell::Text(t) => data.push_str(&format!(
                    "<c r=\"{at}\" t=\"inlineStr\"><is><t>{}</t></is></c>",
                    escape_xml(t)
                )),
                Cell::Date(d) => data.push_str(&format!(
                    "<c r=\"{at}\" s=\"1\"><v>{}</v></c>",
                    (*d - epoch).num_days()
                )),
                Cell::Empty => {}
            }
        }
        data.push_str("</row>");
    }
    let parts = [
        ("[Content_Types].xml", r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>"#.to_string()),
        ("_rels/.rels", r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_string()),
        ("xl/workbook.xml", format!(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="{}" sheetId="1" r:id="rId1"/></sheets></workbook>"#, escape_xml(sheet))),
        ("xl/_rels/workbook.xml.rels", r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#.to_string()),
        ("xl/styles.xml", r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>"#.to_string()),
        ("xl/worksheets/sheet1.xml", format!(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{data}</sheetData></worksheet>"#)),
    ];
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, text) in parts {
        zip.start_file(name, options).expect("a part");
        zip.write_all(text.as_bytes()).expect("writes");
    }
    zip.finish().expect("a workbook").into_inner()
}

/// [`roster_csv`] as a workbook: the payment dates as date cells, the rest as text.
pub fn roster_xlsx() -> Vec<u8> {
    let csv = roster_csv();
    let rows: Vec<Vec<Cell<'_>>> = csv
        .lines()
        .enumerate()
        .map(|(i, line)| {
            line.split(',')
                .enumerate()
                .map(|(c, field)| match (i, c, field) {
                    (_, _, "") => Cell::Empty,
                    (1.., 3, date) => Cell::Date(
                        chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").expect("a date"),
                    ),
                    (_, _, text) => Cell::Text(text),
                })
                .collect()
        })
        .collect();
    xlsx("台账", &rows)
}
