//! The calculator page in a real, headless Chromium driven over WebDriver (chromedriver): fill
//! the form, read what the page shows, upload a roster, and fail on anything that differs from
//! what the library computes for the same resident.
//!
//! Chromium and chromedriver come from the distribution's packages (Debian: `chromium`,
//! `chromium-driver`); `.ci/run` installs them. Without them this test is skipped with a loud
//! message, unless `URRBMI_REQUIRE_BROWSER=1`, when their absence fails it. `URRBMI_CHROMIUM`
//! and `URRBMI_CHROMEDRIVER` name other binaries.

mod support;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use urrbmi::{Policy, Resident, evaluate};

use support::{Server, library_roster, roster_csv, roster_xlsx};

/// A program from the environment variable, or the first of `candidates` that exists (by path
/// or on `PATH`).
fn find(variable: &str, candidates: &[&str]) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(variable) {
        // A path given that does not exist is a missing program, not another to look for.
        let path = PathBuf::from(path);
        return path.exists().then_some(path);
    }
    let path_dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    for candidate in candidates {
        let direct = Path::new(candidate);
        if direct.is_absolute() && direct.exists() {
            return Some(direct.to_path_buf());
        }
        for dir in &path_dirs {
            let full = dir.join(candidate);
            if full.exists() {
                return Some(full);
            }
        }
    }
    None
}

/// A chromedriver process, ended when dropped.
struct Driver {
    child: Child,
    port: u16,
    profile: TempDir,
    downloads: TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(label: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dir =
            std::env::temp_dir().join(format!("urrbmi-{label}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    listener.local_addr().expect("address").port()
}

/// Starts chromedriver and waits until it is ready.
async fn start_driver(chromedriver: &Path) -> Driver {
    let port = free_port();
    let child = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver {
        child,
        port,
        profile: TempDir::new("chrome-profile"),
        downloads: TempDir::new("downloads"),
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = format!("http://127.0.0.1:{port}/status");
    loop {
        if let Ok(response) = reqwest::get(&status).await
            && let Ok(body) = response.json::<Value>().await
            && body["value"]["ready"] == true
        {
            return driver;
        }
        assert!(
            Instant::now() < deadline,
            "chromedriver did not get ready in 20 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn connect(driver: &Driver, chromium: &Path) -> Client {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".to_string(),
        json!({
            "binary": chromium.display().to_string(),
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1200,1600",
                format!("--user-data-dir={}", driver.profile.0.display()),
            ],
            "prefs": {
                "download.default_directory": driver.downloads.0.display().to_string(),
                "download.prompt_for_download": false,
            },
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a WebDriver session with Chromium")
}

/// The value of `script` (a JS expression) once it is truthy and differs from `before`.
async fn wait_for(client: &Client, script: &str, before: &Value) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let value = client
            .execute(&format!("return {script};"), vec![])
            .await
            .expect("a script runs");
        if value != *before && !value.is_null() && value != json!(false) {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "the page did not get to `{script}` in 15 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn text_of(client: &Client, selector: &str) -> String {
    client
        .find(Locator::Css(selector))
        .await
        .unwrap_or_else(|e| panic!("{selector}: {e}"))
        .prop("textContent")
        .await
        .expect("textContent")
        .unwrap_or_default()
}

async fn fill(client: &Client, selector: &str, value: &str) {
    let input = client.find(Locator::Css(selector)).await.expect("an input");
    input.clear().await.expect("clears");
    input.send_keys(value).await.expect("types");
}

async fn choose(client: &Client, selector: &str, value: &str) {
    client
        .find(Locator::Css(selector))
        .await
        .expect("a select")
        .select_by_value(value)
        .await
        .unwrap_or_else(|e| panic!("{selector} = {value}: {e}"));
}

async fn check(client: &Client, selector: &str, on: bool) {
    let element = client
        .find(Locator::Css(selector))
        .await
        .expect("a checkbox");
    let checked = element.prop("checked").await.expect("checked") == Some("true".to_string());
    if checked != on {
        element.click().await.expect("clicks");
    }
}

/// What the page shows for an absent value.
const DASH: &str = "—";

fn shown(value: &Value) -> String {
    match value {
        Value::Null => DASH.to_string(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A resident as the form takes it.
struct Form<'a> {
    policy: &'a str,
    id: &'a str,
    birth_date: &'a str,
    payment_date: &'a str,
    hukou: &'a str,
    enrollment: &'a str,
    lapsed_years: Option<&'a str>,
    continuous_years: Option<&'a str>,
    claim_free: bool,
    categories: &'a [(&'a str, Option<&'a str>, Option<&'a str>)],
    special: Option<(&'a str, Option<&'a str>)>,
    /// The contribution grade chosen, where the policy offers several.
    contribution_grade: Option<&'a str>,
}

impl Form<'_> {
    /// The same resident as JSON, for the library.
    fn json(&self) -> String {
        let categories: Vec<Value> = self
            .categories
            .iter()
            .map(|(kind, grade, on)| {
                let mut c = json!({"kind": kind});
                if let Some(grade) = grade {
                    c["grade"] = grade.parse::<u8>().expect("a grade").into();
                }
                if let Some(on) = on {
                    c["recognized_on"] = (*on).into();
                }
                c
            })
            .collect();
        let mut r = json!({
            "id": self.id, "birth_date": self.birth_date, "payment_date": self.payment_date,
            "hukou": self.hukou, "enrollment": self.enrollment, "categories": categories,
            "claim_free_last_year": self.claim_free,
        });
        if let Some(years) = self.lapsed_years {
            r["lapsed_years"] = years.parse::<u32>().expect("years").into();
        }
        if let Some(years) = self.continuous_years {
            r["continuous_years"] = years.parse::<u32>().expect("years").into();
        }
        if let Some(grade) = self.contribution_grade {
            r["contribution_grade"] = grade.parse::<u8>().expect("a grade").into();
        }
        if let Some((kind, date)) = self.special {
            r["special"] = json!({"kind": kind});
            if let Some(date) = date {
                r["special"]["date"] = date.into();
            }
        }
        r.to_string()
    }
}

/// Fills the form, assesses, and checks every figure, date and trace step the page shows
/// against `urrbmi::evaluate` for the same resident; also the JSON the page would copy.
async fn assess_and_compare(client: &Client, form: &Form<'_>) {
    choose(client, "#policy", form.policy).await;
    fill(client, "#id", form.id).await;
    fill(client, "#birth_date", form.birth_date).await;
    fill(client, "#payment_date", form.payment_date).await;
    choose(client, "#hukou", form.hukou).await;
    choose(client, "#enrollment", form.enrollment).await;
    if let Some(years) = form.lapsed_years {
        fill(client, "#lapsed_years", years).await;
    }
    fill(
        client,
        "#continuous_years",
        form.continuous_years.unwrap_or(""),
    )
    .await;
    check(client, "#claim_free_last_year", form.claim_free).await;
    if let Some(grade) = form.contribution_grade {
        choose(client, "#contribution_grade", grade).await;
    }
    // Categories: remove any rows, then add one per category.
    for button in client
        .find_all(Locator::Css("#categories .cat-remove"))
        .await
        .expect("rows")
    {
        button.click().await.expect("removes");
    }
    for (i, (kind, grade, on)) in form.categories.iter().enumerate() {
        client
            .find(Locator::Css("#add-category"))
            .await
            .expect("button")
            .click()
            .await
            .expect("adds");
        let row = format!("#categories .category-row:nth-child({})", i + 1);
        choose(client, &format!("{row} .cat-kind"), kind).await;
        fill(client, &format!("{row} .cat-grade"), grade.unwrap_or("")).await;
        fill(client, &format!("{row} .cat-recognized"), on.unwrap_or("")).await;
    }
    match form.special {
        Some((kind, date)) => {
            choose(client, "#special_kind", kind).await;
            fill(client, "#special_date", date.unwrap_or("")).await;
        }
        None => choose(client, "#special_kind", "").await,
    }

    let before = client
        .execute("return document.body.dataset.assessed || null;", vec![])
        .await
        .expect("runs");
    client
        .find(Locator::Css("#assess"))
        .await
        .expect("button")
        .click()
        .await
        .expect("clicks");
    wait_for(client, "document.body.dataset.assessed || null", &before).await;

    let error = text_of(client, "#error").await;
    assert!(
        error.is_empty(),
        "the page shows an error for {}: {error}",
        form.id
    );

    let resident = Resident::from_json(&form.json()).expect("the resident reads");
    let policy = Policy::builtin(form.policy).expect("built in");
    let a = serde_json::to_value(evaluate(policy, &resident).expect("evaluates")).expect("JSON");

    let status = text_of(client, "#status").await;
    assert!(
        status.contains(&format!("({})", a["status"].as_str().unwrap_or_default())),
        "{status}"
    );
    for (selector, key) in [
        ("#out-charged", "charged"),
        ("#out-owed", "owed"),
        ("#out-tier", "tier"),
        ("#out-benefit-start", "benefit_start"),
        ("#out-benefit-end", "benefit_end"),
        ("#out-waiting-months", "waiting_months"),
        ("#out-ceiling-raise", "ceiling_raise"),
    ] {
        assert_eq!(
            text_of(client, selector).await,
            shown(&a[key]),
            "{} {key}",
            form.id
        );
    }
    let prior = match &a["prior_year_charge"] {
        Value::Null => DASH.to_string(),
        c => format!("{} ({})", shown(&c["amount"]), c["year"]),
    };
    assert_eq!(text_of(client, "#out-prior-year").await, prior);
    let repair = match &a["repair_charge"] {
        Value::Null => DASH.to_string(),
        c => format!("{} ({})", shown(&c["amount"]), c["years"]),
    };
    assert_eq!(text_of(client, "#out-repair").await, repair);

    // The split by fund: the same funds with the same amounts.
    let rows = client
        .find_all(Locator::Css("#out-subsidies tr[data-funder]"))
        .await
        .expect("rows");
    let mut shown_funds = serde_json::Map::new();
    for row in rows {
        let funder = row
            .attr("data-funder")
            .await
            .expect("attr")
            .unwrap_or_default();
        let amount = row
            .find(Locator::Css("td.amount"))
            .await
            .expect("an amount")
            .prop("textContent")
            .await
            .expect("text")
            .unwrap_or_default();
        shown_funds.insert(funder, Value::String(amount));
    }
    assert_eq!(
        Value::Object(shown_funds),
        a["subsidies"],
        "{} subsidies",
        form.id
    );

    // Every step of the trace, with its clause, the deciding one marked.
    let steps = a["trace"].as_array().expect("a trace");
    let rows = client
        .find_all(Locator::Css("#trace tbody tr"))
        .await
        .expect("rows");
    assert_eq!(rows.len(), steps.len(), "{} trace length", form.id);
    for (row, step) in rows.iter().zip(steps) {
        for key in ["rule", "summary", "citation"] {
            let cell = row
                .find(Locator::Css(&format!("td.{key}")))
                .await
                .expect("a cell")
                .prop("textContent")
                .await
                .expect("text")
                .unwrap_or_default();
            assert_eq!(cell, shown(&step[key]), "{} trace {key}", form.id);
        }
        let class = row.attr("class").await.expect("attr").unwrap_or_default();
        assert_eq!(
            class == "decides",
            step["decides"] == true,
            "{} decides",
            form.id
        );
    }

    // The JSON the copy button copies is this resident.
    let copied = client
        .find(Locator::Css("#resident-json"))
        .await
        .expect("the JSON")
        .prop("value")
        .await
        .expect("value")
        .unwrap_or_default();
    assert_eq!(
        Resident::from_json(&copied).expect("the page's JSON reads"),
        resident
    );
    client
        .find(Locator::Css("#copy-json"))
        .await
        .expect("button")
        .click()
        .await
        .expect("clicks");
    let copy_status = wait_for(
        client,
        "document.querySelector('#copy-status').textContent || null",
        &Value::Null,
    )
    .await;
    assert!(copy_status.as_str().is_some_and(|s| !s.is_empty()));
}

async fn roster_upload_downloads_the_annotated_roster(client: &Client, downloads: &Path) {
    choose(client, "#policy", "ziyang-2021").await;
    let dir = TempDir::new("roster");
    let path = dir.0.join("roster.csv");
    let csv = roster_csv();
    std::fs::write(&path, &csv).expect("writes the roster");
    let (_, annotated) = library_roster("ziyang-2021", &csv);

    // The CSV, then the same roster as an .xlsx workbook: each download is the library's.
    let workbook = dir.0.join("roster.xlsx");
    std::fs::write(&workbook, roster_xlsx()).expect("writes the workbook");
    for upload in [&path, &workbook] {
        let file = downloads.join("ziyang-2021-results.csv");
        let _ = std::fs::remove_file(&file);
        let input = client
            .find(Locator::Css("#roster-file"))
            .await
            .expect("a file input");
        input.clear().await.expect("clears");
        input
            .send_keys(&upload.display().to_string())
            .await
            .expect("chooses the file");
        let before = client
            .execute("return document.body.dataset.rosters || null;", vec![])
            .await
            .expect("runs");
        client
            .find(Locator::Css("#roster-upload"))
            .await
            .expect("button")
            .click()
            .await
            .expect("clicks");
        wait_for(client, "document.body.dataset.rosters || null", &before).await;
        let error = text_of(client, "#error").await;
        assert!(
            error.is_empty(),
            "the page shows an error for {}: {error}",
            upload.display()
        );
        let rows = client
            .execute(
                "return document.querySelector('#roster-status').dataset.rows;",
                vec![],
            )
            .await
            .expect("runs");
        assert_eq!(rows, json!("4"));
        let link = client
            .find(Locator::Css("#roster-download"))
            .await
            .expect("a link");
        assert_eq!(
            link.attr("download").await.expect("attr").as_deref(),
            Some("ziyang-2021-results.csv")
        );
        // What the link downloaded: the file in the browser's download folder.
        let deadline = Instant::now() + Duration::from_secs(15);
        let downloaded = loop {
            if let Ok(text) = std::fs::read_to_string(&file)
                && !text.is_empty()
            {
                break text;
            }
            assert!(
                Instant::now() < deadline,
                "no download at {} in 15 s",
                file.display()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert_eq!(downloaded, annotated, "{}", upload.display());
    }
    let report = text_of(client, "#roster-report").await;
    assert!(report.contains("ziyang-2021"), "{report}");
}

/// The page, case by case.
async fn run_page(client: &Client, base: &str, downloads: &Path) {
    client.goto(base).await.expect("loads the page");
    wait_for(
        client,
        "document.body.dataset.ready === 'true'",
        &Value::Null,
    )
    .await;

    // A plain adult.
    assess_and_compare(
        client,
        &Form {
            policy: "ziyang-2021",
            id: "plain",
            birth_date: "1985-06-01",
            payment_date: "2020-11-02",
            hukou: "local",
            enrollment: "renewal",
            lapsed_years: None,
            continuous_years: None,
            claim_free: false,
            categories: &[],
            special: None,
            contribution_grade: None,
        },
    )
    .await;
    // A 低保 resident: the contribution split between the resident and medical assistance.
    assess_and_compare(
        client,
        &Form {
            policy: "ziyang-2021",
            id: "dibao",
            birth_date: "1970-03-01",
            payment_date: "2020-10-15",
            hukou: "local",
            enrollment: "renewal",
            lapsed_years: None,
            continuous_years: None,
            claim_free: false,
            categories: &[("subsistence_allowance", None, Some("2020-06-01"))],
            special: None,
            contribution_grade: None,
        },
    )
    .await;
    // A grade-2 disabled resident with a recognition date (Changsha 2021: the fund pays all).
    assess_and_compare(
        client,
        &Form {
            policy: "changsha-2021",
            id: "disabled",
            birth_date: "1975-08-01",
            payment_date: "2020-11-20",
            hukou: "local",
            enrollment: "renewal",
            lapsed_years: None,
            continuous_years: None,
            claim_free: false,
            categories: &[("disability", Some("2"), Some("2019-03-02"))],
            special: None,
            contribution_grade: None,
        },
    )
    .await;
    // Hunan 2026: five years lapsed, paid after the window: a waiting period in months.
    assess_and_compare(
        client,
        &Form {
            policy: "hunan-2026",
            id: "lapsed",
            birth_date: "1979-06-06",
            payment_date: "2026-03-31",
            hukou: "local",
            enrollment: "lapsed",
            lapsed_years: Some("5"),
            continuous_years: Some("0"),
            claim_free: false,
            categories: &[],
            special: None,
            contribution_grade: None,
        },
    )
    .await;
    // Hunan 2026 with continuity and a claim-free year: a ceiling raise.
    assess_and_compare(
        client,
        &Form {
            policy: "hunan-2026",
            id: "continuous",
            birth_date: "1980-01-01",
            payment_date: "2025-11-20",
            hukou: "local",
            enrollment: "renewal",
            lapsed_years: None,
            continuous_years: Some("6"),
            claim_free: true,
            categories: &[],
            special: None,
            contribution_grade: None,
        },
    )
    .await;
    // A special circumstance with its date (employee insurance lapsed), after the window.
    assess_and_compare(
        client,
        &Form {
            policy: "hunan-2022",
            id: "lapse",
            birth_date: "1988-04-04",
            payment_date: "2022-05-10",
            hukou: "local",
            enrollment: "renewal",
            lapsed_years: None,
            continuous_years: None,
            claim_free: false,
            categories: &[],
            special: Some(("employee_insurance_lapse", Some("2022-04-30"))),
            contribution_grade: None,
        },
    )
    .await;
    // Taian 2026 at the second contribution grade (二档, 530), offered by the policy's grades.
    assess_and_compare(
        client,
        &Form {
            policy: "taian-2026",
            id: "second-grade",
            birth_date: "1982-02-02",
            payment_date: "2025-11-03",
            hukou: "local",
            enrollment: "renewal",
            lapsed_years: None,
            continuous_years: None,
            claim_free: false,
            categories: &[],
            special: None,
            contribution_grade: Some("2"),
        },
    )
    .await;
    // Jiangxi 2026: a circumstance the policy declares itself (出国人员回国), offered by the page.
    assess_and_compare(
        client,
        &Form {
            policy: "jiangxi-2026",
            id: "returned",
            birth_date: "1990-07-07",
            payment_date: "2026-04-10",
            hukou: "local",
            enrollment: "renewal",
            lapsed_years: None,
            continuous_years: None,
            claim_free: false,
            categories: &[],
            special: Some(("returned_from_abroad", Some("2026-03-20"))),
            contribution_grade: None,
        },
    )
    .await;
    roster_upload_downloads_the_annotated_roster(client, downloads).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_shows_what_the_library_computes() {
    let required = std::env::var("URRBMI_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
    let chromium = find(
        "URRBMI_CHROMIUM",
        &["chromium", "chromium-browser", "google-chrome"],
    );
    let chromedriver = find(
        "URRBMI_CHROMEDRIVER",
        &["chromedriver", "/usr/lib/chromium/chromedriver"],
    );
    let (Some(chromium), Some(chromedriver)) = (chromium, chromedriver) else {
        assert!(
            !required,
            "URRBMI_REQUIRE_BROWSER=1 but Chromium or chromedriver is missing (apt-get install chromium chromium-driver)"
        );
        // Written to the standard error itself, past the test harness's capture, so that the
        // skip shows in the output of a passing `cargo test`.
        let _ = writeln!(
            std::io::stderr(),
            "\n\n**************************************************************************\n\
             SKIPPED the browser test: Chromium or chromedriver is not installed\n\
             (Debian: apt-get install chromium chromium-driver; .ci/run installs them\n\
             and sets URRBMI_REQUIRE_BROWSER=1, so there it fails instead)\n\
             **************************************************************************\n"
        );
        return;
    };
    let server = Server::default_quiet().await;
    let driver = start_driver(&chromedriver).await;
    let client = connect(&driver, &chromium).await;
    let session = client.clone();
    let base = server.url("/");
    let downloads = driver.downloads.0.clone();
    let outcome = async move { run_page(&session, &base, &downloads).await };
    // Close the browser whatever happened, then report.
    let result = tokio::spawn(outcome).await;
    let _ = client.close().await;
    drop(driver);
    server.stop().await.expect("stops");
    if let Err(e) = result {
        std::panic::resume_unwind(e.into_panic());
    }
}
