//! A real S3 server for the tests: moto's server mode (`moto_server`, from PyPI, `.ci/run`
//! installs it) on a free loopback port with one bucket, plus the tests' own client to look
//! into it. a0snap reaches it through [`S3Server::env`], as a user would reach MinIO.
//!
//! [`S3Server::start_with_iam`] turns on moto's IAM enforcement: every request must then be
//! signed by a key moto issued, and is checked against that user's policy. The harness makes an
//! `admin` user (`s3:*`, used by the tests' client), a `reader` user that may only list and
//! read the bucket and a `writer` that may not list, for the "access denied" cases.
//!
//! When `moto_server` is not installed, [`S3Server::start`] prints `SKIPPED: …` and returns
//! `None`; the test then returns early, as the `faketime` tests do.

use std::sync::Arc;
use std::time::Duration;

use object_store::aws::{AmazonS3, AmazonS3Builder};

use super::bucket::{Bucket, test_retries};
use super::local_server::{LocalServer, find_program};

mod iam;
mod uploads;

use iam::Restricted;

/// The bucket every server starts with.
pub(crate) const BUCKET: &str = "a0snap-test";
/// A bucket name no server has, for the "bucket missing" cases.
pub(crate) const MISSING_BUCKET: &str = "a0snap-missing";
/// The region moto answers for, and the one a0snap is told.
pub(crate) const REGION: &str = "us-east-1";
/// The access key a0snap and the tests use when IAM is not enforced (moto then accepts any).
const OPEN_ACCESS_KEY_ID: &str = "AKIAA0SNAPTESTKEY";
/// The matching secret, distinctive enough to search for in captured output.
const OPEN_SECRET_ACCESS_KEY: &str = "s3-test-secret-Rk7mQ2vXw9Lp";

/// Pins of the PyPI install, for the message when it is missing.
const INSTALL_HINT: &str =
    "install it with `pip install 'moto[server]==5.2.5'`, as .ci/run does into target/ci-tools";

/// An access key pair moto accepts.
#[derive(Clone)]
pub(crate) struct Credentials {
    /// `AWS_ACCESS_KEY_ID`
    pub access_key_id: String,
    /// `AWS_SECRET_ACCESS_KEY`
    pub secret_access_key: String,
}

/// The key id only, so that a failing assertion never prints a secret the test then searches
/// a0snap's output for.
impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// A running moto S3 server with [`BUCKET`] created; stopped on drop.
pub(crate) struct S3Server {
    /// The `moto_server` process.
    server: LocalServer,
    /// Full access: any key without IAM, the `admin` user's with it.
    admin: Credentials,
    /// The `reader` (list and read [`BUCKET`]) and `writer` (put, read and delete in it, but
    /// not list) users, when IAM is enforced.
    restricted: Option<Restricted>,
    /// The tests' view of [`BUCKET`], with [`Self::admin`]'s key.
    bucket: Bucket,
}

impl S3Server {
    /// Starts moto with [`BUCKET`] and no access control (any key is accepted), or prints
    /// `SKIPPED: …` and returns `None` when `moto_server` is not installed.
    pub(crate) async fn start() -> Option<Self> {
        let server = start_moto().await?;
        create_bucket(&server, BUCKET).await;
        let admin = Credentials {
            access_key_id: OPEN_ACCESS_KEY_ID.into(),
            secret_access_key: OPEN_SECRET_ACCESS_KEY.into(),
        };
        Some(Self::with(server, admin, None))
    }

    fn with(server: LocalServer, admin: Credentials, restricted: Option<Restricted>) -> Self {
        let bucket = Bucket::new(Arc::new(client(&server.base_url(), BUCKET, &admin)));
        Self {
            server,
            admin,
            restricted,
            bucket,
        }
    }

    /// `http://127.0.0.1:{port}`, the value of `AWS_ENDPOINT_URL`.
    pub(crate) fn endpoint(&self) -> String {
        self.server.base_url()
    }

    /// `s3://a0snap-test/{prefix}`, the value of `A0SNAP_OUTPUT_DIR`.
    pub(crate) fn url(&self, prefix: &str) -> String {
        format!("s3://{BUCKET}/{prefix}")
    }

    /// `s3://a0snap-missing/{prefix}`: a bucket this server does not have.
    pub(crate) fn missing_bucket_url(&self, prefix: &str) -> String {
        format!("s3://{MISSING_BUCKET}/{prefix}")
    }

    /// The environment a0snap needs to reach this server with full access: endpoint, key and
    /// region. No `AWS_ALLOW_HTTP`: a0snap allows plain HTTP to a loopback endpoint by itself.
    pub(crate) fn env(&self) -> Vec<(String, String)> {
        self.env_for(&self.admin)
    }

    /// [`Self::env`] plus `A0SNAP_OUTPUT_DIR` = [`Self::url`]`(prefix)`: what a test adds to a
    /// world's environment (`world.a0snap_with(&["run"], &pairs(&s3.output_env("out")))`).
    pub(crate) fn output_env(&self, prefix: &str) -> Vec<(String, String)> {
        let mut env = self.env();
        env.push(("A0SNAP_OUTPUT_DIR".into(), self.url(prefix)));
        env
    }

    /// The same environment with the `reader` user's key (list and read only). Panics unless
    /// the server was started with [`Self::start_with_iam`].
    pub(crate) fn read_only_env(&self) -> Vec<(String, String)> {
        self.env_for(self.reader())
    }

    /// The environment with `credentials`.
    pub(crate) fn env_for(&self, credentials: &Credentials) -> Vec<(String, String)> {
        vec![
            ("AWS_ENDPOINT_URL".into(), self.endpoint()),
            (
                "AWS_ACCESS_KEY_ID".into(),
                credentials.access_key_id.clone(),
            ),
            (
                "AWS_SECRET_ACCESS_KEY".into(),
                credentials.secret_access_key.clone(),
            ),
            ("AWS_REGION".into(), REGION.into()),
        ]
    }

    /// The full-access key.
    pub(crate) fn admin(&self) -> &Credentials {
        &self.admin
    }

    /// The `reader` user's key (list and read). Panics unless IAM is enforced
    /// ([`Self::start_with_iam`]).
    pub(crate) fn reader(&self) -> &Credentials {
        &self.restricted().reader
    }

    /// The `writer` user's key (put, read, delete; no list). Panics unless IAM is enforced
    /// ([`Self::start_with_iam`]).
    pub(crate) fn writer(&self) -> &Credentials {
        &self.restricted().writer
    }

    fn restricted(&self) -> &Restricted {
        self.restricted
            .as_ref()
            .expect("restricted users: start the server with S3Server::start_with_iam")
    }

    /// The environment with the `writer` user's key (no listing). Panics unless IAM is
    /// enforced.
    pub(crate) fn write_only_env(&self) -> Vec<(String, String)> {
        self.env_for(self.writer())
    }

    /// The secret keys a0snap may know, to assert that none of them is ever printed.
    pub(crate) fn secrets(&self) -> Vec<String> {
        let restricted = self
            .restricted
            .iter()
            .flat_map(|users| [&users.reader, &users.writer]);
        std::iter::once(&self.admin)
            .chain(restricted)
            .map(|credentials| credentials.secret_access_key.clone())
            .collect()
    }

    /// The tests' view of [`BUCKET`] (full access).
    pub(crate) fn bucket(&self) -> &Bucket {
        &self.bucket
    }

    /// An object_store client for `bucket` on this server with `credentials`, for tests that
    /// act as someone else (the reader) or on another bucket.
    pub(crate) fn client(&self, bucket: &str, credentials: &Credentials) -> AmazonS3 {
        client(&self.endpoint(), bucket, credentials)
    }

    /// How long moto took to answer its first request.
    pub(crate) fn startup(&self) -> Duration {
        self.server.startup()
    }

    /// What moto printed (one line per request), for failure messages.
    pub(crate) fn log(&self) -> String {
        self.server.log()
    }
}

/// Finds and starts `moto_server`; `None` (with the message) when it is not installed.
async fn start_moto() -> Option<LocalServer> {
    let program = match find_program(
        "A0SNAP_TEST_MOTO",
        "moto_server",
        "target/ci-tools/bin/moto_server",
    ) {
        Ok(program) => program,
        Err(why) => {
            println!("SKIPPED: {why} ({INSTALL_HINT}); the S3 output is not tested here");
            return None;
        }
    };
    let server = LocalServer::start(
        "moto",
        &program,
        |port, _| {
            ["-H", "127.0.0.1", "-p", &port.to_string()]
                .map(String::from)
                .to_vec()
        },
        &[],
        "/moto-api/",
    )
    .await;
    Some(server)
}

/// `PUT /{name}`: creates a bucket (before IAM is enforced, so unsigned).
async fn create_bucket(server: &LocalServer, name: &str) {
    let url = format!("{}/{name}", server.base_url());
    let answer = reqwest::Client::new()
        .put(&url)
        .send()
        .await
        .unwrap_or_else(|error| panic!("PUT {url}: {error}"));
    assert!(answer.status().is_success(), "PUT {url}: {answer:?}");
}

/// An object_store client for `bucket` at `endpoint` (path-style, plain HTTP allowed).
fn client(endpoint: &str, bucket: &str, credentials: &Credentials) -> AmazonS3 {
    AmazonS3Builder::new()
        .with_endpoint(endpoint)
        .with_allow_http(true)
        .with_bucket_name(bucket)
        .with_region(REGION)
        .with_access_key_id(&credentials.access_key_id)
        .with_secret_access_key(&credentials.secret_access_key)
        .with_retry(test_retries())
        .build()
        .expect("an S3 client")
}

/// The text between the first `open` and the next `close` in `text`; panics when absent.
pub(super) fn between<'a>(text: &'a str, open: &str, close: &str) -> &'a str {
    text.split_once(open)
        .and_then(|(_, rest)| rest.split_once(close))
        .map(|(inside, _)| inside)
        .unwrap_or_else(|| panic!("no {open}…{close} in:\n{text}"))
}

/// The five XML entities undone (keys in a listing are escaped).
pub(super) fn xml_unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}
