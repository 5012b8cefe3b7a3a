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

use object_store::aws::{AmazonS3, AmazonS3Builder, AwsAuthorizer, AwsCredential};
use object_store::client::{HttpRequest, HttpRequestBody};

use super::bucket::{Bucket, test_retries};
use super::local_server::{LocalServer, find_program};

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

/// One multipart upload that was started and neither completed nor aborted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Upload {
    /// The key it will create.
    pub key: String,
    /// Its id.
    pub upload_id: String,
}

/// The keys of the users with partial rights, made by [`S3Server::start_with_iam`].
struct Restricted {
    /// May list and read the bucket: not write, not delete.
    reader: Credentials,
    /// May write, read and delete objects: not list.
    writer: Credentials,
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

    /// Starts moto with [`BUCKET`], an `admin` user (`s3:*`), a `reader` user (only
    /// `s3:ListBucket` and `s3:GetObject` on the bucket) and a `writer` user (`s3:PutObject`,
    /// `s3:GetObject`, `s3:DeleteObject`, `s3:AbortMultipartUpload`, no listing), then turns IAM
    /// enforcement on: from then on moto checks every request's signature and the user's
    /// policy. `None` (and `SKIPPED: …`) when `moto_server` is not installed.
    pub(crate) async fn start_with_iam() -> Option<Self> {
        let server = start_moto().await?;
        create_bucket(&server, BUCKET).await;
        let bucket_arn = format!("arn:aws:s3:::{BUCKET}");
        let admin = create_user(
            &server,
            "admin",
            &serde_json::json!({
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]
            }),
        )
        .await;
        let reader = create_user(
            &server,
            "reader",
            &serde_json::json!({
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow",
                    "Action": ["s3:ListBucket", "s3:GetObject"],
                    "Resource": [bucket_arn.clone(), format!("{bucket_arn}/*")]
                }]
            }),
        )
        .await;
        let writer = create_user(
            &server,
            "writer",
            &serde_json::json!({
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow",
                    "Action": [
                        "s3:PutObject",
                        "s3:GetObject",
                        "s3:DeleteObject",
                        "s3:AbortMultipartUpload"
                    ],
                    "Resource": format!("{bucket_arn}/*")
                }]
            }),
        )
        .await;
        // moto's switch: the number of requests still let through unchecked, and the count
        // restarts. Zero: every request from now on is authenticated and authorised. (The
        // same setting as `INITIAL_NO_AUTH_ACTION_COUNT` at start-up, which would make the
        // harness count its own set-up requests: one more, or one retried, and the users
        // would be made with enforcement on.)
        let answer = reqwest::Client::new()
            .post(format!("{}/moto-api/reset-auth", server.base_url()))
            .header("content-type", "text/plain")
            .body("0")
            .send()
            .await
            .expect("moto answers reset-auth");
        assert!(answer.status().is_success(), "reset-auth: {answer:?}");
        Some(Self::with(
            server,
            admin,
            Some(Restricted { reader, writer }),
        ))
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

    /// The multipart uploads in progress under `prefix` in [`BUCKET`] (`GET /bucket?uploads`,
    /// which object_store does not offer), sorted by key.
    pub(crate) async fn multipart_uploads(&self, prefix: &str) -> Vec<Upload> {
        let mut url = url::Url::parse(&format!("{}/{BUCKET}", self.endpoint())).expect("a URL");
        url.query_pairs_mut()
            .append_pair("uploads", "")
            .append_pair("prefix", prefix);
        let text = self.signed_get(url.as_str()).await;
        let mut uploads: Vec<Upload> = text
            .split("<Upload>")
            .skip(1)
            .map(|upload| Upload {
                key: xml_unescape(between(upload, "<Key>", "</Key>")),
                upload_id: xml_unescape(between(upload, "<UploadId>", "</UploadId>")),
            })
            .collect();
        uploads.sort_by(|a, b| a.key.cmp(&b.key));
        uploads
    }

    /// `GET url` signed with the admin key (moto checks signatures when IAM is on); the body
    /// of a 200, or a panic with the answer.
    async fn signed_get(&self, url: &str) -> String {
        let credential = AwsCredential {
            key_id: self.admin.access_key_id.clone(),
            secret_key: self.admin.secret_access_key.clone(),
            token: None,
        };
        let mut request: HttpRequest = http::Request::builder()
            .method("GET")
            .uri(url)
            .body(HttpRequestBody::empty())
            .expect("a GET request");
        AwsAuthorizer::new(&credential, "s3", REGION)
            .try_authorize(&mut request, None)
            .expect("the request is signed");
        let answer = reqwest::Client::new()
            .get(url)
            .headers(request.headers().clone())
            .send()
            .await
            .unwrap_or_else(|error| panic!("GET {url}: {error}"));
        let status = answer.status();
        let text = answer.text().await.expect("a body");
        assert!(status.is_success(), "GET {url}: {status}\n{text}");
        text
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

/// Creates the IAM user `name` with the inline `policy` and returns a new key of theirs.
/// Unsigned requests (IAM is not enforced yet): moto picks the service from the credential
/// scope of the `Authorization` header, so a placeholder one says "iam".
async fn create_user(server: &LocalServer, name: &str, policy: &serde_json::Value) -> Credentials {
    let policy = policy.to_string();
    let calls: [&[(&str, &str)]; 3] = [
        &[("Action", "CreateUser"), ("UserName", name)],
        &[
            ("Action", "PutUserPolicy"),
            ("UserName", name),
            ("PolicyName", "a0snap-test"),
            ("PolicyDocument", &policy),
        ],
        &[("Action", "CreateAccessKey"), ("UserName", name)],
    ];
    let mut last = String::new();
    for form in calls {
        let answer = reqwest::Client::new()
            .post(server.base_url())
            .header(
                "authorization",
                format!(
                    "AWS4-HMAC-SHA256 Credential=setup/20260101/{REGION}/iam/aws4_request, SignedHeaders=host, Signature=0"
                ),
            )
            .form(&[form, &[("Version", "2010-05-08")]].concat())
            .send()
            .await
            .expect("moto answers IAM");
        let status = answer.status();
        last = answer.text().await.expect("an IAM answer");
        assert!(status.is_success(), "IAM {form:?}: {status}\n{last}");
    }
    Credentials {
        access_key_id: between(&last, "<AccessKeyId>", "</AccessKeyId>").into(),
        secret_access_key: between(&last, "<SecretAccessKey>", "</SecretAccessKey>").into(),
    }
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
fn between<'a>(text: &'a str, open: &str, close: &str) -> &'a str {
    text.split_once(open)
        .and_then(|(_, rest)| rest.split_once(close))
        .map(|(inside, _)| inside)
        .unwrap_or_else(|| panic!("no {open}…{close} in:\n{text}"))
}

/// The five XML entities undone (keys in a listing are escaped).
fn xml_unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}
