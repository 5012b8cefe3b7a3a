//! CSV columns: dotted paths into a record, such as `jwt_configuration.alg` or `callbacks.0`.

use std::fmt;

/// Why a column path was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ColumnError {
    /// The path is empty or only spaces.
    #[error(
        "a csv column is empty: write a field name such as \"name\" or \"jwt_configuration.alg\""
    )]
    Empty,
    /// Two dots in a row, or a dot at either end.
    #[error(
        "csv column {column:?} has an empty part: separate field names with single dots, as in \"jwt_configuration.alg\""
    )]
    EmptySegment {
        /// The column as written.
        column: String,
    },
    /// Spaces around the path, which are almost always a typo.
    #[error("csv column {column:?} has spaces around it: remove them")]
    Padded {
        /// The column as written.
        column: String,
    },
}

/// One step of a column path: an object key, which may also index an array when numeric.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Segment {
    /// The key as written.
    pub(crate) key: String,
    /// The array index this segment selects, when it is a plain decimal number.
    pub(crate) index: Option<usize>,
}

/// A checked CSV column: a dotted path; numeric parts also index arrays (`callbacks.0`).
#[derive(Clone, PartialEq, Eq)]
pub struct Column {
    /// The path as written, used for the header row.
    text: String,
    /// The path split at dots.
    segments: Vec<Segment>,
}

impl Column {
    /// Parses a dotted path such as `name`, `jwt_configuration.alg` or `callbacks.0`.
    pub fn parse(text: &str) -> Result<Column, ColumnError> {
        if text.trim().is_empty() {
            return Err(ColumnError::Empty);
        }
        if text.trim() != text {
            return Err(ColumnError::Padded {
                column: text.to_owned(),
            });
        }
        let segments = text
            .split('.')
            .map(|key| parse_segment(text, key))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Column {
            text: text.to_owned(),
            segments,
        })
    }

    /// The path as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The path split at dots.
    pub(crate) fn segments(&self) -> &[Segment] {
        &self.segments
    }
}

fn parse_segment(column: &str, key: &str) -> Result<Segment, ColumnError> {
    if key.is_empty() {
        return Err(ColumnError::EmptySegment {
            column: column.to_owned(),
        });
    }
    let is_index = key.bytes().all(|b| b.is_ascii_digit()) && (key == "0" || !key.starts_with('0'));
    Ok(Segment {
        key: key.to_owned(),
        index: if is_index { key.parse().ok() } else { None },
    })
}

impl fmt::Debug for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Column({:?})", self.text)
    }
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::str::FromStr for Column {
    type Err = ColumnError;

    fn from_str(text: &str) -> Result<Column, ColumnError> {
        Column::parse(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dotted_path_splits_into_keys_and_numeric_parts_index_arrays() {
        let column = Column::parse("callbacks.0.url").unwrap();
        assert_eq!(column.as_str(), "callbacks.0.url");
        let parts: Vec<_> = column
            .segments()
            .iter()
            .map(|s| (s.key.as_str(), s.index))
            .collect();
        assert_eq!(parts, [("callbacks", None), ("0", Some(0)), ("url", None)]);
    }

    #[test]
    fn numbers_with_leading_zeros_are_keys_only() {
        let column = Column::parse("a.007").unwrap();
        assert_eq!(column.segments()[1].index, None);
        assert_eq!(Column::parse("a.10").unwrap().segments()[1].index, Some(10));
    }

    #[test]
    fn empty_paths_and_empty_parts_are_rejected_with_a_hint() {
        assert_eq!(Column::parse(""), Err(ColumnError::Empty));
        assert_eq!(Column::parse("  "), Err(ColumnError::Empty));
        for bad in ["a..b", ".a", "a."] {
            let err = Column::parse(bad).unwrap_err();
            assert!(matches!(err, ColumnError::EmptySegment { .. }), "{bad}");
            assert!(err.to_string().contains("single dots"), "{err}");
        }
        assert!(matches!(
            Column::parse(" name"),
            Err(ColumnError::Padded { .. })
        ));
    }
}
