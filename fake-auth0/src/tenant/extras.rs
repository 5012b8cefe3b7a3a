//! The smaller lists only the sample tenant fills: rules, hooks, actions, encryption keys and
//! custom domains. Enough for each endpoint to answer with realistic records.

use serde_json::{Value, json};

use super::seeded::{Gen, iso};

/// `count` rules, in execution order.
pub(super) fn rules(g: &mut Gen, count: usize) -> Vec<Value> {
    let names = [
        "Add country to token",
        "Force MFA for admins",
        "Link accounts by email",
    ];
    (0..count)
        .map(|index| {
            json!({
                "id": format!("rul_{}", g.alnum(16)),
                "enabled": index != 2,
                "script": "function (user, context, callback) {\n  return callback(null, user, context);\n}",
                "name": names[index % names.len()],
                "order": index + 1,
                "stage": "login_success"
            })
        })
        .collect()
}

/// `count` hooks.
pub(super) fn hooks(g: &mut Gen, count: usize) -> Vec<Value> {
    let triggers = [
        "credentials-exchange",
        "pre-user-registration",
        "post-change-password",
    ];
    (0..count)
        .map(|index| {
            json!({
                "id": format!("01{}", g.digits(8)),
                "triggerId": triggers[index % triggers.len()],
                "name": format!("hook-{}", index + 1),
                "enabled": true,
                "script": "module.exports = function(client, scope, audience, context, cb) {\n  cb(null, {});\n};",
                "dependencies": {}
            })
        })
        .collect()
}

/// `count` actions; their `secrets` list names only, as Auth0 does.
pub(super) fn actions(g: &mut Gen, count: usize) -> Vec<Value> {
    let triggers = [
        "post-login",
        "credentials-exchange",
        "pre-user-registration",
    ];
    (0..count)
        .map(|index| {
            let created = iso(g.past(200));
            json!({
                "id": g.uuid(),
                "name": format!("action-{}", index + 1),
                "supported_triggers": [{ "id": triggers[index % triggers.len()], "version": "v3" }],
                "created_at": created,
                "updated_at": created,
                "code": "exports.onExecutePostLogin = async (event, api) => {};",
                "dependencies": [],
                "runtime": "node22",
                "status": "built",
                "secrets": [{ "name": "API_KEY", "updated_at": created }],
                "all_changes_deployed": true
            })
        })
        .collect()
}

/// `count` encryption keys: the tenant master key first.
pub(super) fn encryption_keys(g: &mut Gen, count: usize) -> Vec<Value> {
    let mut parent: Option<String> = None;
    (0..count)
        .map(|index| {
            let kid = g.uuid();
            let created = iso(g.past(300));
            let kind = if index == 0 {
                "tenant-master-key"
            } else {
                "tenant-encryption-key"
            };
            let record = json!({
                "kid": kid,
                "type": kind,
                "state": "active",
                "created_at": created,
                "updated_at": created,
                "parent_kid": parent,
            });
            if index == 0 {
                parent = Some(kid);
            }
            record
        })
        .collect()
}

/// `count` custom domains; the first is the primary one.
pub(super) fn custom_domains(g: &mut Gen, count: usize) -> Vec<Value> {
    (0..count)
        .map(|index| {
            let domain = format!("login{}.example.com", if index == 0 { String::new() } else { index.to_string() });
            json!({
                "custom_domain_id": format!("cd_{}", g.alnum(16)),
                "domain": domain,
                "primary": index == 0,
                "is_default": index == 0,
                "status": "ready",
                "type": "auth0_managed_certs",
                "verification": { "methods": [{ "name": "CNAME", "record": format!("{}.edge.tenants.auth0.com", g.alnum(12).to_lowercase()) }] },
                "tls_policy": "recommended",
                "domain_metadata": { "team": "identity" },
                "created_at": iso(g.past(100))
            })
        })
        .collect()
}
