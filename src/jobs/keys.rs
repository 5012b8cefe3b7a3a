//! The keys a job file may hold, top level and `[output]`, in one place: each table's list
//! names the other's keys as misplaced, so a key written in the wrong table gets a hint where
//! it belongs. Only the key lists live here; reading the keys is `parse`'s and `output`'s.

use super::fields::Keys;

/// The top-level keys of a job file (`[output]` included), in the order suggested to users.
const TOP_LEVEL_KEYS: &[&str] = &[
    "schedule",
    "every",
    "timezone",
    "endpoint",
    "for_each",
    "pagination",
    "items",
    "params",
    "redact",
    "incremental",
    "since",
    "mode",
    "changes",
    "identity",
    "output",
];

/// The keys of the `[output]` table.
const OUTPUT_KEYS: &[&str] = &["format", "columns", "keep", "keep_for", "csv_formula_guard"];

/// The top level: an `[output]` key written there is sent below the `[output]` line.
pub(super) const TOP_LEVEL: Keys = Keys {
    known: TOP_LEVEL_KEYS,
    misplaced: OUTPUT_KEYS,
    misplaced_hint: "belongs in the [output] table; move it below the [output] line",
};

/// The `[output]` table: a top-level key written there is sent above the `[output]` line.
pub(super) const OUTPUT: Keys = Keys {
    known: OUTPUT_KEYS,
    misplaced: TOP_LEVEL_KEYS,
    misplaced_hint: "is a top-level key; move it above the [output] line",
};
