//! Scenario g: the memory of a change report. One job exports the synthesised log events to
//! NDJSON with `changes = true`, twice: between the runs one client is renamed, so the events
//! naming it change (`client_name`) while their `log_id`s stay. The row is the second run, the
//! one comparing against the first run's 1,000,000 records; its peak memory is the report's
//! (the target: under 256 MiB).

use std::error::Error;
use std::fs;
use std::path::Path;

use serde_json::{Value, json};

use crate::child::{self, Measured};
use crate::scenario::{job, logs_tenant, thousands};
use crate::table::{self, Row};

/// The sizes measured: the previous snapshot's records.
pub(crate) const RECORDS: [u64; 2] = [100_000, 1_000_000];

/// The peak memory a report over 1,000,000 previous records must stay under, MiB.
const TARGET_MIB: u64 = 256;

/// Runs the job twice over `records` log events and measures the second run.
pub(crate) fn measure(records: u64) -> Result<Row, Box<dyn Error>> {
    let count = usize::try_from(records)?;
    let fake = fake_auth0::start_in_thread(logs_tenant(count))?;
    let dir = tempfile::tempdir()?;
    for sub in ["jobs", "out", "state"] {
        fs::create_dir_all(dir.path().join(sub))?;
    }
    let job = job("logs", "take = 100", "\"ndjson\"", "").replace(
        "endpoint = \"logs\"\n",
        "endpoint = \"logs\"\nchanges = true\n",
    );
    fs::write(dir.path().join("jobs/bench.toml"), job)?;
    let env = crate::environment(dir.path(), fake.base_url());
    let first = run(dir.path(), &env)?;
    fake.with_tenant(|tenant| {
        let id = tenant.records("clients")[0]["client_id"]
            .as_str()
            .map(str::to_owned);
        if let Some(id) = id {
            tenant.update("clients", &id, "name", json!("Renamed for the benchmark"));
        }
        tenant.synthesise_logs(count);
    });
    let second = run(dir.path(), &env)?;
    fake.stop();
    let meta: Value = serde_json::from_str(&fs::read_to_string(
        dir.path().join("out/bench/latest.meta.json"),
    )?)?;
    let changes = &meta["changes"];
    let changed = changes["changed"]
        .as_u64()
        .ok_or("the meta file has no changes")?;
    let peak_kib = second.peak_rss_kib;
    let met = peak_kib < TARGET_MIB * 1024;
    Ok(Row {
        label: format!(
            "g. change report, {} logs twice, NDJSON",
            thousands(records)
        ),
        pages: meta["pages"].as_u64(),
        records: meta["records"].as_u64().unwrap_or_default(),
        wall: second.wall,
        peak_kib: Some(peak_kib),
        verdict: format!(
            "{} changed, +{} -{}; first run {:.1} MiB; < {TARGET_MIB} MiB: {}",
            thousands(changed),
            changes["added"],
            changes["removed"],
            first.peak_rss_kib as f64 / 1024.0,
            if met { "met" } else { "MISSED" }
        ),
        ..Row::default()
    })
}

fn run(dir: &Path, env: &[(String, String)]) -> Result<Measured, Box<dyn Error>> {
    let measured = child::run_a0snap(dir, env)?;
    eprintln!(
        "  {} wall, {} of CPU, {:.1} MiB peak",
        table::seconds(measured.wall),
        table::seconds(measured.cpu),
        measured.peak_rss_kib as f64 / 1024.0
    );
    if measured.code != 0 {
        let stderr = fs::read_to_string(dir.join("stderr.txt")).unwrap_or_default();
        return Err(format!("a0snap exited with {}:\n{stderr}", measured.code).into());
    }
    Ok(measured)
}
