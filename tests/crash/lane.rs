//! One lane of the crash campaign: a fake tenant and a folder of its own, with four jobs (offset
//! paging with retention and change reports in CSV, JSON and NDJSON; offset users; checkpoint
//! paging; incremental logs), and `a0snap run` started again and again and killed with
//! SIGKILL after a random delay. After each kill the lane tells which phase the run was in and
//! checks every promise of [`super::verify`].

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use fake_auth0::Sizes;

use super::verify::{self, TEMP_PREFIX};
use crate::common::{World, config, empty_sizes};

/// The jobs of every lane: (name, job file).
pub(crate) const JOBS: &[(&str, &str)] = &[
    (
        "apps",
        "every = \"1h\"\nendpoint = \"clients\"\nparams = { per_page = 5 }\nchanges = true\n[output]\nformat = [\"csv\", \"json\", \"ndjson\"]\ncolumns = [\"client_id\", \"name\", \"app_type\"]\nkeep = 3\n",
    ),
    (
        "conns",
        "every = \"1h\"\nendpoint = \"connections\"\nparams = { take = 4 }\n[output]\nformat = [\"json\", \"ndjson\"]\nkeep = 2\n",
    ),
    (
        "logs",
        "every = \"1h\"\nendpoint = \"logs\"\nincremental = true\nparams = { take = 10 }\n[output]\nformat = [\"ndjson\", \"json\", \"csv\"]\ncolumns = [\"log_id\", \"date\", \"type\"]\n",
    ),
    (
        "users",
        "every = \"1h\"\nendpoint = \"users\"\nparams = { per_page = 8 }\n[output]\nformat = [\"csv\", \"ndjson\"]\ncolumns = [\"user_id\", \"email\"]\nkeep = 2\n",
    ),
];

/// The incremental job, whose deltas must hold every served event once.
pub(crate) const LOGS_JOB: &str = "logs";

/// Where a run was when it was killed, judged from the fake's counters and the files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Phase {
    /// Nothing reached the tenant yet: settings, job files, locks, the token file.
    StartUp,
    /// A token was asked for; no API request yet.
    TokenFetch,
    /// An API request was in flight.
    Paging,
    /// No request in flight, a temporary snapshot file in a job folder, nothing of this run
    /// renamed yet: records being written, files synced, the change report built.
    Writing,
    /// Some of a new snapshot's files, its `latest.*` or its checkpoint in place, not all.
    Commit,
    /// Every file of the new snapshot in place, more snapshots than `keep` left.
    Retention,
    /// Between jobs or before the exit: nothing of the above.
    Between,
}

/// What one lane did.
#[derive(Debug, Default)]
pub(crate) struct Figures {
    /// Kills, by phase.
    pub kills: BTreeMap<Phase, u32>,
    /// Runs that ended before their kill came.
    pub finished: u32,
    /// Kills after which a job folder held an uncommitted snapshot's files (swept next run).
    pub uncommitted: u32,
    /// Broken promises, each as a sentence.
    pub violations: Vec<String>,
}

/// A lane: its world and its random numbers.
pub(crate) struct Lane {
    world: World,
    rng: fastrand::Rng,
    concurrency: &'static str,
    /// How long the last complete run took: kills come within that time (from the
    /// start or from the first request; a run ending before its kill does not count).
    run_time: Duration,
}

impl Lane {
    /// A lane with its own tenant, seeded with `seed`; `concurrency` is `A0SNAP_JOB_CONCURRENCY`.
    pub(crate) async fn start(seed: u64, concurrency: &'static str) -> Self {
        let mut tenant = config(Sizes {
            clients: 23,
            users: 30,
            connections: 9,
            logs: 25,
            ..empty_sizes()
        });
        tenant.latency = Duration::from_millis(2);
        tenant.token_latency = Duration::from_millis(50);
        let world = World::start(tenant).await;
        for (name, body) in JOBS {
            world.job(name, body);
        }
        Self {
            world,
            rng: fastrand::Rng::with_seed(seed),
            concurrency,
            run_time: Duration::ZERO,
        }
    }

    fn command(&self) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_a0snap"));
        command
            .arg("run")
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .envs(self.world.env())
            .env("A0SNAP_JOB_CONCURRENCY", self.concurrency)
            .env("RUST_LOG", "warn")
            .current_dir(self.world.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        command
    }

    /// One run to its end; its exit code and how long it took (the range of the next kills).
    pub(crate) async fn clean_run(&mut self) -> (i32, Duration) {
        let started = Instant::now();
        let status = self.command().status().await.expect("a0snap runs");
        let took = started.elapsed();
        self.run_time = took;
        (status.code().unwrap_or(-1), took)
    }

    /// `kills` runs killed at random instants, each followed by the checks.
    pub(crate) async fn campaign(&mut self, kills: u32, figures: &mut Figures) {
        let mut killed = 0;
        while killed < kills {
            let events = self.rng.usize(0..=12);
            self.world
                .fake
                .with_tenant(|tenant| tenant.append_logs(events));
            if self.rng.u8(0..3) == 0 {
                for name in crate::common::list(&self.world.state_dir().join("tokens")) {
                    let _ = std::fs::remove_file(self.world.state_dir().join("tokens").join(name));
                }
            }
            let before = self.world.fake.counters();
            let limit = self.run_time.as_micros() as u64;
            let delay = Duration::from_micros(self.rng.u64(0..=limit.max(1)));
            // One kill in four counts its delay from the start; the others from the run's
            // first request, so that start-up (a large share of a short run) takes no more.
            let from_contact = self.rng.u8(0..4) != 0;
            let stems = self.stems();
            let temps = self.temps();
            let mut child = self.command().spawn().expect("a0snap starts");
            if from_contact {
                self.first_contact(&before, &mut child).await;
            }
            tokio::time::sleep(delay).await;
            if child.try_wait().expect("child status").is_some() {
                figures.finished += 1;
                self.run_time = self.run_time * 9 / 10;
            } else {
                // Runs are slower here than alone (four lanes, a busy machine): the range
                // grows until about one run in ten ends before its kill, so the last phases
                // are reached as often as the first.
                self.run_time = self.run_time * 103 / 100;
                child.start_kill().expect("SIGKILL");
                let in_flight = self.world.fake.in_flight();
                let after = self.world.fake.counters();
                child.wait().await.expect("the killed child is reaped");
                killed += 1;
                let phase = self.phase(&before, &after, in_flight, &stems, &temps);
                *figures.kills.entry(phase).or_default() += 1;
            }
            let problems = self.check(false, figures);
            figures
                .violations
                .extend(problems.into_iter().map(|p| format!("kill {killed}: {p}")));
        }
    }

    /// Waits until the run's first request reaches the tenant, or the run ends.
    async fn first_contact(
        &self,
        before: &fake_auth0::Counters,
        child: &mut tokio::process::Child,
    ) {
        loop {
            let now = self.world.fake.counters();
            let contact = now.api_requests > before.api_requests
                || now.token_requests > before.token_requests;
            if contact || !matches!(child.try_wait(), Ok(None)) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }

    /// The temporary files in every job's folder, before a run.
    fn temps(&self) -> BTreeMap<&'static str, HashSet<String>> {
        JOBS.iter()
            .map(|(job, _)| {
                let names = verify::temp_files(&self.world.out_dir().join(job));
                (*job, names.into_iter().collect())
            })
            .collect()
    }

    /// The stems of every job's files (committed or not), before a run.
    fn stems(&self) -> BTreeMap<&'static str, HashSet<String>> {
        JOBS.iter()
            .map(|(job, _)| {
                let names = crate::common::list(&self.world.out_dir().join(job));
                let stems = names
                    .iter()
                    .filter(|name| name.starts_with(&format!("{job}-")))
                    .map(|name| verify::stem_of(name).to_owned());
                (*job, stems.collect())
            })
            .collect()
    }

    fn phase(
        &self,
        before: &fake_auth0::Counters,
        after: &fake_auth0::Counters,
        in_flight: u64,
        stems: &BTreeMap<&'static str, HashSet<String>>,
        temps: &BTreeMap<&'static str, HashSet<String>>,
    ) -> Phase {
        let mut phase = None;
        for (job, _) in JOBS {
            let dir = self.world.out_dir().join(job);
            let names = crate::common::list(&dir);
            let new_files = names.iter().any(|name| {
                name.starts_with(&format!("{job}-")) && !stems[job].contains(verify::stem_of(name))
            });
            let committing = names.iter().any(|name| {
                name.starts_with(&format!("{TEMP_PREFIX}latest."))
                    || name.starts_with(&format!("{TEMP_PREFIX}{job}-"))
                        && name.contains(".meta.json")
            }) || !verify::temp_files(&self.world.state_dir().join("checkpoints"))
                .is_empty();
            let latest_is_new = std::fs::read_to_string(dir.join("latest.meta.json"))
                .ok()
                .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
                .and_then(|meta| meta["files"][0]["name"].as_str().map(str::to_owned))
                .is_some_and(|name| !stems[job].contains(verify::stem_of(&name)));
            if committing || (new_files && !latest_is_new) {
                phase = phase.max(Some(Phase::Commit));
            } else if new_files && self.beyond_keep(job, &dir) {
                phase = phase.max(Some(Phase::Retention));
            }
        }
        if let Some(phase) = phase {
            return phase;
        }
        let writing = JOBS.iter().any(|(job, _)| {
            verify::temp_files(&self.world.out_dir().join(job))
                .iter()
                .any(|name| !temps[job].contains(name))
        });
        match () {
            () if in_flight > 0 => Phase::Paging,
            () if after.api_requests == before.api_requests => {
                if after.token_requests > before.token_requests {
                    Phase::TokenFetch
                } else {
                    Phase::StartUp
                }
            }
            () if writing => Phase::Writing,
            () => Phase::Between,
        }
    }

    /// Whether `job`'s folder holds files of more snapshots than its `keep` says (retention
    /// removes a snapshot's meta file first, then its other files).
    fn beyond_keep(&self, job: &str, dir: &Path) -> bool {
        let keep = match job {
            "apps" => 3,
            "conns" | "users" => 2,
            _ => return false,
        };
        let names = crate::common::list(dir);
        let stems: HashSet<&str> = names
            .iter()
            .filter(|name| name.starts_with(&format!("{job}-")))
            .map(|name| verify::stem_of(name))
            .collect();
        stems.len() > keep
    }

    /// Every promise of [`verify`] on the lane's folders now; `settled` after a run that
    /// ended. Also counts the kills that left an uncommitted snapshot's files.
    pub(crate) fn check(&self, settled: bool, figures: &mut Figures) -> Vec<String> {
        let mut problems = Vec::new();
        let mut uncommitted = false;
        for (job, _) in JOBS {
            uncommitted |=
                verify::job_folder(&self.world.out_dir().join(job), job, settled, &mut problems);
        }
        figures.uncommitted += u32::from(uncommitted);
        let issued: HashSet<String> = self.world.fake.issued_tokens().into_iter().collect();
        verify::token_files(&self.world.state_dir(), &issued, &mut problems);
        verify::checkpoint(
            &self.world.state_dir(),
            &self.world.out_dir(),
            LOGS_JOB,
            &self.served_ids(),
            &mut problems,
        );
        problems
    }

    /// The `log_id` of every event the tenant serves, oldest first.
    pub(crate) fn served_ids(&self) -> Vec<String> {
        self.world
            .served("logs")
            .iter()
            .filter_map(|event| event["log_id"].as_str().map(str::to_owned))
            .collect()
    }

    /// After the campaign: one clean run succeeds, leaves no temporary file anywhere, and the
    /// deltas hold every served event exactly once.
    pub(crate) async fn finish(&mut self, figures: &mut Figures) {
        let (code, _) = self.clean_run().await;
        if code != 0 {
            figures
                .violations
                .push(format!("the clean run after the campaign exited {code}"));
        }
        let mut folders: Vec<_> = JOBS
            .iter()
            .map(|(job, _)| self.world.out_dir().join(job))
            .collect();
        folders.push(self.world.state_dir().join("tokens"));
        folders.push(self.world.state_dir().join("checkpoints"));
        for folder in folders {
            for name in verify::temp_files(&folder) {
                figures.violations.push(format!(
                    "the clean run left {}",
                    folder.join(name).display()
                ));
            }
        }
        let problems = self.check(true, figures);
        figures.violations.extend(problems);
        let served = self.served_ids();
        let held = verify::delta_ids(&self.world.out_dir().join(LOGS_JOB), LOGS_JOB);
        let unique: HashSet<&String> = held.iter().collect();
        if unique.len() != held.len() {
            figures.violations.push(format!(
                "the deltas hold {} events twice",
                held.len() - unique.len()
            ));
        }
        let wanted: HashSet<&String> = served.iter().collect();
        if unique != wanted {
            figures.violations.push(format!(
                "the deltas hold {} distinct events, the tenant served {}",
                unique.len(),
                wanted.len()
            ));
        }
    }
}
