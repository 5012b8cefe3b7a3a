//! Encoding records: the format writers that turn a stream of records into a JSON array,
//! NDJSON lines or CSV rows ([`JsonWriter`], [`NdjsonWriter`], [`CsvWriter`]), the CSV
//! columns and their lookup in a record, redaction of secret fields, and the raw JSON helpers
//! they share.
//!
//! Every writer here is generic over [`std::io::Write`] and never touches the file system:
//! which file it writes to, under which name and with which mode is the lifecycle's business
//! (`pending_file`, `files`), so a benchmark can measure an encoding alone.

mod column;
mod csv;
mod json;
mod lookup;
pub(super) mod raw;
mod redact;

pub use self::csv::CsvWriter;
pub use column::Column;
pub(super) use json::{JsonWriter, NdjsonWriter};
pub use redact::{REDACTED, Redactor};
