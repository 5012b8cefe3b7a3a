//! Generated inputs (proptest) where the other tests pick examples: CSV cells and column paths
//! read back with the `csv` crate, job files from random TOML, cron expressions and intervals.
//! The pager's property lives with the pager (`src/api/tests/properties.rs`).
//!
//! Every block runs a modest number of cases from a fixed seed, so a run is repeatable and the
//! whole file takes a few seconds; `PROPTEST_CASES` raises the count for a deeper search.

mod csv;
mod jobs;
mod schedules;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

/// `cases` cases from a fixed seed, no regression files (the seed makes runs repeatable).
pub(crate) fn config(cases: u32) -> Config {
    Config {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(cases),
        rng_seed: RngSeed::Fixed(17),
        failure_persistence: None,
        ..Config::default()
    }
}

/// Text with what trips CSV and spreadsheets up: quotes, commas, line breaks, formula starts,
/// control characters and any unicode.
pub(crate) fn tricky_text() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        Just("\"".to_owned()),
        Just(",".to_owned()),
        Just("\n".to_owned()),
        Just("\r\n".to_owned()),
        Just("\r".to_owned()),
        Just("\t".to_owned()),
        Just("=".to_owned()),
        Just("+".to_owned()),
        Just("-".to_owned()),
        Just("@".to_owned()),
        Just("'".to_owned()),
        Just("\\".to_owned()),
        Just("\u{0}".to_owned()),
        Just("\u{1f600}".to_owned()),
        Just("\u{feff}".to_owned()),
        any::<String>(),
        "[a-z ]{0,8}",
    ];
    prop::collection::vec(pieces, 0..6).prop_map(|parts| parts.concat())
}
