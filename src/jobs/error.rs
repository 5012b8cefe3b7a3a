//! What can go wrong while loading jobs: a folder that cannot be used, problems inside job
//! files (all of them, from every file, at once), or `--job` names that match no job.

use std::fmt;
use std::path::PathBuf;

/// One thing wrong in one job file: where, which key, what is wrong and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The job file, as found in the jobs folder (`jobs/apps.toml`).
    pub file: PathBuf,
    /// The dotted key (`output.columns[2]`), or `None` for the file as a whole.
    pub key: Option<String>,
    /// What is wrong and the fix, in lower case (`"xml" is not a format; use ...`).
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.key {
            Some(key) => write!(f, "{}: {key}: {}", self.file.display(), self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

/// Why the jobs could not be loaded or selected.
#[derive(Debug, thiserror::Error)]
pub enum JobsError {
    /// The jobs folder does not exist.
    #[error(
        "the jobs folder {} does not exist; create it and add one NAME.toml file per job, or point --jobs-dir (A0SNAP_JOBS_DIR) at your jobs folder",
        dir.display()
    )]
    MissingDir {
        /// The folder looked for.
        dir: PathBuf,
    },
    /// The path exists but is not a folder.
    #[error(
        "{} is not a folder; point --jobs-dir (A0SNAP_JOBS_DIR) at the folder that holds the job files",
        dir.display()
    )]
    NotADir {
        /// The path given as the jobs folder.
        dir: PathBuf,
    },
    /// The folder could not be listed.
    #[error("cannot read the jobs folder {}: {source}; check its permissions", dir.display())]
    UnreadableDir {
        /// The folder.
        dir: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The folder holds no `*.toml` file.
    #[error(
        "the jobs folder {} has no job files; add one NAME.toml file per job (see \"job files\" in the readme)",
        dir.display()
    )]
    NoJobs {
        /// The folder.
        dir: PathBuf,
    },
    /// Problems in job files, every one of them.
    #[error("{}", list_problems(problems))]
    Invalid {
        /// Every problem found, file by file in name order.
        problems: Vec<Problem>,
    },
    /// `--job` names that match no job file.
    #[error(
        "no job named {}; the jobs are: {}",
        quoted(unknown).join(", "),
        known.join(", ")
    )]
    UnknownJobs {
        /// The names asked for that do not exist.
        unknown: Vec<String>,
        /// Every job there is.
        known: Vec<String>,
    },
}

/// One problem a line, then a count such as "3 problems in 2 job files".
fn list_problems(problems: &[Problem]) -> String {
    let mut files: Vec<&PathBuf> = problems.iter().map(|problem| &problem.file).collect();
    files.sort();
    files.dedup();
    let mut text = String::new();
    for problem in problems {
        text.push_str(&problem.to_string());
        text.push('\n');
    }
    text.push_str(&format!(
        "{} in {}",
        counted(problems.len(), "problem"),
        counted(files.len(), "job file")
    ));
    text
}

fn counted(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

fn quoted(names: &[String]) -> Vec<String> {
    names.iter().map(|name| format!("\"{name}\"")).collect()
}
