//! The vocabulary shared by job files and the API client: which Management API list endpoints
//! a0snap knows, how each one pages, under which key its records arrive and which field
//! identifies a record.
//!
//! This module holds data only. It performs no I/O and knows nothing of jobs or HTTP.

use std::fmt;

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

    /// Whether `name` is a paging parameter of any kind (`page`, `per_page`,
    /// `include_totals`, `from`, `take`): an unpaged job may not send one, since the answer
    /// would then be one page of several.
    pub fn is_paging_param(name: &str) -> bool {
        [Pagination::Offset, Pagination::Checkpoint]
            .iter()
            .any(|kind| kind.managed_params().contains(&name))
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
    /// The path below `/api/v2/`, as written in job files (`"resource-servers"`).
    pub name: &'static str,
    /// How it pages.
    pub pagination: Pagination,
    /// The envelope key of the records (`"resource_servers"`); `None` for bare arrays.
    pub items: Option<&'static str>,
    /// The field that identifies a record (`"client_id"`).
    pub identity: &'static str,
    /// The scope a machine-to-machine application needs to read it.
    pub scope: &'static str,
    /// The most records offset paging can reach, if the API caps it (users: 1000).
    pub offset_cap: Option<u64>,
    /// The `sort` sent with every offset page when the job sets none, where the endpoint's
    /// default order is not stable between requests (users: ties in Auth0's search order;
    /// `field:1` as <https://auth0.com/docs/manage-users/user-search/sort-search-results>
    /// documents, on a unique field so no two records tie).
    pub sort: Option<&'static str>,
}

/// Every endpoint a0snap knows, in the order the README lists them.
pub const KNOWN: &[KnownEndpoint] = &[
    known(
        "clients",
        Pagination::Offset,
        Some("clients"),
        "client_id",
        "read:clients",
    ),
    KnownEndpoint {
        offset_cap: Some(1000),
        sort: Some("user_id:1"),
        ..known(
            "users",
            Pagination::Offset,
            Some("users"),
            "user_id",
            "read:users",
        )
    },
    known(
        "roles",
        Pagination::Offset,
        Some("roles"),
        "id",
        "read:roles",
    ),
    known(
        "connections",
        Pagination::Checkpoint,
        Some("connections"),
        "id",
        "read:connections",
    ),
    known(
        "resource-servers",
        Pagination::Offset,
        Some("resource_servers"),
        "id",
        "read:resource_servers",
    ),
    known(
        "client-grants",
        Pagination::Offset,
        Some("client_grants"),
        "id",
        "read:client_grants",
    ),
    known(
        "organizations",
        Pagination::Checkpoint,
        Some("organizations"),
        "id",
        "read:organizations",
    ),
    known("logs", Pagination::LogStream, None, "log_id", "read:logs"),
    known(
        "rules",
        Pagination::Offset,
        Some("rules"),
        "id",
        "read:rules",
    ),
    known(
        "hooks",
        Pagination::Offset,
        Some("hooks"),
        "id",
        "read:hooks",
    ),
    known(
        "actions/actions",
        Pagination::Offset,
        Some("actions"),
        "id",
        "read:actions",
    ),
    known(
        "keys/encryption",
        Pagination::Offset,
        Some("keys"),
        "kid",
        "read:encryption_keys",
    ),
    known(
        "custom-domains",
        Pagination::None,
        None,
        "custom_domain_id",
        "read:custom_domains",
    ),
];

const fn known(
    name: &'static str,
    pagination: Pagination,
    items: Option<&'static str>,
    identity: &'static str,
    scope: &'static str,
) -> KnownEndpoint {
    KnownEndpoint {
        name,
        pagination,
        items,
        identity,
        scope,
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

/// Looks up a known endpoint by the name a job file gives.
pub fn lookup(written: &str) -> Option<&'static KnownEndpoint> {
    let name = normalise_name(written);
    KNOWN.iter().find(|endpoint| endpoint.name == name)
}

/// A resolved endpoint: where to send the request and how to read the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The request path, starting with `/api/v2/`.
    pub path: String,
    /// How it pages.
    pub pagination: Pagination,
    /// The envelope key of the records; `None` when the body is a bare array.
    pub items: Option<String>,
    /// The field that identifies a record, if known (used by change reports).
    pub identity: Option<String>,
    /// The most records offset paging can reach, if capped.
    pub offset_cap: Option<u64>,
    /// The stable `sort` sent with offset pages when the job sets none.
    pub sort: Option<String>,
}

impl Endpoint {
    /// The endpoint for a known name.
    pub fn from_known(known: &KnownEndpoint) -> Self {
        Self {
            path: format!("{API_PREFIX}{}", known.name),
            pagination: known.pagination,
            items: known.items.map(str::to_owned),
            identity: Some(known.identity.to_owned()),
            offset_cap: known.offset_cap,
            sort: known.sort.map(str::to_owned),
        }
    }

    /// An endpoint a0snap does not know, described by the job file. Its identity is unknown,
    /// except for a log stream, which pages by `log_id`.
    pub fn custom(written: &str, pagination: Pagination, items: Option<String>) -> Self {
        Self {
            path: format!("{API_PREFIX}{}", normalise_name(written)),
            pagination,
            items,
            identity: (pagination == Pagination::LogStream).then(|| "log_id".to_owned()),
            offset_cap: None,
            sort: None,
        }
    }

    /// The name below `/api/v2/`, for messages and metadata.
    pub fn name(&self) -> &str {
        self.path.strip_prefix(API_PREFIX).unwrap_or(&self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_spellings_of_a_known_endpoint_resolve_to_it() {
        assert_eq!(lookup("clients").map(|e| e.name), Some("clients"));
        assert_eq!(lookup("/api/v2/clients").map(|e| e.name), Some("clients"));
        assert_eq!(
            lookup("/api/v2/resource-servers/").map(|e| e.items),
            Some(Some("resource_servers"))
        );
        assert!(lookup("nope").is_none());
    }

    #[test]
    fn the_required_endpoints_are_known_with_their_paging() {
        for (name, kind) in [
            ("clients", Pagination::Offset),
            ("users", Pagination::Offset),
            ("roles", Pagination::Offset),
            ("connections", Pagination::Checkpoint),
            ("resource-servers", Pagination::Offset),
            ("client-grants", Pagination::Offset),
            ("organizations", Pagination::Checkpoint),
            ("logs", Pagination::LogStream),
        ] {
            assert_eq!(lookup(name).map(|e| e.pagination), Some(kind), "{name}");
        }
    }

    #[test]
    fn a_resolved_endpoint_has_the_full_path() {
        let endpoint = Endpoint::from_known(lookup("users").expect("known"));
        assert_eq!(endpoint.path, "/api/v2/users");
        assert_eq!(endpoint.name(), "users");
        assert_eq!(endpoint.offset_cap, Some(1000));
    }
}
