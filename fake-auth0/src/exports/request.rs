//! The body of `POST /api/v2/jobs/users-exports`, checked as Auth0 checks it, and the export
//! file it asks for: the chosen fields ([`super::fields`]) of the chosen users, one JSON object
//! a line, gzipped.

use std::io::{BufWriter, Write};

use axum::body::Bytes;
use axum::http::StatusCode;
use flate2::Compression;
use flate2::write::GzEncoder;
use serde_json::Value;

use super::fields::{DEFAULT_FIELDS, Field, MAX_FIELDS, project};
use crate::answer::ApiError;

/// What `POST /api/v2/jobs/users-exports` asked for, checked.
#[derive(Debug, Clone)]
pub(crate) struct ExportRequest {
    /// `connection_id`, if given, and the connection's name.
    pub(super) connection: Option<(String, String)>,
    /// `limit`, if given.
    pub(super) limit: Option<usize>,
    /// The `fields`, if given.
    pub(super) fields: Option<Vec<Field>>,
    /// Whether dotted names come as flat keys; set from the job's behaviour when it is created.
    pub(super) flat_keys: bool,
}

impl ExportRequest {
    /// The fields the file holds: those asked for, or Auth0's default set.
    fn fields_or_default(&self) -> Vec<Field> {
        match &self.fields {
            Some(fields) => fields.clone(),
            None => DEFAULT_FIELDS
                .iter()
                .filter_map(|(name, export_as)| Field::new(name, *export_as))
                .collect(),
        }
    }
}

/// Checks a create body against the tenant's connections.
pub(crate) fn parse_request(body: &[u8], connections: &[Value]) -> Result<ExportRequest, ApiError> {
    let body: Value = serde_json::from_slice(body)
        .map_err(|_| invalid_body("Payload validation error: 'Invalid JSON'"))?;
    let Some(object) = body.as_object() else {
        return Err(invalid_body(
            "Payload validation error: 'Expected type object'",
        ));
    };
    match object.get("format").and_then(Value::as_str) {
        None | Some("json") => {}
        Some("csv") => return Err(invalid_body("the fake tenant exports json only")),
        Some(_) => {
            return Err(invalid_body(
                "Payload validation error: 'No enum match for: format' on property format",
            ));
        }
    }
    let limit = match object.get("limit") {
        None => None,
        Some(value) => Some(
            value
                .as_u64()
                .filter(|limit| *limit >= 1)
                .and_then(|limit| usize::try_from(limit).ok())
                .ok_or_else(|| {
                    invalid_body(
                        "Payload validation error: 'Expected type integer >= 1' on property limit",
                    )
                })?,
        ),
    };
    let fields = match object.get("fields") {
        None => None,
        Some(value) => Some(field_names(value)?),
    };
    let connection = match object.get("connection_id").and_then(Value::as_str) {
        None => None,
        Some(id) => Some((id.to_owned(), connection_name(id, connections)?)),
    };
    Ok(ExportRequest {
        connection,
        limit,
        fields,
        flat_keys: false,
    })
}

fn field_names(value: &Value) -> Result<Vec<Field>, ApiError> {
    let bad = || {
        invalid_body(
            "Payload validation error: 'Expected an array of {\"name\": \"...\", \"export_as\": \"...\"}' on property fields",
        )
    };
    let items = value.as_array().ok_or_else(bad)?;
    if items.len() > MAX_FIELDS {
        return Err(invalid_body(&format!(
            "Payload validation error: 'Array is too long ({}), maximum {MAX_FIELDS}' on property fields",
            items.len()
        )));
    }
    items
        .iter()
        .map(|item| {
            let name = item.get("name").and_then(Value::as_str).ok_or_else(bad)?;
            let export_as = match item.get("export_as") {
                None => None,
                Some(Value::String(text)) if !text.is_empty() => Some(text.as_str()),
                Some(_) => return Err(bad()),
            };
            Field::new(name, export_as).ok_or_else(bad)
        })
        .collect()
}

fn connection_name(id: &str, connections: &[Value]) -> Result<String, ApiError> {
    connections
        .iter()
        .find(|c| c.get("id").and_then(Value::as_str) == Some(id))
        .and_then(|c| c.get("name").and_then(Value::as_str))
        .map(str::to_owned)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "The connection does not exist",
                Some("inexistent_connection"),
            )
        })
}

fn invalid_body(message: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, message, Some("invalid_body"))
}

/// The export file: the chosen users, one JSON object a line, gzipped.
///
/// Large exports are rendered in parallel, one gzip member per part, concatenated: still one
/// valid gzip file (RFC 1952 allows several members), and a 50,000-user file takes a
/// fraction of the time in a debug build.
pub(crate) fn render(users: &[Value], request: &ExportRequest) -> std::io::Result<Bytes> {
    let wanted: Vec<&Value> = users
        .iter()
        .filter(|user| match &request.connection {
            Some((_, name)) => user["identities"][0]["connection"].as_str() == Some(name),
            None => true,
        })
        .take(request.limit.unwrap_or(usize::MAX))
        .collect();
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let part = wanted.len().div_ceil(threads).max(PART_AT_LEAST);
    let parts: Vec<std::io::Result<Vec<u8>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = wanted
            .chunks(part)
            .map(|users| scope.spawn(|| render_part(users, request)))
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|_| Err(std::io::Error::other("a render thread panicked")))
            })
            .collect()
    });
    let mut file = Vec::new();
    if parts.is_empty() {
        file = render_part(&[], request)?;
    }
    for part in parts {
        file.extend(part?);
    }
    Ok(Bytes::from(file))
}

/// Users per part below which parallel rendering is not worth a thread.
const PART_AT_LEAST: usize = 2_000;

fn render_part(users: &[&Value], request: &ExportRequest) -> std::io::Result<Vec<u8>> {
    // The JSON serialiser writes token by token: buffer so the encoder sees large blocks.
    let mut gz =
        BufWriter::with_capacity(256 * 1024, GzEncoder::new(Vec::new(), Compression::fast()));
    let fields = request.fields_or_default();
    for user in users {
        serde_json::to_writer(&mut gz, &project(user, &fields, request.flat_keys))?;
        gz.write_all(b"\n")?;
    }
    gz.into_inner()
        .map_err(|error| error.into_error())?
        .finish()
}
