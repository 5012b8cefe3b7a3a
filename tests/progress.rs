//! What a run shows while it works: live progress on a terminal's stderr only; in a pipe or
//! with JSON logs, one debug line per page and an info summary, and never an escape code.

use crate::common;

use common::{World, config, empty_sizes};
use fake_auth0::Sizes;
use serde_json::Value;

async fn world_with_three_pages_of_clients() -> World {
    let world = World::start(config(Sizes {
        clients: 120,
        ..empty_sizes()
    }))
    .await;
    world.job(
        "apps",
        "every = \"1h\"\nendpoint = \"clients\"\n[output]\nformat = \"json\"\n",
    );
    world
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_in_a_pipe_shows_no_progress_and_no_escape_codes() {
    let world = world_with_three_pages_of_clients().await;
    let run = world.a0snap(&["run"]).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert!(!run.all_output().contains('\x1b'), "{:?}", run.all_output());
    assert!(!run.stderr.contains("page 1"), "{}", run.stderr);
    assert!(run.stdout.contains("1 job: 1 succeeded"), "{}", run.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn json_logs_have_one_debug_line_per_page_and_one_info_summary_per_job() {
    let world = world_with_three_pages_of_clients().await;
    let run = world
        .a0snap_with(
            &["run"],
            &[("A0SNAP_LOG_FORMAT", "json"), ("RUST_LOG", "debug")],
        )
        .await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    let lines: Vec<Value> = run
        .stderr
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    let pages: Vec<&Value> = lines
        .iter()
        .filter(|line| line["message"] == "page received")
        .collect();
    assert_eq!(
        pages.len(),
        3,
        "one line per page requested: {:?}",
        world.fake.requests()
    );
    for (number, line) in pages.iter().enumerate() {
        assert_eq!(line["level"], "DEBUG");
        assert_eq!(line["job"], "apps");
        assert_eq!(line["page"], number as u64 + 1);
        assert_eq!(line["total"], 120);
    }
    let summary: Vec<&Value> = lines
        .iter()
        .filter(|line| line["message"] == "job finished")
        .collect();
    assert_eq!(summary.len(), 1, "{}", run.stderr);
    assert_eq!(summary[0]["level"], "INFO");
    assert_eq!(summary[0]["records"], 120);
    assert_eq!(summary[0]["pages"], 3);
    assert!(!run.all_output().contains('\x1b'));
}

#[tokio::test(flavor = "multi_thread")]
async fn on_a_terminal_progress_goes_to_stderr_and_stdout_stays_clean() {
    let world = world_with_three_pages_of_clients().await;
    let stdout_file = world.dir.path().join("stdout.txt");
    // `script` (util-linux) gives the binary a terminal; its stdout goes to a file.
    let command = format!(
        "'{}' run > '{}'",
        env!("CARGO_BIN_EXE_a0snap"),
        stdout_file.display()
    );
    let spawned = tokio::process::Command::new("script")
        .args(["-q", "-e", "-c", &command, "/dev/null"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("TERM", "xterm")
        .envs(world.env())
        .current_dir(world.dir.path())
        .stdin(std::process::Stdio::null())
        .output()
        .await;
    let output = match spawned {
        Ok(output) => output,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("SKIPPED: `script` (util-linux) is not installed: {error}");
            return;
        }
        Err(error) => panic!("script: {error}"),
    };
    let terminal = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{terminal}");
    // The first page of a job is always drawn; the total comes from include_totals.
    assert!(
        terminal.contains("  apps  page 1  50/120 records (41%)"),
        "{terminal:?}"
    );
    assert!(
        terminal.contains("\r\x1b[2K"),
        "the line is erased: {terminal:?}"
    );
    let stdout = std::fs::read_to_string(&stdout_file).expect("stdout file");
    assert!(stdout.contains("1 job: 1 succeeded, 0 failed"), "{stdout}");
    assert!(!stdout.contains('\x1b'), "{stdout:?}");
    assert!(!stdout.contains("records ("), "{stdout:?}");
}
