//! The daemon's core decision, as a pure function of the job set and "now": which jobs are due,
//! whether each due job is still running (then this fire time is skipped), and when each job
//! fires next.
//!
//! Fire times come from [`Trigger::next_after`] (our cron module: Vixie day-of-month OR
//! day-of-week, DST in the job's zone), never from the alarm that wakes the daemon up. After a
//! job fires at `t`, its next time is the first one after `t`, so `every` keeps the period it
//! started with and never drifts by the time a wake-up took; if the daemon fell behind by more
//! than one period (a suspended laptop, a stopped container), the missed times are not made up:
//! the job fires once and continues from the next time after now.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};

use crate::jobs::{Job, Trigger};

/// What happens to a job at a fire time.
#[derive(Debug)]
pub(crate) enum Decision {
    /// Start a run; the job counts as running until [`Plan::finished`].
    Run(Box<Job>),
    /// The previous run is still going: this fire time is skipped.
    Skip,
}

/// One due job: what to do and when it fires next.
#[derive(Debug)]
pub(crate) struct Fired {
    /// The job's name.
    pub job: String,
    /// The fire time that came due.
    pub due: Timestamp,
    /// Run or skip.
    pub decision: Decision,
    /// Its next fire time, if it has one.
    pub next: Option<Timestamp>,
}

/// What a new job set changed.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Changes {
    /// Jobs that are new or whose schedule changed, with their next fire time.
    pub rescheduled: Vec<(String, Option<Timestamp>)>,
    /// Jobs no longer in the set.
    pub removed: Vec<String>,
}

/// The schedule state of every job.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    /// By job name.
    entries: BTreeMap<String, Entry>,
}

#[derive(Debug)]
struct Entry {
    /// The job as loaded.
    job: Job,
    /// When it fires next; `None` when its schedule has no future time (or it was removed).
    next: Option<Timestamp>,
    /// A run is in progress (or waiting for a slot).
    running: bool,
    /// Removed by a reload while running: forgotten when the run finishes.
    retired: bool,
}

impl Plan {
    /// A plan for `jobs` started at `now`: each fires first at its first time after `now`.
    pub(crate) fn new(jobs: Vec<Job>, now: Timestamp) -> Self {
        let entries = jobs
            .into_iter()
            .map(|job| {
                let next = job.trigger.next_after(now);
                let entry = Entry {
                    job,
                    next,
                    running: false,
                    retired: false,
                };
                (entry.job.name.clone(), entry)
            })
            .collect();
        Self { entries }
    }

    /// Every job whose fire time is at or before `now`, with its decision; each one's next
    /// time moves past `now`, and a job told to run counts as running.
    pub(crate) fn due(&mut self, now: Timestamp) -> Vec<Fired> {
        let mut fired = Vec::new();
        for (name, entry) in &mut self.entries {
            let Some(due) = entry.next.filter(|next| *next <= now) else {
                continue;
            };
            entry.next = following(&entry.job.trigger, due, now);
            let decision = if entry.running {
                Decision::Skip
            } else {
                entry.running = true;
                Decision::Run(Box::new(entry.job.clone()))
            };
            fired.push(Fired {
                job: name.clone(),
                due,
                decision,
                next: entry.next,
            });
        }
        fired
    }

    /// Marks `job`'s run as finished.
    pub(crate) fn finished(&mut self, job: &str) {
        let retired = match self.entries.get_mut(job) {
            Some(entry) => {
                entry.running = false;
                entry.retired
            }
            None => false,
        };
        if retired {
            self.entries.remove(job);
        }
    }

    /// Replaces the job set. A job whose schedule is unchanged keeps its next fire time (so a
    /// reload does not restart an `every` period); a new or changed one fires first at its first
    /// time after `now`. Running flags carry over, so a run in progress is never doubled, even
    /// for a job removed and added back while it runs.
    pub(crate) fn replace(&mut self, jobs: Vec<Job>, now: Timestamp) -> Changes {
        let mut changes = Changes::default();
        let mut old = std::mem::take(&mut self.entries);
        for job in jobs {
            let name = job.name.clone();
            let previous = old.remove(&name);
            let running = previous.as_ref().is_some_and(|entry| entry.running);
            let kept_next = previous
                .filter(|entry| !entry.retired && same_schedule(&entry.job.trigger, &job.trigger))
                .map(|entry| entry.next);
            let next = match kept_next {
                Some(next) => next,
                None => {
                    let next = job.trigger.next_after(now);
                    changes.rescheduled.push((name.clone(), next));
                    next
                }
            };
            let entry = Entry {
                job,
                next,
                running,
                retired: false,
            };
            self.entries.insert(name, entry);
        }
        for (name, mut entry) in old {
            if !entry.retired {
                changes.removed.push(name.clone());
            }
            if entry.running {
                entry.retired = true;
                entry.next = None;
                self.entries.insert(name, entry);
            }
        }
        changes
    }

    /// After the wall clock stepped back to `now`: each job fires next at the earlier of its
    /// planned time and its first time after `now`, so no job waits out the step (an `every`
    /// job fires one period after `now`). Returns the jobs whose time moved, with the new time.
    pub(crate) fn rebase(&mut self, now: Timestamp) -> Vec<(String, Timestamp)> {
        let mut moved = Vec::new();
        for (name, entry) in &mut self.entries {
            let (Some(planned), Some(fresh)) = (entry.next, entry.job.trigger.next_after(now))
            else {
                continue;
            };
            if !entry.retired && fresh < planned {
                entry.next = Some(fresh);
                moved.push((name.clone(), fresh));
            }
        }
        moved
    }

    /// The earliest next fire time of any job.
    pub(crate) fn next_fire(&self) -> Option<Timestamp> {
        self.entries.values().filter_map(|entry| entry.next).min()
    }

    /// Each scheduled job's next fire time, by name.
    pub(crate) fn next_times(&self) -> impl Iterator<Item = (&str, Timestamp)> {
        self.entries
            .iter()
            .filter_map(|(name, entry)| Some((name.as_str(), entry.next?)))
    }

    /// The jobs in the set whose schedule has no future fire time.
    pub(crate) fn never_firing(&self) -> impl Iterator<Item = &str> {
        self.entries
            .iter()
            .filter(|(_, entry)| !entry.retired && entry.next.is_none())
            .map(|(name, _)| name.as_str())
    }

    /// The names of the jobs in the set (not the retired ones).
    pub(crate) fn jobs(&self) -> impl Iterator<Item = &str> {
        self.entries
            .iter()
            .filter(|(_, entry)| !entry.retired)
            .map(|(name, _)| name.as_str())
    }

    /// Whether `job` has a run in progress (only tests ask).
    #[cfg(test)]
    pub(crate) fn is_running(&self, job: &str) -> bool {
        self.entries.get(job).is_some_and(|entry| entry.running)
    }
}

/// The first fire time after `fired` that is also after `now`.
fn following(trigger: &Trigger, fired: Timestamp, now: Timestamp) -> Option<Timestamp> {
    let next = trigger.next_after(fired)?;
    if next > now {
        return Some(next);
    }
    match trigger {
        Trigger::Cron(_) => trigger.next_after(now),
        Trigger::Every(interval) => {
            // Whole periods from `fired` past `now`, computed rather than stepped through.
            let period = interval.as_nanos().max(1) as i128;
            let behind = now.duration_since(fired).as_nanos();
            let periods = behind / period + 1;
            let ahead = SignedDuration::from_nanos_i128(periods * period);
            fired.checked_add(ahead).ok()
        }
    }
}

/// Whether two triggers describe the same schedule.
fn same_schedule(a: &Trigger, b: &Trigger) -> bool {
    a.to_string() == b.to_string()
}
