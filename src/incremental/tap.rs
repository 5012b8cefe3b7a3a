//! The log events of an incremental run as they go to the snapshot writer: the last `log_id`
//! read (the next checkpoint) is remembered, and on a first run with `since`, events dated
//! before it are left out.

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::value::RawValue;

/// The two fields of a log event the tap reads.
#[derive(Deserialize)]
struct LogFields<'a> {
    #[serde(borrow, default)]
    log_id: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, default)]
    date: Option<std::borrow::Cow<'a, str>>,
}

/// Watches (and on a first run with `since`, filters) the events on their way to the writer.
#[derive(Debug, Default)]
pub(crate) struct LogTap {
    /// Events dated before this are left out.
    since: Option<Timestamp>,
    /// The `log_id` and `date` of the last event read.
    last: Option<(String, Option<String>)>,
    /// Events left out for being before `since`.
    skipped: u64,
}

impl LogTap {
    /// A tap that leaves out events before `since`, if set.
    pub(crate) fn new(since: Option<Timestamp>) -> Self {
        Self {
            since,
            ..Self::default()
        }
    }

    /// The events of one page that belong in the snapshot. Events without a readable date
    /// are kept: nothing is dropped that cannot be shown to be before `since`.
    pub(crate) fn pass<'a>(&mut self, records: Vec<&'a RawValue>) -> Vec<&'a RawValue> {
        let mut kept = Vec::with_capacity(records.len());
        for record in records {
            let fields = serde_json::from_str::<LogFields<'_>>(record.get()).ok();
            let (log_id, date) = fields.map_or((None, None), |f| (f.log_id, f.date));
            if let Some(log_id) = log_id {
                self.last = Some((log_id.into_owned(), date.as_deref().map(str::to_owned)));
            }
            let before = match (self.since, date.as_deref().map(str::parse::<Timestamp>)) {
                (Some(since), Some(Ok(at))) => at < since,
                _ => false,
            };
            if before {
                self.skipped += 1;
            } else {
                kept.push(record);
            }
        }
        kept
    }

    /// The `log_id` of the last event read, if any was.
    pub(crate) fn last_log_id(&self) -> Option<&str> {
        self.last.as_ref().map(|(id, _)| id.as_str())
    }

    /// The `date` of the last event read, if it had one.
    pub(crate) fn last_date(&self) -> Option<&str> {
        self.last.as_ref().and_then(|(_, date)| date.as_deref())
    }

    /// Events left out for being before `since`.
    pub(crate) fn skipped(&self) -> u64 {
        self.skipped
    }

    /// The `since` this tap applies, if any.
    pub(crate) fn since(&self) -> Option<Timestamp> {
        self.since
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Events as the writer hands them on: borrowed records (leaked: a test's lifetime).
    fn page(events: &[(&str, &str)]) -> Vec<&'static RawValue> {
        events
            .iter()
            .map(|(id, date)| {
                let text = serde_json::json!({"date": date, "log_id": id}).to_string();
                &*Box::leak(RawValue::from_string(text).unwrap())
            })
            .collect()
    }

    #[test]
    fn events_before_since_are_left_out_but_still_move_the_checkpoint() {
        let mut tap = LogTap::new(Some("2024-01-02T00:00:00Z".parse().unwrap()));
        let kept = tap.pass(page(&[
            ("1", "2024-01-01T23:59:59.999Z"),
            ("2", "2024-01-02T00:00:00.000Z"),
            ("3", "not a date"),
        ]));
        assert_eq!(kept.len(), 2);
        assert_eq!(tap.skipped(), 1);
        assert_eq!(tap.last_log_id(), Some("3"));
        tap.pass(page(&[("0", "2023-01-01T00:00:00Z")]));
        assert_eq!((tap.last_log_id(), tap.skipped()), (Some("0"), 2));
    }

    #[test]
    fn without_since_every_event_passes() {
        let mut tap = LogTap::new(None);
        assert_eq!(tap.pass(page(&[("9", "2000-01-01T00:00:00Z")])).len(), 1);
        assert_eq!(tap.last_date(), Some("2000-01-01T00:00:00Z"));
        assert_eq!(LogTap::new(None).last_log_id(), None);
    }
}
