use super::*;

fn cells(record: &str, columns: &[&str], redact: bool) -> Vec<Option<String>> {
    let columns: Vec<_> = columns.iter().map(|c| Column::parse(c).unwrap()).collect();
    let tree = ColumnTree::new(&columns);
    let mut cells = Vec::new();
    tree.resolve(record, redact, &mut cells).unwrap();
    cells
        .into_iter()
        .map(|cell| match cell {
            Cell::Missing => None,
            Cell::Redacted => Some("<redacted>".to_owned()),
            Cell::Value(raw, _) => Some(raw.get().to_owned()),
        })
        .collect()
}

#[test]
fn nested_paths_array_indexes_and_repeated_columns_are_found() {
    let record = r#"{"name":"a","jwt_configuration":{"alg":"RS256","x":1},"callbacks":["u0",{"k":"u1"}],"0":"zero"}"#;
    let got = cells(
        record,
        &[
            "jwt_configuration.alg",
            "callbacks.1.k",
            "callbacks",
            "name",
            "0",
            "name",
        ],
        false,
    );
    let want = [
        r#""RS256""#,
        r#""u1""#,
        r#"["u0",{"k":"u1"}]"#,
        r#""a""#,
        r#""zero""#,
        r#""a""#,
    ];
    assert_eq!(got, want.map(|s| Some(s.to_owned())));
}

#[test]
fn paths_that_lead_nowhere_are_missing() {
    let record = r#"{"a":{"b":1},"list":[1],"s":"text","n":null}"#;
    let got = cells(
        record,
        &["a.c", "list.5", "s.x", "n.x", "absent", "a.b.c", "list.01"],
        false,
    );
    assert!(got.iter().all(Option::is_none), "{got:?}");
}

#[test]
fn a_flat_dotted_key_is_read_like_the_nested_path_and_wins_over_it() {
    let columns = [
        "app_metadata.plan",
        "identities[0].connection",
        "identities.0.connection",
        "user_metadata.locale",
        "email",
    ];
    let flat = r#"{"email":"a@x","app_metadata.plan":"pro","identities[0].connection":"db","user_metadata":{"locale":"fr"}}"#;
    let want = [r#""pro""#, r#""db""#, r#""db""#, r#""fr""#, r#""a@x""#];
    assert_eq!(
        cells(flat, &columns, true),
        want.map(|s| Some(s.to_owned()))
    );
    let nested = r#"{"app_metadata":{"plan":"pro"},"identities":[{"connection":"db"}]}"#;
    assert_eq!(
        cells(nested, &columns[..3], true),
        want[..3]
            .iter()
            .map(|s| Some((*s).to_owned()))
            .collect::<Vec<_>>()
    );
    for both in [
        r#"{"app_metadata":{"plan":"nested"},"app_metadata.plan":"flat"}"#,
        r#"{"app_metadata.plan":"flat","app_metadata":{"plan":"nested"}}"#,
    ] {
        assert_eq!(
            cells(both, &["app_metadata.plan", "app_metadata"], false),
            [
                Some(r#""flat""#.to_owned()),
                Some(r#"{"plan":"nested"}"#.to_owned())
            ],
            "{both}"
        );
    }
    let below = r#"{"a":{"b.c":1}}"#;
    assert_eq!(cells(below, &["a.b.c"], false), [None]);
}

#[test]
fn a_flat_key_through_a_secret_field_is_redacted_when_redacting() {
    let record = r#"{"options.client_secret":"s","options":{"x":1}}"#;
    assert_eq!(
        cells(record, &["options.client_secret"], true),
        [Some("<redacted>".to_owned())]
    );
    assert_eq!(
        cells(record, &["options.client_secret"], false),
        [Some(r#""s""#.to_owned())]
    );
}

#[test]
fn a_path_through_a_secret_field_is_redacted_there_and_missing_below() {
    let record =
        r#"{"client_secret":"s","signing_keys":[{"cert":"c"}],"options":{"app_secret":"x"}}"#;
    let got = cells(
        record,
        &["client_secret", "signing_keys.0.cert", "options.app_secret"],
        true,
    );
    assert_eq!(
        got,
        [
            Some("<redacted>".to_owned()),
            None,
            Some("<redacted>".to_owned())
        ]
    );
    let kept = cells(record, &["client_secret"], false);
    assert_eq!(kept, [Some(r#""s""#.to_owned())]);
}

#[test]
fn a_secret_name_holding_settings_is_walked_like_the_redacted_json() {
    let record = r#"{"refresh_token":{"token_lifetime":2592000,"rotation_type":"rotating"},"options":{"authentication_methods":{"password":{"enabled":true}},"password":["p1","p2"]},"secret":null}"#;
    let columns = [
        "refresh_token.token_lifetime",
        "refresh_token.rotation_type",
        "options.authentication_methods.password.enabled",
        "options.password.1",
        "secret",
    ];
    let got = cells(record, &columns, true);
    let want = [
        Some("2592000"),
        Some(r#""rotating""#),
        Some("true"),
        Some("<redacted>"),
        Some("null"),
    ];
    assert_eq!(got, want.map(|s| s.map(str::to_owned)));
}
