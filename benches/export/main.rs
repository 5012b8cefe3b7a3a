//! `cargo bench --bench export [-- LETTERS]`: how close a0snap's export comes to what the
//! tenant allows.
//!
//! Each scenario starts fake-auth0 in this process with Auth0's latency and rate limits, runs
//! the real release binary (`a0snap run`, one job or several at once) as a child process
//! against it, and compares the wall time with the floor those limits put under any client:
//! `pages x latency / in_flight`, or `(pages - burst) / rate` under a token bucket (the slowest
//! job's, when jobs run at once under buckets of their own). Peak memory is the child's own (`wait4`).
//! Scenario e times the CSV conversion alone, in this process, on one thread; scenario g runs
//! one job with a change report twice; scenario i exports d's log events to S3 (moto's server,
//! started by the benchmark on loopback).
//!
//! Nothing here fails on a missed target: the table says which targets were met. Arguments
//! select scenarios by letter (`cargo bench --bench export -- a c`); `--bench`, which cargo
//! passes, is ignored.

mod alloc;
mod changes;
mod child;
mod csv_alone;
mod s3;
mod scenario;
mod table;

use std::error::Error;
use std::fs;
use std::path::Path;
use std::process::ExitCode;

use scenario::{CLIENT_ID, CLIENT_SECRET, Scenario, Target, in_flight};
use table::Row;

#[global_allocator]
static ALLOCATOR: alloc::Counting = alloc::Counting;

/// Records converted by scenario e.
const CSV_RECORDS: u64 = 2_000_000;
/// Scenario e's target, records per second.
const CSV_TARGET: f64 = 300_000.0;
/// Scenario d: how much peak memory may differ between 100,000 and 1,000,000 records.
const MEMORY_SPREAD: f64 = 0.20;

fn main() -> ExitCode {
    let letters: Vec<char> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with('-'))
        .flat_map(|arg| arg.chars().collect::<Vec<_>>())
        .collect();
    let wanted = |letter: char| letters.is_empty() || letters.contains(&letter);
    match run(&wanted) {
        Ok(rows) => {
            println!("{}", machine());
            println!();
            table::print(&rows);
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("benchmark failed: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(wanted: &dyn Fn(char) -> bool) -> Result<Vec<Row>, Box<dyn Error>> {
    let mut rows = Vec::new();
    for scenario in scenario::all() {
        if wanted(scenario.letter) {
            eprintln!("running {} ...", scenario.label);
            rows.push(export(&scenario)?);
        }
    }
    if wanted('i') {
        for records in s3::RECORDS {
            eprintln!(
                "running i. {} logs to S3 (moto on loopback) ...",
                scenario::thousands(records)
            );
            rows.push(s3::measure(records)?);
        }
    }
    judge_memory_spread(&mut rows);
    if wanted('g') {
        for records in changes::RECORDS {
            eprintln!(
                "running g. change report over {} records ...",
                scenario::thousands(records)
            );
            rows.push(changes::measure(records)?);
        }
    }
    if wanted('e') {
        eprintln!("running e. CSV conversion alone ...");
        rows.push(csv_row()?);
    }
    Ok(rows)
}

/// Runs one scenario's export and measures it.
fn export(scenario: &Scenario) -> Result<Row, Box<dyn Error>> {
    let fake = fake_auth0::start_in_thread((scenario.config)())?;
    let dir = tempfile::tempdir()?;
    for sub in ["jobs", "out", "state"] {
        fs::create_dir_all(dir.path().join(sub))?;
    }
    fs::write(dir.path().join("jobs/bench.toml"), &scenario.job)?;
    for (name, job, _) in &scenario.at_once {
        fs::write(dir.path().join(format!("jobs/{name}.toml")), job)?;
    }
    let env = environment(dir.path(), fake.base_url());
    let measured = child::run_a0snap(dir.path(), &env)?;
    eprintln!(
        "  {} wall, {} of CPU in a0snap",
        table::seconds(measured.wall),
        table::seconds(measured.cpu)
    );
    if measured.code != 0 {
        let stderr = fs::read_to_string(dir.path().join("stderr.txt")).unwrap_or_default();
        let stdout = fs::read_to_string(dir.path().join("stdout.txt")).unwrap_or_default();
        return Err(format!("a0snap exited with {}:\n{stdout}\n{stderr}", measured.code).into());
    }
    let counters = fake.counters();
    fake.stop();
    let jobs = std::iter::once(("bench", scenario.bound)).chain(
        scenario
            .at_once
            .iter()
            .map(|(name, _, bound)| (*name, *bound)),
    );
    let (mut pages, mut records, mut bound) = (0, 0, None);
    for (name, job_bound) in jobs {
        let meta: serde_json::Value = serde_json::from_str(&fs::read_to_string(
            dir.path().join(format!("out/{name}/latest.meta.json")),
        )?)?;
        let job_pages = meta["pages"].as_u64().ok_or("the meta file has no pages")?;
        pages += job_pages;
        records += meta["records"]
            .as_u64()
            .ok_or("the meta file has no records")?;
        bound = bound.max(job_bound.for_pages(job_pages));
    }
    let mut row = Row {
        label: scenario.label.clone(),
        pages: Some(pages),
        records,
        wall: measured.wall,
        bound,
        requests: Some(counters.api_requests),
        rejected: Some(counters.rate_limited),
        peak_kib: Some(measured.peak_rss_kib),
        verdict: String::new(),
    };
    row.verdict = verdict(&row, scenario.target);
    Ok(row)
}

/// The environment of a0snap in `dir` (with `jobs`, `out` and `state` in it) against the fake
/// at `base_url`.
pub(crate) fn environment(dir: &Path, base_url: String) -> Vec<(String, String)> {
    let path = |sub: &str| dir.join(sub).display().to_string();
    [
        ("AUTH0_DOMAIN", base_url),
        ("AUTH0_CLIENT_ID", CLIENT_ID.to_owned()),
        ("AUTH0_CLIENT_SECRET", CLIENT_SECRET.to_owned()),
        ("A0SNAP_JOBS_DIR", path("jobs")),
        ("A0SNAP_OUTPUT_DIR", path("out")),
        ("A0SNAP_STATE_DIR", path("state")),
        ("A0SNAP_TOKEN_CACHE", "memory".to_owned()),
        ("A0SNAP_MAX_IN_FLIGHT", in_flight().to_string()),
        ("HOME", path("")),
        ("RUST_LOG", "warn".to_owned()),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value))
    .chain(tuning())
    .collect()
}

/// `A0SNAP_*` settings from the benchmark's environment that a0snap should see too (request
/// rate, timeouts, ...), so a setting can be tried without editing the benchmark.
fn tuning() -> impl Iterator<Item = (String, String)> {
    const OWN: [&str; 5] = [
        "A0SNAP_JOBS_DIR",
        "A0SNAP_OUTPUT_DIR",
        "A0SNAP_STATE_DIR",
        "A0SNAP_TOKEN_CACHE",
        "A0SNAP_MAX_IN_FLIGHT",
    ];
    std::env::vars()
        .filter(|(name, _)| name.starts_with("A0SNAP_") && !OWN.contains(&name.as_str()))
}

fn verdict(row: &Row, target: Target) -> String {
    let met = |ok: bool| if ok { "met" } else { "MISSED" };
    match target {
        Target::Ratio(most) => {
            let ok = row.ratio().is_some_and(|ratio| ratio <= most);
            format!("≤ {most}× bound: {}", met(ok))
        }
        Target::RatioWithFew429(most, share) => {
            let few = match (row.rejected, row.requests) {
                (Some(rejected), Some(requests)) if requests > 0 => {
                    (rejected as f64) < share * requests as f64
                }
                _ => false,
            };
            let ok = few && row.ratio().is_some_and(|ratio| ratio <= most);
            format!("≤ {most}× bound, < {}% 429: {}", share * 100.0, met(ok))
        }
        Target::PeakMemory(mib) => {
            let ok = row.peak_kib.is_some_and(|kib| kib < mib * 1024);
            format!("< {mib} MiB: {}", met(ok))
        }
    }
}

/// Scenarios d and i: the peak memory of each 1,000,000-record export against the 100,000 one
/// of the same scenario and format.
fn judge_memory_spread(rows: &mut [Row]) {
    let small: Vec<((char, String), u64)> = rows
        .iter()
        .filter(|row| row.records == 100_000)
        .filter_map(|row| Some((family_of(&row.label)?, row.peak_kib?)))
        .collect();
    for row in rows.iter_mut().filter(|row| row.records == 1_000_000) {
        let Some(family) = family_of(&row.label) else {
            continue;
        };
        let Some((_, base)) = small.iter().find(|(f, _)| *f == family) else {
            continue;
        };
        let Some(peak) = row.peak_kib else { continue };
        let spread = (peak as f64 - *base as f64) / *base as f64;
        let ok = spread.abs() <= MEMORY_SPREAD;
        row.verdict.push_str(&format!(
            "; {:+.0}% vs 100,000 (≤ ±20%): {}",
            spread * 100.0,
            if ok { "met" } else { "MISSED" }
        ));
    }
}

/// A row's scenario letter and format: `('d', "CSV")` for `d. 1,000,000 logs to CSV`.
fn family_of(label: &str) -> Option<(char, String)> {
    let letter = label.chars().next()?;
    let format = label.rsplit(' ').next()?;
    Some((letter, format.to_owned()))
}

fn csv_row() -> Result<Row, Box<dyn Error>> {
    let conversion = csv_alone::measure(CSV_RECORDS)?;
    let per_second = conversion.records as f64 / conversion.wall.as_secs_f64();
    Ok(Row {
        label: "e. CSV conversion alone, 1 core".to_owned(),
        records: conversion.records,
        wall: conversion.wall,
        verdict: format!(
            "{} records/s, {:.0} MB/s, {:.3} allocations a record (≥ {} records/s: {})",
            scenario::thousands(per_second as u64),
            conversion.bytes as f64 / conversion.wall.as_secs_f64() / 1e6,
            conversion.allocations as f64 / conversion.records as f64,
            scenario::thousands(CSV_TARGET as u64),
            if per_second >= CSV_TARGET {
                "met"
            } else {
                "MISSED"
            }
        ),
        ..Row::default()
    })
}

/// The machine the figures come from.
fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split_once(':'))
                .map(|(_, name)| name.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    format!(
        "a0snap {} on {cores} cores ({model}), {} requests in flight",
        env!("CARGO_PKG_VERSION"),
        in_flight()
    )
}
