use super::*;

#[test]
fn an_identity_seen_twice_is_a_drift_naming_it_and_the_page() {
    let mut verifier = Verifier::new(Some("client_id"), false, None);
    verifier
        .identities(1, Ok(Some(vec!["\"a\"", "\"b\""])))
        .expect("distinct");
    let drift = verifier
        .identities(2, Ok(Some(vec!["\"c\"", "\"a\""])))
        .expect_err("a twice");
    assert_eq!(drift.to_string(), "client_id a arrived twice (page 2)");
    assert_eq!(verifier.verified().identities_unique, Some(true));
}

#[test]
fn a_record_without_identity_leaves_uniqueness_unverified_not_failed() {
    let mut verifier = Verifier::new(Some("id"), false, None);
    verifier.identities(1, Err(3)).expect("not a drift");
    verifier
        .identities(2, Ok(Some(vec!["\"a\"", "\"a\""])))
        .expect("unchecked from then on");
    assert_eq!(verifier.verified().identities_unique, None);
    let unknown = Verifier::new(None, false, None);
    assert_eq!(unknown.verified().identities_unique, None);
}

#[test]
fn a_changed_total_is_a_drift() {
    let mut verifier = Verifier::new(None, false, None);
    verifier.total(1, 250).expect("first");
    verifier.total(2, 250).expect("same");
    assert_eq!(
        verifier.total(3, 249).expect_err("changed").to_string(),
        "total 250 on page 1, then 249 on page 3"
    );
}

#[test]
fn log_ids_must_rise_above_the_from_and_each_other() {
    let mut verifier = Verifier::new(Some("log_id"), true, Some("900".to_owned()));
    verifier
        .identities(1, Ok(Some(vec!["\"901\"", "\"1000\""])))
        .expect("ascending as numbers");
    let drift = verifier
        .identities(2, Ok(Some(vec!["\"999\""])))
        .expect_err("not above 1000");
    assert_eq!(drift.to_string(), "log_id 999 on page 2 is not above 1000");
    let mut resumed = Verifier::new(Some("log_id"), true, Some("905".to_owned()));
    assert!(resumed.identities(1, Ok(Some(vec!["\"905\""]))).is_err());
    assert!(resumed.verified().ascending);
}

#[test]
fn log_ids_compare_as_numbers_when_they_are_digits() {
    assert_eq!(log_id_order("10", "9"), Ordering::Greater);
    assert_eq!(log_id_order("009", "9"), Ordering::Equal);
    assert_eq!(log_id_order("b", "a"), Ordering::Greater);
}
