//! The list endpoints the fake serves: their path below `/api/v2/`, the envelope key of their
//! records, the scope that guards them, the field that identifies a record, and how they page.
//!
//! The key order of each offset envelope follows the recordings (`roles` first for roles,
//! `total` first for clients, `length` only for users). Endpoints under a parent are templates
//! (`roles/{id}/users`); the records of each parent are stored under the concrete path
//! (`roles/rol_1/users`). Data only: no I/O here.

/// The order of keys in an `include_totals=true` envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Envelope {
    /// `{"total","start","limit","<key>"}` (clients, connections, resource servers, grants).
    TotalFirst,
    /// `{"<key>","start","limit","total"}` (roles, organizations, encryption keys).
    KeyFirst,
    /// `{"start","limit","length","<key>","total"}` (users, logs).
    WithLength,
}

/// How an endpoint pages when the request has no `take`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paging {
    /// `page` / `per_page` / `include_totals`.
    Offset,
    /// The whole list as a bare array (custom domains, `guardian/policies`).
    Whole,
    /// The first stored record alone, as the whole body: a bare value
    /// (`stats/active-users` answers a number).
    Value,
    /// `/logs`: offset newest first, or `take`/`from` by log id, ascending.
    Logs,
}

/// One list endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    /// The path below `/api/v2/` (`"resource-servers"`), also the [`crate::Tenant`] key.
    pub name: &'static str,
    /// The envelope key of the records (`"resource_servers"`).
    pub key: &'static str,
    /// The scope a token needs.
    pub scope: &'static str,
    /// The field that identifies a record.
    pub id_field: &'static str,
    /// Paging without `take`.
    pub paging: Paging,
    /// Key order of the offset envelope.
    pub envelope: Envelope,
    /// Whether `take`/`from` switches it to checkpoint paging.
    pub checkpoint: bool,
    /// The most records offset paging may reach (users: 1000).
    pub offset_cap: Option<usize>,
    /// Whether the default order has ties, so an unsorted offset walk sees records in a
    /// different order on every request (users: Auth0's search without `sort`).
    pub ties_without_sort: bool,
    /// Whether `include_totals` is a parameter of the endpoint; where it is not
    /// (`actions/actions`), sending it is refused with a 400 as an unknown parameter.
    pub totals: bool,
}

const fn spec(
    name: &'static str,
    key: &'static str,
    scope: &'static str,
    envelope: Envelope,
) -> Spec {
    Spec {
        name,
        key,
        scope,
        id_field: "id",
        paging: Paging::Offset,
        envelope,
        checkpoint: false,
        offset_cap: None,
        ties_without_sort: false,
        totals: true,
    }
}

/// Every endpoint the fake serves.
pub const SPECS: &[Spec] = &[
    Spec {
        id_field: "client_id",
        ..spec("clients", "clients", "read:clients", Envelope::TotalFirst)
    },
    Spec {
        id_field: "user_id",
        offset_cap: Some(1000),
        ties_without_sort: true,
        ..spec("users", "users", "read:users", Envelope::WithLength)
    },
    Spec {
        checkpoint: true,
        ..spec("roles", "roles", "read:roles", Envelope::KeyFirst)
    },
    Spec {
        checkpoint: true,
        ..spec(
            "connections",
            "connections",
            "read:connections",
            Envelope::TotalFirst,
        )
    },
    spec(
        "resource-servers",
        "resource_servers",
        "read:resource_servers",
        Envelope::TotalFirst,
    ),
    Spec {
        checkpoint: true,
        ..spec(
            "client-grants",
            "client_grants",
            "read:client_grants",
            Envelope::TotalFirst,
        )
    },
    Spec {
        checkpoint: true,
        ..spec(
            "organizations",
            "organizations",
            "read:organizations",
            Envelope::KeyFirst,
        )
    },
    Spec {
        id_field: "log_id",
        paging: Paging::Logs,
        ..spec("logs", "logs", "read:logs", Envelope::WithLength)
    },
    spec("rules", "rules", "read:rules", Envelope::TotalFirst),
    spec("hooks", "hooks", "read:hooks", Envelope::TotalFirst),
    Spec {
        totals: false,
        ..spec(
            "actions/actions",
            "actions",
            "read:actions",
            Envelope::TotalFirst,
        )
    },
    Spec {
        id_field: "kid",
        ..spec(
            "keys/encryption",
            "keys",
            "read:encryption_keys",
            Envelope::KeyFirst,
        )
    },
    Spec {
        id_field: "custom_domain_id",
        paging: Paging::Whole,
        checkpoint: true,
        ..spec(
            "custom-domains",
            "custom_domains",
            "read:custom_domains",
            Envelope::TotalFirst,
        )
    },
    Spec {
        id_field: "user_id",
        checkpoint: true,
        ..spec(
            "roles/{id}/users",
            "users",
            "read:users",
            Envelope::KeyFirst,
        )
    },
    Spec {
        id_field: "user_id",
        checkpoint: true,
        ..spec(
            "organizations/{id}/members",
            "members",
            "read:organization_members",
            Envelope::KeyFirst,
        )
    },
    spec(
        "users/{id}/roles",
        "roles",
        "read:users",
        Envelope::KeyFirst,
    ),
    Spec {
        paging: Paging::Whole,
        ..spec(
            "guardian/policies",
            "policies",
            "read:mfa_policies",
            Envelope::TotalFirst,
        )
    },
    Spec {
        paging: Paging::Value,
        ..spec(
            "stats/active-users",
            "active_users",
            "read:stats",
            Envelope::TotalFirst,
        )
    },
];

/// The endpoint name below `/api/v2/`, from `"clients"`, `"/clients"` or `"/api/v2/clients/"`.
pub fn normalise(name: &str) -> &str {
    let trimmed = name.trim().trim_end_matches('/');
    let trimmed = trimmed.strip_prefix("/api/v2/").unwrap_or(trimmed);
    trimmed.strip_prefix('/').unwrap_or(trimmed)
}

/// The endpoint with this name (any spelling [`normalise`] accepts), or the template it is an
/// instance of: `roles/rol_1/users` is `roles/{id}/users` (segment by segment, a `{...}`
/// segment standing for any non-empty one).
pub fn lookup(name: &str) -> Option<&'static Spec> {
    let name = normalise(name);
    SPECS.iter().find(|spec| instance_of(spec.name, name))
}

/// Whether `name` is `template` with a value in each `{...}` segment.
fn instance_of(template: &str, name: &str) -> bool {
    let (want, got): (Vec<&str>, Vec<&str>) =
        (template.split('/').collect(), name.split('/').collect());
    want.len() == got.len()
        && want.iter().zip(&got).all(|(want, got)| {
            want == got || (want.starts_with('{') && want.ends_with('}') && !got.is_empty())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_an_endpoint_finds_it() {
        assert_eq!(lookup("clients").map(|s| s.key), Some("clients"));
        assert_eq!(
            lookup("/api/v2/resource-servers/").map(|s| s.key),
            Some("resource_servers")
        );
        assert_eq!(lookup("actions/actions").map(|s| s.key), Some("actions"));
        assert!(lookup("nope").is_none());
        assert_eq!(
            lookup("roles/rol_1/users").map(|s| s.name),
            Some("roles/{id}/users")
        );
        assert!(lookup("roles//users").is_none());
    }

    #[test]
    fn only_users_are_capped() {
        let capped: Vec<_> = SPECS
            .iter()
            .filter(|s| s.offset_cap.is_some())
            .map(|s| s.name)
            .collect();
        assert_eq!(capped, ["users"]);
    }
}
