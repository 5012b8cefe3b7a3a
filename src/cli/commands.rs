//! One function per subcommand. Each builds what it needs from the settings and returns the
//! [`Exit`] it ends with.

use std::ffi::OsString;
use std::fs::DirBuilder;
use std::os::unix::fs::DirBuilderExt;
use std::path::PathBuf;
use std::sync::Arc;

use futures_util::StreamExt;

use super::summary::{self, JobResult};
use super::{Exit, failure, usage_error};
use crate::clock;
use crate::config::{self, Overrides, RawEnv, Settings};
use crate::jobs::{self, Job};
use crate::progress::{LiveProgress, SharedProgress};
use crate::runner::{self, RunContext};
use crate::services::Services;

/// `a0snap run [--job NAME]...`, with live `progress` when a person is watching.
pub async fn run(
    env: RawEnv,
    overrides: &Overrides,
    names: &[String],
    progress: Option<Arc<LiveProgress>>,
) -> Exit {
    let (settings, jobs) = match load(env, overrides, names) {
        Ok(loaded) => loaded,
        Err(exit) => return exit,
    };
    let services = match Services::new(&settings, clock::system()) {
        Ok(services) => services,
        Err(error) => return usage_error(&error),
    };
    run_all(&settings, &services, jobs, progress).await
}

/// Runs `jobs` once each, up to the configured number at a time, and prints the summary.
async fn run_all(
    settings: &Settings,
    services: &Services,
    jobs: Vec<Job>,
    progress: Option<Arc<LiveProgress>>,
) -> Exit {
    let mut context = services.run_context(settings);
    context.progress = progress.clone().map(|live| live as SharedProgress);
    let context = Arc::new(context);
    let results: Vec<JobResult> = futures_util::stream::iter(jobs)
        .map(|job| run_one(job, context.clone()))
        .buffered(settings.job_concurrency)
        .collect()
        .await;
    if let Some(progress) = progress {
        progress.clear();
    }
    print!("{}", summary::render(&results));
    if results.iter().any(|result| result.outcome.is_err()) {
        Exit::Failure
    } else {
        Exit::Success
    }
}

async fn run_one(job: Job, context: Arc<RunContext>) -> JobResult {
    tracing::info!(job = %job.name, endpoint = %job.endpoint.path, "job started");
    let outcome = runner::run_job(&job, &context).await;
    match &outcome {
        Ok(runner::Outcome::Exported(exported)) => tracing::info!(
            job = %job.name,
            records = exported.records,
            pages = exported.pages,
            total = exported.total,
            duration_ms = exported.duration.as_millis() as u64,
            "job finished"
        ),
        Ok(runner::Outcome::Skipped { reason }) => {
            tracing::warn!(job = %job.name, %reason, "job skipped")
        }
        Err(error) => tracing::error!(job = %job.name, error = %error, "job failed"),
    }
    JobResult {
        job: job.name,
        outcome,
    }
}

/// Settings and the selected jobs, or the exit code of a configuration error.
fn load(
    env: RawEnv,
    overrides: &Overrides,
    names: &[String],
) -> Result<(Settings, Vec<Job>), Exit> {
    let settings = Settings::resolve(&env, overrides).map_err(|error| usage_error(&error))?;
    let jobs = jobs::load_dir(&settings.jobs_dir)
        .and_then(|jobs| jobs::select(jobs, names))
        .map_err(|error| usage_error(&error))?;
    Ok((settings, jobs))
}

/// `a0snap daemon`
pub async fn daemon(env: RawEnv, overrides: &Overrides) -> Exit {
    match load(env, overrides, &[]) {
        Ok((settings, jobs)) => super::daemon::run(settings, jobs).await,
        Err(exit) => exit,
    }
}

/// `a0snap validate`
pub fn validate(env: RawEnv, overrides: &Overrides) -> Exit {
    let settings = Settings::resolve(&env, overrides);
    let jobs = jobs::load_dir(&config::jobs_dir(&env, overrides));
    let mut valid = true;
    if let Err(error) = &settings {
        eprintln!("a0snap: {error}");
        valid = false;
    }
    match &jobs {
        Ok(jobs) => print!("{}", summary::render_jobs(jobs, clock::system().now())),
        Err(error) => {
            eprintln!("a0snap: {error}");
            valid = false;
        }
    }
    if valid { Exit::Success } else { Exit::Usage }
}

/// `a0snap token [--info]`
pub async fn token(env: RawEnv, overrides: &Overrides, info: bool) -> Exit {
    let settings = match Settings::resolve(&env, overrides) {
        Ok(settings) => settings,
        Err(error) => return usage_error(&error),
    };
    let services = match Services::new(&settings, clock::system()) {
        Ok(services) => services,
        Err(error) => return usage_error(&error),
    };
    let token = match services.tokens.get().await {
        Ok(token) => token,
        Err(error) => return failure(&error),
    };
    if info {
        println!("{}", summary::token_info(&token, services.clock.now()));
    } else {
        println!("{}", token.bearer());
    }
    Exit::Success
}

/// `a0snap demo`: the bundled sandbox tenant on loopback, the jobs run against it once.
///
/// The sandbox's data never reaches the real output or state folders: it writes to `--out DIR`
/// or `./out` (never `A0SNAP_OUTPUT_DIR`), keeps its tokens in memory and any checkpoints in a
/// private temporary state folder, removed at the end.
pub async fn demo(overrides: &Overrides, progress: Option<Arc<LiveProgress>>) -> Exit {
    let state = match DemoState::create() {
        Ok(state) => state,
        Err(error) => return failure(&error),
    };
    let tenant = match fake_auth0::start(fake_auth0::Config::demo()).await {
        Ok(tenant) => tenant,
        Err(error) => return failure(&format!("cannot start the sandbox tenant: {error}")),
    };
    let env = match demo_env(&tenant.base_url()) {
        Ok(env) => env,
        Err(error) => return usage_error(&error),
    };
    let overrides = Overrides {
        output_dir: Some(overrides.output_dir.clone().unwrap_or_else(|| "out".into())),
        state_dir: Some(state.0.clone()),
        ..overrides.clone()
    };
    println!("sandbox tenant listening on {}", tenant.base_url());
    let out = config::output_dir(&env, &overrides);
    let exit = run(env, &overrides, &[], progress).await;
    if exit == Exit::Success {
        println!("snapshots written below {}/", out.display());
    }
    tenant.shutdown().await;
    exit
}

/// The environment with the sandbox tenant's credentials, the memory token cache, and neither
/// the real tenant's settings nor the real output and state folders.
fn demo_env(base_url: &str) -> Result<RawEnv, config::ConfigError> {
    const REAL: [&str; 3] = [
        "A0SNAP_TOKEN_CACHE",
        "A0SNAP_OUTPUT_DIR",
        "A0SNAP_STATE_DIR",
    ];
    let config = fake_auth0::Config::demo();
    let mut vars: Vec<(OsString, OsString)> = std::env::vars_os()
        .filter(|(name, _)| {
            let name = name.to_string_lossy();
            !name.starts_with("AUTH0_") && !REAL.contains(&name.as_ref())
        })
        .collect();
    vars.extend([
        ("AUTH0_DOMAIN".into(), base_url.into()),
        ("AUTH0_CLIENT_ID".into(), config.client_id.clone().into()),
        ("AUTH0_CLIENT_SECRET".into(), config.client_secret.into()),
        ("A0SNAP_TOKEN_CACHE".into(), "memory".into()),
    ]);
    RawEnv::from_vars_os(vars)
}

/// The demo's private state folder (mode 0700) under the system's temporary folder; removed
/// on drop.
struct DemoState(PathBuf);

impl DemoState {
    fn create() -> Result<Self, String> {
        let name: String = std::iter::repeat_with(fastrand::alphanumeric)
            .take(10)
            .collect();
        let path = std::env::temp_dir().join(format!("a0snap-demo-{name}"));
        DirBuilder::new().mode(0o700).create(&path).map_err(|error| {
            format!(
                "cannot create the demo's state folder {}: {error}; set TMPDIR to a writable folder",
                path.display()
            )
        })?;
        Ok(Self(path))
    }
}

impl Drop for DemoState {
    fn drop(&mut self) {
        if let Err(error) = std::fs::remove_dir_all(&self.0) {
            tracing::warn!(path = %self.0.display(), %error, "could not remove the demo's state folder");
        }
    }
}
