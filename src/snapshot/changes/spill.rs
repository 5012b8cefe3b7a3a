//! Where a change report keeps the new text of changed records until the report is written:
//! a temporary file in the job folder (mode 0600, removed when dropped, swept by the next run
//! if the process dies), so memory does not grow with the number of changed records.
//!
//! Each record is its length (4 bytes, little-endian) then its text; it is found again by the
//! offset [`Spill::append`] returned. This module must not interpret the records.

use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;

use crate::atomic_file::{AtomicFileError, FileMode, TempPath};

/// The records of a report, spilled.
#[derive(Debug)]
pub(crate) struct Spill {
    /// Removes the file when the spill is dropped.
    temp: TempPath,
    writer: BufWriter<File>,
    /// Where the next record goes.
    end: u64,
}

impl Spill {
    /// Creates the file in `dir`, named after `label`.
    ///
    /// # Errors
    /// When the file cannot be created.
    pub(crate) fn create(dir: &Path, label: &str) -> Result<Spill, AtomicFileError> {
        let (temp, file) = TempPath::create(dir, label, FileMode::Private)?;
        Ok(Spill {
            temp,
            writer: BufWriter::new(file),
            end: 0,
        })
    }

    /// Appends one record; returns its offset.
    ///
    /// # Errors
    /// When the record is 4 GiB or more, or the file cannot be written.
    pub(crate) fn append(&mut self, text: &[u8]) -> io::Result<u64> {
        let length = u32::try_from(text.len()).map_err(io::Error::other)?;
        self.writer.write_all(&length.to_le_bytes())?;
        self.writer.write_all(text)?;
        let offset = self.end;
        self.end += 4 + u64::from(length);
        Ok(offset)
    }

    /// A reader of the records appended so far.
    ///
    /// # Errors
    /// When the file cannot be flushed or opened again.
    pub(crate) fn reader(&mut self) -> io::Result<SpillReader> {
        self.writer.flush()?;
        Ok(SpillReader {
            file: File::open(self.temp.path())?,
        })
    }

    /// The file's path, for error messages.
    pub(crate) fn path(&self) -> &Path {
        self.temp.path()
    }
}

/// Reads spilled records by offset.
#[derive(Debug)]
pub(crate) struct SpillReader {
    file: File,
}

impl SpillReader {
    /// The record at `offset`, into `out` (cleared first).
    ///
    /// # Errors
    /// When the file cannot be read there.
    pub(crate) fn read(&mut self, offset: u64, out: &mut Vec<u8>) -> io::Result<()> {
        self.file.seek(SeekFrom::Start(offset))?;
        let mut length = [0; 4];
        self.file.read_exact(&mut length)?;
        out.clear();
        out.resize(u32::from_le_bytes(length) as usize, 0);
        self.file.read_exact(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_found_again_by_offset_and_the_file_goes_with_the_spill() {
        let dir = tempfile::tempdir().unwrap();
        let mut spill = Spill::create(dir.path(), "apps.changes.json").unwrap();
        let a = spill.append(b"{\"a\":1}").unwrap();
        let b = spill.append(b"").unwrap();
        let c = spill.append("{\"c\":\"é\"}".as_bytes()).unwrap();
        let mut reader = spill.reader().unwrap();
        let mut out = Vec::new();
        for (offset, text) in [(c, "{\"c\":\"é\"}"), (a, "{\"a\":1}"), (b, "")] {
            reader.read(offset, &mut out).unwrap();
            assert_eq!(out, text.as_bytes());
        }
        let path = spill.path().to_owned();
        assert!(path.exists());
        drop((reader, spill));
        assert!(!path.exists());
    }
}
