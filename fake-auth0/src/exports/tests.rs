//! The export book and the export file, without HTTP.

use axum::body::Bytes;
use serde_json::{Value, json};

use super::*;

fn users() -> Vec<Value> {
    vec![
        json!({"user_id": "auth0|1", "email": "a@x", "identities": [{"connection": "db"}], "user_metadata": {"locale": "fr", "x": 1}}),
        json!({"user_id": "google-oauth2|2", "email": "b@x", "identities": [{"connection": "google-oauth2"}]}),
    ]
}

fn lines(file: &Bytes) -> Vec<Value> {
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&file[..]), &mut text).unwrap();
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn the_file_holds_the_chosen_fields_of_the_chosen_users() {
    let connections = [json!({"id": "con_1", "name": "db"})];
    let body = br#"{"format":"json","connection_id":"con_1","fields":[{"name":"user_id"},{"name":"user_metadata.locale"}]}"#;
    let request = parse_request(body, &connections).unwrap();
    let file = render(&users(), &request).unwrap();
    assert_eq!(
        lines(&file),
        [json!({"user_id": "auth0|1", "user_metadata": {"locale": "fr"}})]
    );
    let defaults = parse_request(br#"{"format":"json","limit":1}"#, &[]).unwrap();
    assert_eq!(
        lines(&render(&users(), &defaults).unwrap()),
        [json!({"user_id": "auth0|1", "email": "a@x", "provider": "db"})],
        "only the default set, in its order"
    );
}

#[test]
fn bad_bodies_and_unknown_connections_are_refused() {
    for body in [
        &b"nope"[..],
        br#"{"format":"xml"}"#,
        br#"{"limit":0}"#,
        br#"{"fields":["email"]}"#,
        br#"{"fields":[{"name":"identities[x].connection"}]}"#,
        br#"{"fields":[{"name":"email","export_as":3}]}"#,
        br#"{"connection_id":"con_x"}"#,
    ] {
        assert!(
            parse_request(body, &[]).is_err(),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn a_job_is_pending_then_processing_then_completed_with_a_location() {
    let book = ExportBook::default();
    let (id, _) = book.create(
        parse_request(b"{}", &[]).unwrap(),
        "2024-01-01T00:00:00.000Z".into(),
    );
    assert_eq!(book.created_answer(&id).unwrap()["status"], "pending");
    assert_eq!(book.poll(&id, "http://h").unwrap()["status"], "pending");
    assert_eq!(book.poll(&id, "http://h").unwrap()["status"], "processing");
    assert_eq!(book.poll(&id, "http://h").unwrap()["status"], "processing");
    book.attach_file(&id, Bytes::from_static(b"gz"));
    let done = book.poll(&id, "http://h").unwrap();
    assert_eq!(
        done["location"],
        format!("http://h/downloads/{id}.json.gz?X-Amz-Expires=60&X-Amz-Signature=1")
    );
    let path = format!("/downloads/{id}.json.gz");
    assert_eq!(
        book.download(&path, Some("X-Amz-Expires=60&X-Amz-Signature=1"), false),
        Served::File(Bytes::from_static(b"gz"))
    );
    assert!(!book.downloads()[0].authorization);
    assert_eq!(book.download(&path, None, false), Served::Missing);
    assert_eq!(
        book.download(&path, Some("X-Amz-Signature=2"), false),
        Served::Missing
    );
}

#[test]
fn the_first_locations_can_be_made_to_expire_and_each_read_of_the_job_signs_a_new_one() {
    let book = ExportBook::default();
    book.set_behaviour(ExportBehaviour {
        polls_until_done: 0,
        expired_locations: 1,
        ..ExportBehaviour::default()
    });
    let (id, _) = book.create(parse_request(b"{}", &[]).unwrap(), "t".into());
    book.attach_file(&id, Bytes::from_static(b"gz"));
    let path = format!("/downloads/{id}.json.gz");
    let first = book.poll(&id, "http://h").unwrap();
    assert!(
        first["location"]
            .as_str()
            .unwrap()
            .ends_with("X-Amz-Signature=1")
    );
    assert_eq!(
        book.download(&path, Some("X-Amz-Signature=1"), false),
        Served::Expired
    );
    let second = book.poll(&id, "http://h").unwrap();
    assert!(
        second["location"]
            .as_str()
            .unwrap()
            .ends_with("X-Amz-Signature=2")
    );
    assert_eq!(
        book.download(&path, Some("X-Amz-Signature=2"), false),
        Served::File(Bytes::from_static(b"gz"))
    );
}

#[test]
fn a_failing_job_ends_failed_with_a_summary_and_no_location() {
    let book = ExportBook::default();
    book.set_behaviour(ExportBehaviour {
        polls_until_done: 0,
        fail_with: Some("boom".into()),
        ..ExportBehaviour::default()
    });
    let (id, _) = book.create(parse_request(b"{}", &[]).unwrap(), "t".into());
    let answer = book.poll(&id, "http://h").unwrap();
    assert_eq!(
        (answer["status"].as_str(), answer["summary"].as_str()),
        (Some("failed"), Some("boom"))
    );
    assert!(answer.get("location").is_none());
    assert!(book.poll("job_unknown", "http://h").is_none());
}
