//! `a0snap report` and `A0SNAP_REPORT=1` through the real binary against the fake tenant: the
//! status column (ok, failed, stale, never run), links to real files, one chart point per
//! snapshot, the change tables, incremental events per run, escaping of tenant values, and the
//! page opened in headless Chromium (skipped, saying so, where Chromium is not installed).

use std::path::{Path, PathBuf};
use std::time::Duration;

use fake_auth0::{Fault, FaultRule, Sizes};
use serde_json::json;

use crate::background::Process;
use crate::common::{World, config, empty_sizes, run_binary};

const SCRIPT: &str = "<script>alert(1)</script>";
const SCRIPT_ESCAPED: &str = "&lt;script&gt;alert(1)&lt;/script&gt;";

fn tenant() -> Sizes {
    Sizes {
        clients: 3,
        roles: 2,
        users: 4,
        ..empty_sizes()
    }
}

/// Runs `a0snap report`, checks its exit code and message, and returns the page.
async fn report(world: &World) -> String {
    let run = world.a0snap(&["report"]).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    let path = world.out_dir().join("index.html");
    assert!(
        run.stdout
            .contains(&format!("report written to {}", path.display())),
        "{}",
        run.stdout
    );
    std::fs::read_to_string(path).expect("index.html")
}

/// The text between `start` (included) and the first `end` after it.
fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let from = html
        .find(start)
        .unwrap_or_else(|| panic!("no {start} in:\n{html}"));
    let rest = &html[from..];
    let to = rest.find(end).map_or(rest.len(), |to| to + end.len());
    &rest[..to]
}

/// The job's row of the jobs table.
fn row<'a>(html: &'a str, job: &str) -> &'a str {
    between(html, &format!("<tr data-job=\"{job}\">"), "</tr>")
}

/// The job's section (chart, events, changes).
fn section<'a>(html: &'a str, job: &str) -> &'a str {
    between(html, &format!("id=\"job-{job}\""), "</section>")
}

/// Every `href` of the page that is not an anchor on the page itself.
fn file_links(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|href| !href.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_jobs_table_says_ok_failed_stale_or_never_run_as_status_does() {
    let world = World::start(config(tenant())).await;
    world.job("apps", "endpoint = \"clients\"\nevery = \"1h\"\n");
    world.job("roles", "endpoint = \"roles\"\nevery = \"1h\"\n");
    world.job("quick", "endpoint = \"users\"\nevery = \"1s\"\n");
    world.run_ok().await;
    world
        .fake
        .inject(FaultRule::always(Some("roles"), Fault::Status(403)));
    let failed = world.a0snap(&["run", "--job", "roles"]).await;
    assert_eq!(failed.code, 1, "{}", failed.all_output());
    world.job("later", "endpoint = \"roles\"\nevery = \"1h\"\n");
    // Two periods of one second pass without a run of `quick`.
    tokio::time::sleep(Duration::from_millis(2500)).await;

    let html = report(&world).await;
    let status = world.a0snap(&["status"]).await;
    for (job, badge, verdict) in [
        ("apps", "status-ok\">ok<", "ok"),
        ("roles", "status-failed\">failed<", "FAILED"),
        ("quick", "status-stale\">stale<", "STALE"),
        ("later", "status-never_run\">never run<", "NEVER RUN"),
    ] {
        assert!(
            row(&html, job).contains(badge),
            "{job}: {}",
            row(&html, job)
        );
        let line = status
            .stdout
            .lines()
            .find(|line| line.starts_with(&format!("{job} ")))
            .expect("a status line");
        assert!(line.contains(verdict), "{line}");
    }
    assert!(row(&html, "apps").contains("<td class=\"num\">3</td>"));
    assert!(row(&html, "quick").contains("<td class=\"num\">4</td>"));
    // The failed run's error, and the snapshot it left alone.
    assert!(
        row(&html, "roles").contains("403"),
        "{}",
        row(&html, "roles")
    );
    assert!(row(&html, "roles").contains("<td class=\"num\">2</td>"));
    assert!(row(&html, "later").contains("no run recorded"));
    assert!(html.contains("4 jobs: 1 ok, 3 not ok."), "{html}");
    world.assert_no_secrets(&html);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_link_points_to_a_real_file_and_each_latest_file_is_linked() {
    let world = World::start(config(tenant())).await;
    world.job(
        "apps",
        "endpoint = \"clients\"\nevery = \"1h\"\n[output]\nformat = [\"json\", \"csv\"]\ncolumns = [\"client_id\", \"name\"]\n",
    );
    world.job("roles", "endpoint = \"roles\"\nevery = \"1h\"\n");
    world.run_ok().await;
    let html = report(&world).await;
    let links = file_links(&html);
    for link in &links {
        assert!(!link.starts_with('/') && !link.contains(".."), "{link}");
        assert!(world.out_dir().join(link).is_file(), "{link} is no file");
    }
    let mut expected: Vec<String> = ["apps", "roles"]
        .iter()
        .flat_map(|job| {
            world
                .files(job)
                .into_iter()
                .filter(|name| name.starts_with("latest."))
                .map(move |name| format!("{job}/{name}"))
        })
        .collect();
    expected.sort();
    let mut linked = links.clone();
    linked.sort();
    assert_eq!(linked, expected);
    assert!(linked.contains(&"apps/latest.csv".to_owned()), "{linked:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn each_chart_has_one_point_per_snapshot_and_logs_jobs_show_events_per_run() {
    let world = World::start(config(Sizes {
        logs: 230,
        ..tenant()
    }))
    .await;
    world.job("apps", "endpoint = \"clients\"\nevery = \"1h\"\n");
    world.job("roles", "endpoint = \"roles\"\nevery = \"1h\"\n");
    world.job(
        "logs",
        "every = \"1h\"\nendpoint = \"logs\"\nincremental = true\nparams = { take = 100 }\n",
    );
    world.job("idle", "endpoint = \"users\"\nevery = \"1h\"\n");
    for _ in 0..3 {
        let run = world.a0snap(&["run", "--job", "apps"]).await;
        assert_eq!(run.code, 0, "{}", run.all_output());
    }
    world.fake.with_tenant(|tenant| {
        tenant.push("roles", json!({"id": "rol_new", "name": "New"}));
    });
    let run = world
        .a0snap(&["run", "--job", "roles", "--job", "logs"])
        .await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    world.fake.with_tenant(|tenant| tenant.append_logs(57));
    let run = world.a0snap(&["run", "--job", "logs"]).await;
    assert_eq!(run.code, 0, "{}", run.all_output());

    let html = report(&world).await;
    for (job, points) in [("apps", 3), ("roles", 1), ("logs", 2)] {
        let chart = between(section(&html, job), "<svg", "</svg>");
        assert!(
            chart.contains(&format!("data-points=\"{points}\"")),
            "{chart}"
        );
        assert_eq!(chart.matches("<circle").count(), points, "{chart}");
        let meta_files = world
            .files(job)
            .into_iter()
            .filter(|name| name.starts_with(&format!("{job}-")) && name.ends_with(".meta.json"))
            .count();
        assert_eq!(meta_files, points);
    }
    assert!(section(&html, "roles").contains(" 3 records</title>"));
    assert!(!section(&html, "idle").contains("<svg"));
    assert!(section(&html, "idle").contains("No snapshot yet."));

    let events = between(
        section(&html, "logs"),
        "<table class=\"events\">",
        "</table>",
    );
    let counts: Vec<&str> = events
        .split("<td class=\"num\">")
        .skip(1)
        .filter_map(|cell| cell.split('<').next())
        .collect();
    assert_eq!(counts, ["57", "230"], "newest first: {events}");
    assert!(events.contains("<th>287</th>"), "{events}");
    assert!(!section(&html, "apps").contains("class=\"events\""));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_with_a0snap_report_writes_change_tables_with_tenant_values_escaped() {
    let world = World::start(config(Sizes {
        clients: 6,
        ..empty_sizes()
    }))
    .await;
    world.job(
        "apps",
        "endpoint = \"clients\"\nevery = \"1h\"\nchanges = true\n",
    );
    world.run_ok().await;
    let served = world.served("clients");
    let id = |index: usize| served[index]["client_id"].as_str().expect("id").to_owned();
    world.fake.with_tenant(|tenant| {
        tenant.push("clients", json!({"client_id": SCRIPT, "name": SCRIPT}));
        assert!(tenant.remove("clients", &id(1)));
        assert!(tenant.update("clients", &id(2), "name", json!(SCRIPT)));
        assert!(tenant.update(
            "clients",
            &id(3),
            "client_secret",
            json!("rotated-secret-value-1234")
        ));
    });
    let index = world.out_dir().join("index.html");
    assert!(!index.exists());
    let run = world.a0snap_with(&["run"], &[("A0SNAP_REPORT", "1")]).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    let html = std::fs::read_to_string(&index).expect("the run wrote index.html");
    assert!(!html.to_lowercase().contains("<script"), "{html}");
    assert!(html.contains(SCRIPT_ESCAPED));

    let apps = section(&html, "apps");
    let added = between(apps, "<table class=\"changes-added\">", "</table>");
    assert!(
        added.contains(&format!("<td class=\"value\">{SCRIPT_ESCAPED}</td>")),
        "{added}"
    );
    assert_eq!(
        added.matches("<tr>").count(),
        2,
        "header and one row: {added}"
    );
    let removed = between(apps, "<table class=\"changes-removed\">", "</table>");
    assert!(removed.contains(&id(1)), "{removed}");
    let changed = between(apps, "<table class=\"changes-changed\">", "</table>");
    assert!(changed.contains(&id(2)), "{changed}");
    assert!(changed.contains(">name<"), "{changed}");
    // Old and new values per field path; a secret's values stay hidden.
    let renamed = between(
        changed,
        &format!("<td class=\"value\">{}</td>", id(2)),
        "</tr>",
    );
    let old_name = served[2]["name"].as_str().expect("a name");
    assert!(
        renamed.contains(&format!(
            "<td class=\"value\">{old_name}</td><td class=\"value\">{SCRIPT_ESCAPED}</td>"
        )),
        "{renamed}"
    );
    let rotated = between(
        changed,
        &format!("<td class=\"value\">{}</td>", id(3)),
        "</tr>",
    );
    assert!(rotated.contains(">client_secret<"), "{rotated}");
    assert_eq!(rotated.matches("[REDACTED]").count(), 2, "{rotated}");
    assert!(!html.contains("rotated-secret-value-1234"));
    let report_file = world
        .files("apps")
        .into_iter()
        .find(|name| name.ends_with(".changes.json"))
        .expect("a change report");
    assert!(apps.contains(&format!("data-file=\"{report_file}\"")));
    world.assert_no_secrets(&html);

    // Without the variable, a run leaves the page as it was.
    let before = std::fs::read_to_string(&index).expect("index.html");
    world.run_ok().await;
    assert_eq!(std::fs::read_to_string(&index).expect("index.html"), before);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_daemon_with_a0snap_report_rewrites_the_page_after_each_run_listing_every_job() {
    let world = World::start(config(tenant())).await;
    world.job("apps", "every = \"1s\"\nendpoint = \"clients\"\n");
    world.job(
        "nightly",
        "schedule = \"0 3 * * *\"\nendpoint = \"roles\"\n",
    );
    let daemon = Process::start(&world, &["daemon"], &[("A0SNAP_REPORT", "1")]);
    let index = world.out_dir().join("index.html");
    let read = || std::fs::read_to_string(&index).unwrap_or_default();
    daemon
        .wait_until("a page drawn after the second run", || {
            read().contains("data-points=\"2\"")
        })
        .await;
    let html = read();
    assert!(row(&html, "apps").contains("status-ok\">ok<"), "{html}");
    assert!(
        row(&html, "nightly").contains("status-never_run\">never run<"),
        "{html}"
    );
    daemon.signal("TERM");
    let (code, log) = daemon.exit().await;
    assert_eq!(code, 0, "{log}");
    assert!(!log.contains("could not write the report"), "{log}");
}

#[tokio::test]
async fn the_report_needs_no_tenant_credentials() {
    let world = World::start(config(tenant())).await;
    world.job("apps", "endpoint = \"clients\"\nevery = \"1h\"\n");
    world.run_ok().await;
    let env: Vec<(String, String)> = world
        .env()
        .into_iter()
        .filter(|(name, _)| !name.starts_with("AUTH0_"))
        .collect();
    let run = run_binary(&["report"], &env, world.dir.path()).await;
    assert_eq!(run.code, 0, "{}", run.all_output());
    let html = std::fs::read_to_string(world.out_dir().join("index.html")).expect("index.html");
    assert!(row(&html, "apps").contains("status-ok\">ok<"), "{html}");
}

#[tokio::test]
async fn a_bad_a0snap_report_value_is_a_configuration_error() {
    let world = World::start(config(tenant())).await;
    world.job("apps", "endpoint = \"clients\"\nevery = \"1h\"\n");
    let run = world
        .a0snap_with(&["run"], &[("A0SNAP_REPORT", "maybe")])
        .await;
    assert_eq!(run.code, 2, "{}", run.all_output());
    assert!(run.stderr.contains("A0SNAP_REPORT"), "{}", run.stderr);
    assert!(world.files("apps").is_empty());
}

/// The Chromium binary on `PATH`, if any.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// Runs headless Chromium on `page` with `extra` flags, bounded by a timeout; its stdout.
async fn headless(chromium: &Path, profile: &Path, extra: &[String], page: &Path) -> String {
    let mut command = tokio::process::Command::new(chromium);
    command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .kill_on_drop(true);
    let output = tokio::time::timeout(Duration::from_secs(120), command.output())
        .await
        .expect("chromium ended within its time limit")
        .expect("chromium started");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_page_renders_in_headless_chromium_with_no_script_from_tenant_data() {
    let Some(chromium) = chromium() else {
        println!("SKIPPED: chromium is not installed (.ci/run installs Debian's chromium)");
        return;
    };
    let world = World::start(config(tenant())).await;
    world.job(
        "apps",
        "endpoint = \"clients\"\nevery = \"1h\"\nchanges = true\n",
    );
    world.job("roles", "endpoint = \"roles\"\nevery = \"1h\"\n");
    world.run_ok().await;
    world.fake.with_tenant(|tenant| {
        tenant.push("clients", json!({"client_id": SCRIPT, "name": SCRIPT}));
    });
    world.run_ok().await;
    report(&world).await;
    let page = world.out_dir().join("index.html");
    let profile = tempfile::tempdir().expect("profile folder");

    let dom = headless(&chromium, profile.path(), &["--dump-dom".to_owned()], &page).await;
    assert!(dom.contains("<table id=\"jobs\">"), "{dom}");
    assert!(row(&dom, "apps").contains(">ok<"), "{dom}");
    assert!(row(&dom, "roles").contains(">ok<"), "{dom}");
    assert_eq!(dom.matches("<svg").count(), 2, "{dom}");
    assert_eq!(
        between(section(&dom, "apps"), "<svg", "</svg>")
            .matches("<circle")
            .count(),
        2
    );
    assert!(dom.contains("<polyline"), "{dom}");
    // The tenant's `<script>` is text in the DOM: no script element exists at all.
    assert!(dom.contains(SCRIPT_ESCAPED), "{dom}");
    assert!(!dom.to_lowercase().contains("<script"), "{dom}");

    let shot = profile.path().join("shot.png");
    headless(
        &chromium,
        profile.path(),
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1200,900".to_owned(),
        ],
        &page,
    )
    .await;
    let size = std::fs::metadata(&shot).map(|meta| meta.len()).unwrap_or(0);
    assert!(size > 0, "no screenshot at {}", shot.display());
}
