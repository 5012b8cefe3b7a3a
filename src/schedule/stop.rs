//! What a stop signal means, shared by the daemon and `a0snap run`: the first SIGTERM or SIGINT
//! starts a graceful stop, repeats within the grace period are counted but do not shorten it,
//! the third (or one SIGQUIT) forces the stop. It also names why runs were aborted.
//!
//! Why repeats are tolerated: GNU `timeout`, `kill -- -PGID` and several process managers send
//! the signal both to the child and to its process group, so one "please stop" from an operator
//! arrives as two signals a few milliseconds apart. This file only decides; it installs no
//! handler (see [`super::signals`]) and owns no timer.

use std::fmt;

/// How many SIGTERM/SIGINT in one stop force it: the first is the request, the second is most
/// likely the same request delivered twice (process group), the third is a person insisting.
pub(crate) const FORCE_AT: u32 = 3;

/// A signal that asks the process to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StopSignal {
    /// SIGTERM: stop gracefully.
    Term,
    /// SIGINT (Ctrl-C): stop gracefully.
    Int,
    /// SIGQUIT: stop now, aborting what runs.
    Quit,
}

impl fmt::Display for StopSignal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Term => "SIGTERM",
            Self::Int => "SIGINT",
            Self::Quit => "SIGQUIT",
        })
    }
}

/// What one more stop signal does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StopStep {
    /// The first request: stop starting runs, give the running ones the grace period.
    Graceful,
    /// A repeat (the `nth` stop signal, counting from 1) that changes nothing.
    Repeated {
        /// Which stop signal this is.
        nth: u32,
    },
    /// Abort the running runs now.
    Force(Forced),
}

/// Why a stop was forced: which signal, and the how-manieth stop signal it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Forced {
    /// The signal that forced it.
    pub signal: StopSignal,
    /// Which stop signal it was (1 for a first SIGQUIT, [`FORCE_AT`] for a SIGTERM/SIGINT).
    pub nth: u32,
}

impl fmt::Display for Forced {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.signal {
            StopSignal::Quit => write!(f, "{}", self.signal),
            _ => write!(f, "stop signal number {} ({})", self.nth, self.signal),
        }
    }
}

/// The stop signals received so far in this process.
#[derive(Debug, Default)]
pub(crate) struct StopRequests {
    /// How many SIGTERM/SIGINT/SIGQUIT arrived.
    received: u32,
}

impl StopRequests {
    /// Counts `signal` and says what it does (see the module docs for the rule).
    pub(crate) fn receive(&mut self, signal: StopSignal) -> StopStep {
        self.received = self.received.saturating_add(1);
        let nth = self.received;
        if signal == StopSignal::Quit || nth >= FORCE_AT {
            StopStep::Force(Forced { signal, nth })
        } else if nth == 1 {
            StopStep::Graceful
        } else {
            StopStep::Repeated { nth }
        }
    }
}

/// Why running runs were aborted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AbortCause {
    /// The grace period ran out.
    GraceRanOut,
    /// A signal forced the stop before the grace period ran out.
    Forced(Forced),
}

/// Logs what `step` (caused by `signal`, with `running` runs in progress) does.
pub(crate) fn log_step(step: StopStep, signal: StopSignal, running: usize) {
    match step {
        StopStep::Graceful => tracing::info!(
            signal = %signal,
            running,
            "{signal}: stopping; no new runs start, running jobs get the grace period (a third stop signal or SIGQUIT aborts them)"
        ),
        StopStep::Repeated { nth } => tracing::warn!(
            signal = %signal,
            nth,
            running,
            "{signal} again (stop signal number {nth}): already stopping, the grace period is not shortened; stop signal number {FORCE_AT} or SIGQUIT aborts the running jobs"
        ),
        StopStep::Force(forced) => tracing::warn!(
            signal = %signal,
            nth = forced.nth,
            running,
            "{forced} forces the stop: aborting the running jobs now"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_sigterm_is_counted_and_the_third_forces_the_stop() {
        let mut requests = StopRequests::default();
        assert_eq!(requests.receive(StopSignal::Term), StopStep::Graceful);
        assert_eq!(
            requests.receive(StopSignal::Int),
            StopStep::Repeated { nth: 2 }
        );
        let StopStep::Force(forced) = requests.receive(StopSignal::Term) else {
            panic!("the third stop signal did not force the stop");
        };
        assert_eq!(forced.to_string(), "stop signal number 3 (SIGTERM)");
    }

    #[test]
    fn sigquit_forces_the_stop_even_first() {
        let mut requests = StopRequests::default();
        let step = requests.receive(StopSignal::Quit);
        assert_eq!(
            step,
            StopStep::Force(Forced {
                signal: StopSignal::Quit,
                nth: 1
            })
        );
        let StopStep::Force(forced) = step else {
            unreachable!()
        };
        assert_eq!(forced.to_string(), "SIGQUIT");
    }
}
