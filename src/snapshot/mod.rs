//! (stand-in) The output vocabulary of the `snapshot` module, reduced to what `jobs` needs.
//! The integrator replaces this file with the real module.

/// A snapshot file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON array.
    Json,
    /// One JSON record a line.
    Ndjson,
    /// A header row of column paths, then one row per record.
    Csv,
}

impl Format {
    /// Parses the job-file spelling (`"json"`, `"ndjson"`, `"csv"`).
    pub fn from_name(name: &str) -> Option<Format> {
        match name {
            "json" => Some(Format::Json),
            "ndjson" => Some(Format::Ndjson),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }

    /// The job-file spelling, also the file extension.
    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Ndjson => "ndjson",
            Format::Csv => "csv",
        }
    }
}

/// A dotted path into a record (`"jwt_configuration.alg"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column(String);

impl Column {
    /// Checks a column path: no empty segments, no whitespace.
    pub fn parse(text: &str) -> Result<Column, ColumnError> {
        if text.is_empty() {
            return Err(ColumnError("a column cannot be empty".to_owned()));
        }
        if text.chars().any(char::is_whitespace) {
            return Err(ColumnError(format!(
                "column \"{text}\" contains whitespace"
            )));
        }
        if text.split('.').any(str::is_empty) {
            return Err(ColumnError(format!(
                "column \"{text}\" has an empty segment"
            )));
        }
        Ok(Column(text.to_owned()))
    }

    /// The path as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why a column path was rejected.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ColumnError(pub String);

/// What a job writes and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputSpec {
    /// The formats, each once.
    pub formats: Vec<Format>,
    /// The CSV columns.
    pub columns: Vec<Column>,
    /// Snapshots kept per job; 0 keeps all.
    pub keep: u32,
    /// Replace secret fields with `"[REDACTED]"`.
    pub redact: bool,
    /// Neutralise CSV cells a spreadsheet would run as formulas.
    pub neutralise_formulas: bool,
}
