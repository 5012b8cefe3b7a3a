//! The one table the benchmark prints, as Markdown so it can go into the README as it is.

use std::time::Duration;

use crate::scenario::thousands;

/// One measured scenario.
#[derive(Debug, Default)]
pub(crate) struct Row {
    /// What was measured.
    pub label: String,
    /// Pages exported (from the snapshot's meta file).
    pub pages: Option<u64>,
    /// Records exported.
    pub records: u64,
    /// Wall time.
    pub wall: Duration,
    /// The floor the tenant's latency and rate limit put under the wall time.
    pub bound: Option<Duration>,
    /// API requests the fake received (retries included).
    pub requests: Option<u64>,
    /// Of those, answered 429.
    pub rejected: Option<u64>,
    /// Peak resident memory of the a0snap process, KiB.
    pub peak_kib: Option<u64>,
    /// The target and whether it was met.
    pub verdict: String,
}

impl Row {
    /// Wall time over the bound.
    pub(crate) fn ratio(&self) -> Option<f64> {
        self.bound
            .filter(|bound| !bound.is_zero())
            .map(|bound| self.wall.as_secs_f64() / bound.as_secs_f64())
    }
}

/// How the verdict of a scenario that could not run starts.
pub(crate) const SKIPPED: &str = "SKIPPED";

/// Prints the rows as a Markdown table.
pub(crate) fn print(rows: &[Row]) {
    println!(
        "| scenario | pages | records | wall time | bound | ratio | 429s | peak RSS | target |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---|");
    for row in rows {
        // A scenario that could not run (scenario i without moto) measured nothing.
        let ran = !row.verdict.starts_with(SKIPPED);
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            row.label,
            row.pages.map_or("-".to_owned(), thousands),
            if ran {
                thousands(row.records)
            } else {
                "-".to_owned()
            },
            if ran {
                seconds(row.wall)
            } else {
                "-".to_owned()
            },
            row.bound.map_or("-".to_owned(), seconds),
            row.ratio()
                .map_or("-".to_owned(), |ratio| format!("{ratio:.2}")),
            rejected(row),
            row.peak_kib.map_or("-".to_owned(), mebibytes),
            row.verdict,
        );
    }
}

fn rejected(row: &Row) -> String {
    match (row.rejected, row.requests) {
        (Some(rejected), Some(requests)) => format!("{rejected} of {}", thousands(requests)),
        _ => "-".to_owned(),
    }
}

/// `1.234 s`.
pub(crate) fn seconds(duration: Duration) -> String {
    format!("{:.3} s", duration.as_secs_f64())
}

/// `12.3 MiB`.
pub(crate) fn mebibytes(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}
