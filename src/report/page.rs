//! The report's HTML, through `maud`'s `html!` template: every `(value)` it inserts is
//! HTML-escaped, so a client named `<script>` shows as text. Rendering only; no I/O. The page
//! has no script at all, and its style sheet is inline, so it needs nothing but itself.

use jiff::Timestamp;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use serde_json::{Map, Value};

use super::history::{Capped, ChangeReport, Changed, Point};
use super::{JobReport, age, chart};
use crate::status::Health;

/// Characters of one old or new value shown before it is cut ("…").
const MAX_VALUE: usize = 300;

/// The style sheet (ours, not tenant data, so inserted unescaped).
const CSS: &str = "\
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1d2330;background:#fff}\
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2.2rem;border-bottom:1px solid #dde;padding-bottom:.2rem}h3{font-size:1rem;margin:1.2rem 0 .4rem}\
table{border-collapse:collapse;margin:.4rem 0 1rem;width:100%}th,td{text-align:left;padding:.3rem .6rem;border-bottom:1px solid #e6e8ef;vertical-align:top}\
th{background:#f4f5f9;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}\
code,.value{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px;word-break:break-all}\
.status{display:inline-block;padding:.05rem .5rem;border-radius:.7rem;font-weight:600;font-size:12px}\
.status-ok{background:#dcf5e3;color:#17603a}.status-failed{background:#fde0e0;color:#9b1c1c}\
.status-stale{background:#fdf0d5;color:#8a5a00}.status-never_run{background:#e8e9ef;color:#4a5063}\
.muted{color:#6b7285}.problem{color:#9b1c1c}svg.chart{width:100%;max-width:640px;height:auto;background:#fafbfd;border:1px solid #e6e8ef}\
svg.chart polyline{fill:none;stroke:#3867d6;stroke-width:2}svg.chart circle{fill:#3867d6}svg.chart line{stroke:#c9cdd9}svg.chart text{font-size:10px;fill:#6b7285}\
";

/// The whole page for `jobs` at `now`.
pub(crate) fn render(jobs: &[JobReport], now: Timestamp) -> String {
    let ok = jobs.iter().filter(|job| job.status.is_ok()).count();
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "a0snap report" }
                style { (PreEscaped(CSS)) }
            }
            body {
                h1 { "a0snap report" }
                p.muted {
                    "Written " (when(now)) ". " (jobs.len()) " job"
                    (plural(jobs.len())) ": " (ok) " ok, " (jobs.len() - ok) " not ok."
                }
                (jobs_table(jobs, now))
                @for job in jobs { (job_section(job)) }
            }
        }
    }
    .into_string()
}

/// The table of jobs: status, last snapshot (time and age), records, `latest.*` links.
fn jobs_table(jobs: &[JobReport], now: Timestamp) -> Markup {
    html! {
        table #jobs {
            thead { tr {
                th { "Job" } th { "Status" } th { "Last snapshot" } th { "Age" }
                th { "Records" } th { "Latest files" } th { "Last run" }
            } }
            tbody {
                @for job in jobs {
                    @let status = &job.status;
                    tr data-job=(status.job) {
                        td { a href={ "#job-" (status.job) } { (status.job) } }
                        td.status-cell { (badge(status.health)) }
                        @match &status.last_success {
                            Some(success) => {
                                td { (when(success.at)) }
                                td { (age(success.at, now)) }
                                td.num { (success.records) }
                            }
                            None => { td.muted { "none" } td.muted { "" } td.muted { "" } }
                        }
                        td {
                            @for (index, name) in job.latest.iter().enumerate() {
                                @if index > 0 { " " }
                                a.latest href={ (status.job) "/" (name) } { (name) }
                            }
                        }
                        td { (last_run(job)) }
                    }
                }
            }
        }
    }
}

/// A status badge: `ok`, `failed`, `stale` or `never run`.
fn badge(health: Health) -> Markup {
    let label = match health {
        Health::Ok => "ok",
        Health::Failed => "failed",
        Health::Stale => "stale",
        Health::NeverRun => "never run",
    };
    html! { span class={ "status status-" (health.name()) } { (label) } }
}

/// The last run's outcome and error, and any unreadable file.
fn last_run(job: &JobReport) -> Markup {
    html! {
        @if let Some(run) = &job.status.last_run {
            @match &run.error {
                Some(error) => { span.problem { "failed " (when(run.finished)) ": " (error) } }
                None => { span { "succeeded " (when(run.finished)) } }
            }
        } @else {
            span.muted { "no run recorded" }
        }
        @if let Some(problem) = &job.status.problem {
            div.problem { (problem) }
        }
    }
}

/// One job's section: its chart, its incremental counts, its latest change report.
fn job_section(job: &JobReport) -> Markup {
    let name = &job.status.job;
    html! {
        section.job id={ "job-" (name) } data-job=(name) {
            h2 { (name) " " span.muted { "(" (job.endpoint) ")" } }
            @for problem in &job.problems { p.problem { (problem) } }
            h3 { "Records over the last " (job.history.len()) " snapshot" (plural(job.history.len())) }
            @if job.history.is_empty() {
                p.muted { "No snapshot yet." }
            } @else {
                (records_chart(name, &job.history))
            }
            @if job.incremental { (events_table(&job.history)) }
            @match &job.changes {
                Some(report) => { (changes(report)) }
                None => { p.muted { "No change report for the latest snapshot." } }
            }
        }
    }
}

/// The inline SVG chart: one circle per snapshot (its title gives time and count), joined by
/// a line, over a 0-based y axis.
fn records_chart(name: &str, points: &[Point]) -> Markup {
    let (dots, top) = chart::layout(points);
    let (bottom_y, top_y) = chart::axis();
    let (left, right) = chart::edges();
    let view_box = format!("0 0 {} {}", chart::WIDTH, chart::HEIGHT);
    html! {
        svg.chart xmlns="http://www.w3.org/2000/svg" viewBox=(view_box) role="img"
            data-job=(name) data-points=(points.len()) {
            title { "Records per snapshot of " (name) }
            line x1=(left.to_string()) y1=(bottom_y.to_string()) x2=(right.to_string()) y2=(bottom_y.to_string()) {}
            line x1=(left.to_string()) y1=(top_y.to_string()) x2=(right.to_string()) y2=(top_y.to_string()) {}
            text x="2" y=((bottom_y + 3.0).to_string()) { "0" }
            text x="2" y=((top_y + 3.0).to_string()) { (top) }
            polyline points=(chart::polyline(&dots)) {}
            @for (dot, point) in dots.iter().zip(points) {
                circle.point cx=(dot.x.to_string()) cy=(dot.y.to_string()) r="3" {
                    title { (when(point.at)) ": " (point.records) " records" }
                }
            }
        }
    }
}

/// An incremental logs job's events per run (each snapshot is one run's new events; a quiet
/// run writes none), newest first.
fn events_table(points: &[Point]) -> Markup {
    let total: u64 = points.iter().map(|point| point.records).sum();
    html! {
        h3 { "Events per run" }
        table.events {
            thead { tr { th { "Run finished" } th { "Events" } } }
            tbody {
                @for point in points.iter().rev() {
                    tr { td { (when(point.at)) } td.num { (point.records) } }
                }
            }
            tfoot { tr { th { "Total (" (points.len()) " runs with events)" } th { (total) } } }
        }
    }
}

/// The change report as three tables.
fn changes(report: &ChangeReport) -> Markup {
    html! {
        div.changes data-file=(report.file) {
            h3 { "Changes in " code { (report.snapshot) } " since " code { (report.previous) } }
            p.muted {
                (report.added.total) " added, " (report.removed.total) " removed, "
                (report.changed.total) " changed, matched by " code { (report.identity) } "."
            }
            (id_table("added", "Added", &report.identity, &report.added))
            (id_table("removed", "Removed", &report.identity, &report.removed))
            (changed_table(&report.identity, &report.changed))
        }
    }
}

/// The added or removed identities.
fn id_table(class: &str, heading: &str, identity: &str, ids: &Capped<Value>) -> Markup {
    html! {
        h3 { (heading) " (" (ids.total) ")" }
        @if !ids.items.is_empty() {
            table class={ "changes-" (class) } {
                thead { tr { th { (identity) } } }
                tbody { @for id in &ids.items { tr { td.value { (shown(id)) } } } }
            }
            (more(ids))
        }
    }
}

/// The changed records: one row per changed field path with old and new values when the
/// report carries them, else one row per record with its changed field names.
fn changed_table(identity: &str, changed: &Capped<Changed>) -> Markup {
    html! {
        h3 { "Changed (" (changed.total) ")" }
        @if !changed.items.is_empty() {
            table.changes-changed {
                thead { tr { th { (identity) } th { "Field" } th { "Old" } th { "New" } } }
                tbody {
                    @for record in &changed.items {
                        @match &record.changes {
                            Some(paths) if !paths.is_empty() => {
                                @for change in paths { (change_row(&record.id, change)) }
                            }
                            _ => {
                                tr {
                                    td.value { (shown(&record.id)) }
                                    td.value { (record.fields.join(", ")) }
                                    td.muted colspan="2" { "values not in this report" }
                                }
                            }
                        }
                    }
                }
            }
            (more(changed))
        }
    }
}

/// One changed field path: its old and new value, `[REDACTED]` for a secret, "absent" for a
/// side without the path.
fn change_row(id: &Value, change: &Map<String, Value>) -> Markup {
    let path = change.get("path").map(shown).unwrap_or_default();
    let secret = change.get("secret").and_then(Value::as_bool) == Some(true);
    let side = |key: &str| -> Markup {
        match change.get(key) {
            _ if secret => html! { span.muted { "[REDACTED]" } },
            Some(value) => html! { (shown(value)) },
            None => html! { span.muted { "absent" } },
        }
    };
    html! {
        tr {
            td.value { (shown(id)) }
            td.value { (path) }
            td.value { (side("old")) }
            td.value { (side("new")) }
        }
    }
}

/// "and N more" under a table of a list cut at [`super::history::MAX_ROWS`] entries.
fn more<T>(list: &Capped<T>) -> Markup {
    let hidden = list.total - list.items.len();
    html! {
        @if hidden > 0 { p.muted { "and " (hidden) " more (see the JSON report)" } }
    }
}

/// A JSON value as text: a string as it is, anything else as compact JSON; cut at
/// [`MAX_VALUE`] characters.
fn shown(value: &Value) -> String {
    let text = match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    match text.char_indices().nth(MAX_VALUE) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// A time for people: UTC to the second, `2026-03-05 10:00:00Z`.
fn when(at: Timestamp) -> String {
    at.strftime("%Y-%m-%d %H:%M:%SZ").to_string()
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}
