//! The recorded Auth0 exchanges in the repository's `fixtures/auth0-recordings` (go-vcr v3
//! cassettes, copied unchanged from go-auth0 and terraform-provider-auth0; provenance and
//! licences in that folder's README), and what they say about the shape of records: keys always
//! present, keys sometimes present, and the value types seen per key.
//!
//! Included by fake-auth0's tests and by a0snap's own (`tests/redaction.rs`, the replay test),
//! so it reads only files inside the repository and depends on nothing but serde.

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
pub(crate) struct Recorded {
    /// The cassette's path below `fixtures/auth0-recordings` (`go-auth0/TestClient_List.yaml`).
    pub file: String,
    pub method: String,
    pub path: String,
    pub query: String,
    pub code: u16,
    pub content_type: String,
    pub body: Value,
    /// The response body exactly as recorded (field order, number spelling), for replaying.
    /// Read by a0snap's replay test (`tests/replay/server.rs`), not by fake-auth0's tests.
    #[allow(dead_code)]
    pub raw_body: String,
}

/// `fixtures/auth0-recordings` at the workspace root, found from the crate that includes this
/// file: the root itself (a0snap) or its `fake-auth0/` member. Nothing outside the repository.
pub(crate) fn recordings_dir() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    [manifest.to_path_buf(), manifest.join("..")]
        .into_iter()
        .map(|root| root.join("fixtures/auth0-recordings"))
        .find(|dir| dir.is_dir())
        .unwrap_or_else(|| {
            panic!(
                "no fixtures/auth0-recordings at or above {}",
                manifest.display()
            )
        })
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

/// Every recorded exchange with a JSON body, cassette by cassette.
pub(crate) fn load() -> Vec<Recorded> {
    let dir = recordings_dir();
    let mut files = Vec::new();
    yaml_files(&dir, &mut files);
    assert!(
        files.len() >= 20,
        "recordings not found in {}",
        dir.display()
    );
    files.sort();
    files
        .iter()
        .flat_map(|file| {
            let name = file
                .strip_prefix(&dir)
                .expect("below the recordings folder");
            load_file(&name.to_string_lossy())
        })
        .collect()
}

/// The exchanges with a JSON body of one cassette, `file` below `fixtures/auth0-recordings`
/// (`go-auth0/TestClient_List.yaml`), in recorded order.
pub(crate) fn load_file(file: &str) -> Vec<Recorded> {
    let path = recordings_dir().join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let cassette: Cassette =
        serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut recorded = Vec::new();
    for Interaction { request, response } in cassette.interactions {
        let Ok(body) = serde_json::from_str(&response.body) else {
            continue;
        };
        let after_host = request.url.splitn(4, '/').nth(3).unwrap_or_default();
        let (path, query) = after_host.split_once('?').unwrap_or((after_host, ""));
        recorded.push(Recorded {
            file: file.to_owned(),
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
            raw_body: response.body,
        });
    }
    recorded
}

pub(crate) fn kind(value: &Value) -> &'static str {
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
pub(crate) struct RecordShape {
    always: Option<BTreeSet<String>>,
    types: BTreeMap<String, BTreeSet<&'static str>>,
}

impl RecordShape {
    pub(crate) fn learn(&mut self, record: &Value) {
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

    pub(crate) fn check(&self, what: &str, record: &Value) {
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

pub(crate) fn is_list_of(recorded: &Recorded, endpoint: &str) -> bool {
    recorded.method == "GET"
        && recorded.code == 200
        && recorded.path == format!("/api/v2/{endpoint}")
}

/// Records of an endpoint from full (not `fields=`-filtered) answers: list envelopes, bare
/// arrays, single reads and creations.
pub(crate) fn record_shape(all: &[Recorded], endpoint: &str, key: &str) -> RecordShape {
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

pub(crate) fn assert_same_types(what: &str, recorded: &Value, fake: &Value) {
    for (key, value) in recorded.as_object().into_iter().flatten() {
        if let Some(ours) = fake.get(key) {
            assert_eq!(kind(ours), kind(value), "{what}.{key}");
        }
    }
}
