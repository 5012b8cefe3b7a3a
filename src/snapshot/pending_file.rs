//! One snapshot file in progress: a format writer streaming into a temporary file, then
//! flushed, synced and renamed to its final name.

use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};

use serde_json::value::RawValue;

use super::encode::{CsvWriter, JsonWriter, NdjsonWriter};
use super::error::{IoContext, SnapshotError};
use super::files::{Access, HashingWriter, WrittenFile};
use super::format::Format;
use super::spec::OutputSpec;
use crate::store::{JobFolder, NewFile};

/// The buffer between the JSON writers and the file.
const BUFFER_CAPACITY: usize = 64 * 1024;

/// The file end of every writer: bytes are counted and hashed on their way to the file (a
/// temporary file, or a multipart upload).
type FileSink = HashingWriter<NewFile>;

/// A format writer bound to its file.
enum Encoder {
    Json(JsonWriter<BufWriter<FileSink>>),
    Ndjson(NdjsonWriter<BufWriter<FileSink>>),
    // The csv crate buffers on its own. Boxed: its state is large and there are few files.
    Csv(Box<CsvWriter<FileSink>>),
}

/// A snapshot file being written, invisible until persisted.
pub(crate) struct PendingFile {
    /// The writer, into the new file (removed or aborted on drop unless persisted).
    writer: Encoder,
    /// The format written.
    format: Format,
    /// The final path, used in messages too (the temporary name means nothing to users).
    target: PathBuf,
}

impl PendingFile {
    /// Creates `{folder}/{stem}.{ext}` (invisible until persisted), readable as `access` says,
    /// and starts the document (CSV header).
    pub(crate) fn open(
        folder: &JobFolder,
        stem: &str,
        format: Format,
        spec: &OutputSpec,
        access: Access,
    ) -> Result<Self, SnapshotError> {
        let name = format!("{stem}.{}", format.extension());
        let target = folder.location(&name);
        let file = folder.create(&name, access.file_mode())?;
        let sink = HashingWriter::new(file);
        let writer = match format {
            Format::Json => Encoder::Json(JsonWriter::new(buffered(sink))),
            Format::Ndjson => Encoder::Ndjson(NdjsonWriter::new(buffered(sink))),
            Format::Csv => Encoder::Csv(Box::new(
                CsvWriter::new(
                    sink,
                    spec.columns(),
                    spec.redact(),
                    spec.neutralise_formulas(),
                )
                .context("write", &target)?,
            )),
        };
        Ok(Self {
            writer,
            format,
            target,
        })
    }

    /// Whether this file wants each record's redacted text (rather than the raw record).
    pub(crate) fn wants_text(&self) -> bool {
        !matches!(self.writer, Encoder::Csv(_))
    }

    /// Appends one record: `text` is its redacted JSON text, used by JSON and NDJSON.
    pub(crate) fn write(&mut self, record: &RawValue, text: &[u8]) -> io::Result<()> {
        match &mut self.writer {
            Encoder::Json(writer) => writer.write_record(text),
            Encoder::Ndjson(writer) => writer.write_record(text),
            Encoder::Csv(writer) => writer.write_record(record),
        }
    }

    /// The final path, for messages.
    pub(crate) fn target(&self) -> &Path {
        &self.target
    }

    /// Ends the document and makes the file visible: flushed to disk and renamed into place,
    /// or its upload completed.
    pub(crate) fn persist(self) -> Result<WrittenFile, SnapshotError> {
        let sink = match self.writer {
            Encoder::Json(writer) => writer.finish().and_then(unbuffer),
            Encoder::Ndjson(writer) => writer.finish().and_then(unbuffer),
            Encoder::Csv(writer) => writer.finish(),
        }
        .context("write", &self.target)?;
        let (file, bytes, sha256) = sink.finish();
        let name = file.name().to_owned();
        file.persist()?;
        Ok(WrittenFile {
            path: self.target,
            name,
            format: self.format,
            bytes,
            sha256,
        })
    }
}

fn buffered(sink: FileSink) -> BufWriter<FileSink> {
    BufWriter::with_capacity(BUFFER_CAPACITY, sink)
}

fn unbuffer(writer: BufWriter<FileSink>) -> io::Result<FileSink> {
    writer.into_inner().map_err(|error| error.into_error())
}
