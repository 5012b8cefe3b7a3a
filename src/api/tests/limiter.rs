//! The pacer on a paused clock: fixed rate, pauses, places in flight, probe and turns.

use reqwest::StatusCode;

use super::*;

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
        limiter.acquire().await.answered(None, StatusCode::OK);
    }
    // 2 at once, then 4 more at 2 per second.
    assert_eq!(start.elapsed().as_millis(), 2000);
}

#[tokio::test(start_paused = true)]
async fn a_pause_holds_back_every_request_until_it_ends() {
    let limiter = Limiter::new(10, None, 1);
    limiter.pause_for(Duration::from_secs(3), "test");
    limiter.pause_for(Duration::from_secs(1), "test");
    let start = Instant::now();
    drop(limiter.acquire().await);
    assert_eq!(start.elapsed().as_secs(), 3);
}

#[tokio::test(start_paused = true)]
async fn no_more_than_the_cap_are_in_flight() {
    let limiter = Limiter::new(2, None, 1);
    let first = limiter.acquire().await;
    first.answered(None, StatusCode::OK);
    let second = limiter.acquire().await;
    let _third = limiter.acquire().await;
    let fourth = tokio::time::timeout(Duration::from_secs(1), limiter.acquire()).await;
    assert!(
        fourth.is_err(),
        "a third permit was granted while two were held"
    );
    drop(second);
    assert!(
        tokio::time::timeout(Duration::from_secs(1), limiter.acquire())
            .await
            .is_ok()
    );
}

#[tokio::test(start_paused = true)]
async fn requests_wait_for_the_first_answer_then_for_the_budget_it_shows() {
    let limiter = std::sync::Arc::new(Limiter::new(8, None, 1));
    let probe = limiter.acquire().await;
    let second = limiter.acquire().await;
    let waiting = tokio::spawn({
        let limiter = limiter.clone();
        async move {
            let start = Instant::now();
            drop(limiter.acquire().await);
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
        .acquire()
        .await
        .answered(answer(2, 0, 800), StatusCode::OK);
    let (order, mut finished) = tokio::sync::mpsc::unbounded_channel();
    for name in ["first", "second", "third"] {
        let (limiter, order) = (limiter.clone(), order.clone());
        tokio::spawn(async move {
            let permit = limiter.acquire().await;
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
