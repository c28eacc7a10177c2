//! # urrbmi-serve
//!
//! The [`urrbmi`] rules over HTTP, for payment desks that are not written in Rust: a JSON web
//! API (`/v1/assess`, `/v1/policies`, `/v1/lint`, `/v1/roster`) with an OpenAPI document
//! (`/openapi.json`), errors as RFC 9457 problem details, and a calculator page at `/` for a
//! desk clerk. `urrbmi serve` (the `urrbmi-cli` crate) runs it.
//!
//! Safe by default: it listens on 127.0.0.1 unless told otherwise; bodies, batches and rosters
//! have size limits, requests a timeout, and only so many are handled at once ([`Limits`]);
//! no path from a request reaches the file system (policies are the built-ins or a body); CORS
//! is off unless origins are given; SIGTERM shuts it down gracefully; each request is logged on
//! a line of standard error.
//!
//! Where things are: the configuration in [`config`], the router, limits and life of the server
//! in [`server`], the handlers and their types in [`api`], problem details in [`problem`], the
//! OpenAPI document in [`openapi`] (the core's JSON described in [`schema`]), rosters in
//! [`roster`] (workbooks in [`spreadsheet`]), the page in [`page`].
//!
//! ```no_run
//! use urrbmi_serve::{Config, run};
//! // Listen on 127.0.0.1:8080 with the default limits until SIGTERM or Ctrl-C.
//! run(&Config::default())?;
//! # Ok::<(), urrbmi_serve::ServeError>(())
//! ```
//!
//! The assessments are the core's: the answer of `POST /v1/assess` for a resident is the JSON
//! of [`urrbmi::evaluate`]'s assessment, with the resident's place in the request and its id,
//! as `urrbmi assess` prints it ([`urrbmi_analysis::jsonl`]).

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]
#![warn(missing_docs)]
// A problem is made at most once per request, on its way to becoming a response: its size
// is no cost worth a box.
#![allow(clippy::result_large_err)]

pub mod api;
pub mod config;
pub mod openapi;
pub mod page;
pub mod problem;
pub mod roster;
pub mod schema;
pub mod server;
pub mod spreadsheet;

pub use config::{Config, DEFAULT_ADDR, Limits};
pub use problem::Problem;
pub use server::{ServeError, router, run, serve, shutdown_signal};
