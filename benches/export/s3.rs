//! Scenario i: the log events of d exported straight to S3. The benchmark starts moto's S3
//! server (`moto_server`, Python) on loopback as a child process, creates a bucket in it, and
//! runs the release binary with `A0SNAP_OUTPUT_DIR=s3://BUCKET/bench` and the standard `AWS_*`
//! variables. The data file goes up as a multipart upload (parts of 5 MiB, two in flight), so
//! a0snap's peak memory should stay flat whatever the export's size: the same target as d,
//! under 64 MiB, and within ±20% between 100,000 and 1,000,000 events.
//!
//! The result is checked through the store itself (`object_store`, as a0snap reads it): the
//! job's objects are listed, `latest.meta.json` must count every event, and each data object
//! listed in it must have the size it names. moto's own CPU time and peak memory are reported
//! too: it is the slow side, one Python process for every request.
//!
//! Without `moto_server` on the `PATH` (`pip install 'moto[server]==5.2.5'`) the rows say
//! SKIPPED and the other scenarios still run.

use std::collections::HashMap;
use std::error::Error;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt};
use serde_json::Value;

use crate::child::{self, Usage};
use crate::scenario::{job, logs_tenant, thousands};
use crate::table::{self, Row};

/// The sizes measured: log events exported.
pub(crate) const RECORDS: [u64; 2] = [100_000, 1_000_000];

/// The peak memory a0snap must stay under, MiB (the target).
const TARGET_MIB: u64 = 64;

/// The bucket created in moto.
const BUCKET: &str = "a0snap-bench";

/// The prefix a0snap writes under: `s3://BUCKET/PREFIX/{job}/...`.
const PREFIX: &str = "bench";

/// The benchmark's job (see [`crate::environment`]).
const JOB: &str = "bench";

/// moto accepts any credentials; these only have to be present.
const ACCESS_KEY: &str = "bench-access-key";
/// See [`ACCESS_KEY`].
const SECRET_KEY: &str = "bench-secret-key";
/// The region a0snap signs for.
const REGION: &str = "us-east-1";

/// How long moto may take to start answering (Python imports every AWS service it mocks).
const STARTUP: Duration = Duration::from_secs(60);

/// The exit code of a pyenv shim whose command is not installed in the active Python.
const COMMAND_NOT_FOUND: i32 = 127;

/// Exports `records` log events to a fresh moto and measures a0snap; a SKIPPED row when
/// moto is not installed.
pub(crate) fn measure(records: u64) -> Result<Row, Box<dyn Error>> {
    let label = format!(
        "i. {} logs to S3 (moto on loopback), NDJSON",
        thousands(records)
    );
    let dir = tempfile::tempdir()?;
    let Some(moto) = Moto::start(dir.path())? else {
        eprintln!("  moto_server not found: SKIPPED (pip install 'moto[server]==5.2.5')");
        return Ok(Row {
            label,
            verdict: format!(
                "{}: moto_server not found (pip install 'moto[server]==5.2.5')",
                table::SKIPPED
            ),
            ..Row::default()
        });
    };
    moto.create_bucket(BUCKET)?;

    let fake = fake_auth0::start_in_thread(logs_tenant(usize::try_from(records)?))?;
    for sub in ["jobs", "state"] {
        fs::create_dir_all(dir.path().join(sub))?;
    }
    fs::write(
        dir.path().join(format!("jobs/{JOB}.toml")),
        job("logs", "take = 100", "\"ndjson\"", ""),
    )?;
    let env = environment(dir.path(), fake.base_url(), &moto.endpoint());

    let moto_before = moto.usage();
    let measured = child::run_a0snap(dir.path(), &env)?;
    let moto_after = moto.usage();
    let moto_cpu = moto_after.cpu.saturating_sub(moto_before.cpu);
    eprintln!(
        "  {} wall, {} of CPU in a0snap, {} of CPU in moto ({} peak)",
        table::seconds(measured.wall),
        table::seconds(measured.cpu),
        table::seconds(moto_cpu),
        table::mebibytes(moto_after.peak_rss_kib),
    );
    if measured.code != 0 {
        let stderr = fs::read_to_string(dir.path().join("stderr.txt")).unwrap_or_default();
        return Err(format!("a0snap exited with {}:\n{stderr}", measured.code).into());
    }
    let counters = fake.counters();
    fake.stop();

    let stored = check_store(&moto.endpoint(), records)?;
    let met = measured.peak_rss_kib < TARGET_MIB * 1024;
    Ok(Row {
        label,
        pages: Some(stored.pages),
        records: stored.records,
        wall: measured.wall,
        bound: None,
        requests: Some(counters.api_requests),
        rejected: Some(counters.rate_limited),
        peak_kib: Some(measured.peak_rss_kib),
        verdict: format!(
            "< {TARGET_MIB} MiB: {}; {} MB in {} parts, moto {} CPU, {} peak",
            if met { "met" } else { "MISSED" },
            stored.data_bytes / 1_000_000,
            stored.data_bytes.div_ceil(PART_SIZE),
            table::seconds(moto_cpu),
            table::mebibytes(moto_after.peak_rss_kib),
        ),
    })
}

/// a0snap's part size (`src/store/file.rs`), to count the parts of the upload.
const PART_SIZE: u64 = 5 * 1024 * 1024;

/// [`crate::environment`] with the output in the bucket and moto's endpoint and credentials.
fn environment(dir: &Path, base_url: String, endpoint: &str) -> Vec<(String, String)> {
    let output = format!("s3://{BUCKET}/{PREFIX}");
    let aws = [
        ("AWS_ACCESS_KEY_ID", ACCESS_KEY),
        ("AWS_SECRET_ACCESS_KEY", SECRET_KEY),
        ("AWS_REGION", REGION),
        ("AWS_ENDPOINT_URL", endpoint),
    ];
    crate::environment(dir, base_url)
        .into_iter()
        .map(|(name, value)| {
            if name == "A0SNAP_OUTPUT_DIR" {
                (name, output.clone())
            } else {
                (name, value)
            }
        })
        .chain(
            aws.into_iter()
                .map(|(name, value)| (name.to_owned(), value.to_owned())),
        )
        .collect()
}

/// What the store holds after the run, as checked by [`check_store`].
struct Stored {
    /// Pages, from the meta object.
    pages: u64,
    /// Records, from the meta object.
    records: u64,
    /// The data objects' total size.
    data_bytes: u64,
}

/// Lists the job's objects and checks that the snapshot is complete: `latest.meta.json`
/// counts `records` events, and every data object it names is there with its size, as is
/// `latest.ndjson`.
fn check_store(endpoint: &str, records: u64) -> Result<Stored, Box<dyn Error>> {
    let store = AmazonS3Builder::new()
        .with_endpoint(endpoint)
        .with_allow_http(true)
        .with_bucket_name(BUCKET)
        .with_region(REGION)
        .with_access_key_id(ACCESS_KEY)
        .with_secret_access_key(SECRET_KEY)
        .build()?;
    let folder = ObjectPath::from(format!("{PREFIX}/{JOB}"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (listed, meta) = runtime.block_on(async {
        let listed = store.list_with_delimiter(Some(&folder)).await?;
        let meta = store
            .get(&folder.clone().join("latest.meta.json"))
            .await?
            .bytes()
            .await?;
        Ok::<_, object_store::Error>((listed, meta))
    })?;
    let sizes: HashMap<String, u64> = listed
        .objects
        .iter()
        .filter_map(|object| Some((object.location.filename()?.to_owned(), object.size)))
        .collect();
    let meta: Value = serde_json::from_slice(&meta)?;
    let counted = meta["records"]
        .as_u64()
        .ok_or("latest.meta.json has no records")?;
    if counted != records {
        return Err(format!("latest.meta.json counts {counted} records, not {records}").into());
    }
    let files = meta["files"]
        .as_array()
        .ok_or("latest.meta.json has no files")?;
    let mut data_bytes = 0;
    for file in files {
        let name = file["name"]
            .as_str()
            .ok_or("a file in the meta has no name")?;
        let bytes = file["bytes"]
            .as_u64()
            .ok_or("a file in the meta has no bytes")?;
        for object in [name, "latest.ndjson"] {
            match sizes.get(object) {
                Some(&size) if size == bytes => {}
                Some(&size) => {
                    return Err(format!(
                        "{object} holds {size} bytes, the meta says {bytes}; objects: {sizes:?}"
                    )
                    .into());
                }
                None => return Err(format!("{object} is missing; objects: {sizes:?}").into()),
            }
        }
        data_bytes += bytes;
    }
    eprintln!(
        "  the store holds {} objects under {PREFIX}/{JOB}/; {} records, {data_bytes} bytes of data as the meta says",
        sizes.len(),
        thousands(counted),
    );
    Ok(Stored {
        pages: meta["pages"]
            .as_u64()
            .ok_or("latest.meta.json has no pages")?,
        records: counted,
        data_bytes,
    })
}

/// moto's S3 server, a child process on loopback; killed on drop.
struct Moto {
    /// The server process (the pyenv shim `exec`s Python, so this is Python's pid).
    child: Child,
    /// Its port on 127.0.0.1.
    port: u16,
}

impl Moto {
    /// Starts `moto_server` on a free loopback port, its output in `dir/moto.log`, and waits
    /// until it answers. `None` when it is not installed.
    fn start(dir: &Path) -> Result<Option<Moto>, Box<dyn Error>> {
        let port = free_port()?;
        let log = File::create(dir.join("moto.log"))?;
        let spawned = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn();
        let child = match spawned {
            Ok(child) => child,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(error.into()),
        };
        let mut moto = Moto { child, port };
        let started = Instant::now();
        loop {
            if let Some(status) = moto.child.try_wait()? {
                if status.code() == Some(COMMAND_NOT_FOUND) {
                    return Ok(None);
                }
                let log = fs::read_to_string(dir.join("moto.log")).unwrap_or_default();
                return Err(format!("moto_server exited with {status}:\n{log}").into());
            }
            if moto.request("GET", "/").is_ok() {
                return Ok(Some(moto));
            }
            if started.elapsed() > STARTUP {
                return Err(format!("moto_server did not answer within {STARTUP:?}").into());
            }
            thread::sleep(Duration::from_millis(100));
        }
    }

    /// `http://127.0.0.1:PORT`.
    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Creates `bucket`: moto takes an unsigned `PUT /bucket`.
    fn create_bucket(&self, bucket: &str) -> Result<(), Box<dyn Error>> {
        let status = self.request("PUT", &format!("/{bucket}"))?;
        if status != 200 {
            return Err(format!("moto answered {status} to creating bucket {bucket}").into());
        }
        Ok(())
    }

    /// Sends one request without a body and returns the status code.
    fn request(&self, method: &str, path: &str) -> io::Result<u16> {
        let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, self.port))?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.port
        )?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer)?;
        answer
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .ok_or_else(|| io::Error::other(format!("not an HTTP answer: {answer:.80}")))
    }

    /// moto's CPU time so far and peak memory.
    fn usage(&self) -> Usage {
        child::usage(&format!("/proc/{}", self.child.id()))
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nobody listens on now. Another process could take it before moto binds it; on a
/// benchmark machine that race is not worth a retry loop.
fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}
