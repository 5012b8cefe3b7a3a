//! Requesting numbered pages concurrently and handing them on strictly in order.
//!
//! Offset paging knows every page number once the first page has reported `total`, so the
//! remaining pages need not wait for each other. [`FanOut`] keeps up to `width` pages on the
//! way at once, counting both the requests still running and the pages that arrived early and
//! wait in a [`ReorderBuffer`] for an earlier one: memory stays bounded whatever the order of
//! arrivals. How many of those requests are really in flight is the shared limiter's decision;
//! the fan-out only makes sure there is always a next request queued when a place frees up.
//!
//! Everything runs on the caller's task: dropping the fan-out cancels the requests on their
//! way, and the first error ends the walk at once, before any later page is handed on.

use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use futures_util::stream::FuturesUnordered;

use super::reorder::{ReorderBuffer, Ticket};

/// Pages `first..end` requested concurrently, handed on in order.
pub(crate) struct FanOut<'a, T, E> {
    /// One past the last page number to request.
    end: u64,
    /// Arrived pages and the slots of those still awaited.
    arrived: ReorderBuffer<T>,
    /// The requests on their way, each with the ticket of its slot.
    requests: FuturesUnordered<BoxFuture<'a, (Ticket, Result<T, E>)>>,
}

impl<'a, T: Send + 'a, E: Send + 'a> FanOut<'a, T, E> {
    /// A walk over pages `first..end` with at most `width` pages on the way at once.
    pub(crate) fn new(first: u64, end: u64, width: usize) -> Self {
        Self {
            end,
            arrived: ReorderBuffer::new(first, width),
            requests: FuturesUnordered::new(),
        }
    }

    /// The next page in order with its number; `None` once page `end - 1` was handed on.
    ///
    /// `request` starts the request for one page number; it is called in page order, as
    /// places free up. On an error the requests still on their way are dropped.
    pub(crate) async fn next<F>(&mut self, mut request: F) -> Result<Option<(u64, T)>, E>
    where
        F: FnMut(u64) -> BoxFuture<'a, Result<T, E>>,
    {
        loop {
            self.launch(&mut request);
            if let Some(page) = self.arrived.pop() {
                return Ok(Some(page));
            }
            match self.requests.next().await {
                None => return Ok(None),
                Some((ticket, Ok(page))) => self.arrived.fill(ticket, page),
                Some((_, Err(error))) => {
                    self.requests.clear();
                    return Err(error);
                }
            }
        }
    }

    /// Starts requests for the next page numbers while there is room.
    fn launch<F>(&mut self, request: &mut F)
    where
        F: FnMut(u64) -> BoxFuture<'a, Result<T, E>>,
    {
        while self.arrived.next_number() < self.end {
            let Some(ticket) = self.arrived.reserve() else {
                return;
            };
            let pending = request(ticket.number());
            self.requests
                .push(Box::pin(async move { (ticket, pending.await) }));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use futures_util::FutureExt;

    use super::*;

    /// A request that answers after a delay that makes later pages overtake earlier ones.
    fn slow_then_fast(
        started: Arc<Mutex<Vec<u64>>>,
    ) -> impl FnMut(u64) -> BoxFuture<'static, Result<String, String>> {
        move |number| {
            started.lock().expect("lock").push(number);
            async move {
                let millis = 100 - (number % 4) * 20;
                tokio::time::sleep(Duration::from_millis(millis)).await;
                if number == 7 {
                    Err(format!("page {number} failed"))
                } else {
                    Ok(format!("page {number}"))
                }
            }
            .boxed()
        }
    }

    #[tokio::test(start_paused = true)]
    async fn pages_that_overtake_each_other_are_handed_on_in_order() {
        let started = Arc::new(Mutex::new(Vec::new()));
        let mut fan_out = FanOut::new(1, 7, 3);
        let mut request = slow_then_fast(Arc::clone(&started));
        let mut pages = Vec::new();
        while let Some((number, page)) = fan_out.next(&mut request).await.expect("no error") {
            assert_eq!(page, format!("page {number}"));
            pages.push(number);
        }
        assert_eq!(pages, [1, 2, 3, 4, 5, 6]);
        assert_eq!(*started.lock().expect("lock"), [1, 2, 3, 4, 5, 6]);
    }

    #[tokio::test(start_paused = true)]
    async fn no_more_than_the_width_is_requested_before_the_first_page_is_handed_on() {
        let started = Arc::new(Mutex::new(Vec::new()));
        let mut fan_out = FanOut::new(1, 100, 4);
        let mut request = slow_then_fast(Arc::clone(&started));
        let first = fan_out.next(&mut request).await.expect("no error");
        assert_eq!(first.map(|(number, _)| number), Some(1));
        // Pages 1 to 4 were requested; page 1 left, so page 5 may start on the next call.
        assert_eq!(*started.lock().expect("lock"), [1, 2, 3, 4]);
    }

    #[tokio::test(start_paused = true)]
    async fn the_first_error_ends_the_walk_before_later_pages_are_handed_on() {
        let started = Arc::new(Mutex::new(Vec::new()));
        let mut fan_out = FanOut::new(1, 20, 4);
        let mut request = slow_then_fast(Arc::clone(&started));
        let mut pages = Vec::new();
        let error = loop {
            match fan_out.next(&mut request).await {
                Ok(Some((number, _))) => pages.push(number),
                Ok(None) => panic!("the walk ended without the error"),
                Err(error) => break error,
            }
        };
        assert_eq!(error, "page 7 failed");
        assert!(pages.iter().all(|&number| number < 7), "{pages:?}");
        assert!(fan_out.requests.is_empty(), "requests were left running");
    }

    #[tokio::test(start_paused = true)]
    async fn an_empty_range_ends_at_once() {
        let started = Arc::new(Mutex::new(Vec::new()));
        let mut fan_out = FanOut::new(5, 5, 4);
        let mut request = slow_then_fast(Arc::clone(&started));
        assert!(
            fan_out
                .next(&mut request)
                .await
                .expect("no error")
                .is_none()
        );
        assert!(started.lock().expect("lock").is_empty());
    }
}
