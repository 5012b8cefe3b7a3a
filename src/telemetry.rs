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

/// tokio-cron-scheduler logs every job it adds at info level (the daemon adds one per fire)
/// and logs its own channels closing as errors when the process stops. None of that is
/// actionable (the daemon logs failed alarms and late fires itself), so it is off unless
/// `RUST_LOG` names it.
fn quiet_scheduler(filter: EnvFilter) -> EnvFilter {
    let named = std::env::var("RUST_LOG").is_ok_and(|value| value.contains("tokio_cron_scheduler"));
    match "tokio_cron_scheduler=off".parse() {
        Ok(directive) if !named => filter.add_directive(directive),
        _ => filter,
    }
}

/// Installs the global subscriber. Call once, first thing in `main`. With `progress` shown,
/// log lines are written above its lines.
pub(crate) fn init(format: LogFormat, progress: Option<Arc<LiveProgress>>) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let filter = quiet_scheduler(filter);
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
