//! The export file, decompressed as it arrives: gzip members in, whole NDJSON lines out as
//! records. Fed chunk by chunk from the download, it holds at most one chunk's worth of
//! decompressed text and one partial line, whatever the size of the file.

use std::io::{self, Write};

use flate2::write::MultiGzDecoder;
use serde_json::value::RawValue;

/// Why the file is not gzipped NDJSON of objects.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LinesError {
    /// The bytes are not gzip, or the gzip is damaged.
    #[error("the file is not valid gzip ({0})")]
    Gzip(io::Error),
    /// A line is not a JSON object.
    #[error("line {line} is not a json object ({detail}); it starts: {snippet}")]
    NotAnObject {
        /// The 1-based line number.
        line: u64,
        /// What the parser said.
        detail: String,
        /// The first bytes of the line.
        snippet: String,
    },
}

/// Gunzips and splits an export file fed in chunks.
pub(super) struct GzLines {
    decoder: MultiGzDecoder<Pending>,
}

/// Decompressed bytes not yet cut into lines.
#[derive(Default)]
struct Pending {
    bytes: Vec<u8>,
}

impl Write for Pending {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Default for GzLines {
    fn default() -> Self {
        Self {
            decoder: MultiGzDecoder::new(Pending::default()),
        }
    }
}

impl GzLines {
    /// Feeds one compressed chunk; returns the records of the lines it completed.
    pub(super) fn feed(
        &mut self,
        chunk: &[u8],
        lines: &mut u64,
    ) -> Result<Vec<Box<RawValue>>, LinesError> {
        self.decoder.write_all(chunk).map_err(LinesError::Gzip)?;
        let pending = &mut self.decoder.get_mut().bytes;
        let Some(end) = pending.iter().rposition(|&byte| byte == b'\n') else {
            return Ok(Vec::new());
        };
        let records = parse_lines(&pending[..end], lines)?;
        pending.drain(..=end);
        Ok(records)
    }

    /// Ends the file: checks the gzip trailer and returns the records of a last line without
    /// a line break.
    pub(super) fn finish(mut self, lines: &mut u64) -> Result<Vec<Box<RawValue>>, LinesError> {
        self.decoder.try_finish().map_err(LinesError::Gzip)?;
        let pending = self.decoder.finish().map_err(LinesError::Gzip)?;
        parse_lines(&pending.bytes, lines)
    }
}

fn parse_lines(text: &[u8], lines: &mut u64) -> Result<Vec<Box<RawValue>>, LinesError> {
    let mut records = Vec::new();
    for line in text.split(|&byte| byte == b'\n') {
        *lines += 1;
        let line = line.trim_ascii();
        if line.is_empty() {
            continue;
        }
        let not_object = |detail: String| LinesError::NotAnObject {
            line: *lines,
            detail,
            snippet: crate::api::error::snippet(line),
        };
        let record: Box<RawValue> =
            serde_json::from_slice(line).map_err(|error| not_object(error.to_string()))?;
        if !record.get().starts_with('{') {
            return Err(not_object("not an object".to_owned()));
        }
        records.push(record);
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::Compression;
    use flate2::write::GzEncoder;

    use super::*;

    fn gzip(text: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(text).unwrap();
        encoder.finish().unwrap()
    }

    fn read_in_chunks(file: &[u8], size: usize) -> Result<Vec<String>, LinesError> {
        let mut lines = GzLines::default();
        let mut count = 0;
        let mut records = Vec::new();
        for chunk in file.chunks(size) {
            records.extend(lines.feed(chunk, &mut count)?);
        }
        records.extend(lines.finish(&mut count)?);
        Ok(records.iter().map(|r| r.get().to_owned()).collect())
    }

    #[test]
    fn records_come_out_whole_however_the_file_is_cut() {
        let text =
            b"{\"user_id\":\"a\"}\n\n{\"user_id\":\"b\",\"n\":\"x\\ny\"}\n{\"user_id\":\"c\"}";
        let mut file = gzip(text);
        file.extend(gzip(b"\n{\"user_id\":\"d\"}\n"));
        for size in [1, 7, 64, file.len()] {
            let records = read_in_chunks(&file, size).unwrap();
            assert_eq!(records.len(), 4, "chunks of {size}");
            assert_eq!(records[1], r#"{"user_id":"b","n":"x\ny"}"#);
        }
    }

    #[test]
    fn damaged_files_and_lines_that_are_not_objects_are_errors() {
        assert!(matches!(
            read_in_chunks(b"plain text", 4),
            Err(LinesError::Gzip(_))
        ));
        let truncated = gzip(b"{\"a\":1}\n{\"b\":2}\n");
        assert!(read_in_chunks(&truncated[..truncated.len() - 6], 8).is_err());
        let error = read_in_chunks(&gzip(b"{\"a\":1}\n[1]\n"), 8).unwrap_err();
        assert!(
            error.to_string().starts_with("line 2 is not a json object"),
            "{error}"
        );
    }
}
