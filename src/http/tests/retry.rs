//! The retry loop on a paused clock: what ends it, what it waits, and the one rule for which
//! answers are worth another try.

use std::cell::Cell;

use reqwest::header::HeaderValue;

use super::*;

fn quick(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        backoff: Backoff {
            initial: Duration::from_millis(10),
            max_delay: Duration::from_millis(40),
            max_attempts,
        },
        longest_wait: Duration::from_secs(5),
    }
}

fn server_error() -> Failure {
    Failure {
        reason: "503 Service Unavailable".to_owned(),
        kind: FailureKind::Server,
        status: Some(503),
    }
}

fn retry(asked: Option<(Duration, WaitSource)>) -> Verdict<u32, String> {
    Verdict::Retry {
        failure: server_error(),
        asked,
    }
}

#[tokio::test(start_paused = true)]
async fn failures_are_retried_until_an_answer_comes() {
    let retrier = Retrier {
        policy: quick(4),
        deadline: None,
        log_level: tracing::Level::DEBUG,
    };
    let answer = retrier
        .run("GET /x", |n| async move {
            if n < 3 { retry(None) } else { Verdict::Done(n) }
        })
        .await;
    assert_eq!(answer.ok(), Some(3));
}

#[tokio::test(start_paused = true)]
async fn the_policys_attempts_are_the_bound_and_the_last_failure_is_kept() {
    let retrier = Retrier {
        policy: quick(3),
        deadline: None,
        log_level: tracing::Level::DEBUG,
    };
    let tries = Cell::new(0);
    let outcome = retrier
        .run("GET /x", |_| {
            tries.set(tries.get() + 1);
            async { retry(None) }
        })
        .await;
    assert_eq!(tries.get(), 3);
    match outcome {
        Err(GiveUp::Exhausted { attempts: 3, last }) => assert_eq!(last, server_error()),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn the_wait_an_answer_asks_for_is_honoured_and_one_too_long_ends_the_retries() {
    let retrier = Retrier {
        policy: quick(5),
        deadline: None,
        log_level: tracing::Level::DEBUG,
    };
    let started = Instant::now();
    let answer = retrier
        .run("GET /x", |n| async move {
            if n == 1 {
                retry(Some((Duration::from_secs(2), WaitSource::RetryAfter)))
            } else {
                Verdict::Done(n)
            }
        })
        .await;
    assert_eq!(answer.ok(), Some(2));
    assert!(started.elapsed() >= Duration::from_secs(2), "paused clock");
    let outcome = retrier
        .run("GET /x", |_| async {
            retry(Some((Duration::from_secs(3600), WaitSource::RetryAfter)))
        })
        .await;
    assert!(
        matches!(
            outcome,
            Err(GiveUp::WaitTooLong {
                attempts: 1,
                source: WaitSource::RetryAfter,
                ..
            })
        ),
        "{outcome:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_refused_token_is_renewed_once_without_counting_an_attempt() {
    let retrier = Retrier {
        policy: quick(1),
        deadline: None,
        log_level: tracing::Level::DEBUG,
    };
    let renewed = Cell::new(false);
    let answer = retrier
        .run("GET /x", |n| {
            let first = !renewed.replace(true);
            async move {
                if first {
                    Verdict::Renew("401".to_owned())
                } else {
                    Verdict::Done(n)
                }
            }
        })
        .await;
    assert_eq!(
        answer.ok(),
        Some(1),
        "the renewal did not use the one attempt"
    );
    let outcome: Result<u32, _> = retrier
        .run("GET /x", |_| async {
            Verdict::Renew("401 again".to_owned())
        })
        .await;
    assert!(
        matches!(&outcome, Err(GiveUp::Failed(refused)) if refused == "401 again"),
        "{outcome:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn the_deadline_ends_a_slow_attempt_and_a_wait_that_would_pass_it() {
    let retrier = Retrier {
        policy: quick(5),
        deadline: Some(Instant::now() + Duration::from_secs(1)),
        log_level: tracing::Level::DEBUG,
    };
    let slow: Result<u32, GiveUp<String>> = retrier
        .run("GET /x", |_| async {
            tokio::time::sleep(Duration::from_secs(10)).await;
            Verdict::Done(1)
        })
        .await;
    assert!(
        matches!(slow, Err(GiveUp::OutOfTime { last: None })),
        "{slow:?}"
    );
    let outcome = retrier
        .run("GET /x", |_| async {
            retry(Some((Duration::from_secs(2), WaitSource::RetryAfter)))
        })
        .await;
    assert!(
        matches!(&outcome, Err(GiveUp::OutOfTime { last: Some(last) }) if *last == server_error()),
        "{outcome:?}"
    );
}

#[test]
fn a_429_a_408_and_a_5xx_are_worth_another_try_and_other_statuses_are_not() {
    let now = Timestamp::from_second(1_000).expect("ts");
    let mut headers = HeaderMap::new();
    headers.insert("retry-after", HeaderValue::from_static("2"));
    let asked = Some((Duration::from_secs(2), WaitSource::RetryAfter));
    for (status, kind) in [
        (StatusCode::TOO_MANY_REQUESTS, FailureKind::RateLimited),
        (StatusCode::REQUEST_TIMEOUT, FailureKind::Server),
        (StatusCode::BAD_GATEWAY, FailureKind::Server),
    ] {
        let (failure, wait) = transient(status, &headers, now).expect("retried");
        assert_eq!(
            (failure.kind, failure.status, wait),
            (kind, Some(status.as_u16()), asked)
        );
    }
    let (failure, _) = transient(StatusCode::REQUEST_TIMEOUT, &headers, now).expect("retried");
    assert_eq!(failure.reason, "408 Request Timeout");
    for status in [StatusCode::OK, StatusCode::FORBIDDEN, StatusCode::NOT_FOUND] {
        assert!(transient(status, &headers, now).is_none(), "{status}");
    }
}

#[test]
fn backoff_grows_and_stays_within_its_bounds() {
    let backoff = Backoff {
        initial: Duration::from_millis(100),
        max_delay: Duration::from_secs(1),
        max_attempts: 4,
    };
    assert_eq!(backoff.ceiling(1), Duration::from_millis(100));
    assert_eq!(backoff.ceiling(3), Duration::from_millis(400));
    assert_eq!(backoff.ceiling(30), Duration::from_secs(1));
    for attempt in 1..10 {
        let delay = backoff.delay(attempt);
        assert!(delay <= backoff.ceiling(attempt) && delay >= backoff.ceiling(attempt) / 2);
    }
    assert!(backoff.allows_another(3));
    assert!(!backoff.allows_another(4));
}
