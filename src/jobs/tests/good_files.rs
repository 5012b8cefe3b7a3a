use std::time::Duration;

use super::good;
use crate::endpoint::{KNOWN, Pagination};
use crate::jobs::{DEFAULT_KEEP, Mode, Trigger};
use crate::snapshot::Format;

#[test]
fn the_example_from_the_spec_is_a_good_job() {
    let job = good(
        r#"
# jobs/applications.toml: every application, hourly, as CSV and JSON
schedule = "0 * * * *"
endpoint = "clients"
params = { is_global = "false" }
[output]
format = ["csv", "json"]
columns = ["client_id", "name", "app_type", "jwt_configuration.alg", "callbacks"]
keep = 48
"#,
    );
    assert_eq!(job.name, "apps");
    assert_eq!(job.source.to_str(), Some("jobs/apps.toml"));
    assert_eq!(job.trigger.to_string(), "cron \"0 * * * *\" (UTC)");
    assert_eq!(job.endpoint.path, "/api/v2/clients");
    assert_eq!(
        job.params,
        vec![("is_global".to_owned(), "false".to_owned())]
    );
    assert_eq!(job.page_size, 50);
    assert_eq!(job.output.formats(), vec![Format::Csv, Format::Json]);
    let columns: Vec<&str> = job.output.columns().iter().map(|c| c.as_str()).collect();
    assert_eq!(
        columns,
        [
            "client_id",
            "name",
            "app_type",
            "jwt_configuration.alg",
            "callbacks"
        ]
    );
    assert_eq!(job.output.keep(), 48);
    assert!(job.output.redact() && job.output.neutralise_formulas());
    assert!(!job.incremental && job.output.changes().is_none() && job.since.is_none());
    assert_eq!(job.mode, Mode::Page);
}

#[test]
fn every_known_endpoint_makes_a_good_job_with_its_paging() {
    for known in KNOWN {
        // A parent's id in place of each `{...}` segment.
        let name: Vec<&str> = known
            .name
            .split('/')
            .map(|segment| {
                if segment.starts_with('{') {
                    "id_1"
                } else {
                    segment
                }
            })
            .collect();
        let name = name.join("/");
        let job = good(&format!("every = \"1h\"\nendpoint = \"{name}\"\n"));
        assert_eq!(job.endpoint.path, format!("/api/v2/{name}"));
        assert_eq!(job.endpoint.pagination, known.pagination, "{}", known.name);
        assert_eq!(job.endpoint.items.as_deref(), known.items, "{}", known.name);
        assert_eq!(job.endpoint.identity.as_deref(), known.identity);
        assert_eq!(job.page_size, known.default_page_size(), "{}", known.name);
    }
}

#[test]
fn the_full_api_path_names_the_same_endpoint() {
    let short = good("every = \"1h\"\nendpoint = \"clients\"\n");
    let long = good("every = \"1h\"\nendpoint = \"/api/v2/clients\"\n");
    assert_eq!(short.endpoint, long.endpoint);
}

#[test]
fn an_unknown_endpoint_works_when_described() {
    let job = good(
        "every = \"1d\"\nendpoint = \"/api/v2/widgets/w_1/members\"\npagination = \"checkpoint\"\nitems = \"members\"\n",
    );
    assert_eq!(job.endpoint.path, "/api/v2/widgets/w_1/members");
    assert_eq!(job.endpoint.pagination, Pagination::Checkpoint);
    assert_eq!(job.endpoint.items.as_deref(), Some("members"));
    assert_eq!(job.endpoint.identity, None);
    let single = good("every = \"1d\"\nendpoint = \"branding/themes\"\npagination = \"none\"\n");
    assert_eq!(single.endpoint.pagination, Pagination::None);
    assert_eq!(single.endpoint.items, None);
}

#[test]
fn a_known_endpoint_can_be_told_to_page_differently() {
    let job = good("every = \"1h\"\nendpoint = \"organizations\"\npagination = \"offset\"\n");
    assert_eq!(job.endpoint.pagination, Pagination::Offset);
    assert_eq!(job.endpoint.items.as_deref(), Some("organizations"));
}

#[test]
fn params_keep_file_order_as_text_and_give_up_the_page_size() {
    let job = good(
        "every = \"1h\"\nendpoint = \"users\"\nparams = { q = \"email:*@acme.com\", per_page = 100, search_engine = \"v3\", include_fields = true, limit = 7 }\n",
    );
    let params: Vec<(&str, &str)> = job
        .params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        params,
        [
            ("q", "email:*@acme.com"),
            ("search_engine", "v3"),
            ("include_fields", "true"),
            ("limit", "7")
        ]
    );
    assert_eq!(job.page_size, 100);
}

#[test]
fn checkpoint_and_log_paging_take_their_page_size_from_take() {
    let job = good("every = \"1h\"\nendpoint = \"logs\"\nparams = { take = \"25\" }\n");
    assert_eq!(job.page_size, 25);
    assert!(job.params.is_empty());
    let job = good("every = \"1h\"\nendpoint = \"connections\"\nparams = { take = 10 }\n");
    assert_eq!(job.page_size, 10);
    assert!(job.params.is_empty());
}

#[test]
fn a_one_off_log_search_pages_by_offset_and_keeps_its_query() {
    let job = good(
        "every = \"1d\"\nendpoint = \"logs\"\npagination = \"offset\"\nitems = \"logs\"\nparams = { q = \"type:f\", per_page = 100 }\n",
    );
    assert_eq!(job.params, vec![("q".to_owned(), "type:f".to_owned())]);
    assert_eq!(job.page_size, 100);
}

#[test]
fn a_date_range_on_an_unpaged_endpoint_is_not_taken_for_paging() {
    let job = good(
        "every = \"1d\"\nendpoint = \"stats/daily\"\nparams = { from = \"20250101\", to = \"20250131\" }\n",
    );
    assert_eq!(
        job.params,
        vec![
            ("from".to_owned(), "20250101".to_owned()),
            ("to".to_owned(), "20250131".to_owned())
        ]
    );
}

#[test]
fn an_endpoint_without_paging_passes_every_other_param_through() {
    let job = good("every = \"1h\"\nendpoint = \"custom-domains\"\nparams = { q = \"x\" }\n");
    assert_eq!(job.params, vec![("q".to_owned(), "x".to_owned())]);
    assert_eq!(job.page_size, 50);
}

#[test]
fn defaults_fill_what_a_minimal_job_leaves_out() {
    let job = good("every = \"15m\"\nendpoint = \"roles\"\n");
    assert!(
        matches!(job.trigger, Trigger::Every(interval) if interval == Duration::from_secs(900))
    );
    assert_eq!(job.trigger.to_string(), "every 15m");
    assert_eq!(job.output.formats(), vec![Format::Json]);
    assert!(job.output.columns().is_empty());
    assert_eq!(job.output.keep(), DEFAULT_KEEP);
    assert!(job.output.redact() && job.output.neutralise_formulas());
}

#[test]
fn retention_defaults_keep_30_but_every_delta_of_an_incremental_job() {
    let plain = good("every = \"15m\"\nendpoint = \"roles\"\n");
    assert_eq!(
        (plain.output.keep(), plain.output.keep_for()),
        (DEFAULT_KEEP, None)
    );
    assert!(!plain.output.deltas());
    let logs = good("every = \"5m\"\nendpoint = \"logs\"\nincremental = true\n");
    assert_eq!((logs.output.keep(), logs.output.keep_for()), (0, None));
    assert!(logs.output.deltas());
    let told = good(
        "every = \"5m\"\nendpoint = \"logs\"\nincremental = true\n[output]\nkeep = 3\nkeep_for = \"1d12h\"\n",
    );
    assert_eq!(told.output.keep(), 3, "an explicit keep is honoured");
    assert_eq!(told.output.keep_for(), Some(Duration::from_secs(36 * 3600)));
    let by_age = good("every = \"1h\"\nendpoint = \"roles\"\n[output]\nkeep_for = \"30d\"\n");
    assert_eq!(by_age.output.keep(), 0, "keep_for alone sets no count");
    assert_eq!(
        by_age.output.keep_for(),
        Some(Duration::from_secs(30 * 86_400))
    );
}

#[test]
fn top_level_switches_and_output_options_are_read() {
    let job = good(
        r#"
schedule = "30 2 * * mon-fri"
timezone = "Europe/Paris"
endpoint = "logs"
incremental = true
since = 2026-01-01T00:00:00Z
redact = false
[output]
format = "ndjson"
keep = 0
csv_formula_guard = false
"#,
    );
    assert_eq!(
        job.trigger.to_string(),
        "cron \"30 2 * * mon-fri\" (Europe/Paris)"
    );
    assert!(job.incremental && job.output.changes().is_none());
    assert_eq!(
        job.since,
        Some("2026-01-01T00:00:00Z".parse().expect("a timestamp"))
    );
    assert_eq!(job.output.formats(), vec![Format::Ndjson]);
    assert_eq!(job.output.keep(), 0);
    assert!(!job.output.redact() && !job.output.neutralise_formulas());
    let export = good(
        "every = \"1d\"\nendpoint = \"users\"\nmode = \"export\"\nparams = { connection_id = \"con_1\", fields = \"user_id,email\", limit = 10 }\n",
    );
    let Mode::Export(request) = &export.mode else {
        panic!("an export job: {:?}", export.mode);
    };
    assert_eq!(request.fields(), ["user_id", "email"]);
    assert_eq!(
        (request.connection_id.as_deref(), request.limit),
        (Some("con_1"), Some(10))
    );
    assert_eq!(export.params.len(), 3);
}

#[test]
fn a_change_report_identifies_records_by_the_known_field_or_the_identity_key() {
    let known = good(
        "every = \"1h\"\nendpoint = \"clients\"\nchanges = true\n[output]\nformat = [\"csv\", \"ndjson\"]\ncolumns = [\"name\"]\n",
    );
    assert!(known.output.changes().is_some());
    assert_eq!(known.output.changes(), Some("client_id"));
    let custom = good(
        "every = \"1h\"\nendpoint = \"widgets\"\npagination = \"none\"\nchanges = true\nidentity = \"widget_id\"\n",
    );
    assert_eq!(custom.output.changes(), Some("widget_id"));
    assert_eq!(custom.endpoint.identity.as_deref(), Some("widget_id"));
    let off = good("every = \"1h\"\nendpoint = \"clients\"\n");
    assert_eq!(off.output.changes(), None);
}

#[test]
fn a_trigger_lists_its_next_fire_times() {
    let after = "2026-03-28T00:00:00Z".parse().expect("a timestamp");
    let job =
        good("schedule = \"30 2 * * *\"\ntimezone = \"Europe/Paris\"\nendpoint = \"clients\"\n");
    let times: Vec<String> = job
        .trigger
        .next_fire_times(after, 2)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(times, ["2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z"]);
    let job = good("every = \"1h30m\"\nendpoint = \"clients\"\n");
    let times: Vec<String> = job
        .trigger
        .next_fire_times(after, 2)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(times, ["2026-03-28T01:30:00Z", "2026-03-28T03:00:00Z"]);
}
