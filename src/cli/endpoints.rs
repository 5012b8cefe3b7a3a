//! `a0snap endpoints`: the table of known Management API list endpoints (name, pagination,
//! array key, scope), so a user sees what a job on one needs without reading source.
//!
//! It prints [`crate::endpoint::KNOWN`] and nothing else: no configuration, no network.

use std::fmt::Write as _;

use crate::endpoint::{KNOWN, KnownEndpoint, MAX_PAGE_SIZE, Pagination};

/// The table as printed: a header, then one line per endpoint in the table's order, columns
/// padded to their widest cell. `{id}` segments stand for a parent's id.
pub(super) fn table() -> String {
    let rows: Vec<[String; 5]> = KNOWN.iter().map(row).collect();
    let header = ["ENDPOINT", "PAGINATION", "KEY", "SCOPE", "MAX PAGE"].map(str::to_owned);
    let mut widths = [0; 5];
    for cells in std::iter::once(&header).chain(&rows) {
        for (width, cell) in widths.iter_mut().zip(cells) {
            *width = (*width).max(cell.len());
        }
    }
    let mut text = String::new();
    for cells in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (index, (cell, width)) in cells.iter().zip(widths).enumerate() {
            if index + 1 == cells.len() {
                line.push_str(cell);
            } else {
                let _ = write!(line, "{cell:width$}  ");
            }
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

fn row(known: &KnownEndpoint) -> [String; 5] {
    let pagination = match known.pagination {
        Pagination::Offset if !known.include_totals => "offset, no totals".to_owned(),
        kind => kind.name().to_owned(),
    };
    let key = match (known.pagination, known.items) {
        (_, Some(key)) => key.to_owned(),
        (Pagination::None, None) => "(bare array or value)".to_owned(),
        (_, None) => "(bare array)".to_owned(),
    };
    let size = match known.pagination {
        Pagination::None => "-".to_owned(),
        _ => known.max_page_size.min(MAX_PAGE_SIZE).to_string(),
    };
    [
        known.name.to_owned(),
        pagination,
        key,
        known.scope.to_owned(),
        size,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_endpoint_is_a_line_with_its_paging_key_and_scope() {
        let text = table();
        assert_eq!(text.lines().count(), KNOWN.len() + 1);
        let users = text
            .lines()
            .find(|line| line.starts_with("roles/{id}/users "))
            .expect("a line");
        let cells: Vec<&str> = users.split("  ").filter(|c| !c.trim().is_empty()).collect();
        assert_eq!(
            cells.iter().map(|c| c.trim()).collect::<Vec<_>>(),
            [
                "roles/{id}/users",
                "checkpoint",
                "users",
                "read:users",
                "100"
            ]
        );
        assert!(text.contains("offset, no totals"));
    }
}
