//! Live progress of `a0snap run` for a person at a terminal: one line per running job with its
//! pages and records (and the total when the API reports one), redrawn in place on stderr.
//!
//! Shown only when stderr is a terminal and logs are text; under cron, in a pipe or with JSON
//! logs nothing is drawn, and the runner's per-page debug line and the info summary say the same
//! in the log instead. It never writes to stdout, which carries the summary and `a0snap token`.
//! Log lines share stderr with the progress lines: [`StderrWriter`] erases the lines, writes
//! the log line and draws them again, so the two never garble each other.

#[cfg(test)]
mod tests;

use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

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

/// Redraws happen at most this often, so a fast export does not flood the terminal.
const REDRAW_INTERVAL: Duration = Duration::from_millis(100);
/// Job names longer than this are cut, so a line never wraps on an 80-column terminal.
const NAME_WIDTH: usize = 32;

/// The progress lines on a terminal.
pub(crate) struct LiveProgress {
    /// A std mutex: held only to update a few numbers and write a few bytes, never across an
    /// await, and taken by the log writer from any thread.
    state: Mutex<State>,
    redraw_interval: Duration,
}

impl std::fmt::Debug for LiveProgress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveProgress").finish_non_exhaustive()
    }
}

struct State {
    out: Box<dyn Write + Send>,
    /// Running jobs, in the order they sent their first page.
    jobs: Vec<JobLine>,
    /// Progress lines on the screen now, below the last log line.
    drawn: usize,
    last_draw: Option<Instant>,
}

struct JobLine {
    job: String,
    pages: u64,
    records: u64,
    total: Option<u64>,
}

impl LiveProgress {
    /// Progress on stderr when a person is watching: stderr is a terminal (not a pipe, a file
    /// or cron's mail), the terminal can move the cursor, and logs are text.
    pub(crate) fn detect(format: LogFormat) -> Option<Arc<Self>> {
        let dumb = std::env::var("TERM").is_ok_and(|term| term == "dumb");
        let watched = format == LogFormat::Text && std::io::stderr().is_terminal() && !dumb;
        watched.then(|| Arc::new(Self::new(Box::new(std::io::stderr()), REDRAW_INTERVAL)))
    }

    /// Progress written to `out`, redrawn at most every `redraw_interval`.
    pub(crate) fn new(out: Box<dyn Write + Send>, redraw_interval: Duration) -> Self {
        Self {
            state: Mutex::new(State {
                out,
                jobs: Vec::new(),
                drawn: 0,
                last_draw: None,
            }),
            redraw_interval,
        }
    }

    /// Writes `text` (whole log lines) above the progress lines.
    pub(crate) fn write_above(&self, text: &[u8]) {
        let mut state = self.lock();
        let mut frame = state.erase();
        frame.push_str(&String::from_utf8_lossy(text));
        frame.push_str(&state.lines());
        state.show(frame);
    }

    /// Erases the progress lines, before the summary is printed.
    pub(crate) fn clear(&self) {
        let mut state = self.lock();
        let frame = state.erase();
        state.show(frame);
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while drawing leaves numbers behind, nothing unsafe: keep going.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl ProgressSink for LiveProgress {
    fn page(&self, job: &str, pages: u64, records: u64, total: Option<u64>) {
        let mut state = self.lock();
        let new_job = match state.jobs.iter_mut().find(|line| line.job == job) {
            Some(line) => {
                (line.pages, line.records, line.total) = (pages, records, total);
                false
            }
            None => {
                state.jobs.push(JobLine {
                    job: job.to_owned(),
                    pages,
                    records,
                    total,
                });
                true
            }
        };
        let due = state
            .last_draw
            .is_none_or(|at| at.elapsed() >= self.redraw_interval);
        if new_job || due {
            let mut frame = state.erase();
            frame.push_str(&state.lines());
            state.show(frame);
        }
    }

    fn finished(&self, job: &str) {
        let mut state = self.lock();
        state.jobs.retain(|line| line.job != job);
        let mut frame = state.erase();
        frame.push_str(&state.lines());
        state.show(frame);
    }
}

impl State {
    /// The bytes that move the cursor back over the drawn lines and erase them.
    fn erase(&mut self) -> String {
        let frame = match self.drawn {
            0 => String::new(),
            lines => format!("\r\x1b[{lines}A\x1b[J"),
        };
        self.drawn = 0;
        frame
    }

    /// The progress lines, one per running job, and how many there are.
    fn lines(&mut self) -> String {
        let mut text = String::new();
        for line in &self.jobs {
            let name: String = line.job.chars().take(NAME_WIDTH).collect();
            let _ = write!(text, "  {name}  page {}  ", line.pages);
            let _ = match line.total {
                Some(total) if total > 0 => writeln!(
                    text,
                    "{}/{total} records ({}%)",
                    line.records,
                    (line.records.min(total) * 100) / total
                ),
                _ => writeln!(text, "{} records", line.records),
            };
        }
        self.drawn = self.jobs.len();
        text
    }

    /// Writes one frame in one write, so the terminal never shows half of it.
    fn show(&mut self, frame: String) {
        if frame.is_empty() {
            return;
        }
        // Progress is a courtesy: a terminal that went away is no reason to fail a run.
        let _ = self.out.write_all(frame.as_bytes());
        let _ = self.out.flush();
        self.last_draw = Some(Instant::now());
    }
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
