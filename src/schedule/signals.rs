//! The process signals a0snap obeys, turned into [`Control`] messages: SIGTERM and SIGINT ask
//! for a graceful stop, SIGQUIT forces one (what repeats mean is [`super::stop`]'s rule), and,
//! for the daemon only, SIGHUP reloads the jobs folder.
//!
//! The handlers are tokio's, installed before the first job runs, so a signal is never lost
//! and never kills the process half-way; tokio-cron-scheduler's own signal handling is not used.
//! This file decides nothing: it forwards every signal, repeats included.

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::daemon::Control;
use super::stop::StopSignal;

/// Whether SIGHUP is taken (the daemon reloads on it) or left to its default (`a0snap run`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hangup {
    /// Forward SIGHUP as [`Control::Reload`].
    Reload,
    /// Install no SIGHUP handler.
    Default,
}

/// Installs the handlers and forwards each signal to `controls` until the receiver is gone.
///
/// # Errors
/// The operating system refused a handler.
#[cfg(unix)]
pub(crate) fn forward_signals(
    controls: mpsc::Sender<Control>,
    hangup: Hangup,
) -> std::io::Result<JoinHandle<()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut quit = signal(SignalKind::quit())?;
    let mut reload = match hangup {
        Hangup::Reload => Some(signal(SignalKind::hangup())?),
        Hangup::Default => None,
    };
    Ok(tokio::spawn(async move {
        loop {
            let hup = async {
                match reload.as_mut() {
                    Some(reload) => reload.recv().await,
                    None => std::future::pending().await,
                }
            };
            let (name, control) = tokio::select! {
                Some(()) = terminate.recv() => ("SIGTERM", Control::Stop(StopSignal::Term)),
                Some(()) = interrupt.recv() => ("SIGINT", Control::Stop(StopSignal::Int)),
                Some(()) = quit.recv() => ("SIGQUIT", Control::Stop(StopSignal::Quit)),
                Some(()) = hup => ("SIGHUP", Control::Reload),
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
pub(crate) fn forward_signals(
    controls: mpsc::Sender<Control>,
    _hangup: Hangup,
) -> std::io::Result<JoinHandle<()>> {
    Ok(tokio::spawn(async move {
        while tokio::signal::ctrl_c().await.is_ok() {
            tracing::info!(signal = "ctrl-c", "signal received");
            if controls.send(Control::Stop(StopSignal::Int)).await.is_err() {
                break;
            }
        }
    }))
}
