//! The router, its limits and the server's life: listening, the request log, timeouts, bounded
//! concurrency, CORS and graceful shutdown.

use std::future::Future;
use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::config::{Config, Limits};
use crate::problem::{Kind, Problem};

/// Why a server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The address could not be listened on.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A CORS origin is not a valid header value.
    #[error("the CORS origin `{0}` is not an origin (write it as https://host[:port], or *)")]
    BadOrigin(String),
    /// A limit is zero.
    #[error("the limit {0} must be at least 1")]
    ZeroLimit(&'static str),
    /// The runtime could not start, or the server failed while running.
    #[error("the server failed: {0}")]
    Io(#[from] std::io::Error),
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The limits.
    pub limits: Limits,
    /// The slots of requests handled at once.
    slots: Arc<Semaphore>,
    /// The OpenAPI document, rendered once.
    openapi: Bytes,
    /// Whether to log requests.
    log: bool,
}

/// A request's slot among the requests handled at once: held by the request, and by any work
/// it hands to the blocking pool, until both are done (a request that times out does not free
/// its slot while its work still runs).
#[derive(Clone)]
pub struct Slot(#[allow(dead_code)] Arc<OwnedSemaphorePermit>);

/// Runs CPU-bound work on the blocking pool, holding the request's slot.
///
/// # Errors
///
/// An internal problem if the work panicked (it is not meant to).
pub async fn blocking<T: Send + 'static>(
    slot: Slot,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Problem> {
    tokio::task::spawn_blocking(move || {
        let _slot = slot;
        work()
    })
    .await
    .map_err(|_| Problem::internal())
}

/// Reads a body of at most `limit` bytes: a 413 problem for a larger one (at once when its
/// `Content-Length` says so, else when the limit is passed).
///
/// # Errors
///
/// [`Kind::BodyTooLarge`] past the limit, [`Kind::BadRequest`] when the body cannot be read.
pub async fn read_body(body: Body, headers: &HeaderMap, limit: usize) -> Result<Bytes, Problem> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(Problem::body_too_large(limit));
    }
    match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => Ok(bytes),
        Err(e) => {
            let inner = e.into_inner();
            if inner
                .downcast_ref::<http_body_util::LengthLimitError>()
                .is_some()
            {
                Err(Problem::body_too_large(limit))
            } else {
                Err(Problem::new(
                    Kind::BadRequest,
                    format!("the body could not be read: {inner}"),
                ))
            }
        }
    }
}

/// The timeout, the concurrency bound and the request log, around every request.
async fn guard(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let target = shown_target(request.uri());
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.to_string())
        .unwrap_or_else(|| "-".to_string());
    let timeout = state.limits.timeout;
    let slots = Arc::clone(&state.slots);
    let handled = tokio::time::timeout(timeout, async move {
        let permit = slots
            .acquire_owned()
            .await
            .map_err(|_| Problem::internal())?;
        request.extensions_mut().insert(Slot(Arc::new(permit)));
        Ok::<Response, Problem>(next.run(request).await)
    })
    .await;
    let response = match handled {
        Ok(Ok(response)) => response,
        Ok(Err(problem)) => problem.into_response(),
        Err(_) => {
            let mut problem = Problem::new(
                Kind::Timeout,
                format!(
                    "the request was not answered within {} ms; send less at once or try again",
                    timeout.as_millis()
                ),
            );
            problem.limit = Some(u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX));
            let mut response = problem.into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            response
        }
    };
    if state.log {
        let bytes = axum::body::HttpBody::size_hint(response.body())
            .exact()
            .map_or_else(|| "-".to_string(), |n| n.to_string());
        let _ = writeln!(
            std::io::stderr().lock(),
            "{} {peer} {method} {target} {} {bytes} {:.1}ms",
            chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ"),
            response.status().as_u16(),
            started.elapsed().as_secs_f64() * 1000.0,
        );
    }
    response
}

/// The request target for the log: the path and query, at most 200 characters.
fn shown_target(uri: &axum::http::Uri) -> String {
    let target = uri.path_and_query().map_or("/", |pq| pq.as_str());
    let mut shown: String = target.chars().take(200).collect();
    if target.chars().nth(200).is_some() {
        shown.push('…');
    }
    shown
}

async fn openapi_json(State(state): State<AppState>) -> Response {
    let mut response = state.openapi.clone().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

async fn not_found(request: Request) -> Problem {
    let path: String = request.uri().path().chars().take(200).collect();
    Problem::new(
        Kind::NotFound,
        format!("nothing at `{path}`; /openapi.json lists the API, / is the calculator page"),
    )
}

async fn method_not_allowed(request: Request) -> Problem {
    Problem::new(
        Kind::MethodNotAllowed,
        format!(
            "`{} {}` is not served; /openapi.json lists each path's methods",
            request.method(),
            request.uri().path().chars().take(200).collect::<String>()
        ),
    )
}

/// The router: the API, the OpenAPI document and the page, with the limits of `config`.
///
/// # Errors
///
/// [`ServeError::BadOrigin`] for a CORS origin that is not one, [`ServeError::ZeroLimit`] for a
/// limit of 0.
pub fn router(config: &Config) -> Result<Router, ServeError> {
    let limits = config.limits;
    for (name, value) in [
        ("--max-body", limits.max_body),
        ("--max-roster-body", limits.max_roster_body),
        ("--max-batch", limits.max_batch),
        ("--max-roster-rows", limits.max_roster_rows),
        ("--max-concurrent", limits.max_concurrent),
        ("--max-connections", limits.max_connections),
    ] {
        if value == 0 {
            return Err(ServeError::ZeroLimit(name));
        }
    }
    if limits.timeout.is_zero() {
        return Err(ServeError::ZeroLimit("--timeout"));
    }
    // Load the built-in policies now (each once), not in the first request that names one.
    let _ = urrbmi::Policy::builtins();
    let openapi = serde_json::to_vec_pretty(&crate::openapi::document())
        .map_err(|e| ServeError::Io(e.into()))?;
    let state = AppState {
        limits,
        slots: Arc::new(Semaphore::new(limits.max_concurrent)),
        openapi: Bytes::from(openapi),
        log: config.log,
    };
    let api = Router::new()
        .route("/v1/assess", post(crate::api::assess))
        .route("/v1/policies", get(crate::api::policies))
        .route("/v1/policies/{id}", get(crate::api::policy))
        .route("/v1/vocabulary", get(crate::api::vocabulary))
        .route("/v1/lint", post(crate::api::lint))
        .route("/v1/roster", post(crate::api::roster))
        .route("/openapi.json", get(openapi_json));
    let api = match cors(&config.cors_origins)? {
        Some(layer) => api.layer(layer),
        None => api,
    };
    let app = api
        .merge(crate::page::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state);
    Ok(app)
}

fn cors(origins: &[String]) -> Result<Option<CorsLayer>, ServeError> {
    if origins.is_empty() {
        return Ok(None);
    }
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        let values = origins
            .iter()
            .map(|o| {
                HeaderValue::from_str(o.trim_end_matches('/'))
                    .ok()
                    .filter(|_| o.starts_with("http://") || o.starts_with("https://"))
                    .ok_or_else(|| ServeError::BadOrigin(o.clone()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        AllowOrigin::list(values)
    };
    Ok(Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([header::CONTENT_TYPE, header::ACCEPT]),
    ))
}

/// Serves on `listener` until `shutdown` completes, then finishes the requests in flight.
///
/// Each connection is HTTP/1.1 with keep-alive; at most `max_connections` are open at once (the
/// rest wait in the system's accept queue), and one that sends no complete request head within
/// the timeout is closed. After `shutdown`, the listener is closed at once, idle connections are
/// closed, and the requests in flight are answered; connections still open one second past the
/// timeout are dropped, so a stalled client cannot hold the shutdown.
///
/// # Errors
///
/// As [`router`].
pub async fn serve(
    listener: TcpListener,
    config: &Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let app = router(config)?;
    let limits = config.limits;
    let connections = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = Arc::clone(&connections).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of file descriptors, or a connection reset before it was accepted: wait a
                // little rather than spin.
                Err(_) => {
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(move |request: Request<hyper::body::Incoming>| {
            let mut request = request.map(Body::new);
            request.extensions_mut().insert(ConnectInfo(peer));
            tower::ServiceExt::oneshot(app.clone(), request)
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(hyper_util::rt::TokioTimer::new())
            .header_read_timeout(limits.timeout)
            .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = connection.await;
            drop(permit);
        });
    }
    drop(listener);
    let grace = limits.timeout + std::time::Duration::from_secs(1);
    let _ = tokio::time::timeout(grace, graceful.shutdown()).await;
    Ok(())
}

/// Completes on SIGTERM or SIGINT (Ctrl-C).
pub async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}

/// Runs a server with `config` until SIGTERM or SIGINT: binds, says where on standard error,
/// serves, and shuts down gracefully (the requests in flight are answered).
///
/// # Errors
///
/// [`ServeError::Bind`] when the address cannot be listened on, or as [`serve`].
pub fn run(config: &Config) -> Result<(), ServeError> {
    // Validate before binding, so a bad flag fails before anything listens.
    drop(router(config)?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener = TcpListener::bind(config.addr)
            .await
            .map_err(|source| ServeError::Bind {
                addr: config.addr,
                source,
            })?;
        let addr = listener.local_addr()?;
        let _ = writeln!(
            std::io::stderr().lock(),
            "urrbmi serve: listening on http://{addr}/ (the calculator page; the API under /v1, its document at /openapi.json); Ctrl-C or SIGTERM stops"
        );
        serve(listener, config, async {
            shutdown_signal().await;
            let _ = writeln!(
                std::io::stderr().lock(),
                "urrbmi serve: shutting down, answering the requests in flight"
            );
        })
        .await
    })
}
