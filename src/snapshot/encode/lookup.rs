//! Finding the CSV columns' values in a record without building a `serde_json::Value`.
//!
//! The columns are merged into a tree of path segments once. For each record, only the levels
//! the tree needs are parsed, every matched value is kept as borrowed raw JSON, and everything
//! else is skipped by the parser without allocating.
//!
//! With redaction on, a path follows the rule of [`Secrecy`] exactly as the redacted JSON file
//! does, so a CSV column shows what the JSON shows: `refresh_token.token_lifetime` is found
//! (a secret name holding an object is walked), `client_secret` is redacted, and a path below
//! something redacted (`signing_keys.0.cert`) is missing. It must not decide what is secret
//! itself: that is [`crate::secret_fields`]'s.
//!
//! A column of several steps is also found under one flat top-level key spelling its whole path
//! (`{"app_metadata.plan": "pro"}`), as a users export may write the fields it was asked for;
//! when a record holds both, the flat key wins, since it is the one the export filled.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::column::Column;
use super::raw::{KeySeed, Kind, Skip, kind};
use crate::secret_fields::{Secrecy, secrecy};

/// What a column holds for one record.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Cell<'a> {
    /// The path leads nowhere in this record.
    Missing,
    /// The path ends at a secret value, which redaction replaces.
    Redacted,
    /// The raw JSON value at the path, and the secrecy it is judged with (its field's, or
    /// its array's for an item), so an array or object cell is redacted as the JSON file is.
    Value(&'a RawValue, Secrecy),
}

/// The columns' paths merged into a tree.
#[derive(Debug, Default)]
pub(crate) struct ColumnTree {
    /// The record level.
    root: Node,
    /// How many columns there are.
    width: usize,
    /// The flat top-level keys of the columns of several steps ([`Column::flat_keys`]).
    flat: Vec<FlatKey>,
    /// For each column, whether it has flat keys, so that its nested value does not replace
    /// the flat one.
    has_flat: Vec<bool>,
}

/// A top-level key that holds a whole column's value.
#[derive(Debug)]
struct FlatKey {
    /// The key, such as `app_metadata.plan`.
    key: String,
    /// The column it fills.
    column: usize,
    /// The secrecy the column's path ends with, as the nested walk would judge it: key
    /// material anywhere on the path, else the last field's (an index inherits its array's).
    secrecy: Secrecy,
}

#[derive(Debug, Default)]
struct Node {
    /// The columns that end here.
    columns: Vec<usize>,
    /// The keys (or array indexes) columns continue with.
    children: Vec<Child>,
}

#[derive(Debug)]
struct Child {
    /// The object key this step matches.
    key: String,
    /// The array index this step matches, when the key is a number.
    index: Option<usize>,
    /// Where the path goes from here.
    node: Node,
}

impl ColumnTree {
    /// Merges the columns' paths.
    pub(crate) fn new(columns: &[Column]) -> Self {
        let mut root = Node::default();
        let mut flat = Vec::new();
        let mut has_flat = Vec::with_capacity(columns.len());
        for (position, column) in columns.iter().enumerate() {
            let keys = column.flat_keys();
            has_flat.push(!keys.is_empty());
            let secrecy =
                column
                    .segments()
                    .iter()
                    .fold(Secrecy::Plain, |above, segment| match above {
                        Secrecy::KeyMaterial => above,
                        _ if segment.index.is_some() => above,
                        _ => secrecy(&segment.key),
                    });
            flat.extend(keys.into_iter().map(|key| FlatKey {
                key,
                column: position,
                secrecy,
            }));
            let mut node = &mut root;
            for segment in column.segments() {
                let found = node
                    .children
                    .iter()
                    .position(|child| child.key == segment.key);
                let at = found.unwrap_or_else(|| {
                    node.children.push(Child {
                        key: segment.key.clone(),
                        index: segment.index,
                        node: Node::default(),
                    });
                    node.children.len() - 1
                });
                node = &mut node.children[at].node;
            }
            node.columns.push(position);
        }
        Self {
            root,
            width: columns.len(),
            flat,
            has_flat,
        }
    }

    /// Fills `cells` (resized to one per column) with the record's values.
    pub(crate) fn resolve<'a>(
        &self,
        record: &'a str,
        redact: bool,
        cells: &mut Vec<Cell<'a>>,
    ) -> Result<(), serde_json::Error> {
        cells.clear();
        cells.resize(self.width, Cell::Missing);
        let flat = Flat {
            keys: &self.flat,
            has_flat: &self.has_flat,
        };
        descend(&self.root, flat, record, redact, Secrecy::Plain, cells)
    }
}

/// The flat keys, looked for at the record level only.
#[derive(Debug, Clone, Copy)]
struct Flat<'t> {
    /// The keys looked for here (none below the record level).
    keys: &'t [FlatKey],
    /// Which columns have flat keys.
    has_flat: &'t [bool],
}

/// Fills the cells of `node`'s columns from `json`, the value of a field of `secrecy`.
fn descend<'a>(
    node: &Node,
    flat: Flat<'_>,
    json: &'a str,
    redact: bool,
    secrecy: Secrecy,
    cells: &mut [Cell<'a>],
) -> Result<(), serde_json::Error> {
    if node.children.is_empty() && flat.keys.is_empty() {
        return Ok(());
    }
    let walker = Walker {
        node,
        flat,
        redact,
        secrecy,
        cells,
    };
    let mut deserializer = serde_json::Deserializer::from_str(json);
    match kind(json) {
        Kind::Object => deserializer.deserialize_map(walker),
        Kind::Array => deserializer.deserialize_seq(walker),
        _ => Ok(()),
    }
}

/// Records the values one level of the tree asks for.
struct Walker<'n, 'c, 'a> {
    node: &'n Node,
    flat: Flat<'n>,
    redact: bool,
    /// The secrecy of the value walked, which an array's items inherit.
    secrecy: Secrecy,
    cells: &'c mut [Cell<'a>],
}

impl<'a> Walker<'_, '_, 'a> {
    fn found(
        &mut self,
        child: &Child,
        value: &'a RawValue,
        secrecy: Secrecy,
    ) -> Result<(), serde_json::Error> {
        if self.redact && secrecy.hides(value.get()) {
            // As in the redacted JSON: the field holds a plain string, with nothing below it.
            for &column in &child.node.columns {
                self.cells[column] = Cell::Redacted;
            }
            return Ok(());
        }
        for &column in &child.node.columns {
            // A column with flat keys is filled at most once by its nested path, so a value
            // already there came from its flat key, which wins.
            let flat_filled =
                self.flat.has_flat[column] && matches!(self.cells[column], Cell::Value(..));
            if !flat_filled {
                self.cells[column] = Cell::Value(value, secrecy);
            }
        }
        let below = Flat {
            keys: &[],
            has_flat: self.flat.has_flat,
        };
        descend(
            &child.node,
            below,
            value.get(),
            self.redact,
            secrecy,
            self.cells,
        )
    }

    /// A flat key's value, or redacted as the nested path would be.
    fn found_flat(&mut self, flat: &FlatKey, value: &'a RawValue) {
        self.cells[flat.column] = if self.redact && flat.secrecy.hides(value.get()) {
            Cell::Redacted
        } else {
            Cell::Value(value, flat.secrecy)
        };
    }
}

impl<'a> Visitor<'a> for Walker<'_, '_, 'a> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a json object or array")
    }

    fn visit_map<A: MapAccess<'a>>(mut self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key_seed(KeySeed)? {
            if let Some(child) = self.node.children.iter().find(|child| child.key == key) {
                let value = map.next_value::<&'a RawValue>()?;
                self.found(child, value, secrecy(&key))
                    .map_err(de::Error::custom)?;
                continue;
            }
            let mut flat = self
                .flat
                .keys
                .iter()
                .filter(|flat| flat.key == key)
                .peekable();
            if flat.peek().is_none() {
                map.next_value::<Skip>()?;
                continue;
            }
            let value = map.next_value::<&'a RawValue>()?;
            for flat in flat {
                self.found_flat(flat, value);
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'a>>(mut self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        loop {
            match self
                .node
                .children
                .iter()
                .find(|child| child.index == Some(index))
            {
                Some(child) => match seq.next_element::<&'a RawValue>()? {
                    Some(value) => self
                        .found(child, value, self.secrecy)
                        .map_err(de::Error::custom)?,
                    None => return Ok(()),
                },
                None => {
                    if seq.next_element::<Skip>()?.is_none() {
                        return Ok(());
                    }
                }
            }
            index += 1;
        }
    }
}

#[cfg(test)]
mod tests;
