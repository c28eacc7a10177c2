//! Errors as RFC 9457 problem details (`application/problem+json`).
//!
//! Every error the server answers is a [`Problem`]: a `type` URI naming the kind of problem (a
//! section of the crate's README), a `title` that is the same for every problem of that type, the
//! HTTP `status`, a `detail` for this occurrence, and extension members where they help a client
//! (`line`/`column` of a JSON syntax error, the located `problems` of a policy file, the
//! `accepted` policy ids, the `limit` that was exceeded).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// Where the problem types are described: the crate README's sections.
pub const TYPE_BASE: &str = "https://github.com/urrbmi/urrbmi/tree/main/crates/urrbmi-serve#";

/// The media type of a problem document.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// The kinds of problem the server reports, each with its `type` URI, title and status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The body is not JSON (or not the JSON expected), with line and column: 400.
    BadJson,
    /// A query parameter is missing or malformed: 400.
    BadRequest,
    /// The JSON is well formed but is not a resident: 422.
    InvalidResident,
    /// The resident makes no sense (an evaluation error): 422.
    Evaluation,
    /// The policy file has errors (`problems` lists them, located): 422.
    InvalidPolicy,
    /// The roster cannot be read at all: 422.
    InvalidRoster,
    /// No built-in policy has that id (`accepted` lists them): 404.
    UnknownPolicy,
    /// No such path: 404.
    NotFound,
    /// The path exists, the method does not: 405.
    MethodNotAllowed,
    /// The body's media type is not one the endpoint reads: 415.
    UnsupportedMediaType,
    /// The body is larger than the limit: 413.
    BodyTooLarge,
    /// More residents or rows than a request may hold: 413.
    BatchTooLarge,
    /// The request took longer than the time limit: 503.
    Timeout,
    /// Something went wrong in the server: 500.
    Internal,
}

impl Kind {
    /// The slug of the type URI (`unknown-policy`).
    pub fn slug(self) -> &'static str {
        match self {
            Kind::BadJson => "bad-json",
            Kind::BadRequest => "bad-request",
            Kind::InvalidResident => "invalid-resident",
            Kind::Evaluation => "evaluation",
            Kind::InvalidPolicy => "invalid-policy",
            Kind::InvalidRoster => "invalid-roster",
            Kind::UnknownPolicy => "unknown-policy",
            Kind::NotFound => "not-found",
            Kind::MethodNotAllowed => "method-not-allowed",
            Kind::UnsupportedMediaType => "unsupported-media-type",
            Kind::BodyTooLarge => "body-too-large",
            Kind::BatchTooLarge => "batch-too-large",
            Kind::Timeout => "timeout",
            Kind::Internal => "internal",
        }
    }

    /// The title, the same for every problem of the type.
    pub fn title(self) -> &'static str {
        match self {
            Kind::BadJson => "The body is not valid JSON",
            Kind::BadRequest => "The request is malformed",
            Kind::InvalidResident => "The JSON is not a resident",
            Kind::Evaluation => "The resident cannot be evaluated",
            Kind::InvalidPolicy => "The policy file has errors",
            Kind::InvalidRoster => "The roster cannot be read",
            Kind::UnknownPolicy => "No built-in policy has this id",
            Kind::NotFound => "Nothing is at this path",
            Kind::MethodNotAllowed => "The path does not accept this method",
            Kind::UnsupportedMediaType => "The body's media type is not accepted",
            Kind::BodyTooLarge => "The body is larger than the limit",
            Kind::BatchTooLarge => "The request holds more residents than the limit",
            Kind::Timeout => "The request took longer than the time limit",
            Kind::Internal => "Internal server error",
        }
    }

    /// The HTTP status.
    pub fn status(self) -> StatusCode {
        match self {
            Kind::BadJson | Kind::BadRequest => StatusCode::BAD_REQUEST,
            Kind::InvalidResident
            | Kind::Evaluation
            | Kind::InvalidPolicy
            | Kind::InvalidRoster => StatusCode::UNPROCESSABLE_ENTITY,
            Kind::UnknownPolicy | Kind::NotFound => StatusCode::NOT_FOUND,
            Kind::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Kind::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Kind::BodyTooLarge | Kind::BatchTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Kind::Timeout => StatusCode::SERVICE_UNAVAILABLE,
            Kind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// A problem details document (RFC 9457), with this API's extension members.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "https://github.com/urrbmi/urrbmi/tree/main/crates/urrbmi-serve#unknown-policy",
    "title": "No built-in policy has this id",
    "status": 404,
    "detail": "no built-in policy `nowhere-2021`; accepted: changsha-2021, ...",
    "accepted": ["changsha-2021", "changsha-2024"]
}))]
pub struct Problem {
    /// The problem type, a URI (a section of the urrbmi-serve README).
    #[serde(rename = "type")]
    pub type_uri: String,
    /// A short summary of the problem type.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong in this request.
    pub detail: String,
    /// Line of a JSON syntax error in the body (1-based).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// Column of a JSON syntax error in the body (1-based).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u64>,
    /// The field of the resident that is wrong (`categories[0].grade`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The resident's id, when it could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The accepted values (the built-in policy ids, the media types).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accepted: Option<Vec<String>>,
    /// The limit that was exceeded (bytes, residents or rows; milliseconds for a timeout).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
    /// Every problem of a policy file, each with its line and column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problems: Option<Vec<crate::api::Finding>>,
}

impl Problem {
    /// A problem of this kind with its detail.
    pub fn new(kind: Kind, detail: impl Into<String>) -> Problem {
        Problem {
            type_uri: format!("{TYPE_BASE}{}", kind.slug()),
            title: kind.title().to_string(),
            status: kind.status().as_u16(),
            detail: detail.into(),
            line: None,
            column: None,
            field: None,
            id: None,
            accepted: None,
            limit: None,
            problems: None,
        }
    }

    /// A JSON syntax (or shape) error of the body, with its line and column.
    pub fn bad_json(error: &serde_json::Error) -> Problem {
        let mut problem = Problem::new(Kind::BadJson, error.to_string());
        if error.line() > 0 {
            problem.line = Some(error.line() as u64);
            problem.column = Some(error.column() as u64);
        }
        problem
    }

    /// A body over `limit` bytes.
    pub fn body_too_large(limit: usize) -> Problem {
        let mut problem = Problem::new(
            Kind::BodyTooLarge,
            format!(
                "the body is larger than {limit} bytes ({}); send less at once",
                crate::config::human_bytes(limit)
            ),
        );
        problem.limit = Some(limit as u64);
        problem
    }

    /// No built-in policy `id`.
    pub fn unknown_policy(id: &str) -> Problem {
        let accepted: Vec<String> = urrbmi::Policy::builtin_ids().map(str::to_string).collect();
        let shown: String = id.chars().take(60).collect();
        let mut problem = Problem::new(
            Kind::UnknownPolicy,
            format!(
                "no built-in policy `{shown}`; accepted: {}",
                accepted.join(", ")
            ),
        );
        problem.accepted = Some(accepted);
        problem
    }

    /// An internal error (a task that failed); the detail says no more than that.
    pub fn internal() -> Problem {
        Problem::new(
            Kind::Internal,
            "the request could not be completed; the server log has the request line",
        )
    }

    /// The HTTP status.
    pub fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status_code();
        let body = serde_json::to_vec(&self).unwrap_or_else(|_| b"{}".to_vec());
        let mut response = (status, body).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        response
    }
}
