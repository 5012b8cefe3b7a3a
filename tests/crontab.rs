//! `crontab.example` runs as written: its command lines, with the environment file and log
//! folder moved into a temporary folder, export every job against the fake tenant and append
//! to the log, and the one-job line exports only that job.

use crate::common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use a0snap::cron::CronSchedule;
use common::{CLIENT_ID, CLIENT_SECRET, World};
use fake_auth0::{Config, Tenant};

/// The crontab's paths that the test moves into its temporary folder.
const ENV_FILE: &str = "/etc/a0snap/env";
const LOG_DIR: &str = "/var/log/a0snap";

/// A crontab entry: the five schedule fields and the command.
struct Entry {
    schedule: String,
    command: String,
}

/// The entries of `text`: lines that are neither comments, blank, nor `NAME=value` settings.
fn entries(text: &str) -> Vec<Entry> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter(|line| {
            let name = line.split('=').next().unwrap_or_default();
            !(line.contains('=')
                && !name.is_empty()
                && name.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
        })
        .map(|line| {
            let mut rest = line;
            let mut fields = Vec::new();
            for _ in 0..5 {
                let (field, after) = rest.split_once(char::is_whitespace).expect("5 fields");
                fields.push(field);
                rest = after.trim_start();
            }
            Entry {
                schedule: fields.join(" "),
                command: rest.to_owned(),
            }
        })
        .collect()
}

/// The environment file a user would write, for the fake tenant, readable only by its owner.
fn write_env_file(world: &World, path: &Path) {
    let jobs = Path::new(env!("CARGO_MANIFEST_DIR")).join("jobs");
    let text = format!(
        "AUTH0_DOMAIN={}\nAUTH0_CLIENT_ID={CLIENT_ID}\nAUTH0_CLIENT_SECRET={CLIENT_SECRET}\nA0SNAP_JOBS_DIR={}\nA0SNAP_OUTPUT_DIR={}\nA0SNAP_STATE_DIR={}\n",
        world.fake.base_url(),
        jobs.display(),
        world.out_dir().display(),
        world.state_dir().display(),
    );
    std::fs::write(path, text).expect("env file");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
}

/// Runs `command` as cron would: `sh -c`, a bare environment, and the crontab's PATH with the
/// built binary's folder first.
async fn run_as_cron(command: &str, home: &Path) -> std::process::ExitStatus {
    let binary = Path::new(env!("CARGO_BIN_EXE_a0snap"));
    let bin_dir = binary.parent().expect("binary folder");
    tokio::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .env_clear()
        .env("PATH", format!("{}:/usr/bin:/bin", bin_dir.display()))
        .env("HOME", home)
        .env("SHELL", "/bin/sh")
        .stdin(std::process::Stdio::null())
        .status()
        .await
        .expect("sh runs")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_example_crontab_lines_run_as_written_and_append_to_the_log() {
    let world = World::start(Config::new(CLIENT_ID, CLIENT_SECRET, Tenant::sample())).await;
    let env_file = world.dir.path().join("env");
    let log_dir = world.dir.path().join("log");
    std::fs::create_dir(&log_dir).expect("log folder");
    write_env_file(&world, &env_file);

    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("crontab.example"))
            .expect("crontab.example");
    let entries = entries(&text);
    assert_eq!(
        entries.len(),
        2,
        "one line for every job, one for a single job"
    );
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    for entry in &entries {
        let line = format!("{} {}", entry.schedule, entry.command);
        assert!(
            readme.contains(&line),
            "the README's cron section should show: {line}"
        );
    }
    for entry in &entries {
        CronSchedule::parse(&entry.schedule, jiff::tz::TimeZone::UTC)
            .unwrap_or_else(|error| panic!("{}: {error}", entry.schedule));
        assert!(
            entry.command.contains(ENV_FILE) && entry.command.contains(LOG_DIR),
            "the test moves {ENV_FILE} and {LOG_DIR}; update it with the crontab: {}",
            entry.command
        );
    }
    let command = |entry: &Entry| {
        entry
            .command
            .replace(ENV_FILE, &env_file.display().to_string())
            .replace(LOG_DIR, &log_dir.display().to_string())
    };

    let all = &entries[0];
    assert!(all.command.contains("a0snap run >>"), "{}", all.command);
    let status = run_as_cron(&command(all), world.dir.path()).await;
    let log = std::fs::read_to_string(log_dir.join("a0snap.log")).expect("log file");
    assert!(status.success(), "{status}\n{log}");
    let jobs = common::list(&Path::new(env!("CARGO_MANIFEST_DIR")).join("jobs"));
    for job in jobs.iter().filter_map(|name| name.strip_suffix(".toml")) {
        assert!(
            world
                .files(job)
                .iter()
                .any(|name| name.starts_with("latest.")),
            "no snapshot for {job}: {:?}\n{log}",
            world.files(job)
        );
    }
    assert!(
        log.contains(&format!("{} jobs: {0} succeeded, 0 failed", jobs.len())),
        "{log}"
    );
    assert!(
        log.contains("INFO") && log.contains("job finished"),
        "{log}"
    );

    let one = &entries[1];
    assert!(
        one.command.contains("a0snap run --job logs >>"),
        "{}",
        one.command
    );
    let status = run_as_cron(&command(one), world.dir.path()).await;
    let log = std::fs::read_to_string(log_dir.join("a0snap.log")).expect("log file");
    assert!(status.success(), "{status}\n{log}");
    assert!(
        log.contains("1 job: 1 succeeded, 0 failed"),
        "appended:\n{log}"
    );
    let ndjson = |job: &str| {
        world
            .files(job)
            .into_iter()
            .filter(|name| name.starts_with(&format!("{job}-")) && name.ends_with(".ndjson"))
            .count()
    };
    assert_eq!(ndjson("logs"), 2, "{:?}", world.files("logs"));
    assert_eq!(ndjson("users"), 1, "only the logs job ran again");
    assert!(
        !log.contains('\x1b'),
        "no colours or progress in a log file:\n{log}"
    );
    assert_eq!(
        world.fake.counters().token_requests,
        1,
        "the second run used the token cached by the first"
    );
    world.assert_no_secrets(&log);
}
