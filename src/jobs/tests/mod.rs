//! Tests for job files: messages users see for bad files, what good files turn into, and
//! loading a folder.

mod bad_files;
mod export_fields;
mod for_each;
mod good_files;
mod loading;

use std::path::Path;

use super::{Job, parse_job};

/// Parses `text` as `jobs/apps.toml`.
fn parse(text: &str) -> Result<Job, Vec<String>> {
    parse_job("apps", Path::new("jobs/apps.toml"), text)
        .map_err(|problems| problems.iter().map(ToString::to_string).collect())
}

/// The job a file that must be good turns into.
fn good(text: &str) -> Job {
    match parse(text) {
        Ok(job) => job,
        Err(problems) => panic!("expected a good job file, got:\n{}", problems.join("\n")),
    }
}

/// The problems a file that must be bad reports.
fn bad(text: &str) -> Vec<String> {
    match parse(text) {
        Ok(job) => panic!("expected problems, got a job: {job:?}"),
        Err(problems) => problems,
    }
}
