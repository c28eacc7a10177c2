//! The API against a server on an ephemeral loopback port: every endpoint, bad JSON, oversized
//! bodies, unknown policies, limits, CORS, shutdown, and concurrent requests answering as the
//! library does.

mod support;

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use urrbmi::{Policy, Resident, evaluate};
use urrbmi_analysis::jsonl;
use urrbmi_serve::{Config, Limits};

use support::{
    DISABLED, LAPSED, PLAIN_ADULT, Server, library_answer, library_roster, quiet, roster_csv,
    roster_xlsx, ziyang_mix,
};

const PROBLEM: &str = "application/problem+json";

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

async fn post_json(
    server: &Server,
    path: &str,
    body: impl Into<reqwest::Body>,
) -> reqwest::Response {
    client()
        .post(server.url(path))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("the server answers")
}

fn media(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// Asserts a problem document of `status` and `slug`; returns it.
async fn problem(response: reqwest::Response, status: StatusCode, slug: &str) -> Value {
    assert_eq!(response.status(), status);
    assert_eq!(media(&response), PROBLEM);
    let body: Value = response.json().await.expect("a problem is JSON");
    assert_eq!(body["status"], status.as_u16());
    let type_uri = body["type"].as_str().unwrap_or_default();
    assert!(type_uri.ends_with(&format!("#{slug}")), "{body}");
    assert!(
        body["title"].is_string() && body["detail"].is_string(),
        "{body}"
    );
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_resident_is_answered_as_the_library_answers() {
    let server = Server::default_quiet().await;
    for (policy, resident) in [
        ("ziyang-2021", PLAIN_ADULT),
        ("changsha-2021", DISABLED),
        ("hunan-2026", LAPSED),
    ] {
        let response = post_json(&server, &format!("/v1/assess?policy={policy}"), resident).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(media(&response), "application/json");
        let got: Value = response.json().await.expect("JSON");
        assert_eq!(
            got,
            library_answer(policy, resident, "index", 0),
            "{policy}"
        );
    }
    server.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_array_is_answered_in_order_with_error_answers_for_bad_elements() {
    let server = Server::default_quiet().await;
    let body = format!(
        r#"[{PLAIN_ADULT}, {{"birth_date": "1980-01-01"}}, 7, {{"birth_date": "2021-05-01", "payment_date": "2020-10-01"}}, {}]"#,
        ziyang_mix(1, 3)[0]
    );
    let response = post_json(&server, "/v1/assess?policy=ziyang-2021", body).await;
    assert_eq!(response.status(), StatusCode::OK);
    let got: Vec<Value> = response.json().await.expect("an array");
    assert_eq!(got.len(), 5);
    assert_eq!(
        got[0],
        library_answer("ziyang-2021", PLAIN_ADULT, "index", 0)
    );
    assert_eq!(got[1]["error"]["index"], 1);
    assert_eq!(got[1]["error"]["kind"], "invalid_resident");
    assert!(
        got[1]["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("payment_date")
    );
    assert_eq!(got[2]["error"]["kind"], "invalid_resident");
    assert_eq!(got[3]["error"]["kind"], "evaluation", "paid before birth");
    assert_eq!(
        got[4],
        library_answer("ziyang-2021", &ziyang_mix(1, 3)[0], "index", 4)
    );
    server.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_lines_are_answered_byte_for_byte_as_urrbmi_assess_answers() {
    let server = Server::default_quiet().await;
    let mut input = String::new();
    for line in ziyang_mix(40, 1) {
        input.push_str(&line);
        input.push('\n');
    }
    input.push_str("\n{not json\n\u{feff}");
    input.push_str(PLAIN_ADULT);
    input.push_str("\r\n");
    let policy = Policy::builtin("ziyang-2021").expect("built in");
    let mut expected = Vec::new();
    jsonl::assess_lines(
        &mut std::io::BufReader::new(input.as_bytes()),
        &mut expected,
        policy,
    )
    .expect("assesses");

    let response = client()
        .post(server.url("/v1/assess?policy=ziyang-2021"))
        .header("content-type", "application/x-ndjson; charset=utf-8")
        .body(input.clone())
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(media(&response), "application/x-ndjson");
    let got = response.bytes().await.expect("a body");
    assert_eq!(
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(&expected)
    );

    // And each assessment line is the library's answer for its line.
    let text = String::from_utf8_lossy(&got);
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    assert_eq!(
        lines.len(),
        42,
        "40, a bad line and one more; the blank line has none"
    );
    for (i, line) in ziyang_mix(40, 1).iter().enumerate() {
        assert_eq!(
            lines[i],
            library_answer("ziyang-2021", line, "line", i as u64 + 1)
        );
    }
    assert_eq!(lines[40]["error"]["line"], 42);
    assert_eq!(lines[41]["line"], 43);
    server.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_json_is_a_400_problem_with_line_and_column() {
    let server = Server::default_quiet().await;
    let response = post_json(
        &server,
        "/v1/assess?policy=ziyang-2021",
        "{\"birth_date\": \"1980-01-01\",\n  \"payment_date\": }",
    )
    .await;
    let body = problem(response, StatusCode::BAD_REQUEST, "bad-json").await;
    assert_eq!(
        (body["line"].as_u64(), body["column"].as_u64()),
        (Some(2), Some(19))
    );

    let response = post_json(&server, "/v1/assess?policy=ziyang-2021", "[{}, ").await;
    let body = problem(response, StatusCode::BAD_REQUEST, "bad-json").await;
    assert_eq!(body["line"], 1);

    for body in ["", "   ", "nonsense", "42"] {
        let response = post_json(&server, "/v1/assess?policy=ziyang-2021", body).await;
        problem(response, StatusCode::BAD_REQUEST, "bad-json").await;
    }
    server.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_single_resident_that_is_wrong_is_a_422_problem() {
    let server = Server::default_quiet().await;
    let response = post_json(
        &server,
        "/v1/assess?policy=ziyang-2021",
        r#"{"id": "x-1", "birth_date": "2021-02-29", "payment_date": "2021-06-01"}"#,
    )
    .await;
    let body = problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid-resident",
    )
    .await;
    assert_eq!(body["field"], "birth_date");
    assert_eq!(body["id"], "x-1");
    let expected = Resident::from_json(
        r#"{"id": "x-1", "birth_date": "2021-02-29", "payment_date": "2021-06-01"}"#,
    )
    .expect_err("not a date");
    assert_eq!(body["detail"], expected.to_string());

    let late = r#"{"birth_date": "2021-05-01", "payment_date": "2020-10-01"}"#;
    let response = post_json(&server, "/v1/assess?policy=ziyang-2021", late).await;
    let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY, "evaluation").await;
    let policy = Policy::builtin("ziyang-2021").expect("built in");
    let error =
        evaluate(policy, &Resident::from_json(late).expect("reads")).expect_err("before birth");
    assert_eq!(body["detail"], error.to_string());
    server.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_and_missing_policies_name_the_accepted_ids() {
    let server = Server::default_quiet().await;
    let ids: Vec<Value> = Policy::builtin_ids().map(Value::from).collect();
    let response = post_json(&server, "/v1/assess?policy=nowhere-2021", PLAIN_ADULT).await;
    let body = problem(response, StatusCode::NOT_FOUND, "unknown-policy").await;
    assert_eq!(body["accepted"], Value::Array(ids.clone()));

    let response = post_json(&server, "/v1/assess", PLAIN_ADULT).await;
    let body = problem(response, StatusCode::BAD_REQUEST, "bad-request").await;
    assert_eq!(body["accepted"], Value::Array(ids.clone()));

    // A path or a file name is only an unknown id: nothing reaches the file system.
    for policy in [
        "policies/ziyang-2021.toml",
        "..%2F..%2Fpolicies%2Fziyang-2021.toml",
        "%2Fetc%2Fpasswd",
    ] {
        let response =
            post_json(&server, &format!("/v1/assess?policy={policy}"), PLAIN_ADULT).await;
        problem(response, StatusCode::NOT_FOUND, "unknown-policy").await;
    }
    let response = client()
        .get(server.url("/v1/policies/..%2Fpolicies%2Fziyang-2021.toml"))
        .send()
        .await
        .expect("answers");
    problem(response, StatusCode::NOT_FOUND, "unknown-policy").await;
    let response = client()
        .get(server.url("/v1/policies/nowhere"))
        .send()
        .await
        .expect("answers");
    let body = problem(response, StatusCode::NOT_FOUND, "unknown-policy").await;
    assert_eq!(body["accepted"], Value::Array(ids));
    server.stop().await.expect("stops");
}

fn small_limits() -> Config {
    Config {
        limits: Limits {
            max_body: 4096,
            max_batch: 3,
            max_roster_body: 8192,
            max_roster_rows: 5,
            ..Limits::default()
        },
        ..quiet()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_bodies_and_batches_are_413_problems() {
    let server = Server::start(small_limits()).await;
    let big = format!("[{}]", vec![PLAIN_ADULT; 100].join(","));
    let response = post_json(&server, "/v1/assess?policy=ziyang-2021", big).await;
    let body = problem(response, StatusCode::PAYLOAD_TOO_LARGE, "body-too-large").await;
    assert_eq!(body["limit"], 4096);

    let four = format!("[{}]", [PLAIN_ADULT; 4].join(","));
    let response = post_json(&server, "/v1/assess?policy=ziyang-2021", four).await;
    let body = problem(response, StatusCode::PAYLOAD_TOO_LARGE, "batch-too-large").await;
    assert_eq!(body["limit"], 3);
    let three = format!("[{}]", [PLAIN_ADULT; 3].join(","));
    let response = post_json(&server, "/v1/assess?policy=ziyang-2021", three).await;
    assert_eq!(response.status(), StatusCode::OK);

    let lines = format!("{}\n\n\n", [PLAIN_ADULT; 4].join("\n"));
    let response = client()
        .post(server.url("/v1/assess?policy=ziyang-2021"))
        .header("content-type", "application/x-ndjson")
        .body(lines)
        .send()
        .await
        .expect("answers");
    problem(response, StatusCode::PAYLOAD_TOO_LARGE, "batch-too-large").await;

    let lint = "x".repeat(5000);
    let response = client()
        .post(server.url("/v1/lint"))
        .body(lint)
        .send()
        .await
        .expect("answers");
    problem(response, StatusCode::PAYLOAD_TOO_LARGE, "body-too-large").await;

    let mut roster = String::from("出生日期,缴费日期\n");
    for _ in 0..6 {
        roster.push_str("1980-01-01,2020-10-15\n");
    }
    let response = client()
        .post(server.url("/v1/roster?policy=ziyang-2021"))
        .header("content-type", "text/csv")
        .body(roster)
        .send()
        .await
        .expect("answers");
    problem(response, StatusCode::PAYLOAD_TOO_LARGE, "batch-too-large").await;
    server.stop().await.expect("stops");
}

/// Sends `head` and `body` over a raw connection and reads the whole answer.
async fn raw(server: &Server, head: &str, body: &[u8]) -> String {
    let mut stream = TcpStream::connect(server.addr).await.expect("connects");
    stream.write_all(head.as_bytes()).await.expect("writes");
    let _ = stream.write_all(body).await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunked_body_past_the_limit_is_a_413_problem() {
    let server = Server::start(small_limits()).await;
    let mut body = Vec::new();
    for _ in 0..10 {
        body.extend_from_slice(b"3E8\r\n");
        body.extend_from_slice(&[b' '; 1000]);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"0\r\n\r\n");
    let head = format!(
        "POST /v1/assess?policy=ziyang-2021 HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        server.addr
    );
    let answer = raw(&server, &head, &body).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        answer.contains(PROBLEM) && answer.contains("#body-too-large"),
        "{answer}"
    );
    server.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_media_types_are_415_problems() {
    let server = Server::default_quiet().await;
    let response = client()
        .post(server.url("/v1/assess?policy=ziyang-2021"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(PLAIN_ADULT)
        .send()
        .await
        .expect("answers");
    let body = problem(
        response,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported-media-type",
    )
    .await;
    assert!(
        body["accepted"]
            .as_array()
            .is_some_and(|a| a.contains(&json!("application/x-ndjson")))
    );
    let response = client()
        .post(server.url("/v1/roster?policy=ziyang-2021"))
        .header("content-type", "image/png")
        .body("x")
        .send()
        .await
        .expect("answers");
    problem(
        response,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported-media-type",
    )
    .await;
    server.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn policies_are_listed_and_shown_from_the_core() {
    let server = Server::default_quiet().await;
    let list: Vec<Value> = client()
        .get(server.url("/v1/policies"))
        .send()
        .await
        .expect("answers")
        .json()
        .await
        .expect("JSON");
    let builtins = Policy::builtins().expect("load");
    assert_eq!(list.len(), builtins.len());
    for (entry, policy) in list.iter().zip(&builtins) {
        assert_eq!(entry["id"], policy.id());
        assert_eq!(entry["region"], policy.region());
        assert_eq!(entry["benefit_year"], policy.benefit_year());
        assert_eq!(
            entry["standards"]["personal"],
            policy.personal_standard().normalize().to_string()
        );
        assert_eq!(
            entry["standards"]["full"],
            policy
                .full_standard()
                .map_or(Value::Null, |f| f.normalize().to_string().into())
        );
        assert_eq!(
            entry["standards"]["fiscal"],
            policy
                .fiscal_standard()
                .map_or(Value::Null, |f| f.normalize().to_string().into())
        );
        // Every contribution grade with its personal standard, grade 1 first.
        let grades = entry["standards"]["grades"].as_array().expect("grades");
        assert_eq!(grades.len(), policy.grade_count());
        for (g, grade) in (1u8..).zip(grades) {
            assert_eq!(grade["grade"], g);
            assert_eq!(
                grade["personal"],
                policy
                    .personal_standard_at(g)
                    .expect("a grade")
                    .normalize()
                    .to_string()
            );
        }
        let (from, to) = policy.window();
        assert_eq!(
            entry["window"],
            json!({"from": from.to_string(), "to": to.to_string()})
        );

        let detail: Value = client()
            .get(server.url(&format!("/v1/policies/{}", policy.id())))
            .send()
            .await
            .expect("answers")
            .json()
            .await
            .expect("JSON");
        for key in [
            "id",
            "region",
            "benefit_year",
            "document",
            "standards",
            "window",
        ] {
            assert_eq!(detail[key], entry[key], "{key}");
        }
        assert_eq!(
            detail["source"],
            Policy::builtin_text(policy.id()).expect("text")
        );
        let tiers = detail["tiers"].as_array().expect("tiers");
        assert_eq!(tiers.len(), policy.spec().tiers.len());
        for (tier, spec) in tiers.iter().zip(&policy.spec().tiers) {
            assert_eq!(tier["id"], spec.id.as_str());
            let grade_amounts = policy.spec().standards.grade_amounts();
            let subsidies = spec.subsidies_at_grade(&grade_amounts, 1).expect("adds up");
            let total = subsidies
                .checked_total()
                .expect("adds up")
                .normalize()
                .to_string();
            assert_eq!(tier["total"], total);
            for (funder, amount) in subsidies.iter().filter(|(_, a)| !a.is_zero()) {
                assert_eq!(
                    tier["subsidies"][funder.id()],
                    amount.normalize().to_string()
                );
            }
        }
        assert_eq!(
            detail["extensions"].as_array().map(Vec::len),
            Some(policy.spec().extensions.len())
        );
        // What the policy declares beyond the built-in names, under the ids it gives.
        for (key, declared) in [
            ("local_special", &policy.spec().specials),
            ("local_funders", &policy.spec().funders),
            ("local_refusal_codes", &policy.spec().refusal_codes),
        ] {
            let ids: Vec<&str> = detail[key]
                .as_array()
                .expect(key)
                .iter()
                .filter_map(|n| n["id"].as_str())
                .collect();
            let expected: Vec<&str> = declared.iter().map(|d| d.id.as_str()).collect();
            assert_eq!(ids, expected, "{} {key}", policy.id());
        }
    }
    // Taian 2026 offers two grades (T1: 一档 390, 二档 530); Jiangxi 2026 has one standard and
    // no fiscal figure missing (J4: 700).
    let find = |id: &str| list.iter().find(|p| p["id"] == id).expect("built in");
    assert_eq!(
        find("taian-2026")["standards"]["grades"],
        json!([
            {"grade": 1, "name": "一档", "personal": "390"},
            {"grade": 2, "name": "二档", "personal": "530"},
        ])
    );
    assert_eq!(find("taian-2026")["standards"]["fiscal"], Value::Null);
    assert_eq!(find("jiangxi-2026")["standards"]["full"], "1100");
    let vocabulary: Value = client()
        .get(server.url("/v1/vocabulary"))
        .send()
        .await
        .expect("answers")
        .json()
        .await
        .expect("JSON");
    let categories: Vec<&str> = vocabulary["categories"]
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert_eq!(
        categories,
        urrbmi::CategoryKind::builtin_ids().collect::<Vec<_>>()
    );
    assert_eq!(
        vocabulary["special"].as_array().map(Vec::len),
        Some(urrbmi::SpecialKind::ALL.len())
    );
    server.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lint_reports_every_problem_with_line_and_column() {
    let server = Server::default_quiet().await;
    let clean = Policy::builtin_text("ziyang-2021").expect("text");
    let response = client()
        .post(server.url("/v1/lint"))
        .header("content-type", "application/toml")
        .body(clean)
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), StatusCode::OK);
    let report: Value = response.json().await.expect("JSON");
    assert_eq!(report["errors"], 0);
    assert_eq!(
        report["problems"].as_array().map(Vec::len),
        Some(Policy::lint(clean, None).len())
    );

    let broken = clean
        .replace("amount = 70 }", "amount = -70 }")
        .replace("to = \"2020-12-31\"", "to = \"2020-08-01\"");
    let response = client()
        .post(server.url("/v1/lint"))
        .body(broken.clone())
        .send()
        .await
        .expect("answers");
    let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid-policy").await;
    let expected = Policy::lint(&broken, None);
    let problems = body["problems"].as_array().expect("located problems");
    assert_eq!(problems.len(), expected.len());
    assert_eq!(expected.iter().filter(|d| d.is_error()).count(), 2);
    for (got, want) in problems.iter().zip(&expected) {
        assert_eq!(got["severity"], want.severity.id());
        assert_eq!(got["line"].as_u64(), want.location.line.map(|l| l as u64));
        assert_eq!(
            got["column"].as_u64(),
            want.location.column.map(|c| c as u64)
        );
        assert_eq!(got["message"], want.message.as_str());
        assert!(got["line"].is_u64() && got["column"].is_u64(), "{got}");
    }

    let response = client()
        .post(server.url("/v1/lint"))
        .body("[policy\nid = ")
        .send()
        .await
        .expect("answers");
    let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid-policy").await;
    assert!(body["problems"][0]["line"].is_u64(), "{body}");

    let response = client()
        .post(server.url("/v1/lint"))
        .body(vec![0xff, 0xfe, 0x00])
        .send()
        .await
        .expect("answers");
    problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid-policy").await;
    server.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_roster_upload_gives_the_summary_and_the_annotated_roster() {
    let server = Server::default_quiet().await;
    let csv = roster_csv();
    let (summary, annotated) = library_roster("ziyang-2021", &csv);
    let response = client()
        .post(server.url("/v1/roster?policy=ziyang-2021"))
        .header("content-type", "text/csv")
        .body(format!("\u{feff}{csv}"))
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), StatusCode::OK);
    let report: Value = response.json().await.expect("JSON");
    assert_eq!(report["summary"], summary);
    assert_eq!(report["annotated"]["csv"], annotated.as_str());
    assert_eq!(report["rows"], 4);
    assert_eq!(report["unreadable"], 1);
    assert_eq!(report["errors"][0]["line"], 3);
    assert_eq!(report["errors"][0]["column"], "身份证号");

    let response = client()
        .post(server.url("/v1/roster?policy=ziyang-2021&format=csv"))
        .body(csv.clone())
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(media(&response).starts_with("text/csv"));
    let disposition = response
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert_eq!(
        disposition,
        "attachment; filename=\"ziyang-2021-results.csv\""
    );
    assert_eq!(response.text().await.expect("text"), annotated);

    let response = client()
        .post(server.url("/v1/roster?policy=ziyang-2021"))
        .body("名字,地址\n张三,某地\n")
        .send()
        .await
        .expect("answers");
    problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid-roster").await;
    // A heading that resembles one the reader knows (人员类型 for 人员类别) is refused with the
    // suggestion, never read as no category (which would bill 低保 the full 280).
    let response = client()
        .post(server.url("/v1/roster?policy=ziyang-2021"))
        .body("姓名,身份证号,缴费日期,人员类型\n张三,11010519491231002X,2020-10-15,低保对象\n")
        .send()
        .await
        .expect("answers");
    let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid-roster").await;
    let detail = body["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("人员类型") && detail.contains("人员类别"),
        "{body}"
    );
    // Mapped, it is read as the categories: the 低保 resident owes 140 (益资政办发〔2020〕17号).
    let response = client()
        .post(server.url(
            "/v1/roster?policy=ziyang-2021&map=%E4%BA%BA%E5%91%98%E7%B1%BB%E5%9E%8B%3Dcategories",
        ))
        .body("姓名,身份证号,缴费日期,人员类型\n张三,11010519491231002X,2020-10-15,低保对象\n")
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), StatusCode::OK);
    let report: Value = response.json().await.expect("JSON");
    assert_eq!(report["summary"]["totals"]["owed"], "140", "{report}");
    let response = client()
        .post(server.url("/v1/roster?policy=ziyang-2021&map=nonsense"))
        .body("姓名,身份证号,缴费日期\n")
        .send()
        .await
        .expect("answers");
    problem(response, StatusCode::BAD_REQUEST, "bad-request").await;
    let response = client()
        .post(server.url("/v1/roster?policy=ziyang-2021&format=xml"))
        .body(csv)
        .send()
        .await
        .expect("answers");
    problem(response, StatusCode::BAD_REQUEST, "bad-request").await;
    server.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_xlsx_roster_is_read_as_its_csv_with_the_sheet_rows_as_lines() {
    let server = Server::default_quiet().await;
    let (summary, annotated) = library_roster("ziyang-2021", &roster_csv());
    let workbook = roster_xlsx();
    let response = client()
        .post(server.url("/v1/roster?policy=ziyang-2021"))
        .header(
            "content-type",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        .body(workbook.clone())
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), StatusCode::OK);
    let report: Value = response.json().await.expect("JSON");
    assert_eq!(report["summary"], summary);
    assert_eq!(report["annotated"]["csv"], annotated.as_str());
    assert_eq!(report["errors"][0]["line"], 3, "the sheet's row 3");

    let response = client()
        .post(server.url("/v1/roster?policy=ziyang-2021&sheet=%E5%8F%B0%E8%B4%A6"))
        .body(workbook.clone())
        .send()
        .await
        .expect("answers");
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "the sheet by its name, 台账"
    );
    let response = client()
        .post(server.url("/v1/roster?policy=ziyang-2021&sheet=Sheet9"))
        .body(workbook)
        .send()
        .await
        .expect("answers");
    let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid-roster").await;
    assert_eq!(body["accepted"], json!(["台账"]));
    let response = client()
        .post(server.url("/v1/roster?policy=ziyang-2021"))
        .body(b"PK\x03\x04 not a workbook at all".to_vec())
        .send()
        .await
        .expect("answers");
    problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid-roster").await;
    server.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_give_the_same_answers_as_the_library() {
    let server = Server::default_quiet().await;
    let client = client();
    let mut tasks = Vec::new();
    for seed in 0..24 {
        let client = client.clone();
        let url = server.url("/v1/assess?policy=ziyang-2021");
        tasks.push(tokio::spawn(async move {
            let residents = ziyang_mix(1 + seed * 7, seed);
            let body = format!("[{}]", residents.join(","));
            let got: Vec<Value> = client
                .post(url)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .expect("answers")
                .json()
                .await
                .expect("JSON");
            (residents, got)
        }));
    }
    for task in tasks {
        let (residents, got) = task.await.expect("the task ends");
        assert_eq!(got.len(), residents.len());
        for (i, (resident, answer)) in residents.iter().zip(&got).enumerate() {
            assert_eq!(
                *answer,
                library_answer("ziyang-2021", resident, "index", i as u64)
            );
        }
    }
    server.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_request_times_out_as_a_503_problem_and_holds_its_slot_until_then() {
    let config = Config {
        limits: Limits {
            timeout: Duration::from_millis(400),
            max_concurrent: 1,
            ..Limits::default()
        },
        ..quiet()
    };
    let server = Server::start(config).await;
    let stalled_head = format!(
        "POST /v1/assess?policy=ziyang-2021 HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{{",
        server.addr
    );
    let addr = server.addr;
    let stalled = tokio::spawn(async move {
        let mut stream = TcpStream::connect(addr).await.expect("connects");
        stream
            .write_all(stalled_head.as_bytes())
            .await
            .expect("writes");
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer).await;
        (
            Instant::now(),
            String::from_utf8_lossy(&answer).into_owned(),
        )
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let response = client()
        .get(server.url("/v1/policies"))
        .send()
        .await
        .expect("answers");
    let second_done = Instant::now();
    let (first_done, first) = stalled.await.expect("ends");
    assert!(first.starts_with("HTTP/1.1 503"), "{first}");
    assert!(
        first.contains("#timeout") && first.contains(PROBLEM),
        "{first}"
    );
    // With one slot, the second request waited for the stalled one to give its slot up.
    assert!(
        first_done <= second_done,
        "the second request was answered first"
    );
    assert!(
        response.status() == StatusCode::OK || response.status() == StatusCode::SERVICE_UNAVAILABLE
    );
    server.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_is_off_unless_origins_are_given() {
    let server = Server::default_quiet().await;
    let response = client()
        .get(server.url("/v1/policies"))
        .header("origin", "https://desk.example")
        .send()
        .await
        .expect("answers");
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    server.stop().await.expect("stops");

    let config = Config {
        cors_origins: vec!["https://desk.example".to_string()],
        ..quiet()
    };
    let server = Server::start(config).await;
    let response = client()
        .get(server.url("/v1/policies"))
        .header("origin", "https://desk.example")
        .send()
        .await
        .expect("answers");
    assert_eq!(
        response
            .headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("https://desk.example")
    );
    let response = client()
        .get(server.url("/v1/policies"))
        .header("origin", "https://elsewhere.example")
        .send()
        .await
        .expect("answers");
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    server.stop().await.expect("stops");

    let bad = Config {
        cors_origins: vec!["desk.example".to_string()],
        ..quiet()
    };
    assert!(urrbmi_serve::router(&bad).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_answers_the_request_in_flight() {
    let server = Server::default_quiet().await;
    let addr = server.addr;
    let body = PLAIN_ADULT.as_bytes();
    let head = format!(
        "POST /v1/assess?policy=ziyang-2021 HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let mut stream = TcpStream::connect(addr).await.expect("connects");
    stream.write_all(head.as_bytes()).await.expect("writes");
    stream.write_all(&body[..10]).await.expect("writes");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let stopping = tokio::spawn(server.stop());
    tokio::time::sleep(Duration::from_millis(100)).await;
    stream
        .write_all(&body[10..])
        .await
        .expect("the connection is still open");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.expect("reads");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"id\":\"plain\""), "{answer}");
    stopping.await.expect("ends").expect("a graceful stop");
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "no longer listening"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_that_never_finishes_its_head_is_closed_and_holds_no_shutdown() {
    let config = Config {
        limits: Limits {
            timeout: Duration::from_millis(300),
            ..Limits::default()
        },
        ..quiet()
    };
    let server = Server::start(config).await;
    let mut stream = TcpStream::connect(server.addr).await.expect("connects");
    stream
        .write_all(b"POST /v1/assess?policy=ziyang-2021 HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("writes");
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the server closed the connection");
    // Another one stalls; the shutdown still ends, a second past the timeout at most.
    let mut stalled = TcpStream::connect(server.addr).await.expect("connects");
    stalled
        .write_all(b"GET / HTTP/1.1\r\n")
        .await
        .expect("writes");
    let stopped = tokio::time::timeout(Duration::from_secs(5), server.stop()).await;
    assert!(matches!(stopped, Ok(Ok(()))), "the shutdown was held");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_past_the_limit_wait_for_one_to_close() {
    let config = Config {
        limits: Limits {
            max_connections: 1,
            ..Limits::default()
        },
        ..quiet()
    };
    let server = Server::start(config).await;
    let holder = TcpStream::connect(server.addr).await.expect("connects");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let waiting = client()
        .get(server.url("/v1/policies"))
        .timeout(Duration::from_millis(500))
        .send()
        .await;
    assert!(
        waiting.is_err(),
        "the second connection waits while the first is open"
    );
    drop(holder);
    let response = client()
        .get(server.url("/v1/policies"))
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .expect("answers once the first connection closed");
    assert_eq!(response.status(), StatusCode::OK);
    server.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_paths_and_methods_are_problems() {
    let server = Server::default_quiet().await;
    let response = client()
        .get(server.url("/v2/assess"))
        .send()
        .await
        .expect("answers");
    problem(response, StatusCode::NOT_FOUND, "not-found").await;
    let response = client()
        .get(server.url("/v1/assess"))
        .send()
        .await
        .expect("answers");
    problem(
        response,
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
    )
    .await;
    let response = client()
        .get(server.url("/../../etc/passwd"))
        .send()
        .await
        .expect("answers");
    problem(response, StatusCode::NOT_FOUND, "not-found").await;
    server.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_is_served_with_everything_it_needs_and_nothing_from_elsewhere() {
    let server = Server::default_quiet().await;
    for (path, media_type) in [
        ("/", "text/html; charset=utf-8"),
        ("/app.js", "text/javascript; charset=utf-8"),
        ("/style.css", "text/css; charset=utf-8"),
    ] {
        let response = client()
            .get(server.url(path))
            .send()
            .await
            .expect("answers");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(media(&response), media_type);
        let csp = response
            .headers()
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        assert!(csp.starts_with("default-src 'self'"), "{csp}");
        let text = response.text().await.expect("text");
        assert!(
            !text.contains("http://") && !text.contains("https://") && !text.contains("//cdn"),
            "{path} loads nothing from elsewhere"
        );
    }
    server.stop().await.expect("stops");
}

/// The property names of a schema in the OpenAPI document.
fn properties(doc: &Value, schema: &str) -> Vec<String> {
    let mut names: Vec<String> = doc["components"]["schemas"][schema]["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("schema {schema}"))
        .keys()
        .cloned()
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_matches_the_core_json() {
    let server = Server::default_quiet().await;
    let doc: Value = client()
        .get(server.url("/openapi.json"))
        .send()
        .await
        .expect("answers")
        .json()
        .await
        .expect("JSON");
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    for (path, method) in [
        ("/v1/assess", "post"),
        ("/v1/policies", "get"),
        ("/v1/policies/{id}", "get"),
        ("/v1/vocabulary", "get"),
        ("/v1/lint", "post"),
        ("/v1/roster", "post"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{method} {path}");
    }
    // The assessment's fields are exactly those the core writes, with line/index and id.
    let policy = Policy::builtin("hunan-2026").expect("built in");
    let resident = Resident::from_json(LAPSED).expect("reads");
    let assessment =
        serde_json::to_value(evaluate(policy, &resident).expect("evaluates")).expect("JSON");
    let mut keys: Vec<String> = assessment
        .as_object()
        .expect("object")
        .keys()
        .cloned()
        .collect();
    keys.extend(["line".to_string(), "index".to_string(), "id".to_string()]);
    keys.sort();
    assert_eq!(properties(&doc, "Assessed"), keys);
    // The resident's fields are exactly the core's (every one set, so every one is written).
    let full = Resident::from_json(
        r#"{"id": "a", "birth_date": "2000-01-01", "hukou": "other", "residence_permit": true,
            "student": "college", "enrollment": "lapsed", "lapsed_years": 3, "repair_years": 1,
            "continuous_years": 0, "claim_free_last_year": true, "parent_insured": true,
            "new_entrant": true, "contribution_grade": 2, "household_unit": false,
            "employee_insurance_obligated": true,
            "categories": [{"kind": "disability", "grade": 1, "recognized_on": "2020-01-01"}],
            "special": {"kind": "employee_insurance_lapse", "date": "2020-01-01"},
            "payment_date": "2020-10-01"}"#,
    )
    .expect("reads");
    let written = serde_json::to_value(&full).expect("JSON");
    let mut keys: Vec<String> = written
        .as_object()
        .expect("object")
        .keys()
        .cloned()
        .collect();
    keys.sort();
    assert_eq!(properties(&doc, "Resident"), keys);
    let mut step: Vec<String> = assessment["trace"][0]
        .as_object()
        .expect("a step")
        .keys()
        .cloned()
        .collect();
    step.push("decides".to_string());
    step.sort();
    step.dedup();
    assert_eq!(properties(&doc, "TraceStep"), step);
    // Every problem type the server answers with is a property set the document names.
    let problem_props = properties(&doc, "Problem");
    for key in [
        "type", "title", "status", "detail", "line", "column", "problems", "accepted", "limit",
    ] {
        assert!(problem_props.contains(&key.to_string()), "{key}");
    }
    server.stop().await.expect("stops");
}
