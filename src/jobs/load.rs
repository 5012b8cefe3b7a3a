//! Loading the jobs folder: every `*.toml` file is a job named after its stem; other files
//! and hidden files (`.name.toml`, as editors and Kubernetes config maps leave behind) are
//! ignored. Every problem in every file is reported at once.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use super::{Job, JobsError, Problem, parse_job};

/// Loads and checks every job file in `dir`, sorted by job name.
///
/// A missing or unreadable folder, or one without job files, is an error that says what to
/// do; so is any problem in any file, all of them listed.
pub fn load_dir(dir: &Path) -> Result<Vec<Job>, JobsError> {
    let files = job_files(dir)?;
    if files.is_empty() {
        return Err(JobsError::NoJobs {
            dir: dir.to_path_buf(),
        });
    }
    let mut jobs = Vec::new();
    let mut problems = Vec::new();
    for (name, path) in files {
        let parsed = match fs::read_to_string(&path) {
            Ok(text) => parse_job(&name, &path, &text),
            Err(error) => Err(vec![Problem {
                file: path,
                key: None,
                message: format!(
                    "cannot read the file: {error}; check that it is a readable text file"
                ),
            }]),
        };
        match parsed {
            Ok(job) => jobs.push(job),
            Err(found) => problems.extend(found),
        }
    }
    if !problems.is_empty() {
        return Err(JobsError::Invalid { problems });
    }
    jobs.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(jobs)
}

/// The job files in `dir` as (job name, path), sorted by file name.
fn job_files(dir: &Path) -> Result<Vec<(String, PathBuf)>, JobsError> {
    let unreadable = |source| JobsError::UnreadableDir {
        dir: dir.to_path_buf(),
        source,
    };
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == ErrorKind::NotFound => {
            return Err(JobsError::MissingDir {
                dir: dir.to_path_buf(),
            });
        }
        Err(error) if error.kind() == ErrorKind::NotADirectory || dir.is_file() => {
            return Err(JobsError::NotADir {
                dir: dir.to_path_buf(),
            });
        }
        Err(error) => return Err(unreadable(error)),
    };
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(unreadable)?.path();
        let is_toml = path.extension().is_some_and(|ext| ext == "toml");
        let stem = path
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned());
        let Some(stem) = stem.filter(|stem| is_toml && !stem.starts_with('.')) else {
            continue;
        };
        // Follows symbolic links, as config maps mount files; a folder named x.toml is no job.
        if !path.is_dir() {
            files.push((stem, path));
        }
    }
    files.sort();
    Ok(files)
}

/// Keeps the jobs named on the command line (`--job NAME`), or all of them when none is named.
pub(crate) fn select(jobs: Vec<Job>, names: &[String]) -> Result<Vec<Job>, JobsError> {
    if names.is_empty() {
        return Ok(jobs);
    }
    let mut unknown: Vec<String> = Vec::new();
    for name in names {
        if !jobs.iter().any(|job| &job.name == name) && !unknown.contains(name) {
            unknown.push(name.clone());
        }
    }
    if !unknown.is_empty() {
        return Err(JobsError::UnknownJobs {
            unknown,
            known: jobs.into_iter().map(|job| job.name).collect(),
        });
    }
    Ok(jobs
        .into_iter()
        .filter(|job| names.contains(&job.name))
        .collect())
}
