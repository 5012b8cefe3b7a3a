//! Lengths of time as job files write them: a number and a unit (`"30s"`, `"15m"`, `"6h"`,
//! `"1d"`), or several from the largest unit to the smallest (`"1h30m"`). The one duration
//! parser of the code base: `every = "15m"` and the duration variables (`A0SNAP_JOB_TIMEOUT`
//! and the others, through `config`) use [`parse_every`], `keep_for = "30d"` uses
//! [`parse_keep_for`]; the two differ only in their longest length.
//!
//! The reading itself is jiff's "friendly" duration format
//! (<https://docs.rs/jiff/latest/jiff/fmt/friendly/index.html>), days counted as 24 hours. That
//! format also reads `"1 h"`, `"1 hour"`, `"30 days"`, `"1.5h"`, `"-5m"`, `"15ms"` and weeks,
//! months or years; a0snap keeps to the compact form above (whole numbers, units `s`, `m`, `h`,
//! `d`, no spaces), so a job file means the same to every version and to a reader who knows
//! only the README. Writing back ([`format_every`]) is ours: jiff prints a duration's largest
//! unit as hours, where a job file writes days.
//!
//! A length is at least one second and at most its limit (so that adding it to, or taking it
//! from, any time a0snap meets stays in range). This module is pure: it parses and formats,
//! nothing more; it must not read settings or know which job a length belongs to.

use std::time::Duration;

use jiff::SpanRelativeTo;
use jiff::fmt::friendly::SpanParser;

/// The longest interval accepted.
pub(crate) const MAX_INTERVAL: Duration = Duration::from_secs(366 * SECONDS_PER_DAY);

/// The longest `keep_for` accepted: 100 years of 366 days.
pub(crate) const MAX_KEEP_FOR: Duration = Duration::from_secs(36_600 * SECONDS_PER_DAY);

/// The longest length one kind of setting accepts, as a [`IntervalError::TooLong`] tells it.
#[derive(Debug, Clone, Copy)]
struct Limit {
    /// The longest length.
    max: Duration,
    /// That length in words (`"a year"`).
    words: &'static str,
    /// What to do instead (`", or a schedule"`), appended to the message.
    instead: &'static str,
}

/// `every`: a year at most; longer waits are a schedule's job.
const EVERY: Limit = Limit {
    max: MAX_INTERVAL,
    words: "a year",
    instead: ", or a schedule",
};

/// `keep_for`: a century at most; longer is keeping everything.
const KEEP_FOR: Limit = Limit {
    max: MAX_KEEP_FOR,
    words: "100 years",
    instead: ", or remove keep_for to keep snapshots whatever their age",
};

const SECONDS_PER_DAY: u64 = 24 * 60 * 60;

/// The units a job file may write, largest first, with their length in seconds (days are
/// 24 hours). Parsing leaves the lengths to jiff; [`format_every`] uses them to write back.
const UNITS: [(char, u64); 4] = [('d', SECONDS_PER_DAY), ('h', 3600), ('m', 60), ('s', 1)];

/// Why an interval was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum IntervalError {
    /// Not a sequence of numbers with units.
    #[error(
        "\"{text}\" is not an interval; write a number and a unit (s, m, h or d), or several from largest to smallest, as in \"30s\", \"15m\", \"6h\", \"1d\" or \"1h30m\""
    )]
    Malformed {
        /// The interval as written.
        text: String,
    },
    /// Zero.
    #[error("\"{text}\" is shorter than a second; use at least \"1s\"")]
    TooShort {
        /// The interval as written.
        text: String,
    },
    /// More than the setting's limit ([`MAX_INTERVAL`], [`MAX_KEEP_FOR`]).
    #[error("\"{text}\" is longer than {words}; use at most \"{max}\"{instead}")]
    TooLong {
        /// The interval as written.
        text: String,
        /// The limit in words (`"a year"`).
        words: &'static str,
        /// The limit in job-file form (`"366d"`).
        max: String,
        /// What to do instead, with its leading comma, or empty.
        instead: &'static str,
    },
}

/// Parses an `every` interval such as `"15m"` or `"1h30m"`: one second to [`MAX_INTERVAL`].
pub(crate) fn parse_every(text: &str) -> Result<Duration, IntervalError> {
    parse_length(text, EVERY)
}

/// Parses a `keep_for` age such as `"30d"` or `"12h"`: one second to [`MAX_KEEP_FOR`].
pub(crate) fn parse_keep_for(text: &str) -> Result<Duration, IntervalError> {
    parse_length(text, KEEP_FOR)
}

/// Parses a length of at least one second and at most `limit.max`.
///
/// The reading is jiff's "friendly" duration parser ([`SpanParser`], into a [`jiff::Span`] because
/// a `SignedDuration` refuses days), with days taken as 24 hours
/// ([`SpanRelativeTo::days_are_24_hours`]): jiff checks that units come largest first, each
/// once, and that each number is in range. Before it, [`is_compact`] keeps the input to the
/// compact form a0snap documents, since the friendly format also reads forms a job file must
/// not use (see the module doc). What jiff calls out of range (more days than a span holds,
/// about 20,000 years) is too long; its other refusals (units out of order or repeated, a
/// number past 64 bits or past what jiff counts in nanoseconds) are malformed.
fn parse_length(text: &str, limit: Limit) -> Result<Duration, IntervalError> {
    /// jiff's friendly parser: stateless, so one for the process.
    static PARSER: SpanParser = SpanParser::new();
    let malformed = || IntervalError::Malformed {
        text: text.to_owned(),
    };
    let too_long = || IntervalError::TooLong {
        text: text.to_owned(),
        words: limit.words,
        max: format_every(limit.max),
        instead: limit.instead,
    };
    let compact = text.trim();
    if !is_compact(compact) {
        return Err(malformed());
    }
    let span = PARSER.parse_span(compact).map_err(|error| {
        if error.is_range() {
            too_long()
        } else {
            malformed()
        }
    })?;
    let length = span
        .to_duration(SpanRelativeTo::days_are_24_hours())
        .map_err(|_| too_long())?;
    // Never negative: `is_compact` lets no sign through.
    let interval = Duration::try_from(length).map_err(|_| malformed())?;
    if interval.is_zero() {
        Err(IntervalError::TooShort {
            text: text.to_owned(),
        })
    } else if interval > limit.max {
        Err(too_long())
    } else {
        Ok(interval)
    }
}

/// Whether `text` has the compact form: whole numbers, each followed at once by one unit
/// letter of [`UNITS`] (`"1h30m"`). Everything else jiff's friendly format would also read
/// (`"1 h"`, `"1 hour"`, `"1.5h"`, `"-5m"`, `"15ms"`, `"1w"`, `"PT15M"`-like text) fails here.
fn is_compact(text: &str) -> bool {
    let is_unit = |c: char| UNITS.iter().any(|(name, _)| *name == c);
    let mut after_digit = false;
    for c in text.chars() {
        if c.is_ascii_digit() {
            after_digit = true;
        } else if is_unit(c) && after_digit {
            after_digit = false;
        } else {
            return false;
        }
    }
    // Non-empty and ending with a unit: a bare number (`"15"`) has none.
    !text.is_empty() && !after_digit
}

/// Writes an interval the way a job file would (`"1h30m"`), to whole seconds.
pub(crate) fn format_every(interval: Duration) -> String {
    let mut remaining = interval.as_secs();
    let mut text = String::new();
    for (name, length) in UNITS {
        let count = remaining / length;
        if count > 0 {
            text.push_str(&format!("{count}{name}"));
            remaining %= length;
        }
    }
    if text.is_empty() {
        text.push_str("0s");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_and_compound_intervals_parse_to_their_length() {
        for (text, seconds) in [
            ("30s", 30),
            ("15m", 900),
            ("6h", 21_600),
            ("1d", 86_400),
            ("1h30m", 5_400),
            ("1d2h3m4s", 93_784),
            (" 90m ", 5_400),
            ("366d", 366 * 86_400),
        ] {
            assert_eq!(
                parse_every(text),
                Ok(Duration::from_secs(seconds)),
                "{text}"
            );
        }
    }

    #[test]
    fn malformed_intervals_explain_the_form() {
        let form = "write a number and a unit (s, m, h or d), or several from largest to smallest, as in \"30s\", \"15m\", \"6h\", \"1d\" or \"1h30m\"";
        for text in [
            "", "15", "m", "15x", "1.5h", "30m1h", "1h1h", "-5m", "1 h", "15M",
        ] {
            let message = parse_every(text).expect_err(text).to_string();
            assert_eq!(message, format!("\"{text}\" is not an interval; {form}"));
        }
    }

    #[test]
    fn an_interval_must_be_at_least_a_second_and_at_most_a_year() {
        assert_eq!(
            parse_every("0s").expect_err("zero").to_string(),
            "\"0s\" is shorter than a second; use at least \"1s\""
        );
        assert_eq!(
            parse_every("367d").expect_err("too long").to_string(),
            "\"367d\" is longer than a year; use at most \"366d\", or a schedule"
        );
        assert!(matches!(
            parse_every("99999999999999999999d"),
            Err(IntervalError::Malformed { .. })
        ));
        assert!(matches!(
            parse_every("9999999999999999d"),
            Err(IntervalError::TooLong { .. })
        ));
    }

    #[test]
    fn keep_for_takes_the_same_form_up_to_a_century() {
        assert_eq!(parse_keep_for("30d"), Ok(Duration::from_secs(30 * 86_400)));
        assert_eq!(
            parse_keep_for("400d"),
            Ok(Duration::from_secs(400 * 86_400))
        );
        assert_eq!(
            parse_keep_for("36601d").expect_err("too long").to_string(),
            "\"36601d\" is longer than 100 years; use at most \"36600d\", or remove keep_for to keep snapshots whatever their age"
        );
        assert!(matches!(
            parse_keep_for("30 days"),
            Err(IntervalError::Malformed { .. })
        ));
    }

    #[test]
    fn forms_jiff_reads_but_job_files_do_not_use_are_refused() {
        for text in [
            "1 hour",
            "2 hrs 30 mins",
            "1h 30m",
            "15ms",
            "1w",
            "1y",
            "P1D",
            "PT15M",
            "01:30:00",
            "1,5h",
            "+5m",
            "5m ago",
            "1d, 2h",
            "30sec",
        ] {
            assert_eq!(
                parse_every(text),
                Err(IntervalError::Malformed {
                    text: text.to_owned()
                }),
                "{text}"
            );
        }
    }

    #[test]
    fn intervals_are_written_back_in_job_file_form() {
        assert_eq!(format_every(Duration::from_secs(5_400)), "1h30m");
        assert_eq!(format_every(Duration::from_secs(93_784)), "1d2h3m4s");
        assert_eq!(format_every(Duration::from_secs(30)), "30s");
        assert_eq!(format_every(Duration::ZERO), "0s");
    }
}
