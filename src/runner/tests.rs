//! The commit phase: what a dropped run leaves once its commit has started.

use std::time::Duration;

use serde_json::value::RawValue;

use super::*;
use crate::snapshot::OutputDraft;

const TENANT: &str = "https://acme.eu.auth0.com/";

/// Takes the job's lock, waiting while another holder (the commit phase) has it.
async fn lock_when_free(job_dir: &std::path::Path) -> JobLock {
    for _ in 0..1000 {
        let folder = crate::store::JobFolder::from(job_dir);
        if let Some(lock) = folder.try_lock(crate::store::DEFAULT_LEASE_TTL).unwrap() {
            return lock;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the commit phase never released the lock");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_commit_phase_whose_run_is_dropped_still_commits_the_snapshot_and_the_checkpoint_before_freeing_the_lock()
 {
    let out = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let job_dir = snapshot::job_dir(out.path(), "logs");
    let lock = JobLock::try_acquire(&job_dir).unwrap().unwrap();
    let checkpoint = Checkpoint::open(state.path(), "logs", out.path(), TENANT, None).unwrap();
    let now = "2024-01-09T00:00:00Z".parse().unwrap();
    let mut draft = Snapshot::begin(
        &job_dir,
        "logs",
        now,
        &OutputDraft::default().check().unwrap(),
    )
    .unwrap();
    let event =
        RawValue::from_string(r#"{"date":"2024-01-08T09:00:00.000Z","log_id":"901"}"#.to_owned())
            .unwrap();
    let mut tap = checkpoint.tap();
    draft.write_all(tap.pass(vec![&*event])).unwrap();
    let meta = MetaInput {
        endpoint: "/api/v2/logs".to_owned(),
        finished_at: now,
        pages: 1,
        extra: serde_json::Map::new(),
    };
    let finish = Finish {
        draft,
        meta,
        checkpoint: Some((checkpoint, tap)),
        now,
        lock,
    };

    // The daemon's abort drops the run's future as soon as the commit phase has started.
    drop(finish.start());

    let _lock = lock_when_free(&job_dir).await;
    let latest = std::fs::read_to_string(job_dir.join("latest.json")).unwrap();
    assert!(latest.contains("\"901\""), "{latest}");
    let next = Checkpoint::open(state.path(), "logs", out.path(), TENANT, None).unwrap();
    assert_eq!(
        next.resume_after().as_deref(),
        Some("901"),
        "the checkpoint moved"
    );
}
