//! The state every request handler shares: settings, tenant, tokens, faults, rate-limit bucket
//! and counters.
//!
//! Each part has its own std mutex, held only for quick, non-async work (never across an
//! `.await`), so a slow request never blocks another. `with_tenant` callers must not call
//! back into the server from inside their closure.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Instant;

use crate::config::Config;
use crate::counters::CounterBook;
use crate::cursor::Cursors;
use crate::exports::ExportBook;
use crate::faults::{Fault, FaultBook};
use crate::rate_limit::{Buckets, Decision};
use crate::tenant::Tenant;
use crate::token::TokenStore;
use crate::token::assertion::Assertions;

/// Locks a mutex, carrying on after a panic elsewhere (the data stays usable for a fake).
pub(super) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Reads behind a lock, carrying on after a panic elsewhere.
pub(super) fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

/// Writes behind a lock, carrying on after a panic elsewhere.
pub(super) fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
}

/// Shared by all handlers of one server.
pub(super) struct App {
    /// The settings; its `tenant` is empty (the records live in [`App::tenant`]).
    pub config: Config,
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// The audiences a token request may name.
    pub audiences: Vec<String>,
    /// The scopes tokens issued from now on grant: `config.scopes` at first, changed by
    /// [`crate::FakeAuth0::set_scopes`]. Tokens already issued keep theirs, as Auth0's do.
    pub scopes: RwLock<Vec<String>>,
    /// The records served; a read-write lock, so pages are written out side by side.
    pub tenant: RwLock<Tenant>,
    /// Issued tokens.
    pub tokens: TokenStore,
    /// The client's Private Key JWT credentials and the assertions already used.
    pub assertions: Assertions,
    /// Injected faults.
    pub faults: Mutex<FaultBook>,
    /// The rate-limit buckets: the global one and the endpoints' own.
    pub buckets: Mutex<Buckets>,
    /// What the server saw.
    pub counters: Arc<CounterBook>,
    /// Checkpoint `next` values.
    pub cursors: Cursors,
    /// Users-export jobs and downloads.
    pub exports: ExportBook,
}

impl App {
    /// The state of a server bound to `addr`.
    pub(super) fn new(mut config: Config, addr: SocketAddr) -> Self {
        let tenant = std::mem::take(&mut config.tenant);
        let base_url = format!("http://{addr}");
        let audiences = match &config.audience {
            Some(audience) => vec![audience.clone()],
            None => vec![
                format!("{base_url}/api/v2/"),
                format!("http://localhost:{}/api/v2/", addr.port()),
            ],
        };
        let buckets = Buckets::new(config.rate_limit, &config.endpoint_limits, Instant::now());
        let assertions = Assertions::new(&config.client_assertion_keys);
        Self {
            assertions,
            scopes: RwLock::new(config.scopes.clone()),
            config,
            base_url,
            audiences,
            tenant: RwLock::new(tenant),
            tokens: TokenStore::default(),
            faults: Mutex::default(),
            buckets: Mutex::new(buckets),
            counters: Arc::default(),
            cursors: Cursors::new(fastrand::u64(..)),
            exports: ExportBook::default(),
        }
    }

    /// Counts a request against the fault rules; the fault that hits it, if any.
    pub(super) fn fault_for(&self, path: &str) -> Option<Fault> {
        lock(&self.faults).on_request(path)
    }

    /// Takes a token for a request to `path` from the buckets that apply; the decision of the
    /// one that applied, `None` when no rate limit applies.
    pub(super) fn rate_decision(&self, path: &str) -> Option<Decision> {
        lock(&self.buckets).take(path, Instant::now())
    }
}
