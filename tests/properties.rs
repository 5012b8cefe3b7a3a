//! Generated inputs (proptest) where the other tests pick examples: CSV cells and column paths
//! read back with the `csv` crate, job files from random TOML, cron expressions and intervals.
//! The pager's property lives with the pager (`src/api/tests/properties.rs`).
//!
//! Every block runs a modest number of cases from a fixed seed, so a run is repeatable and the
//! whole file takes a few seconds; `PROPTEST_CASES` raises the count for a deeper search.

use std::path::Path;

use a0snap::cron::CronSchedule;
use a0snap::jobs::{JobsError, load_dir};
use a0snap::snapshot::{Column, CsvWriter};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};
use serde_json::{Map, Value, json};

/// `cases` cases from a fixed seed, no regression files (the seed makes runs repeatable).
fn config(cases: u32) -> Config {
    Config {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(cases),
        rng_seed: RngSeed::Fixed(17),
        failure_persistence: None,
        ..Config::default()
    }
}

/// Text with what trips CSV and spreadsheets up: quotes, commas, line breaks, formula starts,
/// control characters and any unicode.
fn tricky_text() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        Just("\"".to_owned()),
        Just(",".to_owned()),
        Just("\n".to_owned()),
        Just("\r\n".to_owned()),
        Just("\r".to_owned()),
        Just("\t".to_owned()),
        Just("=".to_owned()),
        Just("+".to_owned()),
        Just("-".to_owned()),
        Just("@".to_owned()),
        Just("'".to_owned()),
        Just("\\".to_owned()),
        Just("\u{0}".to_owned()),
        Just("\u{1f600}".to_owned()),
        Just("\u{feff}".to_owned()),
        any::<String>(),
        "[a-z ]{0,8}",
    ];
    prop::collection::vec(pieces, 0..6).prop_map(|parts| parts.concat())
}

/// Any JSON value, nested a few levels.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("JSON has no NaN or infinity", |f| f.is_finite())
            .prop_map(Value::from),
        tricky_text().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((tricky_text(), inner), 0..4)
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

/// A cell's value: often a string (where the traps are), else a scalar or a nested value.
fn cell_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => tricky_text().prop_map(Value::from),
        1 => any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        1 => json_value(),
    ]
}

/// What a cell should read for `value`, by the rules in `csv_writer.rs`'s docs: strings as
/// they are (a formula start gets `'`), numbers and booleans as JSON text, null as empty,
/// arrays and objects as compact JSON.
fn intended_cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => {
            let formula = matches!(
                text.as_bytes().first(),
                Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
            );
            if formula {
                format!("'{text}")
            } else {
                text.clone()
            }
        }
        Some(other) => other.to_string(),
    }
}

/// Writes `records` under `columns` (no redaction, formula guard on) and reads the rows back
/// with the csv crate's reader.
fn round_trip(columns: &[Column], records: &[Value]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut writer = CsvWriter::new(Vec::new(), columns, false, true).expect("header");
    for record in records {
        let raw = serde_json::value::to_raw_value(record).expect("raw record");
        writer.write_record(&raw).expect("row");
    }
    let bytes = writer.finish().expect("flush");
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let header = reader
        .headers()
        .expect("header row")
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|row| row.expect("a row").iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn any_json_value_in_a_cell_reads_back_as_the_intended_text(
        values in prop::collection::vec(cell_value(), 1..4),
    ) {
        let columns = [Column::parse("v").unwrap(), Column::parse("w").unwrap()];
        let records: Vec<Value> = values.iter().map(|v| json!({"v": v, "w": "end"})).collect();
        let (header, rows) = round_trip(&columns, &records);
        prop_assert_eq!(header, ["v", "w"]);
        prop_assert_eq!(rows.len(), values.len());
        for (row, value) in rows.iter().zip(&values) {
            prop_assert_eq!(&row[0], &intended_cell(Some(value)));
            prop_assert_eq!(&row[1], "end");
        }
    }
}

/// A nested record with plain keys (`a`..`d`), and every path into it, dotted
/// (`a.0.b`): the path, and the value it leads to.
fn nested_record() -> impl Strategy<Value = Value> {
    let key = "[a-d]";
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<i32>().prop_map(Value::from),
        tricky_text().prop_map(Value::from),
    ];
    let tree = leaf.prop_recursive(4, 32, 3, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::btree_map(key, inner, 0..3)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    });
    prop::collection::btree_map(key, tree, 1..4)
        .prop_map(|map| Value::Object(map.into_iter().collect::<Map<String, Value>>()))
}

/// Every path in `value` below `prefix`, with the value there.
fn paths(value: &Value, prefix: &mut Vec<String>, out: &mut Vec<(Vec<String>, Value)>) {
    if !prefix.is_empty() {
        out.push((prefix.clone(), value.clone()));
    }
    let children: Vec<(String, &Value)> = match value {
        Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), v)).collect(),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (i.to_string(), v))
            .collect(),
        _ => Vec::new(),
    };
    for (key, child) in children {
        prefix.push(key);
        paths(child, prefix, out);
        prefix.pop();
    }
}

proptest! {
    #![proptest_config(config(96))]

    #[test]
    fn every_column_path_reads_the_value_it_points_at_and_a_missing_one_reads_empty(
        record in nested_record(),
        pick in any::<prop::sample::Index>(),
        bracketed in any::<bool>(),
    ) {
        let mut found = Vec::new();
        paths(&record, &mut Vec::new(), &mut found);
        let (path, value) = found[pick.index(found.len())].clone();
        let dotted = path.join(".");
        let column = Column::parse(&dotted).unwrap();
        let column = if bracketed { Column::parse(&column.bracketed()).unwrap() } else { column };
        let missing = Column::parse(&format!("{dotted}.zz")).unwrap();
        let (_, rows) = round_trip(&[column, missing], std::slice::from_ref(&record));
        prop_assert_eq!(&rows[0][0], &intended_cell(Some(&value)), "path {}", dotted);
        prop_assert_eq!(&rows[0][1], "", "a path below {} that is not there", dotted);
    }
}

/// The keys of a job file and of its `[output]` table.
const TOP_KEYS: &[&str] = &[
    "schedule",
    "every",
    "timezone",
    "endpoint",
    "params",
    "pagination",
    "items",
    "redact",
    "incremental",
    "since",
    "mode",
    "changes",
    "identity",
];
const OUTPUT_KEYS: &[&str] = &["format", "columns", "keep", "keep_for", "csv_formula_guard"];

/// A TOML value of any type.
fn toml_value() -> impl Strategy<Value = toml::Value> {
    let leaf = prop_oneof![
        tricky_text().prop_map(toml::Value::String),
        any::<i64>().prop_map(toml::Value::Integer),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(toml::Value::Float),
        any::<bool>().prop_map(toml::Value::Boolean),
        Just(toml::Value::String("1h".into())),
        Just(toml::Value::String("clients".into())),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(toml::Value::Array),
            prop::collection::btree_map("[a-z_]{1,6}", inner, 0..3)
                .prop_map(|map| toml::Value::Table(map.into_iter().collect())),
        ]
    })
}

/// Loads the one job file `text` from a fresh folder; returns the folder and the result.
fn load_one(text: &str) -> (tempfile::TempDir, Result<Vec<a0snap::jobs::Job>, JobsError>) {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("apps.toml"), text).expect("job file");
    let loaded = load_dir(dir.path());
    (dir, loaded)
}

/// The problems of an invalid job set, each checked to name `apps.toml`.
fn problems(dir: &Path, error: &JobsError) -> Vec<String> {
    let JobsError::Invalid { problems } = error else {
        panic!("not a job-file problem: {error}");
    };
    assert!(!problems.is_empty(), "an invalid set with no problem");
    let file = dir.join("apps.toml");
    problems
        .iter()
        .map(|problem| {
            let text = problem.to_string();
            assert_eq!(problem.file, file, "{text}");
            assert!(
                text.contains("apps.toml"),
                "the message does not name the file: {text}"
            );
            assert!(
                !problem.message.trim().is_empty(),
                "an empty message: {text}"
            );
            text
        })
        .collect()
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn any_text_as_a_job_file_is_loaded_or_refused_with_messages_naming_the_file(
        text in prop_oneof![tricky_text(), any::<String>()],
    ) {
        let (dir, loaded) = load_one(&text);
        if let Err(error) = loaded {
            problems(dir.path(), &error);
        }
    }

    #[test]
    fn a_job_file_with_one_field_set_to_any_value_names_that_field_when_refused(
        (output, key) in prop_oneof![
            prop::sample::select(TOP_KEYS).prop_map(|key| (false, key)),
            prop::sample::select(OUTPUT_KEYS).prop_map(|key| (true, key)),
        ],
        value in toml_value(),
    ) {
        let mut job: toml::Table =
            toml::from_str("endpoint = \"clients\"\n[output]\nformat = \"json\"\n").unwrap();
        if key != "schedule" {
            job.insert("every".into(), "1h".into());
        }
        let table = if output {
            job.get_mut("output").and_then(toml::Value::as_table_mut).unwrap()
        } else {
            &mut job
        };
        table.insert(key.to_owned(), value);
        let text = toml::to_string(&job).unwrap();
        let (dir, loaded) = load_one(&text);
        if let Err(error) = loaded {
            let named = if output { format!("output.{key}") } else { key.to_owned() };
            let messages = problems(dir.path(), &error);
            prop_assert!(
                messages.iter().any(|message| message.contains(&named)),
                "no problem names {}:\n{}\n---\n{}", named, messages.join("\n"), text
            );
        }
    }
}

/// Cron-looking text: five fields from numbers, names, `*`, ranges, steps and lists, or a
/// macro, or noise.
fn cron_text() -> impl Strategy<Value = String> {
    let atom = prop_oneof![
        Just("*".to_owned()),
        (0u32..70).prop_map(|n| n.to_string()),
        prop::sample::select(vec!["jan", "FEB", "dec", "mon", "Sun", "sat", "L", "?"])
            .prop_map(str::to_owned),
    ];
    let part = (
        atom.clone(),
        prop::option::of(atom),
        prop::option::of(0u32..70),
    )
        .prop_map(|(start, end, step)| {
            let mut part = start;
            if let Some(end) = end {
                part = format!("{part}-{end}");
            }
            if let Some(step) = step {
                part = format!("{part}/{step}");
            }
            part
        });
    let field = prop::collection::vec(part, 1..3).prop_map(|parts| parts.join(","));
    prop_oneof![
        4 => prop::collection::vec(field, 5).prop_map(|fields| fields.join(" ")),
        1 => prop::sample::select(vec!["@hourly", "@daily", "@weekly", "@monthly", "@yearly",
            "@annually", "@midnight", "@reboot", "@every"]).prop_map(str::to_owned),
        1 => tricky_text(),
    ]
}

/// Any instant from 1970 to 2100.
fn instant() -> impl Strategy<Value = Timestamp> {
    (0i64..4_102_444_800).prop_map(|seconds| Timestamp::from_second(seconds).unwrap())
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn a_cron_expression_parses_or_is_refused_and_fires_strictly_later_each_time(
        expression in cron_text(),
        now in instant(),
        zone in prop::sample::select(vec!["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe"]),
    ) {
        let tz = TimeZone::get(zone).unwrap();
        let Ok(schedule) = CronSchedule::parse(&expression, tz) else {
            return Ok(());
        };
        let mut after = now;
        for at in schedule.upcoming(now, 3) {
            prop_assert!(at > after, "{} fired at {} after {}", expression, at, after);
            after = at;
        }
        if let Some(next) = schedule.next_after(now) {
            prop_assert!(next > now);
        }
    }

    #[test]
    fn an_every_interval_parses_or_is_refused_and_fires_strictly_later_each_time(
        every in prop_oneof![
            (0u64..100_000, prop::sample::select(vec!["s", "m", "h", "d", "ms", "w", ""]))
                .prop_map(|(n, unit)| format!("{n}{unit}")),
            (0u64..50, 0u64..200).prop_map(|(h, m)| format!("{h}h{m}m")),
            tricky_text(),
        ],
        now in instant(),
    ) {
        let text = format!(
            "every = {}\nendpoint = \"clients\"\n[output]\nformat = \"json\"\n",
            toml::Value::String(every.clone())
        );
        let (dir, loaded) = load_one(&text);
        match loaded {
            Ok(jobs) => {
                let mut after = now;
                for at in jobs[0].trigger.next_fire_times(now, 3) {
                    prop_assert!(at > after, "every = {:?} fired at {} after {}", every, at, after);
                    after = at;
                }
            }
            Err(error) => {
                let messages = problems(dir.path(), &error);
                prop_assert!(messages.iter().any(|m| m.contains("every")), "{:?}", messages);
            }
        }
    }
}
