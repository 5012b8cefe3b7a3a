//! `a0snap demo` against its bundled sandbox tenant: it never writes into the real output or
//! state folders, whatever A0SNAP_OUTPUT_DIR and A0SNAP_STATE_DIR say.

use crate::common;

use common::{World, config, empty_sizes, list};

const LOGS: &str = "every = \"1h\"\nendpoint = \"logs\"\nincremental = true\n";
const APPS: &str = "every = \"1h\"\nendpoint = \"clients\"\n";

/// A world whose "real" folders are `real-out` and `real-state`, with a private TMPDIR.
async fn demo_world() -> (World, Vec<(&'static str, String)>) {
    let world = World::start(config(empty_sizes())).await;
    world.job("applications", APPS).job("logs", LOGS);
    let path = |name: &str| {
        let dir = world.dir.path().join(name);
        std::fs::create_dir_all(&dir).expect("folder");
        dir.display().to_string()
    };
    let env = vec![
        ("A0SNAP_OUTPUT_DIR", path("real-out")),
        ("A0SNAP_STATE_DIR", path("real-state")),
        ("TMPDIR", path("tmp")),
    ];
    (world, env)
}

fn extra<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_writes_to_dot_out_and_leaves_the_real_output_and_state_folders_alone() {
    let (world, env) = demo_world().await;
    let run = world.a0snap_with(&["demo"], &extra(&env)).await;
    assert_eq!(run.code, 0, "{}", run.all_output());

    let here = world.dir.path().join("out");
    assert!(
        list(&here.join("applications")).contains(&"latest.json".to_owned()),
        "{:?}",
        list(&here.join("applications"))
    );
    assert!(!list(&here.join("logs")).is_empty());
    assert!(
        run.stdout.contains("snapshots written below out/"),
        "{}",
        run.stdout
    );
    for real in ["real-out", "real-state"] {
        assert_eq!(
            list(&world.dir.path().join(real)),
            Vec::<String>::new(),
            "{real}"
        );
    }
    assert_eq!(
        list(&world.dir.path().join("tmp")),
        Vec::<String>::new(),
        "the demo's private state folder is removed"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_out_flag_chooses_the_folder() {
    let (world, env) = demo_world().await;
    let chosen = world.dir.path().join("chosen");
    let chosen_arg = chosen.display().to_string();
    let run = world
        .a0snap_with(&["demo", "--out", &chosen_arg], &extra(&env))
        .await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert!(list(&chosen.join("applications")).contains(&"latest.json".to_owned()));
    for real in ["real-out", "real-state"] {
        assert_eq!(
            list(&world.dir.path().join(real)),
            Vec::<String>::new(),
            "{real}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_demo_whose_temporary_folder_is_missing_fails_with_exit_1_and_says_to_set_tmpdir() {
    let (world, mut env) = demo_world().await;
    let missing = world.dir.path().join("no-such-tmp");
    env.retain(|(name, _)| *name != "TMPDIR");
    env.push(("TMPDIR", missing.display().to_string()));
    let run = world.a0snap_with(&["demo"], &extra(&env)).await;
    assert_eq!(run.code, 1, "{}", run.all_output());
    let errors: Vec<&str> = run
        .stderr
        .lines()
        .filter(|line| line.starts_with("a0snap: "))
        .collect();
    assert_eq!(errors.len(), 1, "{}", run.stderr);
    assert!(
        errors[0].starts_with("a0snap: cannot create the demo's state folder ")
            && errors[0].contains(&missing.display().to_string())
            && errors[0].ends_with("; set TMPDIR to a writable folder"),
        "{}",
        errors[0]
    );
    assert_eq!(list(&world.dir.path().join("out")), Vec::<String>::new());
    assert_eq!(world.fake.counters().token_requests, 0);
}
