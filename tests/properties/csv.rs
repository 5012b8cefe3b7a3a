//! CSV cells and column paths: written by `CsvWriter`, read back by the `csv` crate's reader.

use a0snap::snapshot::{Column, CsvWriter};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

use super::{config, tricky_text};

/// Any JSON value, nested a few levels.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("JSON has no NaN or infinity", |f| f.is_finite())
            .prop_map(Value::from),
        tricky_text().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((tricky_text(), inner), 0..4)
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

/// A cell's value: often a string (where the traps are), else a scalar or a nested value.
fn cell_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => tricky_text().prop_map(Value::from),
        1 => any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        1 => json_value(),
    ]
}

/// What a cell should read for `value`, by the rules in `csv_writer.rs`'s docs: strings as
/// they are (a formula start gets `'`), numbers and booleans as JSON text, null as empty,
/// arrays and objects as compact JSON.
fn intended_cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => {
            let formula = matches!(
                text.as_bytes().first(),
                Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
            );
            if formula {
                format!("'{text}")
            } else {
                text.clone()
            }
        }
        Some(other) => other.to_string(),
    }
}

/// Writes `records` under `columns` (no redaction, formula guard on) and reads the rows back
/// with the csv crate's reader.
fn round_trip(columns: &[Column], records: &[Value]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut writer = CsvWriter::new(Vec::new(), columns, false, true).expect("header");
    for record in records {
        let raw = serde_json::value::to_raw_value(record).expect("raw record");
        writer.write_record(&raw).expect("row");
    }
    let bytes = writer.finish().expect("flush");
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let header = reader
        .headers()
        .expect("header row")
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|row| row.expect("a row").iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn any_json_value_in_a_cell_reads_back_as_the_intended_text(
        values in prop::collection::vec(cell_value(), 1..4),
    ) {
        let columns = [Column::parse("v").unwrap(), Column::parse("w").unwrap()];
        let records: Vec<Value> = values.iter().map(|v| json!({"v": v, "w": "end"})).collect();
        let (header, rows) = round_trip(&columns, &records);
        prop_assert_eq!(header, ["v", "w"]);
        prop_assert_eq!(rows.len(), values.len());
        for (row, value) in rows.iter().zip(&values) {
            prop_assert_eq!(&row[0], &intended_cell(Some(value)));
            prop_assert_eq!(&row[1], "end");
        }
    }
}

/// A nested record with plain keys (`a`..`d`), and every path into it, dotted
/// (`a.0.b`): the path, and the value it leads to.
fn nested_record() -> impl Strategy<Value = Value> {
    let key = "[a-d]";
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<i32>().prop_map(Value::from),
        tricky_text().prop_map(Value::from),
    ];
    let tree = leaf.prop_recursive(4, 32, 3, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::btree_map(key, inner, 0..3)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    });
    prop::collection::btree_map(key, tree, 1..4)
        .prop_map(|map| Value::Object(map.into_iter().collect::<Map<String, Value>>()))
}

/// Every path in `value` below `prefix`, with the value there.
fn paths(value: &Value, prefix: &mut Vec<String>, out: &mut Vec<(Vec<String>, Value)>) {
    if !prefix.is_empty() {
        out.push((prefix.clone(), value.clone()));
    }
    let children: Vec<(String, &Value)> = match value {
        Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), v)).collect(),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (i.to_string(), v))
            .collect(),
        _ => Vec::new(),
    };
    for (key, child) in children {
        prefix.push(key);
        paths(child, prefix, out);
        prefix.pop();
    }
}

proptest! {
    #![proptest_config(config(96))]

    #[test]
    fn every_column_path_reads_the_value_it_points_at_and_a_missing_one_reads_empty(
        record in nested_record(),
        pick in any::<prop::sample::Index>(),
        bracketed in any::<bool>(),
    ) {
        let mut found = Vec::new();
        paths(&record, &mut Vec::new(), &mut found);
        let (path, value) = found[pick.index(found.len())].clone();
        let dotted = path.join(".");
        let column = Column::parse(&dotted).unwrap();
        let column = if bracketed { Column::parse(&column.bracketed()).unwrap() } else { column };
        let missing = Column::parse(&format!("{dotted}.zz")).unwrap();
        let (_, rows) = round_trip(&[column, missing], std::slice::from_ref(&record));
        prop_assert_eq!(&rows[0][0], &intended_cell(Some(&value)), "path {}", dotted);
        prop_assert_eq!(&rows[0][1], "", "a path below {} that is not there", dotted);
    }
}
