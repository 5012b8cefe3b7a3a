//! A writer that hashes and counts what passes through it, for the meta file's `sha256` and
//! `bytes`. The temporary files it writes into, and their sweep, are [`crate::atomic_file`]'s.

use std::io::{self, Write};

use sha2::{Digest, Sha256};

/// A writer that counts and hashes (SHA-256) every byte written through it.
#[derive(Debug)]
pub(crate) struct HashingWriter<W> {
    /// Where the bytes go.
    inner: W,
    /// The running hash.
    hasher: Sha256,
    /// How many bytes went through.
    bytes: u64,
}

impl<W: Write> HashingWriter<W> {
    /// Wraps `inner`.
    pub(crate) fn new(inner: W) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    /// The inner writer, the byte count and the lower-case hex SHA-256.
    pub(crate) fn finish(self) -> (W, u64, String) {
        (self.inner, self.bytes, hex::encode(self.hasher.finalize()))
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.hasher.update(&buf[..written]);
        self.bytes += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hashing_writer_counts_and_hashes_what_passes() {
        let mut writer = HashingWriter::new(Vec::new());
        writer.write_all(b"abc").unwrap();
        let (inner, bytes, sha) = writer.finish();
        assert_eq!(inner, b"abc");
        assert_eq!(bytes, 3);
        assert_eq!(
            sha,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
