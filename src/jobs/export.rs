//! A `mode = "export"` job's request to Auth0's users export, read once at load time from its
//! `params` (`connection_id`, `fields`, `limit`) and its output (formats and CSV columns).
//!
//! The fields are what the output needs, because without `fields` Auth0 exports "a predefined
//! set of fields" with no metadata, and a CSV column such as `app_metadata.plan` would be empty
//! in every row:
//!
//! - explicit `params.fields` win, and every CSV column must be among them (or below one of
//!   them, as `app_metadata.plan` is below `app_metadata`);
//! - else JSON and NDJSON want the user profile: its root properties
//!   ([`USER_ROOT_FIELDS`]), each of which brings its whole object (root attributes a
//!   connection adds need `params.fields`);
//! - else (and also, with JSON) each CSV column not already brought is one field, spelt as
//!   Auth0 spells it (`identities[0].connection`);
//! - `user_id` always comes first, and at most [`MAX_EXPORT_FIELDS`] fields are asked for.
//!
//! This module only reads the job file; it never talks to Auth0.

use super::fields::Problems;
use crate::snapshot::{Column, Format, OutputDraft};
use crate::users_export::{ExportRequest, MAX_EXPORT_FIELDS, USER_ROOT_FIELDS, covers};

/// The export's params as written, before the fields are settled.
#[derive(Debug, Default)]
struct ExportParams {
    /// `connection_id`.
    connection_id: Option<String>,
    /// `fields`, comma-separated, each as written and checked as a path.
    fields: Option<Vec<String>>,
    /// `limit`.
    limit: Option<u64>,
}

/// Reads an export job's request from its `params` and `output` (as read, so that its
/// problems are reported even when the output's check found others), or reports what is
/// wrong.
pub(super) fn read_export_request(
    params: &[(String, String)],
    output: Option<&OutputDraft>,
    p: &mut Problems,
) -> Option<ExportRequest> {
    let written = read_params(params, p)?;
    let output = output?;
    let formats: Vec<Format> = output.formats.iter().copied().collect();
    let csv_columns: Vec<Column> = if output.formats.contains(&Format::Csv) {
        output.columns.iter().cloned().collect()
    } else {
        Vec::new()
    };
    let (fields, key) = match written.fields {
        Some(fields) => {
            check_columns_covered(&fields, &csv_columns, p)?;
            (fields, "params.fields")
        }
        None => (derive_fields(&formats, &csv_columns), "output.columns"),
    };
    let request = ExportRequest::new(written.connection_id, fields, written.limit);
    check_count(&request, key, p)?;
    Some(request)
}

/// `connection_id`, `fields` and `limit`; anything else is refused.
fn read_params(params: &[(String, String)], p: &mut Problems) -> Option<ExportParams> {
    let mut written = ExportParams::default();
    let mut ok = true;
    for (name, value) in params {
        let key = format!("params.{name}");
        match name.as_str() {
            "connection_id" if value.trim().is_empty() => {
                p.at(key, "is empty; write the connection's id, as in connection_id = \"con_0000000000000001\", or remove it to export every connection");
                ok = false;
            }
            "connection_id" => written.connection_id = Some(value.trim().to_owned()),
            "fields" => match read_fields(value, &key, p) {
                Some(fields) => written.fields = Some(fields),
                None => ok = false,
            },
            "limit" => match value.parse::<u64>() {
                Ok(limit) if limit > 0 => written.limit = Some(limit),
                _ => {
                    p.at(key, format!("{value} is not a record limit; use a whole number from 1, or remove it to export every user"));
                    ok = false;
                }
            },
            _ => {
                p.at(key, "an export job sends only connection_id, fields and limit to Auth0's users export; remove it");
                ok = false;
            }
        }
    }
    ok.then_some(written)
}

/// `fields = "email, app_metadata.plan, identities[0].connection"`: each name a path.
fn read_fields(value: &str, key: &str, p: &mut Problems) -> Option<Vec<String>> {
    let names: Vec<&str> = value
        .split(',')
        .map(str::trim)
        .filter(|field| !field.is_empty())
        .collect();
    if names.is_empty() {
        p.at(key, "lists no field; write them comma-separated, as in fields = \"user_id,email,user_metadata.plan\"");
        return None;
    }
    let mut ok = true;
    for name in &names {
        if Column::parse(name).is_err() {
            p.at(key, format!(
                "\"{name}\" is not a field name; write dotted paths with array indexes in brackets, as in fields = \"email,app_metadata.plan,identities[0].connection\""
            ));
            ok = false;
        }
    }
    ok.then(|| names.into_iter().map(str::to_owned).collect())
}

/// Every CSV column must be brought by an explicit field, or it would be empty in every row.
fn check_columns_covered(fields: &[String], columns: &[Column], p: &mut Problems) -> Option<()> {
    let asked: Vec<String> = std::iter::once("user_id".to_owned())
        .chain(
            fields
                .iter()
                .filter_map(|f| Column::parse(f).ok())
                .map(|c| c.bracketed()),
        )
        .collect();
    let missing: Vec<&str> = columns
        .iter()
        .filter(|column| {
            let name = column.bracketed();
            !asked.iter().any(|field| covers(field, &name))
        })
        .map(Column::as_str)
        .collect();
    if missing.is_empty() {
        return Some(());
    }
    p.at("params.fields", format!(
        "does not ask for the csv column{} {}, which would be empty in every row; add {} to params.fields, or remove params.fields to let a0snap ask for what the columns need",
        if missing.len() == 1 { "" } else { "s" },
        quoted(&missing),
        if missing.len() == 1 { "it" } else { "them" },
    ));
    None
}

/// The fields the output needs when `params.fields` is not written.
fn derive_fields(formats: &[Format], csv_columns: &[Column]) -> Vec<String> {
    let mut fields: Vec<String> = Vec::new();
    if formats
        .iter()
        .any(|f| matches!(f, Format::Json | Format::Ndjson))
    {
        fields.extend(USER_ROOT_FIELDS.iter().map(|&name| name.to_owned()));
    }
    for column in csv_columns {
        let name = column.bracketed();
        if !fields.iter().any(|field| covers(field, &name)) {
            fields.push(name);
        }
    }
    fields
}

/// At most [`MAX_EXPORT_FIELDS`] fields, `user_id` included.
fn check_count(request: &ExportRequest, key: &str, p: &mut Problems) -> Option<()> {
    let fields = request.fields();
    let Some(first_over) = fields.get(MAX_EXPORT_FIELDS) else {
        return Some(());
    };
    let fix = if key == "params.fields" {
        "list at most 30 in params.fields, or split them over two export jobs"
    } else {
        "drop columns, split them over two export jobs, or name root properties in params.fields (fields = \"email,app_metadata\" brings every app_metadata.* column in one field)"
    };
    p.at(key, format!(
        "needs {} export fields with user_id, but Auth0 exports at most {MAX_EXPORT_FIELDS} per job, so \"{first_over}\" and the fields after it would be refused; {fix}",
        fields.len()
    ));
    None
}

fn quoted(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|name| format!("\"{name}\"")).collect();
    quoted.join(", ")
}
