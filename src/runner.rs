//! Runs one job once: pages from the API client flow into the snapshot writers, and the result
//! is an outcome the CLI or the daemon reports.
//!
//! This is the one place where `api` and `snapshot` meet. Pages go to a blocking thread through
//! a small channel, as the bodies that arrived; that thread splits them into records and writes
//! them, so the next request is already under way while a page is parsed and written, and
//! memory holds a few pages at most (plus the offset pages fanned out ahead, see [`Pager`]).
//! If the export fails, or the future is dropped before the commit phase (the daemon's abort),
//! the unfinished snapshot is dropped and its temporary files go with it: nothing visible
//! changes. Once the commit phase has started it runs to its end on a blocking thread, as one
//! unit: snapshot, `latest.*`, checkpoint, then the lock's release.
//!
//! Records come from the [`Pager`], or from Auth0's bulk export for `mode = "export"`. An
//! incremental job continues after its checkpoint, and its new checkpoint is moved into place
//! only once the snapshot is committed (see [`crate::incremental`]); a quiet run, with no new
//! event, commits nothing at all (see `finish`).
//!
//! A walk that drifts (the tenant changed while it was read: see [`crate::api::Drift`]) is
//! thrown away with its unfinished snapshot and walked again from the start, up to
//! `A0SNAP_MAX_REWALKS` times, before the job fails naming every drift; a walk that found
//! the server's pages smaller than asked starts again at the server's size without counting
//! as a re-walk (the size only shrinks, so this ends). Nothing visible changes until a walk
//! completes without drift.
//!
//! A `for_each` job walks its parent list, then each parent's child list (see `relation`);
//! a parent deleted meanwhile is a drift like any other.
//!
//! [`Pager`]: crate::api::Pager

mod fetch;
mod finish;
mod relation;
mod rewalk;
#[cfg(test)]
mod tests;
mod trace;
mod writer;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use crate::api::{ApiClient, ApiError, ExportError, ExportFacts, Page};
use crate::clock::SharedClock;
use crate::incremental::{Checkpoint, IncrementalError, IncrementalRun};
use crate::jobs::{Job, Mode};
use crate::progress::SharedProgress;
use crate::snapshot::{self, Committed, JobLock, MetaInput, Snapshot, SnapshotError};
use crate::store::Output;
use fetch::{Fetched, Walk, fetch_export, fetch_pages};
use finish::{Finish, meta_extras};
use rewalk::Walks;
use writer::{join_writer, write_pages};

/// Pages buffered between the fetching and the writing side.
const PAGES_IN_FLIGHT_TO_DISK: usize = 4;

/// What a job run needs from its surroundings.
#[derive(Debug, Clone)]
pub(crate) struct RunContext {
    /// The shared API client.
    pub api: ApiClient,
    /// The output, a folder or an object store; each job writes below `{output}/{job}/`.
    pub output: Output,
    /// How long a job's lease in an object store lives without renewal.
    pub lease_ttl: Duration,
    /// The clock for snapshot names and metadata.
    pub clock: SharedClock,
    /// Where each page's progress is shown, if anywhere (a person at a terminal).
    pub progress: Option<SharedProgress>,
    /// The state folder; incremental jobs keep their checkpoints below it.
    pub state_dir: PathBuf,
    /// Offset pages one job may have on their way at once, requested or arrived and waiting
    /// for an earlier page (see [`crate::api::Pager::fan_out`]); 1 walks one page after the other.
    pub pages_ahead: usize,
    /// Walks again after a drift before the job fails (`A0SNAP_MAX_REWALKS`).
    pub max_rewalks: u32,
}

/// How a run ended, when it did not fail.
// One per job run, moved a couple of times: its size does not matter, boxing would only add noise.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// A snapshot was written.
    Exported(Box<Exported>),
    /// Another process holds the job's lock; nothing was done.
    Skipped {
        /// Why, for the summary.
        reason: String,
    },
}

/// The facts of a successful run: the snapshot written, or none for a quiet run.
#[derive(Debug)]
pub(crate) struct Exported {
    /// Records written.
    pub records: u64,
    /// Pages fetched.
    pub pages: u64,
    /// The total the API reported, if any.
    pub total: Option<u64>,
    /// Wall time of the run.
    pub duration: Duration,
    /// The files and metadata written (and the change report's numbers); `None` when a quiet
    /// run of an incremental job (no new event) committed nothing. Such a run is a success all
    /// the same; `latest.*` and the checkpoint stay as they were.
    pub committed: Option<Committed>,
    /// Incremental jobs: where the run started and ended.
    pub incremental: Option<IncrementalRun>,
    /// `mode = "export"`: the Auth0 export job.
    pub export: Option<ExportFacts>,
}

/// Why a job failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum JobError {
    /// The API could not be read.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The snapshot could not be written.
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    /// The users export failed.
    #[error(transparent)]
    Export(#[from] ExportError),
    /// The incremental checkpoint could not be used or saved.
    #[error(transparent)]
    Incremental(#[from] IncrementalError),
    /// Every walk drifted: the tenant kept changing while it was read.
    #[error(
        "{path} changed while it was read, {}: {}; nothing was written and latest is unchanged. If the tenant was changing, run the job again later or raise A0SNAP_MAX_REWALKS; if records arrive twice on a quiet tenant, the order is not stable: sort on a unique field (as in params.sort = \"user_id:1\")",
        if *walks == 1 { "in its only walk".to_owned() } else { format!("in each of {walks} walks") },
        drifts.join("; then ")
    )]
    Drifted {
        /// The request path.
        path: String,
        /// Walks made.
        walks: u32,
        /// What drifted in each walk.
        drifts: Vec<String>,
    },
    /// The writing thread stopped without an answer (a bug).
    #[error("the snapshot writer of job {job} stopped unexpectedly: {detail}")]
    Writer {
        /// The job.
        job: String,
        /// What the runtime said.
        detail: String,
    },
}

/// Runs `job` once and logs its start and its end: the one place a run is logged, for
/// `a0snap run` and the daemon alike (the daemon logs only what happens around a run: a
/// crash, an abort, a run never started). Every run that took the job's lock also leaves
/// `{out}/{job}/last-run.json` (see [`trace`]).
pub(crate) async fn run_job(job: &Job, context: &RunContext) -> Result<Outcome, JobError> {
    tracing::info!(job = %job.name, endpoint = %job.endpoint.path, "job started");
    let started = context.clock.now();
    let counts = |api: &crate::api::ApiClient| {
        (
            api.rate_limited_of(&job.name),
            api.token_requests_of(&job.name),
        )
    };
    let before = counts(&context.api);
    let outcome = run_once(job, context).await;
    let after = counts(&context.api);
    let counted = trace::Counted {
        rate_limited: after.0.saturating_sub(before.0),
        token_requests: after.1.saturating_sub(before.1),
    };
    trace::leave_trace(job, context, started, counted, &outcome).await;
    let name = job.name.as_str();
    match &outcome {
        Ok(Outcome::Exported(exported)) => tracing::info!(
            job = name,
            records = exported.records,
            pages = exported.pages,
            total = exported.total,
            duration_ms = exported.duration.as_millis() as u64,
            snapshot = exported
                .committed
                .as_ref()
                .map_or("none (no new events)", |c| c.stem.as_str()),
            "job finished"
        ),
        Ok(Outcome::Skipped { reason }) => tracing::warn!(job = name, %reason, "job skipped"),
        Err(error) => tracing::error!(job = name, %error, "job failed"),
    }
    outcome
}

/// One run: prepare, then walk (by pages or by export) while a blocking thread writes,
/// walking again after a drift, then commit.
async fn run_once(job: &Job, context: &RunContext) -> Result<Outcome, JobError> {
    let started = Instant::now();
    let Some(Prepared { lock, checkpoint }) = prepare(job, context).await? else {
        return Ok(Outcome::Skipped {
            reason: "another a0snap process is writing this job".to_owned(),
        });
    };
    // The job's deadline (A0SNAP_JOB_TIMEOUT) starts now and bounds every request below,
    // re-walks included.
    let api = context.api.for_job(&job.name);
    let mut walks = Walks::new(job.page_size);
    let (draft, tap, fetched) = loop {
        let draft = begin(job, context).await?;
        let (pages, sink) = mpsc::channel::<Page>(PAGES_IN_FLIGHT_TO_DISK);
        let tap = checkpoint.as_ref().map(Checkpoint::tap);
        let path = job.endpoint.path.clone();
        let writer = tokio::task::spawn_blocking(move || write_pages(draft, sink, tap, &path));
        let fetched = match &job.mode {
            Mode::Page => {
                let walk = Walk {
                    api: &api,
                    checkpoint: checkpoint.as_ref(),
                    page_size: walks.page_size,
                };
                match &job.for_each {
                    Some(for_each) => {
                        relation::fetch_relation(job, for_each, context, walk, pages).await
                    }
                    None => fetch_pages(job, context, walk, pages).await,
                }
            }
            Mode::Export(request) => fetch_export(request, &api, pages).await,
        };
        let (draft, tap) = join_writer(writer, &job.name).await?;
        match fetched {
            Err(JobError::Api(ApiError::Drift { path, drift })) => {
                // The unfinished snapshot goes, and its temporary files with it.
                drop(draft);
                walks.after_drift(job, context.max_rewalks, path, drift)?;
            }
            fetched => break (draft, tap, fetched?),
        }
    };
    let finish = Finish {
        draft,
        meta: MetaInput {
            endpoint: job.endpoint.path.clone(),
            finished_at: context.clock.now(),
            pages: fetched.pages,
            extra: serde_json::Map::new(),
        },
        checkpoint: checkpoint.zip(tap),
        now: context.clock.now(),
        lock,
    };
    commit(job, finish, fetched, walks.rewalks, started).await
}

/// What a run holds once prepared: the job's lock and its checkpoint.
struct Prepared {
    lock: JobLock,
    checkpoint: Option<Checkpoint>,
}

/// [`prepare_files`] on a blocking thread: it is all file work (lock, sweep, checkpoint,
/// temporary files), kept off the async workers that drive every job's requests.
async fn prepare(job: &Job, context: &RunContext) -> Result<Option<Prepared>, JobError> {
    let (owned_job, context) = (job.clone(), context.clone());
    tokio::task::spawn_blocking(move || prepare_files(&owned_job, &context))
        .await
        .map_err(|error| JobError::Writer {
            job: job.name.clone(),
            detail: error.to_string(),
        })?
}

/// Takes the job's lock (`None` when another process holds it), sweeps what an interrupted
/// run left and opens the checkpoint.
fn prepare_files(job: &Job, context: &RunContext) -> Result<Option<Prepared>, JobError> {
    let folder = context.output.job(&job.name);
    let Some(lock) = folder
        .try_lock(context.lease_ttl)
        .map_err(SnapshotError::from)?
    else {
        return Ok(None);
    };
    let temporary = match folder.local_dir() {
        Some(dir) => snapshot::sweep_temp_files(dir).map_err(SnapshotError::from)?,
        None => 0,
    };
    let swept = temporary + snapshot::sweep_uncommitted(&folder, &job.name)?;
    if swept > 0 {
        tracing::info!(job = %job.name, files = swept, "removed temporary files left by an interrupted run");
    }
    let checkpoint = open_checkpoint(job, context)?;
    Ok(Some(Prepared { lock, checkpoint }))
}

/// Begins a snapshot (its temporary files) on a blocking thread, for one walk.
async fn begin(job: &Job, context: &RunContext) -> Result<Snapshot, JobError> {
    let folder = context.output.job(&job.name);
    let (name, output, now) = (job.name.clone(), job.output.clone(), context.clock.now());
    tokio::task::spawn_blocking(move || Snapshot::begin(folder, &name, now, &output))
        .await
        .map_err(|error| JobError::Writer {
            job: job.name.clone(),
            detail: error.to_string(),
        })?
        .map_err(JobError::from)
}

/// Completes the meta file and runs the commit phase; the run's outcome.
async fn commit(
    job: &Job,
    mut finish: Finish,
    fetched: Fetched,
    rewalks: u32,
    started: Instant,
) -> Result<Outcome, JobError> {
    let incremental = finish.checkpoint.as_ref().map(|(c, tap)| c.run(tap));
    let extra = &mut finish.meta.extra;
    extra.extend(meta_extras(job, &fetched, rewalks, started.elapsed()));
    if let Some(run) = &incremental {
        extra.insert("incremental".to_owned(), run.meta());
    }
    extra.extend(
        fetched
            .export
            .as_ref()
            .map(ExportFacts::meta)
            .unwrap_or_default(),
    );
    let quiet = finish.is_quiet();
    let committed = finish.start().await.map_err(|error| JobError::Writer {
        job: job.name.clone(),
        detail: error.to_string(),
    })??;
    if quiet {
        tracing::info!(job = %job.name, "no new log events since the last run; nothing written, latest and the checkpoint unchanged");
    }
    Ok(Outcome::Exported(Box::new(Exported {
        records: committed.as_ref().map_or(0, |committed| committed.records),
        pages: fetched.pages,
        total: fetched.total,
        duration: started.elapsed(),
        committed,
        incremental,
        export: fetched.export,
    })))
}

/// The checkpoint of an incremental job (`None` for any other job).
fn open_checkpoint(job: &Job, context: &RunContext) -> Result<Option<Checkpoint>, JobError> {
    if !job.incremental {
        return Ok(None);
    }
    let tenant = context.api.url("/", &[]).to_string();
    Ok(Some(Checkpoint::open(
        &context.state_dir,
        &job.name,
        &context.output,
        &tenant,
        job.since,
    )?))
}
