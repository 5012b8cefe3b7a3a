//! Logging: a `tracing` subscriber writing to stderr, as text or JSON lines.
//!
//! stdout is kept for what commands print on purpose (`a0snap token`, summaries), so logs never
//! mix with a token a script reads. The filter comes from `RUST_LOG`, default `info`. Colours
//! only on a terminal (and not with `NO_COLOR`): a cron log file or a log collector gets plain
//! text.

use std::io::IsTerminal;
use std::sync::Arc;

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;
use crate::progress::{LiveProgress, StderrWriter};

/// Installs the global subscriber. Call once, first thing in `main`. With `progress` shown,
/// log lines are written above its lines.
pub fn init(format: LogFormat, progress: Option<Arc<LiveProgress>>) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(StderrWriter::new(progress))
        .with_ansi(colours_wanted())
        .with_target(false);
    // A second call (tests that run commands in-process) keeps the first subscriber.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .try_init(),
    };
}

/// Colours for a person at a terminal who has not asked for none.
fn colours_wanted() -> bool {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
    std::io::stderr().is_terminal() && !no_color
}
