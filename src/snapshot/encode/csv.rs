//! The CSV writer: a header row of column paths, then one row per record.
//!
//! Strings are written as they are, numbers and booleans as their JSON text, `null` and
//! missing paths as empty cells, arrays and objects as compact JSON (redacted like the JSON
//! file). A string a spreadsheet would run as a formula gets a leading `'`. Numbers are left
//! alone: `-5` is data, not a formula. Buffers are reused, so a row allocates nothing unless
//! a string holds escapes.

use std::io::{self, Write};

use serde_json::value::RawValue;

use super::column::Column;
use super::lookup::{Cell, ColumnTree};
use super::raw::{Kind, kind, minify_into, string_text};
use super::redact::{REDACTED, redact_into};
use crate::secret_fields::{Secrecy, may_hold_secrets};

/// The csv crate's buffer size; large enough that writes to disk are few.
const BUFFER_CAPACITY: usize = 64 * 1024;

/// Writes records as CSV rows into any [`io::Write`].
pub struct CsvWriter<W: Write> {
    /// The csv crate's writer, which quotes and buffers.
    writer: csv::Writer<W>,
    /// Where each column's value sits in a record.
    tree: ColumnTree,
    /// Whether secret fields are redacted.
    redact: bool,
    /// Whether formula-like strings get a leading `'`.
    neutralise: bool,
    /// The cells of the current row; kept between rows for its allocation only.
    cells: Vec<Cell<'static>>,
    /// Scratch space for a cell that is built rather than borrowed.
    cell: Vec<u8>,
    /// Scratch space for a redacted array or object.
    redacted: Vec<u8>,
}

impl<W: Write> CsvWriter<W> {
    /// Starts a CSV document on `out` and writes its header row (the column paths as written).
    pub fn new(out: W, columns: &[Column], redact: bool, neutralise: bool) -> io::Result<Self> {
        let mut writer = csv::WriterBuilder::new()
            .buffer_capacity(BUFFER_CAPACITY)
            .from_writer(out);
        writer
            .write_record(columns.iter().map(Column::as_str))
            .map_err(into_io)?;
        Ok(Self {
            writer,
            tree: ColumnTree::new(columns),
            redact,
            neutralise,
            cells: Vec::new(),
            cell: Vec::new(),
            redacted: Vec::new(),
        })
    }

    /// Writes one record as a row.
    pub fn write_record(&mut self, record: &RawValue) -> io::Result<()> {
        let mut cells = recycle(std::mem::take(&mut self.cells));
        self.tree.resolve(record.get(), self.redact, &mut cells)?;
        for cell in &cells {
            self.write_cell(*cell)?;
        }
        self.cells = recycle(cells);
        self.writer.write_record(None::<&[u8]>).map_err(into_io)
    }

    /// Flushes the rows and hands back the underlying writer.
    pub fn finish(self) -> io::Result<W> {
        self.writer.into_inner().map_err(|error| error.into_error())
    }

    fn write_cell(&mut self, cell: Cell<'_>) -> io::Result<()> {
        let (value, secrecy) = match cell {
            Cell::Missing => return self.field(b""),
            Cell::Redacted => return self.field(REDACTED.as_bytes()),
            Cell::Value(value, secrecy) => (value.get(), secrecy),
        };
        match kind(value) {
            Kind::Null => self.field(b""),
            Kind::Scalar => self.field(value.trim().as_bytes()),
            Kind::String => self.write_string(value),
            Kind::Object | Kind::Array => self.write_compound(value, secrecy),
        }
    }

    fn write_string(&mut self, value: &str) -> io::Result<()> {
        let text = string_text(value)?;
        if self.neutralise && looks_like_formula(&text) {
            self.cell.clear();
            self.cell.push(b'\'');
            self.cell.extend_from_slice(text.as_bytes());
            let cell = std::mem::take(&mut self.cell);
            let written = self.field(&cell);
            self.cell = cell;
            written
        } else {
            self.field(text.as_bytes())
        }
    }

    /// An array or object cell, `value` judged with `secrecy` as in the JSON file.
    fn write_compound(&mut self, value: &str, secrecy: Secrecy) -> io::Result<()> {
        let mut json = value.as_bytes();
        if self.redact && (secrecy != Secrecy::Plain || may_hold_secrets(value)) {
            self.redacted.clear();
            if redact_into(value, secrecy, &mut self.redacted)? {
                json = &self.redacted;
            }
        }
        self.cell.clear();
        minify_into(json, &mut self.cell);
        let cell = std::mem::take(&mut self.cell);
        let written = self.field(&cell);
        self.cell = cell;
        written
    }

    fn field(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.writer.write_field(bytes).map_err(into_io)
    }
}

/// Whether a spreadsheet would run this text as a formula (or a DDE command).
pub(crate) fn looks_like_formula(text: &str) -> bool {
    matches!(
        text.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

/// Empties a vector of cells and lends its allocation to cells of another lifetime.
///
/// The in-place `collect` reuses the buffer because both element types have the same layout,
/// so rows allocate nothing once the first one has sized it.
fn recycle<'b>(mut cells: Vec<Cell<'_>>) -> Vec<Cell<'b>> {
    cells.clear();
    cells.into_iter().map(|_| Cell::Missing).collect()
}

fn into_io(error: csv::Error) -> io::Error {
    match error.into_kind() {
        csv::ErrorKind::Io(error) => error,
        other => io::Error::other(format!("csv writer failed: {other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv_of(records: &[&str], columns: &[&str], redact: bool, neutralise: bool) -> String {
        let columns: Vec<_> = columns.iter().map(|c| Column::parse(c).unwrap()).collect();
        let mut writer = CsvWriter::new(Vec::new(), &columns, redact, neutralise).unwrap();
        for record in records {
            writer
                .write_record(&RawValue::from_string((*record).to_owned()).unwrap())
                .unwrap();
        }
        String::from_utf8(writer.finish().unwrap()).unwrap()
    }

    #[test]
    fn cells_follow_the_value_kinds() {
        let record =
            r#"{"s":"plain","n":-1.5e2,"t":true,"z":null,"arr":[1, "a"],"obj":{"k" : {"x":[]}}}"#;
        let out = csv_of(
            &[record],
            &["s", "n", "t", "z", "arr", "obj", "missing"],
            true,
            true,
        );
        assert_eq!(
            out,
            "s,n,t,z,arr,obj,missing\nplain,-1.5e2,true,,\"[1,\"\"a\"\"]\",\"{\"\"k\"\":{\"\"x\"\":[]}}\",\n"
        );
    }

    #[test]
    fn nested_paths_and_array_indexes_become_columns() {
        let record = r#"{"client_id":"c1","jwt_configuration":{"alg":"RS256"},"callbacks":["https://a","https://b"]}"#;
        let out = csv_of(
            &[record, r#"{"client_id":"c2"}"#],
            &["client_id", "jwt_configuration.alg", "callbacks.1"],
            true,
            true,
        );
        assert_eq!(
            out,
            "client_id,jwt_configuration.alg,callbacks.1\nc1,RS256,https://b\nc2,,\n"
        );
    }

    #[test]
    fn commas_quotes_newlines_and_escapes_are_quoted_for_csv() {
        let record = r#"{"a":"x, y","b":"say \"hi\"","c":"line1\nline2","d":"caf\u00e9"}"#;
        let out = csv_of(&[record], &["a", "b", "c", "d"], true, true);
        assert_eq!(
            out,
            "a,b,c,d\n\"x, y\",\"say \"\"hi\"\"\",\"line1\nline2\",café\n"
        );
    }

    #[test]
    fn formula_like_strings_are_neutralised_unless_turned_off() {
        let record =
            r#"{"a":"=1+2","b":"+x","c":"-x","d":"@SUM(A1)","e":"\tx","f":"\rx","g":"a=b","n":-5}"#;
        let columns = ["a", "b", "c", "d", "e", "f", "g", "n"];
        let out = csv_of(&[record], &columns, true, true);
        assert_eq!(
            out.lines().nth(1).unwrap(),
            "'=1+2,'+x,'-x,'@SUM(A1),'\tx,\"'\rx\",a=b,-5"
        );
        let raw = csv_of(&[record], &columns, true, false);
        assert_eq!(
            raw.lines().nth(1).unwrap(),
            "=1+2,+x,-x,@SUM(A1),\tx,\"\rx\",a=b,-5"
        );
    }

    #[test]
    fn secrets_are_redacted_in_cells_unless_redaction_is_off() {
        let record = r#"{"client_secret":"s","options":{"app_secret":"x","k":1}}"#;
        let out = csv_of(&[record], &["client_secret", "options"], true, true);
        assert_eq!(
            out,
            "client_secret,options\n[REDACTED],\"{\"\"app_secret\"\":\"\"[REDACTED]\"\",\"\"k\"\":1}\"\n"
        );
        let kept = csv_of(&[record], &["client_secret"], false, true);
        assert_eq!(kept, "client_secret\ns\n");
    }

    #[test]
    fn a_cell_holding_a_list_under_a_secret_name_redacts_its_items() {
        let record = r#"{"password":["p1","p2"],"refresh_token":{"token_lifetime":60}}"#;
        let out = csv_of(&[record], &["password", "refresh_token"], true, true);
        assert_eq!(
            out,
            "password,refresh_token\n\"[\"\"[REDACTED]\"\",\"\"[REDACTED]\"\"]\",\"{\"\"token_lifetime\"\":60}\"\n"
        );
    }

    #[test]
    fn a_single_empty_cell_and_an_empty_export_still_make_valid_csv() {
        assert_eq!(csv_of(&[r#"{}"#], &["a"], true, true), "a\n\"\"\n");
        assert_eq!(csv_of(&[], &["a", "b.c"], true, true), "a,b.c\n");
    }
}
