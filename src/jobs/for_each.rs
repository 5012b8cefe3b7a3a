//! `for_each = "roles"`: a job whose endpoint is a template (`roles/{id}/users`) runs it once
//! for every record of the parent list, the parent's identity in place of the placeholder.
//!
//! This file reads and checks the key against the endpoint: a placeholder needs `for_each`
//! and `for_each` needs a placeholder (exactly one); the parent is a list endpoint a0snap
//! knows, with an identity, and is the path before the placeholder (a placeholder without
//! `for_each` is refused with the endpoint's path, in `target`). It decides the field that
//! carries the parent's identity in each record ([`crate::endpoint::parent_field`]). It sends
//! no request; walking the parent and its children is `api`'s and the runner's.

use super::fields::{Fields, Problems};
use crate::endpoint::{self, Endpoint, Pagination};

/// The parent list of a `for_each` job, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForEach {
    /// The parent list (`/api/v2/roles`), walked first with every check of a walk.
    pub parent: Endpoint,
    /// Records a page of the parent list: its default page size (at most 50).
    pub parent_page_size: u32,
    /// The field each child record gets first, holding its parent's identity (`role_id`).
    pub field: String,
}

/// The key's example, for type errors.
const EXAMPLE: &str = "for_each = \"roles\"";

/// Reads `for_each` for `endpoint` (the child template, already read; `None` when it was
/// wrong). Reports a placeholder without `for_each` and `for_each` without one.
pub(super) fn read_for_each(
    fields: &mut Fields,
    endpoint: Option<&Endpoint>,
    p: &mut Problems,
) -> Option<ForEach> {
    let written = fields.string("for_each", EXAMPLE, p);
    let endpoint = endpoint?;
    let placeholders = endpoint.placeholders();
    let parent_name = endpoint.parent_name();
    // A placeholder without for_each was reported with the endpoint's path.
    let written = written?;
    let Some(parent_name) = parent_name else {
        let template = endpoint::lookup(endpoint.name())
            .map(|known| known.name)
            .filter(|name| name.contains('{'))
            .unwrap_or("roles/{id}/users");
        p.at("for_each", format!(
            "only applies to an endpoint with a placeholder for the parent's id, and \"{}\" has none; write the endpoint with the placeholder where the id goes, as in endpoint = \"{template}\", or remove for_each",
            endpoint.name()
        ));
        return None;
    };
    if placeholders.len() > 1 {
        p.at("endpoint", format!(
            "\"{}\" has {} placeholders; for_each fills one, so write the other ids in their places",
            endpoint.name(),
            placeholders.len()
        ));
        return None;
    }
    check_parent(&written, &parent_name, endpoint, p)
}

/// The parent named by `for_each = "{written}"` for a template whose parent is `expected`.
fn check_parent(
    written: &str,
    expected: &str,
    child: &Endpoint,
    p: &mut Problems,
) -> Option<ForEach> {
    let name = endpoint::normalise_name(written);
    if name != expected {
        p.at("for_each", format!(
            "\"{written}\" is not the parent of \"{}\", whose placeholder takes an id of {expected}; write for_each = \"{expected}\"",
            child.name()
        ));
        return None;
    }
    let known = endpoint::lookup(name).filter(|known| !known.name.contains('{'));
    let Some(known) = known else {
        p.at("for_each", format!(
            "\"{written}\" is not a list endpoint a0snap knows, so a0snap cannot tell which field identifies its records; use a parent `a0snap endpoints` lists, as in for_each = \"roles\" with endpoint = \"roles/{{id}}/users\""
        ));
        return None;
    };
    if known.identity.is_none() || known.pagination == Pagination::None {
        p.at("for_each", format!(
            "the records of \"{written}\" have no single identity field a0snap knows, so it cannot fill the placeholder; write one parent's id in its place instead"
        ));
        return None;
    }
    Some(ForEach {
        parent: Endpoint::from_known(known, name),
        parent_page_size: known.default_page_size(),
        field: endpoint::parent_field(name),
    })
}
