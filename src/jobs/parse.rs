//! Reading one job file into a [`Job`]: the name, the TOML syntax, when it runs and the
//! top-level switches. What it fetches is read in `target`, what it writes in `output`.

use std::path::Path;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use toml::{Table, Value};

use super::consistency;
use super::fields::{Fields, Problems, wrong_type};
use super::keys::TOP_LEVEL;
use super::{Job, Mode, Problem, Trigger, export, for_each, output, target};
use crate::endpoint::{Endpoint, Pagination};
use crate::snapshot::OutputDraft;
use crate::trigger::cron::CronSchedule;
use crate::trigger::interval::parse_every;

/// Reads the text of job file `source`, whose job is called `name`, into a checked [`Job`],
/// or every problem found in it.
pub(crate) fn parse_job(name: &str, source: &Path, text: &str) -> Result<Job, Vec<Problem>> {
    let mut p = Problems::new(source);
    check_name(name, &mut p);
    let table = match text.parse::<Table>() {
        Ok(table) => table,
        Err(error) => {
            p.whole_file(syntax_message(&error, text));
            return Err(p.into_vec());
        }
    };
    let mut fields = Fields::new(table, "");
    let trigger = read_trigger(&mut fields, &mut p);
    let target = target::read_target(&mut fields, &mut p);
    let endpoint = target.as_ref().map(|target| &target.endpoint);
    let for_each = for_each::read_for_each(&mut fields, endpoint, &mut p);
    let switches = read_switches(&mut fields, endpoint, &mut p);
    let identity = consistency::read_identity(&mut fields, &mut p);
    let read = output::read_output(&mut fields, switches.redact, switches.incremental, &mut p);
    fields.report_unknown(&TOP_LEVEL, &mut p);
    let output = read.as_ref().and_then(|read| {
        consistency::check_identity_use(switches.changes, identity.as_deref(), &mut p);
        let draft = OutputDraft {
            changes: switches.changes,
            identity: identity.clone().or_else(|| {
                let child = endpoint.and_then(|e| e.identity.clone());
                match &for_each {
                    // Each child is (parent, child) (SPEC: relations).
                    Some(for_each) => child.map(|child| format!("{},{child}", for_each.field)),
                    None => child,
                }
            }),
            ..read.draft.clone()
        };
        draft
            .check()
            .map_err(|problems| {
                for problem in problems {
                    consistency::report(&problem, endpoint, read.columns_mark, &mut p);
                }
            })
            .ok()
    });
    let mut target = target;
    let mut mode = Some(Mode::Page);
    if let Some(target) = &mut target {
        if switches.export {
            let request = export::read_export_request(
                &target.params,
                read.as_ref().map(|r| &r.draft),
                &mut p,
            );
            mode = request.map(Mode::Export);
        }
        if identity.is_some() {
            target.endpoint.identity = identity;
        }
    }
    match (trigger, target, output, mode) {
        (Some(trigger), Some(target), Some(output), Some(mode)) if p.is_empty() => Ok(Job {
            name: name.to_owned(),
            source: source.to_path_buf(),
            trigger,
            endpoint: target.endpoint,
            params: target.params,
            page_size: target.page_size,
            output,
            incremental: switches.incremental,
            since: switches.since,
            mode,
            for_each,
        }),
        _ => Err(p.into_vec()),
    }
}

fn check_name(name: &str, p: &mut Problems) {
    if !crate::snapshot::is_valid_job_name(name) {
        p.whole_file(format!(
            "\"{name}\" is not a valid job name; rename the file using lower-case letters, digits, \"-\" and \"_\", starting with a letter or digit, as in \"{}.toml\"",
            suggest_name(name)
        ));
    }
}

/// A valid name close to an invalid one (`"My Job"` -> `"my-job"`).
fn suggest_name(name: &str) -> String {
    let mapped: String = name
        .chars()
        .map(|c| match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9' | '_' | '-') => c,
            _ => '-',
        })
        .collect();
    let trimmed = mapped.trim_start_matches(['-', '_']);
    if trimmed.is_empty() {
        "my-job".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// A TOML syntax error as one line with its position.
fn syntax_message(error: &toml::de::Error, text: &str) -> String {
    let detail = error.message().trim().replace('\n', "; ");
    match error.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("line {line}, column {column}: invalid toml: {detail}; fix the syntax there")
        }
        None => format!("invalid toml: {detail}; fix the syntax"),
    }
}

/// `schedule` (with `timezone`) or `every`, exactly one of them.
fn read_trigger(fields: &mut Fields, p: &mut Problems) -> Option<Trigger> {
    let (has_schedule, has_every) = (fields.has("schedule"), fields.has("every"));
    if has_schedule && has_every {
        p.whole_file("both schedule and every are set; keep one of them");
    } else if !has_schedule && !has_every {
        p.whole_file(
            "no schedule; add schedule = \"0 * * * *\" (cron) or every = \"1h\" (a fixed interval)",
        );
    }
    if fields.has("timezone") && !has_schedule {
        p.at(
            "timezone",
            "only applies to a schedule; remove it, or use schedule instead of every",
        );
    }
    let tz = read_timezone(fields, p);
    let schedule = fields.string("schedule", "schedule = \"0 * * * *\"", p);
    let every = fields.string("every", "every = \"15m\"", p);
    let schedule = schedule.and_then(|expr| {
        let parsed = CronSchedule::parse(&expr, tz.unwrap_or(TimeZone::UTC));
        parsed
            .map_err(|error| p.at("schedule", error.to_string()))
            .ok()
    });
    let every = every.and_then(|text| {
        parse_every(&text)
            .map_err(|error| p.at("every", error.to_string()))
            .ok()
    });
    match (schedule, every) {
        (Some(schedule), None) => Some(Trigger::Cron(schedule)),
        (None, Some(every)) => Some(Trigger::Every(every)),
        _ => None,
    }
}

/// `timezone = "Europe/Paris"`: an IANA name.
fn read_timezone(fields: &mut Fields, p: &mut Problems) -> Option<TimeZone> {
    let name = fields.string("timezone", "timezone = \"Europe/Paris\"", p)?;
    let tz = TimeZone::get(&name).map_err(|_| {
        p.at("timezone", format!(
            "\"{name}\" is not a known time zone; use an iana name such as \"Europe/Paris\", \"America/New_York\" or \"UTC\""
        ));
    });
    tz.ok()
}

/// The top-level switches, with their defaults where unset or wrong.
#[derive(Debug)]
struct Switches {
    /// `redact`, default true.
    redact: bool,
    /// `incremental`, default false; logs only.
    incremental: bool,
    /// `since`, incremental jobs only.
    since: Option<Timestamp>,
    /// `mode = "export"` (users only); the request is read once the output is known.
    export: bool,
    /// `changes`, default false; the output's check decides whether it can be honoured.
    changes: bool,
}

fn read_switches(fields: &mut Fields, endpoint: Option<&Endpoint>, p: &mut Problems) -> Switches {
    let redact = fields
        .boolean("redact", "redact = false", p)
        .unwrap_or(true);
    let changes = fields
        .boolean("changes", "changes = true", p)
        .unwrap_or(false);
    let incremental = fields
        .boolean("incremental", "incremental = true", p)
        .unwrap_or(false);
    if incremental && endpoint.is_some_and(|e| e.pagination != Pagination::LogStream) {
        p.at("incremental", "only the logs endpoint can be incremental; remove incremental, or use endpoint = \"logs\"");
    }
    if fields.has("since") && !incremental {
        p.at(
            "since",
            "only applies to incremental jobs; add incremental = true, or remove since",
        );
    }
    let since = fields.take("since").and_then(|value| read_since(&value, p));
    let export = read_mode(fields, endpoint, p);
    Switches {
        redact,
        incremental,
        since,
        export,
        changes,
    }
}

/// `since = 2026-01-01T00:00:00Z`, as a TOML date-time or a string.
fn read_since(value: &Value, p: &mut Problems) -> Option<Timestamp> {
    const EXAMPLE: &str = "since = 2026-01-01T00:00:00Z";
    let (text, shown) = match value {
        Value::String(text) => (text.clone(), format!("\"{text}\"")),
        Value::Datetime(datetime) => (datetime.to_string(), datetime.to_string()),
        other => {
            p.at("since", wrong_type("a date-time", other, EXAMPLE));
            return None;
        }
    };
    let parsed = text.parse::<Timestamp>();
    let message =
        format!("{shown} is not a date and time with an offset; write it as in {EXAMPLE}");
    parsed.map_err(|_| p.at("since", message)).ok()
}

/// `mode = "page" | "export"`: whether it is export, which is for users only.
fn read_mode(fields: &mut Fields, endpoint: Option<&Endpoint>, p: &mut Problems) -> bool {
    let Some(text) = fields.string("mode", "mode = \"export\"", p) else {
        return false;
    };
    let export = match text.as_str() {
        "page" => false,
        "export" => true,
        _ => {
            p.at("mode", format!("\"{text}\" is not a mode; use \"page\" (the default) or \"export\" (users only)"));
            return false;
        }
    };
    if export && endpoint.is_some_and(|e| e.name() != "users") {
        p.at("mode", "\"export\" only works with the users endpoint; remove mode, or use endpoint = \"users\"");
    }
    export
}
