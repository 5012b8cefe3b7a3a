//! The download of a finished export from its location: a pre-signed URL on another host,
//! fetched without the Management API token, only over https (http on loopback), decoded as it
//! arrives, by the job's deadline. Starting it is retried by the one retry loop
//! ([`crate::http::retry`]) with the job's retry settings: 429 (honouring `Retry-After`), 408,
//! 5xx and broken connections; never once the body has begun. Messages show the location
//! without its query, which holds the signature.
//!
//! A location is valid for [`super::error::LOCATION_LIFETIME`]. An expired one (S3 answers 403 with
//! `<Message>Request has expired</Message>`) ends in [`ExportError::LocationExpired`], which the
//! caller answers by reading the job again for a fresh location; this module never reads the
//! job itself.

use std::time::Duration;

use futures_util::StreamExt;
use reqwest::StatusCode;
use serde_json::value::RawValue;
use tokio::sync::mpsc;
use tokio::time::Instant;
use url::Url;

use super::ExportFacts;
use super::error::{ExportError, job_snippet};
use super::lines::GzLines;
use crate::api::client::ApiClient;
use crate::api::page::Page;
use crate::http::retry::{self, GiveUp, Verdict};

/// The longest a download may take (the job's deadline comes first when it is set), and the
/// longest it may stall between two chunks.
const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(6 * 3600);
const DOWNLOAD_STALL: Duration = Duration::from_secs(120);
/// Compressed bytes decoded at a time (a few hundred users).
const FEED_SLICE: usize = 16 * 1024;

/// What S3 says about a pre-signed URL past its expiry, in the body of a 403.
const S3_EXPIRED: &str = "Request has expired";

/// Why the download did not start: a reason, or the job's time ran out first.
enum Opened {
    /// Could not start.
    No(Unopened),
    /// The deadline came first.
    OutOfTime,
}

/// Why the download could not start.
enum Unopened {
    /// The signature has expired: a fresh location may work.
    Expired,
    /// Anything else, in words.
    Failed(String),
}

/// The job's location, if it is a URL a0snap downloads from: https, or http on loopback.
pub(super) fn location(
    job_id: &str,
    location: Option<&str>,
    body: &[u8],
) -> Result<Url, ExportError> {
    let bad_answer = |detail: &str| ExportError::BadAnswer {
        job: job_id.to_owned(),
        detail: detail.to_owned(),
        snippet: job_snippet(body),
    };
    let text = location.ok_or_else(|| bad_answer("completed without a location"))?;
    let url = Url::parse(text).map_err(|_| bad_answer("the location is not a url"))?;
    let loopback = crate::http::loopback::is_loopback(&url);
    match url.scheme() {
        "https" => Ok(url),
        "http" if loopback => Ok(url),
        _ => Err(ExportError::UnsafeLocation {
            job_id: job_id.to_owned(),
            shown: shown(&url),
        }),
    }
}

/// A location for messages: scheme, host and path, without the signed query.
fn shown(url: &Url) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    shown.set_fragment(None);
    shown.to_string()
}

/// Downloads and decodes the file, sending its records on.
pub(super) async fn download(
    client: &ApiClient,
    url: &Url,
    facts: &mut ExportFacts,
    pages: &mpsc::Sender<Page>,
) -> Result<(), ExportError> {
    let job_id = facts.job_id.clone();
    let failed = |detail: String| ExportError::Download {
        job_id: job_id.clone(),
        shown: shown(url),
        detail,
    };
    let out_of_time = || ExportError::DownloadOutOfTime {
        job_id: job_id.clone(),
        shown: shown(url),
    };
    let deadline = client.deadline();
    let response = match open(client, url).await {
        Ok(response) => response,
        Err(Opened::OutOfTime) => return Err(out_of_time()),
        Err(Opened::No(Unopened::Expired)) => {
            return Err(ExportError::LocationExpired {
                job_id,
                shown: shown(url),
            });
        }
        Err(Opened::No(Unopened::Failed(detail))) => return Err(failed(detail)),
    };
    let mut body = response.bytes_stream();
    let mut gz = GzLines::default();
    let mut lines = 0;
    loop {
        let next = tokio::time::timeout(DOWNLOAD_STALL, body.next());
        let chunk = match by_deadline(deadline, next).await.ok_or_else(out_of_time)? {
            Err(_) => return Err(failed(format!("no data for {}s", DOWNLOAD_STALL.as_secs()))),
            Ok(None) => break,
            Ok(Some(Err(error))) => return Err(failed(error.without_url().to_string())),
            Ok(Some(Ok(chunk))) => chunk,
        };
        facts.bytes += chunk.len() as u64;
        // A chunk can be large on a fast link; fed in slices, what is decoded but not yet
        // written stays small.
        for slice in chunk.chunks(FEED_SLICE) {
            let records = gz
                .feed(slice, &mut lines)
                .map_err(|source| ExportError::File {
                    job_id: job_id.clone(),
                    source,
                })?;
            if !send(records, facts, pages).await {
                return Ok(());
            }
        }
    }
    let records = gz.finish(&mut lines).map_err(|source| ExportError::File {
        job_id: job_id.clone(),
        source,
    })?;
    send(records, facts, pages).await;
    Ok(())
}

/// Runs `work` by `deadline`, if there is one; `None` when the deadline came first.
async fn by_deadline<T>(deadline: Option<Instant>, work: impl Future<Output = T>) -> Option<T> {
    match deadline {
        None => Some(work.await),
        Some(deadline) => tokio::time::timeout_at(deadline, work).await.ok(),
    }
}

/// Hands a batch on; false when the receiver has gone.
async fn send(
    records: Vec<Box<RawValue>>,
    facts: &mut ExportFacts,
    pages: &mpsc::Sender<Page>,
) -> bool {
    if records.is_empty() {
        return true;
    }
    facts.records += records.len() as u64;
    pages.send(Page::from_records(&records)).await.is_ok()
}

/// The GET of the location, without any token, retried by the process's one retry loop
/// (its policy and the job's deadline) before the body starts; never when the signature has
/// expired or the certificate was refused.
async fn open(client: &ApiClient, url: &Url) -> Result<reqwest::Response, Opened> {
    let outcome = client
        .retrier()
        .run("GET (export download)", |_| attempt(client, url))
        .await;
    outcome.map_err(|give_up| match give_up {
        GiveUp::Failed(unopened) => Opened::No(unopened),
        GiveUp::Exhausted { attempts, last } => Opened::No(Unopened::Failed(format!(
            "{} ({attempts} attempts)",
            last.reason
        ))),
        GiveUp::WaitTooLong {
            wait, source, last, ..
        } => Opened::No(Unopened::Failed(format!(
            "{} and asked to wait {}s ({}), longer than the {}s a0snap waits at once; try again later, or raise A0SNAP_MAX_RETRY_WAIT",
            last.reason,
            wait.as_secs_f64().ceil(),
            source.describe(),
            client.retrier().policy.longest_wait.as_secs()
        ))),
        GiveUp::OutOfTime { .. } => Opened::OutOfTime,
    })
}

/// One GET of the location, classified.
async fn attempt(client: &ApiClient, url: &Url) -> Verdict<reqwest::Response, Unopened> {
    let sent = client
        .plain_http()
        .get(url.clone())
        .timeout(DOWNLOAD_TIMEOUT)
        .send()
        .await;
    let response = match sent {
        Ok(response) => response,
        Err(error) => {
            return match retry::transport(error) {
                Ok(failure) => Verdict::Retry {
                    failure,
                    asked: None,
                },
                Err(problem) => Verdict::Fail(Unopened::Failed(format!(
                    "its tls certificate was refused: {problem}"
                ))),
            };
        }
    };
    let status = response.status();
    if status.is_success() {
        return Verdict::Done(response);
    }
    let now = client.now();
    if let Some((failure, asked)) = retry::transient(status, response.headers(), now) {
        return Verdict::Retry { failure, asked };
    }
    let body = response.bytes().await.unwrap_or_default();
    if status == StatusCode::FORBIDDEN && contains(&body, S3_EXPIRED) {
        return Verdict::Fail(Unopened::Expired);
    }
    Verdict::Fail(Unopened::Failed(format!(
        "the server answered {status}{}",
        if status == StatusCode::FORBIDDEN {
            " (the link may have expired)"
        } else {
            ""
        }
    )))
}

/// Whether `body` holds `text`.
fn contains(body: &[u8], text: &str) -> bool {
    body.windows(text.len())
        .any(|window| window == text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback_http_locations_are_downloaded_and_messages_drop_the_signature() {
        let ok = location(
            "job_1",
            Some("https://s3.example/f.gz?X-Amz-Signature=abc"),
            b"",
        );
        assert_eq!(
            ok.map(|url| shown(&url)).ok().as_deref(),
            Some("https://s3.example/f.gz")
        );
        assert!(location("job_1", Some("http://127.0.0.1:9/f.gz"), b"").is_ok());
        let error = location(
            "job_1",
            Some("http://s3.example/f.gz?X-Amz-Signature=abc"),
            b"",
        )
        .unwrap_err()
        .to_string();
        assert!(
            error.contains("http://s3.example/f.gz,") && !error.contains("abc"),
            "{error}"
        );
        assert!(location("job_1", None, b"{}").is_err());
    }

    #[test]
    fn a_bad_answer_about_the_job_never_quotes_its_signed_location() {
        let body = br#"{"id":"job_1","status":"completed","location":"s3.example/f.gz?X-Amz-Signature=abc"}"#;
        let error = location("job_1", Some("s3.example/f.gz?X-Amz-Signature=abc"), body)
            .unwrap_err()
            .to_string();
        assert!(error.contains("the location is not a url"), "{error}");
        assert!(error.contains("job_1") && !error.contains("abc"), "{error}");
        let broken = br#"{"id":"job_1","location":"https://s3.example/f?X-Amz-Signature=abc"#;
        assert!(!job_snippet(broken).contains("abc"));
    }

    /// A client whose job deadline is `timeout` from now, for a tenant nobody asks.
    fn client_for_job(timeout: &str) -> ApiClient {
        let vars = [
            ("AUTH0_DOMAIN", "http://127.0.0.1:9"),
            ("AUTH0_CLIENT_ID", "id"),
            ("AUTH0_CLIENT_SECRET", "secret"),
            ("A0SNAP_TOKEN_CACHE", "memory"),
            ("A0SNAP_JOB_TIMEOUT", timeout),
        ];
        let env = crate::config::RawEnv::from_vars(
            vars.map(|(name, value)| (name.to_owned(), value.to_owned())),
        )
        .unwrap();
        let settings =
            crate::config::Settings::resolve(&env, &crate::config::Overrides::default()).unwrap();
        crate::cli::Services::new(&settings, crate::clock::system())
            .unwrap()
            .api
            .for_job("users")
    }

    /// A loopback server that reads each request and then sends `answer` and nothing more,
    /// keeping the connection open.
    async fn stalling_server(answer: &'static [u8]) -> Url {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "http://{}/f.gz?X-Amz-Signature=abc",
            listener.local_addr().unwrap()
        );
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((mut socket, _)) = listener.accept().await {
                let mut request = [0; 4096];
                let _ = socket.read(&mut request).await;
                let _ = socket.write_all(answer).await;
                held.push(socket);
            }
        });
        Url::parse(&url).unwrap()
    }

    #[tokio::test]
    async fn a_download_that_stalls_ends_by_the_jobs_deadline_and_names_a0snap_job_timeout() {
        let headers_then_nothing: &[u8] =
            b"HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n\x1f\x8b\x08\x00";
        for answer in [headers_then_nothing, b""] {
            let client = client_for_job("1s");
            let url = stalling_server(answer).await;
            let (pages, _sink) = mpsc::channel(4);
            let mut facts = ExportFacts {
                job_id: "job_1".to_owned(),
                polls: 1,
                records: 0,
                bytes: 0,
            };
            let error = download(&client, &url, &mut facts, &pages)
                .await
                .unwrap_err()
                .to_string();
            assert!(
                error.contains("did not finish within the job's time limit (A0SNAP_JOB_TIMEOUT)")
                    && !error.contains("abc"),
                "{error}"
            );
        }
    }
}
