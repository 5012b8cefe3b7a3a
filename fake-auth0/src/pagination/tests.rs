use serde_json::{Value, json};

use super::*;
use crate::endpoints::lookup;

fn records(n: usize, field: &str) -> Vec<Value> {
    (0..n)
        .map(|i| json!({ field: format!("{i:03}") }))
        .collect()
}

fn ask(endpoint: &str, items: &[Value], query: &str) -> Result<Value, ApiError> {
    let spec = lookup(endpoint).copied().ok_or_else(ApiError::not_found)?;
    let body = answer(
        &spec,
        items,
        &Query::parse(Some(query)),
        &Cursors::new(7),
        Serving::default(),
    )?;
    Ok(serde_json::to_value(&body).unwrap_or_default())
}

fn keys(body: &Value) -> Vec<String> {
    body.as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

#[test]
fn offset_envelopes_keep_the_recorded_key_order() {
    let items = records(3, "id");
    assert_eq!(
        keys(&ask("roles", &items, "include_totals=true").unwrap_or_default()),
        ["roles", "start", "limit", "total"]
    );
    assert_eq!(
        keys(&ask("clients", &items, "include_totals=true").unwrap_or_default()),
        ["total", "start", "limit", "clients"]
    );
    let users = ask("users", &items, "include_totals=true&per_page=2&page=1").unwrap_or_default();
    assert_eq!(keys(&users), ["start", "limit", "length", "users", "total"]);
    assert_eq!(
        (
            users["start"].as_u64(),
            users["length"].as_u64(),
            users["total"].as_u64()
        ),
        (Some(2), Some(1), Some(3))
    );
}

#[test]
fn without_include_totals_a_page_is_a_bare_array() {
    let body = ask("clients", &records(120, "client_id"), "page=2").unwrap_or_default();
    assert_eq!(body.as_array().map(Vec::len), Some(20));
}

#[test]
fn page_sizes_over_100_and_repeated_parameters_are_refused() {
    let too_big = ask("clients", &[], "per_page=101").err();
    assert_eq!(
        too_big.as_ref().map(|e| e.error_code),
        Some(Some("invalid_query_string"))
    );
    assert!(too_big.is_some_and(|e| e.message.starts_with("Query validation error:")));
    assert!(ask("clients", &[], "page=0&page=1").is_err());
    assert!(ask("organizations", &[], "take=5&take=5").is_err());
    assert!(ask("clients", &[], "include_totals=yes").is_err());
}

#[test]
fn users_past_the_first_thousand_are_refused_but_the_total_is_true() {
    let users = records(1500, "user_id");
    let last = ask("users", &users, "per_page=100&page=9&include_totals=true").unwrap_or_default();
    assert_eq!(last["total"], 1500);
    let beyond = ask("users", &users, "per_page=100&page=10").err();
    assert_eq!(beyond.map(|e| e.error_code), Some(Some("invalid_paging")));
}

#[test]
fn checkpoint_pages_follow_next_until_it_is_absent() {
    let items = records(5, "id");
    let first = ask("organizations", &items, "take=2&include_totals=true").unwrap_or_default();
    assert_eq!(keys(&first), ["organizations", "next"]);
    let mut seen = 2;
    let mut next = first["next"].as_str().map(str::to_owned);
    while let Some(from) = next.take() {
        let encoded: String = form_urlencoded::byte_serialize(from.as_bytes()).collect();
        let page =
            ask("organizations", &items, &format!("take=2&from={encoded}")).unwrap_or_default();
        seen += page["organizations"].as_array().map_or(0, Vec::len);
        next = page["next"].as_str().map(str::to_owned);
    }
    assert_eq!(seen, 5);
    assert!(ask("organizations", &items, "take=2&from=garbled").is_err());
}

#[test]
fn logs_stream_upwards_from_a_log_id() {
    let logs = records(5, "log_id");
    let search = ask("logs", &logs, "take=2").unwrap_or_default();
    assert_eq!(
        search,
        json!([{ "log_id": "004" }, { "log_id": "003" }]),
        "take without from is a search, newest first"
    );
    let oldest = ask("logs", &logs, "sort=date:1&page=0&per_page=2").unwrap_or_default();
    assert_eq!(oldest, json!([{ "log_id": "000" }, { "log_id": "001" }]));
    let next = ask("logs", &logs, "from=001&take=10").unwrap_or_default();
    assert_eq!(next.as_array().map(Vec::len), Some(3));
    assert_eq!(
        ask("logs", &logs, "from=004&take=10").unwrap_or_default(),
        json!([])
    );
    assert!(ask("logs", &logs, "from=999&take=10").is_err());
    let newest = ask("logs", &logs, "page=0&per_page=2").unwrap_or_default();
    assert_eq!(newest, json!([{ "log_id": "004" }, { "log_id": "003" }]));
}

#[test]
fn users_without_sort_come_in_another_order_per_request_and_sorted_in_one() {
    let users = records(40, "user_id");
    let spec = lookup("users").copied().expect("users");
    let walk = |salt: u64, query: &str| -> Vec<Value> {
        let serving = Serving {
            salt,
            ..Serving::default()
        };
        let body = answer(
            &spec,
            &users,
            &Query::parse(Some(query)),
            &Cursors::new(7),
            serving,
        )
        .expect("answer");
        serde_json::to_value(&body)
            .expect("json")
            .as_array()
            .cloned()
            .expect("array")
    };
    assert_ne!(walk(1, "per_page=40"), walk(2, "per_page=40"));
    let sorted = walk(1, "per_page=40&sort=user_id:1");
    assert_eq!(sorted, walk(2, "per_page=40&sort=user_id:1"));
    assert_eq!(sorted, users);
    let descending = walk(3, "per_page=2&sort=user_id:-1");
    assert_eq!(
        Value::Array(descending),
        json!([{ "user_id": "039" }, { "user_id": "038" }])
    );
}

#[test]
fn a_capped_page_size_shows_in_limit_and_start_and_totals_can_be_ignored() {
    let roles = records(120, "id");
    let spec = lookup("roles").copied().expect("roles");
    let capped = Serving {
        page_size_cap: Some(50),
        ..Serving::default()
    };
    let body = answer(
        &spec,
        &roles,
        &Query::parse(Some("page=1&per_page=100&include_totals=true")),
        &Cursors::new(7),
        capped,
    )
    .expect("answer");
    let body = serde_json::to_value(&body).expect("json");
    assert_eq!(
        (body["start"].as_u64(), body["limit"].as_u64()),
        (Some(50), Some(50))
    );
    assert_eq!(body["roles"][0]["id"], "050");
    let bare = Serving {
        ignore_totals: true,
        ..Serving::default()
    };
    let body = answer(
        &spec,
        &roles,
        &Query::parse(Some("page=0&per_page=10&include_totals=true")),
        &Cursors::new(7),
        bare,
    )
    .expect("answer");
    assert_eq!(
        serde_json::to_value(&body)
            .expect("json")
            .as_array()
            .map(Vec::len),
        Some(10)
    );
}
