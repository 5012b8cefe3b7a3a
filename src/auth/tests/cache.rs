//! The cache: single flight within and across processes, reuse of the token file, renewal
//! when stale, and invalidation after a 401.

use std::sync::Arc;

use futures_util::future::join_all;
use jiff::{SignedDuration, Timestamp};

use super::server::{Reply, TokenServer};
use super::{cache_with, file_cache, file_mode, memory_cache};
use crate::auth::token::TokenSource;
use crate::auth::{AuthError, Token, TokenCache};
use crate::clock::ManualClock;

async fn eight_at_once(cache: &Arc<TokenCache>) -> Vec<Result<Token, AuthError>> {
    let tasks = (0..8).map(|_| {
        let cache = cache.clone();
        tokio::spawn(async move { cache.get().await })
    });
    join_all(tasks)
        .await
        .into_iter()
        .map(|joined| joined.expect("task"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_concurrent_gets_make_one_token_request() {
    let server = TokenServer::start().await;
    let state = tempfile::tempdir().expect("tempdir");
    for cache in [memory_cache(&server), file_cache(&server, state.path())] {
        let before = server.requests();
        let cache = Arc::new(cache);
        let tokens: Vec<Token> = eight_at_once(&cache)
            .await
            .into_iter()
            .map(|r| r.expect("token"))
            .collect();
        assert_eq!(
            server.requests() - before,
            1,
            "one request for eight callers"
        );
        assert!(tokens.iter().all(|token| token.is_same(&tokens[0])));
        assert_eq!(
            tokens
                .iter()
                .filter(|t| t.source() == TokenSource::Fresh)
                .count(),
            1
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiting_callers_share_the_error_of_the_one_request() {
    let server = TokenServer::start().await;
    server.script([Reply::oauth_error(401, "access_denied", "Unauthorized")]);
    let cache = Arc::new(memory_cache(&server));
    let outcomes = eight_at_once(&cache).await;
    assert_eq!(server.requests(), 1);
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, Err(AuthError::Rejected { .. })))
    );
    // The error is not kept: the next caller tries again.
    cache.get().await.expect("token on a later call");
    assert_eq!(server.requests(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_starting_together_make_one_request_between_them() {
    let server = TokenServer::start().await;
    let state = tempfile::tempdir().expect("tempdir");
    let first = file_cache(&server, state.path());
    let second = file_cache(&server, state.path());
    let (a, b) = tokio::join!(first.get(), second.get());
    let (a, b) = (a.expect("first"), b.expect("second"));
    assert_eq!(server.requests(), 1);
    assert!(a.is_same(&b));
    let mut sources = [a.source(), b.source()];
    sources.sort_by_key(|source| source.as_str());
    assert_eq!(sources, [TokenSource::File, TokenSource::Fresh]);
}

#[tokio::test]
async fn a_new_run_reuses_the_token_file_without_a_request() {
    let server = TokenServer::start().await;
    let state = tempfile::tempdir().expect("tempdir");
    let fetched = file_cache(&server, state.path())
        .get()
        .await
        .expect("fetch");
    let later = file_cache(&server, state.path());
    let loaded = later.get().await.expect("load");
    assert_eq!(server.requests(), 1);
    assert!(loaded.is_same(&fetched));
    assert_eq!(loaded.source(), TokenSource::File);
    assert_eq!(loaded.expires_at(), fetched.expires_at());
    assert_eq!(loaded.scope(), fetched.scope());
    assert_eq!(
        later.get().await.expect("reuse").source(),
        TokenSource::Memory
    );
}

#[tokio::test]
async fn memory_mode_writes_no_file_and_shares_nothing_between_caches() {
    let server = TokenServer::start().await;
    let first = memory_cache(&server);
    first.get().await.expect("first");
    memory_cache(&server).get().await.expect("second");
    assert_eq!(server.requests(), 2);
    assert!(first.token_file().is_none());
}

#[tokio::test]
async fn a_token_is_renewed_once_it_turns_stale_without_sleeping() {
    let server = TokenServer::start().await;
    let state = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::new(Timestamp::now());
    let cache = cache_with(&server, file_mode(state.path()), Arc::new(clock.clone()));
    let first = cache.get().await.expect("first");
    clock.advance(SignedDuration::from_secs(86_400 - 301));
    assert!(cache.get().await.expect("still fresh").is_same(&first));
    clock.advance(SignedDuration::from_secs(2));
    let renewed = cache.get().await.expect("renewed");
    assert_eq!(server.requests(), 2);
    assert!(!renewed.is_same(&first));
    // The file holds the new token, so another process picks it up.
    let other = cache_with(&server, file_mode(state.path()), Arc::new(clock.clone()));
    assert!(other.get().await.expect("from file").is_same(&renewed));
    assert_eq!(server.requests(), 2);
}

#[tokio::test]
async fn a_one_minute_token_is_renewed_at_half_its_lifetime() {
    let server = TokenServer::start().await;
    server.set_expires_in(60);
    let clock = ManualClock::new(Timestamp::now());
    let cache = cache_with(
        &server,
        crate::auth::CacheMode::Memory,
        Arc::new(clock.clone()),
    );
    let first = cache.get().await.expect("first");
    clock.advance(SignedDuration::from_secs(30));
    assert!(
        cache
            .get()
            .await
            .expect("thirty seconds left")
            .is_same(&first)
    );
    clock.advance(SignedDuration::from_millis(1));
    assert!(!cache.get().await.expect("renewed").is_same(&first));
    assert_eq!(server.requests(), 2);
}

#[tokio::test]
async fn an_invalidated_token_is_replaced_by_one_new_request_and_not_reloaded_from_the_file() {
    let server = TokenServer::start().await;
    let state = tempfile::tempdir().expect("tempdir");
    let cache = file_cache(&server, state.path());
    let refused = cache.get().await.expect("first");
    cache.invalidate(&refused);
    let renewed = cache.get().await.expect("renewed");
    assert_eq!(server.requests(), 2);
    assert!(!renewed.is_same(&refused));
    assert_eq!(renewed.source(), TokenSource::Fresh);
    let other = file_cache(&server, state.path())
        .get()
        .await
        .expect("other process");
    assert!(other.is_same(&renewed));
    assert_eq!(server.requests(), 2);
}

#[tokio::test]
async fn invalidating_removes_the_file_so_other_processes_do_not_reload_the_token() {
    let server = TokenServer::start().await;
    let state = tempfile::tempdir().expect("tempdir");
    let cache = file_cache(&server, state.path());
    let refused = cache.get().await.expect("first");
    cache.invalidate(&refused);
    assert!(!cache.token_file().expect("file mode").exists());
    let other = file_cache(&server, state.path())
        .get()
        .await
        .expect("other");
    assert!(!other.is_same(&refused));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_401s_for_the_same_token_cause_one_renewal() {
    let server = TokenServer::start().await;
    let state = tempfile::tempdir().expect("tempdir");
    let cache = Arc::new(file_cache(&server, state.path()));
    let refused = cache.get().await.expect("first");
    let tasks = (0..4).map(|_| {
        let (cache, refused) = (cache.clone(), refused.clone());
        tokio::spawn(async move {
            cache.invalidate(&refused);
            cache.get().await
        })
    });
    let renewed: Vec<Token> = join_all(tasks)
        .await
        .into_iter()
        .map(|joined| joined.expect("task").expect("token"))
        .collect();
    assert_eq!(server.requests(), 2);
    assert!(
        renewed
            .iter()
            .all(|token| token.is_same(&renewed[0]) && !token.is_same(&refused))
    );
}

#[tokio::test]
async fn invalidating_an_old_token_keeps_the_current_one() {
    let server = TokenServer::start().await;
    let cache = memory_cache(&server);
    let old = cache.get().await.expect("first");
    cache.invalidate(&old);
    let current = cache.get().await.expect("second");
    cache.invalidate(&old);
    assert!(cache.get().await.expect("third").is_same(&current));
    assert_eq!(server.requests(), 2);
}
