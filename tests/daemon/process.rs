//! A daemon process under test: [`crate::background::Process`] running `a0snap daemon`,
//! started once its signal handlers are installed.

pub(crate) use crate::background::Process as Daemon;
use crate::common::World;

impl Daemon {
    /// Starts `a0snap daemon` with the world's environment plus `extra`, and waits until its
    /// signal handlers are installed.
    pub(crate) async fn daemon(world: &World, extra: &[(&str, &str)]) -> Self {
        let daemon = Self::start(world, &["daemon"], extra);
        daemon.wait_for_log("daemon started").await;
        daemon
    }
}
