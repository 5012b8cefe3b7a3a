//! The harness of the integration tests: a fake Auth0 tenant on loopback, a temporary folder
//! with `jobs/`, `out/` and `state/`, and the real `a0snap` binary run against them.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use fake_auth0::{Config, FakeAuth0, Sizes, Tenant};

pub(crate) mod azurite;
pub(crate) mod bucket;
mod local_server;
pub(crate) mod s3;

/// The client credentials every test tenant accepts.
pub(crate) const CLIENT_ID: &str = "test-client-id";
/// A secret distinctive enough to search for in captured output.
pub(crate) const CLIENT_SECRET: &str = "test-secret-Zq8vXw3LpT";

/// A running fake tenant and a private work folder.
pub(crate) struct World {
    /// The fake tenant.
    pub fake: FakeAuth0,
    /// The temporary folder; removed on drop.
    pub dir: tempfile::TempDir,
}

/// What one run of the binary printed and how it ended.
#[derive(Debug)]
pub(crate) struct Run {
    /// Exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    fn from_output(output: Output) -> Self {
        Self {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Both streams, for assertions on anything printed.
    pub(crate) fn all_output(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// A tenant of `sizes` with the test credentials.
pub(crate) fn config(sizes: Sizes) -> Config {
    Config::new(CLIENT_ID, CLIENT_SECRET, Tenant::generate(&sizes, 7))
}

/// Sizes with every endpoint empty, to set only what a test needs.
pub(crate) fn empty_sizes() -> Sizes {
    Sizes {
        clients: 0,
        users: 0,
        roles: 0,
        connections: 0,
        resource_servers: 0,
        client_grants: 0,
        organizations: 0,
        logs: 0,
    }
}

impl World {
    /// How many logs requests started from the oldest event (no `from=`): an incremental job
    /// that resumes after its checkpoint makes one, on its first run only.
    pub(crate) fn log_walks_from_the_start(&self) -> usize {
        self.fake
            .requests()
            .iter()
            .filter(|request| request.starts_with("/api/v2/logs") && !request.contains("from="))
            .count()
    }

    /// Starts a fake tenant with `config` and makes the folders.
    pub(crate) async fn start(config: Config) -> Self {
        let fake = fake_auth0::start(config).await.expect("fake tenant starts");
        let dir = tempfile::tempdir().expect("temp dir");
        for sub in ["jobs", "out", "state"] {
            std::fs::create_dir_all(dir.path().join(sub)).expect("folder");
        }
        Self { fake, dir }
    }

    /// `{tmp}/jobs`
    pub(crate) fn jobs_dir(&self) -> PathBuf {
        self.dir.path().join("jobs")
    }

    /// `{tmp}/out`
    pub(crate) fn out_dir(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    /// `{tmp}/state`
    pub(crate) fn state_dir(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    /// Writes `jobs/{name}.toml`.
    pub(crate) fn job(&self, name: &str, toml: &str) -> &Self {
        std::fs::write(self.jobs_dir().join(format!("{name}.toml")), toml).expect("job file");
        self
    }

    /// The environment a user would set for this tenant.
    pub(crate) fn env(&self) -> Vec<(String, String)> {
        vec![
            ("AUTH0_DOMAIN".into(), self.fake.base_url()),
            ("AUTH0_CLIENT_ID".into(), CLIENT_ID.into()),
            ("AUTH0_CLIENT_SECRET".into(), CLIENT_SECRET.into()),
            (
                "A0SNAP_JOBS_DIR".into(),
                self.jobs_dir().display().to_string(),
            ),
            (
                "A0SNAP_OUTPUT_DIR".into(),
                self.out_dir().display().to_string(),
            ),
            (
                "A0SNAP_STATE_DIR".into(),
                self.state_dir().display().to_string(),
            ),
            ("HOME".into(), self.dir.path().display().to_string()),
            ("RUST_LOG".into(), "info".into()),
        ]
    }

    /// Runs `a0snap ARGS` with the tenant's environment.
    pub(crate) async fn a0snap(&self, args: &[&str]) -> Run {
        self.a0snap_with(args, &[]).await
    }

    /// Runs `a0snap ARGS` with the tenant's environment plus `extra` (which wins).
    pub(crate) async fn a0snap_with(&self, args: &[&str], extra: &[(&str, &str)]) -> Run {
        let mut env = self.env();
        for (name, value) in extra {
            env.retain(|(existing, _)| existing != name);
            env.push(((*name).into(), (*value).into()));
        }
        run_binary(args, &env, self.dir.path()).await
    }

    /// Files in `out/{job}/`, sorted by name.
    pub(crate) fn files(&self, job: &str) -> Vec<String> {
        list(&self.out_dir().join(job))
    }

    /// The text of `out/{job}/{name}`.
    pub(crate) fn read(&self, job: &str, name: &str) -> String {
        std::fs::read_to_string(self.out_dir().join(job).join(name)).expect("output file")
    }

    /// Runs `a0snap run` and asserts it succeeded (exit 0), printing everything otherwise.
    pub(crate) async fn run_ok(&self) -> Run {
        let run = self.a0snap(&["run"]).await;
        assert_eq!(run.code, 0, "{}", run.all_output());
        run
    }

    /// The records of `out/{job}/latest.json`.
    pub(crate) fn latest_records(&self, job: &str) -> Vec<serde_json::Value> {
        serde_json::from_str(&self.read(job, "latest.json")).expect("latest.json is JSON")
    }

    /// The data files of `job`'s snapshots whose names end with `ext` (`""` for any): named
    /// `{job}-…`, not `latest.*`, not meta files.
    pub(crate) fn snapshot_files(&self, job: &str, ext: &str) -> Vec<String> {
        self.files(job)
            .into_iter()
            .filter(|name| {
                name.starts_with(&format!("{job}-"))
                    && name.ends_with(ext)
                    && !name.ends_with(".meta.json")
            })
            .collect()
    }

    /// The data a run left in `out/{job}/` for a user: every file but temporary ones and the
    /// `last-run.json` trace each run leaves (failed or not).
    pub(crate) fn visible_files(&self, job: &str) -> Vec<String> {
        self.files(job)
            .into_iter()
            .filter(|name| !name.starts_with('.') && name != "last-run.json")
            .collect()
    }

    /// Files a run left half-done in `out/{job}/`: temporary names.
    pub(crate) fn temporary_files(&self, job: &str) -> Vec<String> {
        temp_files(&self.out_dir().join(job))
    }

    /// The served records of `endpoint`, as JSON values.
    pub(crate) fn served(&self, endpoint: &str) -> Vec<serde_json::Value> {
        self.fake
            .with_tenant(|tenant| tenant.records(endpoint).to_vec())
    }

    /// Asserts that neither the secret nor any issued token appears in `text`.
    pub(crate) fn assert_no_secrets(&self, text: &str) {
        assert!(
            !text.contains(CLIENT_SECRET),
            "the client secret leaked:\n{text}"
        );
        for token in self.fake.issued_tokens() {
            assert!(!text.contains(&token), "an access token leaked:\n{text}");
        }
    }
}

/// Runs the binary with exactly `env` (plus PATH), in `cwd`.
pub(crate) async fn run_binary(args: &[&str], env: &[(String, String)], cwd: &Path) -> Run {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_a0snap"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .current_dir(cwd)
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .expect("a0snap runs");
    Run::from_output(output)
}

/// Owned `(name, value)` pairs (an object store's `env()`) borrowed, as
/// [`World::a0snap_with`] takes them.
pub(crate) fn pairs(env: &[(String, String)]) -> Vec<(&str, &str)> {
    env.iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect()
}

/// File names in `dir`, sorted; empty if it does not exist.
pub(crate) fn list(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// The temporary files in `dir` (a0snap's one temporary-name prefix, see `atomic_file`).
pub(crate) fn temp_files(dir: &Path) -> Vec<String> {
    list(dir)
        .into_iter()
        .filter(|name| name.starts_with(".a0snap-tmp-"))
        .collect()
}
