//! The process signals the daemon obeys, turned into [`Control`] messages: SIGTERM and SIGINT
//! stop it (a second one aborts at once), SIGHUP reloads the jobs folder.
//!
//! The handlers are tokio's, installed before the first job runs, so a signal is never lost
//! and never kills the process half-way; tokio-cron-scheduler's own signal handling is not used.

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::daemon::Control;

/// Installs the handlers and forwards each signal to `controls` until the receiver is gone.
#[cfg(unix)]
pub(crate) fn forward_signals(controls: mpsc::Sender<Control>) -> std::io::Result<JoinHandle<()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut hangup = signal(SignalKind::hangup())?;
    Ok(tokio::spawn(async move {
        loop {
            let (name, control) = tokio::select! {
                Some(()) = terminate.recv() => ("SIGTERM", Control::Stop),
                Some(()) = interrupt.recv() => ("SIGINT", Control::Stop),
                Some(()) = hangup.recv() => ("SIGHUP", Control::Reload),
                else => break,
            };
            tracing::info!(signal = name, "signal received");
            if controls.send(control).await.is_err() {
                break;
            }
        }
    }))
}

/// Installs the Ctrl-C handler and forwards it to `controls` (no SIGTERM or SIGHUP here).
#[cfg(not(unix))]
pub fn forward_signals(controls: mpsc::Sender<Control>) -> std::io::Result<JoinHandle<()>> {
    Ok(tokio::spawn(async move {
        while tokio::signal::ctrl_c().await.is_ok() {
            tracing::info!(signal = "ctrl-c", "signal received");
            if controls.send(Control::Stop).await.is_err() {
                break;
            }
        }
    }))
}
