//! The OpenAPI document (`GET /openapi.json`), generated from the handlers' and types'
//! definitions.

use utoipa::OpenApi;

/// The API's OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "urrbmi",
        description = "China's urban-rural resident basic medical insurance (城乡居民基本医疗保险) payment rules over HTTP: who owes what, which fund pays the rest, and when benefits begin, with the clauses that decided it. Errors are RFC 9457 problem details (application/problem+json).",
        license(name = "MIT OR Apache-2.0"),
    ),
    paths(
        crate::api::assess,
        crate::api::policies,
        crate::api::policy,
        crate::api::vocabulary,
        crate::api::lint,
        crate::api::roster,
    ),
    components(schemas(
        crate::problem::Problem,
        crate::api::Finding,
        crate::schema::ResidentSchema,
        crate::schema::AssessedSchema,
        crate::schema::ErrorAnswerSchema,
        crate::schema::AnswerSchema,
    )),
    tags(
        (name = "assess", description = "Residents in, assessments out"),
        (name = "policies", description = "The built-in policies, their names, and the linter"),
        (name = "roster", description = "Rosters (台账)"),
    )
)]
pub struct ApiDoc;

/// The document, with the crate's version.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    doc
}
