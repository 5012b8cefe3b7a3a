//! Job files: random text, and a valid job with one field set to a random TOML value.

use std::path::Path;

use a0snap::jobs::{Job, JobsError, load_dir};
use proptest::prelude::*;

use super::{config, tricky_text};

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
pub(crate) fn load_one(text: &str) -> (tempfile::TempDir, Result<Vec<Job>, JobsError>) {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("apps.toml"), text).expect("job file");
    let loaded = load_dir(dir.path());
    (dir, loaded)
}

/// The problems of an invalid job set, each checked to name `apps.toml`.
pub(crate) fn problems(dir: &Path, error: &JobsError) -> Vec<String> {
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
