//! Plays one row of the fault table: a fake tenant, job files, optionally a good run first (so
//! there is a `latest` to keep), then faults, then the run under test, and every check the
//! table asks for: the exit code, what was printed, the requests the fake saw, the files on
//! disk (complete, untouched or absent, never a temporary file) and no secret anywhere.

use std::ops::RangeInclusive;
use std::path::Path;
use std::time::Duration;

use fake_auth0::{Config, FaultRule};

use super::checks::{Baseline, check, job_dirs};
use crate::common::temp_files;
use crate::common::{Run, World};

/// One scenario of the table.
pub(crate) struct Scenario {
    /// The fake tenant.
    pub tenant: Config,
    /// Job files: (name, body).
    pub jobs: Vec<(&'static str, String)>,
    /// Extra environment for the run under test.
    pub env: Vec<(&'static str, String)>,
    /// Whether a good run comes first, so that `latest` exists and must survive.
    pub baseline: bool,
    /// Faults injected after the baseline.
    pub faults: Vec<FaultRule>,
    /// Done to the world after the baseline, before the run.
    pub prepare: Prepare,
    /// How the run under test happens.
    pub act: Act,
    /// What must be seen.
    pub expect: Expect,
}

/// Changes to the world before the run under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Prepare {
    /// Nothing.
    Nothing,
    /// Every issued token answers 401 from now on.
    RevokeTokens,
    /// `out/{job}` is a regular file, so the job folder cannot be made.
    JobFolderIsAFile(&'static str),
    /// `out/` and every job folder lose their write bits. Root ignores them, so as root the
    /// run under test runs as `nobody` (with `setpriv`), for whom they hold.
    ReadOnlyOutput,
    /// `{tmp}/{name}` (the runs' working folder) holds `contents`.
    WriteFile(&'static str, &'static str),
}

/// How the run under test happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Act {
    /// `a0snap run`, once.
    Run,
    /// `a0snap run` killed with SIGKILL once job `.0` has a temporary file; then a normal run
    /// (the one checked), which must remove the leftovers.
    KilledThenRun(&'static str),
    /// `a0snap run` started while another, slow one holds job `.0`; the second is checked,
    /// the first must still succeed.
    Overlapping(&'static str),
}

/// What a job's folder must look like after the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Files {
    /// `latest.json` holds every served record of `endpoint`, by `key`, in order.
    Complete {
        job: &'static str,
        endpoint: &'static str,
        key: &'static str,
    },
    /// Exactly as the baseline left it, `latest.json` byte for byte.
    Unchanged { job: &'static str },
    /// No snapshot at all.
    Absent { job: &'static str },
    /// `out/{job}/{file}` contains `text`.
    Contains {
        job: &'static str,
        file: &'static str,
        text: &'static str,
    },
    /// `out/{job}/{file}` does not contain `text`.
    Lacks {
        job: &'static str,
        file: &'static str,
        text: &'static str,
    },
}

/// The checks of one row.
pub(crate) struct Expect {
    /// The exit code.
    pub code: i32,
    /// Texts that stdout or stderr must contain.
    pub printed: Vec<&'static str>,
    /// Texts that must appear nowhere: not printed, not in any file (beyond the client secret
    /// and the tokens, which are always checked).
    pub hidden: Vec<&'static str>,
    /// API requests the fake saw during the run under test.
    pub api_requests: RangeInclusive<u64>,
    /// Token requests during the run under test, when it matters.
    pub token_requests: Option<u64>,
    /// 429s the fake sent during the run under test.
    pub rate_limited: RangeInclusive<u64>,
    /// The job folders.
    pub files: Vec<Files>,
}

impl Default for Expect {
    fn default() -> Self {
        Self {
            code: 0,
            printed: Vec::new(),
            hidden: Vec::new(),
            api_requests: 0..=u64::MAX,
            token_requests: None,
            rate_limited: 0..=0,
            files: Vec::new(),
        }
    }
}

impl Scenario {
    /// A scenario on `tenant` with `jobs`, a baseline run, nothing injected, one run.
    pub(crate) fn new(tenant: Config, jobs: Vec<(&'static str, String)>) -> Self {
        Self {
            tenant,
            jobs,
            env: Vec::new(),
            baseline: true,
            faults: Vec::new(),
            prepare: Prepare::Nothing,
            act: Act::Run,
            expect: Expect::default(),
        }
    }
}

/// A job exporting `endpoint` as JSON, with extra top-level lines.
pub(crate) fn json_job(endpoint: &str, extra: &str) -> String {
    format!("every = \"1h\"\nendpoint = \"{endpoint}\"\n{extra}\n[output]\nformat = \"json\"\n")
}

/// Plays `scenario` and asserts everything it expects.
pub(crate) async fn play(scenario: Scenario) {
    let world = World::start(scenario.tenant).await;
    for (name, body) in &scenario.jobs {
        world.job(name, body);
    }
    if scenario.baseline {
        let first = world.a0snap(&["run"]).await;
        assert_eq!(
            first.code,
            0,
            "the baseline run failed:\n{}",
            first.all_output()
        );
    }
    let before = Baseline::take(&world, &scenario.jobs);
    world.fake.reset_counters();
    for rule in scenario.faults {
        world.fake.inject(rule);
    }
    let as_nobody = prepare(&world, scenario.prepare);
    let env: Vec<(&str, &str)> = scenario
        .env
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect();
    let run = if as_nobody {
        match run_as_nobody(&world, &env).await {
            Some(run) => run,
            None => {
                restore_permissions(&world.out_dir());
                eprintln!(
                    "skipped: running as root without setpriv, permission bits cannot be tested"
                );
                return;
            }
        }
    } else {
        act(&world, scenario.act, &env).await
    };
    restore_permissions(&world.out_dir());
    check(&world, &scenario.expect, &run, &before);
}

/// Returns whether the run must be made as `nobody` (as root, for permission bits to hold).
fn prepare(world: &World, prepare: Prepare) -> bool {
    match prepare {
        Prepare::Nothing => {}
        Prepare::RevokeTokens => world.fake.revoke_tokens(),
        Prepare::WriteFile(name, contents) => {
            std::fs::write(world.dir.path().join(name), contents).expect("write");
        }
        Prepare::JobFolderIsAFile(job) => {
            std::fs::write(world.out_dir().join(job), "not a folder").expect("write");
        }
        Prepare::ReadOnlyOutput => {
            set_read_only(&world.out_dir());
            let probe = world.out_dir().join(".probe");
            if std::fs::write(&probe, "x").is_ok() {
                let _ = std::fs::remove_file(probe);
                open_to_nobody(world);
                return true;
            }
        }
    }
    false
}

/// Lets `nobody` into the work folder, run the jobs and keep state, but not write `out/`.
fn open_to_nobody(world: &World) {
    use std::os::unix::fs::PermissionsExt;
    for (dir, mode) in [
        (world.dir.path().to_owned(), 0o755),
        (world.jobs_dir(), 0o755),
        (world.state_dir(), 0o777),
    ] {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode)).expect("chmod");
    }
}

/// `a0snap run` as user `nobody`, with a token cache in memory (the cache file is root's);
/// `None` when `setpriv` is not installed.
async fn run_as_nobody(world: &World, extra: &[(&str, &str)]) -> Option<Run> {
    let mut env = world.env();
    env.push(("A0SNAP_TOKEN_CACHE".into(), "memory".into()));
    for (name, value) in extra {
        env.retain(|(existing, _)| existing != name);
        env.push(((*name).into(), (*value).into()));
    }
    let output = tokio::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(env!("CARGO_BIN_EXE_a0snap"))
        .arg("run")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .envs(env)
        .current_dir(world.dir.path())
        .stdin(std::process::Stdio::null())
        .output()
        .await;
    let output = match output {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return None,
        other => other.expect("setpriv runs a0snap as nobody"),
    };
    Some(Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    })
}

async fn act(world: &World, act: Act, env: &[(&str, &str)]) -> Run {
    match act {
        Act::Run => world.a0snap_with(&["run"], env).await,
        Act::KilledThenRun(job) => {
            let mut child = spawn(world, env);
            let dir = world.out_dir().join(job);
            wait_for_temp_file(&dir).await;
            child.start_kill().expect("kill");
            let status = child.wait().await.expect("wait");
            assert!(!status.success(), "the killed run exited normally");
            assert!(
                !temp_files(&dir).is_empty(),
                "the killed run left no temporary file to sweep"
            );
            world.a0snap_with(&["run"], env).await
        }
        Act::Overlapping(job) => {
            let first = spawn(world, env);
            wait_for_temp_file(&world.out_dir().join(job)).await;
            let second = world.a0snap_with(&["run"], env).await;
            let first = first.wait_with_output().await.expect("first run");
            let stdout = String::from_utf8_lossy(&first.stdout);
            assert_eq!(
                first.status.code(),
                Some(0),
                "the first run failed:\n{stdout}"
            );
            world.assert_no_secrets(&stdout);
            second
        }
    }
}

fn spawn(world: &World, extra: &[(&str, &str)]) -> tokio::process::Child {
    let mut env = world.env();
    for (name, value) in extra {
        env.retain(|(existing, _)| existing != name);
        env.push(((*name).into(), (*value).into()));
    }
    tokio::process::Command::new(env!("CARGO_BIN_EXE_a0snap"))
        .arg("run")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .envs(env)
        .current_dir(world.dir.path())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("a0snap starts")
}

async fn wait_for_temp_file(dir: &Path) {
    for _ in 0..200 {
        if !temp_files(dir).is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no temporary file appeared in {}", dir.display());
}

fn set_read_only(out: &Path) {
    use std::os::unix::fs::PermissionsExt;
    for dir in job_dirs(out).into_iter().chain([out.to_owned()]) {
        let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o555));
    }
}

fn restore_permissions(out: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(out, std::fs::Permissions::from_mode(0o755));
    for dir in job_dirs(out) {
        let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755));
    }
}
