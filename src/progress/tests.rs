use std::io::Write;
use std::sync::{Arc, Mutex};

use indicatif::{InMemoryTerm, ProgressDrawTarget, TermLike};
use tracing_subscriber::fmt::MakeWriter;

use super::{JobProgress, LiveProgress, ProgressSink, SharedProgress, StderrWriter};

/// Log bytes as written, in order.
#[derive(Clone, Default)]
struct Bytes(Arc<Mutex<Vec<u8>>>);

impl Write for Bytes {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("bytes").extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Bytes {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("bytes")).into_owned()
    }
}

/// Log lines written to the same virtual terminal the progress is drawn on; a newline returns
/// the carriage too, as a terminal's line discipline does.
struct TermLog(InMemoryTerm);

impl Write for TermLog {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(bytes).replace('\n', "\r\n");
        self.0.write_str(&text)?;
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// Progress on an 80x24 virtual terminal, which log lines also go to; no redraw limit.
fn live() -> (Arc<LiveProgress>, InMemoryTerm) {
    let term = InMemoryTerm::new(24, 80);
    let target = ProgressDrawTarget::term_like(Box::new(term.clone()));
    let progress = Arc::new(LiveProgress::new(target, Box::new(TermLog(term.clone()))));
    (progress, term)
}

#[test]
fn each_running_job_has_a_line_with_its_pages_and_records_and_the_total_when_known() {
    let (progress, term) = live();
    progress.page("applications", 2, 100, Some(250));
    progress.page("logs", 1, 100, None);
    assert_eq!(
        term.contents(),
        "  applications  page 2  100/250 records (40%)\n  logs  page 1  100 records"
    );
}

#[test]
fn a_redraw_replaces_the_lines_drawn_before_and_leaves_no_stale_line() {
    let (progress, term) = live();
    progress.page("applications", 1, 50, Some(120));
    progress.page("logs", 1, 100, None);
    progress.page("applications", 2, 100, Some(120));
    assert_eq!(
        term.contents(),
        "  applications  page 2  100/120 records (83%)\n  logs  page 1  100 records"
    );
}

#[test]
fn a_long_job_name_is_cut_so_the_line_fits_an_80_column_terminal() {
    let (progress, term) = live();
    let name = "a".repeat(60);
    progress.page(&name, 1, 5, Some(10));
    assert_eq!(
        term.contents(),
        format!("  {}  page 1  5/10 records (50%)", "a".repeat(32))
    );
}

#[test]
fn a_log_line_appears_above_the_progress_lines_which_are_drawn_again_below_it() {
    let (progress, term) = live();
    progress.page("roles", 1, 3, Some(3));
    let writer = StderrWriter::new(Some(progress.clone()));
    let mut line = writer.make_writer();
    line.write_all(b"INFO job started job=users\n")
        .expect("write");
    drop(line);
    assert_eq!(
        term.contents(),
        "INFO job started job=users\n  roles  page 1  3/3 records (100%)"
    );
}

#[test]
fn a_finished_job_leaves_no_line_behind_even_when_its_run_failed() {
    let (progress, term) = live();
    let sink: SharedProgress = progress.clone();
    {
        let job = JobProgress::new(Some(&sink), "users");
        job.page(1, 100, Some(2000));
        assert_eq!(term.contents(), "  users  page 1  100/2000 records (5%)");
        // Dropped without a last page, as when the export fails.
    }
    assert_eq!(term.contents(), "");
    progress.clear();
    assert_eq!(term.contents(), "", "nothing left to erase");
}

#[test]
fn clearing_erases_the_lines_before_the_summary() {
    let (progress, term) = live();
    progress.page("users", 1, 100, None);
    progress.clear();
    assert_eq!(term.contents(), "");
}

#[test]
fn without_a_sink_job_progress_does_nothing() {
    let job = JobProgress::new(None, "users");
    job.page(1, 1, None);
    assert_eq!(job.job(), "users");
}

#[test]
fn log_lines_pass_through_when_nothing_is_drawn() {
    let term = InMemoryTerm::new(24, 80);
    let log = Bytes::default();
    let target = ProgressDrawTarget::term_like(Box::new(term.clone()));
    let progress = Arc::new(LiveProgress::new(target, Box::new(log.clone())));
    let writer = StderrWriter::new(Some(progress.clone()));
    let mut line = writer.make_writer();
    line.write_all(b"WARN plain\n").expect("write");
    drop(line);
    assert_eq!(log.text(), "WARN plain\n");
    progress.finished("never-started");
    assert_eq!(log.text(), "WARN plain\n");
    assert_eq!(term.contents(), "", "nothing drawn around the log line");
}
