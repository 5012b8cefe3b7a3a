//! What the report reads from one job's folder: the records of its last snapshots (from the
//! `{job}-*.meta.json` files), its `latest.*` files and its latest change report. Reading
//! only; a file that cannot be read becomes a sentence for the page, never an error, so one
//! broken job never hides the others.

use std::path::Path;

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::atomic_file::TEMP_PREFIX;
use crate::snapshot;

/// Snapshots drawn per job, newest last (issue #15: "last 90 snapshots").
pub(crate) const HISTORY_LEN: usize = 90;

/// Entries of each change-report list kept for the page; the rest are only counted, so a
/// report of a million changes costs no more memory than one of a thousand.
pub(crate) const MAX_ROWS: usize = 500;

/// One snapshot, as its meta file describes it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Point {
    /// The meta file's `finished_at`.
    pub at: Timestamp,
    /// The meta file's `records`.
    pub records: u64,
}

/// The last [`HISTORY_LEN`] snapshots of `job` in `dir`, oldest first, and the meta files that
/// could not be read, as sentences. Only the newest [`HISTORY_LEN`] meta files by name (time
/// stamp, then sequence number) are opened: an incremental job keeping every delta may have
/// thousands.
pub(crate) fn history(dir: &Path, job: &str) -> (Vec<Point>, Vec<String>) {
    let names = file_names(dir);
    let mut metas: Vec<(_, &str)> = names
        .iter()
        .filter(|name| name.ends_with(".meta.json"))
        .filter_map(|name| {
            let (_, order) = snapshot::parse_snapshot_file(job, name)?;
            Some((order.key(), name.as_str()))
        })
        .collect();
    metas.sort_unstable();
    let skip = metas.len().saturating_sub(HISTORY_LEN);
    let mut problems = Vec::new();
    let mut points: Vec<Point> = metas[skip..]
        .iter()
        .filter_map(|(_, name)| match read_point(&dir.join(name)) {
            Ok(point) => Some(point),
            Err(problem) => {
                problems.push(format!("{name}: {problem}"));
                None
            }
        })
        .collect();
    points.sort_by_key(|point| point.at);
    (points, problems)
}

fn read_point(path: &Path) -> Result<Point, String> {
    let meta = read_json(path)?;
    let at = meta["finished_at"]
        .as_str()
        .and_then(|at| at.parse::<Timestamp>().ok())
        .ok_or("no finished_at time")?;
    let records = meta["records"].as_u64().ok_or("no records count")?;
    Ok(Point { at, records })
}

/// The `latest.*` files of the job's folder, by name.
pub(crate) fn latest_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = file_names(dir)
        .into_iter()
        .filter(|name| name.starts_with("latest."))
        .collect();
    names.sort();
    names
}

/// A change report (`{stem}.changes.json`, see [`crate::snapshot`]'s change reports); fields
/// the report does not show are not read. `changes` per changed record is present once change
/// reports carry old and new values.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ChangeReport {
    /// The report's file name (set after reading).
    #[serde(skip)]
    pub file: String,
    /// The snapshot's stem.
    pub snapshot: String,
    /// The stem it was compared with.
    pub previous: String,
    /// The identity field records are matched by.
    pub identity: String,
    /// Identities added.
    #[serde(default)]
    pub added: Capped<Value>,
    /// Identities removed.
    #[serde(default)]
    pub removed: Capped<Value>,
    /// Records changed.
    #[serde(default)]
    pub changed: Capped<Changed>,
}

/// The first [`MAX_ROWS`] entries of a JSON array, and how many it held.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Capped<T> {
    /// The entries kept.
    pub items: Vec<T>,
    /// The array's length.
    pub total: usize,
}

impl<T> Default for Capped<T> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            total: 0,
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Capped<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Visit<T> {
            type Value = Capped<T>;
            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("an array")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                let mut capped = Capped::default();
                while capped.items.len() < MAX_ROWS {
                    match seq.next_element()? {
                        Some(item) => capped.items.push(item),
                        None => break,
                    }
                }
                capped.total = capped.items.len();
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {
                    capped.total += 1;
                }
                Ok(capped)
            }
        }
        deserializer.deserialize_seq(Visit(std::marker::PhantomData))
    }
}

/// One changed record.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Changed {
    /// Its identity.
    pub id: Value,
    /// The top-level fields that differ.
    #[serde(default)]
    pub fields: Vec<String>,
    /// Per field path: `{"path", "old"?, "new"?, "secret"?}` (an absent `old` or `new` means
    /// the path was absent on that side).
    #[serde(default)]
    pub changes: Option<Vec<Map<String, Value>>>,
}

/// The change report of the latest snapshot, as `latest.meta.json`'s `changes.file` names it;
/// `Ok(None)` when there is none.
pub(crate) fn latest_changes(dir: &Path) -> Result<Option<ChangeReport>, String> {
    let meta = match read_json(&dir.join("latest.meta.json")) {
        Ok(meta) => meta,
        Err(_) if !dir.join("latest.meta.json").exists() => return Ok(None),
        Err(problem) => return Err(format!("latest.meta.json: {problem}")),
    };
    let Some(file) = meta["changes"]["file"].as_str() else {
        return Ok(None);
    };
    // The name comes from a file on disk: only a plain name in the job's folder is followed.
    if file.contains(['/', '\\']) || file.starts_with('.') {
        return Err(format!(
            "latest.meta.json names an odd change report {file:?}"
        ));
    }
    // Read as a stream: only the kept entries are held (see [`Capped`]).
    let opened = std::fs::File::open(dir.join(file))
        .map_err(|error| format!("{file}: cannot read it: {error}"))?;
    let mut report: ChangeReport = serde_json::from_reader(std::io::BufReader::new(opened))
        .map_err(|error| format!("{file}: {error}"))?;
    report.file = file.to_owned();
    Ok(Some(report))
}

fn read_json(path: &Path) -> Result<Value, String> {
    let text = std::fs::read(path).map_err(|error| format!("cannot read it: {error}"))?;
    serde_json::from_slice(&text).map_err(|error| format!("not JSON: {error}"))
}

/// The names of the regular files in `dir` (none when it does not exist), without temporary
/// files.
fn file_names(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_file()))
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| !name.starts_with(TEMP_PREFIX))
        .collect()
}
