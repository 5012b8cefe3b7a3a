//! The fault suite: one scenario a row, each played against fake-auth0 with the real binary
//! (see `faults/harness.rs`), each checking the exit code, what was printed, the requests the
//! fake saw, the files on disk (no partial file, `latest` intact) and that no secret or token
//! appears in any output. The README's "Failure behaviour" table describes the same rows.

mod checks;
use crate::common;
mod harness;
mod proxy;
mod tls;

use std::time::Duration;

use common::{config, empty_sizes};
use fake_auth0::{Config, Fault, FaultRule, RateLimit, Sizes};
use harness::{Act, Expect, Files, Prepare, Scenario, json_job, play};
use serde_json::json;

/// Each row becomes a test of its own, so rows run in parallel and fail one by one.
macro_rules! scenarios {
    ($($name:ident => $row:expr;)*) => {
        $(
            #[tokio::test(flavor = "multi_thread")]
            async fn $name() {
                play($row).await;
            }
        )*
    };
}

/// 120 roles: three pages of 50, 50 and 20.
fn roles_tenant() -> Config {
    config(Sizes {
        roles: 120,
        organizations: 30,
        ..empty_sizes()
    })
}

fn roles_job() -> Vec<(&'static str, String)> {
    vec![("roles", json_job("roles", ""))]
}

fn roles_and_orgs() -> Vec<(&'static str, String)> {
    vec![
        ("roles", json_job("roles", "")),
        ("orgs", json_job("organizations", "")),
    ]
}

fn roles(times: u64, nth: u64, action: Fault) -> FaultRule {
    FaultRule {
        path_prefix: Some("roles".into()),
        nth,
        times,
        action,
    }
}

fn always(action: Fault) -> FaultRule {
    FaultRule::always(Some("roles"), action)
}

fn env(pairs: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    pairs
        .iter()
        .map(|(name, value)| (*name, (*value).to_owned()))
        .collect()
}

const COMPLETE_ROLES: Files = Files::Complete {
    job: "roles",
    endpoint: "roles",
    key: "id",
};
const COMPLETE_ORGS: Files = Files::Complete {
    job: "orgs",
    endpoint: "organizations",
    key: "id",
};
const ROLES_UNCHANGED: Files = Files::Unchanged { job: "roles" };

/// A bad job file: exit 2, the file, key and fix printed, nothing asked of the tenant.
fn bad_job(name: &'static str, body: &str, printed: &'static str) -> Scenario {
    Scenario {
        baseline: false,
        expect: Expect {
            code: 2,
            printed: vec![printed],
            api_requests: 0..=0,
            token_requests: Some(0),
            files: vec![Files::Absent { job: name }],
            ..Expect::default()
        },
        ..Scenario::new(roles_tenant(), vec![(name, body.to_owned())])
    }
}

/// A bad setting: exit 2, each variable named with its fix, nothing asked of the tenant.
fn bad_settings(pairs: &[(&'static str, &str)], printed: Vec<&'static str>) -> Scenario {
    Scenario {
        baseline: false,
        env: env(pairs),
        expect: Expect {
            code: 2,
            printed,
            api_requests: 0..=0,
            token_requests: Some(0),
            files: vec![Files::Absent { job: "roles" }],
            ..Expect::default()
        },
        ..Scenario::new(roles_tenant(), roles_job())
    }
}

fn clients_with_formula_and_secret() -> Config {
    let mut tenant = config(empty_sizes());
    tenant.tenant.push(
        "clients",
        json!({"client_id": "c1", "name": "=1+2", "client_secret": "leaky-secret-value",
               "signing_keys": [{"cert": "leaky-signing-key"}]}),
    );
    tenant
}

fn clients_job(extra: &str, guard: &str) -> Vec<(&'static str, String)> {
    vec![(
        "apps",
        format!(
            "every = \"1h\"\nendpoint = \"clients\"\n{extra}\n[output]\nformat = [\"json\", \"csv\"]\ncolumns = [\"client_id\", \"name\", \"client_secret\"]\n{guard}\n"
        ),
    )]
}

scenarios! {
    a_429_storm_is_waited_out_and_every_page_arrives => Scenario {
        faults: vec![roles(3, 1, Fault::RateLimited { reset_in_secs: 1, retry_after: Some(1) })],
        expect: Expect {
            api_requests: 6..=6,
            rate_limited: 3..=3,
            files: vec![COMPLETE_ROLES],
            ..Expect::default()
        },
        ..Scenario::new(roles_tenant(), roles_job())
    };

    a_burst_429_whose_reset_is_now_waits_at_least_a_second_and_says_why => Scenario {
        faults: vec![roles(2, 2, Fault::RateLimited { reset_in_secs: 0, retry_after: None })],
        env: env(&[("RUST_LOG", "a0snap=debug")]),
        expect: Expect {
            printed: vec!["waiting before retrying", "x-ratelimit-reset (+25 %, at least 1 s)"],
            api_requests: 5..=5,
            rate_limited: 2..=2,
            files: vec![COMPLETE_ROLES],
            ..Expect::default()
        },
        ..Scenario::new(roles_tenant(), roles_job())
    };

    a_429_whose_reset_is_in_the_past_still_waits_the_floor => Scenario {
        faults: vec![roles(1, 1, Fault::RateLimited { reset_in_secs: -30, retry_after: None })],
        expect: Expect {
            api_requests: 4..=4,
            rate_limited: 1..=1,
            files: vec![COMPLETE_ROLES],
            ..Expect::default()
        },
        ..Scenario::new(roles_tenant(), roles_job())
    };

    a_429_asking_for_an_hour_fails_the_job_at_once_and_keeps_latest => Scenario {
        faults: vec![always(Fault::RateLimited { reset_in_secs: 0, retry_after: Some(3600) })],
        expect: Expect {
            code: 1,
            printed: vec!["asked to wait 3600s (Retry-After)", "A0SNAP_MAX_RETRY_WAIT"],
            api_requests: 1..=1,
            rate_limited: 1..=1,
            files: vec![ROLES_UNCHANGED],
            ..Expect::default()
        },
        ..Scenario::new(roles_tenant(), roles_job())
    };

    server_errors_then_success_are_retried_with_backoff => Scenario {
        faults: vec![roles(3, 2, Fault::Status(500))],
        expect: Expect {
            api_requests: 6..=6,
            files: vec![COMPLETE_ROLES],
            ..Expect::default()
        },
        ..Scenario::new(roles_tenant(), roles_job())
    };

    server_errors_forever_exhaust_the_retry_budget_and_keep_latest => Scenario {
        faults: vec![always(Fault::Status(503))],
        env: env(&[("A0SNAP_MAX_RETRIES", "2")]),
        expect: Expect {
            code: 1,
            printed: vec!["failed after 3 attempts, last: 503 Service Unavailable", "A0SNAP_MAX_RETRIES"],
            api_requests: 3..=3,
            files: vec![ROLES_UNCHANGED],
            ..Expect::default()
        },
        ..Scenario::new(roles_tenant(), roles_job())
    };

    a_page_slower_than_the_request_timeout_is_asked_again => Scenario {
        faults: vec![roles(1, 2, Fault::Delay(Duration::from_secs(3)))],
        env: env(&[("A0SNAP_REQUEST_TIMEOUT", "1")]),
        expect: Expect {
            api_requests: 4..=4,
            files: vec![COMPLETE_ROLES],
            ..Expect::default()
        },
        ..Scenario::new(roles_tenant(), roles_job())
    };

    pages_slower_than_the_timeout_every_time_fail_with_the_timeout_named => Scenario {
        faults: vec![always(Fault::Delay(Duration::from_secs(3)))],
        env: env(&[("A0SNAP_REQUEST_TIMEOUT", "1"), ("A0SNAP_MAX_RETRIES", "1")]),
        expect: Expect {
            code: 1,
            printed: vec!["failed after 2 attempts, last: timed out", "A0SNAP_REQUEST_TIMEOUT"],
            api_requests: 2..=2,
            files: vec![ROLES_UNCHANGED],
            ..Expect::default()
        },
        ..Scenario::new(roles_tenant(), roles_job())
    };

    a_dropped_connection_is_retried => Scenario {
        faults: vec![roles(1, 2, Fault::DropConnection)],
        expect: Expect {
            api_requests: 4..=4,
            files: vec![COMPLETE_ROLES],
            ..Expect::default()
        },
        ..Scenario::new(roles_tenant(), roles_job())
    };

    a_body_cut_short_is_retried => Scenario {
        faults: vec![roles(1, 1, Fault::TruncatedBody)],
        expect: Expect {
            api_requests: 4..=4,
            files: vec![COMPLETE_ROLES],
            ..Expect::default()
        },
        ..Scenario::new(roles_tenant(), roles_job())
    };

    connections_dropped_every_time_fail_after_the_retry_budget => Scenario {
        faults: vec![always(Fault::DropConnection)],
        env: env(&[("A0SNAP_MAX_RETRIES", "1")]),
        expect: Expect {
            code: 1,
            printed: vec!["failed after 2 attempts", "check the network"],
            api_requests: 2..=2,
            files: vec![ROLES_UNCHANGED],
            ..Expect::default()
        },
        ..Scenario::new(roles_tenant(), roles_job())
    };

    malformed_json_fails_the_job_naming_endpoint_page_and_body => Scenario {
        faults: vec![roles(1, 2, Fault::MalformedJson)],
        // One page at a time, so the second request is the second page.
        env: env(&[("A0SNAP_MAX_IN_FLIGHT", "1")]),
        expect: Expect {
            code: 1,
            printed: vec!["GET /api/v2/roles (page 2)", "not valid JSON", "body starts: <html>"],
            api_requests: 2..=2,
            files: vec![ROLES_UNCHANGED],
            ..Expect::default()
        },
        ..Scenario::new(roles_tenant(), roles_job())
    };

    an_answer_of_the_wrong_shape_fails_the_job_and_names_the_key => Scenario {
        baseline: false,
        expect: Expect {
            code: 1,
            printed: vec!["(page 1)", "no \"users\" array (keys: limit, roles, start, total)"],
            api_requests: 1..=1,
            files: vec![Files::Absent { job: "roles" }],
            ..Expect::default()
        },
        ..Scenario::new(roles_tenant(), vec![("roles", json_job("roles", "items = \"users\""))])
    };

    a_revoked_token_is_renewed_once_and_the_export_completes => Scenario {
        prepare: Prepare::RevokeTokens,
        expect: Expect {
            api_requests: 4..=4,
            token_requests: Some(1),
            files: vec![COMPLETE_ROLES],
            ..Expect::default()
        },
        ..Scenario::new(roles_tenant(), roles_job())
    };

    a_token_refused_even_when_fresh_fails_with_a_hint => Scenario {
        faults: vec![always(Fault::Status(401))],
        expect: Expect {
            code: 1,
            printed: vec!["answered 401 again with a fresh token", "AUTH0_AUDIENCE"],
            api_requests: 2..=2,
            token_requests: Some(1),
            files: vec![ROLES_UNCHANGED],
            ..Expect::default()
        },
        ..Scenario::new(roles_tenant(), roles_job())
    };

    a_wrong_secret_fails_with_the_client_named_and_never_printed => Scenario {
        baseline: false,
        env: env(&[("AUTH0_CLIENT_SECRET", "wrong-secret-Hq2xK9")]),
        expect: Expect {
            code: 1,
            printed: vec!["test-client-id", "FAILED"],
            hidden: vec!["wrong-secret-Hq2xK9"],
            api_requests: 0..=0,
            token_requests: Some(1),
            files: vec![Files::Absent { job: "roles" }],
            ..Expect::default()
        },
        ..Scenario::new(roles_tenant(), roles_job())
    };

    a_missing_scope_fails_that_job_and_the_others_finish => Scenario {
        baseline: false,
        expect: Expect {
            code: 1,
            printed: vec!["insufficient_scope", "grant read:roles to the application", "2 jobs: 1 succeeded, 1 failed"],
            files: vec![Files::Absent { job: "roles" }, COMPLETE_ORGS],
            ..Expect::default()
        },
        ..Scenario::new(
            Config {
                scopes: vec!["read:organizations".into(), "read:clients".into()],
                ..roles_tenant()
            },
            roles_and_orgs(),
        )
    };

    a_404_fails_that_job_and_the_others_finish => Scenario {
        faults: vec![always(Fault::Status(404))],
        expect: Expect {
            code: 1,
            printed: vec!["GET /api/v2/roles answered 404", "check the endpoint name", "2 jobs: 1 succeeded, 1 failed"],
            files: vec![ROLES_UNCHANGED, COMPLETE_ORGS],
            ..Expect::default()
        },
        ..Scenario::new(roles_tenant(), roles_and_orgs())
    };

    an_exhausted_retry_budget_in_one_job_does_not_stop_the_others => Scenario {
        faults: vec![always(Fault::Status(500))],
        env: env(&[("A0SNAP_MAX_RETRIES", "1")]),
        expect: Expect {
            code: 1,
            printed: vec!["roles  FAILED   GET /api/v2/roles failed after 2 attempts", "2 jobs: 1 succeeded, 1 failed"],
            files: vec![ROLES_UNCHANGED, COMPLETE_ORGS],
            ..Expect::default()
        },
        ..Scenario::new(roles_tenant(), roles_and_orgs())
    };

    a_job_past_its_time_limit_fails_and_keeps_latest => Scenario {
        faults: vec![always(Fault::Delay(Duration::from_millis(700)))],
        // One page at a time, so the slow pages come one after the other.
        env: env(&[("A0SNAP_JOB_TIMEOUT", "1"), ("A0SNAP_MAX_IN_FLIGHT", "1")]),
        expect: Expect {
            code: 1,
            printed: vec!["did not finish within the job's time limit of 1s", "raise A0SNAP_JOB_TIMEOUT"],
            api_requests: 1..=2,
            files: vec![ROLES_UNCHANGED],
            ..Expect::default()
        },
        ..Scenario::new(roles_tenant(), roles_job())
    };

    a_job_folder_that_cannot_be_made_fails_that_job_only => Scenario {
        baseline: false,
        prepare: Prepare::JobFolderIsAFile("roles"),
        expect: Expect {
            code: 1,
            printed: vec!["roles  FAILED", "2 jobs: 1 succeeded, 1 failed"],
            api_requests: 1..=1,
            files: vec![Files::Absent { job: "roles" }, COMPLETE_ORGS],
            ..Expect::default()
        },
        ..Scenario::new(roles_tenant(), roles_and_orgs())
    };

    a_read_only_output_folder_fails_the_job_and_keeps_every_snapshot => Scenario {
        prepare: Prepare::ReadOnlyOutput,
        expect: Expect {
            code: 1,
            printed: vec!["no permission to write", "give this user write access"],
            files: vec![ROLES_UNCHANGED],
            ..Expect::default()
        },
        ..Scenario::new(roles_tenant(), roles_job())
    };

    a_killed_run_leaves_temporary_files_that_the_next_run_removes => Scenario {
        act: Act::KilledThenRun("roles"),
        expect: Expect {
            printed: vec!["removed temporary files left by an interrupted run"],
            files: vec![COMPLETE_ROLES],
            ..Expect::default()
        },
        ..Scenario::new(Config { latency: Duration::from_millis(500), ..roles_tenant() }, roles_job())
    };

    overlapping_runs_never_write_the_same_job_at_once => Scenario {
        act: Act::Overlapping("roles"),
        expect: Expect {
            printed: vec!["roles  skipped  another a0snap process is writing this job", "1 skipped"],
            files: vec![COMPLETE_ROLES],
            ..Expect::default()
        },
        ..Scenario::new(Config { latency: Duration::from_millis(500), ..roles_tenant() }, roles_job())
    };

    a_misspelt_key_is_a_usage_error_naming_file_and_key => bad_job(
        "apps",
        "every = \"1h\"\nendpont = \"roles\"\n[output]\nformat = \"json\"\n",
        "apps.toml: endpont: unknown key; did you mean \"endpoint\"?",
    );

    a_bad_cron_field_is_a_usage_error_naming_the_range => bad_job(
        "apps",
        "schedule = \"61 * * * *\"\nendpoint = \"roles\"\n[output]\nformat = \"json\"\n",
        "apps.toml: schedule: minute value 61 is out of range; use 0-59",
    );

    csv_without_columns_is_a_usage_error_saying_what_to_add => bad_job(
        "apps",
        "every = \"1h\"\nendpoint = \"roles\"\n[output]\nformat = \"csv\"\n",
        "apps.toml: output.columns: csv needs columns",
    );

    a_page_size_over_100_is_a_usage_error => bad_job(
        "apps",
        "every = \"1h\"\nendpoint = \"roles\"\nparams = { per_page = 500 }\n[output]\nformat = \"json\"\n",
        "apps.toml: params.per_page: 500 is not a page size; use a whole number from 1 to 100",
    );

    a_job_name_that_could_leave_the_output_folder_is_refused => bad_job(
        "x..",
        "every = \"1h\"\nendpoint = \"roles\"\n[output]\nformat = \"json\"\n",
        "\"x..\" is not a valid job name; rename the file",
    );

    bad_retry_and_timeout_settings_are_each_named_with_the_fix => bad_settings(
        &[("A0SNAP_MAX_RETRIES", "lots"), ("A0SNAP_JOB_TIMEOUT", "soon"), ("A0SNAP_MAX_RETRY_WAIT", "-1")],
        vec![
            "A0SNAP_MAX_RETRIES: \"lots\" is not a whole number from 0 to 100",
            "A0SNAP_JOB_TIMEOUT: \"soon\" is not an interval",
            "A0SNAP_MAX_RETRY_WAIT:",
        ],
    );

    a_ca_file_that_holds_no_certificate_is_a_configuration_error => Scenario {
        prepare: Prepare::WriteFile("ca.pem", "not a certificate\n"),
        ..bad_settings(
            &[("A0SNAP_CA_FILE", "ca.pem")],
            vec!["the CA file ca.pem holds no PEM certificate", "-----BEGIN CERTIFICATE-----"],
        )
    };

    a_missing_ca_file_is_a_configuration_error => bad_settings(
        &[("A0SNAP_CA_FILE", "missing.pem")],
        vec!["A0SNAP_CA_FILE: missing.pem is not a readable file"],
    );

    formula_cells_are_neutralised_and_secret_fields_redacted_by_default => Scenario {
        baseline: false,
        expect: Expect {
            files: vec![
                Files::Contains { job: "apps", file: "latest.csv", text: "c1,'=1+2,[REDACTED]" },
                Files::Contains { job: "apps", file: "latest.json", text: "\"signing_keys\":\"[REDACTED]\"" },
                Files::Lacks { job: "apps", file: "latest.json", text: "leaky-" },
                Files::Lacks { job: "apps", file: "latest.csv", text: "leaky-" },
            ],
            ..Expect::default()
        },
        ..Scenario::new(clients_with_formula_and_secret(), clients_job("", ""))
    };

    a_job_can_opt_out_of_redaction_and_formula_neutralising_explicitly => Scenario {
        baseline: false,
        expect: Expect {
            files: vec![
                Files::Contains { job: "apps", file: "latest.csv", text: "c1,=1+2,leaky-secret-value" },
                Files::Contains { job: "apps", file: "latest.json", text: "leaky-signing-key" },
            ],
            ..Expect::default()
        },
        ..Scenario::new(
            clients_with_formula_and_secret(),
            clients_job("redact = false", "csv_formula_guard = false"),
        )
    };

    a_role_deleted_after_the_first_page_is_walked_again_and_the_snapshot_is_exact => Scenario {
        faults: vec![roles(1, 1, Fault::RemoveAfter(0))],
        expect: Expect {
            printed: vec!["the list changed during the walk; walking again from the start", "total 120 on page 1, then 119 on page 2"],
            api_requests: 5..=6,
            files: vec![COMPLETE_ROLES, Files::Contains { job: "roles", file: "latest.meta.json", text: "\"rewalks\": 1" }],
            ..Expect::default()
        },
        ..Scenario::new(roles_tenant(), roles_job())
    };

    a_role_created_at_the_front_after_the_first_page_is_walked_again_and_the_snapshot_is_exact => Scenario {
        faults: vec![roles(1, 1, Fault::InsertAfter(0))],
        expect: Expect {
            printed: vec!["total 120 on page 1, then 121 on page 2"],
            api_requests: 5..=6,
            files: vec![COMPLETE_ROLES],
            ..Expect::default()
        },
        ..Scenario::new(roles_tenant(), roles_job())
    };

    a_list_that_changes_during_every_walk_fails_naming_each_drift_and_keeps_latest => Scenario {
        faults: vec![always(Fault::RemoveAfter(0))],
        expect: Expect {
            code: 1,
            printed: vec!["/api/v2/roles changed while it was read, in each of 3 walks: total 120 on page 1, then", "raise A0SNAP_MAX_REWALKS"],
            files: vec![ROLES_UNCHANGED],
            ..Expect::default()
        },
        ..Scenario::new(roles_tenant(), roles_job())
    };

    with_no_rewalks_allowed_the_first_drift_fails_the_job => Scenario {
        faults: vec![roles(1, 1, Fault::RemoveAfter(0))],
        env: env(&[("A0SNAP_MAX_REWALKS", "0")]),
        expect: Expect {
            code: 1,
            printed: vec!["changed while it was read, in its only walk: total 120 on page 1, then 119"],
            api_requests: 2..=3,
            files: vec![ROLES_UNCHANGED],
            ..Expect::default()
        },
        ..Scenario::new(roles_tenant(), roles_job())
    };

    an_offset_page_that_starts_elsewhere_than_asked_is_walked_again => Scenario {
        faults: vec![roles(1, 2, Fault::WrongPage)],
        // One page at a time, so the second request is the second page.
        env: env(&[("A0SNAP_MAX_IN_FLIGHT", "1")]),
        expect: Expect {
            printed: vec!["page 2 started at 100, not 50"],
            api_requests: 5..=5,
            files: vec![COMPLETE_ROLES],
            ..Expect::default()
        },
        ..Scenario::new(roles_tenant(), roles_job())
    };

    a_log_page_overlapping_the_one_before_is_walked_again_and_every_event_is_written_once => Scenario {
        faults: vec![FaultRule::nth(Some("logs"), 3, Fault::WrongPage)],
        expect: Expect {
            printed: vec!["is not above", "walking again from the start"],
            // The oldest event, 49 more, then the overlapping page (drift); then 1, 49, 50, 20
            // and the empty page.
            api_requests: 8..=8,
            files: vec![Files::Complete { job: "logs", endpoint: "logs", key: "log_id" }],
            ..Expect::default()
        },
        ..Scenario::new(
            config(Sizes { logs: 120, users: 3, clients: 2, ..empty_sizes() }),
            vec![("logs", json_job("logs", ""))],
        )
    };

    an_offset_page_empty_before_the_total_is_walked_again => Scenario {
        faults: vec![roles(1, 2, Fault::EmptyPage)],
        // One page at a time, so the second request is the second page.
        env: env(&[("A0SNAP_MAX_IN_FLIGHT", "1")]),
        expect: Expect {
            printed: vec!["page 2 was empty after 50 of 120 records"],
            api_requests: 5..=5,
            files: vec![COMPLETE_ROLES],
            ..Expect::default()
        },
        ..Scenario::new(roles_tenant(), roles_job())
    };

    offset_pages_empty_before_the_total_on_every_walk_fail_and_keep_latest => Scenario {
        faults: vec![always(Fault::EmptyPage)],
        env: env(&[("A0SNAP_MAX_REWALKS", "1")]),
        expect: Expect {
            code: 1,
            printed: vec!["in each of 2 walks: page 1 was empty after 0 of 120 records; then page 1 was empty after 0 of 120 records"],
            api_requests: 2..=2,
            files: vec![ROLES_UNCHANGED],
            ..Expect::default()
        },
        ..Scenario::new(roles_tenant(), roles_job())
    };

    a_server_capping_pages_below_per_page_still_gives_every_record_once => Scenario {
        expect: Expect {
            api_requests: 3..=3,
            files: vec![COMPLETE_ROLES, Files::Contains { job: "roles", file: "latest.meta.json", text: "\"page_size\": 50" }],
            ..Expect::default()
        },
        ..Scenario::new(
            Config { page_size_cap: Some(50), ..roles_tenant() },
            vec![("roles", json_job("roles", "params = { per_page = 100 }"))],
        )
    };

    a_server_capping_pages_without_totals_is_walked_again_at_its_page_size => Scenario {
        expect: Expect {
            printed: vec!["walking again at its page size"],
            // Two pages at 100 show the cap; then 50, 50, 20 and the empty page that ends it.
            api_requests: 6..=6,
            files: vec![COMPLETE_ROLES, Files::Contains { job: "roles", file: "latest.meta.json", text: "\"page_size\": 50" }],
            ..Expect::default()
        },
        ..Scenario::new(
            Config { page_size_cap: Some(50), ignore_totals: true, ..roles_tenant() },
            vec![("roles", json_job("roles", "params = { per_page = 100 }"))],
        )
    };

    without_totals_a_short_page_is_not_the_end_until_an_empty_one_follows => Scenario {
        expect: Expect {
            api_requests: 4..=4,
            files: vec![COMPLETE_ROLES, Files::Contains { job: "roles", file: "latest.meta.json", text: "\"total\": null" }],
            ..Expect::default()
        },
        ..Scenario::new(Config { ignore_totals: true, ..roles_tenant() }, roles_job())
    };

    a_server_capping_pages_at_offsets_of_the_size_asked_is_probed_and_walked_at_its_size => Scenario {
        expect: Expect {
            printed: vec!["walking again at its page size"],
            // Page 1 at 100 (50 come), the probe at 50, then 50, 50, 20 and the empty page.
            api_requests: 6..=6,
            files: vec![COMPLETE_ROLES],
            ..Expect::default()
        },
        ..Scenario::new(
            Config { page_size_cap: Some(50), cap_keeps_asked_offsets: true, ignore_totals: true, ..roles_tenant() },
            vec![("roles", json_job("roles", "params = { per_page = 100 }"))],
        )
    };

    without_totals_an_empty_page_after_a_full_one_is_asked_past_and_walked_again => Scenario {
        faults: vec![roles(1, 2, Fault::EmptyPage)],
        expect: Expect {
            printed: vec!["page 2 was empty, yet page 3 held records"],
            // 50, empty, 50 (drift); then 50, 50, 20 and the empty page.
            api_requests: 7..=7,
            files: vec![COMPLETE_ROLES],
            ..Expect::default()
        },
        ..Scenario::new(Config { ignore_totals: true, ..roles_tenant() }, roles_job())
    };

    an_unpaged_job_given_paging_params_is_a_usage_error => bad_job(
        "domains",
        "every = \"1h\"\nendpoint = \"custom-domains\"\nparams = { take = 2 }\n[output]\nformat = \"json\"\n",
        "domains.toml: params.take: this endpoint is read in one request (pagination = \"none\")",
    );

    a_tenant_with_burst_2_and_2_per_second_gives_30_pages_with_few_429s => Scenario {
        baseline: false,
        expect: Expect {
            api_requests: 30..=33,
            rate_limited: 0..=3,
            files: vec![COMPLETE_ROLES],
            ..Expect::default()
        },
        ..Scenario::new(
            Config {
                rate_limit: Some(RateLimit { burst: 2, per_second: 2.0 }),
                ..config(Sizes { roles: 60, ..empty_sizes() })
            },
            vec![("roles", json_job("roles", "params = { per_page = 2 }"))],
        )
    };
}
