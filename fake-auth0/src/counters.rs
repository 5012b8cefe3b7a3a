//! What the fake saw: token and API requests, the most API requests in flight at once, 401s
//! and 429s sent, requests per path, and the path and query of every API request (so tests can
//! check that no parameter was sent twice).
//!
//! A std mutex guards it: it is held for a few instructions and never across an `.await`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// A copy of the counters at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counters {
    /// Requests to `POST /oauth/token`, whatever their outcome.
    pub token_requests: u64,
    /// Requests to `/api/v2/*`, whatever their outcome.
    pub api_requests: u64,
    /// The most `/api/v2` requests in flight at once (latency and delays count as in flight).
    pub max_in_flight: u64,
    /// 429 answers sent on `/api/v2`.
    pub rate_limited: u64,
    /// Requests per path (no query), token endpoint included.
    pub requests_by_path: BTreeMap<String, u64>,
    /// 401 answers sent on `/api/v2` (unknown, revoked or expired tokens).
    pub unauthorized: u64,
}

#[derive(Debug, Default)]
struct Book {
    counters: Counters,
    in_flight: u64,
    requests: Vec<String>,
}

/// The live counters of one server.
#[derive(Debug, Default)]
pub(crate) struct CounterBook {
    book: Mutex<Book>,
}

/// Counts one API request as in flight until dropped.
#[derive(Debug)]
pub(crate) struct InFlight {
    owner: Arc<CounterBook>,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut book = self.owner.book();
        book.in_flight = book.in_flight.saturating_sub(1);
    }
}

impl CounterBook {
    fn book(&self) -> MutexGuard<'_, Book> {
        self.book.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts a token request.
    pub(crate) fn token_request(&self, path: &str) {
        let mut book = self.book();
        book.counters.token_requests += 1;
        *book
            .counters
            .requests_by_path
            .entry(path.to_owned())
            .or_default() += 1;
    }

    /// Counts an API request and holds it in flight until the guard drops.
    pub(crate) fn api_request(self: &Arc<Self>, path: &str, path_and_query: &str) -> InFlight {
        let mut book = self.book();
        book.counters.api_requests += 1;
        *book
            .counters
            .requests_by_path
            .entry(path.to_owned())
            .or_default() += 1;
        book.requests.push(path_and_query.to_owned());
        book.in_flight += 1;
        book.counters.max_in_flight = book.counters.max_in_flight.max(book.in_flight);
        InFlight {
            owner: Arc::clone(self),
        }
    }

    /// Counts a 429 sent.
    pub(crate) fn rate_limited(&self) {
        self.book().counters.rate_limited += 1;
    }

    /// Counts a 401 sent.
    pub(crate) fn unauthorized(&self) {
        self.book().counters.unauthorized += 1;
    }

    /// A copy of the counters.
    pub(crate) fn snapshot(&self) -> Counters {
        self.book().counters.clone()
    }

    /// How many API requests are in flight now (answered requests are not).
    pub(crate) fn in_flight(&self) -> u64 {
        self.book().in_flight
    }

    /// The path and query of every API request since the last reset, in arrival order.
    pub(crate) fn requests(&self) -> Vec<String> {
        self.book().requests.clone()
    }

    /// Zeroes the counters and forgets the requests; requests still in flight stay counted
    /// as in flight.
    pub(crate) fn reset(&self) {
        let mut book = self.book();
        book.counters = Counters {
            max_in_flight: book.in_flight,
            ..Counters::default()
        };
        book.requests.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_flight_requests_raise_the_maximum_until_they_end() {
        let book = Arc::new(CounterBook::default());
        let first = book.api_request("/api/v2/users", "/api/v2/users?page=0");
        let second = book.api_request("/api/v2/users", "/api/v2/users?page=1");
        drop((first, second));
        let _third = book.api_request("/api/v2/roles", "/api/v2/roles");
        book.token_request("/oauth/token");
        let counters = book.snapshot();
        assert_eq!(
            (
                counters.api_requests,
                counters.max_in_flight,
                counters.token_requests
            ),
            (3, 2, 1)
        );
        assert_eq!(counters.requests_by_path.get("/api/v2/users"), Some(&2));
        assert_eq!(book.requests().len(), 3);
        book.reset();
        assert_eq!(book.snapshot().max_in_flight, 1);
        assert!(book.requests().is_empty());
    }
}
