//! The raw side of a job file: a parsed TOML table read key by key with the expected type,
//! and the list of problems found so far. Every key read is taken out of the table, so what
//! is left at the end are the unknown keys, reported with a hint when one is close.

use std::path::Path;

use toml::{Table, Value};

use super::Problem;

/// The problems found in one job file so far.
#[derive(Debug)]
pub(super) struct Problems<'f> {
    /// The job file every problem is about.
    file: &'f Path,
    /// The problems, in the order they were found.
    list: Vec<Problem>,
}

impl<'f> Problems<'f> {
    pub(super) fn new(file: &'f Path) -> Self {
        Self {
            file,
            list: Vec::new(),
        }
    }

    /// A problem with one key.
    pub(super) fn at(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.push(Some(key.into()), message.into());
    }

    /// A problem with the file as a whole.
    pub(super) fn whole_file(&mut self, message: impl Into<String>) {
        self.push(None, message.into());
    }

    fn push(&mut self, key: Option<String>, message: String) {
        self.list.push(Problem {
            file: self.file.to_path_buf(),
            key,
            message,
        });
    }

    /// Where the next problem would go, for [`Problems::at_mark`].
    pub(super) fn mark(&self) -> Mark {
        Mark(self.list.len())
    }

    /// A problem with one key, found later but listed where `mark` was taken (problems are
    /// shown in the order of the keys they are about).
    pub(super) fn at_mark(
        &mut self,
        mark: Mark,
        key: impl Into<String>,
        message: impl Into<String>,
    ) {
        let problem = Problem {
            file: self.file.to_path_buf(),
            key: Some(key.into()),
            message: message.into(),
        };
        self.list.insert(mark.0.min(self.list.len()), problem);
    }

    pub(super) fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub(super) fn into_vec(self) -> Vec<Problem> {
        self.list
    }
}

/// A place in the list of problems, from [`Problems::mark`].
#[derive(Debug, Clone, Copy)]
pub(super) struct Mark(usize);

/// Which keys a table accepts, and which keys belong in another table.
#[derive(Debug)]
pub(super) struct Keys {
    /// The keys this table accepts, for suggestions.
    pub known: &'static [&'static str],
    /// Keys that belong elsewhere, and the message that says where.
    pub misplaced: &'static [&'static str],
    /// Where the misplaced keys belong (`"belongs in the [output] table; ..."`).
    pub misplaced_hint: &'static str,
}

/// A TOML table being read; `prefix` is its dotted path (`"output."`) for messages.
#[derive(Debug)]
pub(super) struct Fields {
    /// The keys not read yet.
    table: Table,
    /// The table's dotted path with a trailing dot, or empty for the top level.
    prefix: &'static str,
}

impl Fields {
    pub(super) fn new(table: Table, prefix: &'static str) -> Self {
        Self { table, prefix }
    }

    /// The dotted key of `name` in this table, as messages show it.
    pub(super) fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// Whether the file sets `name`, whatever its type.
    pub(super) fn has(&self, name: &str) -> bool {
        self.table.contains_key(name)
    }

    /// Takes `name` out of the table, whatever its type.
    pub(super) fn take(&mut self, name: &str) -> Option<Value> {
        self.table.remove(name)
    }

    /// Takes a string; any other type is a problem.
    pub(super) fn string(&mut self, name: &str, example: &str, p: &mut Problems) -> Option<String> {
        match self.take(name)? {
            Value::String(text) => Some(text),
            other => self.wrong_type(name, "a string", &other, example, p),
        }
    }

    /// Takes `true` or `false`; any other type is a problem.
    pub(super) fn boolean(&mut self, name: &str, example: &str, p: &mut Problems) -> Option<bool> {
        match self.take(name)? {
            Value::Boolean(flag) => Some(flag),
            other => self.wrong_type(name, "true or false", &other, example, p),
        }
    }

    /// Takes a whole number; any other type is a problem.
    pub(super) fn integer(&mut self, name: &str, example: &str, p: &mut Problems) -> Option<i64> {
        match self.take(name)? {
            Value::Integer(number) => Some(number),
            other => self.wrong_type(name, "a whole number", &other, example, p),
        }
    }

    /// Takes a table; any other type is a problem.
    pub(super) fn table(&mut self, name: &str, example: &str, p: &mut Problems) -> Option<Table> {
        match self.take(name)? {
            Value::Table(table) => Some(table),
            other => self.wrong_type(name, "a table", &other, example, p),
        }
    }

    fn wrong_type<T>(
        &self,
        name: &str,
        expected: &str,
        found: &Value,
        example: &str,
        p: &mut Problems,
    ) -> Option<T> {
        p.at(self.key(name), wrong_type(expected, found, example));
        None
    }

    /// Reports every key left in the table as unknown, with a hint where one helps.
    pub(super) fn report_unknown(self, keys: &Keys, p: &mut Problems) {
        for name in self.table.keys() {
            let message = if keys.misplaced.contains(&name.as_str()) {
                keys.misplaced_hint.to_owned()
            } else if let Some(close) = closest(name, keys.known) {
                format!("unknown key; did you mean \"{close}\"?")
            } else {
                format!(
                    "unknown key; remove it (known keys: {})",
                    keys.known.join(", ")
                )
            };
            p.at(format!("{}{name}", self.prefix), message);
        }
    }
}

/// "expected X, found Y; write it as in EXAMPLE".
pub(super) fn wrong_type(expected: &str, found: &Value, example: &str) -> String {
    format!(
        "expected {expected}, found {}; write it as in {example}",
        kind(found)
    )
}

/// A TOML value's type, as a message says it.
pub(super) fn kind(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "a string",
        Value::Integer(_) => "an integer",
        Value::Float(_) => "a decimal number",
        Value::Boolean(_) => "true or false",
        Value::Datetime(_) => "a date-time",
        Value::Array(_) => "an array",
        Value::Table(_) => "a table",
    }
}

/// The known key closest to a misspelt one, if it is close enough to be a typo.
fn closest<'k>(name: &str, known: &[&'k str]) -> Option<&'k str> {
    let limit = if name.chars().count() <= 4 { 1 } else { 2 };
    known
        .iter()
        .map(|candidate| (edit_distance(name, candidate), *candidate))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// The Levenshtein distance between two short strings.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, a_char) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, b_char) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(a_char != *b_char);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}
