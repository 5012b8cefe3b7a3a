//! The mirror of Auth0's bucket, driven with explicit instants.

use super::*;

/// A budget numbering its requests itself, as the limiter does across budgets.
#[derive(Default)]
struct Numbered {
    budget: Budget,
    next: u64,
}

impl Numbered {
    fn reserve(&mut self, now: Instant) -> Grant {
        let grant = self.budget.reserve(self.next, now);
        if matches!(grant, Grant::Go(_)) {
            self.next += 1;
        }
        grant
    }
}

impl std::ops::Deref for Numbered {
    type Target = Budget;
    fn deref(&self) -> &Budget {
        &self.budget
    }
}

impl std::ops::DerefMut for Numbered {
    fn deref_mut(&mut self) -> &mut Budget {
        &mut self.budget
    }
}

fn state(limit: u64, remaining: u64, reset_ms: u64) -> Option<RateLimitState> {
    Some(RateLimitState {
        limit,
        remaining,
        reset_in: Duration::from_millis(reset_ms),
    })
}

fn go(grant: Grant) -> u64 {
    match grant {
        Grant::Go(seq) => seq,
        other => panic!("expected to go, got {other:?}"),
    }
}

#[test]
fn only_two_probes_go_out_before_the_first_answer() {
    let now = Instant::now();
    let mut budget = Numbered::default();
    go(budget.reserve(now));
    let probe = go(budget.reserve(now));
    assert_eq!(budget.reserve(now), Grant::WaitForProbe);
    assert!(budget.forget(probe), "a lost probe lets another go");
    let probe = go(budget.reserve(now));
    budget.observe(probe, state(50, 49, 1000), Answer::Success, now);
    go(budget.reserve(now));
}

#[test]
fn answers_without_headers_turn_the_mirror_off() {
    let now = Instant::now();
    let mut budget = Numbered::default();
    let probe = go(budget.reserve(now));
    budget.observe(probe, None, Answer::Success, now);
    for _ in 0..100 {
        go(budget.reserve(now));
    }
}

#[test]
fn an_empty_budget_waits_for_the_padded_reset_then_for_the_learned_rate() {
    let now = Instant::now();
    let mut budget = Numbered::default();
    let probe = go(budget.reserve(now));
    budget.observe(probe, state(2, 1, 800), Answer::Success, now);
    let second = go(budget.reserve(now));
    // No rate yet: the reset, padded by a quarter and at least a second.
    match budget.reserve(now) {
        Grant::WaitUntil { at, .. } => assert_eq!(at - now, Duration::from_secs(1)),
        other => panic!("{other:?}"),
    }
    // 1 token missing of 2, full in 1.6 s: it refills at least at 1/1.6 per second.
    budget.observe(second, state(2, 0, 1600), Answer::Success, now);
    assert_eq!(budget.rate(), Some(1.0 / 1.6));
    // Now the next token is expected at the learned rate: one every 1.6 s.
    match budget.reserve(now) {
        Grant::WaitUntil { at, .. } => assert_eq!(at - now, Duration::from_secs_f64(1.6)),
        other => panic!("{other:?}"),
    }
    go(budget.reserve(now + Duration::from_millis(1700)));
}

#[test]
fn requests_started_before_an_answer_and_still_in_flight_count_against_it_too() {
    let now = Instant::now();
    let mut budget = Numbered::default();
    let probe = go(budget.reserve(now));
    budget.observe(probe, state(10, 9, 500), Answer::Success, now);
    let early: Vec<u64> = (0..4).map(|_| go(budget.reserve(now))).collect();
    // The last one is answered first: it may have reached Auth0 before the other three, whose
    // tokens its `remaining` would then not show, so they are taken off as well: 5 - 3 = 2.
    budget.observe(early[3], state(10, 5, 500), Answer::Success, now);
    go(budget.reserve(now));
    go(budget.reserve(now));
    assert!(matches!(budget.reserve(now), Grant::WaitUntil { .. }));
}

#[test]
fn requests_started_after_an_answer_count_against_its_remaining() {
    let now = Instant::now();
    let mut budget = Numbered::default();
    let probe = go(budget.reserve(now));
    budget.observe(probe, state(10, 9, 500), Answer::Success, now);
    let first: Vec<u64> = (0..4).map(|_| go(budget.reserve(now))).collect();
    // The first of the four reports 8 left, but three more have gone since: 5 remain.
    budget.observe(first[0], state(10, 8, 500), Answer::Success, now);
    for _ in 0..5 {
        go(budget.reserve(now));
    }
    assert!(matches!(budget.reserve(now), Grant::WaitUntil { .. }));
    // An older answer arriving late changes nothing.
    budget.observe(probe, state(10, 9, 500), Answer::Success, now);
    assert!(matches!(budget.reserve(now), Grant::WaitUntil { .. }));
}

#[test]
fn a_429_halves_the_rate_and_empties_the_budget() {
    let now = Instant::now();
    let mut budget = Numbered::default();
    let probe = go(budget.reserve(now));
    budget.observe(probe, state(10, 0, 1000), Answer::Success, now);
    assert_eq!(budget.rate(), Some(9.0));
    let later = now + Duration::from_secs(1);
    let seq = go(budget.reserve(later));
    budget.observe(seq, state(10, 0, 0), Answer::RateLimited, later);
    assert_eq!(budget.rate(), Some(4.5));
    assert!(matches!(budget.reserve(later), Grant::WaitUntil { .. }));
}

#[test]
fn after_a_429_with_no_rate_known_one_request_goes_at_the_reset() {
    let now = Instant::now();
    let mut budget = Numbered::default();
    let probe = go(budget.reserve(now));
    budget.observe(probe, state(2, 0, 400), Answer::RateLimited, now);
    assert!(matches!(budget.reserve(now), Grant::WaitUntil { .. }));
    let reset = now + Duration::from_secs(1);
    go(budget.reserve(reset));
    assert!(matches!(budget.reserve(reset), Grant::WaitUntil { .. }));
}

#[test]
fn a_different_limit_starts_the_learning_again() {
    let now = Instant::now();
    let mut budget = Numbered::default();
    let probe = go(budget.reserve(now));
    budget.observe(probe, state(50, 0, 3000), Answer::Success, now);
    assert!(budget.rate().is_some());
    let seq = go(budget.reserve(now + Duration::from_secs(1)));
    budget.observe(seq, state(2, 1, 1000), Answer::Success, now);
    assert_eq!(budget.rate(), None);
}

#[test]
fn a_failure_without_headers_releases_the_probe_but_turns_nothing_off() {
    let now = Instant::now();
    let mut budget = Numbered::default();
    let probe = go(budget.reserve(now));
    budget.observe(probe, None, Answer::Other, now);
    let probe = go(budget.reserve(now));
    go(budget.reserve(now));
    assert_eq!(budget.reserve(now), Grant::WaitForProbe);
    budget.observe(probe, state(2, 0, 1000), Answer::Success, now);
    let later = now + Duration::from_secs(2);
    let seq = go(budget.reserve(later));
    budget.observe(seq, None, Answer::Other, later);
    // Still mirrored: two tokens came back in two seconds, the second probe took one, the
    // request above the other; none is left.
    assert!(matches!(budget.reserve(later), Grant::WaitUntil { .. }));
}
