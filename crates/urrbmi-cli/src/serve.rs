//! `urrbmi serve`: the rules over HTTP (the `urrbmi-serve` crate), with the limits of its flags.

use urrbmi_serve::{Config, Limits};

use crate::args::ServeArgs;
use crate::output::{Result, Status, fatal};

pub fn run(args: ServeArgs) -> Result {
    let config = Config {
        addr: args.addr,
        limits: Limits {
            max_body: args.max_body,
            max_roster_body: args.max_roster_body,
            max_batch: args.max_batch,
            max_roster_rows: args.max_roster_rows,
            timeout: args.timeout,
            max_concurrent: args.max_concurrent,
            max_connections: args.max_connections,
        },
        cors_origins: args.cors_origins,
        log: !args.quiet,
    };
    urrbmi_serve::run(&config).map_err(fatal)?;
    Ok(Status::Clean)
}
