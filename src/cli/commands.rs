//! One function per subcommand. Each builds what it needs from the settings and returns `Ok`
//! or the [`CliError`] it ends with; none prints an error or picks an exit code.

use std::ffi::OsString;
use std::fs::DirBuilder;
use std::os::unix::fs::DirBuilderExt;
use std::path::PathBuf;
use std::sync::Arc;

use super::CliError;
use super::Services;
use super::publish::Publisher;
use super::summary;
use crate::clock;
use crate::config::{self, Overrides, RawEnv, Settings};
use crate::jobs::{self, Job};
use crate::progress::LiveProgress;

/// `a0snap run [--job NAME]...`, with live `progress` when a person is watching.
pub(super) async fn run(
    env: RawEnv,
    overrides: &Overrides,
    names: &[String],
    progress: Option<Arc<LiveProgress>>,
) -> Result<(), CliError> {
    let settings = Settings::resolve(&env, overrides)?;
    let all = jobs::load_dir(&settings.jobs_dir)?;
    let jobs = jobs::select(all.clone(), names)?;
    let services = Services::new(&settings, clock::system())?;
    let ran = super::run::run_all(&settings, &services, jobs, progress).await;
    // Every job's series, run this time or not (see `publish`), when anything reads them.
    let publisher = Publisher::new(&settings, &services);
    if publisher.has_destination() {
        publisher.publish(&all).await;
    }
    ran
}

/// Settings and the selected jobs, or the configuration error.
fn load(
    env: RawEnv,
    overrides: &Overrides,
    names: &[String],
) -> Result<(Settings, Vec<Job>), CliError> {
    let settings = Settings::resolve(&env, overrides)?;
    let jobs = jobs::load_dir(&settings.jobs_dir).and_then(|jobs| jobs::select(jobs, names))?;
    Ok((settings, jobs))
}

/// `a0snap daemon`
pub(super) async fn daemon(env: RawEnv, overrides: &Overrides) -> Result<(), CliError> {
    let (settings, jobs) = load(env, overrides, &[])?;
    super::daemon::run(settings, jobs).await
}

/// `a0snap validate`: prints the valid jobs; [`CliError::Invalid`] lists every problem.
pub(super) fn validate(env: RawEnv, overrides: &Overrides) -> Result<(), CliError> {
    let mut problems = Vec::new();
    match Settings::resolve(&env, overrides) {
        // An object store is written to for real: a probe object is put, read and removed.
        Ok(settings) => match settings.output.probe() {
            Ok(()) if settings.output.local_dir().is_none() => {
                println!(
                    "output {}: reachable, and a probe object was written, read and removed",
                    settings.output
                );
            }
            Ok(()) => {}
            Err(error) => problems.push(CliError::OutputUrl {
                detail: error.to_string(),
            }),
        },
        Err(error) => problems.push(error.into()),
    }
    match jobs::load_dir(&config::jobs_dir(&env, overrides)) {
        Ok(jobs) => print!("{}", summary::render_jobs(&jobs, clock::system().now())),
        Err(error) => problems.push(error.into()),
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(CliError::Invalid { problems })
    }
}

/// `a0snap token [--info]`
pub(super) async fn token(env: RawEnv, overrides: &Overrides, info: bool) -> Result<(), CliError> {
    let settings = Settings::resolve(&env, overrides)?;
    let services = Services::new(&settings, clock::system())?;
    let token = services.tokens.get().await?;
    if info {
        let method = settings.tenant.authentication.method();
        println!(
            "{}",
            summary::token_info(&token, method, services.clock.now())
        );
    } else {
        println!("{}", token.bearer());
    }
    Ok(())
}

/// `a0snap demo`: the bundled sandbox tenant on loopback, the jobs run against it once.
///
/// The sandbox's data never reaches the real output or state folders: it writes to `--out DIR`
/// or `./out` (never `A0SNAP_OUTPUT_DIR`), keeps its tokens in memory and any checkpoints in a
/// private temporary state folder, removed at the end.
pub(super) async fn demo(
    overrides: &Overrides,
    progress: Option<Arc<LiveProgress>>,
) -> Result<(), CliError> {
    let state = DemoState::create()?;
    let tenant = fake_auth0::start(fake_auth0::Config::demo())
        .await
        .map_err(|source| CliError::Sandbox { source })?;
    let env = demo_env(&tenant.base_url())?;
    let overrides = Overrides {
        output_dir: Some(overrides.output_dir.clone().unwrap_or_else(|| "out".into())),
        state_dir: Some(state.0.clone()),
        ..overrides.clone()
    };
    println!("sandbox tenant listening on {}", tenant.base_url());
    let out = config::output_dir(&env, &overrides);
    let ran = run(env, &overrides, &[], progress).await;
    if ran.is_ok() {
        println!("snapshots written below {}/", out.display());
    }
    tenant.shutdown().await;
    ran
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
    fn create() -> Result<Self, CliError> {
        let name: String = std::iter::repeat_with(fastrand::alphanumeric)
            .take(10)
            .collect();
        let path = std::env::temp_dir().join(format!("a0snap-demo-{name}"));
        match DirBuilder::new().mode(0o700).create(&path) {
            Ok(()) => Ok(Self(path)),
            Err(source) => Err(CliError::DemoState { path, source }),
        }
    }
}

impl Drop for DemoState {
    fn drop(&mut self) {
        if let Err(error) = std::fs::remove_dir_all(&self.0) {
            tracing::warn!(path = %self.0.display(), %error, "could not remove the demo's state folder");
        }
    }
}
