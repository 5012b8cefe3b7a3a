//! What can go wrong with an incremental job's checkpoint. Every message names the checkpoint
//! file and how to reset it: delete the file, and the next run starts again from the oldest
//! event Auth0 still holds (or from the job's `since`).

use std::path::PathBuf;

/// Why an incremental log export cannot go on.
#[derive(Debug, thiserror::Error)]
pub(crate) enum IncrementalError {
    /// The state folder is not set, so there is nowhere to keep the checkpoint.
    #[error(
        "incremental job {job} keeps its checkpoint in the state folder, and none is set; set A0SNAP_STATE_DIR (or --state-dir)"
    )]
    NoStateDir {
        /// The job.
        job: String,
    },
    /// The checkpoint file exists but cannot be read.
    #[error(
        "cannot read the checkpoint {}: {source}; check its permissions, or delete it to start again from the oldest event Auth0 still holds",
        path.display()
    )]
    Unreadable {
        /// The checkpoint file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The job's folder in a store, where the checkpoint is the newest delta's meta object,
    /// cannot be listed.
    #[error(
        "cannot list {} to find the newest delta's checkpoint: {detail}; nothing was exported, and the next run resumes after the newest committed delta",
        folder.display()
    )]
    Unlisted {
        /// The job's folder (its URL).
        folder: PathBuf,
        /// What the store said.
        detail: String,
    },
    /// The checkpoint file is not one a0snap wrote.
    #[error(
        "the checkpoint {} is not one a0snap wrote ({detail}); delete it to start again from the oldest event Auth0 still holds (or from since)",
        path.display()
    )]
    Corrupt {
        /// The checkpoint file.
        path: PathBuf,
        /// What is wrong with it.
        detail: String,
    },
    /// The checkpoint was written for another tenant.
    #[error(
        "the checkpoint {} belongs to tenant {found}, not {expected}; delete it to start this tenant's logs from the oldest event it holds (or from since)",
        path.display()
    )]
    OtherTenant {
        /// The checkpoint file.
        path: PathBuf,
        /// The tenant it names.
        found: String,
        /// The tenant of this run.
        expected: String,
    },
    /// The logs API refused to continue after the checkpoint.
    #[error(
        "the logs api no longer accepts the checkpoint of job {job} (log_id {log_id}): {detail}; the events after it may have passed Auth0's log retention. To start again from the oldest event Auth0 still holds (or from since), delete {} and run the job again",
        path.display()
    )]
    Rejected {
        /// The job.
        job: String,
        /// The log id the checkpoint holds.
        log_id: String,
        /// The checkpoint file.
        path: PathBuf,
        /// The API's answer.
        detail: String,
    },
    /// The logs API refused to continue after the checkpoint kept in the store's newest delta.
    #[error(
        "the logs api no longer accepts the checkpoint of job {job} (log_id {log_id}, the last event of {}): {detail}; the events after it may have passed Auth0's log retention. To start again from the oldest event Auth0 still holds (or from since), move the job's snapshots out of its folder in the store and run the job again",
        meta.display()
    )]
    RejectedInStore {
        /// The job.
        job: String,
        /// The log id the checkpoint holds.
        log_id: String,
        /// The meta object that holds it.
        meta: PathBuf,
        /// The API's answer.
        detail: String,
    },
    /// The new checkpoint could not be written (nothing was committed).
    #[error(
        "cannot save the checkpoint {}: {source}; make the state folder writable, the snapshot was not written",
        path.display()
    )]
    Unwritable {
        /// The checkpoint file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The snapshot was committed but the checkpoint could not be moved into place.
    #[error(
        "snapshot {snapshot} was written but the checkpoint {} could not be saved: {source}; the next run exports its events again",
        path.display()
    )]
    NotAdvanced {
        /// The snapshot just committed.
        snapshot: String,
        /// The checkpoint file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
}
