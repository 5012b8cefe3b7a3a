//! The records a fake tenant serves, per endpoint, as `serde_json::Value` objects whose keys
//! keep their insertion order (so answers list fields in the order Auth0 does).
//!
//! A [`Tenant`] is generated from [`Sizes`] and a seed (the same seed gives the same records),
//! or is the fixed [`Tenant::sample`] used by `a0snap demo`. Tests change it through
//! [`crate::FakeAuth0::with_tenant`] to check change reports and incremental log exports.
//! This module knows nothing of HTTP or paging.

mod apps;
mod extras;
mod logs;
mod people;
mod relations;
mod seeded;
mod synthetic;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde_json::Value;

use crate::endpoints;
use logs::{LogContext, LogCursor};
use seeded::Gen;
pub use seeded::TENANT_DOMAIN;
pub(crate) use synthetic::SyntheticLogs;

/// How many records of each kind [`Tenant::generate`] creates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sizes {
    /// Applications (`/clients`).
    pub clients: usize,
    /// Users (`/users`); offset paging stops at 1000 of them.
    pub users: usize,
    /// Roles (`/roles`).
    pub roles: usize,
    /// Connections (`/connections`); the second one is a social connection with a secret.
    pub connections: usize,
    /// APIs (`/resource-servers`); the first is the Management API.
    pub resource_servers: usize,
    /// Client grants (`/client-grants`).
    pub client_grants: usize,
    /// Organizations (`/organizations`).
    pub organizations: usize,
    /// Log events (`/logs`), oldest first.
    pub logs: usize,
}

impl Sizes {
    /// The sizes of [`Tenant::sample`]: several pages of 10 to 50 records on each endpoint.
    pub const SAMPLE: Sizes = Sizes {
        clients: 36,
        users: 120,
        roles: 8,
        connections: 6,
        resource_servers: 5,
        client_grants: 12,
        organizations: 60,
        logs: 500,
    };
}

/// The records of a fake tenant, per endpoint name (`"clients"`, `"resource-servers"`, ...).
#[derive(Clone)]
pub struct Tenant {
    records: BTreeMap<String, Vec<Value>>,
    seed: u64,
    log_cursor: LogCursor,
    /// Log events made on demand instead of stored, see [`Tenant::synthesise_logs`].
    synthetic_logs: Option<Arc<SyntheticLogs>>,
}

impl Default for Tenant {
    fn default() -> Self {
        Self {
            records: BTreeMap::new(),
            seed: 0,
            log_cursor: LogCursor::start(),
            synthetic_logs: None,
        }
    }
}

impl Tenant {
    /// A tenant with no records.
    pub fn empty() -> Self {
        Self::default()
    }

    /// A deterministic tenant: the same sizes and seed always give the same records.
    pub fn generate(sizes: &Sizes, seed: u64) -> Self {
        let mut g = Gen::new(seed);
        let clients = apps::clients(&mut g, sizes.clients);
        let apis = apps::resource_servers(&mut g, sizes.resource_servers);
        let grants = apps::client_grants(&mut g, sizes.client_grants, &clients, &apis);
        let connections = apps::connections(&mut g, sizes.connections, &clients);
        let users = people::users(&mut g, sizes.users);
        let mut tenant = Self {
            seed,
            ..Self::default()
        };
        tenant.set("roles", people::roles(&mut g, sizes.roles));
        tenant.set(
            "organizations",
            people::organizations(&mut g, sizes.organizations),
        );
        tenant.set("clients", clients);
        tenant.set("resource-servers", apis);
        tenant.set("client-grants", grants);
        tenant.set("connections", connections);
        tenant.set("users", users);
        tenant.set("logs", Vec::new());
        tenant.append_logs(sizes.logs);
        // A few members each, so the child lists of a small tenant fit one or two pages.
        tenant.assign_members("roles", "users", |index| 2 + index % 5);
        tenant.assign_members("organizations", "members", |index| index % 4);
        tenant
    }

    /// Stores, for every record of `parent` (`"roles"`, `"organizations"`), a child list
    /// `{parent}/{id}/{child}` (`"users"`, `"members"`) of `count(index)` member records drawn
    /// from the tenant's users, replacing any there was: deterministic, so tests can compare
    /// an export with [`Tenant::records`] of each concrete path.
    pub fn assign_members(&mut self, parent: &str, child: &str, count: impl Fn(usize) -> usize) {
        let field = id_field(parent);
        let ids: Vec<String> = self
            .records(parent)
            .iter()
            .filter_map(|r| r.get(field).and_then(Value::as_str).map(str::to_owned))
            .collect();
        let lists = relations::members(&ids, self.records("users"), count);
        for (id, records) in lists {
            self.set(&format!("{parent}/{id}/{child}"), records);
        }
    }

    /// Whether `name` (a concrete child path, `roles/rol_1/users`) names a parent the tenant
    /// does not hold: its parent list is stored, the parent is not in it, and nothing is stored
    /// under the path itself. Auth0 answers such a request 404.
    pub fn parent_missing(&self, name: &str) -> bool {
        let Some(spec) = endpoints::lookup(name) else {
            return false;
        };
        let template: Vec<&str> = spec.name.split('/').collect();
        let Some(at) = template.iter().position(|s| s.starts_with('{')) else {
            return false;
        };
        let segments: Vec<&str> = endpoints::normalise(name).split('/').collect();
        let parent = segments[..at].join("/");
        if !self.records.contains_key(&parent)
            || self.records.contains_key(endpoints::normalise(name))
        {
            return false;
        }
        segments
            .get(at)
            .is_none_or(|id| self.find(&parent, id).is_none())
    }

    /// The demo tenant: [`Sizes::SAMPLE`] plus a few rules, hooks, actions, encryption keys,
    /// custom domains, the MFA policies and the active-user count. One client description starts with `=`, to show CSV neutralising.
    pub fn sample() -> Self {
        let mut tenant = Self::generate(&Sizes::SAMPLE, 2024);
        let mut g = Gen::new(2025);
        tenant.set("rules", extras::rules(&mut g, 3));
        tenant.set("hooks", extras::hooks(&mut g, 2));
        tenant.set("actions/actions", extras::actions(&mut g, 4));
        tenant.set("keys/encryption", extras::encryption_keys(&mut g, 3));
        tenant.set("custom-domains", extras::custom_domains(&mut g, 2));
        // Answers that are not lists of objects: a list of strings and a bare number.
        tenant.set("guardian/policies", vec![Value::from("all-applications")]);
        tenant.set("stats/active-users", vec![Value::from(87)]);
        if let Some(client) = tenant.records.get_mut("clients").and_then(|c| c.get_mut(5)) {
            client["description"] =
                Value::from("=HYPERLINK(\"https://example.com\",\"spreadsheet formula\")");
        }
        tenant
    }

    fn set(&mut self, endpoint: &str, records: Vec<Value>) {
        self.records
            .insert(endpoints::normalise(endpoint).to_owned(), records);
    }

    /// The records of an endpoint (`"clients"` or `"/api/v2/clients"`), empty if none.
    pub fn records(&self, endpoint: &str) -> &[Value] {
        self.records
            .get(endpoints::normalise(endpoint))
            .map_or(&[], Vec::as_slice)
    }

    /// The endpoints that hold a list (possibly empty).
    pub fn endpoints(&self) -> impl Iterator<Item = &str> {
        self.records.keys().map(String::as_str)
    }

    /// The record whose identity field (`client_id`, `user_id`, `id`, ...) is `id`.
    pub fn find(&self, endpoint: &str, id: &str) -> Option<&Value> {
        let field = id_field(endpoint);
        self.records(endpoint)
            .iter()
            .find(|r| r.get(field).and_then(Value::as_str) == Some(id))
    }

    /// Adds a record at the end of an endpoint's list.
    pub fn push(&mut self, endpoint: &str, record: Value) {
        self.records
            .entry(endpoints::normalise(endpoint).to_owned())
            .or_default()
            .push(record);
    }

    /// Removes the record with this identity; false if there was none.
    pub fn remove(&mut self, endpoint: &str, id: &str) -> bool {
        let field = id_field(endpoint);
        let Some(list) = self.records.get_mut(endpoints::normalise(endpoint)) else {
            return false;
        };
        let before = list.len();
        list.retain(|r| r.get(field).and_then(Value::as_str) != Some(id));
        let removed = list.len() != before;
        self.drop_children(endpoint, id);
        removed
    }

    /// Removes the child lists of parent `id` (`roles/rol_1/users`): they go with it, as in
    /// Auth0, whose child lists of a deleted parent answer 404.
    fn drop_children(&mut self, endpoint: &str, id: &str) {
        let under = format!("{}/{id}/", endpoints::normalise(endpoint));
        self.records.retain(|name, _| !name.starts_with(&under));
    }

    /// Removes the record at `index` of an endpoint's list, and its child lists; false if
    /// there is none.
    pub fn remove_at(&mut self, endpoint: &str, index: usize) -> bool {
        let field = id_field(endpoint);
        let removed = match self.records.get_mut(endpoints::normalise(endpoint)) {
            Some(list) if index < list.len() => list.remove(index),
            _ => return false,
        };
        if let Some(id) = removed.get(field).and_then(Value::as_str) {
            self.drop_children(endpoint, id);
        }
        true
    }

    /// Inserts at `index` a copy of the record there (or of the last one) with a new identity
    /// (`{identity}-new-{n}`); false if the list is empty.
    pub fn insert_copy_at(&mut self, endpoint: &str, index: usize) -> bool {
        let field = id_field(endpoint);
        let Some(list) = self.records.get_mut(endpoints::normalise(endpoint)) else {
            return false;
        };
        let Some(mut copy) = list.get(index).or(list.last()).cloned() else {
            return false;
        };
        let id = copy.get(field).and_then(Value::as_str).unwrap_or("record");
        let fresh = Value::from(format!("{id}-new-{}", list.len()));
        if let Some(object) = copy.as_object_mut() {
            object.insert(field.to_owned(), fresh);
        }
        list.insert(index.min(list.len()), copy);
        true
    }

    /// Sets a top-level field of the record with this identity; false if there is none.
    pub fn update(&mut self, endpoint: &str, id: &str, field: &str, value: Value) -> bool {
        let id_field = id_field(endpoint);
        let record = self
            .records
            .get_mut(endpoints::normalise(endpoint))
            .and_then(|list| {
                list.iter_mut()
                    .find(|r| r.get(id_field).and_then(Value::as_str) == Some(id))
            });
        match record.and_then(Value::as_object_mut) {
            Some(object) => {
                object.insert(field.to_owned(), value);
                true
            }
            None => false,
        }
    }

    /// Adds `n` log events, later and with larger `log_id`s than every event before.
    pub fn append_logs(&mut self, n: usize) {
        let context = LogContext::from_records(
            self.records("clients"),
            self.records("users"),
            self.records("connections"),
        );
        let mut g = Gen::new(self.seed ^ self.log_cursor.seq.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let events = logs::events(&mut g, &context, &mut self.log_cursor, n);
        self.records
            .entry("logs".to_owned())
            .or_default()
            .extend(events);
    }
}

impl Tenant {
    /// Serves `count` log events made on demand, instead of the stored ones, to the log stream
    /// (`/logs` with `take`/`from`): for benchmarks with millions of events, which would take
    /// gigabytes and minutes to store. They cycle through a few hundred generated events with
    /// their own dates (one a second) and growing `log_id`s; [`Tenant::records`] does not list
    /// them, and offset paging of `/logs` still serves the stored events.
    pub fn synthesise_logs(&mut self, count: usize) {
        let context = LogContext::from_records(
            self.records("clients"),
            self.records("users"),
            self.records("connections"),
        );
        self.synthetic_logs = Some(Arc::new(SyntheticLogs::new(self.seed, &context, count)));
    }

    /// The log events made on demand, if [`Tenant::synthesise_logs`] was called.
    pub(crate) fn synthetic_logs(&self) -> Option<Arc<SyntheticLogs>> {
        self.synthetic_logs.clone()
    }
}

fn id_field(endpoint: &str) -> &'static str {
    endpoints::lookup(endpoint).map_or("id", |spec| spec.id_field)
}

impl fmt::Debug for Tenant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let counts: BTreeMap<&str, usize> = self
            .records
            .iter()
            .map(|(k, v)| (k.as_str(), v.len()))
            .collect();
        f.debug_struct("Tenant")
            .field("records", &counts)
            .field("seed", &self.seed)
            .field(
                "synthetic_logs",
                &self.synthetic_logs.as_ref().map(|logs| logs.len()),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests;
