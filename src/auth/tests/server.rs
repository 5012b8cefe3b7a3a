//! A tiny `/oauth/token` on 127.0.0.1:0 that counts requests and plays scripted answers, so
//! the exchange and the cache are tested over real loopback HTTP.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Form, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use url::Url;

/// One scripted answer; when the script is empty the server issues a token.
#[derive(Clone)]
pub(super) enum Reply {
    /// A status with headers and a body.
    Status {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: String,
    },
    /// Wait this long before issuing a token (to provoke a client timeout).
    Stall(Duration),
}

impl Reply {
    /// An OAuth error answer.
    pub(super) fn oauth_error(status: u16, error: &str, description: &str) -> Self {
        let body = serde_json::json!({"error": error, "error_description": description});
        Reply::Status {
            status,
            headers: vec![("content-type", "application/json".into())],
            body: body.to_string(),
        }
    }

    /// A bare status, optionally with `Retry-After`.
    pub(super) fn status(status: u16, retry_after: Option<&str>) -> Self {
        let headers = retry_after
            .map(|value| vec![("retry-after", value.to_owned())])
            .unwrap_or_default();
        Reply::Status {
            status,
            headers,
            body: String::new(),
        }
    }
}

#[derive(Default)]
struct Shared {
    /// Token requests received.
    requests: AtomicUsize,
    /// Answers to play, in order, before issuing tokens.
    script: Mutex<VecDeque<Reply>>,
    /// The forms received.
    forms: Mutex<Vec<HashMap<String, String>>>,
    /// How long each token answer takes (so concurrent callers overlap).
    delay: Mutex<Duration>,
    /// The `expires_in` of issued tokens.
    expires_in: Mutex<u64>,
}

/// A running fake token endpoint; stops when dropped.
pub(super) struct TokenServer {
    /// `http://127.0.0.1:PORT/`.
    pub base_url: Url,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl TokenServer {
    /// Starts a server issuing 24-hour tokens after a 50 ms delay.
    pub(super) async fn start() -> Self {
        let shared = Arc::new(Shared::default());
        *lock(&shared.delay) = Duration::from_millis(50);
        *lock(&shared.expires_in) = 86_400;
        let app = Router::new()
            .route("/oauth/token", post(token))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let port = listener.local_addr().expect("local addr").port();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serve");
        });
        let base_url = Url::parse(&format!("http://127.0.0.1:{port}/")).expect("url");
        Self {
            base_url,
            shared,
            task,
        }
    }

    /// Queues answers to give before issuing tokens again.
    pub(super) fn script(&self, replies: impl IntoIterator<Item = Reply>) {
        lock(&self.shared.script).extend(replies);
    }

    /// Sets the `expires_in` of issued tokens.
    pub(super) fn set_expires_in(&self, seconds: u64) {
        *lock(&self.shared.expires_in) = seconds;
    }

    /// How many token requests arrived.
    pub(super) fn requests(&self) -> usize {
        self.shared.requests.load(Ordering::SeqCst)
    }

    /// The last form received.
    pub(super) fn last_form(&self) -> HashMap<String, String> {
        lock(&self.shared.forms).last().cloned().unwrap_or_default()
    }
}

impl Drop for TokenServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

async fn token(
    State(shared): State<Arc<Shared>>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let number = shared.requests.fetch_add(1, Ordering::SeqCst) + 1;
    lock(&shared.forms).push(form);
    let reply = lock(&shared.script).pop_front();
    let delay = *lock(&shared.delay);
    match reply {
        Some(Reply::Status {
            status,
            headers,
            body,
        }) => {
            // Errors take as long as tokens, so concurrent callers overlap with them too.
            tokio::time::sleep(delay).await;
            let mut response =
                (StatusCode::from_u16(status).expect("status"), body).into_response();
            for (name, value) in headers {
                response.headers_mut().insert(
                    HeaderName::from_static(name),
                    HeaderValue::from_str(&value).expect("header"),
                );
            }
            response
        }
        Some(Reply::Stall(wait)) => {
            tokio::time::sleep(wait).await;
            issue(&shared, number)
        }
        None => {
            tokio::time::sleep(delay).await;
            issue(&shared, number)
        }
    }
}

fn issue(shared: &Shared, number: usize) -> Response {
    let expires_in = *lock(&shared.expires_in);
    Json(serde_json::json!({
        "access_token": format!("issued-token-{number}"),
        "expires_in": expires_in,
        "token_type": "Bearer",
        "scope": "read:users read:clients",
    }))
    .into_response()
}
