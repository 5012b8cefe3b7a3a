//! The output folder on a small `tmpfs`: filled up while a run is writing, then mounted
//! read-only. Each time the job must fail naming its folder, leave nothing partial and
//! `latest.*` as it was, and the next run, with space or write access back, must succeed.
//!
//! Mounting needs root (or a user namespace that allows it); where `mount` refuses, each test
//! prints why and passes without checking anything. A guard unmounts even when a test fails.

use crate::common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{World, config, empty_sizes};
use fake_auth0::Sizes;

const JOB: &str = "every = \"1h\"\nendpoint = \"clients\"\nparams = { per_page = 10 }\n[output]\nformat = [\"json\", \"ndjson\", \"csv\"]\ncolumns = [\"client_id\", \"name\"]\n";

/// A `tmpfs` mounted on a folder, unmounted on drop.
struct Mount {
    /// The mount point.
    path: PathBuf,
}

impl Mount {
    /// Mounts a `tmpfs` of `size` (as `mount` reads it: `2m`) on `path`, or says why not.
    fn tmpfs(path: &Path, size: &str) -> Result<Self, String> {
        let output = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0755"),
                "tmpfs",
            ])
            .arg(path)
            .output()
            .map_err(|error| format!("cannot run mount: {error}"))?;
        if !output.status.success() {
            return Err(String::from_utf8_lossy(&output.stderr).trim().to_owned());
        }
        Ok(Self {
            path: path.to_owned(),
        })
    }

    /// Remounts it read-only (`false`) or writable (`true`).
    fn set_writable(&self, writable: bool) {
        let option = if writable { "remount,rw" } else { "remount,ro" };
        let status = Command::new("mount")
            .args(["-o", option])
            .arg(&self.path)
            .status()
            .expect("mount runs");
        assert!(status.success(), "mount -o {option} failed");
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let unmounted = Command::new("umount")
            .arg(&self.path)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if !unmounted {
            // Busy (a child still running after a failed assertion): detach it now.
            let _ = Command::new("umount").arg("-l").arg(&self.path).status();
        }
    }
}

/// A tenant of 150 clients served slowly (a page every 40 ms), the `apps` job, and `out/` on a
/// 2 MiB `tmpfs`; `None` (after saying why) where mounting is not allowed.
async fn world_on_tmpfs() -> Option<(World, Mount)> {
    let mut tenant = config(Sizes {
        clients: 150,
        ..empty_sizes()
    });
    tenant.latency = Duration::from_millis(40);
    let world = World::start(tenant).await;
    world.job("apps", JOB);
    match Mount::tmpfs(&world.out_dir(), "2m") {
        Ok(mount) => Some((world, mount)),
        Err(why) => {
            eprintln!("skipped: cannot mount a tmpfs on the output folder ({why})");
            None
        }
    }
}

/// The files of `out/apps`, and the bytes of each `latest.*`.
fn folder_state(world: &World) -> (Vec<String>, Vec<(String, Vec<u8>)>) {
    let names = world.files("apps");
    let latest = names
        .iter()
        .filter(|name| name.starts_with("latest."))
        .map(|name| {
            let bytes = std::fs::read(world.out_dir().join("apps").join(name)).expect("latest");
            (name.clone(), bytes)
        })
        .collect();
    (names, latest)
}

/// Writes zeros to `path` until the file system is full; the bytes written.
fn fill(path: &Path) -> u64 {
    let mut file = std::fs::File::create(path).expect("filler");
    let block = vec![0u8; 4096];
    let mut written = 0;
    while file.write_all(&block).is_ok() {
        written += block.len() as u64;
    }
    written
}

fn assert_failed_naming_the_folder(
    world: &World,
    run: &common::Run,
    before: &(Vec<String>, Vec<(String, Vec<u8>)>),
) {
    assert_eq!(run.code, 1, "{}", run.all_output());
    let folder = world.out_dir().join("apps").display().to_string();
    assert!(
        run.all_output().contains(&folder),
        "the folder is not named:\n{}",
        run.all_output()
    );
    assert_eq!(
        &folder_state(world),
        before,
        "a file appeared, or latest changed"
    );
    world.assert_no_secrets(&run.all_output());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_output_folder_filled_during_a_run_fails_the_job_and_keeps_latest() {
    let Some((world, _mount)) = world_on_tmpfs().await else {
        return;
    };
    let first = world.a0snap(&["run"]).await;
    assert_eq!(first.code, 0, "{}", first.all_output());
    let before = folder_state(&world);
    assert_eq!(
        before.1.len(),
        4,
        "latest.json, .ndjson, .csv and .meta.json: {before:?}"
    );

    // The run under test: once it has begun writing, the disk fills up.
    let run = world.a0snap(&["run"]);
    let filler = world.out_dir().join("filler");
    let fill_up = async {
        let dir = world.out_dir().join("apps");
        while !common::list(&dir)
            .iter()
            .any(|name| name.starts_with(".a0snap-tmp-"))
        {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        fill(&filler)
    };
    let (run, filled) = tokio::join!(run, fill_up);
    assert!(
        filled > 0,
        "the filler wrote nothing: the disk was full already"
    );
    assert!(
        run.all_output().contains("No space left on device"),
        "{}",
        run.all_output()
    );
    assert_failed_naming_the_folder(&world, &run, &before);

    std::fs::remove_file(&filler).expect("space again");
    let next = world.a0snap(&["run"]).await;
    assert_eq!(next.code, 0, "{}", next.all_output());
    let after = folder_state(&world);
    assert_eq!(
        after.0.len(),
        before.0.len() + 4,
        "one more snapshot: {:?}",
        after.0
    );
    assert_ne!(after.1, before.1, "latest is the new snapshot");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_read_only_output_folder_fails_the_job_and_keeps_latest() {
    let Some((world, mount)) = world_on_tmpfs().await else {
        return;
    };
    let first = world.a0snap(&["run"]).await;
    assert_eq!(first.code, 0, "{}", first.all_output());
    let before = folder_state(&world);

    mount.set_writable(false);
    let run = world.a0snap(&["run"]).await;
    assert!(
        run.all_output().contains("Read-only file system"),
        "{}",
        run.all_output()
    );
    assert_failed_naming_the_folder(&world, &run, &before);

    mount.set_writable(true);
    let next = world.a0snap(&["run"]).await;
    assert_eq!(next.code, 0, "{}", next.all_output());
    let after = folder_state(&world);
    assert_eq!(
        after.0.len(),
        before.0.len() + 4,
        "one more snapshot: {:?}",
        after.0
    );
    assert_ne!(after.1, before.1, "latest is the new snapshot");
}
