//! Snapshot names: the stem `{job}-{YYYYMMDDTHHMMSSZ}` (UTC, to the second), `-2`, `-3`, ...
//! when taken, and recognising a job's snapshot files again for retention.

use jiff::Timestamp;

use super::error::SnapshotError;
use crate::atomic_file::TEMP_PREFIX;
use crate::store::JobFolder;

/// The length of `YYYYMMDDTHHMMSSZ`.
const STAMP_LEN: usize = 16;

/// The time stamp of a stem, for `strftime` and `strptime`: `YYYYMMDDTHHMMSSZ`, in UTC.
const STAMP_FORMAT: &str = "%Y%m%dT%H%M%SZ";

/// Whether `job` is a valid job name: `[a-z0-9][a-z0-9_-]*`.
///
/// The one rule for job names: job files are checked against it, and a snapshot refuses any
/// other name, since the name becomes a folder and the prefix of file names (no `/`, `..`,
/// leading dot or anything a shell or another system would trip over).
pub(crate) fn is_valid_job_name(job: &str) -> bool {
    let mut bytes = job.bytes();
    bytes
        .next()
        .is_some_and(|first| first.is_ascii_lowercase() || first.is_ascii_digit())
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// `{job}-{YYYYMMDDTHHMMSSZ}` for a run started at `started_at`.
pub(crate) fn base_stem(job: &str, started_at: Timestamp) -> String {
    format!("{job}-{}", started_at.strftime(STAMP_FORMAT))
}

/// The instant a stem's `YYYYMMDDTHHMMSSZ` stands for (UTC), or `None` if it is no such
/// time (`20241399T...`).
pub(crate) fn stamp_time(stamp: &str) -> Option<Timestamp> {
    let civil = jiff::civil::DateTime::strptime(STAMP_FORMAT, stamp).ok()?;
    civil
        .to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|zoned| zoned.timestamp())
}

/// The first free stem for this run: the base stem, else `-2`, `-3`, ...
///
/// A stem is taken when any file in `folder`, finished or temporary, carries it.
pub(crate) fn choose_stem(
    folder: &JobFolder,
    job: &str,
    started_at: Timestamp,
) -> Result<String, SnapshotError> {
    let names = folder.list()?;
    let base = base_stem(job, started_at);
    let mut stem = base.clone();
    let mut sequence = 2u32;
    while names.iter().any(|name| carries_stem(name, &stem)) {
        stem = format!("{base}-{sequence}");
        sequence += 1;
    }
    Ok(stem)
}

fn carries_stem(name: &str, stem: &str) -> bool {
    let name = name.strip_prefix(TEMP_PREFIX).unwrap_or(name);
    name.strip_prefix(stem)
        .is_some_and(|rest| rest.starts_with('.'))
}

/// Where a snapshot stands among a job's snapshots: its time stamp, then its sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct StemOrder<'a> {
    /// `YYYYMMDDTHHMMSSZ`, which sorts as time does.
    stamp: &'a str,
    /// 1 for the base stem, then 2, 3, ...
    sequence: u64,
}

impl<'a> StemOrder<'a> {
    /// The time stamp and sequence number, for use as a sort key.
    pub(crate) fn key(self) -> (&'a str, u64) {
        (self.stamp, self.sequence)
    }
}

/// If `file_name` is one of `job`'s snapshot files (`{stem}.{anything}`), its stem and order.
///
/// `latest.*`, temporary files and anything else not shaped exactly like a stem give `None`.
pub(crate) fn parse_snapshot_file<'a>(
    job: &str,
    file_name: &'a str,
) -> Option<(&'a str, StemOrder<'a>)> {
    let after_job = file_name.strip_prefix(job)?.strip_prefix('-')?;
    let stamp = after_job.get(..STAMP_LEN)?;
    if !is_stamp(stamp) {
        return None;
    }
    let rest = &after_job[STAMP_LEN..];
    let (sequence, suffix) = match rest.strip_prefix('-') {
        Some(numbered) => {
            let digits = numbered.find('.').map_or(numbered, |dot| &numbered[..dot]);
            if digits.starts_with('0') || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let sequence: u64 = digits.parse().ok().filter(|n| *n >= 2)?;
            (sequence, &numbered[digits.len()..])
        }
        None => (1, rest),
    };
    let extension = suffix.strip_prefix('.')?;
    if extension.is_empty() {
        return None;
    }
    let stem = &file_name[..file_name.len() - suffix.len()];
    Some((stem, StemOrder { stamp, sequence }))
}

fn is_stamp(text: &str) -> bool {
    text.bytes().enumerate().all(|(i, b)| match i {
        8 => b == b'T',
        15 => b == b'Z',
        _ => b.is_ascii_digit(),
    })
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn the_stem_is_the_job_and_the_utc_start_to_the_second() {
        let stem = base_stem("apps", at("2024-03-05T07:08:09.987+02:00"));
        assert_eq!(stem, "apps-20240305T050809Z");
    }

    #[test]
    fn a_stems_time_stamp_reads_back_as_the_utc_instant() {
        assert_eq!(
            stamp_time("20240305T050809Z"),
            Some(at("2024-03-05T05:08:09Z"))
        );
        assert_eq!(stamp_time("20241399T050809Z"), None);
    }

    #[test]
    fn a_taken_stem_gets_the_next_free_number() {
        let dir = tempfile::tempdir().unwrap();
        let started = at("2024-03-05T05:08:09Z");
        assert_eq!(
            choose_stem(&JobFolder::Local(dir.path().to_owned()), "apps", started).unwrap(),
            "apps-20240305T050809Z"
        );
        fs::write(dir.path().join("apps-20240305T050809Z.meta.json"), "{}").unwrap();
        assert_eq!(
            choose_stem(&JobFolder::Local(dir.path().to_owned()), "apps", started).unwrap(),
            "apps-20240305T050809Z-2"
        );
        fs::write(
            dir.path()
                .join(".a0snap-tmp-apps-20240305T050809Z-2.csv.x1"),
            "",
        )
        .unwrap();
        assert_eq!(
            choose_stem(&JobFolder::Local(dir.path().to_owned()), "apps", started).unwrap(),
            "apps-20240305T050809Z-3"
        );
    }

    #[test]
    fn snapshot_files_are_recognised_with_their_stem_and_order() {
        let (stem, order) = parse_snapshot_file("apps", "apps-20240305T050809Z.meta.json").unwrap();
        assert_eq!(stem, "apps-20240305T050809Z");
        let (stem2, order2) = parse_snapshot_file("apps", "apps-20240305T050809Z-2.csv").unwrap();
        assert_eq!(stem2, "apps-20240305T050809Z-2");
        assert!(order < order2);
        let (_, order10) = parse_snapshot_file("apps", "apps-20240305T050809Z-10.csv").unwrap();
        assert!(order2 < order10);
        let (_, later) = parse_snapshot_file("apps", "apps-20240305T050810Z.json").unwrap();
        assert!(order10 < later);
    }

    #[test]
    fn other_files_are_never_taken_for_snapshots() {
        for name in [
            "latest.csv",
            "latest.meta.json",
            ".lock",
            "apps-20240305T050809Z",
            "apps-20240305T050809Z.",
            "apps-20240305T050809Z-1.csv",
            "apps-20240305T050809Z-02.csv",
            "apps-20240305T050809Zx.csv",
            "apps-2024030xT050809Z.csv",
            "apps-x-20240305T050809Z.csv",
            "users-20240305T050809Z.csv",
            ".a0snap-tmp-apps-20240305T050809Z.csv.abc",
            "notes.txt",
        ] {
            assert!(parse_snapshot_file("apps", name).is_none(), "{name}");
        }
    }

    #[test]
    fn job_names_that_could_escape_the_folder_are_invalid() {
        for good in ["apps_2-x", "0day", "a"] {
            assert!(is_valid_job_name(good), "{good:?}");
        }
        for bad in [
            "", ".", "..", "a/b", "a\\b", ".hidden", "a\nb", "Apps", "-x", "_x", "a b", "a.b", "é",
        ] {
            assert!(!is_valid_job_name(bad), "{bad:?}");
        }
    }
}
