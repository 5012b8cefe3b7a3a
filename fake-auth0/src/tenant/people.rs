//! Generated people and groups: users (database and Google accounts, `auth0|…` and
//! `google-oauth2|…` ids), roles (`rol_…`) and organizations (`org_…`).

use serde_json::{Value, json};

use super::seeded::{Gen, iso, numbered};

const GIVEN: &[&str] = &[
    "Ada",
    "Grace",
    "Alan",
    "Edsger",
    "Barbara",
    "Donald",
    "Frances",
    "Ken",
    "Margaret",
    "Dennis",
    "Radia",
    "John",
    "Katherine",
    "Linus",
    "Hedy",
    "Tim",
    "Sophie",
    "Guido",
];
const FAMILY: &[&str] = &[
    "Lovelace",
    "Hopper",
    "Turing",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Allen",
    "Thompson",
    "Hamilton",
    "Ritchie",
    "Perlman",
    "McCarthy",
    "Johnson",
    "Torvalds",
    "Lamarr",
    "Berners-Lee",
    "Wilson",
    "van Rossum",
];

/// `count` users; about one in six signs in with Google, a few are blocked.
pub(super) fn users(g: &mut Gen, count: usize) -> Vec<Value> {
    (0..count).map(|index| user(g, index)).collect()
}

fn user(g: &mut Gen, index: usize) -> Value {
    let given = *g.pick(GIVEN);
    let family = *g.pick(FAMILY);
    let local = format!(
        "{}.{}{}",
        given.to_lowercase(),
        family.to_lowercase().replace(' ', ""),
        index + 1
    );
    let email = format!("{local}@example.com");
    let social = index % 6 == 5;
    let (provider, connection, raw_id) = if social {
        ("google-oauth2", "google-oauth2", g.digits(21))
    } else {
        ("auth0", "Username-Password-Authentication", g.hex(24))
    };
    let created_at = g.past(400);
    let updated_at = created_at
        + jiff::SignedDuration::from_secs(i64::try_from(g.int(0..=3_000_000)).unwrap_or(0));
    json!({
        "blocked": index % 37 == 36,
        "created_at": iso(created_at),
        "email": email,
        "email_verified": social || g.chance(80),
        "family_name": family,
        "given_name": given,
        "identities": [{
            "connection": connection,
            "user_id": raw_id,
            "provider": provider,
            "isSocial": social
        }],
        "name": format!("{given} {family}"),
        "nickname": local,
        "picture": format!("https://s.gravatar.com/avatar/{}?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2F{}.png", g.hex(32), initials(given, family)),
        "updated_at": iso(updated_at),
        "user_id": format!("{provider}|{raw_id}"),
        "user_metadata": { "locale": *g.pick(&["en", "fr", "de", "es"]) },
        "username": format!("user{}", index + 1),
        "app_metadata": { "plan": *g.pick(&["free", "pro", "enterprise"]) }
    })
}

fn initials(given: &str, family: &str) -> String {
    given
        .chars()
        .take(1)
        .chain(family.chars().take(1))
        .collect::<String>()
        .to_lowercase()
}

const ROLES: &[(&str, &str)] = &[
    ("admin", "Full access to the tenant"),
    ("editor", "Can change content"),
    ("viewer", "Read-only access"),
    ("billing-admin", "Manages invoices and plans"),
    ("support-agent", "Answers customer tickets"),
    ("auditor", "Reads logs and reports"),
    ("developer", "Deploys applications"),
    ("partner", "External partner access"),
];

/// `count` roles.
pub(super) fn roles(g: &mut Gen, count: usize) -> Vec<Value> {
    let names: Vec<&str> = ROLES.iter().map(|(name, _)| *name).collect();
    (0..count)
        .map(|index| {
            json!({
                "id": format!("rol_{}", g.alnum(16)),
                "name": numbered(&names, index),
                "description": ROLES[index % ROLES.len()].1,
            })
        })
        .collect()
}

const COMPANIES: &[&str] = &[
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Stark Industries",
    "Wayne Enterprises",
    "Tyrell",
    "Cyberdyne",
    "Soylent",
    "Wonka",
    "Aperture",
    "Black Mesa",
    "Vandelay",
    "Pied Piper",
];

/// `count` organizations.
pub(super) fn organizations(g: &mut Gen, count: usize) -> Vec<Value> {
    (0..count)
        .map(|index| {
            let display = numbered(COMPANIES, index);
            let name = display.to_lowercase().replace(' ', "-");
            json!({
                "id": format!("org_{}", g.alnum(16)),
                "name": name,
                "display_name": display,
                "branding": {
                    "logo_url": format!("https://cdn.example.com/logos/{name}.png"),
                    "colors": { "primary": format!("#{}", g.hex(6)), "page_background": "#ffffff" }
                }
            })
        })
        .collect()
}
