//! Cron schedules: the standard five fields (minute, hour, day of month, month, day of week)
//! with the semantics of Vixie cron and Kubernetes CronJobs, evaluated in a time zone.
//!
//! Accepted forms: `*`, values, ranges `a-b`, steps `*/n`, `a-b/n` and `a/n` (from `a` to the
//! end of the field), lists of those, month names `jan`-`dec` and day names `sun`-`sat` in any
//! case, day of week `0`-`7` where both `0` and `7` are Sunday, and the macros `@yearly`
//! (`@annually`), `@monthly`, `@weekly`, `@daily` (`@midnight`) and `@hourly`. When both the
//! day of month and the day of week are restricted (neither starts with `*`), a day matches if
//! either one does, as in Vixie cron.
//!
//! Daylight saving time, also as in Vixie cron (and cronie): a *fixed-time* job (neither the
//! minute nor the hour field starts with `*`) whose wall time is skipped by a spring-forward
//! change fires once, at the first instant after the gap, and a wall time that a fall-back
//! change repeats fires once, at its first occurrence. A job with `*` in its minute or hour
//! field fires at each matching instant: nothing inside a gap, and both occurrences of a
//! repeated wall time (`45 * * * *` fires at 01:45 BST and again at 01:45 GMT).
//!
//! Why not a kept crate: `croner` 3.0.1 (what tokio-cron-scheduler evaluates with), run with
//! `chrono-tz` over this module's 41-row test table, gets 11 rows wrong through
//! `find_next_occurrence` (8 through its iterator), and the errors: `0 0 */10 * fri` fires on
//! any Friday (a day field starting with `*` is unrestricted in Vixie cron, so both must
//! match); `0,30 2 * * *` never fires for the Paris gap of 2026-03-29 (a list counts as a
//! wildcard job there); asked after 01:10Z on 2026-10-25, `*/20 * * * *` in Paris answers
//! 00:20Z, *before* the time asked, and its iterator yields times out of order; asked during
//! New York's repeated hour, `15 1 * * *` answers the 01:15 that already fired; `*/30 1 * * *`
//! skips the whole repeated hour; `find_next_occurrence` drops the second 01:45 of
//! `45 * 31 10 *` (only its iterator keeps it, and the daemon asks afresh after each run);
//! `@MIDNIGHT` is refused; its errors name no field ("Component error: Number out of
//! bounds.") while it accepts `1,,2`, `L`, `#` and six fields. An adapter would keep this
//! parser and this DST walk and add a second time-zone database (`chrono-tz` beside jiff's),
//! so the evaluation stays here. The `cron` crate (0.15, run on six of the cases) is further
//! off: it refuses five fields (seconds come first) and day-of-week `0`, ANDs the day fields
//! (`0 0 0 13 * Fri` is only Friday the 13th), skips `30 2 * * *` on Paris's spring night and
//! fires `15 1 * * *` twice on New York's autumn one.
//!
//! This module is pure: it reads no clock and does no I/O.

mod field;
#[cfg(test)]
mod tests;

use jiff::civil::{Date, DateTime};
use jiff::tz::{AmbiguousOffset, Offset, TimeZone};
use jiff::{SignedDuration, Timestamp};

use field::{Bits, DAY_OF_MONTH, DAY_OF_WEEK, HOUR, MINUTE, MONTH};

/// How many years ahead [`CronSchedule::next_after`] looks before giving up.
const SEARCH_YEARS: i16 = 5;

/// Why a cron expression was rejected. Each message names the field, the value and what the
/// field accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CronError {
    /// Not five fields.
    #[error(
        "\"{expression}\" has {found} fields; write 5 (minute hour day-of-month month day-of-week), as in \"0 * * * *\", or a macro such as \"@daily\""
    )]
    FieldCount {
        /// The expression as written.
        expression: String,
        /// How many whitespace-separated fields it has.
        found: usize,
    },
    /// An `@` word that is not one of the macros.
    #[error(
        "\"{expression}\" is not a cron macro; use @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly"
    )]
    UnknownMacro {
        /// The expression as written.
        expression: String,
    },
    /// A value that is neither a number nor one of the field's names.
    #[error("{field} value \"{value}\" is not valid; use {accepted}")]
    InvalidValue {
        /// The field's name.
        field: &'static str,
        /// The offending value.
        value: String,
        /// What the field accepts.
        accepted: &'static str,
    },
    /// A number outside the field's range.
    #[error("{field} value {value} is out of range; use {accepted}")]
    OutOfRange {
        /// The field's name.
        field: &'static str,
        /// The offending number.
        value: String,
        /// What the field accepts.
        accepted: &'static str,
    },
    /// A range whose start is after its end.
    #[error(
        "{field} range \"{value}\" runs backwards; write the smaller value first, as in \"1-5\", or list both ends, as in \"22-23,0-2\""
    )]
    ReversedRange {
        /// The field's name.
        field: &'static str,
        /// The range as written.
        value: String,
    },
    /// A step that is not a whole number of at least 1.
    #[error(
        "{field} step \"{value}\" is not valid; write a whole number of at least 1 after \"/\", as in \"*/15\""
    )]
    InvalidStep {
        /// The field's name.
        field: &'static str,
        /// The step as written.
        value: String,
    },
    /// A list with an empty item (`"1,,2"`, `"1,"`).
    #[error(
        "{field} \"{value}\" has an empty list item; separate values with single commas, as in \"0,15,30\""
    )]
    EmptyItem {
        /// The field's name.
        field: &'static str,
        /// The field as written.
        value: String,
    },
}

/// A parsed cron expression and the time zone it runs in.
#[derive(Debug, Clone)]
pub struct CronSchedule {
    /// The expression as written (a macro stays a macro).
    expression: String,
    /// Minutes of the hour, 0-59.
    minutes: Bits,
    /// Hours of the day, 0-23.
    hours: Bits,
    /// Days of the month, 1-31.
    days_of_month: Bits,
    /// Months, 1-12.
    months: Bits,
    /// Days of week, Sunday = 0 (a written 7 is folded into 0).
    days_of_week: Bits,
    /// Both day fields are restricted, so a day matches if either does (the Vixie OR rule).
    either_day: bool,
    /// Neither minute nor hour starts with `*`: a time skipped by DST fires after the gap.
    fixed_time: bool,
    /// The zone whose wall clock the fields describe.
    tz: TimeZone,
}

impl CronSchedule {
    /// Parses a five-field expression or a macro, to be evaluated in `tz`.
    pub fn parse(expr: &str, tz: TimeZone) -> Result<CronSchedule, CronError> {
        let expression = expr.trim();
        let expanded = expand_macro(expression)?;
        let fields: Vec<&str> = expanded.split_whitespace().collect();
        let [minute, hour, dom, month, dow] = fields[..] else {
            return Err(CronError::FieldCount {
                expression: expression.to_owned(),
                found: fields.len(),
            });
        };
        let days_of_week = DAY_OF_WEEK.parse(dow)?;
        Ok(CronSchedule {
            expression: expression.to_owned(),
            minutes: MINUTE.parse(minute)?,
            hours: HOUR.parse(hour)?,
            days_of_month: DAY_OF_MONTH.parse(dom)?,
            months: MONTH.parse(month)?,
            days_of_week: (days_of_week | (days_of_week >> 7)) & 0x7f,
            either_day: !dom.starts_with('*') && !dow.starts_with('*'),
            fixed_time: !minute.starts_with('*') && !hour.starts_with('*'),
            tz,
        })
    }

    /// The expression as written.
    pub fn expression(&self) -> &str {
        &self.expression
    }

    /// The IANA name of the schedule's time zone, if it has one.
    pub fn timezone_name(&self) -> Option<&str> {
        self.tz.iana_name()
    }

    /// The first fire time strictly after `after`, or `None` if nothing matches within about
    /// five years (`"0 0 30 2 *"`).
    ///
    /// Walks the zone's wall clock one stretch of constant UTC offset at a time, so a wall
    /// time repeated by a fall-back change is seen in both stretches, and fire times come in
    /// the order they happen.
    pub fn next_after(&self, after: Timestamp) -> Option<Timestamp> {
        let last_year = self
            .tz
            .to_datetime(after)
            .year()
            .saturating_add(SEARCH_YEARS);
        let mut offset = self.tz.to_offset(after);
        let mut start = after;
        let mut from = minute_floor(offset.to_datetime(after))
            .checked_add(SignedDuration::from_mins(1))
            .ok()?;
        loop {
            let end = self.tz.following(start).next().map(|t| t.timestamp());
            if let Some(at) = self.next_in_stretch(after, offset, from, end, last_year)? {
                return Some(at);
            }
            // The stretch ends at a transition (a zone without one has matched or run dry).
            let end = end?;
            let next_offset = self.tz.to_offset(end);
            let (old_wall, new_wall) = (offset.to_datetime(end), next_offset.to_datetime(end));
            if self.fixed_time && new_wall > old_wall {
                // Spring forward: a fixed time among the skipped wall times fires at the end
                // of the gap.
                let skipped = self.next_wall_time(old_wall, last_year);
                if skipped.is_some_and(|wall| wall < new_wall) {
                    return Some(end);
                }
            }
            (start, offset, from) = (end, next_offset, minute_ceil(new_wall)?);
        }
    }

    /// The first fire time after `after` among the wall times from `from` on, read with
    /// `offset`, that fall before `end` (the stretch's end, if it has one). `None` when
    /// nothing matches before `last_year` ends; `Some(None)` when the stretch has no fire time.
    fn next_in_stretch(
        &self,
        after: Timestamp,
        offset: Offset,
        mut from: DateTime,
        end: Option<Timestamp>,
        last_year: i16,
    ) -> Option<Option<Timestamp>> {
        loop {
            let wall = self.next_wall_time(from, last_year)?;
            let at = offset.to_timestamp(wall).ok()?;
            if end.is_some_and(|end| at >= end) {
                return Some(None);
            }
            if at > after && !(self.fixed_time && self.is_repeat(wall, offset)) {
                return Some(Some(at));
            }
            from = wall.checked_add(SignedDuration::from_mins(1)).ok()?;
        }
    }

    /// Whether `wall`, read with `offset`, is the second occurrence of a wall time that a
    /// fall-back change repeats (a fixed-time job fires only at the first).
    fn is_repeat(&self, wall: DateTime, offset: Offset) -> bool {
        matches!(
            self.tz.to_ambiguous_timestamp(wall).offset(),
            AmbiguousOffset::Fold { before, after } if before != after && offset == after
        )
    }

    /// The next `n` fire times after `after` (fewer if the schedule runs dry).
    pub fn upcoming(&self, after: Timestamp, n: usize) -> Vec<Timestamp> {
        let mut times = Vec::with_capacity(n);
        let mut cursor = after;
        while times.len() < n {
            let Some(next) = self.next_after(cursor) else {
                break;
            };
            times.push(next);
            cursor = next;
        }
        times
    }

    /// The first wall-clock minute at or after `start` that the fields match, skipping whole
    /// months, days and hours that cannot match.
    fn next_wall_time(&self, start: DateTime, last_year: i16) -> Option<DateTime> {
        let (mut date, mut hour, mut minute) = (start.date(), start.hour(), start.minute());
        loop {
            if date.year() > last_year {
                return None;
            }
            if !field::contains(self.months, date.month()) {
                (date, hour, minute) = (date.last_of_month().tomorrow().ok()?, 0, 0);
                continue;
            }
            if !self.day_matches(date) {
                (date, hour, minute) = (date.tomorrow().ok()?, 0, 0);
                continue;
            }
            let Some(next_hour) = field::next_in(self.hours, hour as u8) else {
                (date, hour, minute) = (date.tomorrow().ok()?, 0, 0);
                continue;
            };
            if next_hour as i8 != hour {
                (hour, minute) = (next_hour as i8, 0);
            }
            match field::next_in(self.minutes, minute as u8) {
                Some(found) => return Some(date.at(hour, found as i8, 0, 0)),
                None if hour < 23 => (hour, minute) = (hour + 1, 0),
                None => (date, hour, minute) = (date.tomorrow().ok()?, 0, 0),
            }
        }
    }

    /// Whether the day fields match `date`, with the Vixie OR rule.
    fn day_matches(&self, date: Date) -> bool {
        let dom = field::contains(self.days_of_month, date.day());
        let dow = field::contains(self.days_of_week, date.weekday().to_sunday_zero_offset());
        if self.either_day {
            dom || dow
        } else {
            dom && dow
        }
    }
}

/// The five fields a macro stands for, or the expression itself.
fn expand_macro(expression: &str) -> Result<&str, CronError> {
    if !expression.starts_with('@') {
        return Ok(expression);
    }
    match expression.to_ascii_lowercase().as_str() {
        "@yearly" | "@annually" => Ok("0 0 1 1 *"),
        "@monthly" => Ok("0 0 1 * *"),
        "@weekly" => Ok("0 0 * * 0"),
        "@daily" | "@midnight" => Ok("0 0 * * *"),
        "@hourly" => Ok("0 * * * *"),
        _ => Err(CronError::UnknownMacro {
            expression: expression.to_owned(),
        }),
    }
}

/// `dt` without its seconds and below.
fn minute_floor(dt: DateTime) -> DateTime {
    dt.date().at(dt.hour(), dt.minute(), 0, 0)
}

/// The first whole minute at or after `dt`.
fn minute_ceil(dt: DateTime) -> Option<DateTime> {
    let floor = minute_floor(dt);
    if floor == dt {
        return Some(floor);
    }
    floor.checked_add(SignedDuration::from_mins(1)).ok()
}
