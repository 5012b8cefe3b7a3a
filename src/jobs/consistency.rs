//! The top-level switches against each other, the endpoint and the output, as a job file's
//! problems:
//!
//! - `changes = true` needs the field that identifies a record (the known endpoint's, or
//!   `identity = "..."`), a JSON or NDJSON file among the formats (the report compares against
//!   the previous snapshot's JSON or NDJSON), and is refused on incremental jobs, whose
//!   snapshots hold only new events and so have nothing to compare. Those rules are the
//!   output's one check ([`crate::snapshot::OutputDraft::check`]); this file only says, at
//!   which key and in which words, what that check found;
//! - `identity` only applies to change reports.
//!
//! A `mode = "export"` job's `params` and output are tied together in `export`.

use super::fields::{Fields, Mark, Problems};
use crate::endpoint::Endpoint;
use crate::snapshot::OutputProblem;

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

/// `identity` without `changes = true`: reported, since it would do nothing.
pub(super) fn check_identity_use(changes: bool, identity: Option<&str>, p: &mut Problems) {
    if !changes && identity.is_some() {
        p.at(
            "identity",
            "only applies to change reports; add changes = true, or remove identity",
        );
    }
}

/// Reports one problem of the output's check ([`crate::snapshot::OutputDraft::check`]) at the
/// key that causes it. "csv needs columns" goes at `columns_mark`, after the columns' own
/// problems. A missing format is never reported here: every way to write no format (an empty
/// or wrongly typed `format`, only unknown names) has been reported at `output.format`
/// already. A missing identity is only reported when the endpoint is known (an unknown one
/// has been reported, and a0snap cannot say which field it lacks).
pub(super) fn report(
    problem: &OutputProblem,
    endpoint: Option<&Endpoint>,
    columns_mark: Mark,
    p: &mut Problems,
) {
    match problem {
        OutputProblem::NoFormat => {}
        OutputProblem::CsvWithoutColumns => p.at_mark(columns_mark, "output.columns", "csv needs columns; list the dotted paths to write, as in columns = [\"client_id\", \"name\"]"),
        OutputProblem::ChangesOfDeltas => p.at("changes", "an incremental job's snapshots hold only the new events, so there is nothing to compare; remove changes (every event of an incremental snapshot is new)"),
        OutputProblem::ChangesWithoutJson => p.at("changes", "the change report compares against the previous json or ndjson snapshot; add \"ndjson\" (or \"json\") to output.format"),
        OutputProblem::ChangesWithoutIdentity => {
            if let Some(endpoint) = endpoint {
                p.at("changes", format!(
                    "a0snap does not know which field identifies a record of {}; add identity = \"<field>\" naming it, as in identity = \"id\"",
                    endpoint.path
                ));
            }
        }
    }
}
