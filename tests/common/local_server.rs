//! A storage server the tests run as a child process on a free loopback port (moto's S3
//! server, Azurite): where its program is found, its output kept in a log file of its own
//! temporary folder, the wait until it answers HTTP, and the kill when the test is done.
//!
//! Only finding the program may fail quietly (the caller then says SKIPPED): a program that is
//! there but does not start is a failed test, with its log.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a server may take to answer its first request. moto imports a lot of Python and
/// Azurite a lot of JavaScript; on a loaded two-core CI machine that takes seconds.
const STARTUP_PATIENCE: Duration = Duration::from_secs(60);

/// Where `program` is: the path in the environment variable `override_var` when it is set,
/// else `program` on `PATH`, else `fallback` under the repository (where `.ci/run` installs
/// it). When none of them is a file, why not, for the SKIPPED line.
pub(crate) fn find_program(
    override_var: &str,
    program: &str,
    fallback: &str,
) -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os(override_var) {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(format!("{override_var}={} is not a file", path.display()))
        };
    }
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|candidate| candidate.is_file())
    });
    let installed = Path::new(env!("CARGO_MANIFEST_DIR")).join(fallback);
    match on_path {
        Some(path) => Ok(path),
        None if installed.is_file() => Ok(installed),
        None => Err(format!(
            "{program} is neither on PATH nor at {fallback}, and {override_var} is not set"
        )),
    }
}

/// A free loopback port: bound, read and released. Another process could take it before the
/// server does; [`LocalServer::start`] then sees the server exit and tries another port.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
        .port()
}

/// A server child process on `127.0.0.1:{port}`, killed (and reaped) on drop.
pub(crate) struct LocalServer {
    /// The process; a std child so that drop can kill and wait without a runtime.
    child: Child,
    /// The port it listens on.
    port: u16,
    /// What the server is, for messages (`moto`, `Azurite`).
    name: &'static str,
    /// Its private folder: `server.log` (stdout and stderr) and whatever data it keeps.
    dir: tempfile::TempDir,
    /// How long it took from spawn to its first HTTP answer.
    startup: Duration,
}

impl LocalServer {
    /// Starts `program` with the arguments `args(port, data_dir)` and the extra environment
    /// `env`, and waits until `GET {probe}` gets any HTTP answer. Tries three ports in case
    /// one was taken between [`free_port`] and the server's bind.
    pub(crate) async fn start(
        name: &'static str,
        program: &Path,
        args: impl Fn(u16, &Path) -> Vec<String>,
        env: &[(&str, &str)],
        probe: &str,
    ) -> Self {
        let mut last_log = String::new();
        for _ in 0..3 {
            let dir = tempfile::tempdir().expect("a folder for the server");
            let data = dir.path().join("data");
            std::fs::create_dir_all(&data).expect("the server's data folder");
            let log = std::fs::File::create(dir.path().join("server.log")).expect("server log");
            let port = free_port();
            let started = Instant::now();
            let child = Command::new(program)
                .args(args(port, &data))
                .envs(env.iter().copied())
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("server log"))
                .stderr(log)
                .spawn()
                .unwrap_or_else(|error| panic!("{name} ({}) starts: {error}", program.display()));
            let mut server = Self {
                child,
                port,
                name,
                dir,
                startup: Duration::ZERO,
            };
            if server.wait_until_answers(probe).await {
                server.startup = started.elapsed();
                return server;
            }
            last_log = server.log();
        }
        panic!("{name} exited three times before it answered; its last log:\n{last_log}");
    }

    /// Waits until the server answers `GET {probe}` (any status). `false` when it exited first
    /// (its port was probably taken); panics with the log when it never answers.
    async fn wait_until_answers(&mut self, probe: &str) -> bool {
        let url = format!("{}{probe}", self.base_url());
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .expect("an HTTP client");
        let deadline = Instant::now() + STARTUP_PATIENCE;
        loop {
            if client.get(&url).send().await.is_ok() {
                return true;
            }
            if let Ok(Some(_)) = self.child.try_wait() {
                return false;
            }
            assert!(
                Instant::now() < deadline,
                "{} did not answer {url} within {STARTUP_PATIENCE:?}; its log:\n{}",
                self.name,
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// `http://127.0.0.1:{port}`
    pub(crate) fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The port it listens on.
    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// How long it took to answer its first request.
    pub(crate) fn startup(&self) -> Duration {
        self.startup
    }

    /// Everything the server printed so far.
    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
