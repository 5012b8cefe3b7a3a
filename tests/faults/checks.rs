//! The checks of a played scenario: the exit code, what was printed, the requests the fake
//! saw, each job folder against what it held before, no temporary file anywhere, and no
//! secret or token in any output or file.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::harness::{Expect, Files};
use crate::common::{self, Run, World, temp_files};

/// The folders as they were before the run under test.
pub(crate) struct Baseline {
    listings: Vec<(String, Vec<String>, Option<String>)>,
}

impl Baseline {
    pub(crate) fn take(world: &World, jobs: &[(&'static str, String)]) -> Self {
        let listings = jobs
            .iter()
            .map(|(job, _)| {
                let latest = std::fs::read_to_string(world.out_dir().join(job).join("latest.json"));
                ((*job).to_owned(), world.files(job), latest.ok())
            })
            .collect();
        Self { listings }
    }

    fn of(&self, job: &str) -> &(String, Vec<String>, Option<String>) {
        self.listings
            .iter()
            .find(|(name, _, _)| name == job)
            .expect("job of the scenario")
    }
}

pub(crate) fn check(world: &World, expect: &Expect, run: &Run, before: &Baseline) {
    let output = run.all_output();
    assert_eq!(run.code, expect.code, "exit code; output:\n{output}");
    for text in &expect.printed {
        assert!(output.contains(text), "{text:?} was not printed:\n{output}");
    }
    let counters = world.fake.counters();
    eprintln!(
        "the fake saw {} API requests, {} token requests, sent {} 429s",
        counters.api_requests, counters.token_requests, counters.rate_limited
    );
    assert!(
        expect.api_requests.contains(&counters.api_requests),
        "the fake saw {} API requests, expected {:?}; output:\n{output}",
        counters.api_requests,
        expect.api_requests
    );
    if let Some(tokens) = expect.token_requests {
        assert_eq!(
            counters.token_requests, tokens,
            "token requests; output:\n{output}"
        );
    }
    assert!(
        expect.rate_limited.contains(&counters.rate_limited),
        "the fake sent {} 429s, expected {:?}",
        counters.rate_limited,
        expect.rate_limited
    );
    for files in &expect.files {
        check_files(world, files, before);
    }
    for dir in job_dirs(&world.out_dir()) {
        let left = temp_files(&dir);
        assert!(
            left.is_empty(),
            "temporary files left in {}: {left:?}",
            dir.display()
        );
    }
    let files = all_files(&world.out_dir());
    let texts = files
        .iter()
        .map(|file| String::from_utf8_lossy(&std::fs::read(file).unwrap_or_default()).into_owned());
    for text in texts.chain([output]) {
        world.assert_no_secrets(&text);
        for hidden in &expect.hidden {
            assert!(!text.contains(hidden), "{hidden:?} leaked:\n{text}");
        }
    }
}

fn check_files(world: &World, files: &Files, before: &Baseline) {
    match files {
        Files::Complete { job, endpoint, key } => {
            let latest: Vec<Value> =
                serde_json::from_str(&world.read(job, "latest.json")).expect("latest.json is JSON");
            let ids = |records: &[Value]| -> Vec<Value> {
                records.iter().map(|record| record[*key].clone()).collect()
            };
            assert_eq!(
                ids(&latest),
                ids(&world.served(endpoint)),
                "{job}: latest.json"
            );
            let snapshots = world.snapshot_files(job, "");
            let (_, _, old) = before.of(job);
            assert_eq!(
                snapshots.len(),
                1 + usize::from(old.is_some()),
                "{job}: {snapshots:?}"
            );
        }
        Files::Unchanged { job } => {
            let (_, listing, latest) = before.of(job);
            assert!(latest.is_some(), "{job} had no baseline to keep");
            assert_eq!(&world.files(job), listing, "{job}: the folder changed");
            assert_eq!(
                std::fs::read_to_string(world.out_dir().join(job).join("latest.json")).ok(),
                *latest,
                "{job}: latest.json changed"
            );
        }
        Files::Absent { job } => {
            assert!(
                world.snapshot_files(job, "").is_empty(),
                "{job}: {:?}",
                world.files(job)
            );
        }
        Files::Contains { job, file, text } => {
            let body = world.read(job, file);
            assert!(body.contains(text), "{job}/{file} lacks {text:?}:\n{body}");
        }
        Files::Lacks { job, file, text } => {
            let body = world.read(job, file);
            assert!(!body.contains(text), "{job}/{file} holds {text:?}:\n{body}");
        }
    }
}

pub(crate) fn job_dirs(out: &Path) -> Vec<PathBuf> {
    common::list(out)
        .into_iter()
        .map(|name| out.join(name))
        .filter(|path| path.is_dir())
        .collect()
}

fn all_files(out: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in job_dirs(out) {
        for name in common::list(&dir) {
            files.push(dir.join(name));
        }
    }
    files
}
