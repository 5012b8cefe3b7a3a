//! The token cache: one per (domain, client id, audience), shared as `Arc<TokenCache>` by
//! every job and page of a process, and through the token file by every process of the user.
//!
//! `get` looks in memory, then (under the cross-process file lock) in the token file, then asks
//! Auth0. Renewal is single flight: within the process a tokio mutex lets one task renew while
//! the others wait and then share its token or its error; across processes an exclusive lock
//! on `{key}.lock` does the same, and the file is re-read once the lock is held.
//!
//! A token the API refuses is dropped here (401, or a 403 `insufficient_scope` for a token
//! that may predate a scope grant), never replaced behind a caller's back: the caller asks
//! again through `get`. This module knows nothing of API paths or answers.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tracing::{debug, info, warn};

use super::credentials::Credentials;
use super::error::AuthError;
use super::exchange::TokenExchange;
use super::stale::StalePolicy;
use super::store::{FileStore, Loaded};
use super::token::{Token, TokenSource};
use crate::clock::SharedClock;
use crate::http::retry::RetryPolicy;
use crate::metrics::Metrics;

/// A token issued less than this long ago (by this process or an earlier run) is not renewed
/// for a 403 `insufficient_scope`. Auth0 writes a token's scopes into it when it is issued (a
/// grant made later shows only in a new token, see
/// <https://auth0.com/docs/secure/tokens/access-tokens/management-api-access-tokens>), so an
/// older token is worth renewing once; a younger one would cost a token request per run while
/// the scope stays missing, against Auth0's monthly machine-to-machine token quota. A scope
/// granted since is picked up at the latest this long after the token was issued.
pub(super) const SCOPE_RECHECK_AFTER: jiff::SignedDuration = jiff::SignedDuration::from_mins(10);

/// Where tokens are kept besides memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CacheMode {
    /// Memory, and a token file under `{state_dir}/tokens/` shared with other processes.
    File {
        /// The state folder (`A0SNAP_STATE_DIR`).
        state_dir: PathBuf,
    },
    /// This process's memory only (`A0SNAP_TOKEN_CACHE=memory`).
    Memory,
}

/// A Management API token that never seems to expire. `Send + Sync`; share it in an `Arc`.
pub(crate) struct TokenCache {
    /// Fetches fresh tokens.
    exchange: TokenExchange,
    /// The token file, unless the mode is memory only.
    store: Option<Arc<FileStore>>,
    /// "Now", for the staleness rule.
    clock: SharedClock,
    /// When a token counts as stale.
    policy: StalePolicy,
    /// The current token and the last renewal's outcome. A std mutex: it is only held to
    /// read or swap a few fields, never across an await.
    slot: Mutex<Slot>,
    /// Held for a whole renewal (file lock, file, HTTP), so one task renews at a time. A tokio
    /// mutex because it is held across awaits and waiters must not block their threads.
    renewal: tokio::sync::Mutex<()>,
    /// Counts the token requests made to Auth0.
    metrics: Arc<Metrics>,
}

/// What the cache knows right now.
#[derive(Default)]
struct Slot {
    /// The token handed out, if any.
    token: Option<Token>,
    /// Counts finished renewals, so a waiter can tell that one finished while it waited.
    generation: u64,
    /// The error the last renewal ended with, shared with the tasks that waited for it.
    last_error: Option<AuthError>,
    /// The fingerprint of the last token the API refused, never to be reloaded from the file.
    refused: Option<String>,
}

impl TokenCache {
    /// A cache for `credentials`; nothing is read or requested until the first [`Self::get`].
    pub(crate) fn new(
        credentials: Credentials,
        http: reqwest::Client,
        mode: CacheMode,
        clock: SharedClock,
        policy: StalePolicy,
        retry: RetryPolicy,
    ) -> Self {
        let store = match &mode {
            CacheMode::File { state_dir } => {
                Some(Arc::new(FileStore::new(state_dir, &credentials)))
            }
            CacheMode::Memory => None,
        };
        Self {
            exchange: TokenExchange::new(credentials, http, clock.clone(), retry),
            store,
            clock,
            policy,
            slot: Mutex::new(Slot::default()),
            renewal: tokio::sync::Mutex::new(()),
            metrics: Arc::default(),
        }
    }

    /// The same cache, counting its token requests in `metrics`.
    pub(crate) fn with_metrics(mut self, metrics: Arc<Metrics>) -> Self {
        self.metrics = metrics;
        self
    }

    /// The same cache with another timeout for each token request (by default the HTTP
    /// client's own).
    pub(crate) fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.exchange = self.exchange.with_timeout(timeout);
        self
    }

    /// The credentials tokens are requested with.
    pub(crate) fn credentials(&self) -> &Credentials {
        self.exchange.credentials()
    }

    /// The token file, unless the cache is memory only.
    pub(crate) fn token_file(&self) -> Option<&Path> {
        self.store.as_deref().map(FileStore::path)
    }

    /// A token that is not stale: from memory, else from the token file, else fresh from
    /// Auth0. However many tasks ask at once, at most one request is made.
    pub(crate) async fn get(&self) -> Result<Token, AuthError> {
        self.get_for(None).await
    }

    /// [`Self::get`] for a request of `job`: a token request this call makes (it leads the
    /// single flight) is counted against `job` too.
    pub(crate) async fn get_for(&self, job: Option<&str>) -> Result<Token, AuthError> {
        let seen = match self.fresh_in_memory() {
            Ok(token) => return Ok(token),
            Err(generation) => generation,
        };
        let _turn = self.renewal.lock().await;
        if let Some(outcome) = self.outcome_since(seen) {
            return outcome;
        }
        let outcome = self.renew(job).await;
        let mut slot = self.slot();
        slot.generation += 1;
        match &outcome {
            Ok(token) => {
                slot.token = Some(token.clone());
                slot.last_error = None;
            }
            Err(error) => slot.last_error = Some(error.clone()),
        }
        outcome
    }

    /// Drops `stale` after the API refused it (401), if it is still the current token, and
    /// removes the token file if it holds it, so the next [`Self::get`] fetches a new one.
    /// Concurrent calls for the same token drop it once.
    pub(crate) fn invalidate(&self, stale: &Token) {
        self.drop_token(stale, "the api refused the token; dropped it");
    }

    /// After a 403 `insufficient_scope` answered to `refused`: whether a renewed token might
    /// carry the missing scope. True when the token was issued at least
    /// [`SCOPE_RECHECK_AFTER`] ago, by this process or an earlier run (the scope may have been
    /// granted since); the token is then dropped as by [`Self::invalidate`] (once, however
    /// many requests it was refused for), and the caller retries through [`Self::get`]. False
    /// for a younger token, wherever it came from: so a scope that stays missing costs at most
    /// one token request per [`SCOPE_RECHECK_AFTER`], however often cron runs the job (Auth0
    /// counts machine-to-machine tokens against a monthly quota).
    pub(crate) fn renew_for_scope(&self, refused: &Token) -> bool {
        let age = self.clock.now().duration_since(refused.issued_at());
        if age < SCOPE_RECHECK_AFTER {
            debug!(
                "the api refused a scope to a token issued less than {} ago; not renewing it",
                SCOPE_RECHECK_AFTER
            );
            return false;
        }
        self.drop_token(
            refused,
            "the api refused a scope to the token; dropped it, a new token may carry a scope granted since",
        );
        true
    }

    /// Drops `stale` if it is still the current token, and its file; `why` is logged.
    fn drop_token(&self, stale: &Token, why: &'static str) {
        let fingerprint = stale.fingerprint();
        {
            let mut slot = self.slot();
            if !slot
                .token
                .as_ref()
                .is_some_and(|current| current.is_same(stale))
            {
                debug!("the refused token was already replaced; nothing to drop");
                return;
            }
            slot.token = None;
            slot.refused = Some(fingerprint.clone());
        }
        info!(expires_at = %stale.expires_at(), "{why}");
        let Some(store) = &self.store else { return };
        // A small unlocked read and unlink: a renewal in another process at this very moment
        // could lose its new file, which costs one extra token request, nothing worse.
        match store.remove_if_holds(&fingerprint) {
            Ok(true) => debug!(path = %store.path().display(), "removed the refused token's file"),
            Ok(false) => {}
            Err(error) => warn!(
                path = %store.path().display(),
                %error,
                "could not remove the refused token's file; it will be replaced on renewal"
            ),
        }
    }

    /// The current token if it is not stale, else the renewal generation seen.
    fn fresh_in_memory(&self) -> Result<Token, u64> {
        let slot = self.slot();
        match &slot.token {
            Some(token) if !token.is_stale(self.clock.now(), &self.policy) => {
                debug!(expires_at = %token.expires_at(), "token reused from memory");
                Ok(token.with_source(TokenSource::Memory))
            }
            _ => Err(slot.generation),
        }
    }

    /// The result of a renewal that finished after generation `seen`, for a task that waited.
    fn outcome_since(&self, seen: u64) -> Option<Result<Token, AuthError>> {
        let slot = self.slot();
        if slot.generation == seen {
            return None;
        }
        if let Some(token) = &slot.token
            && !token.is_stale(self.clock.now(), &self.policy)
        {
            debug!(expires_at = %token.expires_at(), "token reused from memory");
            return Some(Ok(token.with_source(TokenSource::Memory)));
        }
        slot.last_error.clone().map(Err)
    }

    /// Renews under the file lock (file mode) or directly (memory mode).
    async fn renew(&self, job: Option<&str>) -> Result<Token, AuthError> {
        let Some(store) = self.store.clone() else {
            return self.fetch(job).await;
        };
        let locker = store.clone();
        let (lock, loaded) = blocking(store.path(), move || {
            let lock = locker.lock()?;
            Ok((lock, locker.load()))
        })
        .await?;
        if let Some(token) = self.usable(&store, loaded) {
            info!(expires_at = %token.expires_at(), path = %store.path().display(), "token loaded from file");
            return Ok(token);
        }
        let token = self.fetch(job).await?;
        let saver = store.clone();
        let saved = token.clone();
        if let Err(error) = blocking(store.path(), move || saver.save(&saved)).await {
            warn!(%error, "could not save the token file; other processes will request their own token");
        }
        drop(lock);
        Ok(token)
    }

    /// The file's token if it can be used, logging why not otherwise.
    fn usable(&self, store: &FileStore, loaded: Loaded) -> Option<Token> {
        let path = store.path().display();
        let token = match loaded {
            Loaded::Absent => {
                debug!(%path, "no token file yet");
                return None;
            }
            Loaded::Unusable(reason) => {
                warn!(%path, "the token file {reason}; a fresh token will replace it");
                return None;
            }
            Loaded::Found(token) => token,
        };
        if self.slot().refused.as_deref() == Some(token.fingerprint().as_str()) {
            debug!(%path, "the token file holds the token the api refused");
            None
        } else if token.is_stale(self.clock.now(), &self.policy) {
            debug!(%path, expires_at = %token.expires_at(), "the token file holds a stale token");
            None
        } else {
            Some(token)
        }
    }

    async fn fetch(&self, job: Option<&str>) -> Result<Token, AuthError> {
        self.metrics.token_requested(job);
        let token = self.exchange.request().await?;
        info!(
            expires_at = %token.expires_at(),
            scope = token.scope().unwrap_or(""),
            "token fetched from auth0"
        );
        Ok(token)
    }

    fn slot(&self) -> MutexGuard<'_, Slot> {
        self.slot
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Runs blocking file work off the async threads, keeping the caller's log subscriber.
async fn blocking<T: Send + 'static>(
    path: &Path,
    work: impl FnOnce() -> Result<T, AuthError> + Send + 'static,
) -> Result<T, AuthError> {
    let dispatch = tracing::dispatcher::get_default(Clone::clone);
    tokio::task::spawn_blocking(move || tracing::dispatcher::with_default(&dispatch, work))
        .await
        .map_err(|error| {
            let source = std::io::Error::other(error.to_string());
            AuthError::state_dir("use the token file", path, source)
        })?
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let expires_at = self.slot().token.as_ref().map(Token::expires_at);
        f.debug_struct("TokenCache")
            .field("credentials", self.credentials())
            .field("token_file", &self.token_file())
            .field("policy", &self.policy)
            .field("current_expires_at", &expires_at)
            .finish_non_exhaustive()
    }
}
