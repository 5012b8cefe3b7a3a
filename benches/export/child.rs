//! Runs the real `a0snap` binary as a child process and measures it: wall time from spawn to
//! exit, and the peak resident memory of that process alone.
//!
//! The peak is the kernel's high-water mark of the child's own address space (`VmHWM` in
//! `/proc/<pid>/status`), read every few milliseconds until the child exits; it only grows, so
//! the last reading misses at most the final milliseconds, when a run is tearing down.
//! `ru_maxrss` from `wait4` would not do: Linux folds the forking process's high-water mark
//! into the child's at `exec`, and this process holds the fake tenant.

use std::fs::{self, File};
use std::io;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// How often the child's memory is read.
const POLL: Duration = Duration::from_millis(2);

/// What one run of the binary cost.
#[derive(Debug)]
pub(crate) struct Measured {
    /// Spawn to exit.
    pub wall: Duration,
    /// Peak resident memory, in KiB.
    pub peak_rss_kib: u64,
    /// CPU time (user and system), as last read before the exit.
    pub cpu: Duration,
    /// Exit code (-1 when killed by a signal).
    pub code: i32,
}

/// Runs `a0snap run` in `dir` with exactly `env` (plus `PATH`); stdout and stderr go to
/// `dir/stdout.txt` and `dir/stderr.txt`.
pub(crate) fn run_a0snap(dir: &Path, env: &[(String, String)]) -> io::Result<Measured> {
    let stdout = File::create(dir.join("stdout.txt"))?;
    let stderr = File::create(dir.join("stderr.txt"))?;
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_a0snap"))
        .arg("run")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()?;
    let done = Arc::new(AtomicBool::new(false));
    let watcher = {
        let done = Arc::clone(&done);
        let proc = format!("/proc/{}", child.id());
        thread::spawn(move || watch(&proc, &done))
    };
    let status = child.wait();
    let wall = started.elapsed();
    done.store(true, Ordering::Relaxed);
    let (peak_rss_kib, cpu) = watcher
        .join()
        .map_err(|_| io::Error::other("the memory watcher panicked"))?;
    Ok(Measured {
        wall,
        peak_rss_kib,
        cpu,
        code: status?.code().unwrap_or(-1),
    })
}

/// The last `VmHWM` and CPU time read from `/proc/<pid>` before `done`.
fn watch(proc: &str, done: &AtomicBool) -> (u64, Duration) {
    let (mut peak, mut cpu) = (0, Duration::ZERO);
    while !done.load(Ordering::Relaxed) {
        let now = usage(proc);
        peak = peak.max(now.peak_rss_kib);
        cpu = cpu.max(now.cpu);
        thread::sleep(POLL);
    }
    (peak, cpu)
}

/// What a process has cost so far, as `/proc/<pid>` tells.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Usage {
    /// Its high-water mark of resident memory (`VmHWM`), in KiB.
    pub peak_rss_kib: u64,
    /// CPU time, user and system.
    pub cpu: Duration,
}

/// Reads the usage of the process at `proc` (`/proc/<pid>`): zeros for what cannot be read
/// (a process gone).
pub(crate) fn usage(proc: &str) -> Usage {
    let read = |file: &str| fs::read_to_string(format!("{proc}/{file}")).ok();
    Usage {
        peak_rss_kib: read("status")
            .as_deref()
            .and_then(high_water)
            .unwrap_or_default(),
        cpu: read("stat")
            .as_deref()
            .and_then(cpu_time)
            .unwrap_or_default(),
    }
}

/// utime + stime from `/proc/<pid>/stat`, assuming the usual 100 ticks a second.
fn cpu_time(stat: &str) -> Option<Duration> {
    // The command name (field 2) may hold spaces; the fields after it do not.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// `VmHWM:    12345 kB` -> 12345.
fn high_water(status: &str) -> Option<u64> {
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
