use super::*;

#[test]
fn records_joined_into_a_page_come_back_as_they_were() {
    let records: Vec<Box<RawValue>> = ["{\"a\":1}", "{\"b\":[2]}"]
        .iter()
        .map(|text| RawValue::from_string((*text).to_owned()).expect("raw"))
        .collect();
    let page = Page::from_records(&records);
    let back: Vec<&str> = page
        .records()
        .expect("records")
        .iter()
        .map(|r| r.get())
        .collect();
    assert_eq!(back, ["{\"a\":1}", "{\"b\":[2]}"]);
    assert_eq!(page.len(), 2);
    assert_eq!(page.last_record(), Some("{\"b\":[2]}"));
    assert!(Page::from_records(&[]).records().expect("empty").is_empty());
}

fn page(body: &'static [u8], items: Option<&str>, single: bool) -> Result<Page, PageError> {
    parse(
        Bytes::from_static(body),
        Shape {
            items,
            single_object_ok: single,
            identity: None,
        },
    )
}

fn texts(page: &Page) -> Vec<&str> {
    page.records()
        .expect("records")
        .into_iter()
        .map(RawValue::get)
        .collect()
}

#[test]
fn an_offset_envelope_gives_its_records_raw_and_its_total() {
    let body = br#"{"roles":[{"id":"rol_1","name":"a"},{"name":"b","id":"rol_2"}],"start":0,"limit":50,"total":2}"#;
    let page = page(body, Some("roles"), false).expect("page");
    assert_eq!(page.total, Some(2));
    assert_eq!(page.next, None);
    assert_eq!(page.len(), 2);
    assert_eq!(texts(&page)[1], r#"{"name":"b","id":"rol_2"}"#);
    assert_eq!(page.last_record(), Some(r#"{"name":"b","id":"rol_2"}"#));
}

#[test]
fn records_are_slices_of_the_body_not_copies() {
    let body = Bytes::from_static(br#"{"total":1,"clients":[ {"client_id":"c1"} ]}"#);
    let page = parse(
        body.clone(),
        Shape {
            items: Some("clients"),
            ..Shape::default()
        },
    )
    .expect("page");
    let records = page.records().expect("records");
    let text = records[0].get();
    let at = (text.as_ptr() as usize)
        .checked_sub(body.as_ptr() as usize)
        .expect("the record lies in the body");
    assert_eq!(&body[at..at + text.len()], text.as_bytes());
    assert_eq!(text, r#"{"client_id":"c1"}"#);
}

#[test]
fn a_checkpoint_page_gives_next_until_the_key_is_absent() {
    let next = page(
        br#"{"organizations":[{"id":"org_1"}],"next":"a*b"}"#,
        Some("organizations"),
        false,
    )
    .expect("page");
    assert_eq!(next.next.as_deref(), Some("a*b"));
    let last = page(br#"{"organizations":[]}"#, Some("organizations"), false).expect("page");
    assert_eq!(last.next, None);
    assert!(last.is_empty());
    assert!(last.records().expect("records").is_empty());
    assert_eq!(last.last_record(), None);
}

#[test]
fn a_bare_array_is_accepted_with_or_without_a_key() {
    let logs = page(b" [{\"log_id\":\"1\"},{\"log_id\":\"2\"}]", None, false).expect("page");
    assert_eq!(texts(&logs), [r#"{"log_id":"1"}"#, r#"{"log_id":"2"}"#]);
    assert_eq!(logs.last_record(), Some(r#"{"log_id":"2"}"#));
    let empty = page(b"[]", Some("clients"), false).expect("page");
    assert!(empty.is_empty());
}

#[test]
fn malformed_and_misshapen_bodies_are_errors_that_say_why() {
    assert!(matches!(
        page(b"{\"clients\":[", Some("clients"), false),
        Err(PageError::NotJson { .. })
    ));
    assert!(matches!(
        page(b"<html>", Some("clients"), false),
        Err(PageError::NotJson { .. })
    ));
    let error = page(br#"{"users":[]}"#, Some("clients"), false).expect_err("wrong key");
    assert!(
        error
            .to_string()
            .contains("no \"clients\" array (keys: users)"),
        "{error}"
    );
    let error = page(br#"[{"a":1},2]"#, None, false).expect_err("not objects");
    assert_eq!(error.to_string(), "record 1 is not a JSON object");
}

#[test]
fn a_list_of_values_is_records_of_one_field_and_a_bare_value_one_record() {
    let policies = page(br#"["all-applications"]"#, None, true).expect("page");
    assert_eq!(texts(&policies), [r#"{"value":"all-applications"}"#]);
    let types = page(
        br#"{"message_types":["sms","voice"]}"#,
        Some("message_types"),
        true,
    )
    .expect("page");
    assert_eq!(
        texts(&types),
        [r#"{"value":"sms"}"#, r#"{"value":"voice"}"#]
    );
    let count = page(b" 42\n", None, true).expect("page");
    assert_eq!(texts(&count), [r#"{"value":42}"#]);
    assert_eq!(count.len(), 1);
    assert!(page(b"42", None, false).is_err());
    assert!(matches!(
        page(b"", None, true),
        Err(PageError::NotJson { .. })
    ));
}

#[test]
fn a_single_object_is_one_record_only_when_allowed() {
    let single = page(br#"{"friendly_name":"x"}"#, None, true).expect("page");
    assert_eq!(texts(&single), [r#"{"friendly_name":"x"}"#]);
    assert!(page(br#"{"friendly_name":"x"}"#, None, false).is_err());
}
