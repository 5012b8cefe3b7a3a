//! CSV columns: dotted paths into a record, such as `jwt_configuration.alg` or `callbacks.0`,
//! with array indexes also written in brackets (`identities[0].connection`, the spelling Auth0
//! uses for the fields of a users export).
//!
//! This module only parses and spells paths; reading them in a record is [`super::lookup`]'s.

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
    /// A bracket that is not a whole-number index after a field name.
    #[error(
        "csv column {column:?} has a bad array index: write it as a whole number in brackets after a field name, as in \"identities[0].connection\" (or \"identities.0.connection\")"
    )]
    BadIndex {
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
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Segment {
    /// The key as written.
    pub(crate) key: String,
    /// The array index this segment selects, when it is a plain decimal number.
    pub(crate) index: Option<usize>,
}

/// A checked CSV column: a dotted path; numeric parts also index arrays (`callbacks.0`), and so
/// do whole numbers in brackets (`callbacks[0]`), which are the same path.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Column {
    /// The path as written, used for the header row.
    text: String,
    /// The path split at dots.
    segments: Vec<Segment>,
}

impl Column {
    /// Parses a dotted path such as `name`, `jwt_configuration.alg`, `callbacks.0` or
    /// `identities[0].connection`.
    pub fn parse(text: &str) -> Result<Column, ColumnError> {
        if text.trim().is_empty() {
            return Err(ColumnError::Empty);
        }
        if text.trim() != text {
            return Err(ColumnError::Padded {
                column: text.to_owned(),
            });
        }
        let mut segments = Vec::new();
        for part in text.split('.') {
            parse_part(text, part, &mut segments)?;
        }
        Ok(Column {
            text: text.to_owned(),
            segments,
        })
    }

    /// The path as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The path split at dots and brackets.
    pub(crate) fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// The path with its array indexes in brackets (`identities.0.connection` and
    /// `identities[0].connection` are both `identities[0].connection`): how Auth0 names the
    /// fields of a users export (`{"name": "identities[0].connection"}` in Auth0's "Bulk User
    /// Exports", <https://auth0.com/docs/manage-users/user-migration/bulk-user-exports>).
    pub fn bracketed(&self) -> String {
        let mut text = String::with_capacity(self.text.len());
        for (position, segment) in self.segments.iter().enumerate() {
            match segment.index {
                Some(index) if position > 0 => text.push_str(&format!("[{index}]")),
                _ => {
                    if position > 0 {
                        text.push('.');
                    }
                    text.push_str(&segment.key);
                }
            }
        }
        text
    }

    /// The top-level keys a record may hold this column's value under as one flat key
    /// (`{"app_metadata.plan": "pro"}` rather than `{"app_metadata": {"plan": "pro"}}`): the
    /// path as written and [`Column::bracketed`], for a path of more than one step. Empty for a
    /// one-step path, whose key is the path itself.
    pub(crate) fn flat_keys(&self) -> Vec<String> {
        if self.segments.len() < 2 {
            return Vec::new();
        }
        let bracketed = self.bracketed();
        if bracketed == self.text {
            vec![bracketed]
        } else {
            vec![self.text.clone(), bracketed]
        }
    }
}

/// One dotted part (`identities[0][1]`) into its segments: the key, then each bracketed index.
fn parse_part(column: &str, part: &str, segments: &mut Vec<Segment>) -> Result<(), ColumnError> {
    let (key, mut brackets) = part.split_at(part.find('[').unwrap_or(part.len()));
    if key.contains(']') {
        return Err(bad_index(column));
    }
    segments.push(parse_segment(column, key)?);
    while !brackets.is_empty() {
        let inner = brackets
            .strip_prefix('[')
            .and_then(|rest| rest.split_once(']'))
            .filter(|(digits, _)| is_index(digits));
        let Some((digits, rest)) = inner else {
            return Err(bad_index(column));
        };
        segments.push(Segment {
            key: digits.to_owned(),
            index: digits.parse().ok(),
        });
        brackets = rest;
    }
    Ok(())
}

fn bad_index(column: &str) -> ColumnError {
    ColumnError::BadIndex {
        column: column.to_owned(),
    }
}

/// A plain decimal number without leading zeros.
fn is_index(text: &str) -> bool {
    !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'))
}

fn parse_segment(column: &str, key: &str) -> Result<Segment, ColumnError> {
    if key.is_empty() {
        return Err(ColumnError::EmptySegment {
            column: column.to_owned(),
        });
    }
    Ok(Segment {
        key: key.to_owned(),
        index: if is_index(key) {
            key.parse().ok()
        } else {
            None
        },
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
    fn bracketed_indexes_are_the_same_path_as_dotted_ones_and_spell_auth0_field_names() {
        let bracketed = Column::parse("identities[0].connection").unwrap();
        let dotted = Column::parse("identities.0.connection").unwrap();
        assert_eq!(bracketed.segments(), dotted.segments());
        assert_eq!(bracketed.as_str(), "identities[0].connection");
        assert_eq!(dotted.bracketed(), "identities[0].connection");
        assert_eq!(Column::parse("a[1][2].b").unwrap().bracketed(), "a[1][2].b");
        assert_eq!(
            dotted.flat_keys(),
            ["identities.0.connection", "identities[0].connection"]
        );
        assert_eq!(
            Column::parse("app_metadata.plan").unwrap().flat_keys(),
            ["app_metadata.plan"]
        );
        assert!(Column::parse("email").unwrap().flat_keys().is_empty());
        for bad in ["a[", "a[x]", "a[01]", "a[]", "[0]", "a]0", "a[0]b", "a.[0]"] {
            let err = Column::parse(bad).unwrap_err();
            assert!(
                matches!(
                    err,
                    ColumnError::BadIndex { .. } | ColumnError::EmptySegment { .. }
                ),
                "{bad}: {err:?}"
            );
        }
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
