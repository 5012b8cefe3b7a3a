//! The previous snapshot a change report compares against: the one `latest.meta.json` names,
//! read from its NDJSON file if it has one, else from its JSON file, one record at a time.

use std::fmt;
use std::io::{self, BufRead, BufReader};

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::snapshot::format::Format;
use crate::store::JobFolder;

/// The previous snapshot's data file a report can read: its stem and path.
#[derive(Debug)]
pub(crate) struct PreviousFile {
    /// The stem, as the report names it.
    pub(crate) stem: String,
    /// The NDJSON or JSON file.
    pub(crate) name: String,
    /// Its format.
    pub(crate) format: Format,
}

/// Finds the previous snapshot through `latest.meta.json`, or, while that is away (a run
/// killed while it replaced `latest.*`), through the newest committed snapshot's own meta
/// file: `Ok(None)` when there is none, `Err` with the reason when there is one a report
/// cannot read.
pub(crate) fn previous_file(folder: &JobFolder) -> Result<Option<PreviousFile>, String> {
    let (name, text) = match crate::snapshot::latest_meta(folder, &folder.job_name()) {
        Ok(Some(found)) => found,
        Ok(None) => return Ok(None),
        Err((name, error)) => {
            let path = folder.location(&name);
            return Err(format!("{} cannot be read: {error}", path.display()));
        }
    };
    let path = folder.location(&name);
    let meta: serde_json::Value = serde_json::from_slice(&text)
        .map_err(|error| format!("{} is not valid json: {error}", path.display()))?;
    let files = meta["files"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let pick = |format: Format| {
        files.iter().find_map(|file| {
            let name = file["name"].as_str()?;
            (file["format"].as_str() == Some(format.name())).then(|| PreviousFile {
                stem: name
                    .strip_suffix(&format!(".{}", format.extension()))
                    .unwrap_or(name)
                    .to_owned(),
                name: name.to_owned(),
                format,
            })
        })
    };
    match pick(Format::Ndjson).or_else(|| pick(Format::Json)) {
        Some(file) => Ok(Some(file)),
        None => Err(format!(
            "the previous snapshot ({}) has no json or ndjson file to compare against",
            meta["job"].as_str().unwrap_or("?")
        )),
    }
}

/// Calls `each` with the JSON text of every record of the previous snapshot's file.
pub(crate) fn read_records(
    folder: &JobFolder,
    file: &PreviousFile,
    mut each: impl FnMut(&str) -> Result<(), serde_json::Error>,
) -> Result<(), String> {
    let path = folder.location(&file.name);
    let reader = folder
        .open(&file.name)
        .map(|reader| BufReader::with_capacity(256 * 1024, reader))
        .map_err(|error| format!("{} cannot be read: {error}", path.display()))?;
    let result = match file.format {
        Format::Json => read_json(reader, &mut each),
        _ => read_ndjson(reader, &mut each),
    };
    result.map_err(|error| format!("{} cannot be read: {error}", path.display()))
}

fn read_ndjson(
    mut reader: impl BufRead,
    each: &mut impl FnMut(&str) -> Result<(), serde_json::Error>,
) -> io::Result<()> {
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        if !line.trim().is_empty() {
            each(line.trim_end()).map_err(io::Error::other)?;
        }
    }
}

fn read_json(
    reader: impl io::Read,
    each: &mut impl FnMut(&str) -> Result<(), serde_json::Error>,
) -> io::Result<()> {
    let mut deserializer = serde_json::Deserializer::from_reader(reader);
    deserializer
        .deserialize_seq(EachRecord(each))
        .map_err(io::Error::other)
}

/// Hands each element of a JSON array to a callback, one at a time.
struct EachRecord<'f, F>(&'f mut F);

impl<'de, F: FnMut(&str) -> Result<(), serde_json::Error>> Visitor<'de> for EachRecord<'_, F> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a json array of records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(record) = seq.next_element::<Box<RawValue>>()? {
            (self.0)(record.get()).map_err(de::Error::custom)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_array_and_ndjson_lines_are_read_one_record_at_a_time() {
        let mut seen = Vec::new();
        read_json(
            &b"[\n{\"id\":1},\n{\"id\":2}\n]\n"[..],
            &mut |text: &str| {
                seen.push(text.to_owned());
                Ok(())
            },
        )
        .unwrap();
        read_ndjson(&b"{\"id\":3}\n\n{\"id\":4}\n"[..], &mut |text: &str| {
            seen.push(text.to_owned());
            Ok(())
        })
        .unwrap();
        assert_eq!(
            seen,
            [r#"{"id":1}"#, r#"{"id":2}"#, r#"{"id":3}"#, r#"{"id":4}"#]
        );
    }
}
