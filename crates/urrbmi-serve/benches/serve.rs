//! `POST /v1/assess` on loopback, with 1 and with 1,000 residents per request, against a server
//! started in this process on 127.0.0.1:0 (the default limits, no request log).
//!
//! `cargo bench -p urrbmi-serve --bench serve`. First criterion's figures (the time of one
//! request, `thrpt` in residents per second); then, under `cargo bench` only, a latency run: a
//! fixed number of requests from 1 and from 4 concurrent clients, each request timed, reporting
//! requests/s, residents/s and p50/p99 latency; and, in the same process and hour, the
//! in-process figures to compare with: the same residents through `urrbmi_analysis::jsonl` (the
//! same JSON in and out, no HTTP) and through `Batch::run` (evaluation alone, residents already
//! parsed, as the analysis crate's batch bench measures). See docs/performance.md.
//!
//! The client runs on the same 2-core machine as the server, so the two compete for it.

#[path = "../../../benches/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use tokio::net::TcpListener;
use urrbmi::Policy;
use urrbmi_analysis::batch::Batch;
use urrbmi_analysis::jsonl;
use urrbmi_serve::Config;

const POLICY: &str = "ziyang-2021";
const BATCH: usize = 1000;

/// One case: a name, the bodies sent in turn, and the residents each holds.
struct Case {
    name: &'static str,
    bodies: Vec<Arc<String>>,
    residents: usize,
}

async fn post(client: &reqwest::Client, url: &str, body: &Arc<String>) -> usize {
    let response = client
        .post(url)
        .header("content-type", "application/json")
        .body(body.as_str().to_string())
        .send()
        .await
        .expect("the server answers");
    assert!(response.status().is_success(), "{}", response.status());
    response.bytes().await.expect("a body").len()
}

/// `requests` requests from `clients` concurrent clients: every latency, and the wall time.
fn latency_run(
    runtime: &tokio::runtime::Runtime,
    url: &str,
    case: &Case,
    clients: usize,
    requests: usize,
) -> (Vec<Duration>, Duration) {
    let client = reqwest::Client::new();
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let latencies = runtime.block_on(async {
        let mut tasks = Vec::new();
        for _ in 0..clients {
            let client = client.clone();
            let url = url.to_string();
            let next = Arc::clone(&next);
            let bodies = case.bodies.clone();
            tasks.push(tokio::spawn(async move {
                let mut latencies = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= requests {
                        break latencies;
                    }
                    let body = &bodies[i % bodies.len()];
                    let t = Instant::now();
                    black_box(post(&client, &url, body).await);
                    latencies.push(t.elapsed());
                }
            }));
        }
        let mut all = Vec::with_capacity(requests);
        for task in tasks {
            all.extend(task.await.expect("the client task ends"));
        }
        all
    });
    (latencies, started.elapsed())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn millis(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let bench_mode = std::env::args().any(|a| a == "--bench");
    let policy = Policy::builtin(POLICY).expect("built-in policy");
    let residents = common::mix(policy, 4 * BATCH, common::SEED);
    let json: Vec<String> = residents
        .iter()
        .map(|r| serde_json::to_string(r).expect("a resident serializes"))
        .collect();

    let single = Case {
        name: "1 resident per request",
        bodies: json.iter().map(|j| Arc::new(j.clone())).collect(),
        residents: 1,
    };
    let batch = Case {
        name: "1,000 residents per request",
        bodies: json
            .chunks(BATCH)
            .map(|chunk| Arc::new(format!("[{}]", chunk.join(","))))
            .collect(),
        residents: BATCH,
    };

    // The server, on its own runtime (2 worker threads: the machine's cores).
    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let listener = server
        .block_on(TcpListener::bind("127.0.0.1:0"))
        .expect("bind loopback");
    let addr = listener.local_addr().expect("address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let config = Config {
        log: false,
        ..Config::default()
    };
    let serving = server.spawn(async move {
        urrbmi_serve::serve(listener, &config, async {
            let _ = stopped.await;
        })
        .await
    });
    let url = format!("http://{addr}/v1/assess?policy={POLICY}");
    let clients = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");

    let mut c = Criterion::default()
        .configure_from_args()
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(8));
    {
        let mut group = c.benchmark_group("serve/assess");
        let client = reqwest::Client::new();
        for case in [&single, &batch] {
            group.throughput(Throughput::Elements(case.residents as u64));
            if case.residents > 1 {
                group.sample_size(20);
            }
            let mut i = 0usize;
            group.bench_function(case.name, |b| {
                b.iter(|| {
                    i += 1;
                    let body = &case.bodies[i % case.bodies.len()];
                    black_box(clients.block_on(post(&client, &url, body)))
                });
            });
        }
        group.finish();
    }
    c.final_summary();

    if bench_mode {
        println!("\nlatency run ({POLICY}, loopback, the client on the same 2 cores)");
        println!(
            "{:<30} {:>7} {:>9} {:>10} {:>12} {:>11} {:>11}",
            "case", "clients", "requests", "requests/s", "residents/s", "p50", "p99"
        );
        let mut batch_rate = 0.0f64;
        for (case, requests) in [(&single, 5000usize), (&batch, 300)] {
            for concurrent in [1usize, 4] {
                // A short warm-up, not counted.
                latency_run(&clients, &url, case, concurrent, requests / 10);
                let (mut latencies, wall) = latency_run(&clients, &url, case, concurrent, requests);
                latencies.sort();
                let per_second = latencies.len() as f64 / wall.as_secs_f64();
                let rate = per_second * case.residents as f64;
                if case.residents > 1 {
                    batch_rate = batch_rate.max(rate);
                }
                println!(
                    "{:<30} {:>7} {:>9} {:>10.0} {:>12.0} {:>11} {:>11}",
                    case.name,
                    concurrent,
                    latencies.len(),
                    per_second,
                    rate,
                    millis(percentile(&latencies, 50.0)),
                    millis(percentile(&latencies, 99.0)),
                );
            }
        }

        // In process, the same residents: the same JSON in and out without HTTP, and
        // evaluation alone.
        let lines: String = json.iter().map(|j| format!("{j}\n")).collect();
        let rounds = 40;
        let started = Instant::now();
        for _ in 0..rounds {
            let mut out = Vec::with_capacity(lines.len() * 6);
            let counts = jsonl::assess_lines(
                &mut std::io::BufReader::new(lines.as_bytes()),
                &mut out,
                policy,
            )
            .expect("assesses");
            black_box((counts, out));
        }
        let jsonl_rate = (rounds * json.len()) as f64 / started.elapsed().as_secs_f64();
        let rounds = 400;
        let one_thread = Batch::new(policy).parallel(false);
        let started = Instant::now();
        for _ in 0..rounds {
            black_box(one_thread.run(&residents).expect("runs"));
        }
        let batch_1 = (rounds * residents.len()) as f64 / started.elapsed().as_secs_f64();
        let all_cores = Batch::new(policy).parallel(true);
        let started = Instant::now();
        for _ in 0..rounds {
            black_box(all_cores.run(&residents).expect("runs"));
        }
        let batch_all = (rounds * residents.len()) as f64 / started.elapsed().as_secs_f64();
        println!("\nin process, the same {} residents:", residents.len());
        println!(
            "  urrbmi_analysis::jsonl (JSON in and out, 1 thread)   {jsonl_rate:>12.0} residents/s"
        );
        println!(
            "  Batch::run, 1 thread (evaluation alone)             {batch_1:>12.0} residents/s"
        );
        println!(
            "  Batch::run, all cores (evaluation alone)            {batch_all:>12.0} residents/s"
        );
        println!(
            "\nbest server batch rate / in-process: {:.2} of jsonl, {:.3} of Batch::run 1 thread, {:.3} of Batch::run all cores",
            batch_rate / jsonl_rate,
            batch_rate / batch_1,
            batch_rate / batch_all
        );
    }

    let _ = stop.send(());
    let _ = server.block_on(serving);
}
