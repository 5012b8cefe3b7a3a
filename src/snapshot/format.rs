//! The file formats a snapshot can be written in.

use std::fmt;

/// One output format of a snapshot; a job may ask for several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Format {
    /// A JSON array of the records, one record a line.
    Json,
    /// One JSON record a line (newline-delimited JSON).
    Ndjson,
    /// A header row of column paths, then one row per record.
    Csv,
}

impl Format {
    /// Whether a change report can compare this file with the next snapshot's (JSON, NDJSON).
    pub(crate) fn is_comparable(self) -> bool {
        matches!(self, Format::Json | Format::Ndjson)
    }

    /// Every format, in the order files are listed in the meta file.
    pub(crate) const ALL: [Format; 3] = [Format::Json, Format::Ndjson, Format::Csv];

    /// The name used in job files and in the meta file (`"json"`, `"ndjson"`, `"csv"`).
    pub(crate) fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Ndjson => "ndjson",
            Format::Csv => "csv",
        }
    }

    /// The file extension, without the dot.
    pub(crate) fn extension(self) -> &'static str {
        self.name()
    }

    /// Parses a job-file format name; `None` for anything else.
    pub(crate) fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|format| format.name() == name)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_parses_back_from_its_name() {
        for format in Format::ALL {
            assert_eq!(Format::from_name(format.name()), Some(format));
            assert_eq!(format.extension(), format.name());
        }
    }

    #[test]
    fn unknown_or_differently_cased_names_are_rejected() {
        assert_eq!(Format::from_name("xlsx"), None);
        assert_eq!(Format::from_name("JSON"), None);
        assert_eq!(Format::from_name(""), None);
    }
}
