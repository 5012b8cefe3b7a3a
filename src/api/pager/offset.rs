//! The offset half of the pager's cursor: what an offset page's paging facts promise (`total`,
//! `start`, `limit`, its length) and where the walk goes next, with or without totals.

use super::{Cursor, Drift, Pager};
use crate::api::ApiError;
use crate::api::page::Page;

/// What an offset page held, against the size asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Held {
    /// As many records as asked.
    Full,
    /// Fewer, but some.
    Short(usize),
    /// None.
    Empty,
}

impl Pager<'_> {
    /// The cursor after offset page `index` (0-based): the end once `total` records arrived
    /// (or, without a total, at an empty page); a [`Drift`] when the page breaks a promise.
    pub(super) fn advance_offset(&mut self, index: u64, page: &Page) -> Result<Cursor, ApiError> {
        let number = index + 1;
        if let Some(total) = page.total {
            self.check_cap(total)?;
            self.verifier
                .total(number, total)
                .map_err(|drift| self.drifted(drift))?;
        }
        let len = page.len();
        if index == 0 {
            self.adopt_server_page_size(page);
        }
        let size = u64::from(self.request.page_size);
        if let Some(start) = page.start
            && start != index * size
        {
            return Err(self.drifted(Drift::Misplaced {
                page: number,
                start,
                expected: index * size,
            }));
        }
        let Some(total) = self.verifier.agreed_total() else {
            return self.advance_without_total(index, len, page.limit.is_some());
        };
        let drift = if self.records > total {
            Drift::OverTotal {
                page: number,
                records: self.records,
                total,
            }
        } else if self.records == total {
            return Ok(Cursor::Done);
        } else if len == 0 {
            Drift::ShortOfTotal {
                page: number,
                records: self.records,
                total,
            }
        } else {
            return Ok(Cursor::Offset { page: number });
        };
        Err(self.drifted(drift))
    }

    /// The cursor after offset page `index` of a walk without totals. An empty page ends it
    /// only after a short page or after another empty page (a first empty page after a full one
    /// is asked again, one page on); a short first page is probed at its size, since a server
    /// capping its pages would otherwise pass for a list of one page.
    fn advance_without_total(
        &mut self,
        index: u64,
        len: usize,
        limit_known: bool,
    ) -> Result<Cursor, ApiError> {
        let number = index + 1;
        let size = self.request.page_size as usize;
        let held = match len {
            0 => Held::Empty,
            len if len < size => Held::Short(len),
            _ => Held::Full,
        };
        let previous = self.previous.replace(held);
        let drift = match (previous, held) {
            (Some(Held::Short(_) | Held::Empty), Held::Empty) => return Ok(Cursor::Done),
            (Some(Held::Short(records)), _) => Drift::ShortPageNotLast {
                page: index,
                records: records as u64,
            },
            (Some(Held::Empty), _) => Drift::EmptyPageNotLast { page: index },
            (None, Held::Short(len)) if !limit_known => {
                return Ok(Cursor::Probe {
                    size: u32::try_from(len).unwrap_or(self.request.page_size),
                });
            }
            _ => return Ok(Cursor::Offset { page: number }),
        };
        Err(self.drifted(drift))
    }

    /// After the first offset page: when the server gave fewer records than asked, by its
    /// `limit` or by a length below `total`, the walk goes on at the server's page size.
    fn adopt_server_page_size(&mut self, page: &Page) {
        let asked = u64::from(self.request.page_size);
        let served = match (page.limit, page.total) {
            (Some(limit), _) => limit,
            (None, Some(total)) if total > page.len() as u64 => page.len() as u64,
            _ => asked,
        };
        if served > 0 && served < asked {
            tracing::debug!(
                path = %self.request.endpoint.path,
                asked,
                served,
                "the server gives smaller pages than asked; going on at its page size"
            );
            self.request.page_size = u32::try_from(served).unwrap_or(self.request.page_size);
        }
    }
}
