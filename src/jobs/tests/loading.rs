use std::fs;
use std::path::Path;

use tempfile::TempDir;

use crate::jobs::{JobsError, load_dir, select};

const GOOD: &str = "every = \"1h\"\nendpoint = \"clients\"\n";

fn folder(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for (name, text) in files {
        fs::write(dir.path().join(name), text).expect("a job file");
    }
    dir
}

fn names(dir: &Path) -> Vec<String> {
    let jobs = load_dir(dir).expect("good jobs");
    jobs.into_iter().map(|job| job.name).collect()
}

#[test]
fn jobs_are_loaded_sorted_by_name_and_other_files_are_ignored() {
    let dir = folder(&[
        ("users.toml", GOOD),
        ("apps.toml", GOOD),
        ("README.md", "not a job"),
        ("apps.toml~", "an editor backup"),
        (".draft.toml", "not = [valid"),
    ]);
    fs::create_dir(dir.path().join("old.toml")).expect("a folder");
    assert_eq!(names(dir.path()), ["apps", "users"]);
}

#[test]
fn every_problem_in_every_file_is_reported_at_once() {
    let dir = folder(&[
        (
            "apps.toml",
            "every = \"1h\"\nendpoint = \"clients\"\n[output]\nformat = \"xml\"\n",
        ),
        ("good.toml", GOOD),
        ("Bad Name.toml", GOOD),
        (
            "users.toml",
            "schedule = \"* * *\"\nendpoint = \"users\"\nkeep = 3\n",
        ),
    ]);
    let error = load_dir(dir.path()).expect_err("bad files");
    let JobsError::Invalid { problems } = &error else {
        panic!("expected problems, got {error}");
    };
    assert_eq!(problems.len(), 4, "{error}");
    let text = error.to_string();
    let root = dir.path().display();
    assert_eq!(
        text,
        format!(
            "{root}/Bad Name.toml: \"Bad Name\" is not a valid job name; rename the file using lower-case letters, digits, \"-\" and \"_\", starting with a letter or digit, as in \"bad-name.toml\"\n\
             {root}/apps.toml: output.format: \"xml\" is not a format; use one or several of \"json\", \"ndjson\", \"csv\"\n\
             {root}/users.toml: schedule: \"* * *\" has 3 fields; write 5 (minute hour day-of-month month day-of-week), as in \"0 * * * *\", or a macro such as \"@daily\"\n\
             {root}/users.toml: keep: belongs in the [output] table; move it below the [output] line\n\
             4 problems in 3 job files"
        )
    );
}

#[test]
fn a_missing_folder_says_how_to_fix_it() {
    let dir = folder(&[]);
    let missing = dir.path().join("jobs");
    let message = load_dir(&missing).expect_err("missing").to_string();
    assert_eq!(
        message,
        format!(
            "the jobs folder {} does not exist; create it and add one NAME.toml file per job, or point --jobs-dir (A0SNAP_JOBS_DIR) at your jobs folder",
            missing.display()
        )
    );
}

#[test]
fn a_folder_without_job_files_is_an_error() {
    let dir = folder(&[("notes.txt", "")]);
    let error = load_dir(dir.path()).expect_err("no jobs");
    assert!(matches!(error, JobsError::NoJobs { .. }));
    assert!(
        error
            .to_string()
            .contains("has no job files; add one NAME.toml file per job")
    );
}

#[test]
fn a_file_given_as_the_jobs_folder_is_an_error() {
    let dir = folder(&[("apps.toml", GOOD)]);
    let error = load_dir(&dir.path().join("apps.toml")).expect_err("not a folder");
    assert!(matches!(error, JobsError::NotADir { .. }), "{error}");
}

#[test]
fn selected_jobs_keep_their_order_and_unknown_names_list_the_known_ones() {
    let dir = folder(&[
        ("apps.toml", GOOD),
        ("roles.toml", GOOD),
        ("users.toml", GOOD),
    ]);
    let jobs = load_dir(dir.path()).expect("good jobs");
    let picked = select(jobs.clone(), &["users".to_owned(), "apps".to_owned()]).expect("known");
    let picked: Vec<&str> = picked.iter().map(|job| job.name.as_str()).collect();
    assert_eq!(picked, ["apps", "users"]);
    assert_eq!(select(jobs.clone(), &[]).expect("all").len(), 3);
    let names = [
        "nope".to_owned(),
        "apps".to_owned(),
        "nope".to_owned(),
        "gone".to_owned(),
    ];
    let error = select(jobs, &names).expect_err("unknown");
    assert_eq!(
        error.to_string(),
        "no job named \"nope\", \"gone\"; the jobs are: apps, roles, users"
    );
}
