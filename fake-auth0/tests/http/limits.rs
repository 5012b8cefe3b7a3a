//! Rate limits, latency and the counters.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fake_auth0::{RateLimit, RateLimits, Sizes};

use crate::support::{Session, assert_auth0_error, config};

fn limited(send_retry_after: bool) -> fake_auth0::Config {
    let mut config = config(Sizes {
        clients: 3,
        ..Sizes::default()
    });
    config.rate_limit = Some(RateLimit {
        burst: 3,
        per_second: 2.0,
    });
    config.send_retry_after = send_retry_after;
    config
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

#[tokio::test]
async fn an_empty_bucket_answers_429_with_rate_limit_headers_only() {
    let session = Session::start(limited(false)).await;
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let reply = session.get("clients", &[]).await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("x-ratelimit-limit"), Some("3"));
        remaining.push(reply.header("x-ratelimit-remaining").map(str::to_owned));
    }
    assert_eq!(
        remaining,
        [Some("2".into()), Some("1".into()), Some("0".into())]
    );
    let refused = session.get("clients", &[]).await;
    assert_auth0_error(&refused, 429);
    assert_eq!(refused.body["message"], "Global limit has been reached");
    assert_eq!(refused.body["errorCode"], "too_many_requests");
    assert!(refused.header("retry-after").is_none());
    let reset: u64 = refused
        .header("x-ratelimit-reset")
        .and_then(|r| r.parse().ok())
        .unwrap_or_default();
    assert!(reset >= now() && reset <= now() + 2, "{reset}");
    assert_eq!(session.fake.counters().rate_limited, 1);
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(session.get("clients", &[]).await.status, 200);
}

#[tokio::test]
async fn under_the_essentials_preset_clients_and_users_answer_from_their_own_buckets() {
    let tenant = config(Sizes {
        clients: 3,
        users: 3,
        ..Sizes::default()
    })
    .with_rate_limits(RateLimits::essentials());
    let session = Session::start(tenant).await;
    for left in (0..5).rev() {
        let reply = session.get("clients", &[]).await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("x-ratelimit-limit"), Some("5"));
        assert_eq!(
            reply.header("x-ratelimit-remaining"),
            Some(left.to_string().as_str())
        );
    }
    assert_eq!(session.get("clients", &[]).await.status, 429);
    let users = session.get("users", &[]).await;
    assert_eq!(
        users.status, 200,
        "the clients bucket is not the users bucket"
    );
    assert_eq!(users.header("x-ratelimit-limit"), Some("40"));
    assert_eq!(users.header("x-ratelimit-remaining"), Some("39"));
    let roles = session.get("roles", &[]).await;
    assert_eq!(
        roles.header("x-ratelimit-limit"),
        Some("10"),
        "all other endpoints combined"
    );
    assert_eq!(session.fake.counters().rate_limited, 1);
}

#[tokio::test]
async fn retry_after_is_sent_when_asked_and_tokens_are_never_limited() {
    let session = Session::start(limited(true)).await;
    for _ in 0..3 {
        session.get("clients", &[]).await;
    }
    let refused = session.get("clients", &[]).await;
    assert_eq!(refused.status, 429);
    assert_eq!(refused.header("retry-after"), Some("1"));
    for _ in 0..5 {
        session.new_token().await;
    }
}

#[tokio::test]
async fn latency_keeps_requests_in_flight_so_concurrency_is_measured() {
    let mut slow = config(Sizes {
        users: 10,
        ..Sizes::default()
    });
    slow.latency = Duration::from_millis(200);
    let session = Session::start(slow).await;
    let pages = (0..6).map(|page| {
        let page = page.to_string();
        let session = &session;
        async move {
            session
                .get("users", &[("page", &page), ("per_page", "2")])
                .await
                .status
        }
    });
    let statuses = futures_util::future::join_all(pages).await;
    assert!(statuses.iter().all(|s| *s == 200));
    let counters = session.fake.counters();
    assert_eq!(counters.api_requests, 6);
    assert!(counters.max_in_flight >= 4, "{counters:?}");
    assert_eq!(counters.requests_by_path.get("/api/v2/users"), Some(&6));
    assert_eq!(counters.requests_by_path.get("/oauth/token"), Some(&1));
    assert_eq!(session.fake.requests().len(), 6);
    session.fake.reset_counters();
    assert_eq!(session.fake.counters().api_requests, 0);
    assert!(session.fake.requests().is_empty());
}
