//! A tenant that only replays: one recorded cassette (go-vcr v3, read with fake-auth0's
//! `recordings` loader) served on loopback, so a0snap can be run against what Auth0 really
//! answered. It is test support: it never invents an answer (an unrecorded request gets a 404
//! that says what was asked and what is recorded), and it changes nothing in a recorded body
//! but the secrets planted where the recorders wrote `"[REDACTED]"` (see [`plant`]).
//!
//! Matching (the whole query, not only the cursor, so a job's `params` are checked too):
//! - `POST /oauth/token` gets the recorded client-credentials token
//!   (`go-auth0/authentication/TestLoginWithClientCredentials/Should_return_tokens.yaml`);
//! - a `GET` gets the first recorded answer with the same method, the same percent-decoded
//!   path and the same query as a multiset of decoded `name=value` pairs, in any order. `page=0`
//!   counts as absent on both sides: Auth0 documents `page` as "page index of the results to
//!   return; first page is 0" (<https://auth0.com/docs/api/management/v2/clients/get-clients>),
//!   and go-auth0 leaves it out on the first page where a0snap writes it;
//! - request pairs the caller lists in `ignore` (name and value, per cassette, each with its
//!   reason in the test) are dropped from the request before comparing.

use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Body;
use axum::http::{Method, StatusCode, Uri, header};
use axum::response::Response;

use crate::recordings::{self, Recorded};

/// The cassette whose token answer every replay serves.
const TOKEN_CASSETTE: &str =
    "go-auth0/authentication/TestLoginWithClientCredentials/Should_return_tokens.yaml";

/// What the recorders wrote in place of a secret.
const RECORDED_SECRET: &str = "\"[REDACTED]\"";

/// The prefix of a planted secret; each is numbered, so every one is distinct.
pub(crate) const PLANTED: &str = "planted-secret-";

/// One request the replay received and what it answered.
#[derive(Debug, Clone)]
pub(crate) struct Served {
    /// `GET`, `POST`.
    pub method: String,
    /// The path as sent (percent-encoded).
    pub path: String,
    /// The query as sent (percent-encoded), without `?`.
    pub query: String,
    /// The index in [`Replay::interactions`] of the answer given; `None` for a 404.
    pub answer: Option<usize>,
}

struct State {
    interactions: Vec<Recorded>,
    token: Recorded,
    ignore: Vec<(String, String)>,
    served: Mutex<Vec<Served>>,
}

/// A running replay on `http://127.0.0.1:PORT`; stops when dropped.
pub(crate) struct Replay {
    state: Arc<State>,
    base_url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Replay {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Replay {
    /// Serves `cassette` (a path below `fixtures/auth0-recordings`), dropping the `ignore`d
    /// (name, value) pairs from every request before matching.
    pub(crate) async fn start(cassette: &str, ignore: &[(&str, &str)]) -> Self {
        let mut interactions = recordings::load_file(cassette);
        let mut planted = 0;
        for interaction in &mut interactions {
            interaction.raw_body = plant(&interaction.raw_body, &mut planted);
            interaction.body = serde_json::from_str(&interaction.raw_body).expect("planted JSON");
        }
        let token = recordings::load_file(TOKEN_CASSETTE)
            .into_iter()
            .find(|r| r.method == "POST" && r.path == "/oauth/token" && r.code == 200)
            .expect("a recorded token answer");
        let state = Arc::new(State {
            interactions,
            token,
            ignore: ignore
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                .collect(),
            served: Mutex::new(Vec::new()),
        });
        let app = Router::new().fallback({
            let state = state.clone();
            move |method: Method, uri: Uri| {
                let state = state.clone();
                async move { answer(&state, &method, &uri) }
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let port = listener.local_addr().expect("local addr").port();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serve");
        });
        Self {
            state,
            base_url: format!("http://127.0.0.1:{port}"),
            task,
        }
    }

    /// `http://127.0.0.1:PORT`, for `AUTH0_DOMAIN`.
    pub(crate) fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The cassette's exchanges with JSON bodies, in recorded order, secrets planted.
    pub(crate) fn interactions(&self) -> &[Recorded] {
        &self.state.interactions
    }

    /// Every Management API request received so far (token requests left out), in order.
    pub(crate) fn served(&self) -> Vec<Served> {
        lock(&self.state.served)
            .iter()
            .filter(|served| served.path.starts_with("/api/v2/"))
            .cloned()
            .collect()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn answer(state: &State, method: &Method, uri: &Uri) -> Response {
    let path = uri.path();
    let query = uri.query().unwrap_or_default();
    let found = if method == Method::POST && path == "/oauth/token" {
        Some(&state.token)
    } else {
        None
    };
    let index = (method == Method::GET)
        .then(|| {
            let asked = comparable(query, &state.ignore);
            state.interactions.iter().position(|recorded| {
                recorded.method == "GET"
                    && decode(&recorded.path) == decode(path)
                    && comparable(&recorded.query, &[]) == asked
            })
        })
        .flatten();
    lock(&state.served).push(Served {
        method: method.to_string(),
        path: path.to_owned(),
        query: query.to_owned(),
        answer: index,
    });
    let Some(recorded) = found.or_else(|| index.map(|i| &state.interactions[i])) else {
        return unrecorded(state, method, path, query);
    };
    Response::builder()
        .status(recorded.code)
        .header(header::CONTENT_TYPE, recorded.content_type.as_str())
        .body(Body::from(recorded.raw_body.clone()))
        .expect("response")
}

/// A 404 in Auth0's error shape whose message names the request and every recorded query of
/// the same path, so a failing test says which parameter differs.
fn unrecorded(state: &State, method: &Method, path: &str, query: &str) -> Response {
    let recorded: Vec<&str> = state
        .interactions
        .iter()
        .filter(|r| r.method == method.as_str() && decode(&r.path) == decode(path))
        .map(|r| r.query.as_str())
        .collect();
    let message = format!(
        "replay: no recorded answer for {method} {path}?{query} (compared as {:?}); recorded \
         queries for this path: {recorded:?}",
        comparable(query, &state.ignore)
    );
    let body = serde_json::json!({
        "statusCode": 404,
        "error": "Not Found",
        "message": message,
        "errorCode": "replay_unrecorded",
    });
    Response::builder()
        .status(StatusCode::NOT_FOUND)
        .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
        .body(Body::from(body.to_string()))
        .expect("response")
}

/// The query as sorted decoded pairs, without `page=0` and without the `ignore`d pairs.
pub(crate) fn comparable(query: &str, ignore: &[(String, String)]) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .filter(|(name, value)| !(name == "page" && value == "0"))
        .filter(|pair| !ignore.contains(pair))
        .collect();
    pairs.sort();
    pairs
}

/// Percent-decodes a path (`%7C` to `|`), leaving `+` alone as paths do.
fn decode(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The recorded body with each `"[REDACTED]"` the recorders wrote replaced by a distinct
/// `"planted-secret-N"`: the recorders had already hidden those secrets, so a snapshot could
/// not otherwise show whether a0snap hides them. The only change a replay makes to a body.
pub(crate) fn plant(raw: &str, planted: &mut usize) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find(RECORDED_SECRET) {
        *planted += 1;
        out.push_str(&rest[..at]);
        out.push_str(&format!("\"{PLANTED}{planted}\""));
        rest = &rest[at + RECORDED_SECRET.len()..];
    }
    out.push_str(rest);
    out
}
