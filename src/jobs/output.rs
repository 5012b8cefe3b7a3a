//! What a job writes: the `[output]` table (formats, CSV columns, retention, formula guard)
//! and the top-level `redact`, read into a [`crate::snapshot::OutputDraft`] whose one check
//! ([`crate::snapshot::OutputDraft::check`]) the caller runs once the switches are known.
//! This file reports what is wrong with each key; the rules that tie the keys together
//! (CSV needs columns, change reports need JSON) are the draft's check, not this file's.
//!
//! Defaults when unset: `format = "json"`; `keep = 30` ([`super::DEFAULT_KEEP`]; `0` keeps
//! every snapshot), except that an incremental job, or one that sets `keep_for`, has no limit
//! by count (an incremental job's deltas are each the only copy of their events: SPEC,
//! 2026-11-29); no `keep_for` (no limit by age); `redact = true`; and
//! `csv_formula_guard = true`, which neutralises CSV cells that a spreadsheet would run as a
//! formula (starting with `=`, `+`, `-`, `@`, tab or carriage return); set it to `false` only
//! when no one opens the CSV in a spreadsheet.

use std::time::Duration;

use toml::Value;

use indexmap::IndexSet;

use super::DEFAULT_KEEP;
use super::fields::{Fields, Mark, Problems, kind, wrong_type};
use super::keys::OUTPUT;
use crate::snapshot::{Column, Format, OutputDraft};
use crate::trigger::interval::parse_keep_for;

const FORMATS: &str = "\"json\", \"ndjson\", \"csv\"";

/// The `[output]` table as read, with where the draft's problems about the columns go.
#[derive(Debug)]
pub(super) struct ReadOutput {
    /// What it asks for; a wrong key is left at its default (and reported).
    pub draft: OutputDraft,
    /// Where in the list of problems "csv needs columns" goes: after the columns' own.
    pub columns_mark: Mark,
}

/// Reads `[output]`; `redact` and `incremental` come from the top level. `None` when
/// `output` is not a table (reported).
pub(super) fn read_output(
    fields: &mut Fields,
    redact: bool,
    incremental: bool,
    p: &mut Problems,
) -> Option<ReadOutput> {
    let table = match fields.take("output") {
        None => toml::Table::new(),
        Some(Value::Table(table)) => table,
        Some(other) => {
            p.at("output", format!(
                "expected a table, found {}; write [output] on a line of its own, with format, columns and keep below it",
                kind(&other)
            ));
            return None;
        }
    };
    let mut output = Fields::new(table, "output.");
    let formats = read_formats(&mut output, p);
    let columns = read_columns(&mut output, p);
    let columns_mark = p.mark();
    let keep_for = read_keep_for(&mut output, p);
    let keep = read_keep(&mut output, p).map(|keep| match keep {
        Some(keep) => keep,
        None if incremental || matches!(keep_for, Some(Some(_))) => 0,
        None => DEFAULT_KEEP,
    });
    let guard = output.boolean("csv_formula_guard", "csv_formula_guard = false", p);
    output.report_unknown(&OUTPUT, p);
    let draft = OutputDraft {
        formats,
        columns: columns.unwrap_or_default(),
        keep: keep.unwrap_or(DEFAULT_KEEP),
        keep_for: keep_for.flatten(),
        deltas: incremental,
        redact,
        neutralise_formulas: guard.unwrap_or(true),
        changes: false,
        identity: None,
    };
    Some(ReadOutput {
        draft,
        columns_mark,
    })
}

/// `format = "csv"` or `format = ["csv", "json"]`, each known and listed once.
fn read_formats(output: &mut Fields, p: &mut Problems) -> IndexSet<Format> {
    let written = match output.take("format") {
        None => return IndexSet::from([Format::Json]),
        Some(Value::String(name)) => vec![("output.format".to_owned(), Value::String(name))],
        Some(Value::Array(items)) if items.is_empty() => {
            p.at(
                "output.format",
                format!("is empty; list at least one of {FORMATS}"),
            );
            return IndexSet::new();
        }
        Some(Value::Array(items)) => indexed("output.format", items),
        Some(other) => {
            p.at(
                "output.format",
                wrong_type(
                    "a string or an array of strings",
                    &other,
                    "format = [\"csv\", \"json\"]",
                ),
            );
            return IndexSet::new();
        }
    };
    let mut formats = IndexSet::new();
    for (key, value) in written {
        let Value::String(name) = value else {
            p.at(
                key,
                wrong_type("a string", &value, "format = [\"csv\", \"json\"]"),
            );
            continue;
        };
        match Format::from_name(&name) {
            Some(format) => {
                if !formats.insert(format) {
                    p.at(
                        key,
                        format!("\"{name}\" is listed twice; list each format once"),
                    );
                }
            }
            None => p.at(
                key,
                format!("\"{name}\" is not a format; use one or several of {FORMATS}"),
            ),
        }
    }
    formats
}

/// `columns = ["client_id", "jwt_configuration.alg"]`, each a valid path listed once.
fn read_columns(output: &mut Fields, p: &mut Problems) -> Option<IndexSet<Column>> {
    const EXAMPLE: &str = "columns = [\"client_id\", \"name\"]";
    let items = match output.take("columns")? {
        Value::Array(items) => items,
        other => {
            p.at(
                "output.columns",
                wrong_type("an array of strings", &other, EXAMPLE),
            );
            return None;
        }
    };
    let mut columns = IndexSet::new();
    for (key, value) in indexed("output.columns", items) {
        let Value::String(text) = value else {
            p.at(key, wrong_type("a string", &value, EXAMPLE));
            continue;
        };
        match Column::parse(&text) {
            Ok(column) => {
                if !columns.insert(column) {
                    p.at(
                        key,
                        format!("\"{text}\" is listed twice; list each column once"),
                    );
                }
            }
            Err(error) => p.at(key, error.to_string()),
        }
    }
    Some(columns)
}

/// `keep_for = "30d"`: the same form as `every` ([`parse_keep_for`]). `Some(None)` when
/// unset, `None` when wrong (reported).
fn read_keep_for(output: &mut Fields, p: &mut Problems) -> Option<Option<Duration>> {
    let Some(text) = output.string("keep_for", "keep_for = \"30d\"", p) else {
        // Unset; a wrong type has been reported and fails the job anyway.
        return Some(None);
    };
    match parse_keep_for(&text) {
        Ok(age) => Some(Some(age)),
        Err(error) => {
            p.at("output.keep_for", error.to_string());
            None
        }
    }
}

/// `keep = 48`: 0 keeps every snapshot. `Some(None)` when unset (the caller picks the
/// default), `None` when wrong (reported).
fn read_keep(output: &mut Fields, p: &mut Problems) -> Option<Option<u32>> {
    let Some(keep) = output.integer("keep", "keep = 30", p) else {
        // Unset; a wrong type has been reported and fails the job anyway.
        return Some(None);
    };
    match u32::try_from(keep) {
        Ok(keep) => Some(Some(keep)),
        Err(_) if keep < 0 => {
            p.at(
                "output.keep",
                format!("{keep} is negative; use 0 to keep every snapshot, or how many to keep"),
            );
            None
        }
        Err(_) => {
            p.at(
                "output.keep",
                format!(
                    "{keep} is too large; use at most {}, or 0 to keep every snapshot",
                    u32::MAX
                ),
            );
            None
        }
    }
}

/// Array items with their dotted keys (`output.columns[2]`).
fn indexed(key: &str, items: Vec<Value>) -> Vec<(String, Value)> {
    items
        .into_iter()
        .enumerate()
        .map(|(index, value)| (format!("{key}[{index}]"), value))
        .collect()
}
