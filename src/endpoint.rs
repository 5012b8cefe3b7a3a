//! The vocabulary shared by job files and the API client: which Management API list endpoints
//! a0snap knows, how each one pages, under which key its records arrive, which field
//! identifies a record, which scope reads it and how large its pages may be.
//!
//! The table ([`KNOWN`]) covers every GET list endpoint of Auth0's Management API v2 definition
//! as of the Fern-generated SDK node-auth0 `v6.1.0` (commit `74170bb0`, 2026-07-22: which
//! endpoints are lists, how they page, their array keys) and the published OpenAPI document
//! in auth0/docs-v2 (commit `7025885d`, 2026-06-25: scopes, page-size maxima). A compact
//! extract of both, with its provenance and the script that makes it, is kept in
//! `tests/fixtures/management-api/`; a test checks every entry against it, so the next API
//! change is one regenerated file away.
//!
//! Endpoints under a parent are templates (`roles/{id}/users`): a job naming
//! `roles/rol_123/users` is that endpoint, its id segment percent-encoded in the request path.
//!
//! This module holds data and pure functions only. It performs no I/O and knows nothing of
//! jobs or HTTP.

mod table;

use std::fmt;

pub use table::KNOWN;

/// The path prefix of every Management API v2 endpoint.
pub const API_PREFIX: &str = "/api/v2/";

/// How a list endpoint hands out its records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pagination {
    /// `page`, `per_page`, `include_totals=true`; an envelope `{start, limit, total, <key>}`.
    Offset,
    /// `take` and `from`; an envelope `{<key>, next}`, `next` absent on the last page.
    Checkpoint,
    /// `/logs`: the oldest page first (`sort=date:1`, `page=0`, `per_page`), then
    /// `from=<last log_id>` and `take`; bare arrays, ascending, until an empty page.
    LogStream,
    /// One request; the body is the list (or a single object).
    None,
}

impl Pagination {
    /// The name used in job files (`pagination = "offset"`).
    pub fn name(self) -> &'static str {
        match self {
            Pagination::Offset => "offset",
            Pagination::Checkpoint => "checkpoint",
            Pagination::LogStream => "logs",
            Pagination::None => "none",
        }
    }

    /// Parses the job-file spelling of a pagination kind.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "offset" => Some(Pagination::Offset),
            "checkpoint" => Some(Pagination::Checkpoint),
            "logs" => Some(Pagination::LogStream),
            "none" => Some(Pagination::None),
            _ => None,
        }
    }

    /// The query parameter that sets the page size for this kind, if any.
    pub fn page_size_param(self) -> Option<&'static str> {
        match self {
            Pagination::Offset => Some("per_page"),
            Pagination::Checkpoint | Pagination::LogStream => Some("take"),
            Pagination::None => None,
        }
    }

    /// Query parameters a0snap sets itself for this kind; a job may not set them.
    pub fn managed_params(self) -> &'static [&'static str] {
        match self {
            Pagination::Offset => &["page", "per_page", "include_totals"],
            Pagination::Checkpoint => &["from", "take"],
            Pagination::LogStream => &["from", "take", "sort", "page", "per_page"],
            Pagination::None => &[],
        }
    }

    /// Whether `name` makes an answer one page of several (`page`, `per_page`,
    /// `include_totals`, `take`): an unpaged job may not send one. `from` alone is not one:
    /// on `stats/daily` it is a date (the definition's `from`/`to` range), and a `from` that
    /// does page shows as a `next` in the answer, which the pager refuses.
    pub fn is_paging_param(name: &str) -> bool {
        matches!(name, "page" | "per_page" | "include_totals" | "take")
    }

    /// Whether the API ignores every query parameter but the paging ones: Auth0 answers a
    /// checkpoint request to `/logs` (`from`, `take`) without applying `q`, `fields`, `sort`
    /// or any other, so a job setting them would believe it filters when it does not.
    pub fn ignores_other_params(self) -> bool {
        matches!(self, Pagination::LogStream)
    }
}

impl fmt::Display for Pagination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A Management API list endpoint a0snap knows by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownEndpoint {
    /// The path below `/api/v2/`, as the definition writes it: `"resource-servers"`, or a
    /// template whose `{...}` segments stand for a parent's id (`"roles/{id}/users"`).
    pub name: &'static str,
    /// How it pages.
    pub pagination: Pagination,
    /// The envelope key of the records (`"resource_servers"`); `None` for bare arrays and for
    /// answers that are one record or one value.
    pub items: Option<&'static str>,
    /// The field that identifies a record (`"client_id"`); `None` where the records have no
    /// single such field (`roles/{id}/permissions`, `guardian/policies`).
    pub identity: Option<&'static str>,
    /// The scope a machine-to-machine application needs to read it: the first `read:` scope
    /// the definition lists for the operation.
    pub scope: &'static str,
    /// Whether offset pages may ask for `include_totals=true`: only where the definition
    /// defines the parameter (`actions/actions` does not, and Auth0 refuses parameters it
    /// does not define on some endpoints). Without it the walk ends at an empty page.
    pub include_totals: bool,
    /// The most records one page may hold (`per_page` or `take`), from the definition's
    /// maximum or the smaller one its description states (`users/{id}/connected-accounts`:
    /// 20), and never above a0snap's own 100.
    pub max_page_size: u32,
    /// The most records offset paging can reach, if the API caps it (users: 1000).
    pub offset_cap: Option<u64>,
    /// The `sort` sent with every offset page when the job sets none, where the endpoint's
    /// default order is not stable between requests (users: ties in Auth0's search order;
    /// `field:1` as <https://auth0.com/docs/manage-users/user-search/sort-search-results>
    /// documents, on a unique field so no two records tie).
    pub sort: Option<&'static str>,
}

/// The page size a job gets when it sets none: 50, or the endpoint's maximum when smaller.
pub const DEFAULT_PAGE_SIZE: u32 = 50;

/// The largest page size a0snap asks for (Auth0's usual maximum).
pub const MAX_PAGE_SIZE: u32 = 100;

impl KnownEndpoint {
    /// The page size used when a job sets none: min(50, [`KnownEndpoint::max_page_size`]).
    pub fn default_page_size(&self) -> u32 {
        DEFAULT_PAGE_SIZE.min(self.max_page_size)
    }

    /// Whether `name` is a path this template stands for, segment by segment: literal
    /// segments equal, `{...}` segments any non-empty value. The number of literal segments
    /// when it is, so the most specific template can win.
    fn matches(&self, name: &str) -> Option<usize> {
        let template: Vec<&str> = self.name.split('/').collect();
        let written: Vec<&str> = name.split('/').collect();
        if template.len() != written.len() {
            return None;
        }
        let mut literal = 0;
        for (want, got) in template.iter().zip(&written) {
            if is_placeholder(want) {
                if got.is_empty() {
                    return None;
                }
            } else if want == got {
                literal += 1;
            } else {
                return None;
            }
        }
        Some(literal)
    }
}

fn is_placeholder(segment: &str) -> bool {
    segment.starts_with('{') && segment.ends_with('}')
}

const fn entry(
    name: &'static str,
    pagination: Pagination,
    items: Option<&'static str>,
    identity: Option<&'static str>,
    scope: &'static str,
) -> KnownEndpoint {
    KnownEndpoint {
        name,
        pagination,
        items,
        identity,
        scope,
        include_totals: matches!(pagination, Pagination::Offset),
        max_page_size: MAX_PAGE_SIZE,
        offset_cap: None,
        sort: None,
    }
}

/// The name of an endpoint as a job file may write it: `"clients"` or `"/api/v2/clients"`,
/// reduced to the part below `/api/v2/` (`"clients"`).
pub fn normalise_name(written: &str) -> &str {
    let trimmed = written.trim().trim_end_matches('/');
    let trimmed = trimmed.strip_prefix(API_PREFIX).unwrap_or(trimmed);
    trimmed.strip_prefix('/').unwrap_or(trimmed)
}

/// Looks up a known endpoint by the name a job file gives: `"clients"`, or a path under a
/// parent such as `"roles/rol_123/users"`, which is the template `"roles/{id}/users"` (the
/// template with the most literal segments wins, so `"user-attribute-profiles/templates"`
/// is not taken for an id).
pub fn lookup(written: &str) -> Option<&'static KnownEndpoint> {
    let name = normalise_name(written);
    KNOWN
        .iter()
        .filter_map(|known| known.matches(name).map(|literal| (literal, known)))
        .max_by_key(|(literal, _)| *literal)
        .map(|(_, known)| known)
}

/// Bytes left as they are in a path segment: RFC 3986 unreserved characters. Everything else
/// (`|` in `auth0|123`, `*`, `/`, spaces) is percent-encoded, as the SDKs encode path
/// parameters (node-auth0's `encodePathParam`, Go's `url.PathEscape`).
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The request path for `name` below `/api/v2/`, each segment percent-encoded (a `%XX`
/// already written is kept, so an id may be written encoded or not). A placeholder segment
/// (`{id}`, a `for_each` job's) stays as written: [`Endpoint::for_parent`] replaces it.
fn encoded_path(name: &str) -> String {
    let segments: Vec<String> = name
        .split('/')
        .map(|segment| {
            if is_placeholder(segment) {
                segment.to_owned()
            } else {
                encode_segment(segment)
            }
        })
        .collect();
    format!("{API_PREFIX}{}", segments.join("/"))
}

/// One segment, decoded first (so `auth0%7C123` and `auth0|123` give the same, an escape is
/// never escaped twice, and a `/` inside an id written `%2F` stays `%2F`), then encoded.
fn encode_segment(segment: &str) -> String {
    let bytes: Vec<u8> = percent_encoding::percent_decode_str(segment).collect();
    percent_encoding::percent_encode(&bytes, SEGMENT).to_string()
}

/// A resolved endpoint: where to send the request and how to read the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The request path, starting with `/api/v2/`, each segment percent-encoded.
    pub path: String,
    /// How it pages.
    pub pagination: Pagination,
    /// The envelope key of the records; `None` when the body is a bare array.
    pub items: Option<String>,
    /// The field that identifies a record, if known (used by change reports).
    pub identity: Option<String>,
    /// Whether offset pages ask for `include_totals=true` (and so for a `total` to check).
    pub include_totals: bool,
    /// The most records offset paging can reach, if capped.
    pub offset_cap: Option<u64>,
    /// The stable `sort` sent with offset pages when the job sets none.
    pub sort: Option<String>,
}

impl Endpoint {
    /// The endpoint `written` in a job file (`"roles/rol_1/users"`), which [`lookup`] found
    /// to be `known` (`"roles/{id}/users"`).
    pub fn from_known(known: &KnownEndpoint, written: &str) -> Self {
        Self {
            path: encoded_path(normalise_name(written)),
            pagination: known.pagination,
            items: known.items.map(str::to_owned),
            identity: known.identity.map(str::to_owned),
            include_totals: known.include_totals,
            offset_cap: known.offset_cap,
            sort: known.sort.map(str::to_owned),
        }
    }

    /// An endpoint a0snap does not know, described by the job file. Its identity is unknown,
    /// except for a log stream, which pages by `log_id`; offset pages ask for totals.
    pub fn custom(written: &str, pagination: Pagination, items: Option<String>) -> Self {
        Self {
            path: encoded_path(normalise_name(written)),
            pagination,
            items,
            identity: (pagination == Pagination::LogStream).then(|| "log_id".to_owned()),
            include_totals: true,
            offset_cap: None,
            sort: None,
        }
    }

    /// The name below `/api/v2/`, for messages and metadata.
    pub fn name(&self) -> &str {
        self.path.strip_prefix(API_PREFIX).unwrap_or(&self.path)
    }

    /// The placeholder segments of the path (`{id}` in `roles/{id}/users`), in order.
    pub fn placeholders(&self) -> Vec<&str> {
        self.name()
            .split('/')
            .filter(|s| is_placeholder(s))
            .collect()
    }

    /// The path before the first placeholder (`roles` for `roles/{id}/users`): the parent
    /// list whose identities fill it; `None` without a placeholder.
    pub fn parent_name(&self) -> Option<String> {
        let segments: Vec<&str> = self.name().split('/').collect();
        let at = segments.iter().position(|s| is_placeholder(s))?;
        Some(segments[..at].join("/"))
    }

    /// This template with its placeholder replaced by the parent's identity `id` (decoded
    /// text, as in `auth0|123`), percent-encoded as one segment: `roles/{id}/users` for
    /// `rol_1` is `/api/v2/roles/rol_1/users`.
    pub fn for_parent(&self, id: &str) -> Endpoint {
        let encoded = percent_encoding::utf8_percent_encode(id, SEGMENT).to_string();
        let segments: Vec<&str> = self
            .path
            .split('/')
            .map(|s| {
                if is_placeholder(s) {
                    encoded.as_str()
                } else {
                    s
                }
            })
            .collect();
        Endpoint {
            path: segments.join("/"),
            ..self.clone()
        }
    }
}

/// The field that carries a parent's identity in its children's records: the last segment
/// of the parent list's name made singular, `-` as `_`, then `_id` (`roles` -> `role_id`,
/// `organizations` -> `organization_id`, `resource-servers` -> `resource_server_id`). A
/// naming rule of a0snap's, after Auth0's own `user_id`, `role_id` and `organization_id`.
pub fn parent_field(parent: &str) -> String {
    let last = normalise_name(parent)
        .rsplit('/')
        .next()
        .unwrap_or_default();
    let singular = last.strip_suffix('s').unwrap_or(last);
    format!("{}_id", singular.replace('-', "_"))
}

#[cfg(test)]
#[path = "endpoint/tests.rs"]
mod tests;
