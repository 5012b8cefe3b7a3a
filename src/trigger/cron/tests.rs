use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::{CronError, CronSchedule};

fn ts(text: &str) -> Timestamp {
    text.parse().expect("a valid timestamp in the test table")
}

fn schedule(expr: &str, zone: &str) -> CronSchedule {
    let tz = TimeZone::get(zone).expect("a known zone");
    CronSchedule::parse(expr, tz).expect("a valid expression in the test table")
}

/// (zone, expression, start, the next fire times in UTC)
#[rustfmt::skip]
const TABLE: &[(&str, &str, &str, &[&str])] = &[
    // steps, lists, ranges, names
    ("UTC", "*/15 * * * *", "2026-01-01T00:07:00Z", &["2026-01-01T00:15:00Z", "2026-01-01T00:30:00Z", "2026-01-01T00:45:00Z", "2026-01-01T01:00:00Z"]),
    ("UTC", "0 * * * *", "2026-01-01T00:00:00Z", &["2026-01-01T01:00:00Z", "2026-01-01T02:00:00Z"]),
    ("UTC", "0 * * * *", "2026-01-01T00:59:59.9Z", &["2026-01-01T01:00:00Z"]),
    ("UTC", "30 9 * * mon-fri", "2026-01-02T10:00:00Z", &["2026-01-05T09:30:00Z", "2026-01-06T09:30:00Z"]),
    ("UTC", "0 8-18/4 * * *", "2026-01-01T09:00:00Z", &["2026-01-01T12:00:00Z", "2026-01-01T16:00:00Z", "2026-01-02T08:00:00Z"]),
    ("UTC", "5/20 * * * *", "2026-01-01T00:00:00Z", &["2026-01-01T00:05:00Z", "2026-01-01T00:25:00Z", "2026-01-01T00:45:00Z", "2026-01-01T01:05:00Z"]),
    ("UTC", "0 0 1 jan,JUL *", "2026-01-01T00:00:00Z", &["2026-07-01T00:00:00Z", "2027-01-01T00:00:00Z"]),
    ("UTC", "0 6 * * Sat,sun", "2026-01-01T00:00:00Z", &["2026-01-03T06:00:00Z", "2026-01-04T06:00:00Z", "2026-01-10T06:00:00Z"]),
    // 0 and 7 are both Sunday
    ("UTC", "0 12 * * 7", "2026-01-01T00:00:00Z", &["2026-01-04T12:00:00Z", "2026-01-11T12:00:00Z"]),
    ("UTC", "0 12 * * 0", "2026-01-01T00:00:00Z", &["2026-01-04T12:00:00Z"]),
    ("UTC", "0 12 * * 5-7", "2026-01-01T00:00:00Z", &["2026-01-02T12:00:00Z", "2026-01-03T12:00:00Z", "2026-01-04T12:00:00Z", "2026-01-09T12:00:00Z"]),
    // both day fields restricted: either matches; a `*` in one of them: both must match
    ("UTC", "0 0 13 * fri", "2026-01-01T00:00:00Z", &["2026-01-02T00:00:00Z", "2026-01-09T00:00:00Z", "2026-01-13T00:00:00Z", "2026-01-16T00:00:00Z"]),
    ("UTC", "0 0 13 * *", "2026-01-01T00:00:00Z", &["2026-01-13T00:00:00Z", "2026-02-13T00:00:00Z"]),
    ("UTC", "0 0 */10 * fri", "2026-01-01T00:00:00Z", &["2026-05-01T00:00:00Z"]),
    // Feb 29 only in leap years; Feb 30 never
    ("UTC", "0 0 29 2 *", "2026-01-01T00:00:00Z", &["2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"]),
    ("UTC", "0 0 30 2 *", "2026-01-01T00:00:00Z", &[]),
    // macros
    ("UTC", "@yearly", "2026-03-01T00:00:00Z", &["2027-01-01T00:00:00Z"]),
    ("UTC", "@annually", "2026-03-01T00:00:00Z", &["2027-01-01T00:00:00Z"]),
    ("UTC", "@monthly", "2026-03-01T00:00:00Z", &["2026-04-01T00:00:00Z"]),
    ("UTC", "@weekly", "2026-03-01T00:00:00Z", &["2026-03-08T00:00:00Z"]),
    ("UTC", "@daily", "2026-03-01T00:00:00Z", &["2026-03-02T00:00:00Z"]),
    ("UTC", "@MIDNIGHT", "2026-03-01T00:00:00Z", &["2026-03-02T00:00:00Z"]),
    ("UTC", "@hourly", "2026-03-01T00:00:00Z", &["2026-03-01T01:00:00Z"]),
    // Paris springs forward on 2026-03-29 at 02:00 CET (01:00Z)
    ("Europe/Paris", "30 2 * * *", "2026-03-28T00:00:00Z", &["2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"]),
    ("Europe/Paris", "0,30 2 * * *", "2026-03-29T00:00:00Z", &["2026-03-29T01:00:00Z", "2026-03-30T00:00:00Z", "2026-03-30T00:30:00Z"]),
    ("Europe/Paris", "0 * * * *", "2026-03-28T23:30:00Z", &["2026-03-29T00:00:00Z", "2026-03-29T01:00:00Z", "2026-03-29T02:00:00Z"]),
    ("Europe/Paris", "*/30 * * * *", "2026-03-29T00:15:00Z", &["2026-03-29T00:30:00Z", "2026-03-29T01:00:00Z", "2026-03-29T01:30:00Z"]),
    // Paris falls back on 2026-10-25 at 03:00 CEST (01:00Z): 02:00-02:59 happens twice
    ("Europe/Paris", "30 2 * * *", "2026-10-24T00:00:00Z", &["2026-10-24T00:30:00Z", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"]),
    // A fixed time fires at the first occurrence only; a job with `*` in its minute or hour
    // fires in both, as in Vixie cron (02:00 CEST is 00:00Z, 02:00 CET is 01:00Z).
    ("Europe/Paris", "0 * * * *", "2026-10-24T22:30:00Z", &["2026-10-24T23:00:00Z", "2026-10-25T00:00:00Z", "2026-10-25T01:00:00Z", "2026-10-25T02:00:00Z"]),
    ("Europe/Paris", "*/20 * * * *", "2026-10-25T01:10:00Z", &["2026-10-25T01:20:00Z", "2026-10-25T01:40:00Z", "2026-10-25T02:00:00Z"]),
    ("Europe/Paris", "*/20 * * * *", "2026-10-25T00:30:00Z", &["2026-10-25T00:40:00Z", "2026-10-25T01:00:00Z", "2026-10-25T01:20:00Z"]),
    ("Europe/Paris", "0,30 2 * * *", "2026-10-24T23:00:00Z", &["2026-10-25T00:00:00Z", "2026-10-25T00:30:00Z", "2026-10-26T01:00:00Z"]),
    // London falls back on 2027-10-31 at 02:00 BST (01:00Z): 01:45 happens at 00:45Z and 01:45Z
    ("Europe/London", "45 * 31 10 *", "2027-10-30T23:00:00Z", &["2027-10-30T23:45:00Z", "2027-10-31T00:45:00Z", "2027-10-31T01:45:00Z", "2027-10-31T02:45:00Z"]),
    ("Europe/London", "45 1 31 10 *", "2027-10-30T23:00:00Z", &["2027-10-31T00:45:00Z", "2028-10-31T01:45:00Z"]),
    // New York springs forward on 2026-03-08 at 02:00 EST (07:00Z)
    ("America/New_York", "30 2 * * *", "2026-03-07T12:00:00Z", &["2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z"]),
    ("America/New_York", "* 2 * * *", "2026-03-08T06:58:00Z", &["2026-03-09T06:00:00Z", "2026-03-09T06:01:00Z"]),
    ("America/New_York", "0 9 * * *", "2026-03-07T00:00:00Z", &["2026-03-07T14:00:00Z", "2026-03-08T13:00:00Z"]),
    // New York falls back on 2026-11-01 at 02:00 EDT (06:00Z): 01:00-01:59 happens twice
    ("America/New_York", "15 1 * * *", "2026-10-31T12:00:00Z", &["2026-11-01T05:15:00Z", "2026-11-02T06:15:00Z"]),
    ("America/New_York", "0 * * * *", "2026-11-01T04:30:00Z", &["2026-11-01T05:00:00Z", "2026-11-01T06:00:00Z", "2026-11-01T07:00:00Z", "2026-11-01T08:00:00Z"]),
    ("America/New_York", "*/30 1 * * *", "2026-11-01T05:40:00Z", &["2026-11-01T06:00:00Z", "2026-11-01T06:30:00Z", "2026-11-02T06:00:00Z"]),
    // asked during the repeated hour, a fixed time that already fired waits for the next day
    ("America/New_York", "15 1 * * *", "2026-11-01T06:10:00Z", &["2026-11-02T06:15:00Z"]),
];

#[test]
fn every_expression_in_the_table_fires_at_the_expected_times() {
    for (zone, expr, start, expected) in TABLE {
        // Ask for at least one, so an empty expectation checks that nothing is found.
        let got = schedule(expr, zone).upcoming(ts(start), expected.len().max(1));
        let expected: Vec<Timestamp> = expected.iter().map(|t| ts(t)).collect();
        assert_eq!(got, expected, "{expr} in {zone} after {start}");
    }
}

#[test]
fn an_impossible_date_has_no_fire_time() {
    assert_eq!(
        schedule("0 0 31 4 *", "UTC").next_after(ts("2026-01-01T00:00:00Z")),
        None
    );
}

#[test]
fn a_schedule_remembers_its_expression_and_zone() {
    let cron = schedule(" @daily ", "Europe/Paris");
    assert_eq!(cron.expression(), "@daily");
    assert_eq!(cron.timezone_name(), Some("Europe/Paris"));
}

#[test]
fn a_once_a_year_time_is_found_years_ahead_in_its_zone() {
    let cron = schedule("59 23 31 12 *", "America/New_York");
    let times = cron.upcoming(ts("2026-01-01T05:00:00Z"), 3);
    assert_eq!(times.last().copied(), Some(ts("2029-01-01T04:59:00Z")));
}

#[test]
fn bad_expressions_say_which_field_what_value_and_what_it_accepts() {
    #[rustfmt::skip]
    let cases = [
        ("* * * *", "\"* * * *\" has 4 fields; write 5 (minute hour day-of-month month day-of-week), as in \"0 * * * *\", or a macro such as \"@daily\""),
        ("", "\"\" has 0 fields; write 5 (minute hour day-of-month month day-of-week), as in \"0 * * * *\", or a macro such as \"@daily\""),
        ("@reboot", "\"@reboot\" is not a cron macro; use @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly"),
        ("60 * * * *", "minute value 60 is out of range; use 0-59"),
        ("* 24 * * *", "hour value 24 is out of range; use 0-23"),
        ("* * 0 * *", "day-of-month value 0 is out of range; use 1-31"),
        ("* * * 13 *", "month value 13 is out of range; use 1-12 or jan-dec"),
        ("* * * foo *", "month value \"foo\" is not valid; use 1-12 or jan-dec"),
        ("* * * * 8", "day-of-week value 8 is out of range; use 0-7 (0 and 7 are sunday) or sun-sat"),
        ("* * * * monday", "day-of-week value \"monday\" is not valid; use 0-7 (0 and 7 are sunday) or sun-sat"),
        ("*/0 * * * *", "minute step \"0\" is not valid; write a whole number of at least 1 after \"/\", as in \"*/15\""),
        ("*/x * * * *", "minute step \"x\" is not valid; write a whole number of at least 1 after \"/\", as in \"*/15\""),
        ("* 23-2 * * *", "hour range \"23-2\" runs backwards; write the smaller value first, as in \"1-5\", or list both ends, as in \"22-23,0-2\""),
        ("1,,2 * * * *", "minute \"1,,2\" has an empty list item; separate values with single commas, as in \"0,15,30\""),
    ];
    for (expr, message) in cases {
        let error: CronError = CronSchedule::parse(expr, TimeZone::UTC).expect_err(expr);
        assert_eq!(error.to_string(), message, "{expr}");
    }
}
