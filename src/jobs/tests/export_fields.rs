//! The fields a `mode = "export"` job asks Auth0 for, derived from its output or written in
//! `params.fields`, and the problems that would leave a CSV column empty.

use super::{bad, good};
use crate::jobs::{Job, Mode};
use crate::users_export::USER_ROOT_FIELDS;

fn export_job(params: &str, output: &str) -> String {
    format!(
        "every = \"1d\"\nendpoint = \"users\"\nmode = \"export\"\n{params}\n[output]\n{output}\n"
    )
}

fn fields(job: &Job) -> Vec<String> {
    match &job.mode {
        Mode::Export(request) => request.fields().to_vec(),
        Mode::Page => panic!("not an export job"),
    }
}

#[test]
fn an_export_without_fields_asks_for_what_its_csv_columns_read() {
    let job = good(&export_job(
        "",
        "format = \"csv\"\ncolumns = [\"email\", \"app_metadata.plan\", \"identities.0.connection\", \"identities[0].provider\", \"user_id\"]",
    ));
    assert_eq!(
        fields(&job),
        [
            "user_id",
            "email",
            "app_metadata.plan",
            "identities[0].connection",
            "identities[0].provider"
        ]
    );
}

#[test]
fn a_json_export_without_fields_asks_for_every_root_property_and_csv_adds_what_is_not_below_one() {
    assert_eq!(
        fields(&good(&export_job("", "format = \"ndjson\""))),
        USER_ROOT_FIELDS
    );
    let both = good(&export_job(
        "",
        "format = [\"csv\", \"json\"]\ncolumns = [\"app_metadata.plan\", \"identities[0].connection\", \"saml_department\"]",
    ));
    let mut expected: Vec<&str> = USER_ROOT_FIELDS.to_vec();
    expected.push("saml_department");
    assert_eq!(fields(&both), expected);
}

#[test]
fn explicit_fields_win_but_must_bring_every_csv_column() {
    let job = good(&export_job(
        "params = { fields = \"email, app_metadata, identities[0].connection\" }",
        "format = \"csv\"\ncolumns = [\"user_id\", \"app_metadata.plan\", \"identities.0.connection\"]",
    ));
    assert_eq!(
        fields(&job),
        [
            "user_id",
            "email",
            "app_metadata",
            "identities[0].connection"
        ]
    );
    assert_eq!(
        bad(&export_job(
            "params = { fields = \"email\" }",
            "format = [\"csv\", \"json\"]\ncolumns = [\"email\", \"app_metadata.plan\", \"user_metadata.locale\"]",
        )),
        [
            "jobs/apps.toml: params.fields: does not ask for the csv columns \"app_metadata.plan\", \"user_metadata.locale\", which would be empty in every row; add them to params.fields, or remove params.fields to let a0snap ask for what the columns need"
        ]
    );
    assert_eq!(
        bad(&export_job(
            "params = { fields = \"email,identities[x]\" }",
            ""
        )),
        [
            "jobs/apps.toml: params.fields: \"identities[x]\" is not a field name; write dotted paths with array indexes in brackets, as in fields = \"email,app_metadata.plan,identities[0].connection\""
        ]
    );
}

#[test]
fn more_than_30_fields_are_refused_naming_the_key_the_field_and_the_fix() {
    let columns: Vec<String> = (1..=30).map(|n| format!("\"app_metadata.f{n}\"")).collect();
    let problems = bad(&export_job(
        "",
        &format!("format = \"csv\"\ncolumns = [{}]", columns.join(", ")),
    ));
    assert_eq!(
        problems,
        [
            "jobs/apps.toml: output.columns: needs 31 export fields with user_id, but Auth0 exports at most 30 per job, so \"app_metadata.f30\" and the fields after it would be refused; drop columns, split them over two export jobs, or name root properties in params.fields (fields = \"email,app_metadata\" brings every app_metadata.* column in one field)"
        ]
    );
    let names: Vec<String> = (1..=30).map(|n| format!("f{n}")).collect();
    let problems = bad(&export_job(
        &format!("params = {{ fields = \"{}\" }}", names.join(",")),
        "format = \"json\"",
    ));
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with("jobs/apps.toml: params.fields: needs 31 export fields with user_id, but Auth0 exports at most 30 per job, so \"f30\"")
            && problems[0].ends_with("list at most 30 in params.fields, or split them over two export jobs"),
        "{}",
        problems[0]
    );
    let at_limit: Vec<String> = (1..=29).map(|n| format!("\"app_metadata.f{n}\"")).collect();
    let job = good(&export_job(
        "",
        &format!("format = \"csv\"\ncolumns = [{}]", at_limit.join(", ")),
    ));
    assert_eq!(fields(&job).len(), 30);
}
