//! Schedules: cron expressions (through `a0snap::cron`) and `every` intervals (through a job
//! file), each firing strictly later every time.

use a0snap::cron::CronSchedule;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use proptest::prelude::*;

use super::jobs::{load_one, problems};
use super::{config, tricky_text};

/// Cron-looking text: five fields from numbers, names, `*`, ranges, steps and lists, or a
/// macro, or noise.
fn cron_text() -> impl Strategy<Value = String> {
    let atom = prop_oneof![
        Just("*".to_owned()),
        (0u32..70).prop_map(|n| n.to_string()),
        prop::sample::select(vec!["jan", "FEB", "dec", "mon", "Sun", "sat", "L", "?"])
            .prop_map(str::to_owned),
    ];
    let part = (
        atom.clone(),
        prop::option::of(atom),
        prop::option::of(0u32..70),
    )
        .prop_map(|(start, end, step)| {
            let mut part = start;
            if let Some(end) = end {
                part = format!("{part}-{end}");
            }
            if let Some(step) = step {
                part = format!("{part}/{step}");
            }
            part
        });
    let field = prop::collection::vec(part, 1..3).prop_map(|parts| parts.join(","));
    prop_oneof![
        4 => prop::collection::vec(field, 5).prop_map(|fields| fields.join(" ")),
        1 => prop::sample::select(vec!["@hourly", "@daily", "@weekly", "@monthly", "@yearly",
            "@annually", "@midnight", "@reboot", "@every"]).prop_map(str::to_owned),
        1 => tricky_text(),
    ]
}

/// Any instant from 1970 to 2100.
fn instant() -> impl Strategy<Value = Timestamp> {
    (0i64..4_102_444_800).prop_map(|seconds| Timestamp::from_second(seconds).unwrap())
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn a_cron_expression_parses_or_is_refused_and_fires_strictly_later_each_time(
        expression in cron_text(),
        now in instant(),
        zone in prop::sample::select(vec!["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe"]),
    ) {
        let tz = TimeZone::get(zone).unwrap();
        let Ok(schedule) = CronSchedule::parse(&expression, tz) else {
            return Ok(());
        };
        let mut after = now;
        for at in schedule.upcoming(now, 3) {
            prop_assert!(at > after, "{} fired at {} after {}", expression, at, after);
            after = at;
        }
        if let Some(next) = schedule.next_after(now) {
            prop_assert!(next > now);
        }
    }

    #[test]
    fn an_every_interval_parses_or_is_refused_and_fires_strictly_later_each_time(
        every in prop_oneof![
            (0u64..100_000, prop::sample::select(vec!["s", "m", "h", "d", "ms", "w", ""]))
                .prop_map(|(n, unit)| format!("{n}{unit}")),
            (0u64..50, 0u64..200).prop_map(|(h, m)| format!("{h}h{m}m")),
            tricky_text(),
        ],
        now in instant(),
    ) {
        let text = format!(
            "every = {}\nendpoint = \"clients\"\n[output]\nformat = \"json\"\n",
            toml::Value::String(every.clone())
        );
        let (dir, loaded) = load_one(&text);
        match loaded {
            Ok(jobs) => {
                let mut after = now;
                for at in jobs[0].trigger.next_fire_times(now, 3) {
                    prop_assert!(at > after, "every = {:?} fired at {} after {}", every, at, after);
                    after = at;
                }
            }
            Err(error) => {
                let messages = problems(dir.path(), &error);
                prop_assert!(messages.iter().any(|m| m.contains("every")), "{:?}", messages);
            }
        }
    }
}
