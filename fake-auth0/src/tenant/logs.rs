//! Generated log events shaped like the recorded `/logs` bodies: 56-digit `log_id`s that grow
//! with time (so `from=<log_id>` has a meaning), ISO dates, types such as `s`, `fp`, `seccft`
//! and `sapi`, and the same keys as the recordings (`_id`, `details`, `isMobile`, ...).

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use super::apps::management_audience;
use super::seeded::{Gen, TENANT_DOMAIN, epoch, iso};

/// Where the next generated event goes: its sequence number and earliest date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct LogCursor {
    /// How many events were generated before (drives the low digits of `log_id`).
    pub seq: u64,
    /// The date of the previous event; the next one is later.
    pub at: Timestamp,
}

impl LogCursor {
    /// The cursor of a tenant without logs: a week before the generation epoch.
    pub(super) fn start() -> Self {
        Self {
            seq: 0,
            at: epoch() - SignedDuration::from_hours(24 * 7),
        }
    }
}

/// The records log events refer to.
#[derive(Debug, Default)]
pub(crate) struct LogContext {
    /// `(client_id, name)` of each client.
    pub clients: Vec<(String, String)>,
    /// `(user_id, username)` of each user.
    pub users: Vec<(String, String)>,
    /// `(name, id)` of the first database connection.
    pub connection: Option<(String, String)>,
}

impl LogContext {
    /// Collects the references from the tenant's clients, users and connections.
    pub(crate) fn from_records(clients: &[Value], users: &[Value], connections: &[Value]) -> Self {
        let pair = |record: &Value, id: &str, name: &str| {
            Some((
                record.get(id)?.as_str()?.to_owned(),
                record.get(name)?.as_str()?.to_owned(),
            ))
        };
        Self {
            clients: clients
                .iter()
                .filter_map(|c| pair(c, "client_id", "name"))
                .collect(),
            users: users
                .iter()
                .filter_map(|u| pair(u, "user_id", "email"))
                .collect(),
            connection: connections
                .iter()
                .filter(|c| c.get("strategy").and_then(Value::as_str) == Some("auth0"))
                .find_map(|c| pair(c, "name", "id")),
        }
    }
}

const KINDS: &[(&str, &str, u8)] = &[
    ("s", "", 35),
    ("seccft", "Client Credentials for Access Token", 20),
    ("sapi", "Update a client", 12),
    ("fp", "Wrong email or password.", 10),
    ("f", "Invalid username or password", 5),
    ("ss", "", 6),
    ("slo", "User successfully logged out.", 7),
    ("w", "Warnings During Login", 3),
    ("fn", "To: support@example.com", 2),
];

const AGENTS: &[&str] = &[
    "Chrome 124.0.0 / Mac OS X 10.15.7",
    "Firefox 125.0.0 / Windows 10.0.0",
    "Safari 17.4.1 / iOS 17.4.1",
    "Other 0.0.0 / Other 0.0.0",
];

/// `n` events after `cursor`, which moves past them.
pub(super) fn events(
    g: &mut Gen,
    context: &LogContext,
    cursor: &mut LogCursor,
    n: usize,
) -> Vec<Value> {
    (0..n).map(|_| event(g, context, cursor)).collect()
}

fn event(g: &mut Gen, context: &LogContext, cursor: &mut LogCursor) -> Value {
    let step = i64::try_from(g.int(1_000..=120_000)).unwrap_or(1_000);
    cursor.at += SignedDuration::from_millis(step);
    cursor.seq += 1;
    let log_id = log_id(cursor, g.int(0..=999));
    let (kind, description) = pick_kind(g);
    let client = pick_pair(g, &context.clients);
    let user = pick_pair(g, &context.users);
    let machine = kind == "seccft" || kind == "sapi";
    let with_user = !machine && kind != "fn";
    let (connection, connection_id) = match (&context.connection, with_user) {
        (Some((name, id)), true) => (json!(name), json!(id)),
        (None, true) => (json!("Username-Password-Authentication"), json!("")),
        _ => (Value::Null, json!("")),
    };
    let mut record = json!({
        "date": iso(cursor.at),
        "type": kind,
        "description": description,
        "connection": connection,
        "connection_id": connection_id,
        "organization_id": null,
        "organization_name": null,
        "client_id": client.0,
        "client_name": client.1,
        "ip": format!("203.0.113.{}", g.int(1..=254)),
        "hostname": TENANT_DOMAIN,
        "user_id": if with_user { user.0.clone() } else { String::new() },
        "user_name": if with_user { user.1.clone() } else { String::new() },
        "user_agent": *g.pick(AGENTS),
        "details": details(g, kind),
        "audience": if machine { json!(management_audience()) } else { Value::Null },
    });
    if kind == "seccft" {
        record["scope"] = json!("read:clients read:users read:logs");
    }
    let strategy = if with_user {
        json!("auth0")
    } else {
        Value::Null
    };
    let strategy_type = if with_user {
        json!("database")
    } else {
        Value::Null
    };
    let tail = json!({
        "strategy": strategy,
        "strategy_type": strategy_type,
        "isMobile": false,
        "location_info": null,
        "log_id": log_id,
        "_id": log_id,
    });
    if let (Some(target), Value::Object(source)) = (record.as_object_mut(), tail) {
        target.extend(source);
    }
    record
}

/// `900` + date to the millisecond + 3 digits + zeros + a 19-digit sequence: 56 digits that
/// sort in the order the events were generated.
fn log_id(cursor: &LogCursor, jitter: u64) -> String {
    let date_digits: String = iso(cursor.at)
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let sequence = 1_223_372_036_854_775_807_u64.saturating_add(cursor.seq);
    format!("900{date_digits}{jitter:03}{:014}{sequence:019}", 0)
}

fn pick_kind(g: &mut Gen) -> (&'static str, &'static str) {
    let total: u64 = KINDS.iter().map(|(_, _, weight)| u64::from(*weight)).sum();
    let mut roll = g.int(0..=total - 1);
    for (kind, description, weight) in KINDS {
        let weight = u64::from(*weight);
        if roll < weight {
            return (kind, description);
        }
        roll -= weight;
    }
    ("s", "")
}

fn pick_pair(g: &mut Gen, pairs: &[(String, String)]) -> (String, String) {
    if pairs.is_empty() {
        return (g.alnum(32), "Unknown application".to_owned());
    }
    g.pick(pairs).clone()
}

fn details(g: &mut Gen, kind: &str) -> Value {
    match kind {
        "s" | "ss" => {
            json!({ "prompts": [], "session_id": g.alnum(32), "elapsedTime": g.int(200..=4000) })
        }
        "fp" | "f" => json!({ "error": { "message": "Wrong email or password." } }),
        "sapi" => json!({
            "request": { "method": "patch", "path": format!("/api/v2/clients/{}", g.alnum(32)), "channel": "api" },
            "response": { "statusCode": 200 }
        }),
        "fn" => {
            json!({ "email_type": "verify_email", "error": "the domain is blacklisted", "to": "support@example.com" })
        }
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_ids_have_56_digits_and_grow() {
        let mut g = Gen::new(3);
        let mut cursor = LogCursor::start();
        let logs = events(&mut g, &LogContext::default(), &mut cursor, 50);
        let ids: Vec<&str> = logs.iter().filter_map(|l| l["log_id"].as_str()).collect();
        assert_eq!(ids.len(), 50);
        assert!(
            ids.iter()
                .all(|id| id.len() == 56 && id.bytes().all(|b| b.is_ascii_digit()))
        );
        assert!(ids.windows(2).all(|pair| pair[0] < pair[1]));
        assert_eq!(cursor.seq, 50);
    }
}
