use std::path::Path;

use super::bad;
use crate::jobs::parse_job;

/// (file body after a valid trigger and endpoint, the one problem it reports)
#[rustfmt::skip]
const ONE_PROBLEM: &[(&str, &str)] = &[
    ("[output]\nformat = \"xml\"", "jobs/apps.toml: output.format: \"xml\" is not a format; use one or several of \"json\", \"ndjson\", \"csv\""),
    ("[output]\nformat = [\"json\", \"xml\"]", "jobs/apps.toml: output.format[1]: \"xml\" is not a format; use one or several of \"json\", \"ndjson\", \"csv\""),
    ("[output]\nformat = [\"json\", \"json\"]", "jobs/apps.toml: output.format[1]: \"json\" is listed twice; list each format once"),
    ("[output]\nformat = []", "jobs/apps.toml: output.format: is empty; list at least one of \"json\", \"ndjson\", \"csv\""),
    ("[output]\nformat = 3", "jobs/apps.toml: output.format: expected a string or an array of strings, found an integer; write it as in format = [\"csv\", \"json\"]"),
    ("[output]\nformat = \"csv\"", "jobs/apps.toml: output.columns: csv needs columns; list the dotted paths to write, as in columns = [\"client_id\", \"name\"]"),
    ("[output]\nformat = \"csv\"\ncolumns = []", "jobs/apps.toml: output.columns: csv needs columns; list the dotted paths to write, as in columns = [\"client_id\", \"name\"]"),
    ("[output]\nformat = \"csv\"\ncolumns = [\"a\", \"b\", \"a..b\"]", "jobs/apps.toml: output.columns[2]: csv column \"a..b\" has an empty part: separate field names with single dots, as in \"jwt_configuration.alg\""),
    ("[output]\nformat = \"csv\"\ncolumns = [\"name\", \"name\"]", "jobs/apps.toml: output.columns[1]: \"name\" is listed twice; list each column once"),
    ("[output]\nformat = \"csv\"\ncolumns = [\"name\", 2]", "jobs/apps.toml: output.columns[1]: expected a string, found an integer; write it as in columns = [\"client_id\", \"name\"]"),
    ("[output]\nkeep = -1", "jobs/apps.toml: output.keep: -1 is negative; use 0 to keep every snapshot, or how many to keep"),
    ("[output]\nkeep = \"48\"", "jobs/apps.toml: output.keep: expected a whole number, found a string; write it as in keep = 30"),
    ("[output]\nkeep = 5000000000", "jobs/apps.toml: output.keep: 5000000000 is too large; use at most 4294967295, or 0 to keep every snapshot"),
    ("[output]\nkeep_for = \"30 days\"", "jobs/apps.toml: output.keep_for: \"30 days\" is not an interval; write a number and a unit (s, m, h or d), or several from largest to smallest, as in \"30s\", \"15m\", \"6h\", \"1d\" or \"1h30m\""),
    ("[output]\nkeep_for = 30", "jobs/apps.toml: output.keep_for: expected a string, found an integer; write it as in keep_for = \"30d\""),
    ("[output]\nkeep_for = \"0d\"", "jobs/apps.toml: output.keep_for: \"0d\" is shorter than a second; use at least \"1s\""),
    ("keep_for = \"30d\"", "jobs/apps.toml: keep_for: belongs in the [output] table; move it below the [output] line"),
    ("[output]\ncsv_formula_guard = \"no\"", "jobs/apps.toml: output.csv_formula_guard: expected true or false, found a string; write it as in csv_formula_guard = false"),
    ("[output]\nredact = false", "jobs/apps.toml: output.redact: is a top-level key; move it above the [output] line"),
    ("[output]\nfromat = \"json\"", "jobs/apps.toml: output.fromat: unknown key; did you mean \"format\"?"),
    ("output = \"json\"", "jobs/apps.toml: output: expected a table, found a string; write [output] on a line of its own, with format, columns and keep below it"),
    ("format = \"json\"", "jobs/apps.toml: format: belongs in the [output] table; move it below the [output] line"),
    ("redact = \"no\"", "jobs/apps.toml: redact: expected true or false, found a string; write it as in redact = false"),
    ("changes = 1", "jobs/apps.toml: changes: expected true or false, found an integer; write it as in changes = true"),
    ("colour = \"blue\"", "jobs/apps.toml: colour: unknown key; remove it (known keys: schedule, every, timezone, endpoint, for_each, pagination, items, params, redact, incremental, since, mode, changes, identity, output)"),
    ("incremental = true", "jobs/apps.toml: incremental: only the logs endpoint can be incremental; remove incremental, or use endpoint = \"logs\""),
    ("since = 2026-01-01T00:00:00Z", "jobs/apps.toml: since: only applies to incremental jobs; add incremental = true, or remove since"),
    ("mode = \"export\"", "jobs/apps.toml: mode: \"export\" only works with the users endpoint; remove mode, or use endpoint = \"users\""),
    ("mode = \"bulk\"", "jobs/apps.toml: mode: \"bulk\" is not a mode; use \"page\" (the default) or \"export\" (users only)"),
    ("identity = \"name\"", "jobs/apps.toml: identity: only applies to change reports; add changes = true, or remove identity"),
    ("changes = true\nidentity = \"a.b\"", "jobs/apps.toml: identity: \"a.b\" is not a top-level field name; name the field that identifies each record, as in identity = \"id\""),
    ("changes = true\n[output]\nformat = \"csv\"\ncolumns = [\"name\"]", "jobs/apps.toml: changes: the change report compares against the previous json or ndjson snapshot; add \"ndjson\" (or \"json\") to output.format"),
    ("[output]\nidentity = \"id\"", "jobs/apps.toml: output.identity: is a top-level key; move it above the [output] line"),
    ("pagination = \"pages\"", "jobs/apps.toml: pagination: \"pages\" is not a pagination kind; use \"offset\" (page and per_page), \"checkpoint\" (from and take) or \"none\" (one request)"),
    ("params = { page = 2 }", "jobs/apps.toml: params.page: a0snap sets page itself while paging; remove it"),
    ("params = { include_totals = true }", "jobs/apps.toml: params.include_totals: a0snap sets include_totals itself while paging; remove it"),
    ("params = { per_page = 500 }", "jobs/apps.toml: params.per_page: 500 is not a page size; use a whole number from 1 to 100"),
    ("params = { per_page = \"ten\" }", "jobs/apps.toml: params.per_page: ten is not a page size; use a whole number from 1 to 100"),
    ("params = { fields = [\"a\", \"b\"] }", "jobs/apps.toml: params.fields: expected a string, a whole number or true or false, found an array; join the values in one string, as in fields = \"a,b\""),
    ("params = { ratio = 1.5 }", "jobs/apps.toml: params.ratio: expected a string, a whole number or true or false, found a decimal number; write it in quotes, as in ratio = \"...\""),
    ("params = \"is_global=false\"", "jobs/apps.toml: params: expected a table, found a string; write it as in params = { fields = \"name\" }"),
];

#[test]
fn each_bad_setting_is_reported_with_its_file_key_and_fix() {
    for (body, expected) in ONE_PROBLEM {
        let text = format!("every = \"1h\"\nendpoint = \"clients\"\n{body}\n");
        assert_eq!(bad(&text), vec![expected.to_string()], "{body}");
    }
}

/// (a whole file, the one problem it reports)
#[rustfmt::skip]
const ONE_PROBLEM_IN_TRIGGER_OR_ENDPOINT: &[(&str, &str)] = &[
    ("endpoint = \"clients\"", "jobs/apps.toml: no schedule; add schedule = \"0 * * * *\" (cron) or every = \"1h\" (a fixed interval)"),
    ("schedule = \"@daily\"\nevery = \"1h\"\nendpoint = \"clients\"", "jobs/apps.toml: both schedule and every are set; keep one of them"),
    ("schedule = \"0 25 * * *\"\nendpoint = \"clients\"", "jobs/apps.toml: schedule: hour value 25 is out of range; use 0-23"),
    ("schedule = 5\nendpoint = \"clients\"", "jobs/apps.toml: schedule: expected a string, found an integer; write it as in schedule = \"0 * * * *\""),
    ("every = \"1 hour\"\nendpoint = \"clients\"", "jobs/apps.toml: every: \"1 hour\" is not an interval; write a number and a unit (s, m, h or d), or several from largest to smallest, as in \"30s\", \"15m\", \"6h\", \"1d\" or \"1h30m\""),
    ("every = \"0s\"\nendpoint = \"clients\"", "jobs/apps.toml: every: \"0s\" is shorter than a second; use at least \"1s\""),
    ("schedule = \"@daily\"\ntimezone = \"Europe/Pariss\"\nendpoint = \"clients\"", "jobs/apps.toml: timezone: \"Europe/Pariss\" is not a known time zone; use an iana name such as \"Europe/Paris\", \"America/New_York\" or \"UTC\""),
    ("every = \"1h\"\ntimezone = \"Europe/Paris\"\nendpoint = \"clients\"", "jobs/apps.toml: timezone: only applies to a schedule; remove it, or use schedule instead of every"),
    ("every = \"1h\"", "jobs/apps.toml: no endpoint; add endpoint = \"clients\" (or another management api list endpoint)"),
    ("every = \"1h\"\nendpoint = \"widgets\"", "jobs/apps.toml: endpoint: \"widgets\" is not an endpoint a0snap knows; describe it with pagination = \"offset\", \"checkpoint\" or \"none\" and items = \"<array key>\", or use one `a0snap endpoints` lists, as in endpoint = \"clients\" or endpoint = \"roles/rol_123/users\""),
    ("every = \"1h\"\nendpoint = \"users/u1/connected-accounts\"\nparams = { take = 50 }", "jobs/apps.toml: params.take: 50 is above the 20 records a page this endpoint gives (its maximum in the management api definition); use a whole number from 1 to 20"),
    ("every = \"1h\"\nendpoint = \"widgets\"\npagination = \"offset\"", "jobs/apps.toml: items: missing; offset pagination returns its records under a key, so add items = \"<array key>\", as in items = \"clients\""),
    ("every = \"1h\"\nendpoint = \"widgets\"\npagination = \"checkpoint\"\nitems = \"\"", "jobs/apps.toml: items: is empty; write the key that holds the records in each page, as in items = \"clients\""),
    ("every = \"1h\"\nendpoint = \"https://acme.auth0.com/api/v2/clients\"", "jobs/apps.toml: endpoint: \"https://acme.auth0.com/api/v2/clients\" is a url; write the path below /api/v2/, as in endpoint = \"clients\""),
    ("every = \"1h\"\nendpoint = \"clients?fields=name\"", "jobs/apps.toml: endpoint: \"clients?fields=name\" has a query; write the path alone and put query parameters in params"),
    ("every = \"1h\"\nendpoint = \"api/v2/clients\"", "jobs/apps.toml: endpoint: \"api/v2/clients\" is not below /api/v2/; write the path below it, as in \"clients\" or \"/api/v2/clients\""),
    ("every = \"1h\"\nendpoint = \"../secrets\"", "jobs/apps.toml: endpoint: \"../secrets\" is not a valid path; write the path below /api/v2/, as in \"clients\" or \"/api/v2/clients\""),
    ("every = \"1h\"\nendpoint = \"roles/%2E%2E/users\"", "jobs/apps.toml: endpoint: \"roles/%2E%2E/users\" is not a valid path; write the path below /api/v2/, as in \"clients\" or \"/api/v2/clients\""),
    ("every = \"1h\"\nendpoint = \"roles/{id}/users\"", "jobs/apps.toml: endpoint: \"roles/{id}/users\" has the placeholder {id} but no for_each; add for_each = \"roles\" to read it for every record of roles, or write one parent's id in its place, as in \"roles/rol_123/users\""),
    ("every = \"1h\"\nendpoint = \"\"", "jobs/apps.toml: endpoint: is empty; write a management api list endpoint, as in endpoint = \"clients\""),
    ("every = \"1h\"\nendpoint = \"logs\"\nparams = { from = \"90020\" }", "jobs/apps.toml: params.from: a0snap sets from itself while paging; remove it"),
    ("every = \"1h\"\nendpoint = \"logs\"\nparams = { take = 100, q = \"type:f\" }", "jobs/apps.toml: params.q: auth0 ignores every parameter but from and take when paging logs, so q would not filter anything; remove it and filter the snapshot downstream, or for a one-off search write a separate job with pagination = \"offset\", items = \"logs\" and params = { q = \"...\" }"),
    ("every = \"1h\"\nendpoint = \"logs\"\nincremental = true\nsince = \"last week\"", "jobs/apps.toml: since: \"last week\" is not a date and time with an offset; write it as in since = 2026-01-01T00:00:00Z"),
    ("every = \"1h\"\nendpoint = \"logs\"\nincremental = true\nsince = 2026-01-01T00:00:00", "jobs/apps.toml: since: 2026-01-01T00:00:00 is not a date and time with an offset; write it as in since = 2026-01-01T00:00:00Z"),
    ("every = \"1h\"\nendpoint = \"logs\"\nincremental = true\nchanges = true", "jobs/apps.toml: changes: an incremental job's snapshots hold only the new events, so there is nothing to compare; remove changes (every event of an incremental snapshot is new)"),
    ("every = \"1h\"\nendpoint = \"widgets\"\npagination = \"none\"\nchanges = true", "jobs/apps.toml: changes: a0snap does not know which field identifies a record of /api/v2/widgets; add identity = \"<field>\" naming it, as in identity = \"id\""),
    ("every = \"1h\"\nendpoint = \"users\"\nmode = \"export\"\nparams = { q = \"email:*\" }", "jobs/apps.toml: params.q: an export job sends only connection_id, fields and limit to Auth0's users export; remove it"),
    ("every = \"1h\"\nendpoint = \"users\"\nmode = \"export\"\nparams = { limit = 0 }", "jobs/apps.toml: params.limit: 0 is not a record limit; use a whole number from 1, or remove it to export every user"),
    ("every = \"1h\"\nendpoint = \"users\"\nmode = \"export\"\nparams = { fields = \" , \" }", "jobs/apps.toml: params.fields: lists no field; write them comma-separated, as in fields = \"user_id,email,user_metadata.plan\""),
    ("every = \"1h\"\nendpoint = \"clients\"\nschedul = \"@daily\"", "jobs/apps.toml: schedul: unknown key; did you mean \"schedule\"?"),
];

#[test]
fn a_bad_trigger_or_endpoint_is_reported_with_its_fix() {
    for (text, expected) in ONE_PROBLEM_IN_TRIGGER_OR_ENDPOINT {
        assert_eq!(bad(text), vec![expected.to_string()], "{text}");
    }
}

#[test]
fn every_problem_in_one_file_is_reported() {
    let text = r#"
schedule = "61 * * * *"
timezone = "Mars/Olympus"
endpoint = "clients"
redact = "yes"
params = { per_page = 0, page = 1 }
extra = 1
[output]
format = ["csv", "pdf"]
keep = -3
"#;
    assert_eq!(
        bad(text),
        vec![
            "jobs/apps.toml: timezone: \"Mars/Olympus\" is not a known time zone; use an iana name such as \"Europe/Paris\", \"America/New_York\" or \"UTC\"",
            "jobs/apps.toml: schedule: minute value 61 is out of range; use 0-59",
            "jobs/apps.toml: params.per_page: 0 is not a page size; use a whole number from 1 to 100",
            "jobs/apps.toml: params.page: a0snap sets page itself while paging; remove it",
            "jobs/apps.toml: redact: expected true or false, found a string; write it as in redact = false",
            "jobs/apps.toml: output.format[1]: \"pdf\" is not a format; use one or several of \"json\", \"ndjson\", \"csv\"",
            "jobs/apps.toml: output.columns: csv needs columns; list the dotted paths to write, as in columns = [\"client_id\", \"name\"]",
            "jobs/apps.toml: output.keep: -3 is negative; use 0 to keep every snapshot, or how many to keep",
            "jobs/apps.toml: extra: unknown key; remove it (known keys: schedule, every, timezone, endpoint, for_each, pagination, items, params, redact, incremental, since, mode, changes, identity, output)",
        ]
    );
}

#[test]
fn a_syntax_error_is_one_problem_with_its_line_and_column() {
    let problems = bad("every = \"1h\"\nendpoint = \"clients\"\nkeep = = 3\n");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with("jobs/apps.toml: line 3, column 8: invalid toml: "),
        "{}",
        problems[0]
    );
    assert!(
        problems[0].ends_with("; fix the syntax there"),
        "{}",
        problems[0]
    );
}

#[test]
fn a_duplicate_key_is_a_syntax_error() {
    let problems = bad("every = \"1h\"\nevery = \"2h\"\nendpoint = \"clients\"\n");
    assert!(
        problems[0].starts_with("jobs/apps.toml: line 2, column 1: invalid toml: "),
        "{}",
        problems[0]
    );
}

#[test]
fn a_bad_job_name_is_reported_with_a_suggested_file_name() {
    let problems = parse_job(
        "My Apps",
        Path::new("jobs/My Apps.toml"),
        "every = \"1h\"\nendpoint = \"clients\"\n",
    )
    .expect_err("a bad name");
    assert_eq!(
        problems[0].to_string(),
        "jobs/My Apps.toml: \"My Apps\" is not a valid job name; rename the file using lower-case letters, digits, \"-\" and \"_\", starting with a letter or digit, as in \"my-apps.toml\""
    );
}
