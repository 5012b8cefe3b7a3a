//! Bad configuration and bad job files: exit code 2, every problem named with its fix, and
//! nothing written.

use crate::common;

use common::{World, config, empty_sizes};

#[tokio::test(flavor = "multi_thread")]
async fn missing_variables_are_each_named_with_exit_code_2() {
    let world = World::start(config(empty_sizes())).await;
    world.job(
        "apps",
        "every = \"1h\"\nendpoint = \"clients\"\n[output]\nformat = \"json\"\n",
    );
    let env = vec![
        (
            "A0SNAP_JOBS_DIR".to_owned(),
            world.jobs_dir().display().to_string(),
        ),
        ("HOME".to_owned(), world.dir.path().display().to_string()),
    ];
    let run = common::run_binary(&["run"], &env, world.dir.path()).await;
    assert_eq!(run.code, 2, "{}", run.all_output());
    for variable in [
        "AUTH0_DOMAIN: is not set",
        "AUTH0_CLIENT_ID: is not set",
        "AUTH0_CLIENT_SECRET: is not set",
    ] {
        assert!(
            run.stderr.contains(variable),
            "{variable} missing from:\n{}",
            run.stderr
        );
    }
    assert_eq!(world.fake.counters().token_requests, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_object_store_setting_that_turns_tls_verification_off_is_refused() {
    let world = World::start(config(empty_sizes())).await;
    world.job(
        "apps",
        "every = \"1h\"\nendpoint = \"clients\"\n[output]\nformat = \"json\"\n",
    );
    for (variable, url) in [
        (
            "AWS_ALLOW_INVALID_CERTIFICATES",
            "s3://acme-snapshots/a0snap",
        ),
        ("AZURE_ALLOW_INVALID_CERTIFICATES", "az://snapshots/a0snap"),
    ] {
        let run = world
            .a0snap_with(
                &["run"],
                &[
                    ("A0SNAP_OUTPUT_DIR", url),
                    (variable, "true"),
                    ("AZURE_STORAGE_ACCOUNT_NAME", "acme"),
                    ("AZURE_STORAGE_ACCOUNT_KEY", "a2V5"),
                ],
            )
            .await;
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(
            run.stderr.contains("A0SNAP_OUTPUT_DIR")
                && run.stderr.contains(variable)
                && run.stderr.contains("never turns TLS verification off"),
            "{}",
            run.stderr
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn plain_http_to_a_remote_host_is_refused() {
    let world = World::start(config(empty_sizes())).await;
    world.job(
        "apps",
        "every = \"1h\"\nendpoint = \"clients\"\n[output]\nformat = \"json\"\n",
    );
    let run = world
        .a0snap_with(&["run"], &[("AUTH0_DOMAIN", "http://acme.eu.auth0.com")])
        .await;
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("AUTH0_DOMAIN") && run.stderr.contains("use https://acme.eu.auth0.com"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_bad_job_file_is_reported_and_nothing_runs() {
    let world = World::start(config(empty_sizes())).await;
    world
        .job(
            "good",
            "every = \"1h\"\nendpoint = \"clients\"\n[output]\nformat = \"json\"\n",
        )
        .job(
            "bad-cron",
            "schedule = \"61 * * * *\"\nendpoint = \"clients\"\n[output]\nformat = \"json\"\n",
        )
        .job(
            "no-columns",
            "every = \"1h\"\nendpoint = \"roles\"\n[output]\nformat = \"csv\"\n",
        )
        .job(
            "typo",
            "every = \"1h\"\nendpont = \"roles\"\n[output]\nformat = \"json\"\n",
        );
    std::fs::write(world.jobs_dir().join("Bad Name.toml"), "every = \"1h\"").expect("write");
    let run = world.a0snap(&["run"]).await;
    assert_eq!(run.code, 2, "{}", run.all_output());
    for expected in [
        "bad-cron.toml: schedule:",
        "no-columns.toml: output.columns:",
        "typo.toml: endpont:",
        "Bad Name.toml",
    ] {
        assert!(
            run.stderr.contains(expected),
            "{expected:?} missing from:\n{}",
            run.stderr
        );
    }
    assert_eq!(world.fake.counters().api_requests, 0);
    assert_eq!(world.fake.counters().token_requests, 0);
    assert!(common::list(&world.out_dir()).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn validate_prints_each_job_with_its_next_fire_times() {
    let world = World::start(config(empty_sizes())).await;
    world.job(
        "apps",
        "schedule = \"0 * * * *\"\nendpoint = \"clients\"\n[output]\nformat = \"json\"\n",
    );
    let run = world.a0snap(&["validate"]).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert!(
        run.stdout.contains("apps: /api/v2/clients"),
        "{}",
        run.stdout
    );
    assert_eq!(run.stdout.matches("next: ").count(), 3, "{}", run.stdout);
    assert!(run.stdout.contains(":00:00Z"), "{}", run.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_job_name_is_a_usage_error() {
    let world = World::start(config(empty_sizes())).await;
    world.job(
        "apps",
        "every = \"1h\"\nendpoint = \"clients\"\n[output]\nformat = \"json\"\n",
    );
    let run = world.a0snap(&["run", "--job", "nope"]).await;
    assert_eq!(run.code, 2, "{}", run.all_output());
    assert!(
        run.stderr.contains("nope") && run.stderr.contains("apps"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_variable_that_is_not_utf8_fails_only_when_a0snap_reads_it() {
    use std::os::unix::ffi::OsStrExt;
    let world = World::start(config(empty_sizes())).await;
    world.job(
        "apps",
        "every = \"1h\"\nendpoint = \"clients\"\n[output]\nformat = \"json\"\n",
    );
    let not_utf8 = std::ffi::OsStr::from_bytes(&[b'x', 0xff]);
    let validate = |name: &'static str| {
        tokio::process::Command::new(env!("CARGO_BIN_EXE_a0snap"))
            .arg("validate")
            .env_clear()
            .envs(world.env())
            .env(name, not_utf8)
            .current_dir(world.dir.path())
            .output()
    };
    let unrelated = validate("LESSOPEN").await.expect("a0snap runs");
    let stderr = String::from_utf8_lossy(&unrelated.stderr);
    assert_eq!(unrelated.status.code(), Some(0), "{stderr}");
    let read = validate("AUTH0_CLIENT_ID").await.expect("a0snap runs");
    let stderr = String::from_utf8_lossy(&read.stderr);
    assert_eq!(read.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("AUTH0_CLIENT_ID: is not valid UTF-8"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn validate_lists_a_bad_setting_and_a_missing_jobs_folder_each_on_its_own_line_with_exit_2() {
    let world = World::start(config(empty_sizes())).await;
    let missing = world.dir.path().join("no-such-jobs");
    let missing_arg = missing.display().to_string();
    let run = world
        .a0snap_with(
            &["validate", "--jobs-dir", &missing_arg],
            &[("A0SNAP_GRACE_PERIOD", "soon")],
        )
        .await;
    assert_eq!(run.code, 2, "{}", run.all_output());
    let errors: Vec<&str> = run
        .stderr
        .lines()
        .filter(|line| line.starts_with("a0snap: "))
        .collect();
    assert_eq!(errors.len(), 2, "{}", run.stderr);
    assert!(
        errors[0].starts_with("a0snap: invalid configuration")
            && run.stderr.contains("A0SNAP_GRACE_PERIOD"),
        "{}",
        run.stderr
    );
    assert!(
        errors[1].contains(&format!("the jobs folder {missing_arg} does not exist")),
        "{}",
        errors[1]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_zero_duration_is_named_as_zero_not_as_an_unreadable_interval() {
    let world = World::start(config(empty_sizes())).await;
    let run = world
        .a0snap_with(&["validate"], &[("A0SNAP_CONNECT_TIMEOUT", "0")])
        .await;
    assert_eq!(run.code, 2, "{}", run.all_output());
    let line = run
        .stderr
        .lines()
        .find(|line| line.contains("A0SNAP_CONNECT_TIMEOUT"))
        .unwrap_or_default();
    assert!(line.contains("\"0\" is no time at all"), "{}", run.stderr);
    assert!(!line.contains("is not an interval"), "{line}");
}
