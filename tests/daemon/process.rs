//! A daemon process under test: the real binary started in the background against the
//! world's fake tenant, its log collected as it comes, signals sent with `kill`.

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::task::JoinHandle;

use crate::common::World;

/// The longest any wait in these tests lasts before it fails with the log.
pub(crate) const PATIENCE: Duration = Duration::from_secs(10);

/// A running `a0snap daemon`.
pub(crate) struct Daemon {
    child: Child,
    /// Every stderr line so far (JSON log lines).
    log: Arc<Mutex<Vec<String>>>,
    reader: JoinHandle<()>,
}

impl Daemon {
    /// Starts `a0snap daemon` with the world's environment plus `extra`, and waits until its
    /// signal handlers are installed.
    pub(crate) async fn start(world: &World, extra: &[(&str, &str)]) -> Self {
        let mut env = world.env();
        env.push(("A0SNAP_LOG_FORMAT".into(), "json".into()));
        for (name, value) in extra {
            env.retain(|(existing, _)| existing != name);
            env.push(((*name).into(), (*value).into()));
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_a0snap"))
            .arg("daemon")
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .envs(env)
            .current_dir(world.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("a0snap daemon starts");
        let stderr = child.stderr.take().expect("piped stderr");
        let log: Arc<Mutex<Vec<String>>> = Arc::default();
        let lines = log.clone();
        let reader = tokio::spawn(async move {
            let mut stderr = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = stderr.next_line().await {
                lines.lock().unwrap().push(line);
            }
        });
        let daemon = Self { child, log, reader };
        daemon.wait_for_log("daemon started").await;
        daemon
    }

    /// The log so far, one line per event.
    pub(crate) fn log(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    /// How many log lines contain `needle`.
    pub(crate) fn count(&self, needle: &str) -> usize {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|line| line.contains(needle))
            .count()
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

    /// Waits until `done` holds, checking every 20 ms; fails with the log after [`PATIENCE`].
    pub(crate) async fn wait_until(&self, what: &str, done: impl Fn() -> bool) {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        while !done() {
            if tokio::time::Instant::now() > deadline {
                panic!(
                    "gave up waiting for {what}; the daemon's log:\n{}",
                    self.log()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Sends `signal` (`TERM`, `INT`, `HUP`) with `kill`.
    pub(crate) fn signal(&self, signal: &str) {
        let pid = self.child.id().expect("the daemon is running");
        let status = std::process::Command::new("kill")
            .args([format!("-{signal}"), pid.to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -{signal} {pid} failed");
    }

    /// Waits for the process to end; returns its exit code and whole log.
    pub(crate) async fn exit(mut self) -> (i32, String) {
        let status = match tokio::time::timeout(PATIENCE, self.child.wait()).await {
            Ok(status) => status.expect("the daemon's status"),
            Err(_) => panic!("the daemon did not stop; its log:\n{}", self.log()),
        };
        let _ = tokio::time::timeout(Duration::from_secs(2), &mut self.reader).await;
        (status.code().unwrap_or(-1), self.log())
    }
}
