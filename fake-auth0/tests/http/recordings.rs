//! The recorded Auth0 exchanges in `shared/fixtures/auth0-recordings` (go-vcr cassettes), and
//! what they say about the shape of records: keys always present, keys sometimes present, and
//! the value types seen per key.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize)]
struct Cassette {
    interactions: Vec<Interaction>,
}

#[derive(Debug, Deserialize)]
struct Interaction {
    request: Request,
    response: Response,
}

#[derive(Debug, Deserialize)]
struct Request {
    url: String,
    method: String,
}

#[derive(Debug, Deserialize)]
struct Response {
    body: String,
    code: u16,
    #[serde(default)]
    headers: BTreeMap<String, Vec<String>>,
}

/// One recorded exchange, with the path below the host and the parsed body.
pub struct Recorded {
    pub file: String,
    pub method: String,
    pub path: String,
    pub query: String,
    pub code: u16,
    pub content_type: String,
    pub body: Value,
}

/// The nearest `shared/fixtures/auth0-recordings` above the crate that includes this file (the
/// repository sits next to `shared/`; a worktree `wt/<name>` one level deeper). a0snap's own
/// tests include this file too. `AUTH0_RECORDINGS_DIR` overrides.
fn recordings_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("AUTH0_RECORDINGS_DIR") {
        return PathBuf::from(dir);
    }
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .map(|dir| dir.join("shared/fixtures/auth0-recordings"))
        .find(|dir| dir.is_dir())
        .unwrap_or_else(|| manifest.join("../../shared/fixtures/auth0-recordings"))
}

fn yaml_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            yaml_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "yaml") {
            found.push(path);
        }
    }
}

pub fn load() -> Vec<Recorded> {
    let mut files = Vec::new();
    yaml_files(&recordings_dir(), &mut files);
    assert!(
        files.len() >= 20,
        "recordings not found in {}",
        recordings_dir().display()
    );
    let mut recorded = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("readable recording");
        let cassette: Cassette =
            serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for Interaction { request, response } in cassette.interactions {
            let Ok(body) = serde_json::from_str(&response.body) else {
                continue;
            };
            let after_host = request.url.splitn(4, '/').nth(3).unwrap_or_default();
            let (path, query) = after_host.split_once('?').unwrap_or((after_host, ""));
            recorded.push(Recorded {
                file: file.display().to_string(),
                method: request.method,
                path: format!("/{path}"),
                query: query.to_owned(),
                code: response.code,
                content_type: response
                    .headers
                    .get("Content-Type")
                    .and_then(|v| v.first())
                    .cloned()
                    .unwrap_or_default(),
                body,
            });
        }
    }
    recorded
}

pub fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// What the recordings say about the records of one list: keys every record has, keys some
/// record has, and the types seen per key.
#[derive(Default)]
pub struct RecordShape {
    always: Option<BTreeSet<String>>,
    types: BTreeMap<String, BTreeSet<&'static str>>,
}

impl RecordShape {
    pub fn learn(&mut self, record: &Value) {
        let Some(object) = record.as_object() else {
            return;
        };
        let present: BTreeSet<String> = object.keys().cloned().collect();
        self.always = Some(match self.always.take() {
            Some(always) => always.intersection(&present).cloned().collect(),
            None => present,
        });
        for (key, value) in object {
            self.types
                .entry(key.clone())
                .or_default()
                .insert(kind(value));
        }
    }

    pub fn check(&self, what: &str, record: &Value) {
        let object = record
            .as_object()
            .unwrap_or_else(|| panic!("{what}: not an object: {record}"));
        for key in self.always.iter().flatten() {
            assert!(object.contains_key(key), "{what}: missing {key}");
        }
        for (key, value) in object {
            let seen = self
                .types
                .get(key)
                .unwrap_or_else(|| panic!("{what}: {key} is never recorded"));
            let fake = kind(value);
            assert!(
                fake == "null" || seen.contains("null") || seen.contains(fake),
                "{what}.{key}: {fake} vs {seen:?}"
            );
        }
    }
}

pub fn is_list_of(recorded: &Recorded, endpoint: &str) -> bool {
    recorded.method == "GET"
        && recorded.code == 200
        && recorded.path == format!("/api/v2/{endpoint}")
}

/// Records of an endpoint from full (not `fields=`-filtered) answers: list envelopes, bare
/// arrays, single reads and creations.
pub fn record_shape(all: &[Recorded], endpoint: &str, key: &str) -> RecordShape {
    let mut shape = RecordShape::default();
    let single = format!("/api/v2/{endpoint}/");
    for recorded in all
        .iter()
        .filter(|r| !r.query.contains("fields=") && r.code < 300)
    {
        if recorded.path == format!("/api/v2/{endpoint}") && recorded.method == "GET" {
            let items = recorded.body.get(key).unwrap_or(&recorded.body);
            items
                .as_array()
                .into_iter()
                .flatten()
                .for_each(|r| shape.learn(r));
        } else if (recorded.method == "POST" && recorded.path == format!("/api/v2/{endpoint}"))
            || (recorded.method == "GET" && recorded.path.starts_with(&single))
        {
            shape.learn(&recorded.body);
        }
    }
    shape
}

pub fn assert_same_types(what: &str, recorded: &Value, fake: &Value) {
    for (key, value) in recorded.as_object().into_iter().flatten() {
        if let Some(ours) = fake.get(key) {
            assert_eq!(kind(ours), kind(value), "{what}.{key}");
        }
    }
}
