//! A started fake with a token and an HTTP client, and a reply type that keeps status,
//! headers and the parsed body together.

use fake_auth0::{Config, FakeAuth0, Sizes, Tenant};
use reqwest::header::HeaderMap;
use serde_json::Value;

pub(crate) const CLIENT_ID: &str = "test-client";
pub(crate) const CLIENT_SECRET: &str = "test-secret";

/// A config for the test client over a generated tenant.
pub(crate) fn config(sizes: Sizes) -> Config {
    Config::new(CLIENT_ID, CLIENT_SECRET, Tenant::generate(&sizes, 42))
}

pub(crate) struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub(crate) fn keys(&self) -> Vec<String> {
        keys(&self.body)
    }

    pub(crate) fn items(&self, key: &str) -> Vec<Value> {
        self.body[key].as_array().cloned().unwrap_or_default()
    }
}

pub(crate) fn keys(value: &Value) -> Vec<String> {
    value
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

pub(crate) struct Session {
    pub fake: FakeAuth0,
    pub http: reqwest::Client,
    pub token: String,
}

impl Session {
    pub(crate) async fn start(config: Config) -> Self {
        let fake = fake_auth0::start(config).await.expect("the fake starts");
        let http = reqwest::Client::new();
        let mut session = Self {
            fake,
            http,
            token: String::new(),
        };
        session.token = session.new_token().await;
        session
    }

    pub(crate) async fn token_reply(&self, form: &[(&str, &str)]) -> Reply {
        let url = format!("{}/oauth/token", self.fake.base_url());
        reply(
            self.http
                .post(url)
                .form(form)
                .send()
                .await
                .expect("token request"),
        )
        .await
    }

    pub(crate) async fn new_token(&self) -> String {
        let audience = self.fake.audience();
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("audience", audience.as_str()),
        ];
        let answer = self.token_reply(&form).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}/api/v2/{path}", self.fake.base_url())
    }

    pub(crate) async fn get(&self, path: &str, query: &[(&str, &str)]) -> Reply {
        self.get_with(&self.token, path, query).await
    }

    pub(crate) async fn get_with(&self, token: &str, path: &str, query: &[(&str, &str)]) -> Reply {
        let request = self
            .http
            .get(self.url(path))
            .query(query)
            .bearer_auth(token);
        reply(request.send().await.expect("api request")).await
    }

    /// A GET with the query string exactly as given (no encoding by the client).
    pub(crate) async fn get_raw(&self, path_and_query: &str) -> Reply {
        let url = format!("{}/api/v2/{path_and_query}", self.fake.base_url());
        reply(
            self.http
                .get(url)
                .bearer_auth(&self.token)
                .send()
                .await
                .expect("api request"),
        )
        .await
    }
}

pub(crate) async fn reply(response: reqwest::Response) -> Reply {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("a complete body");
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Reply {
        status,
        headers,
        body,
    }
}

/// The Auth0 error keys: statusCode, error, message and an optional errorCode.
pub(crate) fn assert_auth0_error(reply: &Reply, status: u16) {
    assert_eq!(reply.status, status, "{}", reply.body);
    let keys = reply.keys();
    assert!(
        keys.starts_with(&["statusCode".into(), "error".into(), "message".into()]),
        "{keys:?}"
    );
    assert!(keys.len() == 3 || keys[3] == "errorCode", "{keys:?}");
    assert_eq!(reply.body["statusCode"], status);
    assert_eq!(
        reply.header("content-type"),
        Some("application/json; charset=utf-8")
    );
}
