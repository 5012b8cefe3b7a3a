//! One snapshot file in progress: a format writer streaming into a temporary file, then
//! flushed, synced and renamed to its final name.

use std::fs::File;
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};

use serde_json::value::RawValue;

use super::encode::{CsvWriter, JsonWriter, NdjsonWriter};
use super::error::{IoContext, SnapshotError};
use super::files::{Access, HashingWriter, WrittenFile};
use super::format::Format;
use super::spec::OutputSpec;
use crate::atomic_file::TempPath;

/// The buffer between the JSON writers and the file.
const BUFFER_CAPACITY: usize = 64 * 1024;

/// The file end of every writer: bytes are counted and hashed on their way to disk.
type FileSink = HashingWriter<File>;

/// A format writer bound to its file.
enum Encoder {
    Json(JsonWriter<BufWriter<FileSink>>),
    Ndjson(NdjsonWriter<BufWriter<FileSink>>),
    // The csv crate buffers on its own. Boxed: its state is large and there are few files.
    Csv(Box<CsvWriter<FileSink>>),
}

/// A snapshot file being written under a temporary name.
pub(crate) struct PendingFile {
    /// The writer; dropped before `temp` removes the file.
    writer: Encoder,
    /// The temporary file, removed on drop unless renamed.
    temp: TempPath,
    /// The format written.
    format: Format,
    /// The final path, used in messages too (the temporary name means nothing to users).
    target: PathBuf,
}

impl PendingFile {
    /// Creates `{dir}/{stem}.{ext}`'s temporary file, readable as `access` says, and starts
    /// the document (CSV header).
    pub(crate) fn open(
        dir: &Path,
        stem: &str,
        format: Format,
        spec: &OutputSpec,
        access: Access,
    ) -> Result<Self, SnapshotError> {
        let name = format!("{stem}.{}", format.extension());
        let target = dir.join(&name);
        let (temp, file) = TempPath::create(dir, &name, access.file_mode())?;
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
            temp,
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

    /// Ends the document, flushes it to disk and renames it into place.
    pub(crate) fn persist(self) -> Result<WrittenFile, SnapshotError> {
        let sink = match self.writer {
            Encoder::Json(writer) => writer.finish().and_then(unbuffer),
            Encoder::Ndjson(writer) => writer.finish().and_then(unbuffer),
            Encoder::Csv(writer) => writer.finish(),
        }
        .context("write", &self.target)?;
        let (file, bytes, sha256) = sink.finish();
        file.sync_all().context("flush to disk", &self.target)?;
        drop(file);
        self.temp.persist(&self.target)?;
        let name = self
            .target
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
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
