//! Redaction by what a value is (issue 11, item 7), checked two ways.
//!
//! Against every client, connection, resource server and encryption key that Auth0 was recorded
//! answering (`fixtures/auth0-recordings`, read with fake-auth0's loader): settings kept
//! under secret-sounding names (a client's `refresh_token` policy, a connection's
//! `options.authentication_methods.password`) survive, and every secret and all key material is
//! hidden. The recorders had already replaced `client_secret` and the `signing_keys` certificates
//! with `"[REDACTED]"`; each test puts a distinct value back in its place first, so it can see
//! that a0snap hides it. And through the real binary against the fake tenant: a CSV column
//! below a secret-sounding name has its value in every row.

use crate::common;

#[allow(dead_code)]
use crate::recordings;

use std::collections::BTreeSet;

use a0snap::snapshot::{Column, CsvWriter, REDACTED, Redactor};
use common::{World, config, empty_sizes};
use fake_auth0::Sizes;
use serde_json::Value;
use serde_json::value::RawValue;

/// What a recorded `"[REDACTED]"` is replaced with before a0snap redacts, numbered.
const PLANTED: &str = "planted-secret-";

/// The records of `endpoint` (array key `key`) in every successful recorded answer: list
/// pages, single reads and creations, with the recorders' `"[REDACTED]"` strings replaced by
/// planted secrets.
fn recorded(endpoint: &str, key: &str) -> Vec<Value> {
    let list = format!("/api/v2/{endpoint}");
    let single = format!("{list}/");
    let mut planted = 0;
    let mut records = Vec::new();
    for answer in recordings::load() {
        let whole = answer.path == list && matches!(answer.method.as_str(), "GET" | "POST");
        let one = answer.path.starts_with(&single) && answer.method != "DELETE";
        if answer.code >= 300 || !(whole || one) {
            continue;
        }
        let items = match answer.body.get(key) {
            Some(Value::Array(items)) => items.clone(),
            _ if answer.body.is_array() => answer.body.as_array().cloned().unwrap_or_default(),
            _ => vec![answer.body.clone()],
        };
        for mut item in items {
            plant(&mut item, &mut planted);
            records.push(item);
        }
    }
    assert!(!records.is_empty(), "no recorded {endpoint}");
    records
}

fn plant(value: &mut Value, planted: &mut usize) {
    match value {
        Value::String(text) if text == REDACTED => {
            *planted += 1;
            *text = format!("{PLANTED}{planted}");
        }
        Value::Array(items) => items.iter_mut().for_each(|item| plant(item, planted)),
        Value::Object(fields) => fields.values_mut().for_each(|field| plant(field, planted)),
        _ => {}
    }
}

/// The record as a0snap writes it into a JSON snapshot.
fn redacted(record: &Value) -> (String, Value) {
    let raw = RawValue::from_string(record.to_string()).expect("record");
    let mut redactor = Redactor::new();
    let text = String::from_utf8(redactor.redact(&raw).expect("redacts").to_vec()).expect("utf-8");
    let value = serde_json::from_str(&text).expect("redacted JSON");
    (text, value)
}

/// The paths (array indexes as `N`) where `after` differs from `before`; each must be a value
/// replaced with `"[REDACTED]"`, with field order and everything else unchanged.
fn redacted_paths(before: &Value, after: &Value, path: &str, found: &mut BTreeSet<String>) {
    if before == after {
        return;
    }
    let below = |key: &str| {
        if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        }
    };
    match (before, after) {
        (_, Value::String(text)) if text == REDACTED => {
            found.insert(path.to_owned());
        }
        (Value::Object(a), Value::Object(b)) => {
            assert!(a.keys().eq(b.keys()), "{path}: fields changed");
            for (key, value) in a {
                redacted_paths(value, &b[key], &below(key), found);
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (x, y) in a.iter().zip(b) {
                redacted_paths(x, y, &below("N"), found);
            }
        }
        _ => panic!("{path}: {before} became {after}"),
    }
}

/// Redacts every record and returns the paths redacted in any of them; no planted secret may
/// be left in the output.
fn redact_all(records: &[Value]) -> (Vec<Value>, BTreeSet<String>) {
    let mut paths = BTreeSet::new();
    let mut out = Vec::new();
    for record in records {
        let (text, value) = redacted(record);
        assert!(!text.contains(PLANTED), "a secret survived: {text}");
        redacted_paths(record, &value, "", &mut paths);
        out.push(value);
    }
    (out, paths)
}

/// The CSV a0snap writes for `records` with `columns`, as rows of cells (header dropped).
fn csv_rows(records: &[Value], columns: &[&str]) -> Vec<Vec<String>> {
    let columns: Vec<Column> = columns
        .iter()
        .map(|c| Column::parse(c).expect("column"))
        .collect();
    let mut writer = CsvWriter::new(Vec::new(), &columns, true, true).expect("csv");
    for record in records {
        let raw = RawValue::from_string(record.to_string()).expect("record");
        writer.write_record(&raw).expect("row");
    }
    let bytes = writer.finish().expect("csv");
    csv::Reader::from_reader(bytes.as_slice())
        .records()
        .map(|row| row.expect("row").iter().map(str::to_owned).collect())
        .collect()
}

#[test]
fn recorded_clients_keep_their_refresh_token_policy_and_lose_their_secret_and_signing_keys() {
    let clients = recorded("clients", "clients");
    let (out, paths) = redact_all(&clients);
    assert_eq!(
        paths,
        BTreeSet::from(["client_secret".into(), "signing_keys".into()])
    );
    let mut policies = 0;
    for (before, after) in clients.iter().zip(&out) {
        if let Some(policy) = before.get("refresh_token") {
            policies += 1;
            assert!(policy["token_lifetime"].is_number(), "{policy}");
            assert_eq!(&after["refresh_token"], policy);
        }
        if before.get("client_secret").is_some() {
            assert_eq!(after["client_secret"], REDACTED);
        }
    }
    assert!(policies >= 10, "{policies} recorded refresh_token policies");

    let rows = csv_rows(
        &clients,
        &[
            "refresh_token.token_lifetime",
            "refresh_token.rotation_type",
            "client_secret",
            "signing_keys.0.cert",
        ],
    );
    for (row, client) in rows.iter().zip(&clients) {
        let Some(policy) = client.get("refresh_token") else {
            continue;
        };
        assert_eq!(row[0], policy["token_lifetime"].to_string());
        assert_eq!(
            row[1],
            policy["rotation_type"].as_str().expect("rotation_type")
        );
        let secret = if client.get("client_secret").is_some() {
            REDACTED
        } else {
            ""
        };
        assert_eq!(row[2], secret);
        assert_eq!(row[3], "", "nothing below key material");
    }
}

#[test]
fn recorded_connections_keep_their_password_method_settings_and_apis_and_keys_lose_nothing() {
    let connections = recorded("connections", "connections");
    let (out, paths) = redact_all(&connections);
    assert_eq!(
        paths,
        BTreeSet::new(),
        "no recorded connection holds a secret"
    );
    let mut methods = 0;
    for (before, after) in connections.iter().zip(&out) {
        let password = &before["options"]["authentication_methods"]["password"];
        if password.is_object() {
            methods += 1;
            assert!(password["enabled"].is_boolean(), "{password}");
            assert_eq!(
                &after["options"]["authentication_methods"]["password"],
                password
            );
        }
    }
    assert!(methods >= 2, "{methods} recorded password methods");
    let rows = csv_rows(
        &connections,
        &["options.authentication_methods.password.enabled"],
    );
    for (row, connection) in rows.iter().zip(&connections) {
        let enabled = &connection["options"]["authentication_methods"]["password"]["enabled"];
        let want = if enabled.is_null() {
            String::new()
        } else {
            enabled.to_string()
        };
        assert_eq!(row[0], want);
    }
    // Resource servers and encryption keys were recorded without a secret: nothing changes.
    for (endpoint, key) in [
        ("resource-servers", "resource_servers"),
        ("keys/encryption", "keys"),
    ] {
        let records = recorded(endpoint, key);
        let (out, paths) = redact_all(&records);
        assert_eq!(paths, BTreeSet::new(), "{endpoint}");
        assert_eq!(out, records, "{endpoint}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_clients_csv_has_the_refresh_token_lifetime_in_every_row_and_the_secret_redacted() {
    let world = World::start(config(Sizes {
        clients: 60,
        connections: 6,
        ..empty_sizes()
    }))
    .await;
    world
        .job(
            "apps",
            "every = \"1h\"\nendpoint = \"clients\"\n[output]\nformat = [\"csv\", \"json\"]\ncolumns = [\"client_id\", \"refresh_token.token_lifetime\", \"refresh_token.rotation_type\", \"client_secret\", \"signing_keys\"]\n",
        )
        .job(
            "conns",
            "every = \"1h\"\nendpoint = \"connections\"\n[output]\nformat = \"csv\"\ncolumns = [\"name\", \"options.authentication_methods.password.enabled\", \"options.client_secret\"]\n",
        );
    let run = world.a0snap(&["run"]).await;
    assert_eq!(run.code, 0, "{}", run.all_output());

    let served = world.served("clients");
    let csv = world.read("apps", "latest.csv");
    let rows: Vec<Vec<String>> = csv::Reader::from_reader(csv.as_bytes())
        .records()
        .map(|row| row.expect("row").iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(rows.len(), served.len());
    for (row, client) in rows.iter().zip(&served) {
        assert_eq!(row[0], client["client_id"].as_str().expect("client_id"));
        assert_eq!(
            row[1],
            client["refresh_token"]["token_lifetime"].to_string()
        );
        assert_eq!(
            row[2],
            client["refresh_token"]["rotation_type"]
                .as_str()
                .expect("rotation_type")
        );
        assert_eq!(row[3], REDACTED);
        assert_eq!(row[4], REDACTED);
        let secret = client["client_secret"]
            .as_str()
            .expect("the fake serves a secret");
        assert!(!csv.contains(secret));
    }
    let json: Vec<Value> = serde_json::from_str(&world.read("apps", "latest.json")).expect("json");
    for (record, client) in json.iter().zip(&served) {
        assert_eq!(record["refresh_token"], client["refresh_token"]);
        assert_eq!(record["client_secret"], REDACTED);
        assert_eq!(record["signing_keys"], REDACTED);
    }

    let connections = world.served("connections");
    let csv = world.read("conns", "latest.csv");
    let rows: Vec<Vec<String>> = csv::Reader::from_reader(csv.as_bytes())
        .records()
        .map(|row| row.expect("row").iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(rows.len(), connections.len());
    let mut databases = 0;
    for (row, connection) in rows.iter().zip(&connections) {
        let options = &connection["options"];
        if options.get("authentication_methods").is_some() {
            databases += 1;
            assert_eq!(row[1], "true", "{row:?}");
        }
        if let Some(secret) = options["client_secret"].as_str() {
            assert_eq!(row[2], REDACTED);
            assert!(!csv.contains(secret));
        }
    }
    assert!(databases >= 2, "{databases} database connections");
    world.assert_no_secrets(&run.all_output());
}
