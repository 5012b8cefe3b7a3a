//! Log events made on demand, for benchmarks that need millions of them.
//!
//! Stored events cost about 5 KB each as `serde_json::Value`s and take a long time to
//! generate; a million of them would dwarf what the benchmark measures. [`SyntheticLogs`]
//! instead generates a few hundred events once, as text with holes for the date and the ids,
//! and fills the holes for event `i` when a page asks for it: one event a second from the
//! generation epoch, with a `log_id` that grows with `i` and tells `i` back.

use std::fmt::Write as _;

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use super::logs::{self, LogContext, LogCursor};
use super::seeded::{Gen, epoch, iso};

/// How many distinct events the made-up ones cycle through.
const TEMPLATES: usize = 256;
/// The sequence part of the first event's `log_id`, as in stored events.
const FIRST_SEQUENCE: u64 = 1_223_372_036_854_775_808;
/// Stand-ins as long as the values they hold the place of, and found nowhere else.
const DATE_HOLE: &str = "@@@@@@@@@@@@@@@@@@@@@@@@";
const ID_HOLE: &str = "########################################################";

/// `count` log events, oldest first, made when asked for.
#[derive(Debug)]
pub(crate) struct SyntheticLogs {
    count: usize,
    templates: Vec<Vec<Part>>,
}

/// A piece of an event's text.
#[derive(Debug)]
enum Part {
    Text(String),
    Date,
    Id,
}

impl SyntheticLogs {
    /// `count` events shaped like the stored ones, made from `seed` and `context`.
    pub(crate) fn new(seed: u64, context: &LogContext, count: usize) -> Self {
        let mut g = Gen::new(seed);
        let mut cursor = LogCursor::start();
        let templates = logs::events(&mut g, context, &mut cursor, TEMPLATES)
            .into_iter()
            .map(template)
            .collect();
        Self { count, templates }
    }

    /// How many events there are.
    pub(crate) fn len(&self) -> usize {
        self.count
    }

    /// The position of the event with this `log_id`, if there is one.
    pub(crate) fn position(&self, log_id: &str) -> Option<usize> {
        let tail = log_id.get(log_id.len().checked_sub(19)?..)?;
        let sequence: u64 = tail.parse().ok()?;
        let index = usize::try_from(sequence.checked_sub(FIRST_SEQUENCE)?).ok()?;
        (index < self.count && event_ids(index).1 == log_id).then_some(index)
    }

    /// Events `start..start + take` (as many as there are) as a JSON array.
    pub(crate) fn page(&self, start: usize, take: usize) -> String {
        let end = start.saturating_add(take).min(self.count);
        let mut body = String::with_capacity(take * 1024 + 2);
        body.push('[');
        for index in start.min(end)..end {
            if index > start {
                body.push(',');
            }
            self.write_event(index, &mut body);
        }
        body.push(']');
        body
    }

    /// The newest `take` events, newest first, as a JSON array.
    pub(crate) fn newest(&self, take: usize) -> String {
        let start = self.count.saturating_sub(take);
        let mut body = String::with_capacity(take * 1024 + 2);
        body.push('[');
        for index in (start..self.count).rev() {
            if index + 1 < self.count {
                body.push(',');
            }
            self.write_event(index, &mut body);
        }
        body.push(']');
        body
    }

    fn write_event(&self, index: usize, out: &mut String) {
        let (date, id) = event_ids(index);
        for part in &self.templates[index % self.templates.len()] {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Date => out.push_str(&date),
                Part::Id => out.push_str(&id),
            }
        }
    }
}

/// The date and `log_id` of event `index`: one event a second, ids that grow with the index.
fn event_ids(index: usize) -> (String, String) {
    let seconds = i64::try_from(index).unwrap_or(i64::MAX);
    let at: Timestamp = epoch() + SignedDuration::from_secs(seconds);
    let date = iso(at);
    let mut id = String::with_capacity(56);
    id.push_str("900");
    id.extend(date.chars().filter(char::is_ascii_digit));
    let sequence = FIRST_SEQUENCE + index as u64;
    let _ = write!(id, "{:03}{:014}{sequence:019}", index % 1000, 0);
    (date, id)
}

/// An event's text with holes where the date and the ids go.
fn template(mut event: Value) -> Vec<Part> {
    event["date"] = Value::from(DATE_HOLE);
    event["log_id"] = Value::from(ID_HOLE);
    event["_id"] = Value::from(ID_HOLE);
    let mut text = event.to_string();
    let mut parts = Vec::new();
    loop {
        let date = text
            .find(DATE_HOLE)
            .map(|at| (at, DATE_HOLE.len(), Part::Date));
        let id = text.find(ID_HOLE).map(|at| (at, ID_HOLE.len(), Part::Id));
        let hole = match (date, id) {
            (Some(date), Some(id)) => Some(if date.0 < id.0 { date } else { id }),
            (date, id) => date.or(id),
        };
        let Some((at, len, part)) = hole else {
            parts.push(Part::Text(text));
            return parts;
        };
        let rest = text.split_off(at + len);
        text.truncate(at);
        parts.push(Part::Text(std::mem::replace(&mut text, rest)));
        parts.push(part);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_hold_ordered_events_whose_ids_lead_back_to_them() {
        let logs = SyntheticLogs::new(5, &LogContext::default(), 1_000_000);
        let page: Vec<Value> = serde_json::from_str(&logs.page(999_998, 10)).expect("json");
        assert_eq!(page.len(), 2, "the page stops at the last event");
        let ids: Vec<&str> = page.iter().filter_map(|e| e["log_id"].as_str()).collect();
        assert!(
            ids[0] < ids[1] && ids.iter().all(|id| id.len() == 56),
            "{ids:?}"
        );
        assert_eq!(page[0]["_id"], page[0]["log_id"]);
        assert_eq!(logs.position(ids[1]), Some(999_999));
        assert_eq!(logs.position("9001234"), None);
        let first: Vec<Value> = serde_json::from_str(&logs.page(0, 3)).expect("json");
        assert_eq!(first[0]["date"], "2024-01-08T09:00:00.000Z");
        assert!(first[0]["type"].is_string() && first[0].get("details").is_some());
        assert_eq!(logs.page(1_000_000, 100), "[]");
    }
}
