//! The handlers of the `/v1` API and the types they answer with.
//!
//! No handler touches the file system: policies are the built-ins (by id) or the body of
//! `POST /v1/lint`; rosters are the body of `POST /v1/roster`.

use std::io::BufReader;

use axum::body::{Body, Bytes};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use urrbmi::{CategoryKind, Diagnostic, Policy, Resident, evaluate};
use urrbmi_analysis::jsonl::{self, Position};
use urrbmi_analysis::roster::RosterOptions;
use utoipa::{IntoParams, ToSchema};

use crate::problem::{Kind, Problem};
use crate::server::{AppState, Slot, blocking};

/// Bodies up to this size are evaluated on the request's own task; larger ones on the
/// blocking pool, so that a big batch does not hold up the requests around it.
const INLINE_BYTES: usize = 64 << 10;

/// The media type of JSON lines.
pub const NDJSON: &str = "application/x-ndjson";

/// The media types read as JSON lines.
const NDJSON_TYPES: [&str; 4] = [
    NDJSON,
    "application/jsonl",
    "application/jsonlines",
    "application/x-jsonlines",
];

/// The query of the endpoints that evaluate against a built-in policy.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PolicyQuery {
    /// A built-in policy id (`GET /v1/policies` lists them), such as `hunan-2026`.
    pub policy: Option<String>,
}

/// The query of `POST /v1/roster`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RosterQuery {
    /// A built-in policy id, such as `changsha-2024`.
    pub policy: Option<String>,
    /// Group the summary by this column (default: the township column, 乡镇, if any).
    pub group: Option<String>,
    /// `json` (the default: the summary with the annotated roster inside) or `csv` (the
    /// annotated roster alone, as a download).
    pub format: Option<String>,
    /// For a workbook (.xlsx): the sheet to read (default: the first).
    pub sheet: Option<String>,
    /// Headings to read as a field, whatever they say: `HEADING=FIELD` pairs separated by
    /// commas (`人员类型=categories`), as `urrbmi roster --map`.
    pub map: Option<String>,
    /// Headings neither read nor warned about, separated by commas (`所属乡镇`), as
    /// `urrbmi roster --ignore`.
    pub ignore: Option<String>,
    /// The text encoding of a CSV roster, a WHATWG label (`gbk`, `utf-8`, `utf-16le`); default:
    /// detected.
    pub encoding: Option<String>,
}

/// The reading options a roster query gives: its grouping column, sheet, encoding, and the
/// headings it maps or ignores.
fn roster_options(query: &RosterQuery) -> Result<RosterOptions, Problem> {
    let mut options = RosterOptions {
        group_by: query.group.clone().into_iter().collect(),
        sheet: query.sheet.clone(),
        encoding: query.encoding.clone(),
        ..RosterOptions::default()
    };
    let list = |text: &Option<String>| -> Vec<String> {
        text.iter()
            .flat_map(|t| t.split(','))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect()
    };
    for pair in list(&query.map) {
        options = options
            .map_pair(&pair)
            .map_err(|e| Problem::new(Kind::BadRequest, format!("map {e}")))?;
    }
    for heading in list(&query.ignore) {
        options = options.ignore(heading);
    }
    Ok(options)
}

/// The built-in policy a query names.
fn query_policy(policy: Option<&str>) -> Result<&'static Policy, Problem> {
    let Some(id) = policy.map(str::trim).filter(|id| !id.is_empty()) else {
        let accepted: Vec<String> = Policy::builtin_ids().map(str::to_string).collect();
        let mut problem = Problem::new(
            Kind::BadRequest,
            format!(
                "name the policy: ?policy=<id>, one of {}",
                accepted.join(", ")
            ),
        );
        problem.accepted = Some(accepted);
        return Err(problem);
    };
    Policy::builtin(id).map_err(|_| Problem::unknown_policy(id))
}

fn query_problem(rejection: &QueryRejection) -> Problem {
    Problem::new(
        Kind::BadRequest,
        format!("the query does not read: {}", rejection.body_text()),
    )
}

/// The media type of the body, lowercased, without parameters (`application/json`).
fn media_type(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let essence = value.split(';').next().unwrap_or_default().trim();
    (!essence.is_empty()).then(|| essence.to_ascii_lowercase())
}

fn unsupported(got: &str, accepted: &[&str]) -> Problem {
    let mut problem = Problem::new(
        Kind::UnsupportedMediaType,
        format!(
            "the body is `{}`; send it as one of: {}",
            got.chars().take(80).collect::<String>(),
            accepted.join(", ")
        ),
    );
    problem.accepted = Some(accepted.iter().map(|s| s.to_string()).collect());
    problem
}

/// A response with a body and its media type.
fn typed(status: StatusCode, media_type: &'static str, body: Vec<u8>) -> Response {
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    response
}

/// Assess residents against a built-in policy.
///
/// The body is one resident (a JSON object), many (a JSON array), or JSON lines
/// (`Content-Type: application/x-ndjson`, one resident a line). The answers follow the
/// contract of `urrbmi assess`: each carries its place in the request (`index` for JSON, 0 for
/// a single resident; the physical `line` for JSON lines) and the resident's `id`, then the
/// assessment's fields. In a batch, a resident that cannot be assessed gets an error answer
/// (`{"error": {...}}`) and the rest go on; JSON lines are answered as JSON lines,
/// byte for byte what `urrbmi assess` prints. A single resident that cannot be assessed is a
/// problem (422).
#[utoipa::path(
    post,
    path = "/v1/assess",
    tag = "assess",
    params(PolicyQuery),
    request_body(
        description = "One resident, an array of residents, or JSON lines",
        content(
            (crate::schema::AssessRequestSchema = "application/json"),
            (String = "application/x-ndjson", example = json!("{\"id\":\"a\",\"birth_date\":\"1980-01-01\",\"payment_date\":\"2020-10-15\"}\n"))
        )
    ),
    responses(
        (status = 200, description = "The answers, in the order of the request", content(
            (crate::schema::AssessResponseSchema = "application/json"),
            (crate::schema::AnswerSchema = "application/x-ndjson")
        )),
        (status = 400, description = "No policy named, or the body is not JSON (with line and column)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No built-in policy has the id (the accepted ids are listed)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body, or the number of residents, is over the limit", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is neither JSON nor JSON lines", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The single resident is not a resident, or cannot be evaluated", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The request took longer than the time limit", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn assess(
    State(state): State<AppState>,
    Extension(slot): Extension<Slot>,
    query: Result<Query<PolicyQuery>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Problem> {
    let query = query.map_err(|r| query_problem(&r))?;
    let policy = query_policy(query.policy.as_deref())?;
    let media = media_type(&headers);
    let lines = match media.as_deref() {
        Some(m) if NDJSON_TYPES.contains(&m) => true,
        None | Some("application/json") | Some("text/json") => false,
        Some(other) => {
            let mut accepted = vec!["application/json"];
            accepted.extend(NDJSON_TYPES);
            return Err(unsupported(other, &accepted));
        }
    };
    let limits = state.limits;
    let body = crate::server::read_body(body, &headers, limits.max_body).await?;
    let inline = body.len() <= INLINE_BYTES;
    let work = move || {
        if lines {
            assess_lines(policy, &body, limits.max_batch)
        } else {
            assess_json(policy, &body, limits.max_batch)
        }
    };
    if inline {
        work()
    } else {
        blocking(slot, work).await?
    }
}

fn batch_too_large(count: usize, limit: usize, what: &str) -> Problem {
    let mut problem = Problem::new(
        Kind::BatchTooLarge,
        format!("the request holds {count} {what}; at most {limit} are assessed at once: split it"),
    );
    problem.limit = Some(limit as u64);
    problem
}

fn assess_lines(policy: &Policy, body: &Bytes, max_batch: usize) -> Result<Response, Problem> {
    let residents = body
        .split(|&b| b == b'\n')
        .filter(|line| !line.trim_ascii().is_empty())
        .count();
    if residents > max_batch {
        return Err(batch_too_large(residents, max_batch, "non-blank lines"));
    }
    let mut out = Vec::with_capacity(body.len() * 4 + 64);
    let mut input = BufReader::with_capacity(64 << 10, &body[..]);
    jsonl::assess_lines(&mut input, &mut out, policy).map_err(|_| Problem::internal())?;
    Ok(typed(StatusCode::OK, NDJSON, out))
}

fn assess_json(policy: &Policy, body: &Bytes, max_batch: usize) -> Result<Response, Problem> {
    let bytes = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let first = bytes.iter().copied().find(|b| !b.is_ascii_whitespace());
    match first {
        None => Err(Problem::new(
            Kind::BadJson,
            "the body is empty; send a resident (a JSON object) or an array of residents",
        )),
        Some(b'[') => {
            let items: Vec<&RawValue> =
                serde_json::from_slice(bytes).map_err(|e| Problem::bad_json(&e))?;
            if items.len() > max_batch {
                return Err(batch_too_large(items.len(), max_batch, "residents"));
            }
            let mut out = Vec::with_capacity(bytes.len() * 4 + 64);
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                out.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
                jsonl::write_text(&mut out, policy, Position::Index(i as u64), item.get())
                    .map_err(|_| Problem::internal())?;
                if out.last() == Some(&b'\n') {
                    out.pop();
                }
            }
            out.extend_from_slice(b"\n]\n");
            Ok(typed(StatusCode::OK, "application/json", out))
        }
        Some(b'{') => {
            let raw: &RawValue =
                serde_json::from_slice(bytes).map_err(|e| Problem::bad_json(&e))?;
            let resident = Resident::from_json(raw.get()).map_err(|e| {
                let mut problem = Problem::new(Kind::InvalidResident, e.to_string());
                problem.field = (!e.path.is_empty()).then(|| e.path.clone());
                problem.id = jsonl::id_of(raw.get());
                problem
            })?;
            let assessment = evaluate(policy, &resident).map_err(|e| {
                let mut problem = Problem::new(Kind::Evaluation, e.to_string());
                problem.id = resident.id.clone();
                problem
            })?;
            let mut out = Vec::with_capacity(4096);
            jsonl::write_assessed(
                &mut out,
                Position::Index(0),
                resident.id.as_deref(),
                &assessment,
            )
            .map_err(|_| Problem::internal())?;
            Ok(typed(StatusCode::OK, "application/json", out))
        }
        Some(_) => {
            // Say where the JSON goes wrong when it is not JSON at all.
            let detail = match serde_json::from_slice::<serde_json::Value>(bytes) {
                Err(e) => {
                    let mut problem = Problem::bad_json(&e);
                    problem.detail = format!(
                        "{}; send a resident (a JSON object) or an array of residents",
                        problem.detail
                    );
                    return Err(problem);
                }
                Ok(_) => {
                    "the body is JSON but neither an object (one resident) nor an array (many)"
                }
            };
            Err(Problem::new(Kind::BadJson, detail))
        }
    }
}

/// The notice a policy encodes.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentInfo {
    /// Who issued it.
    pub issuer: String,
    /// Its number (文号), when it has one.
    pub number: Option<String>,
    /// Its title.
    pub title: String,
    /// The date it was issued.
    pub date: Option<NaiveDate>,
    /// Whether its text is available (otherwise the file cites external sources).
    pub available: bool,
}

/// A policy's standards, in yuan.
#[derive(Debug, Serialize, ToSchema)]
pub struct StandardsInfo {
    /// The personal contribution standard (个人缴费标准).
    #[schema(value_type = String, example = "380")]
    pub personal: Decimal,
    /// The fiscal subsidy standard (财政补助标准); `null` where the notice states none.
    #[schema(value_type = Option<String>, example = "640")]
    pub fiscal: Option<Decimal>,
    /// The full funding standard (筹资标准): personal + fiscal; `null` without a fiscal one.
    #[schema(value_type = Option<String>, example = "1020")]
    pub full: Option<Decimal>,
    /// The contribution grades (缴费档次) a resident may choose, grade 1 (the personal
    /// standard) first; one entry where the policy has a single standard.
    pub grades: Vec<GradeInfo>,
}

/// One contribution grade (缴费档次) and its personal standard.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GradeInfo {
    /// The grade, 1 = 一档 (what a resident's `contribution_grade` names).
    pub grade: u8,
    /// Its name in the notice (`一档`, `二档`).
    pub name: String,
    /// The personal standard at this grade.
    #[schema(value_type = String, example = "400")]
    pub personal: Decimal,
}

/// A collection window or an extension of it.
#[derive(Debug, Serialize, ToSchema)]
pub struct WindowInfo {
    /// The first day.
    pub from: NaiveDate,
    /// The last day.
    pub to: NaiveDate,
}

/// A built-in policy, as `GET /v1/policies` lists it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicySummary {
    /// The policy id (`hunan-2026`).
    pub id: String,
    /// The region (`湖南省`).
    pub region: String,
    /// The benefit year.
    pub benefit_year: i32,
    /// The notice.
    pub document: DocumentInfo,
    /// The standards.
    pub standards: StandardsInfo,
    /// The collection window (集中参保缴费期).
    pub window: WindowInfo,
}

/// An extension of the collection window.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExtensionInfo {
    /// Its id.
    pub id: String,
    /// The first day.
    pub from: NaiveDate,
    /// The last day.
    pub to: NaiveDate,
    /// Whether the policy switches it on.
    pub in_force: bool,
    /// The clause.
    pub cite: String,
}

/// A subsidy tier: who is subsidized, by how much, from which fund.
#[derive(Debug, Serialize, ToSchema)]
pub struct TierInfo {
    /// The tier id (`subsistence_allowance`).
    pub id: String,
    /// The notice's words for the group.
    pub name: String,
    /// The categories that qualify (ids).
    pub categories: Vec<String>,
    /// For a disability, the grades that qualify.
    pub grades: Option<Vec<u8>>,
    /// Holders of these categories do not qualify.
    pub not_holding: Vec<String>,
    /// What each fund pays of the personal standard: funder id -> yuan.
    #[schema(value_type = std::collections::BTreeMap<String, String>)]
    pub subsidies: std::collections::BTreeMap<String, Decimal>,
    /// The total paid for the resident.
    #[schema(value_type = Option<String>)]
    pub total: Option<Decimal>,
    /// The clause.
    pub cite: String,
}

/// A name of the data contract: its id and its Chinese name.
#[derive(Debug, Serialize, ToSchema)]
pub struct Name {
    /// The id (`subsistence_allowance`).
    pub id: String,
    /// The Chinese name (`低保对象`).
    pub chinese: String,
}

/// One built-in policy in full: the summary, the extensions, the tiers, the local categories and
/// the source TOML.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyDetail {
    /// What `GET /v1/policies` lists.
    #[serde(flatten)]
    pub summary: PolicySummary,
    /// Extensions of the window.
    pub extensions: Vec<ExtensionInfo>,
    /// The subsidy tiers, in the file's order.
    pub tiers: Vec<TierInfo>,
    /// The categories the policy declares beyond the built-in ones.
    pub local_categories: Vec<Name>,
    /// The special circumstances the policy declares beyond the built-in ones (`[[special]]`).
    pub local_special: Vec<Name>,
    /// The funders the policy declares beyond the built-in ones (`[[funder]]`, 村集体).
    pub local_funders: Vec<Name>,
    /// The refusal codes the policy declares beyond the built-in ones (`[[refusal_code]]`).
    pub local_refusal_codes: Vec<Name>,
    /// Whether the policy has a waiting period table (the rules since 2025).
    pub waiting_period: bool,
    /// The policy file as TOML.
    pub source: String,
}

fn summary(policy: &Policy) -> PolicySummary {
    let document = policy.document();
    let (from, to) = policy.window();
    PolicySummary {
        id: policy.id().to_string(),
        region: policy.region().to_string(),
        benefit_year: policy.benefit_year(),
        document: DocumentInfo {
            issuer: document.issuer.clone(),
            number: document.number.clone(),
            title: document.title.clone(),
            date: document.date,
            available: document.available,
        },
        standards: StandardsInfo {
            personal: policy.personal_standard().normalize(),
            fiscal: policy.fiscal_standard().map(|f| f.normalize()),
            full: policy.full_standard().map(|f| f.normalize()),
            grades: (1..=policy.grade_count())
                .filter_map(|g| u8::try_from(g).ok())
                .filter_map(|g| {
                    Some(GradeInfo {
                        grade: g,
                        name: policy.spec().standards.grade_name(g)?.to_string(),
                        personal: policy.personal_standard_at(g)?.normalize(),
                    })
                })
                .collect(),
        },
        window: WindowInfo { from, to },
    }
}

fn detail(policy: &Policy) -> PolicyDetail {
    let spec = policy.spec();
    let grade_amounts = spec.standards.grade_amounts();
    let tiers = spec
        .tiers
        .iter()
        .map(|tier| {
            // At grade 1 (一档), where a tier pays shares of the chosen grade's standard.
            let subsidies = tier.subsidies_at_grade(&grade_amounts, 1);
            TierInfo {
                id: tier.id.clone(),
                name: tier.name.clone(),
                categories: tier.categories.iter().map(|c| c.id().to_string()).collect(),
                grades: tier.grades.clone(),
                not_holding: tier
                    .not_holding
                    .iter()
                    .map(|c| c.id().to_string())
                    .collect(),
                subsidies: subsidies
                    .as_ref()
                    .map(|s| {
                        s.iter()
                            .filter(|(_, a)| !a.is_zero())
                            .map(|(f, a)| (f.id().to_string(), a.normalize()))
                            .collect()
                    })
                    .unwrap_or_default(),
                total: subsidies
                    .and_then(|s| s.checked_total())
                    .map(|t| t.normalize()),
                cite: tier.cite.clone(),
            }
        })
        .collect();
    PolicyDetail {
        summary: summary(policy),
        extensions: spec
            .extensions
            .iter()
            .map(|e| ExtensionInfo {
                id: e.id.clone(),
                from: e.from,
                to: e.to,
                in_force: e.in_force,
                cite: e.cite.clone(),
            })
            .collect(),
        tiers,
        local_categories: spec
            .categories
            .iter()
            .map(|c| Name {
                id: c.id.clone(),
                chinese: c.name.clone(),
            })
            .collect(),
        local_special: local_names(&spec.specials),
        local_funders: local_names(&spec.funders),
        local_refusal_codes: local_names(&spec.refusal_codes),
        waiting_period: spec.waiting_period.is_some(),
        source: Policy::builtin_text(policy.id())
            .unwrap_or_default()
            .to_string(),
    }
}

/// The built-in policies.
#[utoipa::path(
    get,
    path = "/v1/policies",
    tag = "policies",
    responses((status = 200, description = "Every built-in policy, by id", body = Vec<PolicySummary>))
)]
pub async fn policies() -> Result<Json<Vec<PolicySummary>>, Problem> {
    let policies = Policy::builtins().map_err(|_| Problem::internal())?;
    Ok(Json(policies.iter().map(|p| summary(p)).collect()))
}

/// One built-in policy: metadata, window, standards, extensions, tiers and the source TOML.
#[utoipa::path(
    get,
    path = "/v1/policies/{id}",
    tag = "policies",
    params(("id" = String, Path, description = "A built-in policy id")),
    responses(
        (status = 200, description = "The policy", body = PolicyDetail),
        (status = 404, description = "No built-in policy has the id", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn policy(Path(id): Path<String>) -> Result<Json<PolicyDetail>, Problem> {
    let policy = Policy::builtin(&id).map_err(|_| Problem::unknown_policy(&id))?;
    Ok(Json(detail(policy)))
}

/// The names of the data contract, for forms: categories, hukou, student and enrollment kinds,
/// special circumstances and funders, each with its Chinese name.
#[derive(Debug, Serialize, ToSchema)]
pub struct Vocabulary {
    /// The built-in identity categories.
    pub categories: Vec<Name>,
    /// Hukou kinds.
    pub hukou: Vec<Name>,
    /// Student kinds.
    pub student: Vec<Name>,
    /// Enrollment kinds.
    pub enrollment: Vec<Name>,
    /// Special circumstances.
    pub special: Vec<Name>,
    /// Funders.
    pub funders: Vec<Name>,
}

fn names<T>(all: &[T], id: impl Fn(&T) -> &str, chinese: impl Fn(&T) -> &str) -> Vec<Name> {
    all.iter()
        .map(|v| Name {
            id: id(v).to_string(),
            chinese: chinese(v).to_string(),
        })
        .collect()
}

/// The names a policy declares (`[[special]]`, `[[funder]]`, `[[refusal_code]]`).
fn local_names(declared: &[urrbmi::policy::schema::LocalName]) -> Vec<Name> {
    names(declared, |d| d.id.as_str(), |d| d.name.as_str())
}

/// The names of the data contract.
#[utoipa::path(
    get,
    path = "/v1/vocabulary",
    tag = "policies",
    responses((status = 200, description = "The names a resident's fields accept", body = Vocabulary))
)]
pub async fn vocabulary() -> Json<Vocabulary> {
    use urrbmi::{Enrollment, Funder, Hukou, SpecialKind, Student};
    Json(Vocabulary {
        // The first name of each category (the others are aliases).
        categories: CategoryKind::builtin_ids()
            .map(|id| Name {
                id: id.to_string(),
                chinese: CategoryKind::builtin_names()
                    .find(|(of, _)| *of == id)
                    .map_or_else(String::new, |(_, chinese)| chinese.to_string()),
            })
            .collect(),
        hukou: names(&Hukou::ALL, |v| v.id(), |v| v.chinese()),
        student: names(&Student::ALL, |v| v.id(), |v| v.chinese()),
        enrollment: names(&Enrollment::ALL, |v| v.id(), |v| v.chinese()),
        special: names(&SpecialKind::ALL, |v| v.id(), |v| v.chinese()),
        funders: names(&Funder::ALL, |v| v.id(), |v| v.chinese()),
    })
}

/// One finding of the linter (or of loading): how serious, where, what and what is accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Finding {
    /// `error` (the policy does not load) or `warning`.
    pub severity: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column (in characters), when known.
    pub column: Option<usize>,
    /// The key path (`tier[2].parts[0].share`), when known.
    pub key_path: Option<String>,
    /// What is wrong.
    pub message: String,
    /// What would be accepted, or how to fix it.
    pub expected: String,
    /// The offending line of the file.
    pub source_line: Option<String>,
    /// Where the problem comes from, when it helps.
    pub note: Option<String>,
    /// The finding as `urrbmi lint` shows it, with the line and a caret.
    pub text: String,
}

impl From<&Diagnostic> for Finding {
    fn from(d: &Diagnostic) -> Finding {
        Finding {
            severity: d.severity.id().to_string(),
            line: d.location.line,
            column: d.location.column,
            key_path: d.location.key_path.clone(),
            message: d.message.clone(),
            expected: d.expected.clone(),
            source_line: d.source_line.clone(),
            note: d.note.clone(),
            text: d.to_string(),
        }
    }
}

/// The findings of a policy file that loads.
#[derive(Debug, Serialize, ToSchema)]
pub struct LintReport {
    /// Errors (always 0 here: a file with errors is a 422 problem with the same findings).
    pub errors: usize,
    /// Warnings.
    pub warnings: usize,
    /// Every finding, with line and column.
    pub problems: Vec<Finding>,
}

/// Check a policy file: every error and warning at once, each with line:column and key path.
///
/// The body is the policy file (TOML, UTF-8). A file that loads is answered 200 with its
/// warnings; a file with errors is a 422 problem whose `problems` hold every finding.
#[utoipa::path(
    post,
    path = "/v1/lint",
    tag = "policies",
    request_body(content = String, content_type = "application/toml", description = "A policy file"),
    responses(
        (status = 200, description = "The file loads (warnings, if any, are listed)", body = LintReport),
        (status = 413, description = "The body is over the limit", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The file has errors: every finding, located", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn lint(
    State(state): State<AppState>,
    Extension(slot): Extension<Slot>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<LintReport>, Problem> {
    let body = crate::server::read_body(body, &headers, state.limits.max_body).await?;
    // Linting a large file takes a while: not on the request's own task.
    blocking(slot, move || lint_text(&body)).await?
}

fn lint_text(body: &[u8]) -> Result<Json<LintReport>, Problem> {
    let text = std::str::from_utf8(body).map_err(|e| {
        Problem::new(
            Kind::InvalidPolicy,
            format!(
                "the policy file is not UTF-8 text (an invalid byte at byte {}); save it as UTF-8",
                e.valid_up_to() + 1
            ),
        )
    })?;
    let mut findings = Policy::lint(text, None);
    if !findings.iter().any(Diagnostic::is_error) {
        // Whatever loading finds that the linter did not.
        if let Err(e) = Policy::from_toml_str(text) {
            findings.extend(e.problems().iter().cloned());
        }
    }
    let problems: Vec<Finding> = findings.iter().map(Finding::from).collect();
    let errors = findings.iter().filter(|d| d.is_error()).count();
    if errors > 0 {
        let warnings = findings.len() - errors;
        let mut problem = Problem::new(
            Kind::InvalidPolicy,
            format!("the policy file has {errors} error(s) and {warnings} warning(s)"),
        );
        problem.problems = Some(problems);
        return Err(problem);
    }
    Ok(Json(LintReport {
        errors: 0,
        warnings: problems.len(),
        problems,
    }))
}

/// The media types a roster upload may have (a workbook is known by its content).
const ROSTER_TYPES: [&str; 6] = [
    "text/csv",
    "application/csv",
    "text/plain",
    "application/octet-stream",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
];

/// Evaluate a roster (台账): the summary, the rows that could not be read or evaluated, and the
/// annotated roster (a result row per roster row, as `urrbmi roster --out` writes it).
///
/// The body is the roster as `urrbmi roster` reads it: CSV in UTF-8 (with or without a
/// byte-order mark), GB18030/GBK or UTF-16, or an Excel workbook (.xlsx/.xls: its first sheet,
/// or `sheet`; each sheet row is the roster line of the same number); English or Chinese
/// headings, a title row above them. A heading that resembles one the reader knows but is not
/// it (`人员类型`) is a 422 problem naming the suggestion. With `format=csv` the answer
/// is the annotated roster alone, as a download.
#[utoipa::path(
    post,
    path = "/v1/roster",
    tag = "roster",
    params(RosterQuery),
    request_body(description = "A roster: CSV, or an .xlsx workbook", content(
        (String = "text/csv"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    )),
    responses(
        (status = 200, description = "The summary and the annotated roster", content(
            (crate::roster::RosterReport = "application/json"),
            (String = "text/csv")
        )),
        (status = 400, description = "No policy named, a bad format, or a `map` that is not HEADING=FIELD", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No built-in policy has the id", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body, or its number of rows, is over the limit", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not a roster (CSV or .xlsx)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The roster cannot be read at all (no heading row, no payment date column, a heading that resembles a known one without being it, an encoding that is not one, a workbook that does not open or has no such sheet)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn roster(
    State(state): State<AppState>,
    Extension(slot): Extension<Slot>,
    query: Result<Query<RosterQuery>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Problem> {
    let query = query.map_err(|r| query_problem(&r))?;
    let policy = query_policy(query.policy.as_deref())?;
    let csv = match query.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => {
            return Err(Problem::new(
                Kind::BadRequest,
                format!(
                    "format `{}` is not one of: json, csv",
                    other.chars().take(40).collect::<String>()
                ),
            ));
        }
    };
    if let Some(media) = media_type(&headers)
        && !ROSTER_TYPES.contains(&media.as_str())
    {
        return Err(unsupported(&media, &ROSTER_TYPES));
    }
    let limits = state.limits;
    let body = crate::server::read_body(body, &headers, limits.max_roster_body).await?;
    let options = roster_options(&query)?;
    let report = blocking(slot, move || {
        if crate::spreadsheet::is_xlsx(&body) {
            crate::spreadsheet::check_unpacked_size(&body, limits.max_roster_body)?;
        }
        crate::roster::run(policy, &body, &options, limits.max_roster_rows)
    })
    .await??;
    if csv {
        let mut response = typed(
            StatusCode::OK,
            "text/csv; charset=utf-8",
            report.annotated.csv.into_bytes(),
        );
        let disposition = format!("attachment; filename=\"{}\"", report.annotated.filename);
        if let Ok(value) = HeaderValue::from_str(&disposition) {
            response
                .headers_mut()
                .insert(header::CONTENT_DISPOSITION, value);
        }
        return Ok(response);
    }
    Ok(Json(report).into_response())
}
