//! The pacer on a paused clock: fixed rate, pauses, places in flight, probe and turns, and
//! buckets kept apart.

use reqwest::StatusCode;

use super::*;

const CLIENTS: &str = "/api/v2/clients";
const USERS: &str = "/api/v2/users";

fn answer(limit: u64, remaining: u64, reset_ms: u64) -> Option<RateLimitState> {
    Some(RateLimitState {
        limit,
        remaining,
        reset_in: Duration::from_millis(reset_ms),
    })
}

#[tokio::test(start_paused = true)]
async fn the_fixed_rate_allows_a_burst_then_paces_at_the_rate() {
    let limiter = Limiter::new(10, Some(2.0), 2);
    let start = Instant::now();
    for _ in 0..6 {
        limiter
            .acquire(CLIENTS)
            .await
            .answered(None, StatusCode::OK);
    }
    // 2 at once, then 4 more at 2 per second.
    assert_eq!(start.elapsed().as_millis(), 2000);
}

#[tokio::test(start_paused = true)]
async fn a_pause_holds_back_every_request_until_it_ends() {
    let limiter = Limiter::new(10, None, 1);
    limiter.pause_for(CLIENTS, Duration::from_secs(3), "test");
    limiter.pause_for(CLIENTS, Duration::from_secs(1), "test");
    let start = Instant::now();
    drop(limiter.acquire(CLIENTS).await);
    assert_eq!(start.elapsed().as_secs(), 3);
}

#[tokio::test(start_paused = true)]
async fn no_more_than_the_cap_are_in_flight() {
    let limiter = Limiter::new(2, None, 1);
    let first = limiter.acquire(CLIENTS).await;
    first.answered(None, StatusCode::OK);
    let second = limiter.acquire(CLIENTS).await;
    let _third = limiter.acquire(CLIENTS).await;
    let fourth = tokio::time::timeout(Duration::from_secs(1), limiter.acquire(CLIENTS)).await;
    assert!(
        fourth.is_err(),
        "a third permit was granted while two were held"
    );
    drop(second);
    assert!(
        tokio::time::timeout(Duration::from_secs(1), limiter.acquire(CLIENTS))
            .await
            .is_ok()
    );
}

#[tokio::test(start_paused = true)]
async fn requests_wait_for_the_first_answer_then_for_the_budget_it_shows() {
    let limiter = std::sync::Arc::new(Limiter::new(8, None, 1));
    let probe = limiter.acquire(CLIENTS).await;
    let second = limiter.acquire(CLIENTS).await;
    let waiting = tokio::spawn({
        let limiter = limiter.clone();
        async move {
            let start = Instant::now();
            drop(limiter.acquire(CLIENTS).await);
            start.elapsed()
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !waiting.is_finished(),
        "a third request went before the probes' answers"
    );
    // Both answers: none left, and one of two missing until a reset 0.8 s away, so a token
    // every 0.8 s.
    probe.answered(answer(2, 0, 800), StatusCode::OK);
    second.answered(answer(2, 0, 800), StatusCode::OK);
    let waited = waiting.await.expect("task");
    assert_eq!(waited, Duration::from_millis(1100));
}

#[tokio::test(start_paused = true)]
async fn requests_waiting_for_the_budget_go_in_the_order_they_came() {
    let limiter = std::sync::Arc::new(Limiter::new(8, None, 1));
    let start = Instant::now();
    limiter
        .acquire(CLIENTS)
        .await
        .answered(answer(2, 0, 800), StatusCode::OK);
    let (order, mut finished) = tokio::sync::mpsc::unbounded_channel();
    for name in ["first", "second", "third"] {
        let (limiter, order) = (limiter.clone(), order.clone());
        tokio::spawn(async move {
            let permit = limiter.acquire(CLIENTS).await;
            let _ = order.send((name, Instant::now()));
            permit.answered(answer(2, 0, 800), StatusCode::OK);
        });
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let mut seen = Vec::new();
    for _ in 0..3 {
        seen.push(finished.recv().await.expect("a request went"));
    }
    let names: Vec<&str> = seen.iter().map(|(name, _)| *name).collect();
    assert_eq!(names, ["first", "second", "third"]);
    // One token every 0.8 s, the first due 0.8 s after the answer.
    assert_eq!(seen[2].1.duration_since(start), Duration::from_millis(2400));
}

#[tokio::test(start_paused = true)]
async fn a_spent_clients_bucket_holds_back_clients_requests_but_not_users_requests() {
    let limiter = std::sync::Arc::new(Limiter::new(8, None, 1));
    // Essentials: Read Clients burst 5, Read Users burst 40; the clients bucket is spent and
    // refills a token every 0.6 s.
    limiter
        .acquire(CLIENTS)
        .await
        .answered(answer(5, 0, 3000), StatusCode::OK);
    limiter
        .acquire(USERS)
        .await
        .answered(answer(40, 39, 75), StatusCode::OK);
    let clients = tokio::spawn({
        let limiter = limiter.clone();
        async move {
            let start = Instant::now();
            drop(limiter.acquire(CLIENTS).await);
            start.elapsed()
        }
    });
    tokio::task::yield_now().await;
    let start = Instant::now();
    for _ in 0..30 {
        limiter
            .acquire(USERS)
            .await
            .answered(answer(40, 30, 1200), StatusCode::OK);
    }
    assert_eq!(start.elapsed(), Duration::ZERO, "users requests waited");
    assert!(
        !clients.is_finished(),
        "a users answer let a clients request go"
    );
    // 4 of 5 missing, full in 3 s: a token every 0.75 s (the learned lower bound).
    assert_eq!(clients.await.expect("task"), Duration::from_millis(750));
}

#[tokio::test(start_paused = true)]
async fn a_pause_after_a_429_holds_back_only_its_bucket() {
    let limiter = Limiter::new(8, None, 1);
    limiter
        .acquire(CLIENTS)
        .await
        .answered(answer(5, 0, 1000), StatusCode::TOO_MANY_REQUESTS);
    limiter.pause_for(CLIENTS, Duration::from_secs(5), "test");
    limiter
        .acquire(USERS)
        .await
        .answered(answer(40, 39, 75), StatusCode::OK);
    let start = Instant::now();
    limiter
        .acquire(USERS)
        .await
        .answered(answer(40, 38, 150), StatusCode::OK);
    assert_eq!(start.elapsed(), Duration::ZERO);
    drop(limiter.acquire(CLIENTS).await);
    assert_eq!(start.elapsed(), Duration::from_secs(5));
}

#[tokio::test(start_paused = true)]
async fn endpoints_answered_from_one_global_bucket_share_its_mirror() {
    let limiter = Limiter::new(8, None, 1);
    // Free: one global bucket of 2, refilled at 2 a second.
    limiter
        .acquire(CLIENTS)
        .await
        .answered(answer(2, 1, 500), StatusCode::OK);
    limiter
        .acquire(USERS)
        .await
        .answered(answer(2, 0, 1000), StatusCode::OK);
    // The users answer emptied the one bucket, so a clients request waits too: 1 of 2 missing
    // until a reset 1 s away, so a token every second.
    let start = Instant::now();
    drop(limiter.acquire(CLIENTS).await);
    assert_eq!(start.elapsed(), Duration::from_secs(1));
}

#[tokio::test(start_paused = true)]
async fn requests_waiting_for_a_spent_bucket_leave_their_places_to_other_buckets() {
    // Two places in flight, both wanted by clients requests waiting for a spent bucket.
    let limiter = std::sync::Arc::new(Limiter::new(2, None, 1));
    limiter
        .acquire(CLIENTS)
        .await
        .answered(answer(5, 0, 3000), StatusCode::OK);
    limiter
        .acquire(USERS)
        .await
        .answered(answer(40, 39, 75), StatusCode::OK);
    let clients: Vec<_> = (0..2)
        .map(|_| {
            let limiter = limiter.clone();
            tokio::spawn(async move {
                limiter
                    .acquire(CLIENTS)
                    .await
                    .answered(answer(5, 0, 3000), StatusCode::OK);
            })
        })
        .collect();
    tokio::task::yield_now().await;
    let start = Instant::now();
    for _ in 0..10 {
        limiter
            .acquire(USERS)
            .await
            .answered(answer(40, 30, 1200), StatusCode::OK);
    }
    assert_eq!(
        start.elapsed(),
        Duration::ZERO,
        "users requests waited for places held by clients requests that could not go"
    );
    for task in clients {
        task.await.expect("a clients request went in the end");
    }
}
