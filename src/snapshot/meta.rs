//! The metadata sidecar `{stem}.meta.json`: what was exported, when, and which files hold it.

use jiff::Timestamp;
use serde_json::{Map, Value, json};

use super::files::WrittenFile;

/// What the caller knows about the run, for the meta file.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MetaInput {
    /// The Management API endpoint exported (`/api/v2/clients`).
    pub endpoint: String,
    /// When the last record arrived.
    pub finished_at: Timestamp,
    /// How many pages were fetched.
    pub pages: u64,
    /// Further fields appended to the meta object (`total`, `duration_ms`, ...); they never
    /// replace the fields above.
    pub extra: Map<String, Value>,
}

impl MetaInput {
    /// A meta input with no extra fields (tests build them; the runner sets every field).
    #[cfg(test)]
    pub(crate) fn new(endpoint: impl Into<String>, finished_at: Timestamp, pages: u64) -> Self {
        Self {
            endpoint: endpoint.into(),
            finished_at,
            pages,
            extra: Map::new(),
        }
    }
}

/// The facts the snapshot itself knows.
pub(crate) struct SnapshotFacts<'a> {
    /// The job's name.
    pub(crate) job: &'a str,
    /// When the run started.
    pub(crate) started_at: Timestamp,
    /// How many records were written.
    pub(crate) records: u64,
    /// The data files, in the order of the spec's formats.
    pub(crate) files: &'a [WrittenFile],
}

/// The meta file's contents: pretty-printed JSON and a final newline.
pub(crate) fn meta_document(
    facts: &SnapshotFacts<'_>,
    input: &MetaInput,
) -> serde_json::Result<Vec<u8>> {
    let files: Vec<Value> = facts
        .files
        .iter()
        .map(|file| {
            json!({
                "name": file.name,
                "format": file.format.name(),
                "bytes": file.bytes,
                "sha256": file.sha256,
            })
        })
        .collect();
    let mut meta = Map::new();
    meta.insert("job".into(), facts.job.into());
    meta.insert("endpoint".into(), input.endpoint.as_str().into());
    meta.insert("started_at".into(), rfc3339(facts.started_at).into());
    meta.insert("finished_at".into(), rfc3339(input.finished_at).into());
    meta.insert("records".into(), facts.records.into());
    meta.insert("pages".into(), input.pages.into());
    meta.insert("files".into(), files.into());
    meta.insert("a0snap_version".into(), env!("CARGO_PKG_VERSION").into());
    for (key, value) in &input.extra {
        if !meta.contains_key(key) {
            meta.insert(key.clone(), value.clone());
        }
    }
    let mut text = serde_json::to_vec_pretty(&Value::Object(meta))?;
    text.push(b'\n');
    Ok(text)
}

/// The `records` a meta file's text gives, or `None` when it holds no count.
pub(crate) fn recorded_records(text: &[u8]) -> Option<u64> {
    #[derive(serde::Deserialize)]
    struct Counted {
        records: u64,
    }
    serde_json::from_slice::<Counted>(text)
        .ok()
        .map(|meta| meta.records)
}

/// RFC 3339 in UTC (`2024-03-05T05:08:09Z`, with fractions of a second when there are any).
fn rfc3339(at: Timestamp) -> String {
    at.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::Format;

    #[test]
    fn the_meta_file_lists_the_run_then_the_extra_fields_which_cannot_override_it() {
        let files = [WrittenFile {
            path: "/x/apps-20240305T050809Z.csv".into(),
            name: "apps-20240305T050809Z.csv".into(),
            format: Format::Csv,
            bytes: 12,
            sha256: "ab".into(),
        }];
        let facts = SnapshotFacts {
            job: "apps",
            started_at: "2024-03-05T05:08:09Z".parse().unwrap(),
            records: 3,
            files: &files,
        };
        let mut input = MetaInput::new(
            "/api/v2/clients",
            "2024-03-05T05:08:10.5+01:00".parse().unwrap(),
            2,
        );
        input.extra.insert("total".into(), 3.into());
        input.extra.insert("records".into(), 99.into());
        let text = String::from_utf8(meta_document(&facts, &input).unwrap()).unwrap();
        assert!(
            text.ends_with("}\n") && text.contains("\n  \"job\": \"apps\""),
            "{text}"
        );
        let meta: Value = serde_json::from_str(&text).unwrap();
        let keys: Vec<_> = meta.as_object().unwrap().keys().cloned().collect();
        let expected = [
            "job",
            "endpoint",
            "started_at",
            "finished_at",
            "records",
            "pages",
            "files",
            "a0snap_version",
            "total",
        ];
        assert_eq!(keys, expected);
        assert_eq!(meta["started_at"], "2024-03-05T05:08:09Z");
        assert_eq!(meta["finished_at"], "2024-03-05T04:08:10.5Z");
        assert_eq!(meta["records"], 3);
        assert_eq!(
            meta["files"][0],
            json!({"name": "apps-20240305T050809Z.csv", "format": "csv", "bytes": 12, "sha256": "ab"})
        );
        assert_eq!(meta["a0snap_version"], env!("CARGO_PKG_VERSION"));
    }
}
