//! Live progress of `a0snap run` for a person at a terminal: one line per running job with its
//! pages and records (and the total when the API reports one), redrawn in place on stderr.
//!
//! Shown only when stderr is a terminal and logs are text; under cron, in a pipe or with JSON
//! logs nothing is drawn, and the runner's per-page debug line and the info summary say the same
//! in the log instead. It never writes to stdout, which carries the summary and `a0snap token`.
//!
//! The drawing is `indicatif`'s: one [`ProgressBar`] per job in a [`MultiProgress`], redrawn at
//! most ten times a second, and nothing at all when stderr is not a terminal. Log lines share
//! stderr with the progress lines: [`StderrWriter`] writes each one inside
//! [`MultiProgress::suspend`], which erases the lines, lets the log line through and draws them
//! again, so the two never garble each other. (`tracing-indicatif` ties a bar to each tracing
//! span; a0snap's progress is counted by the runner page by page, not by spans, so the plain
//! crate fits better.) This module formats the line's words and keeps one bar per job; it must
//! not move the cursor or write escape codes itself.

#[cfg(test)]
mod tests;

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex, MutexGuard};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::config::LogFormat;

/// Receives the progress of job runs.
pub(crate) trait ProgressSink: Send + Sync + std::fmt::Debug {
    /// A page of `job` arrived: `pages` and `records` so far, and the API's `total` if any.
    fn page(&self, job: &str, pages: u64, records: u64, total: Option<u64>);
    /// `job` ended, however it ended.
    fn finished(&self, job: &str);
}

/// A shared progress sink.
pub(crate) type SharedProgress = Arc<dyn ProgressSink>;

/// One job's progress reports; tells the sink the job ended when dropped, so a failed or
/// cancelled run leaves no line behind.
#[derive(Debug)]
pub(crate) struct JobProgress<'a> {
    sink: Option<&'a SharedProgress>,
    job: &'a str,
}

impl<'a> JobProgress<'a> {
    /// Reports for `job` to `sink`, if there is one.
    pub(crate) fn new(sink: Option<&'a SharedProgress>, job: &'a str) -> Self {
        Self { sink, job }
    }

    /// The job's name.
    pub(crate) fn job(&self) -> &str {
        self.job
    }

    /// A page arrived.
    pub(crate) fn page(&self, pages: u64, records: u64, total: Option<u64>) {
        if let Some(sink) = self.sink {
            sink.page(self.job, pages, records, total);
        }
    }
}

impl Drop for JobProgress<'_> {
    fn drop(&mut self) {
        if let Some(sink) = self.sink {
            sink.finished(self.job);
        }
    }
}

/// Redraws happen at most this many times a second, so a fast export does not flood the
/// terminal.
const REDRAWS_PER_SECOND: u8 = 10;
/// Job names longer than this are cut, so a line never wraps on an 80-column terminal.
const NAME_WIDTH: usize = 32;

/// The progress lines on a terminal.
pub(crate) struct LiveProgress {
    /// The lines on the screen, one bar per running job, drawn by indicatif.
    lines: MultiProgress,
    /// Running jobs and their bars, in the order they sent their first page. A std mutex: held
    /// only to find or drop a bar, never across an await, and taken from any thread.
    jobs: Mutex<Vec<(String, ProgressBar)>>,
    /// Where log lines go (stderr), written while the bars are suspended.
    log: Mutex<Box<dyn Write + Send>>,
}

impl std::fmt::Debug for LiveProgress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveProgress").finish_non_exhaustive()
    }
}

impl LiveProgress {
    /// Progress on stderr when a person is watching: stderr is a terminal (not a pipe, a file
    /// or cron's mail), the terminal can move the cursor, and logs are text.
    pub(crate) fn detect(format: LogFormat) -> Option<Arc<Self>> {
        let dumb = std::env::var("TERM").is_ok_and(|term| term == "dumb");
        let watched = format == LogFormat::Text && std::io::stderr().is_terminal() && !dumb;
        watched.then(|| {
            let target = ProgressDrawTarget::stderr_with_hz(REDRAWS_PER_SECOND);
            Arc::new(Self::new(target, Box::new(std::io::stderr())))
        })
    }

    /// Progress drawn to `target`, with log lines written to `log` between draws.
    pub(crate) fn new(target: ProgressDrawTarget, log: Box<dyn Write + Send>) -> Self {
        Self {
            lines: MultiProgress::with_draw_target(target),
            jobs: Mutex::new(Vec::new()),
            log: Mutex::new(log),
        }
    }

    /// Writes `text` (whole log lines) above the progress lines.
    pub(crate) fn write_above(&self, text: &[u8]) {
        self.lines.suspend(|| {
            let mut log = lock(&self.log);
            // A log line that cannot be written has nowhere else to go: keep running.
            let _ = log.write_all(text);
            let _ = log.flush();
        });
    }

    /// Erases the progress lines, before the summary is printed.
    pub(crate) fn clear(&self) {
        // Progress is a courtesy: a terminal that went away is no reason to fail a run.
        let _ = self.lines.clear();
    }
}

impl ProgressSink for LiveProgress {
    fn page(&self, job: &str, pages: u64, records: u64, total: Option<u64>) {
        let mut jobs = lock(&self.jobs);
        let bar = match jobs.iter().find(|(name, _)| name == job) {
            Some((_, bar)) => bar.clone(),
            None => {
                let bar = self
                    .lines
                    .add(ProgressBar::no_length().with_style(line_style()));
                jobs.push((job.to_owned(), bar.clone()));
                bar
            }
        };
        drop(jobs);
        bar.set_message(line(job, pages, records, total));
    }

    fn finished(&self, job: &str) {
        let mut jobs = lock(&self.jobs);
        let Some(index) = jobs.iter().position(|(name, _)| name == job) else {
            return;
        };
        let (_, bar) = jobs.remove(index);
        drop(jobs);
        bar.finish_and_clear();
        self.lines.remove(&bar);
    }
}

/// A bar that shows only its message: the line's words are [`line()`]'s.
fn line_style() -> ProgressStyle {
    // "{msg}" is a valid template, so the fallback (a spinner and the message) never shows.
    ProgressStyle::with_template("{msg}").unwrap_or_else(|_| ProgressStyle::default_spinner())
}

/// One job's line: `"  users  page 3  150/2000 records (7%)"`, or `"  logs  page 1  100 records"`
/// without a total.
fn line(job: &str, pages: u64, records: u64, total: Option<u64>) -> String {
    let name: String = job.chars().take(NAME_WIDTH).collect();
    match total {
        Some(total) if total > 0 => format!(
            "  {name}  page {pages}  {records}/{total} records ({}%)",
            (records.min(total) * 100) / total
        ),
        _ => format!("  {name}  page {pages}  {records} records"),
    }
}

/// Takes `mutex` even if a panic poisoned it: what it guards is a list of bars and a writer,
/// nothing a half-done update makes unsafe.
fn lock<T: ?Sized>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The log writer: stderr, with log lines placed above the progress lines when there are any.
#[derive(Debug, Clone, Default)]
pub(crate) struct StderrWriter {
    progress: Option<Arc<LiveProgress>>,
}

impl StderrWriter {
    /// Writes to stderr, around `progress` if it is shown.
    pub(crate) fn new(progress: Option<Arc<LiveProgress>>) -> Self {
        Self { progress }
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for StderrWriter {
    type Writer = LogLine;

    fn make_writer(&'a self) -> Self::Writer {
        LogLine {
            progress: self.progress.clone(),
            text: Vec::new(),
        }
    }
}

/// One log event's bytes, written when the event is complete.
#[derive(Debug)]
pub(crate) struct LogLine {
    progress: Option<Arc<LiveProgress>>,
    text: Vec<u8>,
}

impl Write for LogLine {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.text.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for LogLine {
    fn drop(&mut self) {
        if self.text.is_empty() {
            return;
        }
        match &self.progress {
            Some(progress) => progress.write_above(&self.text),
            None => {
                let _ = std::io::stderr().lock().write_all(&self.text);
            }
        }
    }
}
