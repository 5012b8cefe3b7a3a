//! Azure Blob Storage for the tests: Azurite's blob service (`azurite-blob`, from npm;
//! `.ci/run` installs it under `target/ci-tools/node_modules`) on a free loopback port with one
//! container, plus the tests' own client to look into it. a0snap reaches it through
//! [`Azurite::env`] in object_store's emulator mode.
//!
//! When `azurite-blob` is not installed, [`Azurite::start`] prints `SKIPPED: …` and returns
//! `None`; the test then returns early.

use std::sync::Arc;
use std::time::Duration;

use object_store::azure::{
    AzureAccessKey, AzureAuthorizer, AzureCredential, MicrosoftAzure, MicrosoftAzureBuilder,
};
use object_store::client::{HttpRequest, HttpRequestBody};

use super::bucket::{Bucket, test_retries};
use super::local_server::{LocalServer, find_program};

/// The container every Azurite starts with.
pub(crate) const CONTAINER: &str = "a0snap-test";
/// Azurite's one account.
pub(crate) const ACCOUNT: &str = "devstoreaccount1";
/// Azurite's well-known key for [`ACCOUNT`] (published in Azurite's README; not a secret).
const ACCOUNT_KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/// Pins of the npm install, for the message when it is missing.
const INSTALL_HINT: &str =
    "install it with `npm install --prefix target/ci-tools azurite@3.37.0`, as .ci/run does";

/// A running Azurite blob service with [`CONTAINER`] created; stopped on drop.
pub(crate) struct Azurite {
    /// The `azurite-blob` process.
    server: LocalServer,
    /// The tests' view of [`CONTAINER`].
    container: Bucket,
}

impl Azurite {
    /// Starts Azurite with [`CONTAINER`], or prints `SKIPPED: …` and returns `None` when
    /// `azurite-blob` is not installed.
    pub(crate) async fn start() -> Option<Self> {
        let program = match find_program(
            "A0SNAP_TEST_AZURITE",
            "azurite-blob",
            "target/ci-tools/node_modules/.bin/azurite-blob",
        ) {
            Ok(program) => program,
            Err(why) => {
                println!("SKIPPED: {why} ({INSTALL_HINT}); the Azure output is not tested here");
                return None;
            }
        };
        let server = LocalServer::start(
            "Azurite",
            &program,
            |port, data| {
                vec![
                    "--blobHost".into(),
                    "127.0.0.1".into(),
                    "--blobPort".into(),
                    port.to_string(),
                    "--location".into(),
                    data.display().to_string(),
                    // object_store may speak a newer service version than this Azurite knows.
                    "--skipApiVersionCheck".into(),
                    // Ignore headers Azurite does not implement instead of refusing the request.
                    "--loose".into(),
                ]
            },
            // No usage telemetry from a test run.
            &[("AZURITE_DISABLE_TELEMETRY", "true")],
            "/",
        )
        .await;
        create_container(&server, CONTAINER).await;
        let container = Bucket::new(Arc::new(client(&server.base_url(), CONTAINER)));
        Some(Self { server, container })
    }

    /// `http://127.0.0.1:{port}`, the value of `AZURITE_BLOB_STORAGE_URL`.
    pub(crate) fn endpoint(&self) -> String {
        self.server.base_url()
    }

    /// `az://a0snap-test/{prefix}`, the value of `A0SNAP_OUTPUT_DIR`.
    pub(crate) fn url(&self, prefix: &str) -> String {
        format!("az://{CONTAINER}/{prefix}")
    }

    /// The environment a0snap needs to reach this Azurite: object_store's emulator mode (the
    /// well-known account and key) at this port.
    pub(crate) fn env(&self) -> Vec<(String, String)> {
        vec![
            ("AZURE_STORAGE_USE_EMULATOR".into(), "true".into()),
            ("AZURITE_BLOB_STORAGE_URL".into(), self.endpoint()),
            ("AZURE_STORAGE_ACCOUNT_NAME".into(), ACCOUNT.into()),
            ("AZURE_STORAGE_ACCOUNT_KEY".into(), ACCOUNT_KEY.into()),
        ]
    }

    /// [`Self::env`] plus `A0SNAP_OUTPUT_DIR` = [`Self::url`]`(prefix)`.
    pub(crate) fn output_env(&self, prefix: &str) -> Vec<(String, String)> {
        let mut env = self.env();
        env.push(("A0SNAP_OUTPUT_DIR".into(), self.url(prefix)));
        env
    }

    /// The tests' view of [`CONTAINER`].
    pub(crate) fn container(&self) -> &Bucket {
        &self.container
    }

    /// An object_store client for `container` on this Azurite, for tests on another one.
    pub(crate) fn client(&self, container: &str) -> MicrosoftAzure {
        client(&self.endpoint(), container)
    }

    /// The blobs under `prefix` in [`CONTAINER`] that have staged blocks and no committed
    /// content: Azure's multipart uploads in progress (object_store stages blocks, then commits
    /// the block list). A listing with uncommitted blobs minus the committed ones, so an upload
    /// replacing an existing blob is not seen. Sorted.
    pub(crate) async fn uncommitted_blobs(&self, prefix: &str) -> Vec<String> {
        let mut url =
            url::Url::parse(&format!("{}/{ACCOUNT}/{CONTAINER}", self.endpoint())).expect("a URL");
        url.query_pairs_mut()
            .append_pair("restype", "container")
            .append_pair("comp", "list")
            .append_pair("include", "uncommittedblobs")
            .append_pair("prefix", prefix);
        let text = signed(&self.server, "GET", url.as_str()).await;
        let committed = self.container.keys("").await;
        let mut names: Vec<String> = text
            .split("<Name>")
            .skip(1)
            .filter_map(|rest| rest.split_once("</Name>"))
            .map(|(name, _)| name.to_string())
            .filter(|name| !committed.contains(name))
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// How long Azurite took to answer its first request.
    pub(crate) fn startup(&self) -> Duration {
        self.server.startup()
    }

    /// What Azurite printed, for failure messages.
    pub(crate) fn log(&self) -> String {
        self.server.log()
    }
}

/// `PUT /{account}/{name}?restype=container`, signed with the account key.
async fn create_container(server: &LocalServer, name: &str) {
    let url = format!("{}/{ACCOUNT}/{name}?restype=container", server.base_url());
    signed(server, "PUT", &url).await;
}

/// `method url` with no body, signed with the account key (Shared Key, by object_store's own
/// signer); the body of a 2xx answer, or a panic with the answer and the log.
async fn signed(server: &LocalServer, method: &str, url: &str) -> String {
    let credential = AzureCredential::AccessKey(
        AzureAccessKey::try_new(ACCOUNT_KEY).expect("Azurite's key is base64"),
    );
    let mut request: HttpRequest = http::Request::builder()
        .method(method)
        .uri(url)
        .body(HttpRequestBody::empty())
        .expect("a request");
    AzureAuthorizer::new(&credential, ACCOUNT)
        .try_authorize(&mut request)
        .expect("the request is signed");
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("an HTTP method");
    let answer = reqwest::Client::new()
        .request(method.clone(), url)
        .headers(request.headers().clone())
        .header("content-length", "0")
        .send()
        .await
        .unwrap_or_else(|error| panic!("{method} {url}: {error}"));
    let status = answer.status();
    let text = answer.text().await.expect("a body");
    assert!(
        status.is_success(),
        "{method} {url}: {status}\n{text}\nAzurite's log:\n{}",
        server.log()
    );
    text
}

/// An object_store client for `container`: the account's URL as endpoint (path-style, as
/// Azurite serves it) and the well-known key.
fn client(endpoint: &str, container: &str) -> MicrosoftAzure {
    MicrosoftAzureBuilder::new()
        .with_account(ACCOUNT)
        .with_access_key(ACCOUNT_KEY)
        .with_endpoint(format!("{endpoint}/{ACCOUNT}"))
        .with_allow_http(true)
        .with_container_name(container)
        .with_retry(test_retries())
        .build()
        .expect("an Azure client")
}
