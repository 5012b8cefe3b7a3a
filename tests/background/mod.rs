//! The real binary running in the background against a world's fake tenant, for tests that
//! act on it while it runs (signals, clock steps): its stderr (JSON log lines) collected as it
//! comes, waits that fail with the log, signals sent with `kill`.
#![allow(dead_code)]

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::task::JoinHandle;

use crate::common::World;

/// The longest any wait in these tests lasts before it fails with the log.
pub(crate) const PATIENCE: Duration = Duration::from_secs(15);

/// The real binary running in the background, its stderr collected line by line.
pub(crate) struct Process {
    child: Child,
    log: Arc<Mutex<Vec<String>>>,
    reader: JoinHandle<()>,
}

impl Process {
    /// Starts `a0snap ARGS` with the world's environment plus `extra`, JSON logs.
    pub(crate) fn start(world: &World, args: &[&str], extra: &[(&str, &str)]) -> Self {
        let mut env = world.env();
        env.push(("A0SNAP_LOG_FORMAT".into(), "json".into()));
        for (name, value) in extra {
            env.retain(|(existing, _)| existing != name);
            env.push(((*name).into(), (*value).into()));
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_a0snap"))
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .envs(env)
            .current_dir(world.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("a0snap starts");
        let stderr = child.stderr.take().expect("piped stderr");
        let log: Arc<Mutex<Vec<String>>> = Arc::default();
        let lines = log.clone();
        let reader = tokio::spawn(async move {
            let mut stderr = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = stderr.next_line().await {
                lines.lock().unwrap().push(line);
            }
        });
        Self { child, log, reader }
    }

    /// The process id (the `{pid}` of a lease's `holder`).
    pub(crate) fn pid(&self) -> u32 {
        self.child.id().expect("a0snap is running")
    }

    /// Whether the process has not exited yet.
    pub(crate) fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// The log so far, one line per event.
    pub(crate) fn log(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    /// How many log lines contain `needle`.
    pub(crate) fn count(&self, needle: &str) -> usize {
        let lines = self.log.lock().unwrap();
        lines.iter().filter(|line| line.contains(needle)).count()
    }

    /// Waits until `done` holds; fails with the log after [`PATIENCE`].
    pub(crate) async fn wait_until(&self, what: &str, done: impl Fn() -> bool) {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        while !done() {
            assert!(
                tokio::time::Instant::now() < deadline,
                "gave up waiting for {what}; the log:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until the log has a line containing `needle`; returns that line.
    pub(crate) async fn wait_for_log(&self, needle: &str) -> String {
        self.wait_for_lines(needle, 1).await;
        let lines = self.log.lock().unwrap();
        lines
            .iter()
            .find(|line| line.contains(needle))
            .cloned()
            .unwrap_or_default()
    }

    /// Waits until `count` log lines contain `needle`.
    pub(crate) async fn wait_for_lines(&self, needle: &str, count: usize) {
        let what = format!("{count} log lines with {needle:?}");
        self.wait_until(&what, || self.count(needle) >= count).await;
    }

    /// Waits until the fake has received `count` API requests: a job is mid-export.
    pub(crate) async fn wait_for_requests(&self, world: &World, count: u64) {
        let what = format!("{count} API requests");
        self.wait_until(&what, || world.fake.counters().api_requests >= count)
            .await;
    }

    /// Sends `signal` (`TERM`, `INT`, `QUIT`) with `kill`.
    pub(crate) fn signal(&self, signal: &str) {
        let pid = self.child.id().expect("a0snap is running");
        let status = std::process::Command::new("kill")
            .args([format!("-{signal}"), pid.to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -{signal} {pid} failed");
    }

    /// Waits for the process to end; returns its exit code and whole stderr.
    pub(crate) async fn exit(mut self) -> (i32, String) {
        let status = match tokio::time::timeout(PATIENCE, self.child.wait()).await {
            Ok(status) => status.expect("the exit status"),
            Err(_) => panic!("a0snap did not stop; its log:\n{}", self.log()),
        };
        let _ = tokio::time::timeout(Duration::from_secs(2), &mut self.reader).await;
        (status.code().unwrap_or(-1), self.log())
    }
}
