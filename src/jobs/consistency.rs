//! Checks that tie the top-level switches to each other, to the endpoint and to the output:
//!
//! - `changes = true` needs the field that identifies a record (the known endpoint's, or
//!   `identity = "..."`), a JSON or NDJSON file among the formats (the report compares against
//!   the previous snapshot's JSON or NDJSON), and is refused on incremental jobs, whose
//!   snapshots hold only new events and so have nothing to compare;
//! - `identity` only applies to change reports.
//!
//! A `mode = "export"` job's `params` and output are tied together in `export`.

use super::fields::{Fields, Problems};
use crate::endpoint::Endpoint;
use crate::snapshot::Format;

/// `identity = "client_id"`: a top-level field name.
pub(super) fn read_identity(fields: &mut Fields, p: &mut Problems) -> Option<String> {
    let identity = fields.string("identity", "identity = \"id\"", p)?;
    if identity.trim().is_empty() || identity.contains('.') {
        p.at(
            "identity",
            format!("\"{identity}\" is not a top-level field name; name the field that identifies each record, as in identity = \"id\""),
        );
        return None;
    }
    Some(identity)
}

/// What the switches ask of the output and the endpoint.
#[derive(Debug, Clone, Copy)]
pub(super) struct Switched<'a> {
    /// `changes = true`.
    pub changes: bool,
    /// `incremental = true`.
    pub incremental: bool,
    /// `identity = "..."`, if written.
    pub identity: Option<&'a str>,
}

/// The field change reports identify records by, when `changes` is on and usable.
pub(super) fn change_identity(
    switched: Switched<'_>,
    endpoint: Option<&Endpoint>,
    formats: &[Format],
    p: &mut Problems,
) -> Option<String> {
    if !switched.changes {
        if switched.identity.is_some() {
            p.at(
                "identity",
                "only applies to change reports; add changes = true, or remove identity",
            );
        }
        return None;
    }
    if switched.incremental {
        p.at("changes", "an incremental job's snapshots hold only the new events, so there is nothing to compare; remove changes (every event of an incremental snapshot is new)");
        return None;
    }
    if !formats
        .iter()
        .any(|f| matches!(f, Format::Json | Format::Ndjson))
    {
        p.at("changes", "the change report compares against the previous json or ndjson snapshot; add \"ndjson\" (or \"json\") to output.format");
        return None;
    }
    let endpoint = endpoint?;
    let identity = switched
        .identity
        .map(str::to_owned)
        .or_else(|| endpoint.identity.clone());
    if identity.is_none() {
        p.at("changes", format!(
            "a0snap does not know which field identifies a record of {}; add identity = \"<field>\" naming it, as in identity = \"id\"",
            endpoint.path
        ));
    }
    identity
}
