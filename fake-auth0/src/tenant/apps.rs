//! Generated applications and APIs: clients (with `client_secret` and `signing_keys`, so
//! redaction can be tested, and a `refresh_token` policy, which it must keep), resource servers,
//! client grants and connections (a social one carries `options.client_secret`; database ones
//! `options.authentication_methods.password`, a setting). Field names and order follow the
//! recordings.

use serde_json::{Value, json};

use super::seeded::{Gen, TENANT_DOMAIN, numbered};

const APP_NAMES: &[&str] = &[
    "Customer Portal",
    "Billing Service",
    "Mobile App (iOS)",
    "Mobile App (Android)",
    "Admin Dashboard",
    "Reporting Worker",
    "Partner API Gateway",
    "Marketing Site",
    "Support Desk",
    "Data Export Job",
    "Inventory Sync",
    "Checkout SPA",
];

const APP_TYPES: &[&str] = &["regular_web", "spa", "native", "non_interactive"];

/// The identifier of the Management API resource server.
pub(super) fn management_audience() -> String {
    format!("https://{TENANT_DOMAIN}/api/v2/")
}

/// `count` clients; every fourth is a machine-to-machine application.
pub(super) fn clients(g: &mut Gen, count: usize) -> Vec<Value> {
    (0..count).map(|index| client(g, index)).collect()
}

fn client(g: &mut Gen, index: usize) -> Value {
    let name = numbered(APP_NAMES, index);
    let app_type = APP_TYPES[index % APP_TYPES.len()];
    let slug = name
        .to_lowercase()
        .replace(|c: char| !c.is_ascii_alphanumeric(), "-");
    let web = matches!(app_type, "regular_web" | "spa");
    let urls = |path: &str| {
        if web {
            json!([format!("https://{slug}.example.com{path}")])
        } else {
            json!([])
        }
    };
    let mut record = json!({ "name": name });
    if g.chance(70) {
        record["description"] = json!(format!("{name} ({app_type})"));
    }
    let fields = json!({
        "client_id": g.alnum(32),
        "client_secret": g.secret(),
        "app_type": app_type,
        "is_first_party": true,
        "is_token_endpoint_ip_header_trusted": false,
        "oidc_conformant": true,
        "callbacks": urls("/callback"),
        "allowed_origins": urls(""),
        "web_origins": urls(""),
        "client_aliases": [],
        "allowed_clients": [],
        "allowed_logout_urls": urls("/logout"),
        "jwt_configuration": { "secret_encoded": false, "alg": "RS256", "lifetime_in_seconds": 36000 },
        "signing_keys": [signing_key(g)],
        "sso": false,
        "sso_disabled": false,
        "cross_origin_authentication": false,
        "grant_types": grant_types(app_type),
        "custom_login_page_on": true,
        "token_endpoint_auth_method": if app_type == "spa" || app_type == "native" { "none" } else { "client_secret_post" },
        "refresh_token": {
            "rotation_type": "non-rotating", "expiration_type": "non-expiring", "leeway": 0,
            "token_lifetime": 2_592_000, "infinite_token_lifetime": true,
            "infinite_idle_token_lifetime": true, "idle_token_lifetime": 1_296_000
        },
        "require_pushed_authorization_requests": false,
        "require_proof_of_possession": false,
    });
    merge(&mut record, fields);
    record
}

fn signing_key(g: &mut Gen) -> Value {
    let body: String = g.alnum(64);
    json!({
        "cert": format!("-----BEGIN CERTIFICATE-----\r\nMIIDHTCCAgWgAwIBAgIJ{body}\r\n-----END CERTIFICATE-----\r\n"),
        "pkcs7": format!("-----BEGIN PKCS7-----\r\nMIIDTQYJKoZIhvcNAQcCoIIDPjCCAzoCAQExADALBgkq{body}\r\n-----END PKCS7-----\r\n"),
        "subject": "deprecated"
    })
}

fn grant_types(app_type: &str) -> Value {
    match app_type {
        "non_interactive" => json!(["client_credentials"]),
        "spa" => json!(["authorization_code", "implicit", "refresh_token"]),
        _ => json!([
            "authorization_code",
            "implicit",
            "refresh_token",
            "client_credentials"
        ]),
    }
}

/// Appends the fields of `extra` (an object) to `record` (an object), keeping their order.
pub(super) fn merge(record: &mut Value, extra: Value) {
    if let (Some(target), Value::Object(source)) = (record.as_object_mut(), extra) {
        target.extend(source);
    }
}

const API_NAMES: &[&str] = &[
    "Orders API",
    "Billing API",
    "Catalog API",
    "Reports API",
    "Messaging API",
];

/// `count` resource servers; the first is the Management API itself.
pub(super) fn resource_servers(g: &mut Gen, count: usize) -> Vec<Value> {
    (0..count)
        .map(|index| {
            let (name, identifier) = if index == 0 {
                ("Auth0 Management API".to_owned(), management_audience())
            } else {
                let name = numbered(API_NAMES, index - 1);
                let slug = name.to_lowercase().replace(' ', "-");
                (name, format!("https://api.example.com/{slug}"))
            };
            json!({
                "id": g.hex(24),
                "name": name,
                "identifier": identifier,
                "scopes": [
                    { "value": "read:items", "description": "Read items" },
                    { "value": "write:items", "description": "Write items" }
                ],
                "signing_alg": "RS256",
                "allow_offline_access": index % 2 == 1,
                "token_lifetime": 86400,
                "token_lifetime_for_web": 7200,
                "skip_consent_for_verifiable_first_party_clients": true,
                "enforce_policies": false,
                "token_dialect": "access_token",
                "subject_type_authorization": {
                    "user": { "policy": "allow_all" },
                    "client": { "policy": "require_client_grant" }
                }
            })
        })
        .collect()
}

/// `count` client grants from the clients to the resource servers; a few are system grants.
pub(super) fn client_grants(
    g: &mut Gen,
    count: usize,
    clients: &[Value],
    apis: &[Value],
) -> Vec<Value> {
    let field = |records: &[Value], index: usize, name: &str| {
        records
            .get(index % records.len().max(1))
            .and_then(|r| r.get(name))
            .cloned()
    };
    (0..count)
        .map(|index| {
            let client_id =
                field(clients, index, "client_id").unwrap_or_else(|| json!(g.alnum(32)));
            let audience =
                field(apis, index, "identifier").unwrap_or_else(|| json!(management_audience()));
            let scope = &["read:items", "read:clients", "read:users"][..1 + index % 3];
            let mut record = json!({
                "id": format!("cgr_{}", g.alnum(16)),
                "client_id": client_id,
                "audience": audience,
                "scope": scope,
            });
            if index % 5 == 4 {
                record["is_system"] = json!(true);
            }
            record["subject_type"] = json!("client");
            record
        })
        .collect()
}

/// `count` connections: the default database, then social, passwordless and enterprise ones.
pub(super) fn connections(g: &mut Gen, count: usize, clients: &[Value]) -> Vec<Value> {
    let enabled: Vec<Value> = clients
        .iter()
        .filter_map(|c| c.get("client_id").cloned())
        .take(8)
        .collect();
    (0..count)
        .map(|index| {
            let (strategy, name, options) = connection_kind(g, index);
            json!({
                "id": format!("con_{}", g.alnum(16)),
                "options": options,
                "strategy": strategy,
                "name": name,
                "is_domain_connection": false,
                "authentication": { "active": true },
                "connected_accounts": { "active": false },
                "realms": [name],
                "enabled_clients": enabled,
            })
        })
        .collect()
}

fn connection_kind(g: &mut Gen, index: usize) -> (&'static str, String, Value) {
    let database = json!({
        "mfa": { "active": true, "return_enroll_settings": true },
        "passwordPolicy": "good",
        "authentication_methods": {
            "passkey": { "enabled": false },
            "password": { "enabled": true, "api_behavior": "required", "signup_behavior": "allow" }
        },
        "strategy_version": 2,
        "brute_force_protection": true,
        "disable_self_service_change_password": false
    });
    match index {
        0 => (
            "auth0",
            "Username-Password-Authentication".to_owned(),
            database,
        ),
        1 => (
            "google-oauth2",
            "google-oauth2".to_owned(),
            json!({
                "client_id": format!("{}-{}.apps.googleusercontent.com", g.digits(12), g.alnum(32).to_lowercase()),
                "client_secret": format!("GOCSPX-{}", g.alnum(28)),
                "email": true, "profile": true, "scope": ["email", "profile"]
            }),
        ),
        2 => (
            "github",
            "github".to_owned(),
            json!({
                "client_id": g.hex(20), "client_secret": g.hex(40), "email": true, "scope": ["user:email"]
            }),
        ),
        3 => (
            "email",
            "email".to_owned(),
            json!({
                "email": { "syntax": "liquid", "from": "no-reply@example.com", "subject": "Your code" },
                "totp": { "length": 6, "time_step": 180 }, "brute_force_protection": true
            }),
        ),
        4 => (
            "samlp",
            "acme-saml".to_owned(),
            json!({
                "signInEndpoint": "https://idp.acme.example.com/saml", "signatureAlgorithm": "rsa-sha256",
                "digestAlgorithm": "sha256", "domain_aliases": ["acme.example.com"]
            }),
        ),
        n => ("auth0", format!("database-{}", n - 3), database),
    }
}
