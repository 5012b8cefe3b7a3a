//! The crash campaign: `a0snap run` with four jobs (offset paging with retention and change
//! reports in CSV, JSON and NDJSON; offset users; checkpoint paging; incremental logs) against
//! fake tenants with latency, killed with SIGKILL at random instants, at least 200 times, in
//! four lanes at once (each its own tenant and folders). After every kill every promise of
//! `crash/verify.rs` must hold; at the end one clean run per lane must succeed, leave no
//! temporary file, and the incremental deltas must hold every served event exactly once.
//!
//! The delays come from a seeded generator (`CRASH_CAMPAIGN_SEED`, printed), so a campaign is
//! the same one again except for timing; `CRASH_CAMPAIGN_KILLS` asks for more kills. The figures
//! (kills by phase, runs that ended before their kill, violations) are printed; see them with
//! `cargo test --test crash -- --nocapture`. The README's "Failure behaviour" quotes a run.

mod lane;
mod verify;

use std::collections::BTreeMap;
use std::time::Instant;

use lane::{Figures, Lane};

/// Parallel lanes: the runs mostly wait for the fake's latency, so four fit on two cores.
const LANES: u64 = 4;
/// Kills in all, unless `CRASH_CAMPAIGN_KILLS` says more.
const KILLS: u32 = 240;
/// The default seed.
const SEED: u64 = 0x0a05_11a9;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

async fn one_lane(index: u64, seed: u64, kills: u32) -> Figures {
    let concurrency = if index.is_multiple_of(2) { "1" } else { "4" };
    let mut lane = Lane::start(seed.wrapping_add(index), concurrency).await;
    let mut figures = Figures::default();
    let (code, took) = lane.clean_run().await;
    assert_eq!(code, 0, "lane {index}: the first, unkilled run fails");
    let (_, again) = lane.clean_run().await;
    println!("lane {index}: a complete run takes {took:.0?} (cold), {again:.0?}");
    lane.campaign(kills, &mut figures).await;
    lane.finish(&mut figures).await;
    figures
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn runs_killed_at_random_instants_never_leave_a_broken_promise() {
    let seed = env_number("CRASH_CAMPAIGN_SEED", SEED);
    let kills = env_number("CRASH_CAMPAIGN_KILLS", KILLS.into()).max(200) as u32;
    let per_lane = kills.div_ceil(LANES as u32);
    let started = Instant::now();
    let lanes: Vec<_> = (0..LANES)
        .map(|index| tokio::spawn(one_lane(index, seed, per_lane)))
        .collect();
    let mut total = Figures::default();
    for lane in lanes {
        let figures = lane.await.expect("a lane panicked");
        for (phase, count) in figures.kills {
            *total.kills.entry(phase).or_default() += count;
        }
        total.finished += figures.finished;
        total.uncommitted += figures.uncommitted;
        total.violations.extend(figures.violations);
    }
    let killed: u32 = total.kills.values().sum();
    let by_phase: BTreeMap<String, u32> = total
        .kills
        .iter()
        .map(|(phase, count)| (format!("{phase:?}"), *count))
        .collect();
    println!(
        "crash campaign: seed {seed:#x}, {killed} kills in {LANES} lanes, {} runs ended before \
         their kill, {:.1} s\nkills by phase: {by_phase:?}\nkills that left an uncommitted \
         snapshot's files (swept by the next run): {}\nviolations: {}",
        total.finished,
        started.elapsed().as_secs_f64(),
        total.uncommitted,
        total.violations.len()
    );
    for violation in &total.violations {
        println!("  {violation}");
    }
    assert!(killed >= 200, "only {killed} kills");
    assert!(
        total.violations.is_empty(),
        "{} broken promises after kills (seed {seed:#x}):\n{}",
        total.violations.len(),
        total.violations.join("\n")
    );
}
