//! The JSON and NDJSON writers. Both take a record's JSON text (already redacted, see
//! [`Redactor`](super::Redactor)) and copy it unchanged.
//!
//! JSON is an array with one record a line, so snapshots diff well: `[\n`, the records joined
//! by `,\n`, then `\n]\n`; an empty export is `[]\n`. NDJSON is one record a line; a record
//! that spans lines (pretty-printed input) loses its line breaks, which are only whitespace.

use std::io::{self, Write};

/// Writes records as one JSON array into any [`io::Write`].
#[derive(Debug)]
pub(crate) struct JsonWriter<W: Write> {
    /// Where the document goes.
    out: W,
    /// Whether a record has been written (and so the opening bracket).
    started: bool,
}

impl<W: Write> JsonWriter<W> {
    /// Starts an array on `out`; nothing is written before the first record.
    pub(crate) fn new(out: W) -> Self {
        Self {
            out,
            started: false,
        }
    }

    /// Appends one record's JSON text.
    pub(crate) fn write_record(&mut self, record: &[u8]) -> io::Result<()> {
        let separator: &[u8] = if self.started { b",\n" } else { b"[\n" };
        self.started = true;
        self.out.write_all(separator)?;
        self.out.write_all(record)
    }

    /// Closes the array, flushes, and hands back the underlying writer.
    pub(crate) fn finish(mut self) -> io::Result<W> {
        let closing: &[u8] = if self.started { b"\n]\n" } else { b"[]\n" };
        self.out.write_all(closing)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Writes records as newline-delimited JSON into any [`io::Write`].
#[derive(Debug)]
pub(crate) struct NdjsonWriter<W: Write> {
    /// Where the lines go.
    out: W,
}

impl<W: Write> NdjsonWriter<W> {
    /// Starts writing lines to `out`.
    pub(crate) fn new(out: W) -> Self {
        Self { out }
    }

    /// Appends one record as a line.
    pub(crate) fn write_record(&mut self, record: &[u8]) -> io::Result<()> {
        if record.contains(&b'\n') || record.contains(&b'\r') {
            // Outside strings only: JSON strings cannot hold raw line breaks.
            for line in record.split(|&b| b == b'\n' || b == b'\r') {
                self.out.write_all(line)?;
            }
        } else {
            self.out.write_all(record)?;
        }
        self.out.write_all(b"\n")
    }

    /// Flushes and hands back the underlying writer.
    pub(crate) fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECORDS: [&str; 3] = [r#"{"b":1,"a":"x"}"#, r#"{"nested":{"z":[1,2]}}"#, "{}"];

    #[test]
    fn the_json_file_is_the_records_one_a_line_in_an_array() {
        let mut writer = JsonWriter::new(Vec::new());
        for record in RECORDS {
            writer.write_record(record.as_bytes()).unwrap();
        }
        let out = String::from_utf8(writer.finish().unwrap()).unwrap();
        assert_eq!(out, format!("[\n{}\n]\n", RECORDS.join(",\n")));
        let parsed: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(parsed.as_array().unwrap().len(), 3);
    }

    #[test]
    fn an_empty_export_is_an_empty_json_array() {
        let out = JsonWriter::new(Vec::new()).finish().unwrap();
        assert_eq!(out, b"[]\n");
    }

    #[test]
    fn ndjson_is_one_record_a_line_even_for_pretty_printed_input() {
        let mut writer = NdjsonWriter::new(Vec::new());
        for record in RECORDS {
            writer.write_record(record.as_bytes()).unwrap();
        }
        writer.write_record(b"{\r\n  \"a\": 1\n}").unwrap();
        let out = String::from_utf8(writer.finish().unwrap()).unwrap();
        assert_eq!(out, format!("{}\n{{  \"a\": 1}}\n", RECORDS.join("\n")));
    }
}
