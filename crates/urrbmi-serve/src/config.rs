//! What a server is told: where to listen, its limits, CORS and the request log.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

/// The address listened on unless told otherwise: the loopback interface only.
pub const DEFAULT_ADDR: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 8080);

/// The limits every request is held to. The defaults are [`Limits::default`]'s, and
/// `urrbmi serve --help` states each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest body of `POST /v1/assess` and `POST /v1/lint`, in bytes.
    pub max_body: usize,
    /// The largest roster upload (`POST /v1/roster`), in bytes.
    pub max_roster_body: usize,
    /// The most residents one `POST /v1/assess` may hold (array elements or non-blank lines).
    pub max_batch: usize,
    /// The most rows one roster upload may hold.
    pub max_roster_rows: usize,
    /// How long a request may take, from its arrival (waiting for a slot included) to its
    /// answer; also how long a connection may take to send a request's head.
    pub timeout: Duration,
    /// How many requests are handled at once; more wait for a slot (within the timeout).
    pub max_concurrent: usize,
    /// How many connections are open at once; more wait in the system's queue until one
    /// closes. A connection that sends no complete request head within `timeout` is closed.
    pub max_connections: usize,
}

impl Limits {
    /// 8 MiB.
    pub const DEFAULT_MAX_BODY: usize = 8 << 20;
    /// 64 MiB.
    pub const DEFAULT_MAX_ROSTER_BODY: usize = 64 << 20;
    /// 10,000 residents.
    pub const DEFAULT_MAX_BATCH: usize = 10_000;
    /// 500,000 rows.
    pub const DEFAULT_MAX_ROSTER_ROWS: usize = 500_000;
    /// 30 seconds.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
    /// 16 requests.
    pub const DEFAULT_MAX_CONCURRENT: usize = 16;
    /// 512 connections.
    pub const DEFAULT_MAX_CONNECTIONS: usize = 512;
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_body: Limits::DEFAULT_MAX_BODY,
            max_roster_body: Limits::DEFAULT_MAX_ROSTER_BODY,
            max_batch: Limits::DEFAULT_MAX_BATCH,
            max_roster_rows: Limits::DEFAULT_MAX_ROSTER_ROWS,
            timeout: Limits::DEFAULT_TIMEOUT,
            max_concurrent: Limits::DEFAULT_MAX_CONCURRENT,
            max_connections: Limits::DEFAULT_MAX_CONNECTIONS,
        }
    }
}

/// A server's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Where to listen ([`DEFAULT_ADDR`] by default).
    pub addr: SocketAddr,
    /// The limits of every request.
    pub limits: Limits,
    /// Origins allowed to call the API from another site's pages (CORS); empty (the default)
    /// sends no CORS headers, so browsers allow only the server's own page. `*` allows any.
    pub cors_origins: Vec<String>,
    /// Write a line per request to standard error (on by default).
    pub log: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            addr: DEFAULT_ADDR,
            limits: Limits::default(),
            cors_origins: Vec::new(),
            log: true,
        }
    }
}

/// A byte count with its binary unit, for messages (`8 MiB`, `1536 bytes`).
pub fn human_bytes(bytes: usize) -> String {
    const UNITS: [(usize, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (size, unit) in UNITS {
        if bytes >= size && bytes.is_multiple_of(size) {
            return format!("{} {unit}", bytes / size);
        }
    }
    format!("{bytes} bytes")
}

/// Why a size did not read (see [`parse_bytes`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a size: write a whole number of bytes, optionally with KiB, MiB or GiB (`8MiB`)"
)]
pub struct SizeError(pub String);

/// Reads a size: a whole number of bytes, optionally followed by `KiB`, `MiB` or `GiB` (also
/// `K`, `M`, `G`, any case, spaces and `_` allowed): `8MiB` = 8,388,608.
///
/// # Errors
///
/// [`SizeError`] for anything else, or a size that does not fit.
pub fn parse_bytes(text: &str) -> Result<usize, SizeError> {
    let cleaned: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '_')
        .collect::<String>()
        .to_ascii_lowercase();
    let digits_end = cleaned
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(cleaned.len());
    let (digits, unit) = cleaned.split_at(digits_end);
    let scale: usize = match unit {
        "" | "b" => 1,
        "k" | "kib" | "kb" => 1 << 10,
        "m" | "mib" | "mb" => 1 << 20,
        "g" | "gib" | "gb" => 1 << 30,
        _ => return Err(SizeError(text.to_string())),
    };
    digits
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .ok_or_else(|| SizeError(text.to_string()))
}

/// Reads a duration: a whole number of seconds, or with `ms`, `s` or `min` (`30s`, `500ms`).
///
/// # Errors
///
/// A message for anything else.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim().to_ascii_lowercase();
    let error = || format!("`{text}` is not a duration: write 30s, 500ms or 2min");
    let digits_end = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(digits_end);
    let n: u64 = digits.parse().map_err(|_| error())?;
    match unit.trim() {
        "" | "s" => Ok(Duration::from_secs(n)),
        "ms" => Ok(Duration::from_millis(n)),
        "min" | "m" => n.checked_mul(60).map(Duration::from_secs).ok_or_else(error),
        _ => Err(error()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_with_and_without_units() {
        assert_eq!(parse_bytes("8MiB"), Ok(8 << 20));
        assert_eq!(parse_bytes("64 kib"), Ok(64 << 10));
        assert_eq!(parse_bytes("1_048_576"), Ok(1 << 20));
        assert!(parse_bytes("8 potatoes").is_err());
        assert!(parse_bytes("").is_err());
        assert!(parse_bytes("99999999999999999999G").is_err());
        assert_eq!(human_bytes(8 << 20), "8 MiB");
        assert_eq!(human_bytes(1500), "1500 bytes");
    }

    #[test]
    fn durations_read_with_units() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2min"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("7"), Ok(Duration::from_secs(7)));
        assert!(parse_duration("soon").is_err());
    }
}
