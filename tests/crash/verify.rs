//! What must hold in a lane's folders at any instant, whenever a run was killed: every
//! committed snapshot (a stem with its `.meta.json`) complete and parsable, no file of a
//! snapshot without its meta file, `latest.*` equal to the files `latest.meta.json` names, the
//! token file valid and 0600, and the checkpoint never ahead of the committed deltas. Each
//! broken promise is returned as a sentence; none is fatal here, so the campaign counts them all.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::common::list;

/// The prefix of a0snap's temporary files (`src/atomic_file.rs`).
pub(crate) const TEMP_PREFIX: &str = ".a0snap-tmp-";

/// One job's committed snapshots, by stem, with their meta documents.
pub(crate) type Committed = BTreeMap<String, Value>;

/// The committed snapshots in `dir` of `job`: the stems whose `{stem}.meta.json` is there.
pub(crate) fn committed(dir: &Path, job: &str) -> Committed {
    list(dir)
        .into_iter()
        .filter(|name| name.starts_with(&format!("{job}-")))
        .filter_map(|name| name.strip_suffix(".meta.json").map(str::to_owned))
        .filter_map(|stem| {
            let text = std::fs::read_to_string(dir.join(format!("{stem}.meta.json"))).ok()?;
            Some((stem, serde_json::from_str(&text).unwrap_or(Value::Null)))
        })
        .collect()
}

/// Temporary files left in `dir`.
pub(crate) fn temp_files(dir: &Path) -> Vec<String> {
    list(dir)
        .into_iter()
        .filter(|name| name.starts_with(TEMP_PREFIX))
        .collect()
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// How many records a data file of `format` holds, or why it does not parse.
fn parse_records(format: &str, bytes: &[u8]) -> Result<u64, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| e.to_string())?;
    match format {
        "json" => serde_json::from_str::<Vec<Value>>(text)
            .map(|records| records.len() as u64)
            .map_err(|e| e.to_string()),
        "ndjson" => text
            .lines()
            .map(|line| serde_json::from_str::<Value>(line).map_err(|e| e.to_string()))
            .try_fold(0, |count, parsed| parsed.map(|_| count + 1)),
        "csv" => csv::Reader::from_reader(bytes)
            .records()
            .try_fold(0, |count, row| row.map(|_| count + 1))
            .map_err(|e| e.to_string()),
        other => Err(format!("unknown format {other}")),
    }
}

/// Checks one job folder; `problems` gets a sentence per broken promise. A snapshot is
/// committed once its meta file is in place (it is renamed last); a killed commit may leave
/// the files of one uncommitted snapshot, which the job's next run sweeps before it writes, so
/// they are allowed unless the folder is `settled` (after a run that ended). Returns whether
/// such files are there.
pub(crate) fn job_folder(dir: &Path, job: &str, settled: bool, problems: &mut Vec<String>) -> bool {
    let snapshots = committed(dir, job);
    let mut sha_by_format: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (stem, meta) in &snapshots {
        let Some(files) = meta["files"].as_array() else {
            problems.push(format!(
                "{job}: {stem}.meta.json does not parse or has no files"
            ));
            continue;
        };
        for file in files {
            let (name, format) = (file["name"].as_str(), file["format"].as_str());
            let (Some(name), Some(format)) = (name, format) else {
                problems.push(format!(
                    "{job}: {stem}.meta.json lists a file without a name"
                ));
                continue;
            };
            let Ok(bytes) = std::fs::read(dir.join(name)) else {
                problems.push(format!(
                    "{job}: {name}, listed by {stem}.meta.json, is missing"
                ));
                continue;
            };
            let digest = sha256(&bytes);
            if file["sha256"].as_str() != Some(digest.as_str())
                || file["bytes"].as_u64() != Some(bytes.len() as u64)
            {
                problems.push(format!("{job}: {name} differs from its meta file"));
            }
            match parse_records(format, &bytes) {
                Ok(records) if Some(records) == meta["records"].as_u64() => {}
                Ok(records) => problems.push(format!(
                    "{job}: {name} holds {records} records, its meta file says {}",
                    meta["records"]
                )),
                Err(error) => problems.push(format!("{job}: {name} does not parse: {error}")),
            }
            sha_by_format
                .entry(format.to_owned())
                .or_default()
                .insert(digest);
        }
        let changes = dir.join(format!("{stem}.changes.json"));
        if let Ok(text) = std::fs::read_to_string(&changes)
            && serde_json::from_str::<Value>(&text).is_err()
        {
            problems.push(format!("{job}: {stem}.changes.json does not parse"));
        }
    }
    let uncommitted: BTreeSet<String> = list(dir)
        .into_iter()
        .filter(|name| name.starts_with(&format!("{job}-")))
        .map(|name| stem_of(&name).to_owned())
        .filter(|stem| !snapshots.contains_key(stem))
        .collect();
    if uncommitted.len() > usize::from(!settled) {
        problems.push(format!(
            "{job}: files of {uncommitted:?} are visible without their meta file"
        ));
    }
    latest(dir, job, &sha_by_format, problems);
    !uncommitted.is_empty()
}

/// The stem of a snapshot file's name: everything before the first dot.
pub(crate) fn stem_of(name: &str) -> &str {
    name.split('.').next().unwrap_or(name)
}

/// `latest.*`: with `latest.meta.json`, each data file is the one it names (by sha256) and
/// there is none of another format; without it, each is still a committed snapshot's file.
fn latest(
    dir: &Path,
    job: &str,
    sha_by_format: &BTreeMap<String, BTreeSet<String>>,
    problems: &mut Vec<String>,
) {
    let meta: Option<Value> = std::fs::read_to_string(dir.join("latest.meta.json"))
        .ok()
        .map(|text| serde_json::from_str(&text).unwrap_or(Value::Null));
    let named: BTreeMap<String, String> = meta
        .as_ref()
        .and_then(|meta| meta["files"].as_array())
        .into_iter()
        .flatten()
        .filter_map(|file| {
            Some((
                file["format"].as_str()?.to_owned(),
                file["sha256"].as_str()?.to_owned(),
            ))
        })
        .collect();
    if meta.is_some() && named.is_empty() {
        problems.push(format!("{job}: latest.meta.json names no file"));
    }
    for format in ["json", "ndjson", "csv"] {
        let bytes = std::fs::read(dir.join(format!("latest.{format}"))).ok();
        let digest = bytes.as_deref().map(sha256);
        match (&meta, named.get(format), digest) {
            (Some(_), Some(want), Some(got)) if *want == got => {}
            (Some(_), Some(_), got) => problems.push(format!(
                "{job}: latest.{format} is {} than latest.meta.json names",
                if got.is_some() {
                    "another file"
                } else {
                    "missing, not the file"
                }
            )),
            (Some(_), None, Some(_)) => problems.push(format!(
                "{job}: latest.{format} is there but latest.meta.json names no {format} file"
            )),
            (None, _, Some(got))
                if !sha_by_format.get(format).is_some_and(|s| s.contains(&got)) =>
            {
                problems.push(format!(
                    "{job}: latest.{format} is no committed snapshot's file"
                ))
            }
            _ => {}
        }
    }
}

/// The token files in `{state}/tokens`: each parses, holds a token the fake issued, is 0600.
pub(crate) fn token_files(state: &Path, issued: &HashSet<String>, problems: &mut Vec<String>) {
    let dir = state.join("tokens");
    for name in list(&dir).iter().filter(|name| name.ends_with(".json")) {
        if name.starts_with(TEMP_PREFIX) {
            continue;
        }
        let path = dir.join(name);
        let mode = std::fs::metadata(&path).map(|m| m.permissions().mode() & 0o777);
        if !matches!(mode, Ok(0o600)) {
            problems.push(format!(
                "token file {name} has mode {:o}",
                mode.unwrap_or(0)
            ));
        }
        let token = std::fs::read_to_string(&path)
            .ok()
            .and_then(|text| serde_json::from_str::<Value>(&text).ok())
            .and_then(|file| file["access_token"].as_str().map(str::to_owned));
        if !token.is_some_and(|token| issued.contains(&token)) {
            problems.push(format!(
                "token file {name} does not hold a token the tenant issued"
            ));
        }
    }
}

/// The log ids of every committed delta of the logs job in `dir`, in file order, read from
/// the NDJSON files.
pub(crate) fn delta_ids(dir: &Path, job: &str) -> Vec<String> {
    committed(dir, job)
        .keys()
        .filter_map(|stem| std::fs::read_to_string(dir.join(format!("{stem}.ndjson"))).ok())
        .flat_map(|text| {
            text.lines()
                .filter_map(|line| serde_json::from_str::<Value>(line).ok())
                .filter_map(|event| event["log_id"].as_str().map(str::to_owned))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The incremental checkpoint never points past what the committed deltas hold: every served
/// event up to its `log_id` is in some delta, and the snapshot it names is committed.
pub(crate) fn checkpoint(
    state: &Path,
    out: &Path,
    job: &str,
    served: &[String],
    problems: &mut Vec<String>,
) {
    let dir = state.join("checkpoints");
    for name in list(&dir) {
        if name.starts_with(TEMP_PREFIX) || !name.ends_with(".json") {
            continue;
        }
        let path = dir.join(&name);
        if std::fs::metadata(&path)
            .map(|m| m.permissions().mode() & 0o777)
            .ok()
            != Some(0o600)
        {
            problems.push(format!("checkpoint {name} is not 0600"));
        }
        let Some(stored) = std::fs::read_to_string(&path)
            .ok()
            .and_then(|text| serde_json::from_str::<Value>(&text).ok())
        else {
            problems.push(format!("checkpoint {name} does not parse"));
            continue;
        };
        let (Some(log_id), Some(snapshot)) =
            (stored["log_id"].as_str(), stored["snapshot"].as_str())
        else {
            problems.push(format!("checkpoint {name} has no log_id or snapshot"));
            continue;
        };
        if !committed(&out.join(job), job).contains_key(snapshot) {
            problems.push(format!(
                "checkpoint {name} names {snapshot}, which is not committed"
            ));
        }
        let Some(position) = served.iter().position(|id| id == log_id) else {
            problems.push(format!("checkpoint {name} names an event never served"));
            continue;
        };
        let held: HashSet<String> = delta_ids(&out.join(job), job).into_iter().collect();
        let missing = served[..=position]
            .iter()
            .filter(|id| !held.contains(*id))
            .count();
        if missing > 0 {
            problems.push(format!(
                "checkpoint {name} is past {missing} events that no committed delta holds"
            ));
        }
    }
}
