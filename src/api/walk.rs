//! Checking a walk as its pages arrive, so a snapshot is exactly the list the tenant held or
//! the walk fails: every record's identity once, the same `total` on every offset page, each
//! offset page starting where it was asked to, no checkpoint `next` twice, log ids strictly
//! ascending.
//!
//! A walk that breaks one of these rules has *drifted*: the tenant changed while it was read,
//! or the server's order was not stable between requests. The pager stops at the first
//! [`Drift`]; the runner then walks again from the start (`A0SNAP_MAX_REWALKS`) with a fresh
//! snapshot, and fails the job if the drift persists.
//!
//! This module holds the rules and their state only; it sends no request and knows nothing
//! of the snapshot. Identities are kept as 64-bit hashes of their JSON text (8 bytes each, plus
//! the hash table's spare room) for offset and checkpoint walks; log streams need no set, since
//! ascending ids cannot repeat. Two different identities sharing a hash (n²/2⁶⁵: about 3 in
//! 10⁸ for a million records) would read as a duplicate: a re-walk, then a failed job, never a wrong
//! snapshot.

use std::cmp::Ordering;
use std::collections::HashSet;
use std::hash::{BuildHasher, RandomState};

/// What broke a walk's rules, with the page where it showed (pages counted from 1).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Drift {
    /// An offset page reported another `total` than the first page.
    #[error("total {first} on page 1, then {now} on page {page}")]
    TotalChanged {
        /// The first page's `total`.
        first: u64,
        /// This page's.
        now: u64,
        /// This page.
        page: u64,
    },
    /// A record arrived a second time.
    #[error("{field} {id} arrived twice (page {page})")]
    Duplicate {
        /// The identity field (`client_id`).
        field: String,
        /// Its value, as JSON text without quotes.
        id: String,
        /// The page of the second arrival.
        page: u64,
    },
    /// An offset page did not start at the position asked for.
    #[error("page {page} started at {start}, not {expected}")]
    Misplaced {
        /// The page.
        page: u64,
        /// Its `start`.
        start: u64,
        /// `(page - 1) × page size`.
        expected: u64,
    },
    /// An offset walk ran out of records before `total`.
    #[error("page {page} was empty after {records} of {total} records")]
    ShortOfTotal {
        /// The empty page.
        page: u64,
        /// Records received before it.
        records: u64,
        /// The `total` promised.
        total: u64,
    },
    /// An offset walk brought more records than `total`.
    #[error("{records} records arrived by page {page}, more than the total of {total}")]
    OverTotal {
        /// The page.
        page: u64,
        /// Records so far.
        records: u64,
        /// The `total` promised.
        total: u64,
    },
    /// Without totals, the first page held fewer records than asked and a second page at that
    /// size held more: the server caps its pages below the size asked, so the offsets asked
    /// for would not meet. The walk starts again with pages of `served` records.
    #[error(
        "page 1 held {served} records although {asked} were asked, and more followed: the server caps its pages at {served}"
    )]
    PageSizeCapped {
        /// The size asked.
        asked: u32,
        /// The records page 1 held: the server's page size.
        served: u32,
    },
    /// Without totals, a page shorter than asked (so the last) was followed by more records.
    #[error("page {page} held {records} records, fewer than asked, yet page {} held more", page + 1)]
    ShortPageNotLast {
        /// The short page.
        page: u64,
        /// Its records.
        records: u64,
    },
    /// Without totals, an empty page (so the end) was followed by more records.
    #[error("page {page} was empty, yet page {} held records", page + 1)]
    EmptyPageNotLast {
        /// The empty page.
        page: u64,
    },
    /// A log event's id was not above the one before it (or the `from` sent).
    #[error("log_id {id} on page {page} is not above {previous}")]
    LogsNotAscending {
        /// The page.
        page: u64,
        /// The offending id.
        id: String,
        /// The id (or `from`) before it.
        previous: String,
    },
    /// A parent's child list answered 404 after the parent list had listed it: the parent
    /// was deleted while the relation was read.
    #[error("{parent} {id} was deleted while its child list was read (404)")]
    ParentGone {
        /// The parent list (`roles`).
        parent: String,
        /// The parent's identity.
        id: String,
    },
}

impl Drift {
    /// The page size to walk again with, when the drift says the server's is smaller.
    pub(crate) fn page_size_hint(&self) -> Option<u32> {
        match self {
            Drift::PageSizeCapped { served, .. } => Some(*served),
            _ => None,
        }
    }
}

/// How a finished walk was verified, for the meta file's `verified` object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Verified {
    /// `Some(true)`: every record had an identity and none came twice; `None`: the endpoint's
    /// identity is unknown, or some record had none, so uniqueness could not be checked.
    pub identities_unique: Option<bool>,
    /// The `total` every offset page agreed on, if the endpoint reports one.
    pub total: Option<u64>,
    /// Pages received.
    pub pages: u64,
    /// Whether log ids were checked to be strictly ascending (log streams).
    pub ascending: bool,
}

/// The state of the checks over one walk.
#[derive(Debug)]
pub(super) struct Verifier {
    /// The identity field, if known.
    field: Option<String>,
    /// Hashes of the identities seen (offset, checkpoint, single).
    seen: HashSet<u64>,
    /// Hashes the identity text; one random key per walk.
    hasher: RandomState,
    /// Whether some record had no identity (uniqueness unchecked from then on).
    unidentified: bool,
    /// The first page's `total`.
    total: Option<u64>,
    /// The last log id received, or the `from` a log stream resumed after.
    last_log_id: Option<String>,
    /// Whether this is a log stream (ids ascending instead of a set).
    logs: bool,
    /// Pages checked.
    pages: u64,
}

impl Verifier {
    /// Checks for a walk whose records are identified by `field`; `logs` for a log stream,
    /// resuming after `resume_after` when given.
    pub(super) fn new(field: Option<&str>, logs: bool, resume_after: Option<String>) -> Self {
        Self {
            field: field.map(str::to_owned),
            seen: HashSet::new(),
            hasher: RandomState::new(),
            unidentified: false,
            total: None,
            last_log_id: resume_after,
            logs,
            pages: 0,
        }
    }

    /// Checks one page's identities (raw JSON text each; `Err(index)`: record `index` had
    /// none; `Ok(None)`: the endpoint's identity is unknown).
    pub(super) fn identities(
        &mut self,
        page: u64,
        identities: Result<Option<Vec<&str>>, usize>,
    ) -> Result<(), Drift> {
        self.pages = self.pages.max(page);
        let Some(field) = self.field.as_deref() else {
            return Ok(());
        };
        let ids = match identities {
            Ok(Some(ids)) => ids,
            Ok(None) => return Ok(()),
            Err(_) => {
                self.unidentified = true;
                return Ok(());
            }
        };
        for id in ids {
            if self.logs {
                let text = unquoted(id);
                if let Some(previous) = &self.last_log_id
                    && log_id_order(text, previous) != Ordering::Greater
                {
                    return Err(Drift::LogsNotAscending {
                        page,
                        id: text.to_owned(),
                        previous: previous.clone(),
                    });
                }
                self.last_log_id = Some(text.to_owned());
            } else if !self.unidentified && !self.seen.insert(self.hasher.hash_one(id)) {
                return Err(Drift::Duplicate {
                    field: field.to_owned(),
                    id: unquoted(id).to_owned(),
                    page,
                });
            }
        }
        Ok(())
    }

    /// Checks an offset page's `total` against the first page's.
    pub(super) fn total(&mut self, page: u64, total: u64) -> Result<(), Drift> {
        match self.total {
            None => {
                self.total = Some(total);
                Ok(())
            }
            Some(first) if first == total => Ok(()),
            Some(first) => Err(Drift::TotalChanged {
                first,
                now: total,
                page,
            }),
        }
    }

    /// The `total` every offset page so far reported, if any did.
    pub(crate) fn agreed_total(&self) -> Option<u64> {
        self.total
    }

    /// What the walk verified, once it is complete.
    pub(super) fn verified(&self) -> Verified {
        let unique = self.field.is_some() && !self.unidentified;
        Verified {
            identities_unique: unique.then_some(true),
            total: self.total,
            pages: self.pages,
            ascending: self.logs && self.field.is_some() && !self.unidentified,
        }
    }
}

/// A JSON string's text without its quotes (escapes left as they are); other values as is.
fn unquoted(raw: &str) -> &str {
    raw.strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
        .unwrap_or(raw)
}

/// The order of two log ids: Auth0's are decimal numbers of 56 digits, so digit strings
/// compare as numbers (a shorter one is smaller); anything else compares as text.
pub(super) fn log_id_order(a: &str, b: &str) -> Ordering {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|byte| byte.is_ascii_digit());
    if digits(a) && digits(b) {
        let (a, b) = (a.trim_start_matches('0'), b.trim_start_matches('0'));
        a.len().cmp(&b.len()).then_with(|| a.cmp(b))
    } else {
        a.cmp(b)
    }
}

#[cfg(test)]
#[path = "tests/walk.rs"]
mod tests;
