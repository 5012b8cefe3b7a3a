use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tracing_subscriber::fmt::MakeWriter;

use super::{JobProgress, LiveProgress, ProgressSink, SharedProgress, StderrWriter};

/// A terminal stand-in: everything written, in order.
#[derive(Clone, Default)]
struct Screen(Arc<Mutex<Vec<u8>>>);

impl Write for Screen {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("screen").extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Screen {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("screen")).into_owned()
    }
}

fn live(interval: Duration) -> (Arc<LiveProgress>, Screen) {
    let screen = Screen::default();
    let progress = Arc::new(LiveProgress::new(Box::new(screen.clone()), interval));
    (progress, screen)
}

#[test]
fn each_running_job_has_a_line_with_its_pages_and_records_and_the_total_when_known() {
    let (progress, screen) = live(Duration::ZERO);
    progress.page("applications", 2, 100, Some(250));
    progress.page("logs", 1, 100, None);
    let text = screen.text();
    assert!(
        text.contains("  applications  page 2  100/250 records (40%)\n"),
        "{text:?}"
    );
    assert!(
        text.ends_with(
            "  applications  page 2  100/250 records (40%)\n  logs  page 1  100 records\n"
        ),
        "{text:?}"
    );
}

#[test]
fn a_redraw_erases_exactly_the_lines_drawn_before() {
    let (progress, screen) = live(Duration::ZERO);
    progress.page("applications", 1, 50, Some(120));
    progress.page("logs", 1, 100, None);
    progress.page("applications", 2, 100, Some(120));
    let text = screen.text();
    // Second draw erases one line, the third erases two.
    assert!(text.contains("\r\x1b[1A\x1b[J"), "{text:?}");
    assert!(text.contains("\r\x1b[2A\x1b[J  applications  page 2  100/120 records (83%)\n  logs  page 1  100 records\n"), "{text:?}");
}

#[test]
fn updates_closer_together_than_the_interval_are_not_redrawn_but_new_jobs_are() {
    let (progress, screen) = live(Duration::from_secs(3600));
    progress.page("applications", 1, 50, None);
    progress.page("applications", 2, 100, None);
    assert!(!screen.text().contains("page 2"), "{:?}", screen.text());
    progress.page("logs", 1, 10, None);
    let text = screen.text();
    assert!(
        text.contains("page 2  100 records\n  logs  page 1  10 records\n"),
        "{text:?}"
    );
}

#[test]
fn a_log_line_appears_above_the_progress_lines_which_are_drawn_again_below_it() {
    let (progress, screen) = live(Duration::ZERO);
    progress.page("roles", 1, 3, Some(3));
    let writer = StderrWriter::new(Some(progress.clone()));
    let mut line = writer.make_writer();
    line.write_all(b"INFO job started job=users\n")
        .expect("write");
    drop(line);
    let text = screen.text();
    assert!(
        text.ends_with(
            "\r\x1b[1A\x1b[JINFO job started job=users\n  roles  page 1  3/3 records (100%)\n"
        ),
        "{text:?}"
    );
}

#[test]
fn a_finished_job_leaves_no_line_behind_even_when_its_run_failed() {
    let (progress, screen) = live(Duration::ZERO);
    let sink: SharedProgress = progress.clone();
    {
        let job = JobProgress::new(Some(&sink), "users");
        job.page(1, 100, Some(2000));
        // Dropped without a last page, as when the export fails.
    }
    let text = screen.text();
    assert!(text.ends_with("records (5%)\n\r\x1b[1A\x1b[J"), "{text:?}");
    progress.clear();
    assert_eq!(screen.text(), text, "nothing left to erase");
}

#[test]
fn without_a_sink_job_progress_does_nothing() {
    let job = JobProgress::new(None, "users");
    job.page(1, 1, None);
    assert_eq!(job.job(), "users");
}

#[test]
fn log_lines_pass_through_when_nothing_is_drawn() {
    let (progress, screen) = live(Duration::ZERO);
    let writer = StderrWriter::new(Some(progress.clone()));
    let mut line = writer.make_writer();
    line.write_all(b"WARN plain\n").expect("write");
    drop(line);
    assert_eq!(screen.text(), "WARN plain\n");
    progress.finished("never-started");
    assert_eq!(screen.text(), "WARN plain\n");
}
