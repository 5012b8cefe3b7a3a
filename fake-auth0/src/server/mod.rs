//! The HTTP side: binding a loopback port, routing, and the [`FakeAuth0`] handle tests hold.
//!
//! [`start`] serves on a task of the caller's tokio runtime; [`start_in_thread`] serves on a
//! runtime of its own, for callers that block (a test that waits for a child process). The
//! server stops on [`FakeAuth0::shutdown`], or when the last clone of its handle is dropped.

mod api;
mod faulty;
mod jobs;
mod oauth;
mod state;

use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::{any, get};
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::config::Config;
use crate::conn::{Conn, KillableListener};
use crate::counters::Counters;
use crate::faults::FaultRule;
use crate::tenant::Tenant;
use state::{App, lock, write};

/// How long a shutdown waits for requests still being answered.
const GRACE: Duration = Duration::from_secs(2);

/// A running fake tenant. Clones share the server; it stops when the last clone drops.
#[derive(Clone)]
pub struct FakeAuth0 {
    inner: Arc<Handle>,
}

struct Handle {
    app: Arc<App>,
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    done: watch::Receiver<bool>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.stop.send_replace(true);
    }
}

impl std::fmt::Debug for FakeAuth0 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeAuth0")
            .field("addr", &self.inner.addr)
            .finish_non_exhaustive()
    }
}

/// Binds `127.0.0.1` on a free port and serves on a task of the current tokio runtime.
pub async fn start(config: Config) -> io::Result<FakeAuth0> {
    start_on(config, SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await
}

/// Binds `addr` and serves on a task of the current tokio runtime.
pub async fn start_on(config: Config, addr: SocketAddr) -> io::Result<FakeAuth0> {
    let (handle, server) = bind(config, addr).await?;
    tokio::spawn(server);
    Ok(handle)
}

/// Binds `127.0.0.1` on a free port and serves from a thread with its own runtime, so the
/// caller may block.
pub fn start_in_thread(config: Config) -> io::Result<FakeAuth0> {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("fake-auth0".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(error) => {
                    let _ = sender.send(Err(error));
                    return;
                }
            };
            runtime.block_on(async move {
                match bind(config, SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await {
                    Ok((handle, server)) => {
                        let _ = sender.send(Ok(handle));
                        server.await;
                    }
                    Err(error) => {
                        let _ = sender.send(Err(error));
                    }
                }
            });
        })?;
    receiver
        .recv()
        .map_err(|_| io::Error::other("the fake-auth0 thread ended before the server started"))?
}

async fn bind(
    config: Config,
    addr: SocketAddr,
) -> io::Result<(FakeAuth0, impl Future<Output = ()>)> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let app = Arc::new(App::new(config, addr));
    let (stop, stop_seen) = watch::channel(false);
    let (finished, done) = watch::channel(false);
    let router = Router::new()
        .route("/oauth/token", any(oauth::token))
        .route("/api/v2/jobs/users-exports", any(jobs::create))
        .route("/api/v2/jobs/{id}", any(jobs::status))
        .route("/downloads/{file}", get(jobs::download))
        .route("/api/v2/{*rest}", any(api::handle))
        .fallback(api::not_found)
        .with_state(Arc::clone(&app));
    let server = async move {
        let service = router.into_make_service_with_connect_info::<Conn>();
        let graceful = axum::serve(KillableListener::new(listener), service)
            .with_graceful_shutdown(stopped(stop_seen.clone()));
        let deadline = async {
            stopped(stop_seen).await;
            tokio::time::sleep(GRACE).await;
        };
        tokio::select! {
            result = graceful => if let Err(error) = result { tracing::debug!(%error, "fake-auth0 server ended") },
            () = deadline => tracing::debug!("fake-auth0 stopped without waiting for open requests"),
        }
        finished.send_replace(true);
    };
    tracing::debug!(%addr, "fake-auth0 listening");
    let handle = FakeAuth0 {
        inner: Arc::new(Handle {
            app,
            addr,
            stop,
            done,
        }),
    };
    Ok((handle, server))
}

async fn stopped(mut stop: watch::Receiver<bool>) {
    // An error means every sender is gone, which also means stop.
    let _ = stop.wait_for(|stop| *stop).await;
}

impl FakeAuth0 {
    fn app(&self) -> &App {
        &self.inner.app
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        self.app().base_url.clone()
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.inner.addr
    }

    /// The Management API audience tokens are issued for: `{base_url}/api/v2/`.
    pub fn audience(&self) -> String {
        self.app().audiences.first().cloned().unwrap_or_default()
    }

    /// A copy of the counters.
    pub fn counters(&self) -> Counters {
        self.app().counters.snapshot()
    }

    /// How many `/api/v2` requests are in flight at this instant (received, not yet answered;
    /// latency and delays count as in flight), e.g. to tell what a killed client was doing.
    pub fn in_flight(&self) -> u64 {
        self.app().counters.in_flight()
    }

    /// Zeroes the counters and forgets the request log.
    pub fn reset_counters(&self) {
        self.app().counters.reset();
    }

    /// `path?query` of every `/api/v2` request since the last reset, as received (still
    /// URL-encoded), in arrival order.
    pub fn requests(&self) -> Vec<String> {
        self.app().counters.requests()
    }

    /// Adds a fault rule; rules count matching requests from now on.
    pub fn inject(&self, rule: FaultRule) {
        lock(&self.app().faults).add(rule);
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        lock(&self.app().faults).clear();
    }

    /// Every token issued so far answers 401 from now on.
    pub fn revoke_tokens(&self) {
        self.app().tokens.revoke_all();
    }

    /// Sets the scopes granted to tokens issued from now on, as a grant or revocation in the
    /// Auth0 dashboard would; tokens already issued keep the scopes they were issued with.
    pub fn set_scopes(&self, scopes: &[&str]) {
        *write(&self.app().scopes) = scopes.iter().map(|scope| (*scope).to_owned()).collect();
    }

    /// Every token issued so far, oldest first (to assert that none leaks into output).
    pub fn issued_tokens(&self) -> Vec<String> {
        self.app().tokens.issued()
    }

    /// Runs `f` on the served records; the next requests see the change. `f` must not call
    /// back into this server.
    pub fn with_tenant<R>(&self, f: impl FnOnce(&mut Tenant) -> R) -> R {
        f(&mut write(&self.app().tenant))
    }

    /// A copy of one endpoint's records.
    pub fn records(&self, endpoint: &str) -> Vec<Value> {
        self.with_tenant(|tenant| tenant.records(endpoint).to_vec())
    }

    /// Asks the server to stop without waiting.
    pub fn stop(&self) {
        self.inner.stop.send_replace(true);
    }

    /// Stops accepting connections and waits (up to two seconds) for open requests.
    pub async fn shutdown(self) {
        self.stop();
        let mut done = self.inner.done.clone();
        let _ = done.wait_for(|done| *done).await;
    }
}
